//! `hashpin diff OLD NEW`: what a lock update changes, riskiest first.
//!
//! A reviewer of a lock update sees hundreds of changed hashes and nothing that says which
//! change matters. This lists the packages added, removed, upgraded, downgraded or re-hashed,
//! each with the signals that make it risky, from the two locks alone (no index is asked):
//! a new dependency, a release younger than `--min-age`, a startup hook new or changed, a
//! file re-uploaded under its name, another publisher or index, a yanked release, a release
//! with no wheel. What the locks do not record (a requirements file has no upload times and
//! no file names) is not guessed.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use hashpin_formats::{Lock, Package};
use hashpin_pypi::untrusted::for_terminal;
use hashpin_pypi::{PackageName, Span, Timestamp};
use serde::Serialize;

use crate::cli::{DiffArgs, DiffFormat, RiskLevel};
use crate::exit::{ExitStatus, No};
use crate::printer;

/// How a package changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
enum Kind {
    Added,
    Removed,
    Upgraded,
    Downgraded,
    /// The same version, other hashes.
    Rehashed,
    /// The same version and hashes; something else the lock records changed.
    Changed,
}

/// One reason a change deserves a look.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct Signal {
    risk: RiskLevel,
    /// Short, for the table: `startup-hook`, `reupload`, …
    name: &'static str,
    message: String,
}

/// One package's change.
#[derive(Debug, Serialize)]
struct Change {
    name: String,
    kind: Kind,
    old: Option<String>,
    new: Option<String>,
    risk: RiskLevel,
    signals: Vec<Signal>,
}

pub(crate) fn run(args: &DiffArgs) -> anyhow::Result<ExitStatus> {
    let old = crate::lockfile::read(&args.old, None)?.lock;
    let new = crate::lockfile::read(&args.new, None)?.lock;
    let changes = diff(&old, &new, args.min_age, Timestamp::now());
    let text = match args.format {
        DiffFormat::Human => human(&changes),
        DiffFormat::Markdown => markdown(&changes),
        DiffFormat::Json => serde_json::to_string_pretty(&changes)?,
    };
    if !text.is_empty() {
        printer::data(text.trim_end_matches('\n'))?;
    }
    printer::status(&summary(&changes));
    if let Some(level) = args.fail_on
        && let Some(worst) = changes.iter().map(|change| change.risk).max()
        && worst >= level
    {
        return Ok(No::because(format!(
            "the update has {} changes (--fail-on {})",
            worst.as_str(),
            level.as_str()
        ))
        .into());
    }
    Ok(ExitStatus::Success)
}

/// The changes from `old` to `new` as `diff` prints them for people, with its summary line
/// first; `None` when no package changed.
pub(crate) fn review(old: &Lock, new: &Lock) -> Option<String> {
    const WEEK: i64 = 7 * 86_400;
    let changes = diff(old, new, Span::from_seconds(WEEK), Timestamp::now());
    if changes.is_empty() {
        return None;
    }
    Some(format!("{}:\n{}", summary(&changes), human(&changes)))
}

fn by_name(lock: &Lock) -> BTreeMap<&PackageName, &Package> {
    let mut packages = BTreeMap::new();
    for package in &lock.packages {
        packages.entry(&package.name).or_insert(package);
    }
    packages
}

/// The changes from `old` to `new`, riskiest first, then by name.
fn diff(old: &Lock, new: &Lock, min_age: Span, now: Timestamp) -> Vec<Change> {
    let (before, after) = (by_name(old), by_name(new));
    let names: BTreeSet<&PackageName> = before.keys().chain(after.keys()).copied().collect();
    let mut changes = Vec::new();
    for name in names {
        let (was, is) = (before.get(name).copied(), after.get(name).copied());
        let kind = match (was, is) {
            (None, Some(_)) => Kind::Added,
            (Some(_), None) => Kind::Removed,
            (Some(was), Some(is)) if was.version < is.version => Kind::Upgraded,
            (Some(was), Some(is)) if was.version > is.version => Kind::Downgraded,
            (Some(was), Some(is)) if hashes(was) != hashes(is) => Kind::Rehashed,
            (Some(_), Some(_)) => Kind::Changed,
            (None, None) => continue,
        };
        let signals = match is {
            Some(is) => signals(kind, was, is, min_age, now),
            None => Vec::new(),
        };
        if kind == Kind::Changed && signals.is_empty() {
            continue;
        }
        let risk = signals
            .iter()
            .map(|signal| signal.risk)
            .max()
            .unwrap_or(RiskLevel::Low);
        changes.push(Change {
            name: name.to_string(),
            kind,
            old: was.and_then(|package| package.version.as_ref().map(ToString::to_string)),
            new: is.and_then(|package| package.version.as_ref().map(ToString::to_string)),
            risk,
            signals,
        });
    }
    changes.sort_by(|a, b| b.risk.cmp(&a.risk).then_with(|| a.name.cmp(&b.name)));
    changes
}

fn hashes(package: &Package) -> BTreeSet<String> {
    package.hashes().map(ToString::to_string).collect()
}

fn signal(risk: RiskLevel, name: &'static str, message: impl Into<String>) -> Signal {
    Signal {
        risk,
        name,
        message: message.into(),
    }
}

fn signals(
    kind: Kind,
    was: Option<&Package>,
    is: &Package,
    min_age: Span,
    now: Timestamp,
) -> Vec<Signal> {
    let mut signals = version_signals(kind, was, is);
    signals.extend(origin_signals(was, is));
    if kind != Kind::Removed {
        signals.extend(file_signals(kind, is, min_age, now));
    }
    signals
}

/// What the move between versions (or hashes) says.
fn version_signals(kind: Kind, was: Option<&Package>, is: &Package) -> Vec<Signal> {
    match (kind, was) {
        (Kind::Added, _) => vec![signal(
            RiskLevel::Medium,
            "new-dependency",
            "a project the lock did not have",
        )],
        (Kind::Downgraded, _) => vec![signal(
            RiskLevel::Medium,
            "downgrade",
            "an older version than the lock had",
        )],
        (Kind::Rehashed, Some(was)) => {
            let (before, after) = (hashes(was), hashes(is));
            let gone = before.difference(&after).count();
            let added = after.difference(&before).count();
            vec![if gone > 0 && added > 0 {
                signal(
                    RiskLevel::High,
                    "reupload",
                    format!(
                        "the same version with {gone} hash(es) gone and {added} new: a file re-uploaded under its name, or tampered with"
                    ),
                )
            } else if added > 0 {
                signal(
                    RiskLevel::Low,
                    "new-file",
                    format!("{added} file(s) added to the same version"),
                )
            } else {
                signal(
                    RiskLevel::Low,
                    "file-removed",
                    format!("{gone} file(s) no longer in the lock"),
                )
            }]
        }
        _ => Vec::new(),
    }
}

/// Where the release comes from, and what it runs at startup.
fn origin_signals(was: Option<&Package>, is: &Package) -> Vec<Signal> {
    let mut signals = Vec::new();
    let hooks = |package: &Package| {
        package
            .facts
            .get("startup-hooks")
            .cloned()
            .unwrap_or_default()
    };
    let (hooks_before, hooks_after) = (was.map(hooks).unwrap_or_default(), hooks(is));
    if hooks_after != hooks_before && !hooks_after.is_empty() {
        signals.push(signal(
            RiskLevel::High,
            "startup-hook",
            format!(
                "startup hooks {}: {}",
                if hooks_before.is_empty() {
                    "installed"
                } else {
                    "changed"
                },
                hooks_after
                    .iter()
                    .map(|hook| for_terminal(hook).into_owned())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    if let Some(was) = was {
        if !was.attestation_identities.is_empty()
            && was.attestation_identities != is.attestation_identities
        {
            signals.push(signal(
                RiskLevel::High,
                "publisher",
                if is.attestation_identities.is_empty() {
                    "published without the attestations it had"
                } else {
                    "published by another Trusted Publisher than before"
                },
            ));
        }
        if was.index.is_some() && is.index.is_some() && was.index != is.index {
            signals.push(signal(
                RiskLevel::High,
                "index",
                format!(
                    "from another index: {}",
                    for_terminal(is.index.as_deref().unwrap_or_default())
                ),
            ));
        }
    }
    if let Some(yank) = &is.yanked {
        signals.push(signal(
            RiskLevel::High,
            "yanked",
            format!(
                "yanked on the index ({})",
                for_terminal(yank.reason.as_deref().unwrap_or("no reason given"))
            ),
        ));
    }
    signals
}

/// What the release's files say, where the lock names them (a pylock).
fn file_signals(kind: Kind, is: &Package, min_age: Span, now: Timestamp) -> Vec<Signal> {
    let mut signals = Vec::new();
    let named: Vec<_> = is
        .files
        .iter()
        .filter(|file| file.name().is_some())
        .collect();
    if !named.is_empty() && named.iter().all(|file| !file.is_wheel()) {
        signals.push(signal(
            RiskLevel::Medium,
            "sdist-only",
            "no wheel: built from source at install time",
        ));
    }
    let uploaded = is.files.iter().filter_map(|file| file.upload_time).min();
    if let Some(uploaded) = uploaded
        && kind != Kind::Changed
        && uploaded > min_age.before(now)
    {
        signals.push(signal(
            RiskLevel::Medium,
            "young",
            format!(
                "uploaded {} ago ({uploaded}), under {}",
                Span::from_seconds(now.unix_seconds() - uploaded.unix_seconds()).human(),
                min_age.human()
            ),
        ));
    }
    signals
}

fn transition(change: &Change) -> String {
    match (&change.old, &change.new, change.kind) {
        (None, Some(new), _) => format!("{} {new} (new)", change.name),
        (Some(old), None, _) => format!("{} {old} (removed)", change.name),
        (Some(old), Some(new), Kind::Upgraded | Kind::Downgraded) => {
            format!("{} {old} -> {new}", change.name)
        }
        (_, Some(new), _) => format!("{} {new}", change.name),
        (None, None, _) => change.name.clone(),
    }
}

fn human(changes: &[Change]) -> String {
    let mut text = String::new();
    for change in changes {
        let _ = write!(text, "{:<6}  {}", change.risk.as_str(), transition(change));
        let messages: Vec<&str> = change
            .signals
            .iter()
            .map(|signal| signal.message.as_str())
            .collect();
        if !messages.is_empty() {
            let _ = write!(text, ": {}", messages.join("; "));
        }
        text.push('\n');
    }
    text
}

fn markdown(changes: &[Change]) -> String {
    if changes.is_empty() {
        return "No changes to the lock.\n".to_string();
    }
    let mut text = format!("**Lock update**: {}\n\n", summary(changes));
    text.push_str("| risk | package | change | signals |\n|---|---|---|---|\n");
    let cell = |text: &str| text.replace('|', "\\|").replace('\n', " ");
    for change in changes {
        let what = match (&change.old, &change.new) {
            (Some(old), Some(new)) if old != new => format!("{old} → {new}"),
            (None, Some(new)) => format!("{new} (new)"),
            (Some(old), None) => format!("{old} (removed)"),
            (_, Some(new)) => format!("{new} ({:?})", change.kind).to_lowercase(),
            (None, None) => String::new(),
        };
        let signals: Vec<String> = change
            .signals
            .iter()
            .map(|signal| format!("**{}**: {}", signal.name, cell(&signal.message)))
            .collect();
        let _ = writeln!(
            text,
            "| {} | `{}` | {} | {} |",
            change.risk.as_str(),
            change.name,
            cell(&what),
            signals.join("<br>")
        );
    }
    text
}

fn summary(changes: &[Change]) -> String {
    if changes.is_empty() {
        return "no changes".to_string();
    }
    let count = |level| changes.iter().filter(|change| change.risk == level).count();
    let levels: Vec<String> = [RiskLevel::High, RiskLevel::Medium, RiskLevel::Low]
        .into_iter()
        .filter(|level| count(*level) > 0)
        .map(|level| format!("{} {}", count(level), level.as_str()))
        .collect();
    format!(
        "{} change{} ({})",
        changes.len(),
        if changes.len() == 1 { "" } else { "s" },
        levels.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use hashpin_formats::LockedFile;
    use hashpin_pypi::{HashAlgorithm, HashDigest, Publisher};

    use super::*;

    fn package(name: &str, version: &str, hashes: &[char]) -> Package {
        Package::new(
            name.parse().expect("a name"),
            version.parse().expect("a version"),
            hashes
                .iter()
                .map(|c| {
                    LockedFile::hash_only(
                        HashDigest::new(HashAlgorithm::Sha256, &c.to_string().repeat(64))
                            .expect("a digest"),
                    )
                })
                .collect(),
        )
    }

    fn lock(packages: Vec<Package>) -> Lock {
        Lock {
            packages,
            ..Lock::default()
        }
    }

    #[test]
    fn changes_are_ordered_by_risk_with_their_signals() {
        let mut hooked = package("hooked", "1.1", &['8']);
        hooked
            .facts
            .insert("startup-hooks".into(), vec!["hooked.pth sha256:ab".into()]);
        let mut published = package("published", "2.0", &['9']);
        published.attestation_identities = vec![Publisher {
            kind: "GitHub".into(),
            keys: BTreeMap::new(),
        }];
        let old = lock(vec![
            package("kept", "1.0", &['1']),
            package("bumped", "1.0", &['2']),
            package("reuploaded", "1.0", &['4']),
            package("gone", "1.0", &['6']),
            package("hooked", "1.0", &['7']),
            published.clone(),
        ]);
        let mut republished = package("published", "2.1", &['b']);
        republished.attestation_identities = Vec::new();
        let new = lock(vec![
            package("kept", "1.0", &['1']),
            package("bumped", "1.2", &['3']),
            package("reuploaded", "1.0", &['5']),
            package("added", "0.1", &['b']),
            hooked,
            republished,
        ]);
        let changes = diff(&old, &new, "P7D".parse().expect("a span"), Timestamp::now());
        let shown: Vec<(&str, Kind, RiskLevel)> = changes
            .iter()
            .map(|change| (change.name.as_str(), change.kind, change.risk))
            .collect();
        assert_eq!(
            shown,
            [
                ("hooked", Kind::Upgraded, RiskLevel::High),
                ("published", Kind::Upgraded, RiskLevel::High),
                ("reuploaded", Kind::Rehashed, RiskLevel::High),
                ("added", Kind::Added, RiskLevel::Medium),
                ("bumped", Kind::Upgraded, RiskLevel::Low),
                ("gone", Kind::Removed, RiskLevel::Low),
            ]
        );
        let text = human(&changes);
        assert!(
            text.contains(
                "high    hooked 1.0 -> 1.1: startup hooks installed: hooked.pth sha256:ab"
            ),
            "{text}"
        );
        assert!(
            text.contains("medium  added 0.1 (new): a project the lock did not have"),
            "{text}"
        );
        assert_eq!(summary(&changes), "6 changes (3 high, 1 medium, 2 low)");
        let table = markdown(&changes);
        assert!(
            table.contains("| high | `reuploaded` | 1.0 (rehashed) | **reupload**: "),
            "{table}"
        );
        assert!(diff(&old, &old, "P7D".parse().expect("a span"), Timestamp::now()).is_empty());
    }
}

//! The malicious-release gate's signals in the audit: startup hooks in the locked wheels
//! (as `compile` and `check` scan them, docs/startup-hooks.md) and, with `--min-age`,
//! releases uploaded too recently to have been found out. Both need the index's listing of
//! each release; what cannot be listed is said, and does not pass for scanned.

use std::collections::{HashMap, HashSet};

use hashpin_pypi::{IndexClient, PackageName, Span, untrusted::for_terminal};
use serde::Serialize;

use super::Scope;
use crate::startup_hooks::{Allowance, Release};

/// What kind of signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(super) enum Kind {
    /// An executable startup hook no allowance covers, or a wheel that cannot be scanned.
    StartupHook,
    /// A release younger than `--min-age`.
    YoungRelease,
    /// Files published by another Trusted Publisher than the previous lock records, or by
    /// none.
    Publisher,
}

impl Kind {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Self::StartupHook => "startup-hook",
            Self::YoungRelease => "young-release",
            Self::Publisher => "publisher",
        }
    }
}

/// One signal on a pinned release. Every one fails the audit.
#[derive(Debug, Clone, Serialize)]
pub(super) struct Signal {
    #[serde(skip)]
    pub(super) row: usize,
    pub(super) kind: Kind,
    pub(super) message: String,
}

/// The signals, and the status lines about what was and was not scanned.
#[derive(Debug, Default)]
pub(super) struct Signals {
    pub(super) found: Vec<Signal>,
    pub(super) notes: Vec<String>,
    /// Whether the gate ran at all (`--skip-startup-hooks` and no `--min-age` leave it out).
    pub(super) ran: bool,
}

/// Scans the wheels each pin locks, and dates each pin, from the index's listings.
pub(super) async fn read(
    client: &IndexClient,
    scope: &Scope,
    (hooks, min_age): (bool, Option<Span>),
    allowances: &[Allowance],
    previous: Option<&hashpin_formats::Lock>,
) -> anyhow::Result<Signals> {
    let mut signals = Signals {
        ran: hooks || min_age.is_some() || previous.is_some(),
        ..Signals::default()
    };
    if !signals.ran || scope.pins.is_empty() {
        return Ok(signals);
    }
    let names: HashSet<PackageName> = scope.pins.iter().map(|pin| pin.name.clone()).collect();
    let mut projects = HashMap::new();
    let mut unlisted = Vec::new();
    for (name, project) in client.projects(names).await {
        match project {
            Ok(project) => {
                projects.insert(name, project);
            }
            Err(error) => unlisted.push(format!("{name} ({})", hashpin_pypi::error_chain(&error))),
        }
    }
    let mut releases = Vec::new();
    for (at, pin) in scope.pins.iter().enumerate() {
        let Some(project) = projects.get(&pin.name) else {
            continue;
        };
        let locked = &scope.hashes[at];
        let files: Vec<_> = match project.files_of(&pin.version) {
            Ok(files) => files
                .into_iter()
                .filter(|file| file.hashes.iter().any(|hash| locked.contains(hash)))
                .collect(),
            Err(error) => {
                unlisted.push(format!(
                    "{}=={} ({})",
                    pin.name,
                    pin.version,
                    hashpin_pypi::error_chain(&error)
                ));
                continue;
            }
        };
        if let Some(min_age) = min_age
            && let Some(message) = crate::release_age::too_young(&files, min_age)
        {
            signals.found.push(Signal {
                row: at,
                kind: Kind::YoungRelease,
                message,
            });
        }
        if let Some(previous) = previous
            && let Some(message) =
                publisher_change(client, previous, &scope.publishers[at], pin, &files).await
        {
            signals.found.push(Signal {
                row: at,
                kind: Kind::Publisher,
                message,
            });
        }
        releases.push(Release {
            name: pin.name.clone(),
            version: pin.version.clone(),
            files,
        });
    }
    if hooks {
        let scan = crate::startup_hooks::Scanner::new(client)
            .scan(releases)
            .await?;
        signals.found.extend(refusals(&scan, scope, allowances));
        if let Some(summary) = scan.summary(allowances) {
            signals.notes.push(summary);
        }
    }
    if !unlisted.is_empty() {
        signals.notes.push(format!(
            "Not checked for startup hooks or release age, since the index could not list {}: {}",
            if unlisted.len() == 1 { "it" } else { "them" },
            unlisted.join(", ")
        ));
    }
    signals
        .found
        .sort_by_key(|signal| (signal.row, signal.kind));
    Ok(signals)
}

/// The hooks of `scan` no allowance covers, and the wheels it could not read, as signals.
fn refusals(
    scan: &crate::startup_hooks::Scan,
    scope: &Scope,
    allowances: &[Allowance],
) -> Vec<Signal> {
    let mut signals = Vec::new();
    let row_of = |name: &PackageName, version: &hashpin_pypi::Version| {
        scope
            .pins
            .iter()
            .position(|pin| &pin.name == name && &pin.version == version)
    };
    for found in scan.refused(allowances) {
        if let Some(row) = row_of(&found.name, &found.version) {
            signals.push(Signal {
                row,
                kind: Kind::StartupHook,
                message: format!(
                    "installs a startup hook that runs code at every interpreter start: {}; if it is expected, acknowledge it with --allow-startup-hook {}:{}",
                    crate::startup_hooks::describe(found),
                    found.name,
                    for_terminal(found.hook.file_name())
                ),
            });
        }
    }
    for (name, version, wheel, why) in scan.refused_unreadable(allowances) {
        if let Some(row) = row_of(name, version) {
            signals.push(Signal {
                row,
                kind: Kind::StartupHook,
                message: format!(
                    "{} cannot be scanned for startup hooks (not a readable zip: {})",
                    for_terminal(wheel),
                    for_terminal(why)
                ),
            });
        }
    }
    signals
}

/// How the publishers of a pin's files differ from those `previous` records for the
/// project: another one, or none where it had one. The new files' publishers are those the
/// lock records, else those the index's provenance for them names. A project the previous
/// lock records no publisher for is not judged (nothing says who published it before).
async fn publisher_change(
    client: &IndexClient,
    previous: &hashpin_formats::Lock,
    recorded: &[hashpin_pypi::Publisher],
    pin: &hashpin_audit::Pin,
    files: &[hashpin_pypi::DistFile],
) -> Option<String> {
    let mut before: Vec<hashpin_pypi::Publisher> = previous
        .packages
        .iter()
        .filter(|package| package.name == pin.name)
        .flat_map(|package| package.attestation_identities.iter().cloned())
        .collect();
    if before.is_empty() {
        return None;
    }
    before.sort();
    before.dedup();
    let mut now: Vec<hashpin_pypi::Publisher> = recorded.to_vec();
    if now.is_empty() {
        for file in files.iter().filter(|file| file.provenance.is_some()) {
            match client.publishers(file).await {
                Ok(found) => now.extend(found),
                Err(error) => {
                    return Some(format!(
                        "its previous lock names a Trusted Publisher, and the provenance of {} cannot be read: {}",
                        for_terminal(&file.filename),
                        hashpin_pypi::error_chain(&error)
                    ));
                }
            }
        }
    }
    now.sort();
    now.dedup();
    if now.iter().any(|publisher| before.contains(publisher)) {
        return None;
    }
    let names = |publishers: &[hashpin_pypi::Publisher]| {
        publishers
            .iter()
            .map(crate::commands::inventory::publisher_line)
            .collect::<Vec<_>>()
            .join("; ")
    };
    Some(if now.is_empty() {
        format!(
            "is published without the attestations it had: the previous lock names {}",
            names(&before)
        )
    } else {
        format!(
            "is published by another Trusted Publisher than before: {} (the previous lock names {})",
            names(&now),
            names(&before)
        )
    })
}

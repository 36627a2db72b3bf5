//! `hashpin audit LOCK...`: the known vulnerabilities of every package a lock pins.
//!
//! The lock is the tree: nothing is resolved again and no environment is read. Each pin from
//! an index is asked of every configured source ([`hashpin_audit::Source`]); what none could
//! answer for is "not audited", counted apart and never reported as clean. Packages from a
//! directory, a VCS or a URL have no index release to look up, and are listed as such.

mod dependents;
mod inputs;
mod report;
mod signals;

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use hashpin_audit::{Database, Finding, Pin, Source};
use hashpin_formats::{Location, Lock, Package};
use hashpin_pypi::{IndexClient, Timestamp, untrusted::for_terminal};

use crate::cli::{AuditArgs, IndexArgs, Severity, VulnerabilityArgs};
use crate::exit::{ExitStatus, No};
use crate::lockfile::LockFile;
use crate::settings::{index_options, index_settings};
use inputs::{Fix, Inputs};

/// A database older than this is named as old in the report.
const OLD_DATABASE_DAYS: i64 = 30;

pub(crate) async fn run(args: &AuditArgs) -> anyhow::Result<ExitStatus> {
    let mut locks = Vec::new();
    for path in &args.locks {
        locks.push((path.clone(), crate::lockfile::read(path, None)?));
    }
    let lines = crate::lockfile::index_lines(&locks);
    let client = index_settings(&args.index, &index_options(&args.index, &lines))?.client;
    let previous = match &args.previous {
        Some(path) => Some(crate::lockfile::read(path, None)?.lock),
        None => None,
    };
    let gate = Gate {
        hooks: !args.skip_startup_hooks,
        min_age: args.min_age,
        allowances: &args.gate.allow_startup_hook,
        previous: previous.as_ref(),
    };
    let audit = Audit::run(
        &locks,
        &args.vulnerabilities,
        &args.index,
        &client,
        Some(gate),
    )
    .await?;
    report::print(&audit, args.format)?;
    Ok(audit.verdict())
}

/// `compile --audit`: audits `lock` (not yet written, to be written at `output`) with the
/// sources of `args`; a failure is the verdict, and the caller writes nothing.
pub(crate) async fn gate(
    lock: &Lock,
    output: Option<&std::path::Path>,
    args: &VulnerabilityArgs,
    index: &IndexArgs,
    client: &IndexClient,
) -> anyhow::Result<ExitStatus> {
    let path = output.map_or_else(|| PathBuf::from("requirements.txt"), ToOwned::to_owned);
    let read = LockFile {
        lock: lock.clone(),
        locations: lock
            .packages
            .iter()
            .map(|_| Location {
                file: path.clone(),
                line: 0,
            })
            .collect(),
        lines: None,
    };
    // compile's own gate has scanned what it locked, and its cutoff dated it; what is left
    // of the gate is the publishers the existing lock records.
    let previous = output
        .filter(|path| path.is_file())
        .and_then(|path| crate::lockfile::read(path, None).ok())
        .map(|read| read.lock);
    let gate = previous.as_ref().map(|previous| Gate {
        hooks: false,
        min_age: None,
        allowances: &[],
        previous: Some(previous),
    });
    let audit = Audit::run(&[(path, read)], args, index, client, gate).await?;
    report::print_to_stderr(&audit);
    Ok(audit.verdict())
}

/// A source as the report names it.
#[derive(Debug, serde::Serialize)]
struct SourceInfo {
    kind: &'static str,
    name: String,
    /// A database's size and age.
    #[serde(skip_serializing_if = "Option::is_none")]
    advisories: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    newest: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    skipped: Option<usize>,
}

impl SourceInfo {
    /// `; 3 files skipped as not advisories`, when a database had such files.
    fn skipped_note(&self) -> String {
        match self.skipped {
            Some(0) | None => String::new(),
            Some(1) => "; 1 file skipped as not an advisory (-v names it)".to_string(),
            Some(n) => format!("; {n} files skipped as not advisories (-v names them)"),
        }
    }

    /// `the OSV database all.zip (2661 advisories, newest modified 2024-10-10, 785 days ago)`.
    fn describe(&self) -> String {
        match (self.advisories, self.newest) {
            (Some(count), Some(newest)) => {
                let days = (Timestamp::now().unix_seconds() - newest.unix_seconds()) / 86_400;
                let date = newest.to_string();
                let date = date.get(..10).unwrap_or(&date);
                let old = if days > OLD_DATABASE_DAYS {
                    ": advisories published since are not in it"
                } else {
                    ""
                };
                format!(
                    "{} ({count} advisories, newest modified {date}, {days} days ago{old}{})",
                    self.name,
                    self.skipped_note()
                )
            }
            (Some(count), None) => format!(
                "{} ({count} advisories, of no known date{})",
                self.name,
                self.skipped_note()
            ),
            _ => self.name.clone(),
        }
    }
}

/// One pinned release and where the locks pin it.
#[derive(Debug)]
struct Row {
    name: String,
    version: String,
    locations: Vec<Location>,
    /// The sources that answered for it (by their index), and why the others could not.
    audited_by: Vec<usize>,
    not_audited: Vec<(usize, String)>,
}

/// A finding on a row, as reported.
#[derive(Debug)]
struct Item {
    row: usize,
    finding: Finding,
    fix: Fix,
    /// Why it is left out (`--ignore-vuln`), when it is.
    ignored: Option<String>,
    /// Whether it fails the audit (at `--fail-on`, and not ignored).
    fails: bool,
}

/// A package or line that has no index release to audit.
#[derive(Debug)]
struct Unauditable {
    /// The project, or the line as written when it names none.
    name: String,
    why: &'static str,
    location: Location,
    /// Whether it keeps the audit from answering for the whole lock (third-party code, or
    /// an unpinned line); a local project is the user's own, and `--skip-package` says so.
    blocks: bool,
}

/// An audit's outcome.
#[derive(Debug)]
struct Audit {
    locks: Vec<String>,
    sources: Vec<SourceInfo>,
    rows: Vec<Row>,
    items: Vec<Item>,
    /// The malicious-release gate's: startup hooks, young releases.
    signals: signals::Signals,
    unauditable: Vec<Unauditable>,
    fail_on: Severity,
}

/// The malicious-release gate's part in an audit.
struct Gate<'a> {
    hooks: bool,
    min_age: Option<hashpin_pypi::Span>,
    allowances: &'a [crate::startup_hooks::Allowance],
    /// The lock before this one, whose recorded publishers the new files must keep.
    previous: Option<&'a Lock>,
}

/// The releases of the locks to audit, each once however many locks pin it, and what has
/// none.
struct Scope {
    pins: Vec<Pin>,
    /// For each pin, every hash the locks give its files.
    hashes: Vec<std::collections::HashSet<hashpin_pypi::HashDigest>>,
    /// For each pin, the Trusted Publishers the locks record for it.
    publishers: Vec<Vec<hashpin_pypi::Publisher>>,
    /// One per pin, in its order.
    rows: Vec<Row>,
    /// For each pin, the (lock, package) indexes that pin it.
    packages: Vec<Vec<(usize, usize)>>,
    unauditable: Vec<Unauditable>,
}

impl Scope {
    fn of(locks: &[(PathBuf, LockFile)], skipped: &[hashpin_pypi::PackageName]) -> Self {
        let mut all = Self {
            pins: Vec::new(),
            hashes: Vec::new(),
            publishers: Vec::new(),
            rows: Vec::new(),
            packages: Vec::new(),
            unauditable: Vec::new(),
        };
        for (at_lock, (_, read)) in locks.iter().enumerate() {
            all.unauditable.extend(unaudited_lines(read));
            for (at_package, package) in read.lock.packages.iter().enumerate() {
                let location = read.locations[at_package].clone();
                if skipped.contains(&package.name) {
                    all.unauditable.push(Unauditable {
                        name: package.name.to_string(),
                        why: "skipped (--skip-package)",
                        location,
                        blocks: false,
                    });
                    continue;
                }
                let Some(pin) = pin_of(package) else {
                    let (why, blocks) = why_unauditable(package);
                    all.unauditable.push(Unauditable {
                        name: package.name.to_string(),
                        why,
                        location,
                        blocks,
                    });
                    continue;
                };
                let at = if let Some(at) = all.pins.iter().position(|known| *known == pin) {
                    at
                } else {
                    all.rows.push(Row {
                        name: pin.name.to_string(),
                        version: pin.version.to_string(),
                        locations: Vec::new(),
                        audited_by: Vec::new(),
                        not_audited: Vec::new(),
                    });
                    all.packages.push(Vec::new());
                    all.hashes.push(std::collections::HashSet::new());
                    all.publishers.push(Vec::new());
                    all.pins.push(pin);
                    all.pins.len() - 1
                };
                all.rows[at].locations.push(location);
                all.hashes[at].extend(package.hashes().cloned());
                all.publishers[at].extend(package.attestation_identities.iter().cloned());
                all.packages[at].push((at_lock, at_package));
            }
        }
        all
    }
}

impl Audit {
    async fn run(
        locks: &[(PathBuf, LockFile)],
        args: &VulnerabilityArgs,
        index: &IndexArgs,
        client: &IndexClient,
        gate: Option<Gate<'_>>,
    ) -> anyhow::Result<Self> {
        let acknowledged = Ignore::parse_all(&args.ignore)?;
        let skipped: Vec<hashpin_pypi::PackageName> = args
            .skip_package
            .iter()
            .map(|name| {
                name.parse()
                    .with_context(|| format!("--skip-package {name}: not a project name"))
            })
            .collect::<anyhow::Result<_>>()?;
        let mut scope = Scope::of(locks, &skipped);
        let names = scope.pins.iter().map(|pin| pin.name.clone()).collect();
        let (sources, infos) = sources(args, index, client, names).await?;
        let (report, signals) =
            futures_util::future::join(hashpin_audit::audit(&scope.pins, &sources), async {
                match &gate {
                    Some(gate) => {
                        signals::read(
                            client,
                            &scope,
                            (gate.hooks, gate.min_age),
                            gate.allowances,
                            gate.previous,
                        )
                        .await
                    }
                    None => Ok(signals::Signals::default()),
                }
            })
            .await;
        let signals = signals?;
        let mut found = Vec::new();
        for (at, pin_report) in report.pins.into_iter().enumerate() {
            scope.rows[at].audited_by = pin_report.audited_by;
            scope.rows[at].not_audited = pin_report
                .not_audited
                .into_iter()
                .map(|not| (not.source, not.why))
                .collect();
            found.extend(pin_report.findings.into_iter().map(|finding| (at, finding)));
        }
        let dependents = read_dependents(locks, &scope.pins, &scope.packages, &found, client).await;
        let mut inputs = Inputs::default();
        let mut items = Vec::new();
        for (at, finding) in found {
            let (at_lock, at_package) = scope.packages[at][0];
            let (lock_path, read) = &locks[at_lock];
            let package = &read.lock.packages[at_package];
            let reasons: Vec<String> = acknowledged
                .iter()
                .filter_map(|ignore| ignore.matches(&finding))
                .collect();
            let ignored = (!reasons.is_empty()).then(|| reasons.join("; "));
            let failing = ignored.is_none()
                && (finding.malicious || fails_at(finding.severity, args.fail_on));
            let fix = inputs.fix(lock_path, package, &finding.fixed, &dependents[at_lock]);
            items.push(Item {
                row: at,
                finding: neutralised(finding),
                fix,
                ignored,
                fails: failing,
            });
        }
        for ignore in &acknowledged {
            ignore.warn_if_idle(&items);
        }
        Ok(Self {
            locks: locks
                .iter()
                .map(|(path, _)| path.display().to_string())
                .collect(),
            sources: infos,
            rows: scope.rows,
            items,
            signals,
            unauditable: scope.unauditable,
            fail_on: args.fail_on,
        })
    }

    /// How many releases no source could answer for.
    fn not_audited(&self) -> usize {
        self.rows
            .iter()
            .filter(|row| row.audited_by.is_empty())
            .count()
    }

    /// Whether every release was audited and no line lacked one.
    fn is_complete(&self) -> bool {
        self.not_audited() == 0 && !self.unauditable.iter().any(|package| package.blocks)
    }

    /// Whether the audit exits 0.
    fn passes(&self) -> bool {
        matches!(self.verdict(), ExitStatus::Success)
    }

    /// Exit 1 for findings that fail, else 2 when part of the lock went unaudited.
    fn verdict(&self) -> ExitStatus {
        let failing: Vec<&Item> = self.items.iter().filter(|item| item.fails).collect();
        let signals = self.signals.found.len();
        if failing.is_empty() && signals > 0 {
            return No::because(format!(
                "the audit found {} of a malicious release (startup hooks, fresh releases, publishers)",
                super::count(signals, "sign", "signs")
            ))
            .into();
        }
        if !failing.is_empty() {
            let malicious = failing.iter().filter(|item| item.finding.malicious).count();
            let packages = {
                let mut rows: Vec<usize> = failing.iter().map(|item| item.row).collect();
                rows.dedup();
                rows.len()
            };
            let mut verdict = format!(
                "the audit found {} in {}",
                super::count(
                    failing.len(),
                    "known vulnerability",
                    "known vulnerabilities"
                ),
                super::count(packages, "package", "packages"),
            );
            if malicious > 0 {
                verdict = format!(
                    "{verdict}, {} of them reported as malicious",
                    super::count(malicious, "release", "releases")
                );
            }
            if signals > 0 {
                verdict = format!(
                    "{verdict}, and {} of a malicious release",
                    super::count(signals, "sign", "signs")
                );
            }
            return No::because(verdict).into();
        }
        let missing = self.not_audited()
            + self
                .unauditable
                .iter()
                .filter(|package| package.blocks)
                .count();
        if missing > 0 {
            let total = self.rows.len() + self.unauditable.iter().filter(|p| p.blocks).count();
            let verdict = if self.not_audited() == self.rows.len() && !self.rows.is_empty() {
                format!(
                    "nothing was audited: no source could answer for any of the {}",
                    super::count(self.rows.len(), "package", "packages")
                )
            } else {
                format!(
                    "{} of {total} could not be audited, so the lock is not known to be free of known vulnerabilities",
                    super::count(missing, "package", "packages"),
                )
            };
            // Exit 2: the audit could not run for all of the lock.
            let no = No::because(verdict);
            let no = if self.not_audited() == 0 {
                no.with_hint("pin every line with == and hashes (hashpin compile), or leave a package out on purpose with --skip-package NAME")
            } else if self
                .sources
                .iter()
                .all(|source| source.kind == "index-json-api")
            {
                no.with_hint("give an OSV database (--vulnerability-db PATH, e.g. OSV's all.zip for PyPI) or an OSV API (--osv-url URL)")
            } else {
                no
            };
            return ExitStatus::Incomplete(no);
        }
        if self.rows.is_empty() && self.unauditable.is_empty() {
            log::warn!("the lock pins no packages: there was nothing to audit");
        }
        ExitStatus::Success
    }
}

/// For each lock, the requirements of the packages that require a vulnerable one with a fix
/// above its pin: what the fix verdict weighs besides the input files.
async fn read_dependents(
    locks: &[(PathBuf, LockFile)],
    pins: &[Pin],
    packages: &[Vec<(usize, usize)>],
    found: &[(usize, Finding)],
    client: &IndexClient,
) -> Vec<inputs::Dependents> {
    let mut wanted = vec![std::collections::BTreeSet::new(); locks.len()];
    for (at, finding) in found {
        if !finding.fixed.iter().any(|fix| *fix > pins[*at].version) {
            continue;
        }
        let (at_lock, at_package) = packages[*at][0];
        let package = &locks[at_lock].1.lock.packages[at_package];
        wanted[at_lock].extend(
            package
                .via
                .iter()
                .filter_map(|via| via.parse::<hashpin_pypi::PackageName>().ok()),
        );
    }
    let reads = locks
        .iter()
        .zip(wanted)
        .map(|((_, read), names)| dependents::read(client, &read.lock, names));
    futures_util::future::join_all(reads).await
}

fn fails_at(severity: hashpin_audit::Severity, level: Severity) -> bool {
    use hashpin_audit::Severity as Rated;
    let rated = match severity {
        // Not knowing how bad it is is not knowing that it is mild.
        Rated::Unknown => return true,
        Rated::Low => Severity::Low,
        Rated::Medium => Severity::Medium,
        Rated::High => Severity::High,
        Rated::Critical => Severity::Critical,
    };
    rated >= level
}

/// The release to audit: a package from an index, with its version.
fn pin_of(package: &Package) -> Option<Pin> {
    match (&package.source, &package.version) {
        (hashpin_formats::Source::Index, Some(version)) => Some(Pin {
            name: package.name.clone(),
            version: version.clone(),
        }),
        _ => None,
    }
}

/// Why a package has no release to audit, and whether that leaves the lock unanswered for.
fn why_unauditable(package: &Package) -> (&'static str, bool) {
    match package.source {
        hashpin_formats::Source::Index => ("no version is pinned", true),
        hashpin_formats::Source::Archive { .. } => {
            ("installed from a URL, not an index release", true)
        }
        hashpin_formats::Source::Directory { .. } => {
            ("a local project, not an index release", false)
        }
        hashpin_formats::Source::Vcs { .. } => ("a VCS checkout, not an index release", true),
    }
}

/// The lines of a requirements file that pin no index release: a requirement without `==`
/// (`urllib3>=1.20`, `pyyaml==5.3.*`), an editable, VCS or directory line. A URL archive is
/// a package of the lock already, and listed as such.
fn unaudited_lines(read: &LockFile) -> Vec<Unauditable> {
    let Some(set) = &read.lines else {
        return Vec::new();
    };
    let mut lines = Vec::new();
    for entry in &set.requirements {
        if !read.locations.contains(&entry.location) {
            lines.push(Unauditable {
                name: entry.requirement.name.to_string(),
                why: "not pinned with ==, so there is no one release to audit",
                location: entry.location.clone(),
                blocks: true,
            });
        }
    }
    for line in &set.unlockable {
        let (why, blocks) = match &line.kind {
            hashpin_formats::UnlockableKind::Vcs => ("a VCS checkout, not an index release", true),
            hashpin_formats::UnlockableKind::Editable if line.text.contains("://") => {
                ("a VCS checkout, not an index release", true)
            }
            hashpin_formats::UnlockableKind::Editable
            | hashpin_formats::UnlockableKind::Directory => {
                ("a local project, not an index release", false)
            }
            hashpin_formats::UnlockableKind::Archive { .. }
            | hashpin_formats::UnlockableKind::MalformedHash { .. } => continue,
        };
        let editable = if line.kind == hashpin_formats::UnlockableKind::Editable {
            "-e "
        } else {
            ""
        };
        lines.push(Unauditable {
            name: format!(
                "{editable}{}",
                hashpin_pypi::untrusted::excerpt(&line.text, 80)
            ),
            why,
            location: line.location.clone(),
            blocks,
        });
    }
    lines
}

/// Advisory text, safe for a terminal and for every report format.
fn neutralised(mut finding: Finding) -> Finding {
    let clean = |text: &mut String| *text = for_terminal(text).into_owned();
    clean(&mut finding.id);
    finding.aliases.iter_mut().for_each(clean);
    if let Some(summary) = &mut finding.summary {
        clean(summary);
    }
    if let Some(url) = &mut finding.url {
        clean(url);
    }
    finding
}

/// The sources `args` name, in this order: the database (its advisories about `names`),
/// the index, OSV.
async fn sources(
    args: &VulnerabilityArgs,
    index: &IndexArgs,
    client: &IndexClient,
    names: std::collections::HashSet<hashpin_pypi::PackageName>,
) -> anyhow::Result<(Vec<Source>, Vec<SourceInfo>)> {
    let mut sources = Vec::new();
    let mut infos = Vec::new();
    if let Some(path) = &args.vulnerability_db {
        let path = path.clone();
        let database = tokio::task::spawn_blocking(move || Database::open_for(&path, Some(&names)))
            .await
            .context("the vulnerability database could not be read")??;
        infos.push(SourceInfo {
            kind: "database",
            name: format!("the OSV database {}", database.path.display()),
            advisories: Some(database.advisories),
            newest: database.newest,
            skipped: Some(database.skipped),
        });
        sources.push(Source::Database(Arc::new(database)));
    }
    let ask_index = if args.no_index_api {
        false
    } else {
        args.index_api || (args.vulnerability_db.is_none() && args.osv_url.is_none())
    };
    if ask_index {
        let config = client.config();
        let bases: Vec<url::Url> = config
            .index_url
            .iter()
            .chain(&config.extra_index_urls)
            .filter_map(|index| hashpin_audit::index_json_api(index.url()))
            .collect();
        let source = Source::IndexApi {
            client: client.clone(),
            bases,
        };
        infos.push(SourceInfo {
            kind: "index-json-api",
            name: source.to_string(),
            advisories: None,
            newest: None,
            skipped: None,
        });
        sources.push(source);
    }
    if let Some(text) = &args.osv_url {
        let mut base =
            url::Url::parse(text).with_context(|| format!("--osv-url {text} is not a URL"))?;
        anyhow::ensure!(
            matches!(base.scheme(), "https" | "http"),
            "--osv-url {text} is not an http(s) URL"
        );
        // `…/v1/querybatch` or `…/v1/` name the same API as its base.
        let path = base.path().trim_end_matches('/').to_string();
        let path = path
            .strip_suffix("/v1/querybatch")
            .or_else(|| path.strip_suffix("/v1"))
            .unwrap_or(&path)
            .to_string();
        base.set_path(&format!("{path}/"));
        let source = Source::Osv {
            client: client.clone(),
            base,
        };
        infos.push(SourceInfo {
            kind: "osv-api",
            name: source.to_string(),
            advisories: None,
            newest: None,
            skipped: None,
        });
        sources.push(source);
    }
    if sources.is_empty() {
        anyhow::bail!(
            "--no-index-api leaves no source of advisories: give --vulnerability-db PATH or --osv-url URL"
        );
    }
    if index.offline
        && sources
            .iter()
            .any(|source| !matches!(source, Source::Database(_)))
    {
        log::warn!("--offline: only an OSV database on disk can answer");
    }
    Ok((sources, infos))
}

/// `--ignore-vuln ID[=REASON]`.
#[derive(Debug)]
struct Ignore {
    id: String,
    reason: Option<String>,
}

impl Ignore {
    fn parse_all(texts: &[String]) -> anyhow::Result<Vec<Self>> {
        texts
            .iter()
            .map(|text| {
                let (id, reason) = match text.split_once('=') {
                    Some((id, reason)) => (id.trim(), Some(reason.trim().to_string())),
                    None => (text.trim(), None),
                };
                anyhow::ensure!(
                    !id.is_empty(),
                    "--ignore-vuln {text}: an advisory id is needed, such as PYSEC-2023-74"
                );
                Ok(Self {
                    id: id.to_string(),
                    reason: reason.filter(|reason| !reason.is_empty()),
                })
            })
            .collect()
    }

    /// Warns when this ignores no finding (a typo, or an advisory fixed since), or names
    /// only an alias of a malicious-package report, which it does not leave out.
    fn warn_if_idle(&self, items: &[Item]) {
        if items
            .iter()
            .any(|item| self.matches(&item.finding).is_some())
        {
            return;
        }
        let same = |id: &String| id.eq_ignore_ascii_case(&self.id);
        if let Some(item) = items
            .iter()
            .find(|item| item.finding.malicious && item.finding.aliases.iter().any(same))
        {
            log::warn!(
                "--ignore-vuln {}: that is an alias of the malicious-package report {}, which only its own id leaves out",
                for_terminal(&self.id),
                item.finding.id
            );
        } else {
            log::warn!(
                "--ignore-vuln {} matched no finding",
                for_terminal(&self.id)
            );
        }
    }

    /// Why `finding` is ignored, if this ignores it: by its id or an alias, and a malicious
    /// release only by its own `MAL-` id.
    fn matches(&self, finding: &Finding) -> Option<String> {
        let same = |id: &String| id.eq_ignore_ascii_case(&self.id);
        let hit = if finding.malicious {
            std::iter::once(&finding.id)
                .chain(&finding.aliases)
                .filter(|id| id.starts_with("MAL-"))
                .any(same)
        } else {
            same(&finding.id) || finding.aliases.iter().any(same)
        };
        hit.then(|| {
            self.reason
                .clone()
                .unwrap_or_else(|| format!("--ignore-vuln {}", self.id))
        })
    }
}

//! The rules that ask the index: every pinned release still exists, is not yanked, and its
//! files are the ones the lock hashed.

use std::collections::{HashMap, HashSet};

use anyhow::Context as _;
use hashpin_pypi::{
    DistFile, HashAlgorithm, HashDigest, IndexClient, PackageName, Project, Span, Timestamp,
};

use super::finding::{Finding, Rule};
use super::local::Pin;

/// What the index says about one pinned project.
#[derive(Debug)]
pub(super) enum Listing {
    Found(Project),
    /// No configured index or find-links location has the project.
    NotFound {
        searched: String,
    },
}

/// Fetches every pinned project's page, all at once. A project no index has is a finding;
/// any other failure (network, a broken page) stops the check: it could not be answered.
pub(super) async fn fetch(
    client: &IndexClient,
    pins: &[Pin<'_>],
) -> anyhow::Result<HashMap<PackageName, Listing>> {
    let names: HashSet<PackageName> = pins.iter().map(|pin| pin.name().clone()).collect();
    let mut listings = HashMap::new();
    for (name, project) in client.projects(names).await {
        let listing = match project {
            Ok(project) => Listing::Found(project),
            Err(hashpin_pypi::Error::ProjectNotFound { searched, .. }) => {
                Listing::NotFound { searched }
            }
            Err(error) => {
                return Err(anyhow::Error::new(error))
                    .with_context(|| format!("cannot check `{name}` on the index"));
            }
        };
        listings.insert(name, listing);
    }
    Ok(listings)
}

/// What the index rules compare.
#[derive(Debug, Clone, Copy)]
pub(super) struct HashRules {
    /// Compare the lock's hashes with the index's.
    pub(super) verify: bool,
    /// Files uploaded after it are not expected in the lock.
    pub(super) cutoff: Option<Timestamp>,
    /// Every file of a version is expected in the lock (not so for a lock of chosen files).
    pub(super) every_file: bool,
    /// Releases uploaded more recently than this are reported (`--min-age`).
    pub(super) min_age: Option<Span>,
}

/// Checks each pin against its listing.
pub(super) fn check(
    pins: &[Pin<'_>],
    listings: &HashMap<PackageName, Listing>,
    rules: HashRules,
) -> anyhow::Result<Vec<Finding>> {
    let mut findings = Vec::new();
    for pin in pins {
        let project = match listings.get(pin.name()) {
            Some(Listing::Found(project)) => project,
            Some(Listing::NotFound { searched }) => {
                findings.push(pin.finding(
                    Rule::MissingProject,
                    format!("`{}` is not on the index (searched {searched})", pin.name()),
                ));
                continue;
            }
            None => continue,
        };
        let files = project.files_of(&pin.version)?;
        if files.is_empty() {
            let newest = project
                .versions()
                .first()
                .map(|newest| format!("; the newest there is {}", newest.version()))
                .unwrap_or_default();
            findings.push(pin.finding(
                Rule::MissingVersion,
                format!("`{}` is not on the index{newest}", pin.release()),
            ));
            continue;
        }
        findings.extend(yanks(pin, &files));
        findings.extend(
            rules
                .min_age
                .and_then(|min_age| too_new(pin, &files, min_age)),
        );
        if rules.verify {
            findings.extend(hashes(pin, project, &files, rules));
        }
    }
    Ok(findings)
}

/// A release younger than `min_age` (see [`crate::release_age`]).
fn too_new(pin: &Pin<'_>, files: &[DistFile], min_age: Span) -> Option<Finding> {
    let age = crate::release_age::too_young(files, min_age)?;
    Some(pin.finding(Rule::TooNew, format!("`{}` {age}", pin.release())))
}

/// PEP 592 yanks are per file; a release whose every file is yanked is yanked.
fn yanks(pin: &Pin<'_>, files: &[DistFile]) -> Option<Finding> {
    let yanked: Vec<&DistFile> = files
        .iter()
        .filter(|file| file.yanked.is_yanked())
        .collect();
    if yanked.is_empty() {
        return None;
    }
    if yanked.len() == files.len() {
        let reason = files
            .iter()
            .find_map(|file| file.yanked.reason())
            .map_or_else(
                || "no reason given".to_string(),
                |reason| format!("\"{reason}\""),
            );
        return Some(pin.finding(
            Rule::Yanked,
            format!("`{}` is yanked on the index ({reason})", pin.release()),
        ));
    }
    let names: Vec<&str> = yanked.iter().map(|file| file.filename.as_str()).collect();
    Some(pin.finding(
        Rule::PartlyYanked,
        format!(
            "{} of `{}` {} yanked on the index: {}",
            count(names.len(), "file"),
            pin.release(),
            if names.len() == 1 { "is" } else { "are" },
            names.join(", ")
        ),
    ))
}

/// Every locked hash must be one the index lists for the version; every file the index lists
/// (up to the cutoff) should have its hash in the lock.
fn hashes(pin: &Pin<'_>, project: &Project, files: &[DistFile], rules: HashRules) -> Vec<Finding> {
    let mut findings = Vec::new();
    let published: HashSet<&HashDigest> = files.iter().flat_map(|file| &file.hashes).collect();
    let algorithms: HashSet<HashAlgorithm> =
        published.iter().map(|hash| hash.algorithm()).collect();
    let locked: Vec<&HashDigest> = pin.hashes().collect();
    for hash in locked
        .iter()
        .copied()
        .filter(|hash| hash.algorithm().is_accepted_by_pip())
    {
        if published.contains(hash) {
            continue;
        }
        let short = short(hash);
        if !algorithms.contains(&hash.algorithm()) {
            findings.push(pin.finding(
                Rule::UnverifiableHash,
                format!(
                    "the index publishes no {} digests for `{}`, so --hash={short} cannot be compared",
                    hash.algorithm().as_str(),
                    pin.release()
                ),
            ));
            continue;
        }
        // A hash of another version's file means a version edited without its hashes. Only
        // here, on the way to a finding, is every file of the project unpacked.
        let message = match project
            .files()
            .iter()
            .find(|file| file.hashes.contains(hash))
        {
            Some(file) => format!(
                "--hash={short} of `{}` is the hash of {}, a file of another version: was the version changed without its hashes?",
                pin.release(),
                file.filename
            ),
            None => format!(
                "--hash={short} is not the hash of any file the index lists for `{}`: the file was re-uploaded or tampered with, or the lock was edited",
                pin.release()
            ),
        };
        findings.push(pin.finding(Rule::UnknownHash, message));
    }
    for file in files.iter().filter(|_| rules.every_file) {
        if rules
            .cutoff
            .is_some_and(|cutoff| file.upload_time.is_some_and(|time| time > cutoff))
        {
            continue;
        }
        if file.hashes.is_empty() {
            findings.push(pin.finding(
                Rule::UnverifiableHash,
                format!("the index publishes no hash for {}", file.filename),
            ));
        } else if !file.hashes.iter().any(|hash| locked.contains(&hash)) {
            findings.push(pin.finding(
                Rule::MissingHash,
                format!(
                    "the index lists {} for `{}`, whose hash the lock lacks: pip will refuse that file (was it uploaded after locking?)",
                    file.filename,
                    pin.release()
                ),
            ));
        }
    }
    findings
}

/// `sha256:0123abcd…`: enough to find the line, short enough to read.
fn short(hash: &HashDigest) -> String {
    let digest = hash.digest();
    format!(
        "{}:{}…",
        hash.algorithm().as_str(),
        &digest[..digest.len().min(12)]
    )
}

fn count(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

//! The rules a requirements file can be checked against on its own: every line a release
//! pinned with `==`, every pin hashed, every hash one pip's hash-checking mode accepts.

use std::collections::HashMap;

use hashpin_formats::{Entry, Location, RequirementsSet, UnlockableKind};
use hashpin_pypi::{HashDigest, PackageName, Version};
use pep440_rs::Operator;
use pep508_rs::VersionOrUrl;

use super::finding::{Finding, Rule};

/// A requirement pinned to one version of a release on an index: what the index rules check.
#[derive(Debug)]
pub(super) struct Pin<'a> {
    pub(super) entry: &'a Entry,
    pub(super) version: Version,
}

impl Pin<'_> {
    pub(super) fn name(&self) -> &PackageName {
        &self.entry.requirement.name
    }

    /// `name==version`, as messages name a pin.
    pub(super) fn release(&self) -> String {
        format!("{}=={}", self.name(), self.version)
    }

    pub(super) fn location(&self) -> &Location {
        &self.entry.location
    }

    pub(super) fn finding(&self, rule: Rule, message: String) -> Finding {
        Finding::new(rule, self.location(), message).about(self.name(), Some(&self.version))
    }
}

/// Checks every line of `set`; returns the problems and the pins the index rules can check.
pub(super) fn check(set: &RequirementsSet) -> (Vec<Finding>, Vec<Pin<'_>>) {
    let mut findings = Vec::new();
    let mut pins = Vec::new();
    let mut seen: HashMap<(&PackageName, String), &Location> = HashMap::new();
    for entry in &set.requirements {
        let name = &entry.requirement.name;
        let malformed = set.unlockable.iter().any(|unlockable| {
            unlockable.location == entry.location
                && matches!(unlockable.kind, UnlockableKind::MalformedHash { .. })
        });
        let version = exact_version(entry);
        if version.is_none() {
            findings.push(
                Finding::new(
                    Rule::NotPinned,
                    &entry.location,
                    format!(
                        "`{}` is not pinned to one version; pin it as `{name}==VERSION`",
                        entry.text
                    ),
                )
                .about(name, None::<&String>),
            );
        }
        if entry.hashes.is_empty() && !malformed {
            findings.push(
                Finding::new(
                    Rule::NoHash,
                    &entry.location,
                    format!(
                        "`{}` has no --hash; pip's --require-hashes mode refuses it",
                        entry.text
                    ),
                )
                .about(name, version.as_ref()),
            );
        }
        findings.extend(
            weak_hashes(&entry.hashes, &entry.text, &entry.location)
                .map(|finding| finding.about(name, version.as_ref())),
        );
        // pip refuses the same project twice unless markers tell the lines apart.
        let marker = entry.requirement.marker.try_to_string().unwrap_or_default();
        let first = *seen.entry((name, marker)).or_insert(&entry.location);
        if first != &entry.location {
            findings.push(
                Finding::new(
                    Rule::Duplicate,
                    &entry.location,
                    format!("`{name}` is required again (first at {first}); pip refuses double requirements"),
                )
                .about(name, version.as_ref()),
            );
        }
        if let Some(version) = version {
            pins.push(Pin { entry, version });
        }
    }
    for unlockable in &set.unlockable {
        let text = &unlockable.text;
        let (rule, message) = match &unlockable.kind {
            UnlockableKind::Editable => (
                Rule::Editable,
                format!(
                    "`-e {text}` is an editable install: there is no release to pin and no file to hash"
                ),
            ),
            UnlockableKind::Vcs => (
                Rule::Vcs,
                format!("`{text}` is a VCS reference: pip cannot check it against a hash"),
            ),
            UnlockableKind::Directory => (
                Rule::Directory,
                format!(
                    "`{text}` is a local directory: it is built at install time, so there is no file to hash"
                ),
            ),
            UnlockableKind::Archive { hashes } if hashes.is_empty() => (
                Rule::UrlWithoutHash,
                format!(
                    "`{text}` is a URL or file without --hash; pip's --require-hashes mode refuses it"
                ),
            ),
            UnlockableKind::Archive { hashes } => {
                findings.extend(weak_hashes(hashes, text, &unlockable.location));
                continue;
            }
            UnlockableKind::MalformedHash { error } => (
                Rule::MalformedHash,
                format!("`{text}` has an invalid --hash: {error}"),
            ),
        };
        findings.push(Finding::new(rule, &unlockable.location, message));
    }
    (findings, pins)
}

/// The version of `==X` (without a wildcard) or `===X`, the only specifiers that pin.
fn exact_version(entry: &Entry) -> Option<Version> {
    let Some(VersionOrUrl::VersionSpecifier(specifiers)) = &entry.requirement.version_or_url else {
        return None;
    };
    match &specifiers[..] {
        [specifier] if matches!(specifier.operator(), Operator::Equal | Operator::ExactEqual) => {
            Some(specifier.version().clone())
        }
        _ => None,
    }
}

fn weak_hashes<'a>(
    hashes: &'a [HashDigest],
    text: &'a str,
    location: &'a Location,
) -> impl Iterator<Item = Finding> + 'a {
    hashes
        .iter()
        .filter(|hash| !hash.algorithm().is_accepted_by_pip())
        .map(move |hash| {
            let algorithm = hash.algorithm().as_str();
            Finding::new(
                Rule::WeakHash,
                location,
                format!(
                    "`{text}` has a --hash={algorithm}:…, an algorithm pip's hash-checking mode refuses (it accepts sha256, sha384 and sha512)"
                ),
            )
        })
}

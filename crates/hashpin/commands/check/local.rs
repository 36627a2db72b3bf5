//! The rules a requirements file can be checked against on its own: every line a release
//! pinned with `==`, every pin hashed, every hash one pip's hash-checking mode accepts.

use std::collections::HashMap;

use hashpin_formats::{
    Location, Lock, Package, RequirementsSet, Selected, Selection, Source, UnlockableKind,
};
use hashpin_pypi::{ExtraName, HashDigest, PackageName, Version};
use pep508_rs::MarkerTree;

use super::finding::{Finding, Rule};

/// A package of a lock pinned to one version of a release on an index: what the index rules
/// check.
#[derive(Debug)]
pub(super) struct Pin<'a> {
    pub(super) package: &'a Package,
    pub(super) version: Version,
    pub(super) location: &'a Location,
    /// The package's marker under the lock's default selection (no extras, its default
    /// groups), parsed: a package only other groups install is never installed (an
    /// unparsable marker applies everywhere: pip would refuse the file anyway).
    pub(super) marker: MarkerTree,
}

impl<'a> Pin<'a> {
    /// The pins among a lock's packages: those from an index, with a version.
    pub(super) fn all(lock: &'a Lock, locations: &'a [Location]) -> Vec<Self> {
        let selection = Selection::default_of(lock);
        lock.packages
            .iter()
            .zip(locations)
            .filter(|(package, _)| package.source == Source::Index)
            .filter_map(|(package, location)| {
                let marker = match package
                    .marker
                    .as_deref()
                    .map(|marker| selection.resolve(marker))
                {
                    None | Some(Ok(Selected::Always) | Err(_)) => MarkerTree::TRUE,
                    Some(Ok(Selected::Never)) => MarkerTree::FALSE,
                    Some(Ok(Selected::When(marker))) => marker.parse().unwrap_or_default(),
                };
                Some(Pin {
                    version: package.version.clone()?,
                    marker,
                    package,
                    location,
                })
            })
            .collect()
    }

    pub(super) fn name(&self) -> &PackageName {
        &self.package.name
    }

    pub(super) fn extras(&self) -> &[ExtraName] {
        &self.package.extras
    }

    pub(super) fn hashes(&self) -> impl Iterator<Item = &HashDigest> {
        self.package.hashes()
    }

    /// `name==version`, as messages name a pin.
    pub(super) fn release(&self) -> String {
        format!("{}=={}", self.name(), self.version)
    }

    pub(super) fn location(&self) -> &Location {
        self.location
    }

    pub(super) fn finding(&self, rule: Rule, message: String) -> Finding {
        Finding::new(rule, self.location(), message).about(self.name(), Some(&self.version))
    }
}

/// Checks every line of a requirements file.
pub(super) fn check(set: &RequirementsSet) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut seen: HashMap<(&PackageName, String), &Location> = HashMap::new();
    for entry in &set.requirements {
        let name = &entry.requirement.name;
        let malformed = set.unlockable.iter().any(|unlockable| {
            unlockable.location == entry.location
                && matches!(unlockable.kind, UnlockableKind::MalformedHash { .. })
        });
        let version = hashpin_formats::requirements_txt::exact_version(&entry.requirement);
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
    findings
}

/// Checks every package of a pylock: what a requirements file's lines are checked for, in
/// the terms of PEP 751 (its reader already refused files without hashes).
pub(super) fn check_pylock(packages: &[Package], locations: &[Location]) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut seen: HashMap<(&PackageName, Option<&String>), &Location> = HashMap::new();
    for (package, location) in packages.iter().zip(locations) {
        let name = &package.name;
        let version = package.version.as_ref();
        let shown = package.release();
        match &package.source {
            Source::Index if version.is_none() => findings.push(
                Finding::new(
                    Rule::NotPinned,
                    location,
                    format!("`{name}` has no version; a lock pins one"),
                )
                .about(name, None::<&String>),
            ),
            Source::Index | Source::Archive { .. } => {}
            Source::Directory { path, editable } => findings.push(
                Finding::new(
                    if *editable { Rule::Editable } else { Rule::Directory },
                    location,
                    format!(
                        "`{name}` is the local directory {path}: it is built at install time, so there is no file to hash"
                    ),
                )
                .about(name, version),
            ),
            Source::Vcs { url, .. } => findings.push(
                Finding::new(
                    Rule::Vcs,
                    location,
                    format!("`{name}` is a VCS checkout of {url}: there is no file to hash"),
                )
                .about(name, version),
            ),
        }
        if let Some(Err(error)) = package
            .marker
            .as_deref()
            .map(|marker| Selection::default().resolve(marker))
        {
            findings.push(
                Finding::new(
                    Rule::BadMarker,
                    location,
                    format!(
                        "`{name}` has a marker installers cannot read: {}",
                        hashpin_pypi::untrusted::for_terminal(&error.to_string())
                    ),
                )
                .about(name, version),
            );
        }
        let hashes: Vec<HashDigest> = package.hashes().cloned().collect();
        findings.extend(
            weak_hashes(&hashes, &shown, location).map(|finding| finding.about(name, version)),
        );
        let first = *seen
            .entry((name, package.marker.as_ref()))
            .or_insert(location);
        if first != location {
            findings.push(
                Finding::new(
                    Rule::Duplicate,
                    location,
                    format!("`{name}` is locked again (first at {first})"),
                )
                .about(name, version),
            );
        }
    }
    findings
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

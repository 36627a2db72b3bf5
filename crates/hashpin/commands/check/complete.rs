//! `--complete`: every dependency a pinned release has on the target is pinned too, at a
//! version it accepts, as pip's hash-checking mode will demand at install.

use std::collections::{HashMap, HashSet, VecDeque};

use anyhow::Context as _;
use hashpin_pypi::{CoreMetadata, ExtraName, IndexClient, PackageName};
use hashpin_resolver::{BuildPolicy, TargetEnvironment};
use pep508_rs::VersionOrUrl;

use super::finding::{Finding, Rule};
use super::index::Listing;
use super::local::Pin;

/// Walks the dependencies of every pin that applies to `target`, with the extras its line
/// asks for and the extras its dependents ask for.
pub(super) async fn check(
    client: &IndexClient,
    builds: &BuildPolicy,
    pins: &[Pin<'_>],
    listings: &HashMap<PackageName, Listing>,
    target: &TargetEnvironment,
) -> anyhow::Result<Vec<Finding>> {
    // A pin whose marker excludes the target is not installed there, so it neither needs nor
    // satisfies anything.
    let installed: HashMap<&PackageName, &Pin<'_>> = pins
        .iter()
        .filter(|pin| target.applies(&pin.marker))
        .map(|pin| (pin.name(), pin))
        .collect();
    let mut findings = Vec::new();
    let metadata = metadata(client, builds, &installed, listings, target, &mut findings).await?;

    let mut queue: VecDeque<(&PackageName, Option<ExtraName>)> = VecDeque::new();
    for pin in installed.values() {
        queue.push_back((pin.name(), None));
        for extra in pin.extras() {
            queue.push_back((pin.name(), Some(extra.clone())));
        }
    }
    let mut done = HashSet::new();
    while let Some((name, extra)) = queue.pop_front() {
        if !done.insert((name.clone(), extra.clone())) {
            continue;
        }
        let (Some(pin), Some(metadata)) = (installed.get(name), metadata.get(name)) else {
            continue;
        };
        for requirement in &metadata.requires_dist {
            // For an extra, only what it adds: the base requirements are checked once, above.
            if !target.requires(&requirement.marker, extra.as_ref()) {
                continue;
            }
            let needed = match &extra {
                Some(extra) => format!("{}[{extra}]=={}", pin.name(), pin.version),
                None => pin.release(),
            };
            let wanted = format!(
                "{}{}",
                requirement.name,
                match &requirement.version_or_url {
                    Some(VersionOrUrl::VersionSpecifier(specifiers)) => specifiers.to_string(),
                    _ => String::new(),
                }
            );
            let Some(dependency) = installed.get(&requirement.name) else {
                findings.push(pin.finding(
                    Rule::Unpinned,
                    format!("`{needed}` requires `{wanted}`, which is not pinned"),
                ));
                continue;
            };
            if let Some(VersionOrUrl::VersionSpecifier(specifiers)) = &requirement.version_or_url
                && !specifiers.contains(&dependency.version)
            {
                findings.push(pin.finding(
                    Rule::Conflict,
                    format!(
                        "`{needed}` requires `{wanted}`, but `{}` is pinned (at {})",
                        dependency.release(),
                        dependency.location()
                    ),
                ));
            }
            for extra in &requirement.extras {
                queue.push_back((dependency.name(), Some(extra.clone())));
            }
        }
    }
    Ok(findings)
}

/// The core metadata of every installed pin's release, read from the file the target would
/// install (its best wheel, else the sdist). A release whose metadata cannot be read is a
/// warning: its dependencies go unchecked.
async fn metadata<'a>(
    client: &IndexClient,
    builds: &BuildPolicy,
    installed: &HashMap<&'a PackageName, &Pin<'_>>,
    listings: &HashMap<PackageName, Listing>,
    target: &TargetEnvironment,
    findings: &mut Vec<Finding>,
) -> anyhow::Result<HashMap<&'a PackageName, CoreMetadata>> {
    let mut reads = tokio::task::JoinSet::new();
    let mut names = HashMap::new();
    for (name, pin) in installed {
        let Some(Listing::Found(project)) = listings.get(*name) else {
            continue;
        };
        let files = project.files_of(&pin.version)?;
        let best = files
            .iter()
            .filter(|file| target.can_install(file))
            .min_by_key(|file| target.tags.rank(&file.parsed).unwrap_or(usize::MAX))
            .or_else(|| files.first());
        let Some(file) = best else { continue };
        let (client, file) = (client.clone(), (*file).clone());
        let builder = builds.builder_for(name).ok().cloned();
        let id = reads
            .spawn(async move {
                match (client.metadata(&file).await, builder) {
                    (
                        Err(hashpin_pypi::Error::Sdist {
                            source: hashpin_pypi::SdistError::Dynamic(_),
                            ..
                        }),
                        Some(builder),
                    ) => builder.build_metadata(file).await.map_err(Unread::Build),
                    (read, _) => read.map_err(Unread::Index),
                }
            })
            .id();
        names.insert(id, (*name, pin.release(), pin.location().clone()));
    }
    let mut metadata = HashMap::new();
    while let Some(outcome) = reads.join_next_with_id().await {
        let (id, read) = outcome.context("a metadata request stopped unexpectedly")?;
        let Some((name, release, location)) = names.remove(&id) else {
            continue;
        };
        match read {
            Ok(read) => {
                metadata.insert(name, read);
            }
            Err(Unread::Index(error)) => {
                findings.push(unreadable(&error, name, &release, &location)?);
            }
            Err(Unread::Build(failure)) => {
                findings.push(
                    Finding::new(
                        Rule::UnknownDependencies,
                        &location,
                        format!(
                            "cannot build `{release}` for its dependencies, so the lock is not known to be complete: {}",
                            hashpin_pypi::error_chain(&*failure)
                        ),
                    )
                    .about(name, release.split_once("==").map(|(_, version)| version)),
                );
            }
        }
    }
    Ok(metadata)
}

/// Why a release's metadata was not read.
enum Unread {
    /// The index client's error (including "needs a build" where none may run).
    Index(hashpin_pypi::Error),
    /// Its build failed.
    Build(hashpin_resolver::BuildFailure),
}

/// A metadata read that failed: a broken or tampered file is a finding; a network failure
/// means the check could not be answered.
fn unreadable(
    error: &hashpin_pypi::Error,
    name: &PackageName,
    release: &str,
    location: &hashpin_formats::Location,
) -> anyhow::Result<Finding> {
    use hashpin_pypi::Error;
    let causes = hashpin_pypi::error_chain(error);
    let (rule, message) = match error {
        Error::MetadataHashMismatch { .. } | Error::FileHashMismatch { .. } => (
            Rule::BadFile,
            format!(
                "the index serves a file of `{release}` that does not match its published hash: {causes}"
            ),
        ),
        Error::Sdist { .. }
        | Error::Wheel { .. }
        | Error::Metadata { .. }
        | Error::MetadataMismatch { .. } => (
            Rule::UnknownDependencies,
            format!(
                "cannot read the dependencies of `{release}`, so the lock is not known to be complete: {causes}"
            ),
        ),
        _ => anyhow::bail!("cannot read the dependencies of `{release}`: {causes}"),
    };
    Ok(Finding::new(rule, location, message)
        .about(name, release.split_once("==").map(|(_, version)| version)))
}

//! Resolution of Python requirements to one pinned version per project, for one target
//! environment, with [PubGrub](pubgrub) over PEP 440 versions.
//!
//! Input: root requirements, constraints (pip `-c`: they limit, they add nothing), preferred
//! versions from an existing lock, a [`TargetEnvironment`] and a [`PackageSource`] (the index
//! client). Output: a [`Resolution`], or a [`ResolveError`] whose
//! [`NoSolution`](ResolveError::NoSolution) explanation is written in sentences.
//!
//! Candidate policy, pip-compatible: newest first; pre-releases only when a requirement names
//! one, or when no final release satisfies; yanked releases never (and a `==` pin of a yanked
//! release in the user's requirements or constraints is an error unless explicitly allowed,
//! where pip only warns); files uploaded after
//! an `exclude_newer` cutoff do not exist. A version whose dependencies are only known by
//! building its sdist is built by the [`MetadataBuilder`] of the [`BuildPolicy`], where one is
//! given and the policy allows; otherwise it is passed over, and the explanation says so.
//!
//! The solver runs on its own thread and waits on the async fetcher; it never blocks the
//! runtime.

#![warn(missing_docs)]

mod build;
mod candidates;
mod environment;
mod error;
mod package;
mod provider;
mod report;
mod resolution;
mod source;
mod specifiers;
mod target;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use hashpin_pypi::{PackageName, Requirement, Timestamp, Version};
use pep508_rs::VersionOrUrl;
use pubgrub::{PubGrubError, Ranges};

pub use build::{
    BinaryPolicy, BuildFailure, BuildFuture, BuildPolicy, BuildRefusal, MetadataBuilder, ProjectSet,
};
pub use candidates::Unusable;
pub use environment::{Tags, TargetEnvironment};
pub use error::ResolveError;
pub use package::Package;
pub use resolution::{Edge, Requester, Resolution, ResolvedPackage};
pub use source::{NoReporter, PackageSource, Reporter};
pub use target::{Os, Platform, TargetError, parse_python_version};

use crate::provider::{Context, Provider};
use crate::source::Fetcher;

/// When pre-releases may be chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PrereleaseMode {
    /// pip's rule: when a requirement names a pre-release, or no final release satisfies.
    #[default]
    IfNecessaryOrExplicit,
    /// Always (`--pre`).
    Allow,
}

/// Which preferred versions to drop.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Upgrade {
    /// Keep every preference.
    #[default]
    Nothing,
    /// Drop them all (`--upgrade`).
    All,
    /// Drop those of these projects (`--upgrade-package`).
    Packages(HashSet<PackageName>),
}

/// How candidates are chosen.
#[derive(Debug, Clone, Default)]
pub struct ResolverOptions {
    /// When pre-releases may be chosen.
    pub prerelease: PrereleaseMode,
    /// Files uploaded after this instant do not exist.
    pub exclude_newer: Option<Timestamp>,
    /// Per-project cutoffs instead of `exclude_newer` (`--exclude-newer-package`); `None`
    /// lifts the cutoff for the project.
    pub exclude_newer_package: HashMap<PackageName, Option<Timestamp>>,
    /// Yanked releases that may be chosen all the same (`--allow-yanked NAME==VERSION`), when
    /// no release that is not yanked will do.
    pub allow_yanked: HashSet<(PackageName, Version)>,
    /// Which preferences to drop.
    pub upgrade: Upgrade,
    /// Which files may be used (`--only-binary`, `--no-binary`).
    pub binary: BinaryPolicy,
    /// Which sdists may be built for their metadata, and by what.
    pub build: BuildPolicy,
}

impl ResolverOptions {
    /// The cutoff of one project: its own, else the global one.
    pub fn cutoff_for(&self, name: &PackageName) -> Option<Timestamp> {
        self.exclude_newer_package
            .get(name)
            .copied()
            .unwrap_or(self.exclude_newer)
    }
}

/// What to resolve.
#[derive(Debug, Clone, Default)]
pub struct Manifest {
    /// The root requirements.
    pub requirements: Vec<Requirement>,
    /// Constraints: they limit versions of projects that are required, and add nothing.
    pub constraints: Vec<Requirement>,
    /// Versions to try first (from an existing lock), so that re-locking changes only what it
    /// must.
    pub preferences: Vec<(PackageName, Version)>,
    /// The files of requirements by URL (`name @ https://…`), already downloaded and hashed:
    /// each is its project's only candidate.
    pub direct: Vec<hashpin_pypi::DistFile>,
    /// Local projects, each as a stand-in file and its metadata: the only candidate of its
    /// name, so that a requirement on it is never answered from an index.
    pub local: Vec<(hashpin_pypi::DistFile, hashpin_pypi::CoreMetadata)>,
}

/// Resolves `manifest` for `target`, reading projects and metadata from `source`.
///
/// Must be called inside a tokio runtime; the solver runs on a thread of its own.
///
/// # Errors
/// [`ResolveError::NoSolution`] when no versions satisfy the requirements; the other variants
/// when the question could not be answered (network, metadata, a yanked `==` pin).
pub async fn resolve<S: PackageSource + Clone>(
    manifest: &Manifest,
    options: &ResolverOptions,
    target: &TargetEnvironment,
    source: S,
) -> Result<Resolution, ResolveError> {
    resolve_with_reporter(manifest, options, target, source, Arc::new(NoReporter)).await
}

/// [`resolve`], telling `reporter` about every fetch as it completes.
///
/// # Errors
/// As [`resolve`].
pub async fn resolve_with_reporter<S: PackageSource + Clone>(
    manifest: &Manifest,
    options: &ResolverOptions,
    target: &TargetEnvironment,
    source: S,
    reporter: Arc<dyn Reporter>,
) -> Result<Resolution, ResolveError> {
    let context = Arc::new(context(manifest, options, target)?);
    match solve_on_thread(manifest, &context, source.clone(), Arc::clone(&reporter)).await {
        // A cache entry found damaged while it was read has been discarded: solved again,
        // the project is fetched anew (or, offline, reported missing from the cache).
        Err(ResolveError::Fetch { source: error, .. })
            if matches!(*error, hashpin_pypi::Error::DamagedCache { .. }) =>
        {
            if let hashpin_pypi::Error::DamagedCache { name } = &*error {
                log::warn!(
                    "the cached page of `{name}` was damaged and is discarded; resolving again"
                );
            }
            solve_on_thread(manifest, &context, source, reporter).await
        }
        outcome => outcome,
    }
}

/// One solve, on a thread of its own, with a fresh view of `source`.
async fn solve_on_thread<S: PackageSource>(
    manifest: &Manifest,
    context: &Arc<Context>,
    source: S,
    reporter: Arc<dyn Reporter>,
) -> Result<Resolution, ResolveError> {
    let context = Arc::clone(context);
    let fetcher = Arc::new(Fetcher::new(
        source,
        reporter,
        &manifest.direct,
        &manifest.local,
    ));
    let runtime = tokio::runtime::Handle::current();
    let requirements = manifest.requirements.clone();
    let (sender, receiver) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("hashpin-resolver".into())
        .spawn(move || {
            let mut provider = Provider::new(context, fetcher, runtime);
            let outcome = solve(&mut provider, &requirements);
            let _ = sender.send(outcome);
            // Everything the solve looked at (pages, candidates, metadata) is let go after the
            // answer is on its way, not before: it takes a tenth of a run from the cache.
            drop(provider);
        })
        .map_err(|error| {
            ResolveError::Internal(format!("cannot start the solver thread: {error}"))
        })?;
    receiver
        .await
        .map_err(|_| ResolveError::Internal("the solver thread panicked".into()))?
}

fn context(
    manifest: &Manifest,
    options: &ResolverOptions,
    target: &TargetEnvironment,
) -> Result<Context, ResolveError> {
    let mut constraints: HashMap<PackageName, Ranges<Version>> = HashMap::new();
    // `==` pins of the user's own input (requirements and constraints): a yanked release
    // there is an error to report, not a version to search past. A dependency's pin is not:
    // another version of that dependency may well do without it.
    let mut pins = HashSet::new();
    let mut prerelease_constraints = HashSet::new();
    for requirement in &manifest.requirements {
        if let Some(VersionOrUrl::VersionSpecifier(specifiers)) = &requirement.version_or_url
            && let Some(pin) = specifiers::exact_pin(specifiers)
            && target.applies(&requirement.marker)
        {
            pins.insert((requirement.name.clone(), pin.clone()));
        }
    }
    for constraint in &manifest.constraints {
        if !target.applies(&constraint.marker) {
            continue;
        }
        let range = match &constraint.version_or_url {
            None => Ranges::full(),
            Some(VersionOrUrl::VersionSpecifier(specifiers)) => {
                if specifiers::names_prerelease(specifiers) {
                    prerelease_constraints.insert(constraint.name.clone());
                }
                if let Some(pin) = specifiers::exact_pin(specifiers) {
                    pins.insert((constraint.name.clone(), pin.clone()));
                }
                specifiers::to_ranges(specifiers)
            }
            Some(VersionOrUrl::Url(_)) => {
                return Err(ResolveError::UnsupportedRequirement(constraint.to_string()));
            }
        };
        let entry = constraints
            .entry(constraint.name.clone())
            .or_insert_with(Ranges::full);
        *entry = entry.intersection(&range);
    }
    let preferences = manifest
        .preferences
        .iter()
        .filter(|(name, _)| match &options.upgrade {
            Upgrade::Nothing => true,
            Upgrade::All => false,
            Upgrade::Packages(names) => !names.contains(name),
        })
        .cloned()
        .collect();
    Ok(Context {
        target: target.clone(),
        options: options.clone(),
        constraints,
        preferences,
        pins,
        prerelease_constraints,
        prefetched: std::sync::Mutex::default(),
    })
}

/// Runs PubGrub on the current (solver) thread.
fn solve<S: PackageSource>(
    provider: &mut Provider<S>,
    requirements: &[Requirement],
) -> Result<Resolution, ResolveError> {
    let applicable: Vec<&Requirement> = requirements
        .iter()
        .filter(|requirement| provider.context.target.applies(&requirement.marker))
        .collect();
    // A requirement by URL stands for its file, which is its project's only candidate.
    let mut by_name = Vec::with_capacity(applicable.len());
    for requirement in &applicable {
        if matches!(requirement.version_or_url, Some(VersionOrUrl::Url(_))) {
            if !provider.fetcher.is_direct(&requirement.name) {
                return Err(ResolveError::UnsupportedRequirement(
                    requirement.to_string(),
                ));
            }
            let mut bare = (*requirement).clone();
            bare.version_or_url = None;
            by_name.push(bare);
        } else {
            by_name.push((*requirement).clone());
        }
    }
    provider.root = provider.dependencies_of(by_name.iter(), None);
    provider.root_edges = applicable
        .iter()
        .map(|requirement| (requirement.name.clone(), (*requirement).clone()))
        .collect();

    let solved = loop {
        match pubgrub::resolve(&*provider, Package::Root, Version::new([0])) {
            Err(PubGrubError::ErrorInShouldCancel(_)) if provider.take_restart() => {
                log::debug!("a package kept conflicting: the search starts again with it first");
            }
            solved => break solved,
        }
    };
    let outcome = match solved {
        Ok(solution) => Ok(provider.resolution(&solution)),
        Err(PubGrubError::NoSolution(tree)) => Err(ResolveError::NoSolution {
            explanation: provider.explainer().explain(&tree),
        }),
        Err(
            PubGrubError::ErrorRetrievingDependencies { source, .. }
            | PubGrubError::ErrorChoosingVersion { source, .. }
            | PubGrubError::ErrorInShouldCancel(source),
        ) => Err(source),
    };
    provider.warn_about_builds();
    // Versions read from a damaged cache entry were left out: no answer built without them
    // stands, a solution or a proof that there is none.
    if let Some(name) = provider.damaged_project() {
        return Err(ResolveError::Fetch {
            source: Arc::new(hashpin_pypi::Error::DamagedCache { name: name.clone() }),
            package: name,
        });
    }
    outcome
}

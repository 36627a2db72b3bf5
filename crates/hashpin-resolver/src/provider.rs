//! The PubGrub [`DependencyProvider`]: candidate choice and dependencies, fed by the fetcher.
//!
//! PubGrub is synchronous and runs on its own thread; every fact it needs is fetched by the
//! async [`Fetcher`] on the tokio runtime, which the solver thread waits on through
//! [`Handle::block_on`] (never from inside the runtime). When a package enters the graph its
//! page, and the metadata of its most likely candidate, are prefetched as runtime tasks, so
//! that round trips overlap instead of queueing behind the solver.

use std::cell::{Cell, RefCell};
use std::cmp::Reverse;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use std::sync::Arc;

use hashpin_pypi::error_chain;
use hashpin_pypi::{
    CoreMetadata, Error as IndexError, ExtraName, PackageName, Requirement, SdistError, Version,
};
use pep508_rs::VersionOrUrl;
use pubgrub::{
    Dependencies, DependencyConstraints, DependencyProvider, PackageResolutionStatistics, Ranges,
};
use tokio::runtime::Handle;

use crate::build::BuildRefusal;
use crate::candidates::{Candidate, Candidates, Policy, Unusable};
use crate::error::ResolveError;
use crate::package::Package;
use crate::source::{Fetcher, PackageSource};
use crate::{PrereleaseMode, ResolverOptions, TargetEnvironment};
use crate::{report, specifiers};

/// What the provider and its prefetch tasks share.
#[derive(Debug)]
pub(crate) struct Context {
    pub(crate) target: TargetEnvironment,
    pub(crate) options: ResolverOptions,
    pub(crate) constraints: HashMap<PackageName, Ranges<Version>>,
    pub(crate) preferences: HashMap<PackageName, Version>,
    /// Exact pins in the user's requirements and constraints.
    pub(crate) pins: HashSet<(PackageName, Version)>,
    /// Projects whose constraints name a pre-release, which allows pre-releases of them as a
    /// requirement naming one does (pip combines both into one specifier set).
    pub(crate) prerelease_constraints: HashSet<PackageName>,
    /// Projects, and extras of projects, whose prefetch has started (by the solver or by
    /// another prefetch).
    pub(crate) prefetched: std::sync::Mutex<HashSet<(PackageName, Option<ExtraName>)>>,
}

impl Context {
    fn policy(&self) -> Policy<'_> {
        Policy {
            target: &self.target,
            allow_yanked: &self.options.allow_yanked,
            binary: &self.options.binary,
        }
    }

    fn candidates(
        project: Result<Arc<hashpin_pypi::Project>, Arc<IndexError>>,
        exclude_newer: Option<hashpin_pypi::Timestamp>,
    ) -> Result<Candidates, Arc<IndexError>> {
        match project {
            Ok(project) => Ok(Candidates::new(&project, exclude_newer)),
            Err(error) if matches!(*error, IndexError::ProjectNotFound { .. }) => {
                Ok(Candidates::missing())
            }
            Err(error) => Err(error),
        }
    }

    /// The newest usable version in `range` under the pre-release policy and preferences.
    ///
    /// Versions are judged (their files unpacked) only once the range and the version
    /// number alone leave them in the running.
    fn choose<'a>(
        &self,
        name: &PackageName,
        candidates: &'a Candidates,
        range: &Ranges<Version>,
        explicit_prerelease: bool,
        unusable_metadata: &HashSet<Version>,
        needs_build: &HashSet<Version>,
    ) -> Option<&'a Candidate> {
        let policy = self.policy();
        let in_range = candidates.versions.iter().filter(|slot| {
            range.contains(&slot.version) && !unusable_metadata.contains(&slot.version)
        });
        let usable = |slot| {
            let candidate = candidates.judge(slot, policy);
            candidate.unusable.is_none().then_some(candidate)
        };
        if let Some(preferred) = self.preferences.get(name)
            && let Some(candidate) = in_range
                .clone()
                .filter(|slot| &slot.version == preferred)
                .find_map(usable)
        {
            return Some(candidate);
        }
        // A yanked release, even one explicitly allowed, only when nothing else will do
        // (PEP 592; pip sorts yanked files last).
        let allow_prerelease =
            self.options.prerelease == PrereleaseMode::Allow || explicit_prerelease;
        // A final release whose metadata needs a build is one pip would build and take, so a
        // pre-release is no stand-in for it (pyhive 0.7.0, not 0.7.0.dev0). The solver has
        // taken it out of `range` by now; it still counts where the range goes on above it
        // (a hole, not a bound). A hole the user made (`!=0.7.0`) counts too, where pip would
        // take the pre-release: the error then says which release needs a build.
        let final_needs_build = needs_build.iter().any(|version| {
            !version.any_prerelease()
                && !range
                    .intersection(&Ranges::strictly_higher_than(version.clone()))
                    .is_empty()
        });
        let newest = |allow_yanked: bool| {
            // pip's rule: pre-releases only when no final release satisfies.
            let pick = |allow_prerelease: bool| {
                in_range
                    .clone()
                    .filter(|slot| allow_prerelease || !slot.version.any_prerelease())
                    .filter_map(usable)
                    .find(|candidate| allow_yanked || !candidate.yanked)
            };
            if allow_prerelease {
                pick(true)
            } else {
                pick(false).or_else(|| (!final_needs_build).then(|| pick(true)).flatten())
            }
        };
        newest(false).or_else(|| newest(true))
    }
}

/// Fetches `name`'s page and the metadata of its most likely candidate, then does the same for
/// that candidate's dependencies (those of `extras` too), and so on, each project and extra
/// once, on runtime tasks (so it needs a runtime context).
///
/// The solver asks for a dependency only once it has decided the package that declares it,
/// which put a round trip per level of the dependency graph on the critical path; this way the
/// fetches run ahead of it down the graph, at the speed of the index. What is fetched for a
/// candidate the solver does not pick is wasted, never wrong: the solver reads the same facts
/// whoever fetched them. Dependencies behind a marker false on the target are left alone.
fn prefetch<S: PackageSource>(
    fetcher: &Arc<Fetcher<S>>,
    context: &Arc<Context>,
    name: &PackageName,
    extras: &[ExtraName],
    range: Ranges<Version>,
) {
    let units: Vec<Option<ExtraName>> = {
        // A poisoned lock holds whole names.
        let mut prefetched = context
            .prefetched
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        std::iter::once(None)
            .chain(extras.iter().cloned().map(Some))
            .filter(|unit| prefetched.insert((name.clone(), unit.clone())))
            .collect()
    };
    if units.is_empty() {
        return;
    }
    let fetcher = Arc::clone(fetcher);
    let context = Arc::clone(context);
    let name = name.clone();
    tokio::spawn(async move {
        let project = fetcher.project(&name).await;
        let Ok(candidates) = Context::candidates(project, context.options.cutoff_for(&name)) else {
            return;
        };
        // Within what the requirement that found it allows: a build of a version no
        // requirement wants would run a package's code for nothing.
        let range = match context.constraints.get(&name) {
            Some(constraint) => range.intersection(constraint),
            None => range,
        };
        let best = context
            .choose(
                &name,
                &candidates,
                &range,
                false,
                &HashSet::new(),
                &HashSet::new(),
            )
            .and_then(|candidate| candidate.metadata_file().cloned());
        let Some(file) = best else {
            return;
        };
        let metadata = match fetcher.metadata(&file).await {
            Ok(metadata) => metadata,
            // A build runs ahead of the solver too (bounded by the builder), so that builds
            // overlap each other and the fetches.
            Err(error)
                if matches!(
                    &*error,
                    IndexError::Sdist {
                        source: SdistError::Dynamic(_),
                        ..
                    }
                ) =>
            {
                let Ok(builder) = context.options.build.builder_for(&name) else {
                    return;
                };
                match fetcher.built_metadata(&file, builder).await {
                    Ok(metadata) => metadata,
                    Err(_) => return,
                }
            }
            Err(_) => return,
        };
        {
            for requirement in &metadata.requires_dist {
                let applies = units
                    .iter()
                    .any(|unit| context.target.requires(&requirement.marker, unit.as_ref()));
                if applies {
                    let range = match &requirement.version_or_url {
                        Some(VersionOrUrl::VersionSpecifier(specifiers)) => {
                            specifiers::to_ranges(specifiers)
                        }
                        Some(VersionOrUrl::Url(_)) => continue,
                        None => Ranges::full(),
                    };
                    prefetch(
                        &fetcher,
                        &context,
                        &requirement.name,
                        &requirement.extras,
                        range,
                    );
                }
            }
        }
    });
}

/// A requirement a package version declared, by the name it requires.
pub(crate) type Declared = (PackageName, Requirement);

/// Who declared a requirement: a package version, or `None` for the root.
type Declarer = Option<(Package, Version)>;

pub(crate) struct Provider<S> {
    pub(crate) context: Arc<Context>,
    pub(crate) fetcher: Arc<Fetcher<S>>,
    pub(crate) runtime: Handle,
    /// The root's dependencies, or why the root requirements cannot hold (a constraint).
    pub(crate) root: Result<Vec<(Package, Ranges<Version>)>, Unusable>,
    pub(crate) root_edges: Vec<(PackageName, Requirement)>,
    candidates: RefCell<HashMap<PackageName, Rc<Candidates>>>,
    /// Per project, who named a pre-release of it: `None` for the root (the user), else the
    /// package version whose requirement did. Only the root's, and those of versions that are
    /// the ones chosen now, allow pre-releases: a version the search rejected lends nothing.
    explicit_prerelease: RefCell<HashMap<PackageName, HashSet<Declarer>>>,
    /// The version last chosen for each package: while a package is decided, its decision.
    chosen: RefCell<HashMap<Package, Version>>,
    unusable_metadata: RefCell<HashMap<PackageName, HashSet<Version>>>,
    /// Of those, the versions whose metadata needs a build that may not be run, and why not.
    needs_build: RefCell<HashMap<PackageName, HashMap<Version, BuildRefusal>>>,
    discovered: RefCell<HashMap<Package, usize>>,
    /// Packages that kept conflicting, decided early from the next search on (see
    /// [`CONFLICTS_TO_PROMOTE`]); kept across searches.
    promoted: RefCell<HashSet<Package>>,
    /// Set when a package was promoted: the search in progress stops, to start again.
    restart: Cell<bool>,
    /// For explanations: why versions in a range were passed over.
    pub(crate) skipped: RefCell<HashMap<PackageName, Vec<(Version, Unusable)>>>,
    /// For "via" edges: the requirements each chosen package version declared.
    pub(crate) edges: RefCell<HashMap<(Package, Version), Vec<Declared>>>,
}

impl<S: PackageSource> Provider<S> {
    pub(crate) fn new(context: Arc<Context>, fetcher: Arc<Fetcher<S>>, runtime: Handle) -> Self {
        Self {
            context,
            fetcher,
            runtime,
            root: Ok(Vec::new()),
            root_edges: Vec::new(),
            candidates: RefCell::default(),
            explicit_prerelease: RefCell::default(),
            chosen: RefCell::default(),
            unusable_metadata: RefCell::default(),
            needs_build: RefCell::default(),
            discovered: RefCell::default(),
            promoted: RefCell::default(),
            restart: Cell::new(false),
            skipped: RefCell::default(),
            edges: RefCell::default(),
        }
    }

    /// Turns requirements into PubGrub dependencies (merged per package, constraints applied),
    /// noting explicit pre-releases (and whose requirements they are: `declarer`, `None` for
    /// the root), and prefetching new packages.
    pub(crate) fn dependencies_of<'a>(
        &self,
        requirements: impl IntoIterator<Item = &'a Requirement>,
        declarer: Option<(&Package, &Version)>,
    ) -> Result<Vec<(Package, Ranges<Version>)>, Unusable> {
        // In first-seen order, found through a map: a requirement can name 100,000 extras.
        let mut merged: Vec<(Package, Ranges<Version>)> = Vec::new();
        let mut positions: HashMap<Package, usize> = HashMap::new();
        let mut add = |package: Package, range: Ranges<Version>| {
            if let Some(&at) = positions.get(&package) {
                merged[at].1 = merged[at].1.intersection(&range);
            } else {
                positions.insert(package.clone(), merged.len());
                merged.push((package, range));
            }
        };
        for requirement in requirements {
            let name = &requirement.name;
            let mut range = match &requirement.version_or_url {
                None => Ranges::full(),
                Some(VersionOrUrl::VersionSpecifier(specifiers)) => {
                    if specifiers::names_prerelease(specifiers) {
                        self.explicit_prerelease
                            .borrow_mut()
                            .entry(name.clone())
                            .or_default()
                            .insert(declarer.map(|(p, v)| (p.clone(), v.clone())));
                    }
                    specifiers::to_ranges(specifiers)
                }
                Some(VersionOrUrl::Url(_)) => {
                    return Err(Unusable::Metadata(format!(
                        "it depends on `{name}` by direct URL, which a hash-pinned lock cannot hold"
                    )));
                }
            };
            if let Some(constraint) = self.context.constraints.get(name) {
                let constrained = range.intersection(constraint);
                // To PubGrub, depending on no version and being unusable are the same; the
                // latter lets the explanation name both the requirement and the constraint.
                if constrained.is_empty() && !range.is_empty() {
                    let project = Package::Project(name.clone());
                    return Err(Unusable::Constrained {
                        requirement: report::requirement(&project, &range),
                        constraint: report::requirement(&project, constraint),
                    });
                }
                range = constrained;
            }
            add(Package::Project(name.clone()), range.clone());
            for extra in &requirement.extras {
                add(Package::Extra(name.clone(), extra.clone()), range.clone());
            }
            self.prefetch(name, &requirement.extras, range.clone());
        }
        Ok(merged)
    }

    fn prefetch(&self, name: &PackageName, extras: &[ExtraName], range: Ranges<Version>) {
        let next = self.discovered.borrow().len();
        self.discovered
            .borrow_mut()
            .entry(Package::Project(name.clone()))
            .or_insert(next);
        let _runtime = self.runtime.enter();
        prefetch(&self.fetcher, &self.context, name, extras, range);
    }

    fn candidates(&self, name: &PackageName) -> Result<Rc<Candidates>, ResolveError> {
        if let Some(candidates) = self.candidates.borrow().get(name) {
            return Ok(Rc::clone(candidates));
        }
        let project = self.runtime.block_on(self.fetcher.project(name));
        let candidates = Context::candidates(project, self.context.options.cutoff_for(name))
            .map_err(|source| ResolveError::Fetch {
                package: name.clone(),
                source,
            })?;
        let candidates = Rc::new(candidates);
        self.candidates
            .borrow_mut()
            .insert(name.clone(), Rc::clone(&candidates));
        Ok(candidates)
    }

    fn metadata(
        &self,
        name: &PackageName,
        version: &Version,
    ) -> Result<Result<Arc<CoreMetadata>, Unusable>, ResolveError> {
        let candidates = self.candidates(name)?;
        let Some(candidate) = candidates.get(version, self.context.policy()) else {
            return Ok(Err(Unusable::NoCompatibleFile));
        };
        if let Some(unusable) = &candidate.unusable {
            return Ok(Err(unusable.clone()));
        }
        let Some(file) = candidate.metadata_file() else {
            return Ok(Err(Unusable::NoCompatibleFile));
        };
        let metadata = match self.runtime.block_on(self.fetcher.metadata(file)) {
            Ok(metadata) => metadata,
            Err(error) => {
                let unusable = match &*error {
                    IndexError::Sdist {
                        source: SdistError::Dynamic(why),
                        ..
                    } => match self.context.options.build.builder_for(name) {
                        Ok(builder) => {
                            log::debug!("{name} {version} needs a build ({why})");
                            match self
                                .runtime
                                .block_on(self.fetcher.built_metadata(file, builder))
                            {
                                Ok(metadata) => return Ok(self.check_python(metadata)),
                                Err(source) => {
                                    return Err(ResolveError::Build {
                                        package: name.clone(),
                                        version: version.clone(),
                                        source,
                                    });
                                }
                            }
                        }
                        Err(refusal) => {
                            log::debug!("{name} {version} needs a build: {why}");
                            self.needs_build
                                .borrow_mut()
                                .entry(name.clone())
                                .or_default()
                                .insert(version.clone(), refusal);
                            Unusable::NeedsBuild(refusal)
                        }
                    },
                    // Files whose metadata is malformed rule out their version, and
                    // resolution moves on.
                    IndexError::Sdist { .. }
                    | IndexError::Metadata { .. }
                    | IndexError::MetadataMismatch { .. }
                    | IndexError::Wheel { .. } => Unusable::Metadata(error_chain(&*error)),
                    _ => {
                        return Err(ResolveError::Metadata {
                            package: name.clone(),
                            version: version.clone(),
                            source: error,
                        });
                    }
                };
                self.unusable_metadata
                    .borrow_mut()
                    .entry(name.clone())
                    .or_default()
                    .insert(version.clone());
                return Ok(Err(unusable));
            }
        };
        Ok(self.check_python(metadata))
    }

    /// The metadata, unless its `Requires-Python` rules out the target.
    fn check_python(&self, metadata: Arc<CoreMetadata>) -> Result<Arc<CoreMetadata>, Unusable> {
        // HTML pages often omit Requires-Python; the metadata always has the final word.
        if let Some(specifiers) = &metadata.requires_python
            && !self.context.target.accepts_python(Some(specifiers))
        {
            return Err(Unusable::RequiresPython {
                specifiers: specifiers.clone(),
                python: self.context.target.python_version.clone(),
            });
        }
        Ok(metadata)
    }

    fn record_edges(&self, package: &Package, version: &Version, requirements: &[&Requirement]) {
        let edges = requirements
            .iter()
            .map(|requirement| (requirement.name.clone(), (*requirement).clone()))
            .collect();
        self.edges
            .borrow_mut()
            .insert((package.clone(), version.clone()), edges);
    }
}

/// A package in this many conflicts is decided before the others from then on (after the root
/// and single-version packages), and the search starts again.
///
/// PubGrub decides packages in priority order and, when a later package's versions conflict
/// with an earlier decision, walks the later package down, version by version: with `a` and
/// `b` required, and every recent `b` requiring an older `a`, it would settle on an ancient `b`
/// that no longer depends on `a` at all, rather than move `a`. A package that keeps being the
/// one rejected is the one to decide first; the solver cannot undo a decision on request, so
/// the search restarts with the package promoted. Metadata is cached, so a restart costs only
/// the solving. uv's resolver promotes a package after the same number of conflicts.
pub(crate) const CONFLICTS_TO_PROMOTE: u32 = 5;

/// At most this many restarts (each promotes a package not promoted before).
const MAX_PROMOTED: usize = 32;

impl<S: PackageSource> Provider<S> {
    /// Promotes `package`, unless it already is or the restarts are spent.
    fn promote(&self, package: &Package) -> bool {
        let mut promoted = self.promoted.borrow_mut();
        if matches!(package, Package::Root) || promoted.len() >= MAX_PROMOTED {
            return false;
        }
        promoted.insert(package.clone())
    }

    /// Whether the search stopped to start again with a package promoted (and resets that).
    pub(crate) fn take_restart(&self) -> bool {
        let restart = self.restart.replace(false);
        if restart {
            self.chosen.borrow_mut().clear();
        }
        restart
    }

    /// Whether a requirement in force names a pre-release of `name`: the root's, or one of a
    /// package version that is the one chosen for that package now.
    fn names_prerelease(&self, name: &PackageName) -> bool {
        let chosen = self.chosen.borrow();
        self.explicit_prerelease
            .borrow()
            .get(name)
            .is_some_and(|declarers| {
                declarers.iter().any(|declarer| match declarer {
                    None => true,
                    Some((package, version)) => chosen.get(package) == Some(version),
                })
            })
    }
}

impl<S: PackageSource> DependencyProvider for Provider<S> {
    type P = Package;
    type V = Version;
    type VS = Ranges<Version>;
    type M = Unusable;
    type Priority = (u8, u32, Reverse<usize>);
    type Err = ResolveError;

    fn prioritize(
        &self,
        package: &Package,
        range: &Ranges<Version>,
        statistics: &PackageResolutionStatistics,
    ) -> Self::Priority {
        let order = self
            .discovered
            .borrow()
            .get(package)
            .copied()
            .unwrap_or(usize::MAX);
        let conflicts = statistics.conflict_count();
        if conflicts >= CONFLICTS_TO_PROMOTE && self.promote(package) {
            self.restart.set(true);
        }
        let class = match package {
            Package::Root => 4,
            // A single allowed version: deciding it early costs nothing and prunes most.
            _ if range.as_singleton().is_some() => 3,
            _ if self.promoted.borrow().contains(package) => 2,
            _ => 1,
        };
        (class, conflicts, Reverse(order))
    }

    fn should_cancel(&self) -> Result<(), Self::Err> {
        if self.restart.get() {
            // Not an error: `solve` sees the flag and searches again.
            return Err(ResolveError::Internal("the search restarts".into()));
        }
        Ok(())
    }

    fn choose_version(
        &self,
        package: &Package,
        range: &Ranges<Version>,
    ) -> Result<Option<Version>, ResolveError> {
        let Some(name) = package.name() else {
            return Ok(Some(Version::new([0])));
        };
        let candidates = self.candidates(name)?;
        let explicit =
            self.names_prerelease(name) || self.context.prerelease_constraints.contains(name);
        // A version whose build is refused is passed over here, as a yanked one is, rather than
        // chosen and found unavailable: the explanation then says so once for all of them.
        let refuses_builds = self.context.options.build.builder_for(name).is_err();
        loop {
            let unusable_metadata = self
                .unusable_metadata
                .borrow()
                .get(name)
                .cloned()
                .unwrap_or_default();
            let needs_build: HashSet<Version> = self
                .needs_build
                .borrow()
                .get(name)
                .map(|versions| versions.keys().cloned().collect())
                .unwrap_or_default();
            let Some(candidate) = self.context.choose(
                name,
                &candidates,
                range,
                explicit,
                &unusable_metadata,
                &needs_build,
            ) else {
                break;
            };
            let version = candidate.version.clone();
            let from_sdist = candidate
                .metadata_file()
                .is_some_and(|file| matches!(file.parsed, hashpin_pypi::DistFilename::Sdist(_)));
            if refuses_builds
                && from_sdist
                && let Err(Unusable::NeedsBuild(_)) = self.metadata(name, &version)?
            {
                continue;
            }
            log::trace!("choosing {name} {version}");
            self.chosen
                .borrow_mut()
                .insert(package.clone(), version.clone());
            return Ok(Some(version));
        }
        // Nothing usable: keep why, for the explanation, and refuse a yanked `==` pin outright.
        let mut skipped = Vec::new();
        for candidate in candidates
            .versions
            .iter()
            .filter(|slot| range.contains(&slot.version))
            .map(|slot| candidates.judge(slot, self.context.policy()))
        {
            if let Some(unusable) = &candidate.unusable {
                if let Unusable::Yanked { reason } = unusable
                    && self
                        .context
                        .pins
                        .contains(&(name.clone(), candidate.version.clone()))
                {
                    return Err(ResolveError::YankedPin {
                        package: name.clone(),
                        version: candidate.version.clone(),
                        reason: reason.clone(),
                    });
                }
                skipped.push((candidate.version.clone(), unusable.clone()));
            }
        }
        if let Some(refused) = self.needs_build.borrow().get(name) {
            let mut refused: Vec<(&Version, &BuildRefusal)> = refused
                .iter()
                .filter(|(version, _)| range.contains(version))
                .collect();
            refused.sort_unstable_by(|a, b| b.0.cmp(a.0));
            skipped.extend(
                refused
                    .into_iter()
                    .map(|(version, refusal)| (version.clone(), Unusable::NeedsBuild(*refusal))),
            );
        }
        self.skipped
            .borrow_mut()
            .entry(name.clone())
            .or_default()
            .extend(skipped);
        Ok(None)
    }

    fn get_dependencies(
        &self,
        package: &Package,
        version: &Version,
    ) -> Result<Dependencies<Package, Ranges<Version>, Unusable>, ResolveError> {
        let (name, extra) = match package {
            Package::Root => {
                return Ok(match &self.root {
                    Ok(root) => Dependencies::Available(root.iter().cloned().collect()),
                    Err(unusable) => Dependencies::Unavailable(unusable.clone()),
                });
            }
            Package::Project(name) => (name, None),
            Package::Extra(name, extra) => (name, Some(extra)),
        };
        let metadata = match self.metadata(name, version)? {
            Ok(metadata) => metadata,
            Err(unusable) => return Ok(Dependencies::Unavailable(unusable)),
        };
        let mut own_extras = Vec::new();
        let mut requirements = Vec::new();
        for requirement in &metadata.requires_dist {
            if !self.context.target.requires(&requirement.marker, extra) {
                continue;
            }
            if &requirement.name == name {
                // `foo[a]` requiring `foo[b]`: the same version with more extras.
                own_extras.extend(requirement.extras.iter().cloned());
                continue;
            }
            requirements.push(requirement);
        }
        let mut dependencies =
            match self.dependencies_of(requirements.iter().copied(), Some((package, version))) {
                Ok(dependencies) => dependencies,
                Err(unusable) => return Ok(Dependencies::Unavailable(unusable)),
            };
        let exact = Ranges::singleton(version.clone());
        if extra.is_some() {
            dependencies.push((Package::Project(name.clone()), exact.clone()));
        }
        for own in own_extras {
            if Some(&own) != extra {
                dependencies.push((Package::Extra(name.clone(), own), exact.clone()));
            }
        }
        self.record_edges(package, version, &requirements);
        Ok(Dependencies::Available(DependencyConstraints::from_iter(
            dependencies,
        )))
    }
}

impl<S: PackageSource> Provider<S> {
    /// Warns, once a package, about the versions passed over because their dependencies are
    /// known only by building them, and they may not be built.
    pub(crate) fn warn_about_builds(&self) {
        let needs_build = self.needs_build.borrow();
        let mut names: Vec<&PackageName> = needs_build.keys().collect();
        names.sort();
        for name in names {
            let mut versions: Vec<(&Version, &BuildRefusal)> = needs_build[name].iter().collect();
            versions.sort_unstable_by(|a, b| b.0.cmp(a.0));
            let shown: Vec<String> = versions
                .iter()
                .take(3)
                .map(|(version, _)| version.to_string())
                .collect();
            let more = match versions.len().saturating_sub(shown.len()) {
                0 => String::new(),
                more => format!(" and {more} more"),
            };
            let (its, it) = if versions.len() == 1 {
                ("its", "it")
            } else {
                ("their", "them")
            };
            let refusal = versions[0].1;
            log::warn!(
                "skipped {name} {}{more}: {its} dependencies are known only by building {it}, and {refusal}",
                shown.join(", ")
            );
        }
    }

    /// A project whose cached page turned out damaged during the solve, if any.
    pub(crate) fn damaged_project(&self) -> Option<PackageName> {
        self.candidates
            .borrow()
            .iter()
            .find(|(_, candidates)| candidates.is_damaged())
            .map(|(name, _)| name.clone())
    }

    /// Builds the resolution graph from PubGrub's solution.
    pub(crate) fn resolution(
        &mut self,
        solution: &pubgrub::SelectedDependencies<Package, Version>,
    ) -> crate::Resolution {
        use crate::resolution::{Edge, Requester, ResolvedPackage};
        let mut packages = std::collections::BTreeMap::new();
        for (package, version) in solution.iter() {
            if let Package::Project(name) = package {
                let taken = self
                    .candidates
                    .get_mut()
                    .get_mut(name)
                    .and_then(Rc::get_mut)
                    .and_then(|candidates| candidates.take_files(version));
                let files = taken.unwrap_or_else(|| {
                    self.candidates
                        .borrow()
                        .get(name)
                        .and_then(|candidates| {
                            candidates
                                .get(version, self.context.policy())
                                .map(|candidate| candidate.files().to_vec())
                        })
                        .unwrap_or_default()
                });
                packages.insert(
                    name.clone(),
                    ResolvedPackage {
                        name: name.clone(),
                        version: version.clone(),
                        files,
                        extras: std::collections::BTreeSet::new(),
                        required_by: std::collections::BTreeSet::new(),
                    },
                );
            }
        }
        for (package, _) in solution.iter() {
            if let Package::Extra(name, extra) = package
                && let Some(resolved) = packages.get_mut(name)
            {
                resolved.extras.insert(extra.clone());
            }
        }
        let mut add_edge =
            |dependency: &PackageName, from: Requester, requirement: &Requirement| {
                if let Some(resolved) = packages.get_mut(dependency) {
                    resolved.required_by.insert(Edge {
                        from,
                        requirement: requirement.clone(),
                    });
                }
            };
        for (dependency, requirement) in &self.root_edges {
            add_edge(dependency, Requester::Root, requirement);
        }
        for ((package, version), edges) in self.edges.borrow().iter() {
            let (Some(name), Some(chosen)) = (package.name(), solution.get(package)) else {
                continue;
            };
            if chosen != version {
                continue;
            }
            for (dependency, requirement) in edges {
                if dependency != name {
                    add_edge(dependency, Requester::Project(name.clone()), requirement);
                }
            }
        }
        crate::Resolution { packages }
    }

    pub(crate) fn explainer(&self) -> crate::report::Explainer {
        let candidates = self.candidates.borrow();
        crate::report::Explainer {
            skipped: self.skipped.borrow().clone(),
            missing: candidates
                .iter()
                .filter(|(_, candidates)| candidates.missing)
                .map(|(name, _)| name.clone())
                .collect(),
            available: candidates
                .iter()
                .map(|(name, candidates)| {
                    (
                        name.clone(),
                        candidates
                            .versions
                            .iter()
                            .map(|slot| slot.version.clone())
                            .collect(),
                    )
                })
                .collect(),
            root_specifiers: self.root_specifiers(),
            declared: self
                .edges
                .borrow()
                .iter()
                .map(|(key, declared)| {
                    let specifiers = declared
                        .iter()
                        .map(|(name, requirement)| {
                            let text = match &requirement.version_or_url {
                                Some(VersionOrUrl::VersionSpecifier(specifiers)) => {
                                    specifiers::as_written(specifiers)
                                }
                                _ => String::new(),
                            };
                            (name.clone(), text)
                        })
                        .collect();
                    (key.clone(), specifiers)
                })
                .collect(),
        }
    }

    /// Each root requirement's specifiers as the user wrote them (joined where one project is
    /// required twice), with the range they make.
    fn root_specifiers(&self) -> HashMap<PackageName, (String, Ranges<Version>)> {
        let mut own: HashMap<PackageName, (Vec<String>, Ranges<Version>)> = HashMap::new();
        for (name, requirement) in &self.root_edges {
            if let Some(VersionOrUrl::VersionSpecifier(specifiers)) = &requirement.version_or_url {
                let (texts, range) = own
                    .entry(name.clone())
                    .or_insert_with(|| (Vec::new(), Ranges::full()));
                texts.push(specifiers::as_written(specifiers));
                *range = range.intersection(&specifiers::to_ranges(specifiers));
            }
        }
        own.into_iter()
            .filter(|(_, (texts, _))| !texts.is_empty() && texts.iter().all(|t| !t.is_empty()))
            .map(|(name, (texts, range))| (name, (texts.join(","), range)))
            .collect()
    }
}

//! PEP 517 builds of sdists for their metadata, the way pip and uv do them, and safer.
//!
//! A version whose sdist does not declare its dependencies statically can only tell them by
//! running its build backend. [`Builder`] does that, for the resolver (it is its
//! [`MetadataBuilder`]):
//!
//! 1. The sdist is downloaded and checked against the index's hash, then unpacked with every
//!    member kept inside the scratch directory, links skipped, and size and member limits.
//! 2. Its `[build-system]` is read (setuptools' legacy backend when there is none).
//! 3. The build requirements are resolved by hashpin itself, for the build interpreter, from
//!    wheels only (so nothing recurses), and each wheel is downloaded, checked against its
//!    hash and unpacked into a fresh virtual environment without pip and without system
//!    site-packages. The same for what `get_requires_for_build_wheel` adds.
//! 4. `prepare_metadata_for_build_wheel` runs (falling back to `build_wheel`) in the source
//!    tree, with `backend-path` honoured, a scrubbed environment (no variable whose name says
//!    token, secret, password, key or auth, no pip/uv/hashpin configuration, no proxies, a
//!    fresh `HOME`), stdin closed, output to a log, and a time limit; its process group is
//!    killed when it ends or times out.
//! 5. The metadata must name the sdist's project and version; it is cached by the sdist's
//!    SHA-256 and the build interpreter, so a warm run builds nothing.
//!
//! Builds run concurrently up to a bound, on the runtime, without holding up other fetches.

mod backend;
mod environment;
mod error;
#[doc(hidden)]
pub mod fuzz;
mod hooks;
mod running;
mod unpack;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hashpin_pypi::error_chain;
use hashpin_pypi::{
    CoreMetadata, DistFile, DistFilename, HashDigest, IndexClient, InterpreterInfo, PackageName,
    Requirement, SdistFormat, Timestamp,
};
use hashpin_resolver::{
    BinaryPolicy, BuildFailure, BuildFuture, Manifest, MetadataBuilder, ProjectSet, Resolution,
    ResolverOptions, TargetEnvironment,
};
use tokio::sync::{OnceCell, Semaphore};

use crate::backend::BuildSystem;
use crate::environment::BuildEnvironment;
pub use crate::error::BuildError;
use crate::hooks::{Hook, HookResult, HookRunner};
pub use crate::running::stop_all;
pub use crate::unpack::UnpackError;
use crate::unpack::UnpackLimits;

/// How builds run.
#[derive(Debug, Clone)]
pub struct BuilderOptions {
    /// The interpreter builds run with (and build requirements are resolved for).
    pub python: PathBuf,
    /// How long one hook may run.
    pub timeout: Duration,
    /// Builds at once.
    pub jobs: usize,
    /// Build requirements uploaded after this do not exist (the lock's own cutoff).
    pub exclude_newer: Option<Timestamp>,
}

impl BuilderOptions {
    /// The default time limit of one hook: ten minutes.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_mins(10);
}

/// Builds sdists for their metadata; see the crate documentation.
#[derive(Debug, Clone)]
pub struct Builder {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    client: IndexClient,
    options: BuilderOptions,
    python: OnceCell<Result<BuildPython, String>>,
    permits: Semaphore,
    scratch: OnceCell<Result<tempfile::TempDir, String>>,
    /// Build requirements' wheels downloaded in this run, by URL.
    wheels: Mutex<HashMap<String, Arc<Downloaded>>>,
    built: AtomicUsize,
    from_cache: AtomicUsize,
    built_projects: AtomicUsize,
    projects_from_cache: AtomicUsize,
}

/// A wheel's path once downloaded and verified, or why not.
type Downloaded = OnceCell<Result<PathBuf, String>>;

/// The build interpreter and what it is.
#[derive(Debug)]
struct BuildPython {
    path: PathBuf,
    target: TargetEnvironment,
    /// Part of the cache key: metadata built with another interpreter may differ.
    key: String,
}

impl Builder {
    /// A builder that downloads through `client` (its cache holds the built metadata).
    pub fn new(client: IndexClient, options: BuilderOptions) -> Self {
        let jobs = options.jobs.max(1);
        Self {
            inner: Arc::new(Inner {
                client,
                options,
                python: OnceCell::new(),
                permits: Semaphore::new(jobs),
                scratch: OnceCell::new(),
                wheels: Mutex::default(),
                built: AtomicUsize::new(0),
                from_cache: AtomicUsize::new(0),
                built_projects: AtomicUsize::new(0),
                projects_from_cache: AtomicUsize::new(0),
            }),
        }
    }

    /// Sdists built in this run (not counting those whose metadata came from the cache).
    pub fn built(&self) -> usize {
        self.inner.built.load(Ordering::Relaxed)
    }

    /// Sdists whose built metadata came from the cache.
    pub fn from_cache(&self) -> usize {
        self.inner.from_cache.load(Ordering::Relaxed)
    }

    /// Local projects built in this run, and those whose built metadata came from the cache.
    pub fn local_projects(&self) -> (usize, usize) {
        (
            self.inner.built_projects.load(Ordering::Relaxed),
            self.inner.projects_from_cache.load(Ordering::Relaxed),
        )
    }

    /// The metadata of a downloaded source archive whose name does not tell its version (a
    /// forge's `COMMIT.tar.gz`), by building it (or from the cache, under its SHA-256). It
    /// must be a distribution of `name`.
    pub async fn source_archive_metadata(
        &self,
        archive: &Path,
        format: SdistFormat,
        sha256: &HashDigest,
        name: &PackageName,
    ) -> Result<CoreMetadata, BuildError> {
        self.inner
            .source_archive_metadata(archive, format, sha256, name)
            .await
    }

    /// The metadata of the local project at `tree`, by building it (or from the cache).
    pub async fn local_project(&self, tree: &Path) -> Result<CoreMetadata, BuildError> {
        self.inner.build_tree(tree).await
    }

    /// What building a wheel of the sdist `file` requires: `[build-system] requires` and
    /// what `get_requires_for_build_wheel` adds (which runs the backend, isolated).
    pub async fn build_requirements(
        &self,
        file: &DistFile,
    ) -> Result<Vec<Requirement>, BuildError> {
        self.inner.build_requirements(file).await
    }

    /// Removes this run's scratch directory (sdists, environments, logs) now, rather than
    /// when the last task holding the builder lets go of it.
    pub fn clean_up(&self) {
        if let Some(Ok(scratch)) = self.inner.scratch.get() {
            let _ = std::fs::remove_dir_all(scratch.path());
        }
    }
}

impl MetadataBuilder for Builder {
    fn build_metadata(&self, file: DistFile) -> BuildFuture {
        let inner = Arc::clone(&self.inner);
        Box::pin(async move {
            inner
                .build(&file)
                .await
                .map_err(|error| Arc::new(error) as BuildFailure)
        })
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Inner {
    fn unpack_limits(&self) -> UnpackLimits {
        UnpackLimits {
            total_bytes: self.client.options().limits.file_bytes,
            members: 100_000,
        }
    }

    async fn python(&self) -> Result<&BuildPython, BuildError> {
        let python = self
            .python
            .get_or_init(|| async {
                let path = self.options.python.clone();
                let cache = self.client.options().cache.clone();
                let info = tokio::task::spawn_blocking(move || {
                    InterpreterInfo::query(&path, cache.as_ref())
                })
                .await
                .map_err(|error| error.to_string())?
                .map_err(|error| error.to_string())?;
                let target = TargetEnvironment::from_interpreter(&info)
                    .map_err(|error| error.to_string())?;
                let get = |name: &str| info.markers.get(name).map_or("", String::as_str);
                let key = format!(
                    "{}-{}-{}",
                    get("implementation_name"),
                    get("python_full_version"),
                    info.platform
                )
                .replace(
                    |c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-'),
                    "_",
                );
                Ok(BuildPython {
                    path: self.options.python.clone(),
                    target,
                    key,
                })
            })
            .await;
        python.as_ref().map_err(|message| BuildError::NoPython {
            python: self.options.python.clone(),
            message: message.clone(),
        })
    }

    async fn scratch(&self) -> Result<&Path, BuildError> {
        let scratch = self
            .scratch
            .get_or_init(|| async {
                running::remove_abandoned(&std::env::temp_dir());
                let dir = tempfile::Builder::new()
                    .prefix(&format!(
                        "{}{}-",
                        running::SCRATCH_PREFIX,
                        std::process::id()
                    ))
                    .tempdir()
                    .map_err(|error| error.to_string())?;
                running::add_scratch(dir.path().to_path_buf());
                Ok(dir)
            })
            .await;
        scratch
            .as_ref()
            .map(tempfile::TempDir::path)
            .map_err(|message| BuildError::Io(std::io::Error::other(message.clone())))
    }

    fn cached(
        &self,
        sha256: &HashDigest,
        python: &BuildPython,
        file: &DistFile,
    ) -> Option<CoreMetadata> {
        let cache = self.client.options().cache.as_ref()?;
        let bytes = cache.read_built(&cache_key(sha256, python))?;
        match check(file, &bytes) {
            Ok(metadata) => Some(metadata),
            Err(error) => {
                log::debug!(
                    "ignoring cached built metadata of `{}`: {error}",
                    file.filename
                );
                None
            }
        }
    }

    async fn build(&self, file: &DistFile) -> Result<CoreMetadata, BuildError> {
        let DistFilename::Sdist(sdist) = &file.parsed else {
            return Err(BuildError::Metadata(format!(
                "`{}` is not an sdist",
                file.filename
            )));
        };
        let python = self.python().await?;
        if let Some(sha256) = file.sha256()
            && let Some(metadata) = self.cached(sha256, python, file)
        {
            self.from_cache.fetch_add(1, Ordering::Relaxed);
            return Ok(metadata);
        }
        let _permit = self.permit().await?;
        let (scratch, archive, sha256) = self.download_sdist(file).await?;
        let dir = scratch.path();
        if file.sha256().is_none()
            && let Some(metadata) = self.cached(&sha256, python, file)
        {
            self.from_cache.fetch_add(1, Ordering::Relaxed);
            return Ok(metadata);
        }
        log::info!("building {} {} for its metadata", sdist.name, sdist.version);
        let (source, system) = self.source_tree(&archive, sdist.format, dir).await?;
        let bytes = self.run_build(&source, &system, python, dir).await?;
        let metadata = check(file, &bytes).map_err(BuildError::Metadata)?;
        self.store(&cache_key(&sha256, python), &bytes);
        self.built.fetch_add(1, Ordering::Relaxed);
        Ok(metadata)
    }

    /// Builds the tree at `source` as `system` says, with `dir` as scratch: the `METADATA`
    /// bytes.
    async fn run_build(
        &self,
        source: &Path,
        system: &BuildSystem,
        python: &BuildPython,
        dir: &Path,
    ) -> Result<Vec<u8>, BuildError> {
        let (environment, _) = self
            .prepared_environment(source, system, python, dir)
            .await?;
        let runner = self.runner(&environment, source, system, dir);
        self.run_metadata_hooks(&runner, dir).await
    }

    fn runner<'a>(
        &self,
        environment: &BuildEnvironment,
        source: &'a Path,
        system: &'a BuildSystem,
        dir: &'a Path,
    ) -> HookRunner<'a> {
        HookRunner {
            python: environment.python.clone(),
            source,
            scratch: dir,
            system,
            timeout: self.options.timeout,
        }
    }

    /// The environment a wheel of `source` is built in: what `system` declares, plus what
    /// `get_requires_for_build_wheel` adds; and all those requirements.
    async fn prepared_environment(
        &self,
        source: &Path,
        system: &BuildSystem,
        python: &BuildPython,
        dir: &Path,
    ) -> Result<(BuildEnvironment, Vec<Requirement>), BuildError> {
        let first = self
            .environment(&system.requires, python, &dir.join("env"))
            .await?;
        let extra = match self
            .runner(&first, source, system, dir)
            .run(Hook::GetRequiresForBuildWheel, &dir.join("out"))
            .await?
        {
            HookResult::Returned { value } => requirement_list(&value)?,
            _ => Vec::new(),
        };
        let mut all = system.requires.clone();
        // What the backend adds is resolved together with what it declared, into a fresh
        // environment: the two sets may need other versions together than apart.
        if extra.is_empty() {
            return Ok((first, all));
        }
        log::debug!("{} asks to build with {}", source.display(), join(&extra));
        all.extend(extra);
        let environment = self.environment(&all, python, &dir.join("env2")).await?;
        Ok((environment, all))
    }

    /// What building a wheel of the sdist `file` requires (`[build-system] requires` and
    /// what `get_requires_for_build_wheel` adds), cached as its metadata is.
    async fn build_requirements(&self, file: &DistFile) -> Result<Vec<Requirement>, BuildError> {
        let DistFilename::Sdist(sdist) = &file.parsed else {
            return Ok(Vec::new());
        };
        let python = self.python().await?;
        let cache = self.client.options().cache.as_ref();
        let cached = |sha256: &HashDigest| {
            let bytes = cache?.read_built(&format!("requires-{}", cache_key(sha256, python)))?;
            String::from_utf8(bytes)
                .ok()?
                .lines()
                .map(|line| hashpin_pypi::parse_requirement(line).ok())
                .collect::<Option<Vec<_>>>()
        };
        if let Some(requirements) = file.sha256().and_then(cached) {
            return Ok(requirements);
        }
        let _permit = self.permit().await?;
        let (scratch, archive, sha256) = self.download_sdist(file).await?;
        let dir = scratch.path();
        if let Some(requirements) = cached(&sha256) {
            return Ok(requirements);
        }
        let (source, system) = self.source_tree(&archive, sdist.format, dir).await?;
        let (_, requirements) = self
            .prepared_environment(&source, &system, python, dir)
            .await?;
        let text = requirements
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n");
        self.store(
            &format!("requires-{}", cache_key(&sha256, python)),
            text.as_bytes(),
        );
        Ok(requirements)
    }

    /// The metadata of the local project at `tree`, built in place (as pip and uv build
    /// local projects). Cached by the contents of the files at its top level, its path, and
    /// the interpreter (see `tree_key`); `--refresh` builds it again.
    async fn build_tree(&self, tree: &Path) -> Result<CoreMetadata, BuildError> {
        let python = self.python().await?;
        let key = tree_key(tree, python)?;
        let cache = self.client.options().cache.as_ref();
        // `--refresh` builds the project again, whatever the cache holds.
        let refresh = self.client.options().cache_mode == hashpin_pypi::CacheMode::Refresh;
        if let Some(bytes) = cache
            .filter(|_| !refresh)
            .and_then(|cache| cache.read_built(&key))
            && let Ok(metadata) = CoreMetadata::parse(&bytes)
        {
            self.projects_from_cache.fetch_add(1, Ordering::Relaxed);
            return Ok(metadata);
        }
        let _permit = self.permit().await?;
        let scratch = tempfile::Builder::new()
            .prefix("tree-")
            .tempdir_in(self.scratch().await?)?;
        let pyproject = read_small(&tree.join("pyproject.toml"), 1 << 20)?
            .map(|bytes| {
                String::from_utf8(bytes)
                    .map_err(|_| BuildError::BuildSystem("pyproject.toml is not UTF-8".into()))
            })
            .transpose()?;
        let system = BuildSystem::read(pyproject.as_deref()).map_err(BuildError::BuildSystem)?;
        log::info!(
            "building the local project {} for its metadata",
            tree.display()
        );
        let bytes = self
            .run_build(tree, &system, python, scratch.path())
            .await?;
        let metadata = CoreMetadata::parse(&bytes)
            .map_err(|error| BuildError::Metadata(error_chain(&error)))?;
        self.store(&key, &bytes);
        self.built_projects.fetch_add(1, Ordering::Relaxed);
        Ok(metadata)
    }

    async fn source_archive_metadata(
        &self,
        archive: &Path,
        format: SdistFormat,
        sha256: &HashDigest,
        name: &PackageName,
    ) -> Result<CoreMetadata, BuildError> {
        let python = self.python().await?;
        let key = cache_key(sha256, python);
        let cache = self.client.options().cache.as_ref();
        let parse = |bytes: &[u8]| -> Result<CoreMetadata, BuildError> {
            let metadata = CoreMetadata::parse(bytes)
                .map_err(|error| BuildError::Metadata(error_chain(&error)))?;
            if &metadata.name != name {
                return Err(BuildError::Metadata(format!(
                    "the archive is a distribution of `{}`, not of `{name}`",
                    metadata.name
                )));
            }
            Ok(metadata)
        };
        if let Some(bytes) = cache.and_then(|cache| cache.read_built(&key)) {
            self.from_cache.fetch_add(1, Ordering::Relaxed);
            return parse(&bytes);
        }
        let _permit = self.permit().await?;
        let scratch = tempfile::Builder::new()
            .prefix("archive-")
            .tempdir_in(self.scratch().await?)?;
        let dir = scratch.path();
        log::info!("building the source archive of {name} for its metadata");
        let (source, system) = self.source_tree(archive, format, dir).await?;
        let bytes = self.run_build(&source, &system, python, dir).await?;
        let metadata = parse(&bytes)?;
        self.store(&key, &bytes);
        self.built.fetch_add(1, Ordering::Relaxed);
        Ok(metadata)
    }

    /// Keeps what a build found in the cache (`built-v1/KEY`), if there is one; a failed
    /// write only costs the next run a build.
    fn store(&self, key: &str, bytes: &[u8]) {
        if let Some(cache) = &self.client.options().cache
            && let Err(error) = cache.write_built(key, bytes)
        {
            log::warn!(
                "cannot write to the cache at {}: {error}",
                cache.root().display()
            );
        }
    }

    /// A turn to build: at most `jobs` at once.
    async fn permit(&self) -> Result<tokio::sync::SemaphorePermit<'_>, BuildError> {
        self.permits
            .acquire()
            .await
            .map_err(|error| BuildError::Io(std::io::Error::other(error)))
    }

    /// The sdist `file` downloaded (hash-checked) into a scratch directory of its own: the
    /// directory, the archive's path, and its SHA-256.
    async fn download_sdist(
        &self,
        file: &DistFile,
    ) -> Result<(tempfile::TempDir, PathBuf, HashDigest), BuildError> {
        let scratch = tempfile::Builder::new()
            .prefix("sdist-")
            .tempdir_in(self.scratch().await?)?;
        let archive = scratch.path().join(&file.filename);
        let sha256 = self
            .client
            .download(file, &archive)
            .await
            .map_err(BuildError::Download)?;
        Ok((scratch, archive, sha256))
    }

    /// The sdist `archive` unpacked under `dir`: its tree, and how to build it.
    async fn source_tree(
        &self,
        archive: &Path,
        format: SdistFormat,
        dir: &Path,
    ) -> Result<(PathBuf, BuildSystem), BuildError> {
        let limits = self.unpack_limits();
        let (archive, unpacked) = (archive.to_path_buf(), dir.join("src"));
        let source =
            tokio::task::spawn_blocking(move || unpack_sdist(&archive, format, &unpacked, limits))
                .await
                .map_err(|error| BuildError::Io(std::io::Error::other(error)))??;
        let pyproject = read_small(&source.join("pyproject.toml"), 1 << 20)?
            .map(|bytes| {
                String::from_utf8(bytes)
                    .map_err(|_| BuildError::BuildSystem("pyproject.toml is not UTF-8".into()))
            })
            .transpose()?;
        let system = BuildSystem::read(pyproject.as_deref()).map_err(BuildError::BuildSystem)?;
        Ok((source, system))
    }

    /// `prepare_metadata_for_build_wheel`, else `build_wheel`: the `METADATA` bytes.
    async fn run_metadata_hooks(
        &self,
        runner: &HookRunner<'_>,
        dir: &Path,
    ) -> Result<Vec<u8>, BuildError> {
        let limit = self.client.options().limits.metadata_bytes;
        let metadata_dir = dir.join("metadata");
        if let HookResult::Returned { value } = runner
            .run(Hook::PrepareMetadataForBuildWheel, &metadata_dir)
            .await?
        {
            let name = plain_file_name(&value, ".dist-info")?;
            return read_small(&metadata_dir.join(name).join("METADATA"), limit)?
                .ok_or_else(|| BuildError::Metadata(format!("{name}/METADATA is missing")));
        }
        log::debug!("the backend has no prepare_metadata_for_build_wheel; building a wheel");
        let wheel_dir = dir.join("wheel");
        let HookResult::Returned { value } = runner.run(Hook::BuildWheel, &wheel_dir).await? else {
            return Err(BuildError::Metadata("build_wheel returned nothing".into()));
        };
        let name = plain_file_name(&value, ".whl")?;
        let wheel = std::fs::File::open(wheel_dir.join(name))?;
        wheel_metadata(wheel, limit)
    }

    /// A fresh environment at `root` with `requirements` resolved and installed.
    async fn environment(
        &self,
        requirements: &[Requirement],
        python: &BuildPython,
        root: &Path,
    ) -> Result<BuildEnvironment, BuildError> {
        let resolution = self.resolve(requirements, python).await?;
        let environment = BuildEnvironment::create(&python.path, root).await?;
        for package in resolution.packages.into_values() {
            let wheel = package
                .files
                .iter()
                .filter(|file| {
                    matches!(file.parsed, DistFilename::Wheel(_)) && python.target.can_install(file)
                })
                .min_by_key(|file| python.target.tags.rank(&file.parsed))
                .cloned()
                .ok_or_else(|| BuildError::NoWheel {
                    name: package.name.to_string(),
                    version: package.version.to_string(),
                })?;
            let path = self.wheel(&wheel).await?;
            let prefix: String = wheel
                .filename
                .splitn(3, '-')
                .take(2)
                .collect::<Vec<_>>()
                .join("-");
            let limits = self.unpack_limits();
            let target = environment.clone();
            tokio::task::spawn_blocking(move || target.install_wheel(&path, &prefix, limits))
                .await
                .map_err(|error| BuildError::Io(std::io::Error::other(error)))??;
        }
        Ok(environment)
    }

    async fn resolve(
        &self,
        requirements: &[Requirement],
        python: &BuildPython,
    ) -> Result<Resolution, BuildError> {
        let manifest = Manifest {
            requirements: requirements.to_vec(),
            ..Manifest::default()
        };
        // Wheels only: a build requirement that needed a build of its own would recurse.
        let options = ResolverOptions {
            exclude_newer: self.options.exclude_newer,
            binary: BinaryPolicy {
                only_binary: ProjectSet::All,
                no_binary: ProjectSet::None,
            },
            ..ResolverOptions::default()
        };
        hashpin_resolver::resolve(&manifest, &options, &python.target, self.client.clone())
            .await
            .map_err(|source| BuildError::Requirements {
                requirements: join(requirements),
                source: Box::new(source),
            })
    }

    /// The verified wheel `file`, downloaded once per run however many builds need it.
    async fn wheel(&self, file: &DistFile) -> Result<PathBuf, BuildError> {
        let slot = {
            let mut wheels = lock(&self.wheels);
            Arc::clone(wheels.entry(file.url.to_string()).or_default())
        };
        let scratch = self.scratch().await?;
        let path = slot
            .get_or_init(|| async {
                let dir = tempfile::Builder::new()
                    .prefix("wheel-")
                    .tempdir_in(scratch)
                    .map_err(|error| error.to_string())?
                    .keep();
                let path = dir.join(&file.filename);
                self.client
                    .download(file, &path)
                    .await
                    .map_err(|error| error_chain(&error))?;
                Ok(path)
            })
            .await;
        path.clone().map_err(|message| BuildError::Install {
            filename: file.filename.clone(),
            source: message.into(),
        })
    }
}

/// The cache key of a local tree's built metadata: the tree's path, the interpreter, and
/// the contents of every file at its top level (`pyproject.toml`, `setup.py`, `setup.cfg`,
/// and the `requirements.txt` or `VERSION` a setup.py reads). Files in subdirectories do
/// not count: they are the package's code, rarely its dependencies.
fn tree_key(tree: &Path, python: &BuildPython) -> Result<String, BuildError> {
    const MAX_FILES: usize = 1000;
    let mut hasher = hashpin_pypi::Sha256::new();
    let absolute = std::path::absolute(tree)?;
    hasher.update(absolute.as_os_str().as_encoded_bytes());
    let mut files: Vec<PathBuf> = std::fs::read_dir(tree)?
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_ok_and(|kind| kind.is_file()))
        .map(|entry| entry.path())
        .collect();
    files.sort();
    files.truncate(MAX_FILES);
    for file in files {
        hasher.update(b"\0");
        hasher.update(file.file_name().unwrap_or_default().as_encoded_bytes());
        if let Ok(Some(bytes)) = read_small(&file, 16 << 20) {
            hasher.update(bytes.len().to_le_bytes());
            hasher.update(&bytes);
        } else {
            // A large file counts by its size and modification time.
            let stat = std::fs::metadata(&file)?;
            hasher.update(stat.len().to_le_bytes());
            hasher.update(format!("{:?}", stat.modified().ok()).as_bytes());
        }
    }
    // A version from git (setuptools-scm, hatch-vcs) changes with the commit checked out, or
    // with the variables that pretend one.
    if let Ok(head) = std::fs::read_to_string(tree.join(".git").join("HEAD")) {
        hasher.update(b"\0git\0");
        hasher.update(head.as_bytes());
        if let Some(reference) = head.strip_prefix("ref: ").map(str::trim)
            && let Ok(commit) = std::fs::read(tree.join(".git").join(reference))
        {
            hasher.update(&commit);
        }
    }
    let mut pretend: Vec<(String, String)> = std::env::vars()
        .filter(|(name, _)| name.starts_with("SETUPTOOLS_SCM_PRETEND_VERSION"))
        .collect();
    pretend.sort();
    for (name, value) in pretend {
        hasher.update(format!("\0{name}={value}").as_bytes());
    }
    let digest = hasher
        .finalize()
        .iter()
        .fold(String::new(), |mut out, byte| {
            use std::fmt::Write as _;
            let _ = write!(out, "{byte:02x}");
            out
        });
    Ok(format!("tree-{digest}-{}", python.key))
}

fn cache_key(sha256: &HashDigest, python: &BuildPython) -> String {
    format!("{}-{}", sha256.hex(), python.key)
}

/// Parses built metadata and checks that it is about `file`'s project and version.
fn check(file: &DistFile, bytes: &[u8]) -> Result<CoreMetadata, String> {
    let metadata = CoreMetadata::parse(bytes).map_err(|error| error_chain(&error))?;
    if &metadata.name != file.parsed.name() || &metadata.version != file.version() {
        return Err(format!(
            "it describes {} {}, not {} {}",
            metadata.name,
            metadata.version,
            file.parsed.name(),
            file.version()
        ));
    }
    Ok(metadata)
}

fn join(requirements: &[Requirement]) -> String {
    requirements
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A hook's list of requirement strings.
fn requirement_list(value: &serde_json::Value) -> Result<Vec<Requirement>, BuildError> {
    let bad = |what: &str| {
        BuildError::Metadata(format!(
            "get_requires_for_build_wheel returned {}",
            hashpin_pypi::untrusted::excerpt(what, 200)
        ))
    };
    let serde_json::Value::Array(items) = value else {
        return Err(bad(&value.to_string()));
    };
    if items.len() > 1000 {
        return Err(bad("more than 1000 requirements"));
    }
    items
        .iter()
        .map(|item| {
            let text = item.as_str().ok_or_else(|| bad(&item.to_string()))?;
            hashpin_pypi::parse_requirement(text).map_err(|_| bad(text))
        })
        .collect()
}

/// A hook's returned file name: one plain component with the expected suffix.
fn plain_file_name<'a>(value: &'a serde_json::Value, suffix: &str) -> Result<&'a str, BuildError> {
    match value.as_str() {
        Some(name)
            if name.ends_with(suffix)
                && !name.contains(['/', '\\', '\0'])
                && !name.starts_with('.') =>
        {
            Ok(name)
        }
        _ => Err(BuildError::Metadata(format!(
            "the backend returned {} where a `*{suffix}` name belongs",
            hashpin_pypi::untrusted::excerpt(&value.to_string(), 200)
        ))),
    }
}

/// A file of at most `limit` bytes, `None` when it does not exist.
fn read_small(path: &Path, limit: u64) -> Result<Option<Vec<u8>>, BuildError> {
    use std::io::Read as _;
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(error.into()),
    };
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(BuildError::Metadata(format!(
            "{} is larger than {} MiB",
            path.file_name().unwrap_or_default().to_string_lossy(),
            limit >> 20
        )));
    }
    Ok(Some(bytes))
}

/// `METADATA` of the top-level `.dist-info` directory of a built wheel.
fn wheel_metadata(wheel: std::fs::File, limit: u64) -> Result<Vec<u8>, BuildError> {
    use std::io::Read as _;
    let zip_error =
        |error: zip::result::ZipError| BuildError::Metadata(format!("the built wheel: {error}"));
    let mut archive = zip::ZipArchive::new(wheel).map_err(zip_error)?;
    let mut found = None;
    for index in 0..archive.len() {
        let entry = archive.by_index_raw(index).map_err(zip_error)?;
        let name = entry.name().map_err(zip_error)?;
        if name
            .strip_suffix(".dist-info/METADATA")
            .is_some_and(|dir| !dir.contains('/'))
        {
            found = Some(name.into_owned());
            break;
        }
    }
    let name =
        found.ok_or_else(|| BuildError::Metadata("the built wheel has no METADATA".into()))?;
    let entry = archive.by_name(&name).map_err(zip_error)?;
    let mut bytes = Vec::new();
    entry.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(BuildError::Metadata(
            "the built wheel's METADATA is too large".into(),
        ));
    }
    Ok(bytes)
}

/// Unpacks the sdist and finds its tree: the single top-level directory, as sdists are made.
fn unpack_sdist(
    archive: &Path,
    format: SdistFormat,
    into: &Path,
    limits: UnpackLimits,
) -> Result<PathBuf, BuildError> {
    std::fs::create_dir_all(into)?;
    let file = std::fs::File::open(archive)?;
    match format {
        SdistFormat::TarGz => unpack::untar(file, true, into, limits),
        SdistFormat::Tar => unpack::untar(file, false, into, limits),
        SdistFormat::Zip => unpack::unzip(file, into, limits, |name| Some(name.to_string())),
        other => return Err(BuildError::Format(format!("{other:?}"))),
    }
    .map_err(BuildError::Unpack)?;
    let entries: Vec<PathBuf> = std::fs::read_dir(into)?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .collect();
    match entries.as_slice() {
        [single] if single.is_dir() => Ok(single.clone()),
        _ => Ok(into.to_path_buf()),
    }
}

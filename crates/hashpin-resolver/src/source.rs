//! Where the resolver's facts come from, and the fetcher that shares them between the solver
//! thread and prefetching tasks.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use hashpin_pypi::{CoreMetadata, DistFile, Error, IndexClient, PackageName, Project};
use tokio::sync::OnceCell;

use crate::build::{BuildFailure, MetadataBuilder};

/// The resolver's view of an index: a project's files, and a file's core metadata.
///
/// [`IndexClient`] is the real one; tests may provide others.
pub trait PackageSource: Send + Sync + 'static {
    /// All files of a project. [`Error::ProjectNotFound`] means no source has it.
    fn project(&self, name: &PackageName) -> impl Future<Output = Result<Project, Error>> + Send;
    /// The core metadata of one file.
    fn metadata(&self, file: &DistFile)
    -> impl Future<Output = Result<CoreMetadata, Error>> + Send;
}

impl PackageSource for IndexClient {
    async fn project(&self, name: &PackageName) -> Result<Project, Error> {
        IndexClient::project(self, name).await
    }

    async fn metadata(&self, file: &DistFile) -> Result<CoreMetadata, Error> {
        IndexClient::metadata(self, file).await
    }
}

/// Hears about fetches as they complete (prefetches included), e.g. to show progress.
pub trait Reporter: Send + Sync + 'static {
    /// A project's files were listed.
    fn on_project(&self, _name: &PackageName) {}
    /// A file's metadata was read.
    fn on_metadata(&self, _name: &PackageName, _version: &hashpin_pypi::Version) {}
    /// A release's metadata was read, and its project's files are at hand: the release is
    /// likely to be locked, so work on its files (a scan) can start before the solver ends.
    fn on_release(&self, _project: &Project, _version: &hashpin_pypi::Version) {}
}

/// A reporter that hears nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoReporter;

impl Reporter for NoReporter {}

type Shared<T, E = Arc<Error>> = Result<Arc<T>, E>;
type Slots<K, T, E = Arc<Error>> = Mutex<HashMap<K, Arc<OnceCell<Shared<T, E>>>>>;

/// Fetches each project and each file's metadata once, however many callers ask at once.
pub(crate) struct Fetcher<S> {
    source: S,
    reporter: Arc<dyn Reporter>,
    projects: Slots<PackageName, Project>,
    metadata: Slots<String, CoreMetadata>,
    built: Slots<String, CoreMetadata, BuildFailure>,
    /// Projects of requirements by URL: their one file, never asked of the source.
    direct: HashMap<PackageName, Arc<Project>>,
}

impl<S: PackageSource> Fetcher<S> {
    pub(crate) fn new(
        source: S,
        reporter: Arc<dyn Reporter>,
        direct: &[DistFile],
        local: &[(DistFile, CoreMetadata)],
    ) -> Self {
        let files = direct.iter().chain(local.iter().map(|(file, _)| file));
        // A local project's metadata is known already: its slot starts filled.
        let metadata = local
            .iter()
            .map(|(file, metadata)| {
                let filled = OnceCell::new_with(Some(Ok(Arc::new(metadata.clone()))));
                (file.url.to_string(), Arc::new(filled))
            })
            .collect();
        Self {
            direct: files
                .map(|file| (file.parsed.name().clone(), Arc::new(Project::direct(file))))
                .collect(),
            source,
            reporter,
            projects: Mutex::new(HashMap::new()),
            metadata: Mutex::new(metadata),
            built: Mutex::new(HashMap::new()),
        }
    }

    /// Whether `name` is required by URL.
    pub(crate) fn is_direct(&self, name: &PackageName) -> bool {
        self.direct.contains_key(name)
    }

    pub(crate) async fn project(&self, name: &PackageName) -> Shared<Project> {
        if let Some(project) = self.direct.get(name) {
            return Ok(Arc::clone(project));
        }
        let slot = slot(&self.projects, name.clone());
        slot.get_or_init(|| async {
            log::debug!("fetching the files of `{name}`");
            let project = self.source.project(name).await;
            if project.is_ok() {
                self.reporter.on_project(name);
            }
            project.map(Arc::new).map_err(Arc::new)
        })
        .await
        .clone()
    }

    pub(crate) async fn metadata(&self, file: &DistFile) -> Shared<CoreMetadata> {
        let slot = slot(&self.metadata, file.url.to_string());
        slot.get_or_init(|| async {
            log::debug!("fetching the metadata of `{}`", file.filename);
            let metadata = self.source.metadata(file).await;
            if metadata.is_ok() {
                self.reporter
                    .on_metadata(file.parsed.name(), file.version());
                if let Some(project) = self.listed(file.parsed.name()) {
                    self.reporter.on_release(&project, file.version());
                }
            }
            metadata.map(Arc::new).map_err(Arc::new)
        })
        .await
        .clone()
    }

    /// A project's files, if they were listed already.
    fn listed(&self, name: &PackageName) -> Option<Arc<Project>> {
        let slots = self
            .projects
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match slots.get(name)?.get()? {
            Ok(project) => Some(Arc::clone(project)),
            Err(_) => None,
        }
    }

    /// The metadata of the sdist `file` by building it, once however many callers ask.
    pub(crate) async fn built_metadata(
        &self,
        file: &DistFile,
        builder: &Arc<dyn MetadataBuilder>,
    ) -> Shared<CoreMetadata, BuildFailure> {
        let slot = slot(&self.built, file.url.to_string());
        slot.get_or_init(|| async {
            let metadata = builder.build_metadata(file.clone()).await;
            if metadata.is_ok() {
                self.reporter
                    .on_metadata(file.parsed.name(), file.version());
            }
            metadata.map(Arc::new)
        })
        .await
        .clone()
    }
}

fn slot<K: std::hash::Hash + Eq, T, E>(
    slots: &Slots<K, T, E>,
    key: K,
) -> Arc<OnceCell<Shared<T, E>>> {
    // A poisoned lock means a panic elsewhere already failed the resolution; the map itself
    // is still consistent (inserts are atomic), so it is used as it is.
    let mut slots = slots
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    slots.entry(key).or_default().clone()
}

impl<S> std::fmt::Debug for Fetcher<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fetcher").finish_non_exhaustive()
    }
}

//! The index client: one shared HTTP client, bounded concurrency, retries, and the cache.
//!
//! Core metadata of a file, cheapest first:
//! 1. the PEP 658 `.metadata` file, when the page advertises it (its hash is checked; a
//!    mismatch is a hard error, never a fallback);
//! 2. HTTP range requests: the zip's tail (central directory), then the `METADATA` entry;
//! 3. the whole wheel (its hash checked);
//! 4. for an sdist, its static `PKG-INFO` or `pyproject.toml` (see [`crate::sdist`]).
//!
//! Range support is judged per response: anything but `206` means the server sent the whole
//! file (which is then used) or refused (and the whole file is fetched). Only single ranges
//! are ever asked for.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pep508_rs::PackageName;
use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::{Method, RequestBuilder, StatusCode};
use tokio::sync::Semaphore;
use url::Url;

use crate::auth::Credentials;
use crate::body::{Body, BodyError, BodyLimit, Limits};
use crate::cache::{Cache, CacheMode, CachedPage, PageInfo, key_of};
use crate::config::{FindLinks, IndexConfig, IndexUrl};
use crate::error::Error;
use crate::filename::{DistFilename, SdistFilename, WheelFilename};
use crate::hash::{HashAlgorithm, HashDigest};
use crate::metadata::CoreMetadata;
use crate::provenance::{self, MAX_PROVENANCE_BYTES, Publisher};
use crate::redact::{RedactedUrl, strip_credentials};
use crate::sdist::SdistError;
use crate::simple::{ACCEPT, DistFile, FileOrigin, MetadataAvailability, PackedFiles, ProjectPage};
use crate::startup::{self, StartupHook};
use crate::timestamp::Timestamp;
use crate::{sdist, wheel};

/// Which indexes a project's files may come from when several are configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IndexStrategy {
    /// Only the first index (in configuration order) that has the project: an extra index
    /// cannot shadow a project of the primary one (dependency confusion). uv's default.
    #[default]
    FirstIndex,
    /// Files from every index that has the project, as pip merges them.
    UnsafeBestMatch,
}

/// How the client behaves; the defaults suit a command-line run.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// The disk cache, if any.
    pub cache: Option<Cache>,
    /// How the cache and the network are used.
    pub cache_mode: CacheMode,
    /// How many requests may be in flight at once.
    pub concurrency: usize,
    /// Retries after the first try, for connection errors, resets, 429 and 5xx.
    pub retries: u32,
    /// The first retry's delay; each further one doubles it.
    pub backoff: Duration,
    /// Connection timeout.
    pub connect_timeout: Duration,
    /// Read timeout (pip's `timeout`); the configuration's value wins when set.
    pub read_timeout: Duration,
    /// Which indexes a project may come from.
    pub index_strategy: IndexStrategy,
    /// The netrc file to read credentials from.
    pub netrc: Option<std::path::PathBuf>,
    /// A cached page fetched after this instant is used without a request: it lists every
    /// file uploaded before the instant, so with an upload cutoff at or before it, only yank
    /// status can have changed since. A caller that sets this must check the yank status of
    /// what it keeps against fresh pages (as `hashpin compile` does).
    pub trust_pages_fetched_after: Option<Timestamp>,
    /// How large and how slow a response may be.
    pub limits: Limits,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            cache: None,
            cache_mode: CacheMode::Normal,
            concurrency: 50,
            retries: 3,
            backoff: Duration::from_millis(250),
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(30),
            index_strategy: IndexStrategy::FirstIndex,
            netrc: Credentials::default_netrc_path(),
            trust_pages_fetched_after: None,
            limits: Limits::default(),
        }
    }
}

/// All files of one project from the configured sources, unpacked one version at a time.
///
/// The files stay packed, as the cache stores them, until a version's are asked for: listing
/// a project costs one version number per version, not a parse per file. Ask for the files
/// you need ([`Self::files_of`], [`Self::files_at`]) rather than for all of them.
#[derive(Debug, Clone)]
pub struct Project {
    /// The project, normalized.
    pub name: PackageName,
    versions: Vec<ProjectVersion>,
    sources: Vec<Arc<PackedFiles>>,
}

/// Two projects are equal when they have the same name and the same files.
impl PartialEq for Project {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.files() == other.files()
    }
}

impl Eq for Project {}

/// One version of a [`Project`], before its files are unpacked.
#[derive(Debug, Clone)]
pub struct ProjectVersion {
    version: pep440_rs::Version,
    earliest_upload: Option<Timestamp>,
    /// Whether a find-links location has files of it (which have no upload time).
    in_find_links: bool,
    /// Where its files are: (source, version index in that source).
    parts: Vec<(usize, usize)>,
}

impl ProjectVersion {
    /// The version.
    pub fn version(&self) -> &pep440_rs::Version {
        &self.version
    }

    /// The earliest upload time among its files that have one: an upload cutoff before it
    /// leaves the version no file.
    pub fn earliest_upload(&self) -> Option<Timestamp> {
        self.earliest_upload
    }

    /// Whether a find-links location (or a direct URL) has files of it: they have no upload
    /// time, and an upload cutoff does not apply to them ([`FileOrigin::FindLinks`]).
    pub fn in_find_links(&self) -> bool {
        self.in_find_links
    }
}

impl Project {
    /// A project with these files, in any order: for sources other than an index, such as
    /// test doubles.
    pub fn new(name: PackageName, files: &[DistFile]) -> Self {
        Self::from_sources(name, vec![Arc::new(PackedFiles::from_files(files))])
    }

    /// The project of a requirement by URL, or of a local project: that one file.
    pub fn direct(file: &DistFile) -> Self {
        Self::from_sources(
            file.parsed.name().clone(),
            vec![Arc::new(
                PackedFiles::from_files(std::slice::from_ref(file)).found_at(file.origin),
            )],
        )
    }

    /// Merges the versions of several sources (in configuration order), newest first.
    fn from_sources(name: PackageName, sources: Vec<Arc<PackedFiles>>) -> Self {
        let mut parts: Vec<(&pep440_rs::Version, Option<Timestamp>, usize, usize)> = sources
            .iter()
            .enumerate()
            .flat_map(|(source, packed)| {
                packed
                    .versions()
                    .iter()
                    .enumerate()
                    .map(move |(index, version)| {
                        (&version.version, version.earliest_upload, source, index)
                    })
            })
            .collect();
        if sources.len() > 1 {
            // Stable: equal versions keep the sources' order.
            parts.sort_by(|a, b| b.0.cmp(a.0));
        }
        let mut versions: Vec<ProjectVersion> = Vec::new();
        for (version, earliest_upload, source, index) in parts {
            let in_find_links = sources[source].origin() != FileOrigin::Index;
            match versions.last_mut() {
                Some(last) if last.version == *version => {
                    last.earliest_upload = match (last.earliest_upload, earliest_upload) {
                        (Some(a), Some(b)) => Some(a.min(b)),
                        (a, b) => a.or(b),
                    };
                    last.in_find_links |= in_find_links;
                    last.parts.push((source, index));
                }
                _ => versions.push(ProjectVersion {
                    version: version.clone(),
                    earliest_upload,
                    in_find_links,
                    parts: vec![(source, index)],
                }),
            }
        }
        Self {
            name,
            versions,
            sources,
        }
    }

    /// The versions that have files, newest first.
    pub fn versions(&self) -> &[ProjectVersion] {
        &self.versions
    }

    /// Whether a cached page of the project turned out damaged while files were read from
    /// it ([`Self::files_at`] left those versions out): nothing decided from this project in
    /// this run can be trusted. The entry is discarded; the next run fetches it again.
    pub fn is_damaged(&self) -> bool {
        self.sources.iter().any(|source| source.is_damaged())
    }

    /// The files of the version at `index` in [`Self::versions`], by filename.
    pub fn files_at(&self, index: usize) -> Vec<DistFile> {
        let Some(version) = self.versions.get(index) else {
            return Vec::new();
        };
        let mut files: Vec<DistFile> = version
            .parts
            .iter()
            .flat_map(|&(source, index)| self.sources[source].files_at(index, &self.name))
            .collect();
        // Same-named files from several sources sit together, so that identical copies are
        // dropped (the first source's kept) and different ones (a hash conflict) are all kept.
        files.sort_by(|a, b| {
            a.filename
                .cmp(&b.filename)
                .then_with(|| a.hashes.cmp(&b.hashes))
        });
        files.dedup_by(|a, b| a.filename == b.filename && a.hashes == b.hashes);
        files
    }

    /// The files of `version` (none if the project has no such version).
    ///
    /// # Errors
    /// [`Error::DamagedCache`] when the cached page they were read from turned out damaged:
    /// none is not the answer then (the entry is discarded; the next read fetches it again).
    pub fn files_of(&self, version: &pep440_rs::Version) -> Result<Vec<DistFile>, Error> {
        let files = self
            .versions
            .iter()
            .position(|candidate| candidate.version == *version)
            .map(|index| self.files_at(index))
            .unwrap_or_default();
        if self.is_damaged() {
            return Err(Error::DamagedCache {
                name: self.name.clone(),
            });
        }
        Ok(files)
    }

    /// Every file, newest version first. This unpacks them all: prefer [`Self::files_of`].
    pub fn files(&self) -> Vec<DistFile> {
        (0..self.versions.len())
            .flat_map(|index| self.files_at(index))
            .collect()
    }
}

/// A client for the configured indexes and find-links locations. Cheap to clone; clones share
/// the connection pool, the concurrency limit and the cache.
#[derive(Debug, Clone)]
pub struct IndexClient {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    http: Arc<LazyHttp>,
    config: IndexConfig,
    options: ClientOptions,
    credentials: Credentials,
    permits: Semaphore,
    /// Find-links pages, fetched once per run and shared by every project.
    find_links_pages: Mutex<HashMap<Url, Arc<Fetched>>>,
    /// Projects with a page this client used from the cache without a request.
    unchecked: Mutex<BTreeSet<PackageName>>,
}

/// The HTTP client, built on first use: building it loads the system's root certificates,
/// which takes longer than the rest of an offline run's start and which it never needs.
#[derive(Debug)]
struct LazyHttp {
    connect_timeout: Duration,
    read_timeout: Duration,
    pool_max_idle_per_host: usize,
    /// Extra roots (pip's `cert`), read when the client is created so that a bad file is
    /// reported at once.
    certificates: Vec<reqwest::Certificate>,
    client: Mutex<Option<reqwest::Client>>,
}

impl LazyHttp {
    fn client(&self) -> Result<reqwest::Client, Error> {
        // A poisoned lock holds either nothing or a whole client.
        let mut client = self
            .client
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(client) = &*client {
            return Ok(client.clone());
        }
        // reqwest is built without a crypto provider of its own; the process's default is
        // ring's, installed once (a second call finds it installed, which is as good).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let built = reqwest::Client::builder()
            .user_agent(concat!("hashpin/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(self.connect_timeout)
            .read_timeout(self.read_timeout)
            .pool_max_idle_per_host(self.pool_max_idle_per_host)
            .dns_resolver(Arc::new(crate::dns::HedgedResolver))
            .tls_certs_merge(self.certificates.iter().cloned())
            .build()
            .map_err(|error| Error::Client(Box::new(error)))?;
        *client = Some(built.clone());
        Ok(built)
    }
}

/// What a service answered ([`IndexClient::service`]).
#[derive(Debug)]
pub struct ServiceAnswer {
    /// The HTTP status (200 for a `file:` URL that exists, 404 for one that does not).
    pub status: u16,
    /// The body (of an error status, at most its first mebibyte).
    pub body: Vec<u8>,
}

/// A complete response.
#[derive(Debug)]
struct Fetched {
    status: StatusCode,
    headers: HeaderMap,
    /// The final URL, after redirects, without credentials.
    url: Url,
    /// The body, unless it spilled to disk.
    body: Vec<u8>,
    /// The body, when it was large and allowed to spill ([`Body::Spilled`]).
    spilled: Option<Body>,
}

impl Fetched {
    fn len(&self) -> u64 {
        self.spilled
            .as_ref()
            .map_or(self.body.len() as u64, Body::len)
    }

    fn header(&self, name: header::HeaderName) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_string)
    }
}

/// The initial tail read of a wheel: most central directories fit, and so does the whole of a
/// small wheel.
const TAIL_BYTES: u64 = 64 * 1024;
/// The first piece a startup-hook scan asks for: the end of the central directory, and all of
/// it for most wheels; a larger directory is fetched exactly, once its size is known.
const SCAN_TAIL_BYTES: u64 = 16 * 1024;

impl IndexClient {
    /// Builds the client. TLS trusts the system root store, plus `cert` from the configuration
    /// (pip's `cert`, `PIP_CERT`) when given; `SSL_CERT_FILE` is honoured by the system store.
    ///
    /// The `cert` bundle is read here, so that a bad one is reported before any work, except
    /// with [`CacheMode::Offline`], which makes no connection (a bundle is ~1 ms of an offline
    /// run's 15). A client made from an offline one with [`Self::with_options`] trusts only
    /// the system store: it fails closed.
    pub fn new(config: IndexConfig, options: ClientOptions) -> Result<Self, Error> {
        let certificates = match &config.cert {
            Some(path) if options.cache_mode != CacheMode::Offline => {
                let pem = std::fs::read(path).map_err(|source| Error::Io {
                    path: path.clone(),
                    source,
                })?;
                let certificates = reqwest::Certificate::from_pem_bundle(&pem)
                    .map_err(|error| Error::Client(Box::new(error)))?;
                // A bundle that holds nothing would leave the proxy's CA untrusted, silently.
                if certificates.is_empty() {
                    return Err(Error::NoCertificate { path: path.clone() });
                }
                certificates
            }
            _ => Vec::new(),
        };
        let http = Arc::new(LazyHttp {
            connect_timeout: options.connect_timeout,
            read_timeout: config.timeout.unwrap_or(options.read_timeout),
            pool_max_idle_per_host: options.concurrency,
            certificates,
            client: Mutex::new(None),
        });
        // Find-links pages may carry credentials too, as pip allows.
        let find_links_pages = config
            .find_links
            .iter()
            .filter_map(|location| match location {
                FindLinks::Page(url) => Some(url),
                FindLinks::Directory(_) => None,
            });
        let credentials = Credentials::new(
            config.indexes().chain(find_links_pages),
            options.netrc.as_deref(),
        );
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                permits: Semaphore::new(options.concurrency.max(1)),
                credentials,
                config,
                options,
                find_links_pages: Mutex::new(HashMap::new()),
                unchecked: Mutex::new(BTreeSet::new()),
            }),
        })
    }

    /// A client like this one with changed options, sharing its connection pool.
    #[must_use]
    pub fn with_options(&self, change: impl FnOnce(&mut ClientOptions)) -> Self {
        let mut options = self.inner.options.clone();
        change(&mut options);
        Self {
            inner: Arc::new(Inner {
                http: Arc::clone(&self.inner.http),
                config: self.inner.config.clone(),
                credentials: self.inner.credentials.clone(),
                permits: Semaphore::new(options.concurrency.max(1)),
                options,
                find_links_pages: Mutex::new(HashMap::new()),
                unchecked: Mutex::new(BTreeSet::new()),
            }),
        }
    }

    /// The projects of which this client used a cached page without asking the index, in a
    /// cached page's time (within `max-age`, or on [`ClientOptions::trust_pages_fetched_after`]).
    /// A project is absent when every page of it this client read was fetched or revalidated
    /// by this client, so is as fresh as a new request would make it.
    pub fn unchecked_projects(&self) -> BTreeSet<PackageName> {
        // A poisoned lock still holds whole names.
        self.inner
            .unchecked
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    fn note_unchecked(&self, name: &PackageName) {
        // A poisoned lock still holds whole names.
        self.inner
            .unchecked
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(name.clone());
    }

    /// The options this client uses.
    pub fn options(&self) -> &ClientOptions {
        &self.inner.options
    }

    /// The configuration this client uses.
    pub fn config(&self) -> &IndexConfig {
        &self.inner.config
    }

    /// [`IndexClient::project`] for each of `names`, all at once (within the client's
    /// concurrency limit), answered in no particular order.
    pub async fn projects(
        &self,
        names: impl IntoIterator<Item = PackageName>,
    ) -> Vec<(PackageName, Result<Project, Error>)> {
        let mut answers = Vec::new();
        self.projects_each(names, |name, project| answers.push((name, project)))
            .await;
        answers
    }

    /// [`IndexClient::projects`], handing each answer to `each` as it arrives: a caller that
    /// keeps only a little of each project holds one at a time, not all of them.
    pub async fn projects_each(
        &self,
        names: impl IntoIterator<Item = PackageName>,
        mut each: impl FnMut(PackageName, Result<Project, Error>),
    ) {
        let mut lookups = tokio::task::JoinSet::new();
        for name in names {
            let client = self.clone();
            lookups.spawn(async move {
                let project = client.project(&name).await;
                (name, project)
            });
        }
        while let Some(answer) = lookups.join_next().await {
            match answer {
                Ok((name, project)) => each(name, project),
                // A lookup only panics on a bug; let it surface as one.
                Err(error) => std::panic::resume_unwind(error.into_panic()),
            }
        }
    }

    /// All files of `name` from the configured indexes (per the [`IndexStrategy`]) and
    /// find-links locations.
    ///
    /// # Errors
    /// [`Error::ProjectNotFound`] when no source has it.
    pub async fn project(&self, name: &PackageName) -> Result<Project, Error> {
        let mut sources = Vec::new();
        let mut found = false;
        for index in self.inner.config.indexes() {
            if let Some(page) = self.page(index, name).await? {
                found = true;
                sources.extend(page.sources);
                if self.inner.options.index_strategy == IndexStrategy::FirstIndex {
                    break;
                }
            }
        }
        for location in &self.inner.config.find_links {
            let files = self.find_links(location, name).await?;
            found |= !files.is_empty();
            sources.push(Arc::new(
                PackedFiles::from_files(&files).found_at(FileOrigin::FindLinks),
            ));
        }
        if !found {
            let places: Vec<String> = self
                .inner
                .config
                .indexes()
                .map(|index| format!("`{index}`"))
                .chain(
                    self.inner
                        .config
                        .find_links
                        .iter()
                        .map(|location| format!("`{location}`")),
                )
                .collect();
            return Err(Error::ProjectNotFound {
                name: name.clone(),
                searched: places.join(", "),
            });
        }
        Ok(Project::from_sources(name.clone(), sources))
    }

    /// The files of `name` on one index: `None` when the index does not have the project.
    pub async fn page(
        &self,
        index: &IndexUrl,
        name: &PackageName,
    ) -> Result<Option<Project>, Error> {
        let url = index.project_url(name);
        let cache = self.inner.options.cache.as_ref();
        let index_key = key_of(strip_credentials(index.url()).as_str());
        let mode = self.inner.options.cache_mode;
        let cached = cache
            .filter(|_| mode != CacheMode::Refresh)
            .and_then(|cache| cache.read_page(&index_key, name.as_ref()));

        let project =
            |page: &CachedPage| Project::from_sources(name.clone(), vec![Arc::clone(&page.files)]);

        if let Some(page) = &cached {
            let now = Timestamp::now().unix_seconds();
            let info = &page.info;
            let fresh = info.max_age.is_some_and(|max_age| {
                now.saturating_sub(info.fetched_at) < i64::try_from(max_age).unwrap_or(i64::MAX)
            });
            let complete = self
                .inner
                .options
                .trust_pages_fetched_after
                .is_some_and(|cutoff| info.fetched_at > cutoff.unix_seconds());
            if fresh || complete || mode == CacheMode::Offline {
                log::debug!("using cached page of `{name}`");
                self.note_unchecked(name);
                return Ok(Some(project(page)));
            }
        }
        if mode == CacheMode::Offline {
            return Err(Error::Offline {
                url: RedactedUrl::new(&url),
            });
        }

        let mut cached = cached;
        let mut fetched = self
            .fetch_page(&url, cached.as_ref().map(|page| &page.info))
            .await?;
        // Kept on for another while, the entry is checked whole first (a run otherwise checks
        // only the versions it reads): a damaged one is fetched again instead.
        if fetched.status == StatusCode::NOT_MODIFIED
            && cached
                .as_ref()
                .is_some_and(|page| !page.files.check_records())
        {
            log::debug!("the cached page of `{name}` is damaged; fetching it again");
            cached = None;
            fetched = self.fetch_page(&url, None).await?;
        }

        let (info, files) = match (fetched.status, cached) {
            (StatusCode::NOT_MODIFIED, Some(mut page)) => {
                log::debug!("page of `{name}` not modified");
                page.info.fetched_at = Timestamp::now().unix_seconds();
                page.info.max_age = max_age(&fetched.headers).or(page.info.max_age);
                if let Some(cache) = cache
                    && let Err(error) =
                        cache.write_page(&index_key, name.as_ref(), &page.info, &page.files)
                {
                    log::warn!(
                        "cannot write to the cache at {}: {error}",
                        cache.root().display()
                    );
                }
                return Ok(Some(project(&page)));
            }
            (StatusCode::NOT_FOUND | StatusCode::GONE, _) => return Ok(None),
            (status, _) if status.is_success() => {
                let listed = crate::simple::listed(
                    name,
                    &fetched.url,
                    fetched.header(header::CONTENT_TYPE).as_deref(),
                    &fetched.body,
                )
                .map_err(|source| Error::Page {
                    url: RedactedUrl::new(&fetched.url),
                    source,
                })?;
                let info = PageInfo {
                    url: fetched.url.to_string(),
                    etag: fetched.header(header::ETAG),
                    last_modified: fetched.header(header::LAST_MODIFIED),
                    max_age: max_age(&fetched.headers),
                    fetched_at: Timestamp::now().unix_seconds(),
                };
                (info, PackedFiles::from_listed(listed))
            }
            (status, _) => {
                return Err(Error::Status {
                    url: RedactedUrl::new(&url),
                    status: status.as_u16(),
                });
            }
        };
        drop(fetched);
        let files = match cache {
            Some(cache) => store_page(cache, &index_key, name, &info, files),
            None => files,
        };
        Ok(Some(project(&CachedPage {
            info,
            files: Arc::new(files),
        })))
    }

    /// A page, conditional on the validators of the cached copy, if any.
    async fn fetch_page(&self, url: &Url, cached: Option<&PageInfo>) -> Result<Fetched, Error> {
        let fetched = self
            .inner
            .fetch(
                url,
                |request| {
                    let mut request = request.header(header::ACCEPT, ACCEPT);
                    if let Some(etag) = cached.and_then(|info| info.etag.as_ref()) {
                        request = request.header(header::IF_NONE_MATCH, etag);
                    }
                    if let Some(modified) = cached.and_then(|info| info.last_modified.as_ref()) {
                        request = request.header(header::IF_MODIFIED_SINCE, modified);
                    }
                    request
                },
                self.inner.page_limit(),
            )
            .await?;
        Ok(fetched)
    }

    async fn find_links(
        &self,
        location: &FindLinks,
        name: &PackageName,
    ) -> Result<Vec<DistFile>, Error> {
        match location {
            FindLinks::Directory(path) => crate::find_links::directory_files(path, name),
            FindLinks::Page(index) => {
                let url = strip_credentials(index.url());
                let cached = self
                    .inner
                    .find_links_pages
                    .lock()
                    .ok()
                    .and_then(|pages| pages.get(&url).cloned());
                let fetched = if let Some(fetched) = cached {
                    fetched
                } else {
                    let fetched = Arc::new(
                        self.inner
                            .fetch(&url, |request| request, self.inner.page_limit())
                            .await?,
                    );
                    if let Ok(mut pages) = self.inner.find_links_pages.lock() {
                        pages.insert(url.clone(), fetched.clone());
                    }
                    fetched
                };
                if !fetched.status.is_success() {
                    return Err(Error::Status {
                        url: RedactedUrl::new(&url),
                        status: fetched.status.as_u16(),
                    });
                }
                // Find-links pages are plain link lists: always HTML (pip reads them so).
                let page = ProjectPage::parse(name, &fetched.url, Some("text/html"), &fetched.body)
                    .map_err(|source| Error::Page {
                        url: RedactedUrl::new(&url),
                        source,
                    })?;
                Ok(page.files)
            }
        }
    }

    /// The core metadata of one file, from the cache or the cheapest source.
    ///
    /// What is cached, and under which key, depends on what vouches for the bytes (see
    /// `MetadataSource`): only metadata read from the file itself, whose hash matched, is
    /// kept under the file's hash, where any index listing that file finds it. A `.metadata`
    /// sidecar whose advertised hash matched is kept under its own hash, which only a page
    /// advertising that hash asks for. Anything else (range reads, a sidecar advertised as
    /// plain `true`, a file without a published hash) is kept under the file's URL, and
    /// `--refresh` reads it again: another index's copy of a wheel never inherits it.
    pub async fn metadata(&self, file: &DistFile) -> Result<CoreMetadata, Error> {
        let cache = self.inner.options.cache.as_ref();
        let mode = self.inner.options.cache_mode;
        if let Some(cache) = cache {
            for key in MetadataKey::lookups(file, mode) {
                let Some(bytes) = cache.read_metadata(&key.path()) else {
                    continue;
                };
                if !key.holds(&bytes) {
                    continue;
                }
                match Self::check_metadata(file, &bytes) {
                    Ok(metadata) => return Ok(metadata),
                    Err(error) => {
                        log::debug!("ignoring cached metadata of `{}`: {error}", file.filename);
                    }
                }
            }
        }
        if mode == CacheMode::Offline {
            return Err(Error::Offline {
                url: RedactedUrl::new(&file.url),
            });
        }
        let (bytes, source) = match &file.parsed {
            DistFilename::Wheel(wheel) => self.wheel_metadata(file, wheel).await?,
            DistFilename::Sdist(sdist_name) => {
                let sdist_error = |source| Error::Sdist {
                    name: sdist_name.name.clone(),
                    version: sdist_name.version.clone(),
                    filename: file.filename.clone(),
                    source,
                };
                // That an sdist needs a build is known from its bytes: a warm run does not
                // download it again to find out (the builder's cache has its metadata).
                let verdict_key = file
                    .sha256()
                    .map(|sha256| format!("dynamic-{}", sha256.hex()));
                if let (Some(cache), Some(key)) = (cache, &verdict_key)
                    && let Some(why) = cache.read_metadata(key)
                {
                    return Err(sdist_error(SdistError::Dynamic(
                        String::from_utf8_lossy(&why).into_owned(),
                    )));
                }
                let downloaded = self.whole_file(file).await?;
                let limits = &self.inner.options.limits;
                match sdist::metadata(downloaded, sdist_name, limits) {
                    Ok(metadata) => (metadata, MetadataSource::whole_file(file)),
                    Err(SdistError::Dynamic(why)) => {
                        if let (Some(cache), Some(key)) = (cache, &verdict_key) {
                            let _ = cache.write_metadata(key, why.as_bytes());
                        }
                        return Err(sdist_error(SdistError::Dynamic(why)));
                    }
                    Err(other) => return Err(sdist_error(other)),
                }
            }
        };
        let metadata = Self::check_metadata(file, &bytes)?;
        if let Some(cache) = cache
            && let Err(error) =
                cache.write_metadata(&MetadataKey::store(file, &source).path(), &bytes)
        {
            log::warn!(
                "cannot write to the cache at {}: {error}",
                cache.root().display()
            );
        }
        Ok(metadata)
    }

    /// The Trusted Publishers of a file, from its PEP 740 provenance; none when the index
    /// links none. Cached by the file's SHA-256, as its metadata is.
    ///
    /// # Errors
    /// When the linked document cannot be fetched or is not provenance.
    pub async fn publishers(&self, file: &DistFile) -> Result<Vec<Publisher>, Error> {
        let Some(url) = &file.provenance else {
            return Ok(Vec::new());
        };
        let cache = self.inner.options.cache.as_ref();
        let key = file
            .sha256()
            .map(|sha256| format!("provenance-{}", sha256.hex()));
        if let (Some(cache), Some(key)) = (cache, &key)
            && let Some(bytes) = cache.read_metadata(key)
            && let Ok(found) = provenance::publishers(&bytes)
        {
            return Ok(found);
        }
        if self.inner.options.cache_mode == CacheMode::Offline {
            return Err(Error::Offline {
                url: RedactedUrl::new(url),
            });
        }
        let limit = BodyLimit {
            max: MAX_PROVENANCE_BYTES,
            spill: false,
        };
        let fetched = self
            .inner
            .fetch(
                url,
                |request| request.header(header::ACCEPT, "application/json"),
                limit,
            )
            .await?;
        if !fetched.status.is_success() {
            return Err(Error::Status {
                url: RedactedUrl::new(url),
                status: fetched.status.as_u16(),
            });
        }
        let found = provenance::publishers(&fetched.body).map_err(|source| Error::Provenance {
            filename: file.filename.clone(),
            source,
        })?;
        if let (Some(cache), Some(key)) = (cache, &key)
            && let Err(error) = cache.write_metadata(key, &fetched.body)
        {
            log::warn!(
                "cannot write to the cache at {}: {error}",
                cache.root().display()
            );
        }
        Ok(found)
    }

    /// The answer of a JSON service beside the index (its per-version JSON API, an OSV
    /// endpoint): a GET, or with `query` a POST of that JSON. Any final status is returned
    /// for the caller to judge; the body is received within `max` bytes. Never cached:
    /// advisories are news, and an old answer would say a lock is clean when it is not.
    ///
    /// # Errors
    /// `--offline`; the network, or a body over `max`.
    pub async fn service(
        &self,
        url: &Url,
        query: Option<Vec<u8>>,
        max: u64,
    ) -> Result<ServiceAnswer, Error> {
        if self.inner.options.cache_mode == CacheMode::Offline {
            return Err(Error::Offline {
                url: RedactedUrl::new(url),
            });
        }
        let method = if query.is_some() {
            Method::POST
        } else {
            Method::GET
        };
        let limit = BodyLimit { max, spill: false };
        let fetched = self
            .inner
            .fetch_as(
                &method,
                url,
                |request| {
                    let request = request.header(header::ACCEPT, "application/json");
                    match &query {
                        Some(query) => request
                            .header(header::CONTENT_TYPE, "application/json")
                            .body(query.clone()),
                        None => request,
                    }
                },
                limit,
            )
            .await?;
        Ok(ServiceAnswer {
            status: fetched.status.as_u16(),
            body: fetched.body,
        })
    }

    /// The startup hooks of a wheel (see [`StartupHook`]): read from its central directory
    /// with range requests where the server allows, else from the whole file; cached by the
    /// file's SHA-256, so a file is scanned once.
    ///
    /// Pieces of a file cannot be checked against its hash: a scan by ranges reports what the
    /// index serves for them.
    ///
    /// # Errors
    /// When the file cannot be fetched or is not a readable zip.
    pub async fn startup_hooks(&self, file: &DistFile) -> Result<Vec<StartupHook>, Error> {
        let cache = self.inner.options.cache.as_ref();
        let key = file.sha256().map(startup_hooks_key);
        if let (Some(cache), Some(key)) = (cache, &key)
            && let Some(bytes) = cache.read_metadata(key)
            && let Ok(hooks) = serde_json::from_slice::<Vec<StartupHook>>(&bytes)
        {
            return Ok(hooks);
        }
        if self.inner.options.cache_mode == CacheMode::Offline {
            return Err(Error::Offline {
                url: RedactedUrl::new(&file.url),
            });
        }
        let project = file.parsed.name();
        let wheel_error = |source| Error::Wheel {
            filename: file.filename.clone(),
            source,
        };
        let ranged =
            if file.url.scheme() != "file" && file.size.is_none_or(|size| size > SCAN_TAIL_BYTES) {
                self.ranged_startup_hooks(file).await?
            } else {
                None
            };
        let hooks = if let Some(hooks) = ranged {
            hooks
        } else {
            let mut whole = wheel::Whole(self.whole_file(file).await?);
            match startup::scan(&mut whole, project).map_err(wheel_error)? {
                startup::Step::Done(hooks) => hooks,
                startup::Step::Fetch(_) => {
                    return Err(wheel_error(crate::WheelError::Zip(
                        zip::result::ZipError::InvalidArchive(
                            "the archive ends before its own entries".into(),
                        ),
                    )));
                }
            }
        };
        if let (Some(cache), Some(key)) = (cache, &key)
            && let Ok(bytes) = serde_json::to_vec(&hooks)
            && let Err(error) = cache.write_metadata(key, &bytes)
        {
            log::warn!(
                "cannot write to the cache at {}: {error}",
                cache.root().display()
            );
        }
        Ok(hooks)
    }

    /// The startup hooks of every wheel of a release, by each wheel's SHA-256 hex, when a
    /// scan of exactly these files is cached: one read for a release instead of one per wheel
    /// (a lock of 150 packages has some 1,700), which a warm or offline run would feel.
    pub fn cached_release_hooks(
        &self,
        wheels: &[DistFile],
    ) -> Option<HashMap<String, Vec<StartupHook>>> {
        let cache = self.inner.options.cache.as_ref()?;
        let bytes = cache.read_metadata(&release_key(wheels)?)?;
        let hooks: HashMap<String, Vec<StartupHook>> = serde_json::from_slice(&bytes).ok()?;
        wheels
            .iter()
            .all(|wheel| {
                wheel
                    .sha256()
                    .is_some_and(|sha256| hooks.contains_key(sha256.hex()))
            })
            .then_some(hooks)
    }

    /// Caches the scans of a release's wheels as one entry (see
    /// [`Self::cached_release_hooks`]).
    pub fn store_release_hooks(
        &self,
        wheels: &[DistFile],
        hooks: &HashMap<String, Vec<StartupHook>>,
    ) {
        let (Some(cache), Some(key)) = (self.inner.options.cache.as_ref(), release_key(wheels))
        else {
            return;
        };
        if let Ok(bytes) = serde_json::to_vec(hooks)
            && let Err(error) = cache.write_metadata(&key, &bytes)
        {
            log::warn!(
                "cannot write to the cache at {}: {error}",
                cache.root().display()
            );
        }
    }

    /// The central directory read for METADATA tells a wheel's startup hooks too: when it
    /// needs no more bytes (no hooks to read), the scan is cached now, and the gate later asks
    /// nothing of the index for this wheel.
    fn note_startup_hooks(&self, file: &DistFile, sparse: &mut wheel::SparseFile) {
        let (Some(cache), Some(sha256)) = (self.inner.options.cache.as_ref(), file.sha256()) else {
            return;
        };
        let key = startup_hooks_key(sha256);
        if let Ok(startup::Step::Done(hooks)) = startup::scan(sparse, file.parsed.name())
            && let Ok(bytes) = serde_json::to_vec(&hooks)
        {
            let _ = cache.write_metadata(&key, &bytes);
        }
    }

    /// Scans a wheel with range requests; `None` when the server does not do ranges or the
    /// wheel needs more pieces than a scan should ask for.
    async fn ranged_startup_hooks(
        &self,
        file: &DistFile,
    ) -> Result<Option<Vec<StartupHook>>, Error> {
        let wheel_error = |source| Error::Wheel {
            filename: file.filename.clone(),
            source,
        };
        let mut fetched = 0;
        let mut sparse = match self
            .range(&file.url, &format!("bytes=-{SCAN_TAIL_BYTES}"))
            .await?
        {
            Ranged::Partial { start, total, body } => {
                fetched += body.len();
                let mut sparse = wheel::SparseFile::new(total);
                sparse.insert(start, body);
                sparse
            }
            Ranged::Whole(body) => {
                Self::verify_file(file, &body)?;
                wheel::SparseFile::whole(body)
            }
            Ranged::Unsupported => return Ok(None),
        };
        // The central directory, each hook and RECORD: a few rounds; a wheel that wants many
        // more is read whole.
        for round in 1..=12 {
            let range = match startup::scan(&mut sparse, file.parsed.name()).map_err(wheel_error)? {
                startup::Step::Done(hooks) => {
                    log::debug!(
                        "scanned `{}` for startup hooks in {round} range requests ({fetched} bytes of {})",
                        file.filename,
                        sparse.len()
                    );
                    return Ok(Some(hooks));
                }
                startup::Step::Fetch(range) => range,
            };
            match self
                .range(
                    &file.url,
                    &format!("bytes={}-{}", range.start, range.end - 1),
                )
                .await?
            {
                Ranged::Partial { start, body, .. } => {
                    fetched += body.len();
                    sparse.insert(start, body);
                }
                Ranged::Whole(body) => {
                    Self::verify_file(file, &body)?;
                    sparse = wheel::SparseFile::whole(body);
                }
                Ranged::Unsupported => return Ok(None),
            }
        }
        Ok(None)
    }

    /// Parses metadata and checks that it describes the file it came from.
    fn check_metadata(file: &DistFile, bytes: &[u8]) -> Result<CoreMetadata, Error> {
        let metadata = CoreMetadata::parse(bytes).map_err(|source| Error::Metadata {
            filename: file.filename.clone(),
            source,
        })?;
        if &metadata.name != file.parsed.name() || &metadata.version != file.version() {
            return Err(Error::MetadataMismatch {
                filename: file.filename.clone(),
                found: format!("{} {}", metadata.name, metadata.version),
            });
        }
        Ok(metadata)
    }

    async fn wheel_metadata(
        &self,
        file: &DistFile,
        wheel: &WheelFilename,
    ) -> Result<(Vec<u8>, MetadataSource), Error> {
        if let MetadataAvailability::Advertised { hashes } = &file.core_metadata {
            let url = file.metadata_url();
            let limit = BodyLimit {
                max: self.inner.options.limits.metadata_bytes,
                spill: false,
            };
            let fetched = self.inner.fetch(&url, |request| request, limit).await?;
            if fetched.status.is_success() {
                verify(&hashes[..], &fetched.body).map_err(|(expected, actual)| {
                    Error::MetadataHashMismatch {
                        filename: file.filename.clone(),
                        expected,
                        actual,
                    }
                })?;
                let source = hashes
                    .iter()
                    .find(|hash| hash.algorithm() == HashAlgorithm::Sha256)
                    .map_or(MetadataSource::Unverified, |hash| {
                        MetadataSource::Sidecar(hash.clone())
                    });
                return Ok((fetched.body, source));
            }
            log::debug!(
                "advertised metadata of `{}` answered HTTP {}; reading the wheel instead",
                file.filename,
                fetched.status
            );
        }
        if file.url.scheme() != "file"
            && file.size.is_none_or(|size| size > TAIL_BYTES)
            && let Some(found) = self.ranged_wheel_metadata(file, wheel).await?
        {
            return Ok(found);
        }
        let downloaded = self.whole_file(file).await?;
        let metadata = wheel::metadata_from_reader(
            downloaded,
            wheel,
            self.inner.options.limits.metadata_bytes,
        )
        .map_err(|source| Error::Wheel {
            filename: file.filename.clone(),
            source,
        })?;
        Ok((metadata, MetadataSource::whole_file(file)))
    }

    /// Reads `METADATA` with range requests; `None` when the server does not do ranges.
    async fn ranged_wheel_metadata(
        &self,
        file: &DistFile,
        wheel: &WheelFilename,
    ) -> Result<Option<(Vec<u8>, MetadataSource)>, Error> {
        // Ranges of a file cannot be checked against its hash; a whole body can.
        let mut source = MetadataSource::Unverified;
        let tail = self
            .range(&file.url, &format!("bytes=-{TAIL_BYTES}"))
            .await?;
        let mut sparse = match tail {
            Ranged::Partial { start, total, body } => {
                let mut sparse = wheel::SparseFile::new(total);
                sparse.insert(start, body);
                sparse
            }
            Ranged::Whole(body) => {
                Self::verify_file(file, &body)?;
                source = MetadataSource::whole_file(file);
                wheel::SparseFile::whole(body)
            }
            Ranged::Unsupported => return Ok(None),
        };
        // Each round fills one gap; a wheel needs at most a few (central directory, entry).
        for _ in 0..8 {
            let limit = self.inner.options.limits.metadata_bytes;
            let step =
                wheel::read_metadata(&mut sparse, wheel, limit).map_err(|source| Error::Wheel {
                    filename: file.filename.clone(),
                    source,
                })?;
            let range = match step {
                wheel::Step::Done(metadata) => {
                    self.note_startup_hooks(file, &mut sparse);
                    return Ok(Some((metadata, source)));
                }
                wheel::Step::Fetch(range) => range,
            };
            log::trace!(
                "`{}`: fetching bytes {range:?} of {}",
                file.filename,
                sparse.len()
            );
            match self
                .range(
                    &file.url,
                    &format!("bytes={}-{}", range.start, range.end - 1),
                )
                .await?
            {
                Ranged::Partial { start, body, .. } => sparse.insert(start, body),
                Ranged::Whole(body) => {
                    Self::verify_file(file, &body)?;
                    source = MetadataSource::whole_file(file);
                    sparse = wheel::SparseFile::whole(body);
                }
                Ranged::Unsupported => return Ok(None),
            }
        }
        Ok(None)
    }

    async fn range(&self, url: &Url, range: &str) -> Result<Ranged, Error> {
        // A range is a piece of a central directory or one METADATA entry. A server that
        // answers with more (the whole of a large file) is treated as one without ranges,
        // and the file is downloaded the way that can spill to disk.
        let limits = &self.inner.options.limits;
        let limit = BodyLimit {
            max: (limits.metadata_bytes + TAIL_BYTES + (1 << 20)).min(limits.file_bytes),
            spill: false,
        };
        let fetched = match self
            .inner
            .fetch(
                url,
                |request| {
                    request
                        .header(header::RANGE, range)
                        // A compressed range would be a range of the compressed bytes.
                        .header(
                            header::ACCEPT_ENCODING,
                            HeaderValue::from_static("identity"),
                        )
                },
                limit,
            )
            .await
        {
            Err(Error::TooLarge { .. }) => return Ok(Ranged::Unsupported),
            fetched => fetched?,
        };
        Ok(match fetched.status {
            StatusCode::PARTIAL_CONTENT => {
                match fetched
                    .header(header::CONTENT_RANGE)
                    .as_deref()
                    .and_then(parse_content_range)
                {
                    Some((start, end, total)) if end - start + 1 == fetched.body.len() as u64 => {
                        Ranged::Partial {
                            start,
                            total,
                            body: fetched.body,
                        }
                    }
                    _ => {
                        log::debug!("unusable Content-Range from {}", RedactedUrl::new(url));
                        Ranged::Unsupported
                    }
                }
            }
            StatusCode::OK => Ranged::Whole(fetched.body),
            _ => Ranged::Unsupported,
        })
    }

    /// The whole file, hash-checked: in memory when small, else in a temporary file.
    async fn whole_file(&self, file: &DistFile) -> Result<Downloaded, Error> {
        let limit = BodyLimit {
            max: self.inner.options.limits.file_bytes,
            spill: true,
        };
        let fetched = self
            .inner
            .fetch(&file.url, |request| request, limit)
            .await?;
        if !fetched.status.is_success() {
            return Err(Error::Status {
                url: RedactedUrl::new(&file.url),
                status: fetched.status.as_u16(),
            });
        }
        if let Some(Body::Spilled {
            file: spilled,
            sha256,
            ..
        }) = fetched.spilled
        {
            if let Some(expected) = file.sha256() {
                let actual = HashDigest::sha256_from_bytes(&sha256);
                if &actual != expected {
                    return Err(Error::FileHashMismatch {
                        filename: file.filename.clone(),
                        expected: expected.clone(),
                        actual,
                    });
                }
            }
            return Ok(Downloaded::Disk(spilled));
        }
        Self::verify_file(file, &fetched.body)?;
        Ok(Downloaded::Memory(std::io::Cursor::new(fetched.body)))
    }

    /// Downloads `file` whole to `path`, checked against its published hashes, and returns
    /// its SHA-256 (computed here: a find-links file publishes none).
    pub async fn download(&self, file: &DistFile, path: &Path) -> Result<HashDigest, Error> {
        if self.inner.options.cache_mode == CacheMode::Offline {
            return Err(Error::Offline {
                url: RedactedUrl::new(&file.url),
            });
        }
        let mut downloaded = self.whole_file(file).await?;
        let target = path.to_path_buf();
        let io_error = |source| Error::Io {
            path: path.to_path_buf(),
            source,
        };
        tokio::task::spawn_blocking(move || -> std::io::Result<HashDigest> {
            let mut out = std::fs::File::create(&target)?;
            let sha256 = copy_hashing(&mut downloaded, &mut out)?;
            out.sync_all()?;
            Ok(sha256)
        })
        .await
        .map_err(|error| io_error(std::io::Error::other(error)))?
        .map_err(io_error)
    }

    /// The file a requirement names by URL (`name @ https://host/name-1.0-py3-none-any.whl`),
    /// downloaded once: checked against `expected` (a `#sha256=` fragment, `--hash` options),
    /// hashed, and its metadata read and cached under that hash when it is static, so that
    /// resolving it reads nothing more.
    pub async fn direct_file(
        &self,
        name: &PackageName,
        url: &Url,
        expected: &[HashDigest],
    ) -> Result<Direct, Error> {
        let invalid = |why: String| Error::DirectUrl {
            url: RedactedUrl::new(url),
            why,
        };
        if !matches!(url.scheme(), "https" | "http") {
            return Err(invalid(format!(
                "only http and https archives can be locked, not `{}:`",
                url.scheme()
            )));
        }
        let (filename, parsed, source) = direct_filename(name, url)?;
        let hashes = direct_hashes(url, expected)?;
        let mut bare = strip_credentials(url);
        bare.set_fragment(None);
        let mut file = DistFile {
            filename,
            parsed,
            url: crate::simple::FileUrl::from(bare),
            hashes,
            requires_python: None,
            yanked: crate::simple::Yanked::No,
            core_metadata: MetadataAvailability::NotAdvertised,
            size: None,
            upload_time: None,
            provenance: None,
            origin: FileOrigin::Direct,
        };
        // The URL's own credentials go with it, to its origin only (reqwest drops them on a
        // redirect elsewhere), now and when a build downloads it again; the URL is kept, and
        // shown, without them.
        self.inner.credentials.add_direct(url);
        let downloaded = match self.whole_file(&file).await {
            // The hashes are the user's here, not an index's.
            Err(Error::FileHashMismatch {
                expected, actual, ..
            }) => {
                return Err(invalid(format!(
                    "the file does not match the hash given (expected {expected}, got {actual})"
                )));
            }
            downloaded => downloaded?,
        };
        let (sha256, downloaded) = tokio::task::spawn_blocking(move || hash_downloaded(downloaded))
            .await
            .map_err(|error| invalid(error.to_string()))?
            .map_err(|error| invalid(format!("cannot read the download: {error}")))?;
        if !file.hashes.contains(&sha256) {
            file.hashes.push(sha256);
            file.hashes.sort();
        }
        if let Some(format) = source {
            let archive = tokio::task::spawn_blocking(move || -> std::io::Result<_> {
                let mut downloaded = downloaded;
                let mut archive = tempfile::NamedTempFile::new()?;
                std::io::copy(&mut downloaded, archive.as_file_mut())?;
                Ok(archive)
            })
            .await
            .map_err(|error| invalid(error.to_string()))?
            .map_err(|error| invalid(format!("cannot keep the download: {error}")))?;
            return Ok(Direct::Source(SourceArchive {
                file,
                archive,
                format,
            }));
        }
        let limits = &self.inner.options.limits;
        let metadata = match &file.parsed {
            DistFilename::Wheel(wheel) => {
                wheel::metadata_from_reader(downloaded, wheel, limits.metadata_bytes)
                    .map_err(|source| Error::Wheel {
                        filename: file.filename.clone(),
                        source,
                    })
                    .map(Some)?
            }
            // Dynamic metadata is the builder's to find; it downloads the file again.
            DistFilename::Sdist(sdist_name) => sdist::metadata(downloaded, sdist_name, limits).ok(),
        };
        if let (Some(bytes), Some(cache)) = (metadata, &self.inner.options.cache) {
            Self::check_metadata(&file, &bytes)?;
            if let Err(error) = cache.write_metadata(
                &MetadataKey::store(&file, &MetadataSource::File).path(),
                &bytes,
            ) {
                log::warn!(
                    "cannot write to the cache at {}: {error}",
                    cache.root().display()
                );
            }
        }
        Ok(Direct::File(file))
    }

    fn verify_file(file: &DistFile, bytes: &[u8]) -> Result<(), Error> {
        verify(&file.hashes, bytes).map_err(|(expected, actual)| Error::FileHashMismatch {
            filename: file.filename.clone(),
            expected,
            actual,
        })
    }
}

/// The file name a requirement's URL ends in, parsed as a distribution of `name`, or as a
/// source archive (with its format) whose name does not tell its version.
fn direct_filename(
    name: &PackageName,
    url: &Url,
) -> Result<(String, DistFilename, Option<crate::filename::SdistFormat>), Error> {
    let invalid = |why: String| Error::DirectUrl {
        url: RedactedUrl::new(url),
        why,
    };
    let last = url
        .path_segments()
        .and_then(|mut segments| segments.next_back())
        .unwrap_or_default();
    let filename = crate::auth::percent_decode(last);
    if !filename
        .bytes()
        .all(|byte| byte.is_ascii_alphanumeric() || b"._+!-".contains(&byte))
    {
        return Err(invalid(format!(
            "`{}` is not a distribution file name",
            crate::untrusted::excerpt(&filename, 200)
        )));
    }
    // An archive of a source tree named otherwise (a forge's archive of a commit,
    // `COMMIT.tar.gz`) tells its version only when built: the caller builds it.
    let (parsed, source) = match DistFilename::parse(&filename, Some(name)) {
        Ok(parsed) => (parsed, None),
        Err(_) => match source_format(&filename) {
            Some(format) => (
                DistFilename::Sdist(SdistFilename {
                    name: name.clone(),
                    version: pep440_rs::Version::new([0]),
                    format,
                }),
                Some(format),
            ),
            None => {
                return Err(invalid(format!(
                    "`{}` is not the file name of a wheel or sdist of `{name}`, nor a source archive (.tar.gz, .zip)",
                    crate::untrusted::excerpt(&filename, 200)
                )));
            }
        },
    };
    Ok((filename, parsed, source))
}

/// The hashes a requirement's URL must match: `--hash` options and a `#sha256=` fragment.
fn direct_hashes(url: &Url, expected: &[HashDigest]) -> Result<Vec<HashDigest>, Error> {
    let invalid = |why: String| Error::DirectUrl {
        url: RedactedUrl::new(url),
        why,
    };
    let mut hashes = expected.to_vec();
    if let Some((algorithm, digest)) = url.fragment().and_then(|fragment| fragment.split_once('='))
    {
        let hash: HashDigest = format!("{algorithm}:{digest}").parse().map_err(|_| {
            invalid(format!(
                "its fragment `#{}=…` is not a sha256, sha384 or sha512 hash (the ones pip checks)",
                crate::untrusted::excerpt(algorithm, 20)
            ))
        })?;
        hashes.push(hash);
    }
    hashes.sort();
    hashes.dedup();
    Ok(hashes)
}

/// What a requirement by URL names.
#[derive(Debug)]
pub enum Direct {
    /// A wheel or sdist, by its file name.
    File(DistFile),
    /// An archive of a source tree whose name does not tell its version.
    Source(SourceArchive),
}

/// A downloaded, hash-checked archive of a source tree (`COMMIT.tar.gz`), to build for its
/// name and version.
#[derive(Debug)]
pub struct SourceArchive {
    /// The file as locked, with a provisional version until [`SourceArchive::named`].
    pub file: DistFile,
    /// The download.
    pub archive: tempfile::NamedTempFile,
    /// Its format, from the URL.
    pub format: crate::filename::SdistFormat,
}

impl SourceArchive {
    /// The file, once its build said which version it is: named as an sdist of that
    /// version would be (its URL is kept as it is).
    pub fn named(mut self, version: &pep440_rs::Version) -> DistFile {
        use crate::filename::SdistFormat;
        if let DistFilename::Sdist(sdist) = &mut self.file.parsed {
            sdist.version = version.clone();
            let extension = match sdist.format {
                SdistFormat::Zip => "zip",
                SdistFormat::Tar => "tar",
                _ => "tar.gz",
            };
            self.file.filename = format!(
                "{}-{version}.{extension}",
                sdist.name.as_ref().replace('-', "_")
            );
        }
        self.file
    }
}

/// The format of a source archive by its name's ending.
fn source_format(filename: &str) -> Option<crate::filename::SdistFormat> {
    use crate::filename::SdistFormat;
    let lower = filename.to_ascii_lowercase();
    [
        (".tar.gz", SdistFormat::TarGz),
        (".tgz", SdistFormat::TarGz),
        (".tar", SdistFormat::Tar),
        (".zip", SdistFormat::Zip),
    ]
    .into_iter()
    .find_map(|(suffix, format)| lower.ends_with(suffix).then_some(format))
}

/// The SHA-256 of a download, and the download rewound for reading again.
fn hash_downloaded(mut downloaded: Downloaded) -> std::io::Result<(HashDigest, Downloaded)> {
    use std::io::Seek as _;
    let sha256 = copy_hashing(&mut downloaded, &mut std::io::sink())?;
    downloaded.rewind()?;
    Ok((sha256, downloaded))
}

/// Copies `from` to `to`, and returns the SHA-256 of what was copied.
fn copy_hashing(
    from: &mut impl std::io::Read,
    to: &mut impl std::io::Write,
) -> std::io::Result<HashDigest> {
    let mut hasher = crate::hash::Sha256::new();
    let mut buffer = vec![0_u8; 64 * 1024];
    loop {
        let read = from.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
        to.write_all(&buffer[..read])?;
    }
    Ok(HashDigest::sha256_from_bytes(&hasher.finalize()))
}

/// What vouches for a file's metadata bytes, which decides where they may be cached.
#[derive(Debug, Clone, PartialEq, Eq)]
enum MetadataSource {
    /// Read from the whole file, whose SHA-256 matched the published one.
    File,
    /// The `.metadata` sidecar, whose SHA-256 matched this advertised one.
    Sidecar(HashDigest),
    /// Nothing: range reads of the file, a sidecar advertised without a hash, or a file
    /// without a published SHA-256.
    Unverified,
}

impl MetadataSource {
    /// Metadata read from the whole of `file`, which [`IndexClient::verify_file`] checked.
    fn whole_file(file: &DistFile) -> Self {
        if file.sha256().is_some() {
            Self::File
        } else {
            Self::Unverified
        }
    }
}

/// Where metadata is cached (`metadata-v2/<key>`).
#[derive(Debug, Clone, PartialEq, Eq)]
enum MetadataKey {
    /// `file-<sha256 of the file>`: metadata read from that file's verified bytes.
    File(String),
    /// `sha256-<sha256 of the metadata>`: content-addressed sidecar bytes.
    Content(String),
    /// `url-<key of the file's URL>`: unverified, per index and file.
    Url(String),
}

impl MetadataKey {
    /// The keys that may hold `file`'s metadata, most trusted first; unverified entries are
    /// skipped with `--refresh`.
    fn lookups(file: &DistFile, mode: CacheMode) -> Vec<Self> {
        let mut keys = Vec::new();
        if let Some(hash) = file.sha256() {
            keys.push(Self::File(hash.digest().to_string()));
        }
        if let MetadataAvailability::Advertised { hashes } = &file.core_metadata
            && let Some(hash) = hashes
                .iter()
                .find(|hash| hash.algorithm() == HashAlgorithm::Sha256)
        {
            keys.push(Self::Content(hash.digest().to_string()));
        }
        if mode != CacheMode::Refresh {
            keys.push(Self::url(file));
        }
        keys
    }

    /// Where metadata from `source` is stored.
    fn store(file: &DistFile, source: &MetadataSource) -> Self {
        match (source, file.sha256()) {
            (MetadataSource::File, Some(hash)) => Self::File(hash.digest().to_string()),
            (MetadataSource::Sidecar(hash), _) => Self::Content(hash.digest().to_string()),
            _ => Self::url(file),
        }
    }

    fn url(file: &DistFile) -> Self {
        Self::Url(key_of(strip_credentials(&file.url).as_str()))
    }

    fn path(&self) -> String {
        match self {
            Self::File(hex) => format!("file-{hex}"),
            Self::Content(hex) => format!("sha256-{hex}"),
            Self::Url(key) => format!("url-{key}"),
        }
    }

    /// Whether `bytes` are what this key promises: content-addressed entries are checked
    /// again (cheaply), the others were checked when written.
    fn holds(&self, bytes: &[u8]) -> bool {
        match self {
            Self::Content(hex) => HashDigest::sha256_of(bytes).digest() == hex,
            Self::File(_) | Self::Url(_) => true,
        }
    }
}

/// The cache key of one wheel's startup-hook scan.
fn startup_hooks_key(sha256: &HashDigest) -> String {
    format!("startup-hooks-v2-{}", sha256.hex())
}

/// The cache key of a release's scans: its wheels' SHA-256, sorted, hashed; `None` when one
/// has no SHA-256.
fn release_key(wheels: &[DistFile]) -> Option<String> {
    let mut digests: Vec<&str> = wheels
        .iter()
        .map(|wheel| wheel.sha256().map(HashDigest::hex))
        .collect::<Option<_>>()?;
    digests.sort_unstable();
    digests.dedup();
    Some(format!(
        "startup-hooks-release-v1-{}",
        HashDigest::sha256_of(digests.join(",").as_bytes()).hex()
    ))
}

/// A whole file, checked against its published hash.
#[derive(Debug)]
enum Downloaded {
    Memory(std::io::Cursor<Vec<u8>>),
    Disk(std::fs::File),
}

impl std::io::Read for Downloaded {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Self::Memory(cursor) => cursor.read(buf),
            Self::Disk(file) => file.read(buf),
        }
    }
}

impl std::io::Seek for Downloaded {
    fn seek(&mut self, position: std::io::SeekFrom) -> std::io::Result<u64> {
        match self {
            Self::Memory(cursor) => cursor.seek(position),
            Self::Disk(file) => file.seek(position),
        }
    }
}

/// Writes a fetched page to the cache. Once written, its records are read back from the cache
/// file when asked for, and the run lets go of them: most versions of most projects are never
/// looked at.
fn store_page(
    cache: &Cache,
    index_key: &str,
    name: &PackageName,
    info: &PageInfo,
    files: PackedFiles,
) -> PackedFiles {
    match cache.write_page(index_key, name.as_ref(), info, &files) {
        Ok((file, offset)) => files.with_records_in(file, offset),
        Err(error) => {
            log::warn!(
                "cannot write to the cache at {}: {error}",
                cache.root().display()
            );
            files
        }
    }
}

enum Ranged {
    Partial {
        start: u64,
        total: u64,
        body: Vec<u8>,
    },
    Whole(Vec<u8>),
    Unsupported,
}

/// Checks `bytes` against every digest hashpin can compute.
fn verify(hashes: &[HashDigest], bytes: &[u8]) -> Result<(), (HashDigest, HashDigest)> {
    for expected in hashes {
        if expected.verify(bytes) == Some(false) {
            let actual = match expected.algorithm() {
                HashAlgorithm::Sha256 => HashDigest::sha256_of(bytes),
                _ => unreachable!("verify() only answers for SHA-256"),
            };
            return Err((expected.clone(), actual));
        }
    }
    Ok(())
}

/// `bytes START-END/TOTAL`.
fn parse_content_range(value: &str) -> Option<(u64, u64, u64)> {
    let (range, total) = value.strip_prefix("bytes ")?.split_once('/')?;
    let (start, end) = range.split_once('-')?;
    let (start, end, total) = (
        start.trim().parse().ok()?,
        end.trim().parse().ok()?,
        total.trim().parse().ok()?,
    );
    (start <= end && end < total).then_some((start, end, total))
}

fn max_age(headers: &HeaderMap) -> Option<u64> {
    let value = headers.get(header::CACHE_CONTROL)?.to_str().ok()?;
    let directives: Vec<&str> = value.split(',').map(str::trim).collect();
    if directives.iter().any(|directive| {
        directive.eq_ignore_ascii_case("no-cache") || directive.eq_ignore_ascii_case("no-store")
    }) {
        return None;
    }
    directives
        .iter()
        .find_map(|directive| directive.strip_prefix("max-age=")?.parse().ok())
}

impl Inner {
    fn page_limit(&self) -> BodyLimit {
        BodyLimit {
            max: self.options.limits.page_bytes,
            spill: false,
        }
    }

    /// GET with retries; any final status is returned (the caller judges it), except a
    /// retryable one after the last try, which is an error. The body is received within
    /// `limit` and the client's deadline (see [`crate::body`]); a body too large or too slow
    /// is an error at once, since asking again would only repeat it.
    async fn fetch(
        &self,
        url: &Url,
        configure: impl Fn(RequestBuilder) -> RequestBuilder,
        limit: BodyLimit,
    ) -> Result<Fetched, Error> {
        self.fetch_as(&Method::GET, url, configure, limit).await
    }

    /// [`Self::fetch`] with another method (a service's query is a POST).
    async fn fetch_as(
        &self,
        method: &Method,
        url: &Url,
        configure: impl Fn(RequestBuilder) -> RequestBuilder,
        limit: BodyLimit,
    ) -> Result<Fetched, Error> {
        if url.scheme() == "file" {
            return Self::read_local(url, limit.max);
        }
        let http = self.http.client()?;
        let plain = strip_credentials(url);
        let redacted = || RedactedUrl::new(&plain);
        let attempts = self.options.retries + 1;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let started = std::time::Instant::now();
            let failure = match self
                .try_fetch(&http, method, &plain, &configure, limit)
                .await
            {
                Ok(fetched) if !is_retryable_status(fetched.status) => {
                    // With the time each took, so that `-v` shows a run's critical path.
                    log::debug!(
                        "{} answered HTTP {} ({} bytes) in {} ms",
                        redacted(),
                        fetched.status.as_u16(),
                        fetched.len(),
                        started.elapsed().as_millis()
                    );
                    return Ok(fetched);
                }
                Ok(fetched) => {
                    log::debug!(
                        "{} answered HTTP {} (attempt {attempt} of {attempts})",
                        redacted(),
                        fetched.status
                    );
                    Err(fetched)
                }
                Err(BodyError::TooLarge) => {
                    return Err(Error::TooLarge {
                        url: redacted(),
                        limit: limit.max,
                    });
                }
                Err(BodyError::TooSlow) => {
                    return Err(Error::TooSlow {
                        url: redacted(),
                        seconds: started.elapsed().as_secs(),
                    });
                }
                Err(BodyError::Encoding(why)) => {
                    return Err(Error::Encoding {
                        url: redacted(),
                        why,
                    });
                }
                Err(BodyError::Disk(source)) => {
                    return Err(Error::Io {
                        path: std::env::temp_dir(),
                        source,
                    });
                }
                Err(BodyError::Http(error)) if is_certificate_error(&error) => {
                    return Err(Error::Certificate {
                        url: redacted(),
                        roots: self.trusted_roots(),
                        source: error.without_url(),
                    });
                }
                Err(BodyError::Http(error)) => {
                    log::debug!(
                        "request to {} failed (attempt {attempt} of {attempts}): {error}",
                        redacted()
                    );
                    Ok(error)
                }
            };
            if attempt >= attempts {
                return Err(match failure {
                    Err(fetched) => Error::Status {
                        url: redacted(),
                        status: fetched.status.as_u16(),
                    },
                    Ok(source) => Error::Request {
                        url: redacted(),
                        attempts,
                        source: source.without_url(),
                    },
                });
            }
            let backoff = self.options.backoff * 2_u32.saturating_pow(attempt - 1);
            let delay = match &failure {
                Err(fetched) => retry_after(&fetched.headers)
                    .map_or(backoff, |after| after.min(Duration::from_secs(30))),
                Ok(_) => backoff,
            };
            tokio::time::sleep(delay).await;
        }
    }

    /// The certificates a server must chain to, as a message names them.
    fn trusted_roots(&self) -> String {
        match &self.config.cert {
            Some(path) => format!("the system's root certificates and {}", path.display()),
            None => std::env::var_os("SSL_CERT_FILE").map_or_else(
                || "the system's root certificates".to_string(),
                |file| {
                    format!(
                        "the system's root certificates (SSL_CERT_FILE={})",
                        std::path::Path::new(&file).display()
                    )
                },
            ),
        }
    }

    async fn try_fetch(
        &self,
        http: &reqwest::Client,
        method: &Method,
        url: &Url,
        configure: &impl Fn(RequestBuilder) -> RequestBuilder,
        limit: BodyLimit,
    ) -> Result<Fetched, BodyError> {
        // The semaphore is never closed, so acquiring only fails if it were.
        let _permit = self.permits.acquire().await;
        let started = std::time::Instant::now();
        let mut request = configure(http.request(method.clone(), url.clone()));
        if let Some(credential) = self.credentials.for_url(url) {
            request = request.basic_auth(&credential.username, credential.password.as_ref());
        }
        let mut request = request.build().map_err(BodyError::Http)?;
        // Compressed, unless the caller chose otherwise (a range is a range of the bytes
        // stored, so a ranged request asks for none).
        let headers = request.headers_mut();
        if !headers.contains_key(header::ACCEPT_ENCODING) && !headers.contains_key(header::RANGE) {
            headers.insert(
                header::ACCEPT_ENCODING,
                HeaderValue::from_static(crate::body::ACCEPTED_ENCODING),
            );
        }
        // The headers, at least, come within the base deadline; the body has its own.
        let response =
            tokio::time::timeout(self.options.limits.deadline_base, http.execute(request))
                .await
                .map_err(|_| BodyError::TooSlow)?
                .map_err(BodyError::Http)?;
        let status = response.status();
        let headers = response.headers().clone();
        let final_url = strip_credentials(response.url());
        // Only a success's body is worth its limit; an error page is read for its status.
        let limit = if status.is_success() {
            limit
        } else {
            BodyLimit {
                max: limit.max.min(1024 * 1024),
                spill: false,
            }
        };
        let body = crate::body::receive(response, limit, &self.options.limits, started).await?;
        let (body, spilled) = match body {
            Body::Memory(bytes) => (bytes, None),
            spilled @ Body::Spilled { .. } => (Vec::new(), Some(spilled)),
        };
        Ok(Fetched {
            status,
            headers,
            url: final_url,
            body,
            spilled,
        })
    }

    /// Reads a `file:` URL the way pip does: a directory stands for its `index.html`, and a
    /// missing file answers 404 like a server would. At most `limit` bytes.
    fn read_local(url: &Url, limit: u64) -> Result<Fetched, Error> {
        use std::io::Read as _;
        let path = url.to_file_path().map_err(|()| Error::Status {
            url: RedactedUrl::new(url),
            status: 404,
        })?;
        let path = if path.is_dir() {
            path.join("index.html")
        } else {
            path
        };
        let read = std::fs::File::open(&path).and_then(|file| {
            let mut body = Vec::new();
            file.take(limit + 1).read_to_end(&mut body)?;
            Ok(body)
        });
        let (status, body) = match read {
            Ok(body) if body.len() as u64 > limit => {
                return Err(Error::TooLarge {
                    url: RedactedUrl::new(url),
                    limit,
                });
            }
            Ok(body) => (StatusCode::OK, body),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                (StatusCode::NOT_FOUND, Vec::new())
            }
            Err(source) => return Err(Error::Io { path, source }),
        };
        Ok(Fetched {
            status,
            headers: HeaderMap::new(),
            url: url.clone(),
            body,
            spilled: None,
        })
    }
}

/// Whether a request failed because the server's certificate was not trusted: asking again
/// cannot help, and the network is not to blame.
fn is_certificate_error(error: &reqwest::Error) -> bool {
    fn is_certificate(error: &(dyn std::error::Error + 'static)) -> bool {
        if let Some(rustls::Error::InvalidCertificate(_)) = error.downcast_ref::<rustls::Error>() {
            return true;
        }
        // An I/O error's `source()` skips the error it wraps, so that one is looked into too
        // (hyper wraps rustls's error in two of them).
        error
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref)
            .is_some_and(|inner| is_certificate(inner))
    }
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = cause {
        if is_certificate(current) {
            return true;
        }
        cause = current.source();
    }
    false
}

fn is_retryable_status(status: StatusCode) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error()
}

fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(header::RETRY_AFTER)?.to_str().ok()?;
    if let Ok(seconds) = value.trim().parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    httpdate::parse_http_date(value)
        .ok()?
        .duration_since(std::time::SystemTime::now())
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_range_parsing() {
        assert_eq!(parse_content_range("bytes 0-9/100"), Some((0, 9, 100)));
        assert_eq!(parse_content_range("bytes 90-99/100"), Some((90, 99, 100)));
        assert_eq!(parse_content_range("bytes 90-100/100"), None);
        assert_eq!(parse_content_range("bytes */100"), None);
    }

    #[test]
    fn cache_control_max_age() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=600"),
        );
        assert_eq!(max_age(&headers), Some(600));
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("max-age=600, no-cache"),
        );
        assert_eq!(max_age(&headers), None);
    }
}

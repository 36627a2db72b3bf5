//! The index client against a real (loopback) index: `hashpin-testkit` serves wheels and sdists
//! built on the fly, logs every request, and injects failures, so each test can check both what
//! the client returns and which requests it made to get there.
//!
//! Hermetic: nothing here talks to anything but `127.0.0.1`, except the `live` module, whose one
//! test is ignored by default and uses the machine's own pip configuration.

mod cache;
mod config;
mod credentials;
mod encoding;
mod fuzz_corpus;
mod limits;
mod live;
mod metadata;
mod pages;
mod retries;

use std::path::{Path, PathBuf};
use std::time::Duration;

use hashpin_pypi::{
    CacheMode, ClientOptions, DistFile, IndexClient, IndexConfig, IndexUrl, PackageName, Project,
};
use hashpin_testkit::{Request, TestIndex};

/// A (normalized) project name.
pub(crate) fn name(text: &str) -> PackageName {
    text.parse()
        .unwrap_or_else(|error| panic!("`{text}` is a valid name: {error}"))
}

/// The test index's root as the client's configuration names it.
pub(crate) fn index_url(index: &TestIndex) -> IndexUrl {
    IndexUrl::parse(&index.url()).expect("the test index URL parses")
}

/// Client options for tests: quick retries, no netrc from the real home, the given cache.
pub(crate) fn test_options(cache: Option<&Path>, mode: CacheMode) -> ClientOptions {
    ClientOptions {
        cache: cache.map(hashpin_pypi::Cache::new),
        cache_mode: mode,
        backoff: Duration::from_millis(1),
        netrc: None,
        ..ClientOptions::default()
    }
}

/// A client of the index at `url` (which may carry credentials).
pub(crate) fn client_at(url: &str, options: ClientOptions) -> IndexClient {
    let index = IndexUrl::parse(url).expect("the index URL parses");
    IndexClient::new(IndexConfig::with_index(index), options).expect("the client builds")
}

/// A client of `index` without a cache.
pub(crate) fn client_for(index: &TestIndex) -> IndexClient {
    client_at(&index.url(), test_options(None, CacheMode::Normal))
}

/// A client of `index` with its cache in `cache`.
pub(crate) fn cached_client(index: &TestIndex, cache: &Path, mode: CacheMode) -> IndexClient {
    client_at(&index.url(), test_options(Some(cache), mode))
}

/// `project(name)`, which must succeed.
pub(crate) async fn fetch_project(client: &IndexClient, project: &str) -> Project {
    client
        .project(&name(project))
        .await
        .unwrap_or_else(|error| panic!("project `{project}`: {}", error_chain(&error)))
}

/// The file named `filename` among `files`.
pub(crate) fn file_named<'a>(files: &'a [DistFile], filename: &str) -> &'a DistFile {
    files
        .iter()
        .find(|file| file.filename == filename)
        .unwrap_or_else(|| panic!("{filename} is not among {files:#?}"))
}

/// The logged requests for the absolute `url` of `index` (its path, query excluded).
pub(crate) fn requests_for(index: &TestIndex, url: &str) -> Vec<Request> {
    let base = index.base_url();
    let path = url
        .strip_prefix(base.as_str())
        .unwrap_or_else(|| panic!("{url} is not on the index at {base}"));
    index
        .requests()
        .into_iter()
        .filter(|request| request.path.split('?').next() == Some(path))
        .collect()
}

/// The logged requests for a file of `index` (not its `.metadata`).
pub(crate) fn file_requests(index: &TestIndex, filename: &str) -> Vec<Request> {
    requests_for(index, &index.file_url(filename))
}

/// The logged requests for the PEP 658 metadata file of a file of `index`.
pub(crate) fn metadata_requests(index: &TestIndex, filename: &str) -> Vec<Request> {
    requests_for(index, &format!("{}.metadata", index.file_url(filename)))
}

/// The logged requests for the page of `project` on `index`.
pub(crate) fn page_requests(index: &TestIndex, project: &str) -> Vec<Request> {
    requests_for(index, &index.project_url(project))
}

/// The statuses of `requests`, in order (0 for a reset connection).
pub(crate) fn statuses(requests: &[Request]) -> Vec<u16> {
    requests.iter().map(|request| request.status).collect()
}

/// An error and all its sources, `: `-separated, as a command-line tool would print it.
pub(crate) fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    hashpin_pypi::error_chain(error)
}

/// Every file under `dir`, recursively (none when it does not exist).
pub(crate) fn files_under(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files = Vec::new();
    for entry in entries {
        let path = entry.expect("a readable directory entry").path();
        if path.is_dir() {
            files.extend(files_under(&path));
        } else {
            files.push(path);
        }
    }
    files.sort();
    files
}

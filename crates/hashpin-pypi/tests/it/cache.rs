//! The disk cache across clients: revalidation, freshness, offline use, damage and refresh.

use std::path::Path;

use hashpin_pypi::{CacheMode, CoreMetadata, Error, IndexClient, Project};
use hashpin_testkit::{Dist, IndexBuilder, LAST_MODIFIED, Request, ServerOptions, TestIndex};

use crate::{
    cached_client, client_for, error_chain, fetch_project, files_under, metadata_requests, name,
    page_requests, statuses,
};

/// A wheel with a PEP 658 metadata file: a cold run costs the page and the metadata file. Its
/// URL is relative, so a cached page must keep the URL it came from.
fn foo_wheel() -> Dist {
    Dist::wheel("foo", "1.0")
        .requires_dist("bar>=1")
        .relative_url(true)
        .build()
}

fn foo_index(options: ServerOptions) -> TestIndex {
    IndexBuilder::new()
        .dist(foo_wheel())
        .options(options)
        .start()
}

fn cache_control(value: &str) -> ServerOptions {
    ServerOptions {
        cache_control: Some(value.into()),
        ..ServerOptions::default()
    }
}

/// What a resolver asks: the project, then the metadata of its file.
async fn project_and_metadata(client: &IndexClient) -> (Project, CoreMetadata) {
    let project = fetch_project(client, "foo").await;
    let metadata = client
        .metadata(&project.files()[0])
        .await
        .unwrap_or_else(|error| panic!("{}", error_chain(&error)));
    (project, metadata)
}

/// A first run with a cold cache in `cache`; checks it fetched both, then clears the log.
async fn warm_up(index: &TestIndex, cache: &Path) -> (Project, CoreMetadata) {
    let result = project_and_metadata(&cached_client(index, cache, CacheMode::Normal)).await;
    assert_eq!(statuses(&page_requests(index, "foo")), [200]);
    assert_eq!(
        statuses(&metadata_requests(index, foo_wheel().filename())),
        [200]
    );
    assert_eq!(index.requests().len(), 2, "{:#?}", index.requests());
    index.clear_requests();
    result
}

fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary directory")
}

fn is_conditional(request: &Request) -> bool {
    request.header("if-none-match").is_some() || request.header("if-modified-since").is_some()
}

#[tokio::test]
async fn second_run_revalidates_the_page_and_reuses_metadata() {
    let index = foo_index(ServerOptions::default());
    let cache = temp_dir();
    let first = warm_up(&index, cache.path()).await;

    let second =
        project_and_metadata(&cached_client(&index, cache.path(), CacheMode::Normal)).await;
    assert_eq!(second, first);
    let requests = index.requests();
    assert_eq!(requests.len(), 1, "only the page: {requests:#?}");
    assert_eq!(requests, page_requests(&index, "foo"));
    assert!(
        requests[0].header("if-none-match").is_some(),
        "{requests:?}"
    );
    assert_eq!(requests[0].status, 304);
}

#[tokio::test]
async fn last_modified_is_the_validator_without_an_etag() {
    let index = foo_index(ServerOptions {
        etag: false,
        last_modified: true,
        ..ServerOptions::default()
    });
    let cache = temp_dir();
    let first = warm_up(&index, cache.path()).await;

    let second =
        project_and_metadata(&cached_client(&index, cache.path(), CacheMode::Normal)).await;
    assert_eq!(second, first);
    let requests = index.requests();
    assert_eq!(statuses(&requests), [304]);
    assert_eq!(requests[0].header("if-modified-since"), Some(LAST_MODIFIED));
    assert_eq!(requests[0].header("if-none-match"), None);
}

#[tokio::test]
async fn fresh_page_needs_no_request() {
    let index = foo_index(cache_control("max-age=600"));
    let cache = temp_dir();
    let first = warm_up(&index, cache.path()).await;

    let second =
        project_and_metadata(&cached_client(&index, cache.path(), CacheMode::Normal)).await;
    assert_eq!(second, first);
    assert_eq!(index.requests(), []);
}

#[tokio::test]
async fn not_modified_answer_keeps_the_page_usable() {
    // A page revalidated with a 304 is as good as new: a third run reads it again.
    let index = foo_index(ServerOptions::default());
    let cache = temp_dir();
    let first = warm_up(&index, cache.path()).await;
    for _ in 0..2 {
        let again =
            project_and_metadata(&cached_client(&index, cache.path(), CacheMode::Normal)).await;
        assert_eq!(again, first);
    }
    assert_eq!(statuses(&index.requests()), [304, 304]);
}

#[tokio::test]
async fn offline_with_a_warm_cache_makes_no_request() {
    let index = foo_index(ServerOptions::default());
    let cache = temp_dir();
    let first = warm_up(&index, cache.path()).await;

    let offline =
        project_and_metadata(&cached_client(&index, cache.path(), CacheMode::Offline)).await;
    assert_eq!(offline, first);
    assert_eq!(index.requests(), []);
}

#[tokio::test]
async fn offline_with_a_cold_cache_is_an_error() {
    let index = foo_index(ServerOptions::default());
    let cache = temp_dir();
    let offline = cached_client(&index, cache.path(), CacheMode::Offline);

    let error = offline
        .project(&name("foo"))
        .await
        .expect_err("nothing cached");
    assert!(
        matches!(&error, Error::Offline { url } if url.as_str() == index.project_url("foo")),
        "{error:?}"
    );
    assert!(error.to_string().contains("--offline"), "{error}");

    // A file known from elsewhere: its metadata is not cached either.
    let project = fetch_project(&client_for(&index), "foo").await;
    index.clear_requests();
    let error = offline
        .metadata(&project.files()[0])
        .await
        .expect_err("nothing cached");
    assert!(matches!(error, Error::Offline { .. }), "{error:?}");
    assert_eq!(index.requests(), []);
}

/// Two kinds of damage to a cache entry.
#[derive(Debug, Clone, Copy)]
enum Damage {
    /// Cut in half, as by a crash mid-write on a file system without atomic renames.
    Truncate,
    /// One byte changed so that the entry still reads as valid, but different, text (the
    /// last digit, e.g. `bar>=1` becomes `bar>=2`): only the entry's checksum can tell.
    ChangeLastDigit,
}

impl Damage {
    /// Damages every file under `dir`; there must be at least one.
    fn apply_under(self, dir: &Path) {
        let files = files_under(dir);
        assert!(!files.is_empty(), "no cache entry under {}", dir.display());
        for file in files {
            let mut bytes = std::fs::read(&file).expect("a readable cache entry");
            match self {
                Self::Truncate => bytes.truncate(bytes.len() / 2),
                Self::ChangeLastDigit => {
                    let digit = bytes
                        .iter_mut()
                        .rev()
                        .find(|byte| byte.is_ascii_digit())
                        .expect("a digit in the entry");
                    *digit = if *digit == b'9' { b'8' } else { *digit + 1 };
                }
            }
            std::fs::write(&file, bytes).expect("a writable cache entry");
        }
    }
}

#[tokio::test]
async fn damaged_metadata_entries_are_fetched_again() {
    for damage in [Damage::Truncate, Damage::ChangeLastDigit] {
        let index = foo_index(cache_control("max-age=600"));
        let cache = temp_dir();
        let first = warm_up(&index, cache.path()).await;
        damage.apply_under(&cache.path().join("metadata-v2"));

        let again =
            project_and_metadata(&cached_client(&index, cache.path(), CacheMode::Normal)).await;
        assert_eq!(again, first, "{damage:?}");
        assert_eq!(
            statuses(&metadata_requests(&index, foo_wheel().filename())),
            [200],
            "{damage:?}: fetched again"
        );
        assert_eq!(index.requests().len(), 1, "{damage:?}");

        // And written back sound: the next run needs nothing.
        index.clear_requests();
        project_and_metadata(&cached_client(&index, cache.path(), CacheMode::Normal)).await;
        assert_eq!(index.requests(), [], "{damage:?}");
    }
}

#[tokio::test]
async fn damaged_page_entry_is_fetched_again_unconditionally() {
    for damage in [Damage::Truncate, Damage::ChangeLastDigit] {
        let index = foo_index(cache_control("max-age=600"));
        let cache = temp_dir();
        let first = warm_up(&index, cache.path()).await;
        // Compared as files: the first project reads its records from the entry damaged next.
        let files = first.0.files();
        damage.apply_under(&cache.path().join("simple-v3"));

        let client = cached_client(&index, cache.path(), CacheMode::Normal);
        if matches!(damage, Damage::ChangeLastDigit) {
            // A changed byte in the records passes the checks of the entry's head: it is
            // found when the version is unpacked, which leaves it out, says so, and discards
            // the entry.
            let damaged = fetch_project(&client, "foo").await;
            assert!(!damaged.is_damaged());
            assert_eq!(damaged.files(), Vec::new());
            assert!(damaged.is_damaged());
            assert!(index.requests().is_empty(), "{:?}", index.requests());
        }
        let again = project_and_metadata(&client).await;
        assert!(!again.0.is_damaged(), "{damage:?}");
        assert_eq!(again.0.files(), files, "{damage:?}");
        assert_eq!(again.1, first.1, "{damage:?}");
        let requests = page_requests(&index, "foo");
        assert_eq!(statuses(&requests), [200], "{damage:?}");
        assert!(!is_conditional(&requests[0]), "{damage:?}: {requests:?}");
        assert_eq!(index.requests().len(), 1, "{damage:?}");
    }
}

#[tokio::test]
async fn refresh_refetches_even_fresh_pages() {
    let index = foo_index(cache_control("max-age=600"));
    let cache = temp_dir();
    let first = warm_up(&index, cache.path()).await;

    let refreshed =
        project_and_metadata(&cached_client(&index, cache.path(), CacheMode::Refresh)).await;
    assert_eq!(refreshed, first);
    let requests = index.requests();
    assert_eq!(requests, page_requests(&index, "foo"), "metadata is reused");
    assert_eq!(statuses(&requests), [200]);
    assert!(!is_conditional(&requests[0]), "{requests:?}");
}

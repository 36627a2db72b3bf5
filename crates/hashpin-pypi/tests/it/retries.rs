//! Retries: which failures are retried, how often, and what is left when they run out.

use hashpin_pypi::{CacheMode, Error, IndexClient};
use hashpin_testkit::{Dist, Failure, IndexBuilder, TestIndex};

use crate::{
    client_at, client_for, error_chain, fetch_project, file_named, file_requests, name,
    page_requests, statuses, test_options,
};

const PAGE: &str = "/simple/foo/";

/// `foo` 1.0 as an sdist (one whole download) and as a large wheel without a metadata file
/// (range requests).
fn foo_dists() -> (Dist, Dist) {
    (
        Dist::sdist("foo", "1.0").requires_dist("bar").build(),
        Dist::wheel("foo", "1.0")
            .requires_dist("bar")
            .pad_bytes(300_000)
            .advertise_metadata(false)
            .build(),
    )
}

fn foo_index() -> TestIndex {
    let (sdist, wheel) = foo_dists();
    IndexBuilder::new().dist(sdist).dist(wheel).start()
}

/// A client of `index` that tries `1 + retries` times.
fn client_with_retries(index: &TestIndex, retries: u32) -> IndexClient {
    let mut options = test_options(None, CacheMode::Normal);
    options.retries = retries;
    client_at(&index.url(), options)
}

#[tokio::test]
async fn server_errors_are_retried() {
    let index = foo_index();
    index.fail_next(PAGE, vec![Failure::Status(500), Failure::Status(503)]);
    let project = fetch_project(&client_for(&index), "foo").await;
    assert_eq!(project.files().len(), 2);
    assert_eq!(statuses(&page_requests(&index, "foo")), [500, 503, 200]);
}

#[tokio::test]
async fn reset_connection_is_retried() {
    let index = foo_index();
    index.fail_next(PAGE, vec![Failure::Reset]);
    fetch_project(&client_for(&index), "foo").await;
    assert_eq!(statuses(&page_requests(&index, "foo")), [0, 200]);
}

#[tokio::test]
async fn too_many_requests_is_retried() {
    let index = foo_index();
    index.fail_next(PAGE, vec![Failure::Status(429)]);
    fetch_project(&client_for(&index), "foo").await;
    assert_eq!(statuses(&page_requests(&index, "foo")), [429, 200]);
}

#[tokio::test]
async fn truncated_download_is_retried() {
    let (sdist, _) = foo_dists();
    let index = foo_index();
    let client = client_for(&index);
    let project = fetch_project(&client, "foo").await;
    index.fail_next(sdist.filename(), vec![Failure::Truncate]);
    let metadata = client
        .metadata(file_named(&project.files(), sdist.filename()))
        .await
        .unwrap_or_else(|error| panic!("{}", error_chain(&error)));
    assert_eq!(metadata.requires_dist[0].name, name("bar"));
    // The cut-short answer is logged with the status it began with.
    assert_eq!(
        statuses(&file_requests(&index, sdist.filename())),
        [200, 200]
    );
}

#[tokio::test]
async fn range_requests_are_retried() {
    let (_, wheel) = foo_dists();
    let index = foo_index();
    let client = client_for(&index);
    let project = fetch_project(&client, "foo").await;
    index.fail_next(wheel.filename(), vec![Failure::Status(503), Failure::Reset]);
    let metadata = client
        .metadata(file_named(&project.files(), wheel.filename()))
        .await
        .unwrap_or_else(|error| panic!("{}", error_chain(&error)));
    assert_eq!(metadata.requires_dist[0].name, name("bar"));
    let requests = file_requests(&index, wheel.filename());
    assert_eq!(statuses(&requests[..3]), [503, 0, 206]);
    assert!(requests.iter().all(hashpin_testkit::Request::is_range));
}

#[tokio::test]
async fn not_found_is_not_retried() {
    let (sdist, _) = foo_dists();
    let index = foo_index();
    let client = client_for(&index);
    let project = fetch_project(&client, "foo").await;

    index.fail_next(sdist.filename(), vec![Failure::Status(404)]);
    let error = client
        .metadata(file_named(&project.files(), sdist.filename()))
        .await
        .expect_err("the file is gone");
    assert!(
        matches!(&error, Error::Status { status: 404, url } if url.as_str() == index.file_url(sdist.filename())),
        "{error:?}"
    );
    assert_eq!(statuses(&file_requests(&index, sdist.filename())), [404]);

    index.clear_requests();
    index.fail_next(PAGE, vec![Failure::Status(404)]);
    let error = client
        .project(&name("foo"))
        .await
        .expect_err("the page is gone");
    assert!(matches!(error, Error::ProjectNotFound { .. }), "{error:?}");
    assert_eq!(statuses(&page_requests(&index, "foo")), [404]);
}

#[tokio::test]
async fn persistent_server_error_gives_up_naming_the_url() {
    let index = foo_index();
    index.fail_next(PAGE, vec![Failure::Status(500); 10]);
    let error = client_with_retries(&index, 2)
        .project(&name("foo"))
        .await
        .expect_err("the server keeps failing");
    let project_url = index.project_url("foo");
    assert!(
        matches!(&error, Error::Status { status: 500, url } if url.as_str() == project_url),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(message.contains(&project_url), "{message}");
    assert!(message.contains("500"), "{message}");
    assert_eq!(statuses(&page_requests(&index, "foo")), [500, 500, 500]);
}

#[tokio::test]
async fn persistent_reset_gives_up_with_the_attempts() {
    let index = foo_index();
    index.fail_next(PAGE, vec![Failure::Reset; 10]);
    let error = client_with_retries(&index, 1)
        .project(&name("foo"))
        .await
        .expect_err("the server keeps hanging up");
    assert!(
        matches!(&error, Error::Request { attempts: 2, url, .. } if url.as_str() == index.project_url("foo")),
        "{error:?}"
    );
    assert_eq!(statuses(&page_requests(&index, "foo")), [0, 0]);
}

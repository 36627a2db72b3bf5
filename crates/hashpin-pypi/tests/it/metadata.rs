//! Core metadata, cheapest source first; each test checks which requests got it.

use hashpin_pypi::{CoreMetadata, DistFile, Error, IndexClient};
use hashpin_testkit::{Dist, Failure, IndexBuilder, ServerOptions, TestIndex};

use crate::{
    client_for, error_chain, fetch_project, file_named, file_requests, metadata_requests, name,
    statuses,
};

/// Big enough that the 64 KiB tail read cannot be the whole wheel.
const LARGE: usize = 300_000;

/// A wheel of `foo` with dependencies, an extra and a Python requirement to check.
fn foo_wheel(version: &str) -> hashpin_testkit::WheelBuilder {
    Dist::wheel("foo", version)
        .requires_python(">=3.9")
        .requires_dist("bar>=1")
        .requires_dist("baz; extra == 'fast'")
        .provides_extra("fast")
}

/// Asserts `metadata` is that of [`foo_wheel`].
fn assert_foo_metadata(metadata: &CoreMetadata, version: &str) {
    assert_eq!(metadata.name, name("foo"));
    assert_eq!(metadata.version.to_string(), version);
    assert_eq!(requirements(metadata), ["bar>=1", "baz ; extra == 'fast'"]);
    assert_eq!(
        metadata
            .requires_python
            .as_ref()
            .map(ToString::to_string)
            .as_deref(),
        Some(">=3.9")
    );
    let extras: Vec<String> = metadata
        .provides_extra
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(extras, ["fast"]);
}

fn requirements(metadata: &CoreMetadata) -> Vec<String> {
    metadata
        .requires_dist
        .iter()
        .map(ToString::to_string)
        .collect()
}

/// Serves `dist` alone, fetches its project page, and forgets the page request, so that the
/// log then holds only what reading the metadata takes.
async fn serve_alone(dist: &Dist, options: ServerOptions) -> (TestIndex, IndexClient, DistFile) {
    let index = IndexBuilder::new()
        .dist(dist.clone())
        .options(options)
        .start();
    let client = client_for(&index);
    let project = fetch_project(&client, dist.name()).await;
    let files = project.files();
    let file = file_named(&files, dist.filename()).clone();
    index.clear_requests();
    (index, client, file)
}

async fn read_metadata(client: &IndexClient, file: &DistFile) -> CoreMetadata {
    client
        .metadata(file)
        .await
        .unwrap_or_else(|error| panic!("metadata of {}: {}", file.filename, error_chain(&error)))
}

#[tokio::test]
async fn advertised_metadata_file_is_used_alone() {
    let wheel = foo_wheel("1.0").pad_bytes(LARGE).build();
    let (index, client, file) = serve_alone(&wheel, ServerOptions::default()).await;
    let metadata = read_metadata(&client, &file).await;
    assert_foo_metadata(&metadata, "1.0");
    assert_eq!(
        statuses(&metadata_requests(&index, wheel.filename())),
        [200]
    );
    assert_eq!(index.requests().len(), 1, "{:#?}", index.requests());
    assert!(file_requests(&index, wheel.filename()).is_empty());
}

#[tokio::test]
async fn advertised_but_missing_metadata_file_falls_back_to_the_wheel() {
    let wheel = foo_wheel("1.0")
        .pad_bytes(LARGE)
        .serve_metadata(false)
        .build();
    let (index, client, file) = serve_alone(&wheel, ServerOptions::default()).await;
    let metadata = read_metadata(&client, &file).await;
    assert_foo_metadata(&metadata, "1.0");
    assert_eq!(
        statuses(&metadata_requests(&index, wheel.filename())),
        [404]
    );
    let requests = file_requests(&index, wheel.filename());
    assert!(!requests.is_empty());
    assert!(
        requests.iter().all(|r| r.is_range() && r.status == 206),
        "{requests:#?}"
    );
}

#[tokio::test]
async fn large_wheel_is_read_with_range_requests() {
    let wheel = foo_wheel("1.0")
        .pad_bytes(LARGE)
        .advertise_metadata(false)
        .build();
    // JSON gives the size; HTML does not, and ranges are still the way.
    let cases = [
        ("JSON page", ServerOptions::default()),
        (
            "HTML page",
            ServerOptions {
                json: false,
                ..ServerOptions::default()
            },
        ),
    ];
    for (case, options) in cases {
        let (index, client, file) = serve_alone(&wheel, options).await;
        let metadata = read_metadata(&client, &file).await;
        assert_foo_metadata(&metadata, "1.0");
        let requests = file_requests(&index, wheel.filename());
        assert!(!requests.is_empty(), "{case}");
        assert_eq!(
            requests[0].header("range"),
            Some("bytes=-65536"),
            "{case}: the tail first"
        );
        for request in &requests {
            assert!(request.is_range(), "{case}: a whole GET: {request:?}");
            assert_eq!(request.status, 206, "{case}: {request:?}");
        }
        assert_eq!(
            index.requests().len(),
            requests.len(),
            "{case}: nothing else: {:#?}",
            index.requests()
        );
    }
}

#[tokio::test]
async fn wheel_with_a_large_central_directory_takes_a_few_ranges() {
    // Thousands of entries: the central directory, and the RECORD after METADATA, outgrow
    // the tail read, so the client must ask for more, yet never for the whole file.
    let wheel = (0..2000)
        .fold(foo_wheel("1.0"), |wheel, n| {
            wheel.file(
                &format!("foo/generated/module_with_a_rather_long_name_{n:05}.py"),
                format!("N = {n}\n"),
            )
        })
        .advertise_metadata(false)
        .build();
    let (index, client, file) = serve_alone(&wheel, ServerOptions::default()).await;
    assert!(
        file.size.is_some_and(|size| size > 3 * 64 * 1024),
        "{file:?}"
    );
    let metadata = read_metadata(&client, &file).await;
    assert_foo_metadata(&metadata, "1.0");
    let requests = file_requests(&index, wheel.filename());
    assert!(
        (2..=4).contains(&requests.len()),
        "a few ranges: {requests:#?}"
    );
    assert!(
        requests.iter().all(|r| r.is_range() && r.status == 206),
        "{requests:#?}"
    );
}

#[tokio::test]
async fn server_without_ranges_sends_the_whole_wheel_once() {
    let wheel = foo_wheel("1.0")
        .pad_bytes(LARGE)
        .advertise_metadata(false)
        .build();
    let options = ServerOptions {
        ranges: false,
        ..ServerOptions::default()
    };
    let (index, client, file) = serve_alone(&wheel, options).await;
    let metadata = read_metadata(&client, &file).await;
    assert_foo_metadata(&metadata, "1.0");
    // The range request was answered with the whole file: used as it is, not fetched again.
    assert_eq!(statuses(&file_requests(&index, wheel.filename())), [200]);
    assert_eq!(index.requests().len(), 1);
}

#[tokio::test]
async fn refused_range_falls_back_to_a_whole_download() {
    let wheel = foo_wheel("1.0")
        .pad_bytes(LARGE)
        .advertise_metadata(false)
        .build();
    let (index, client, file) = serve_alone(&wheel, ServerOptions::default()).await;
    index.fail_next(wheel.filename(), vec![Failure::Status(416)]);
    let metadata = read_metadata(&client, &file).await;
    assert_foo_metadata(&metadata, "1.0");
    let requests = file_requests(&index, wheel.filename());
    assert_eq!(statuses(&requests), [416, 200]);
    assert!(requests[0].is_range());
    assert!(!requests[1].is_range(), "then a plain GET");
}

#[tokio::test]
async fn small_wheel_is_fetched_whole_in_one_request() {
    let wheel = foo_wheel("1.0").advertise_metadata(false).build();
    let (index, client, file) = serve_alone(&wheel, ServerOptions::default()).await;
    assert!(file.size.is_some_and(|size| size <= 64 * 1024), "{file:?}");
    let metadata = read_metadata(&client, &file).await;
    assert_foo_metadata(&metadata, "1.0");
    let requests = file_requests(&index, wheel.filename());
    assert_eq!(statuses(&requests), [200]);
    assert!(!requests[0].is_range());
    assert_eq!(index.requests().len(), 1);
}

#[tokio::test]
async fn small_wheel_of_unknown_size_takes_one_range_request() {
    // HTML gives no size: the tail read is tried, and it already holds the whole wheel.
    let wheel = foo_wheel("1.0").advertise_metadata(false).build();
    let html_only = ServerOptions {
        json: false,
        ..ServerOptions::default()
    };
    let (index, client, file) = serve_alone(&wheel, html_only).await;
    assert_eq!(file.size, None);
    let metadata = read_metadata(&client, &file).await;
    assert_foo_metadata(&metadata, "1.0");
    let requests = file_requests(&index, wheel.filename());
    assert_eq!(statuses(&requests), [206]);
    assert_eq!(requests[0].header("range"), Some("bytes=-65536"));
    assert_eq!(index.requests().len(), 1);
}

#[tokio::test]
async fn sdist_with_static_pkg_info_uses_it() {
    for zip in [false, true] {
        let mut builder = Dist::sdist("foo", "1.0")
            .requires_python(">=3.8")
            .requires_dist("bar>=1")
            // Differs from PKG-INFO, to tell which of the two was read.
            .pyproject_dependencies(&["from-pyproject"]);
        if zip {
            builder = builder.zip_format();
        }
        let sdist = builder.build();
        let (index, client, file) = serve_alone(&sdist, ServerOptions::default()).await;
        let metadata = read_metadata(&client, &file).await;
        assert_eq!(metadata.metadata_version, "2.2");
        assert_eq!(requirements(&metadata), ["bar>=1"], "{}", sdist.filename());
        let requests = file_requests(&index, sdist.filename());
        assert_eq!(statuses(&requests), [200]);
        assert!(!requests[0].is_range());
        assert_eq!(index.requests().len(), 1);
    }
}

#[tokio::test]
async fn sdist_with_old_pkg_info_uses_static_pyproject() {
    let sdist = Dist::sdist("foo", "1.0")
        .metadata_version("2.1")
        .requires_python(">=3.8")
        .requires_dist("stale-from-pkg-info")
        .pyproject_dependencies(&["bar>=2", "qux; python_version < '3.10'"])
        .pyproject_optional_dependencies("fast", &["speedups>=1"])
        .build();
    let (index, client, file) = serve_alone(&sdist, ServerOptions::default()).await;
    let metadata = read_metadata(&client, &file).await;
    assert_eq!(metadata.name, name("foo"));
    assert_eq!(
        requirements(&metadata),
        [
            "bar>=2",
            "qux ; python_full_version < '3.10'",
            "speedups>=1 ; extra == 'fast'",
        ]
    );
    let extras: Vec<String> = metadata
        .provides_extra
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(extras, ["fast"]);
    assert_eq!(
        metadata
            .requires_python
            .as_ref()
            .map(ToString::to_string)
            .as_deref(),
        Some(">=3.8")
    );
    assert_eq!(statuses(&file_requests(&index, sdist.filename())), [200]);
}

#[tokio::test]
async fn sdist_with_dynamic_dependencies_is_an_error() {
    let sdist = Dist::sdist("foo", "1.0")
        .metadata_version("2.1")
        .requires_dist("bar")
        .pyproject_dynamic(&["dependencies"])
        .build();
    let (_index, client, file) = serve_alone(&sdist, ServerOptions::default()).await;
    let error = client.metadata(&file).await.expect_err("needs a build");
    let Error::Sdist {
        name: project,
        version,
        filename,
        ..
    } = &error
    else {
        panic!("expected Error::Sdist, got {error:?}");
    };
    assert_eq!(*project, name("foo"));
    assert_eq!(version.to_string(), "1.0");
    assert_eq!(filename, sdist.filename());
    let chain = error_chain(&error);
    assert!(chain.contains("foo 1.0"), "{chain}");
    assert!(chain.contains("dynamic"), "says why: {chain}");
}

#[tokio::test]
async fn metadata_hash_mismatch_is_a_hard_error() {
    let wheel = foo_wheel("1.0").corrupt_metadata_hash(true).build();
    let (index, client, file) = serve_alone(&wheel, ServerOptions::default()).await;
    let error = client
        .metadata(&file)
        .await
        .expect_err("the metadata file does not match");
    let Error::MetadataHashMismatch {
        filename,
        expected,
        actual,
    } = &error
    else {
        panic!("expected Error::MetadataHashMismatch, got {error:?}");
    };
    assert_eq!(filename, wheel.filename());
    assert_eq!(actual.digest(), wheel.metadata_sha256());
    assert_ne!(expected.digest(), wheel.metadata_sha256());
    // No quiet fallback to the wheel itself.
    assert_eq!(
        statuses(&metadata_requests(&index, wheel.filename())),
        [200]
    );
    assert!(file_requests(&index, wheel.filename()).is_empty());
}

#[tokio::test]
async fn top_level_metadata_wins_over_other_dist_infos() {
    const DECOY: &str = "Metadata-Version: 2.1\nName: six\nVersion: 1.16.0\nRequires-Dist: decoy\n";
    for pad in [0, LARGE] {
        let wheel = Dist::wheel("foo", "1.0")
            .requires_dist("bar")
            .vendored_dist_info("six", "1.16.0", DECOY)
            .file("six-1.16.0.dist-info/METADATA", DECOY)
            .pad_bytes(pad)
            .advertise_metadata(false)
            .build();
        let (index, client, file) = serve_alone(&wheel, ServerOptions::default()).await;
        let metadata = read_metadata(&client, &file).await;
        assert_eq!(metadata.name, name("foo"), "pad {pad}");
        assert_eq!(metadata.version.to_string(), "1.0");
        assert_eq!(requirements(&metadata), ["bar"]);
        let ranged = file_requests(&index, wheel.filename())
            .iter()
            .all(hashpin_testkit::Request::is_range);
        assert_eq!(
            ranged,
            pad > 0,
            "pad {pad}: ranges only for the large wheel"
        );
    }
}

#[tokio::test]
async fn downloaded_file_must_match_its_published_hash() {
    let sdist = || Dist::sdist("foo", "1.0");
    let small_wheel = || foo_wheel("1.0").advertise_metadata(false);
    let large_wheel = || small_wheel().pad_bytes(LARGE);
    let without_ranges = ServerOptions {
        ranges: false,
        ..ServerOptions::default()
    };
    // Published, then swapped for a file of the same name and other bytes, as a tampered
    // mirror would serve.
    let cases = [
        (
            "sdist",
            sdist().build(),
            sdist().requires_dist("evil").build(),
            ServerOptions::default(),
        ),
        (
            "small wheel",
            small_wheel().build(),
            small_wheel().requires_dist("evil").build(),
            ServerOptions::default(),
        ),
        (
            "large wheel from a server without ranges",
            large_wheel().build(),
            large_wheel().requires_dist("evil").build(),
            without_ranges,
        ),
    ];
    for (case, published, served, options) in cases {
        assert_eq!(published.filename(), served.filename());
        let (index, client, file) = serve_alone(&published, options).await;
        index.add_dist(served.clone());
        let error = client
            .metadata(&file)
            .await
            .expect_err("the served file was swapped");
        let Error::FileHashMismatch {
            filename,
            expected,
            actual,
        } = &error
        else {
            panic!("{case}: expected Error::FileHashMismatch, got {error:?}");
        };
        assert_eq!(filename, published.filename(), "{case}");
        assert_eq!(expected.digest(), published.sha256(), "{case}");
        assert_eq!(actual.digest(), served.sha256(), "{case}");
    }
}

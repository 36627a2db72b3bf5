//! Issue 9, defect 6: every download and decompression has a ceiling, and a slow drip has a
//! deadline. Limits are lowered here so that each bomb stays small enough to build quickly.

use std::io::Write as _;
use std::time::{Duration, Instant};

use hashpin_pypi::{CacheMode, ClientOptions, Error, IndexClient, Limits, MIB};
use hashpin_testkit::{Canned, Dist, Failure, IndexBuilder, ServerOptions, TestIndex};

use crate::{client_at, error_chain, fetch_project, name, test_options};

fn client_with(index: &TestIndex, limits: Limits) -> IndexClient {
    client_at(
        &index.url(),
        ClientOptions {
            limits,
            ..test_options(None, CacheMode::Normal)
        },
    )
}

/// The error of reading the metadata of `alpha`'s only file from `index` within `limits`.
async fn metadata_error(index: &TestIndex, limits: Limits) -> Error {
    let client = client_with(index, limits);
    let project = fetch_project(&client, "alpha").await;
    client
        .metadata(&project.files()[0])
        .await
        .expect_err("the metadata is beyond the limits")
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).expect("gzip in memory");
    encoder.finish().expect("gzip in memory")
}

#[tokio::test]
async fn issue_9_a_gzip_bomb_page_stops_at_the_limit() {
    let index = IndexBuilder::new().project("alpha").start();
    // 16 MiB of spaces inflate from a few kilobytes; the limit is 1 MiB.
    let bomb = gzip(&vec![b' '; 16 * 1024 * 1024]);
    assert!(bomb.len() < 100_000);
    index.serve(
        "/simple/alpha/",
        Canned::new("text/html", bomb).header("Content-Encoding", "gzip"),
    );
    let client = client_with(
        &index,
        Limits {
            page_bytes: MIB,
            ..Limits::default()
        },
    );
    let error = client
        .project(&name("alpha"))
        .await
        .expect_err("the page is too large");
    assert!(
        matches!(error, Error::TooLarge { limit, .. } if limit == MIB),
        "{error:?}"
    );
    let message = error_chain(&error);
    assert!(message.contains("/simple/alpha/"), "{message}");
    assert!(message.contains("1 MiB"), "{message}");
    // One request: a page too large is not asked for again.
    assert_eq!(index.requests().len(), 1);
}

#[tokio::test]
async fn issue_9_metadata_that_inflates_beyond_the_limit_is_refused() {
    // A METADATA of 3 MiB (a long Summary compresses to almost nothing), limit 1 MiB.
    let wheel = Dist::wheel("alpha", "1.0")
        .summary(&"x".repeat(3 * 1024 * 1024))
        .pad_bytes(200_000)
        .build()
        .advertise_metadata(false);
    let index = IndexBuilder::new().dist(wheel).start();
    for ranges in [true, false] {
        index.set_options(ServerOptions {
            ranges,
            ..ServerOptions::default()
        });
        let limits = Limits {
            metadata_bytes: MIB,
            ..Limits::default()
        };
        let message = error_chain(&metadata_error(&index, limits).await);
        assert!(
            message.contains("larger than the 1 MiB"),
            "ranges {ranges}: {message}"
        );
    }
}

#[tokio::test]
async fn issue_9_a_file_larger_than_the_limit_is_not_downloaded_whole() {
    let wheel = Dist::wheel("alpha", "1.0")
        .pad_bytes(3 * 1024 * 1024)
        .build()
        .advertise_metadata(false);
    let index = IndexBuilder::new()
        .dist(wheel)
        .options(ServerOptions {
            ranges: false,
            ..ServerOptions::default()
        })
        .start();
    let limits = Limits {
        file_bytes: MIB,
        ..Limits::default()
    };
    let error = metadata_error(&index, limits).await;
    assert!(matches!(error, Error::TooLarge { .. }), "{error:?}");
}

#[tokio::test]
async fn issue_9_a_large_whole_download_goes_through_a_temporary_file() {
    // Beyond the 8 MiB kept in memory, the wheel spills to disk and is still read right.
    let wheel = Dist::wheel("alpha", "1.0")
        .requires_dist("beta")
        .pad_bytes(12 * 1024 * 1024)
        .build()
        .advertise_metadata(false);
    let index = IndexBuilder::new()
        .dist(wheel)
        .options(ServerOptions {
            ranges: false,
            ..ServerOptions::default()
        })
        .start();
    let client = client_with(&index, Limits::default());
    let project = fetch_project(&client, "alpha").await;
    let metadata = client
        .metadata(&project.files()[0])
        .await
        .unwrap_or_else(|error| panic!("{}", error_chain(&error)));
    assert_eq!(metadata.requires_dist[0].name, name("beta"));
}

#[tokio::test]
async fn issue_9_an_sdist_bomb_stops_at_the_limit() {
    // A tar.gz whose first member inflates to 8 MiB before PKG-INFO; the limit is 1 MiB.
    let mut tar = tar::Builder::new(Vec::new());
    let filler = vec![0_u8; 8 * 1024 * 1024];
    let mut header = tar::Header::new_gnu();
    header.set_size(filler.len() as u64);
    header.set_mode(0o644);
    header.set_cksum();
    tar.append_data(&mut header, "alpha-1.0/filler.bin", &filler[..])
        .expect("tar in memory");
    let pkg_info = b"Metadata-Version: 2.2\nName: alpha\nVersion: 1.0\n";
    let mut header = tar::Header::new_gnu();
    header.set_size(pkg_info.len() as u64);
    header.set_mode(0o644);
    header.set_cksum();
    tar.append_data(&mut header, "alpha-1.0/PKG-INFO", &pkg_info[..])
        .expect("tar in memory");
    let bomb = gzip(&tar.into_inner().expect("tar in memory"));
    let sha = hashpin_pypi::HashDigest::sha256_of(&bomb)
        .digest()
        .to_string();
    let index = IndexBuilder::new().project("alpha").start();
    index.serve(
        "/simple/alpha/",
        Canned::new(
            "text/html",
            format!("<a href=\"/bomb/alpha-1.0.tar.gz#sha256={sha}\">alpha-1.0.tar.gz</a>")
                .into_bytes(),
        ),
    );
    index.serve(
        "/bomb/alpha-1.0.tar.gz",
        Canned::new("application/octet-stream", bomb),
    );
    let limits = Limits {
        file_bytes: MIB,
        ..Limits::default()
    };
    let message = error_chain(&metadata_error(&index, limits).await);
    assert!(message.contains("inflates beyond"), "{message}");
}

#[tokio::test]
async fn issue_9_a_drip_fed_page_meets_its_deadline() {
    let index = IndexBuilder::new()
        .dist(Dist::wheel("alpha", "1.0").build())
        .start();
    index.fail_always("/simple/alpha/", Failure::Drip(Duration::from_millis(100)));
    let client = client_with(
        &index,
        Limits {
            deadline_base: Duration::from_secs(1),
            ..Limits::default()
        },
    );
    let started = Instant::now();
    let error = client
        .project(&name("alpha"))
        .await
        .expect_err("the page never finishes in time");
    assert!(matches!(error, Error::TooSlow { .. }), "{error:?}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert!(error_chain(&error).contains("too slowly"));
}

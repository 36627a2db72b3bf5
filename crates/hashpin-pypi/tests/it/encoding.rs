//! Compressed answers: hashpin asks for gzip where it reads whole bodies, inflates it itself
//! (within the limits, see `limits`), asks for none on a range, and refuses an encoding it
//! did not ask for or cannot undo, by name, instead of reading compressed bytes as a page.

use std::io::Write as _;

use hashpin_pypi::{Error, IndexClient};
use hashpin_testkit::{Canned, Dist, IndexBuilder, ServerOptions, TestIndex};

use crate::{client_for, error_chain, fetch_project, name};

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).expect("gzip in memory");
    encoder.finish().expect("gzip in memory")
}

/// `alpha`'s page, by hand, linking the test index's one wheel of it.
fn alpha_page(index: &TestIndex) -> Vec<u8> {
    let url = index.file_url("alpha-1.0-py3-none-any.whl");
    format!(
        "<!DOCTYPE html><html><body>\
         <a href=\"{url}\">alpha-1.0-py3-none-any.whl</a>\
         </body></html>"
    )
    .into_bytes()
}

fn alpha_index() -> TestIndex {
    IndexBuilder::new()
        .dist(Dist::wheel("alpha", "1.0").build())
        .start()
}

async fn page_error(client: &IndexClient) -> Error {
    client
        .project(&name("alpha"))
        .await
        .expect_err("the page cannot be read")
}

#[tokio::test]
async fn a_gzip_page_is_inflated_and_gzip_is_what_a_page_request_asks_for() {
    let index = alpha_index();
    let page = alpha_page(&index);
    index.serve(
        "/simple/alpha/",
        Canned::new("text/html", gzip(&page)).header("Content-Encoding", "gzip"),
    );
    let client = client_for(&index);
    let project = fetch_project(&client, "alpha").await;
    assert_eq!(project.versions().len(), 1);
    let requests = index.requests();
    let asked = requests
        .iter()
        .find(|request| request.path.starts_with("/simple/alpha"))
        .expect("the page was asked for");
    assert_eq!(asked.header("accept-encoding"), Some("gzip"));
}

#[tokio::test]
async fn a_range_asks_for_the_stored_bytes() {
    let index = IndexBuilder::new()
        .dist(
            Dist::wheel("alpha", "1.0")
                .pad_bytes(300_000)
                .build()
                .advertise_metadata(false),
        )
        .start();
    index.set_options(ServerOptions {
        ranges: true,
        ..index.options()
    });
    let client = client_for(&index);
    let project = fetch_project(&client, "alpha").await;
    client
        .metadata(&project.files()[0])
        .await
        .expect("the metadata is read by ranges");
    let requests = index.requests();
    let ranges: Vec<_> = requests.iter().filter(|r| r.is_range()).collect();
    assert!(!ranges.is_empty(), "{requests:?}");
    for range in ranges {
        assert_eq!(
            range.header("accept-encoding"),
            Some("identity"),
            "{range:?}"
        );
    }
}

#[tokio::test]
async fn an_encoding_that_was_not_asked_for_is_refused_by_name() {
    let index = alpha_index();
    index.serve(
        "/simple/alpha/",
        Canned::new("text/html", alpha_page(&index)).header("Content-Encoding", "br"),
    );
    let error = page_error(&client_for(&index)).await;
    assert!(matches!(error, Error::Encoding { .. }), "{error:?}");
    let message = error_chain(&error);
    assert!(message.contains("/simple/alpha/"), "{message}");
    assert!(message.contains("Content-Encoding `br`"), "{message}");
}

#[tokio::test]
async fn a_damaged_gzip_body_is_an_error_not_a_page() {
    let index = alpha_index();
    let compressed = gzip(&alpha_page(&index));
    // Cut before gzip's trailer (its CRC and length), as a body cut short would be.
    let cut = compressed[..compressed.len() - 6].to_vec();
    index.serve(
        "/simple/alpha/",
        Canned::new("text/html", cut).header("Content-Encoding", "gzip"),
    );
    let error = page_error(&client_for(&index)).await;
    assert!(matches!(error, Error::Encoding { .. }), "{error:?}");
    assert!(
        error_chain(&error).contains("damaged gzip"),
        "{}",
        error_chain(&error)
    );
}

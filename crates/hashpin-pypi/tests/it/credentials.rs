//! Credentials in index URLs: sent where they belong, never shown in errors or debug output.

use std::net::TcpListener;
use std::time::Duration;

use hashpin_pypi::{CacheMode, Error};
use hashpin_testkit::{Dist, IndexBuilder, ServerOptions, TestIndex};

use crate::{client_at, error_chain, files_under, name, statuses, test_options};

const USER: &str = "user";
const PASSWORD: &str = "s3cret";
const WRONG_PASSWORD: &str = "wr0ng-pa55";
/// `Basic` + base64 of `user:s3cret`.
const AUTHORIZATION: &str = "Basic dXNlcjpzM2NyZXQ=";

fn index_with_basic_auth() -> TestIndex {
    IndexBuilder::new()
        .dist(Dist::wheel("foo", "1.0").requires_dist("bar").build())
        .dist(Dist::sdist("foo", "1.0").requires_dist("bar").build())
        .options(ServerOptions {
            basic_auth: Some((USER.into(), PASSWORD.into())),
            ..ServerOptions::default()
        })
        .start()
}

/// `http://user:PASSWORD@127.0.0.1:PORT/simple/`.
fn url_with_password(port: u16, password: &str) -> String {
    format!("http://{USER}:{password}@127.0.0.1:{port}/simple/")
}

/// Fails if any secret shows in the error's message, its sources' messages, or its `Debug`.
fn assert_no_secret_in(error: &Error) {
    let shown = [
        error_chain(error),
        format!("{error:?}"),
        format!("{error:#?}"),
    ];
    for text in shown {
        for secret in [PASSWORD, WRONG_PASSWORD] {
            assert!(!text.contains(secret), "`{secret}` shown in: {text}");
        }
    }
}

#[tokio::test]
async fn credentials_in_the_index_url_are_sent() {
    let index = index_with_basic_auth();
    let cache = tempfile::tempdir().expect("a temporary directory");
    let client = client_at(
        &url_with_password(index.addr().port(), PASSWORD),
        test_options(Some(cache.path()), CacheMode::Normal),
    );
    let project = client
        .project(&name("foo"))
        .await
        .unwrap_or_else(|error| panic!("{}", error_chain(&error)));
    // A PEP 658 file and a whole download: every kind of request carries them.
    for file in &project.files() {
        let metadata = client
            .metadata(file)
            .await
            .unwrap_or_else(|error| panic!("{}", error_chain(&error)));
        assert_eq!(metadata.requires_dist[0].name, name("bar"));
    }
    let requests = index.requests();
    assert_eq!(requests.len(), 3, "{requests:#?}");
    for request in &requests {
        assert_eq!(request.header("authorization"), Some(AUTHORIZATION));
        assert_eq!(request.status, 200);
    }

    // Nor kept anywhere they could be read back.
    assert!(!format!("{client:?}").contains(PASSWORD));
    assert!(!format!("{project:?}").contains(PASSWORD));
    for entry in files_under(cache.path()) {
        let bytes = std::fs::read(&entry).expect("a readable cache entry");
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(PASSWORD), "{}", entry.display());
        assert!(!entry.display().to_string().contains(PASSWORD));
    }
}

#[tokio::test]
async fn rejected_credentials_are_not_shown() {
    let index = index_with_basic_auth();
    let client = client_at(
        &url_with_password(index.addr().port(), WRONG_PASSWORD),
        test_options(None, CacheMode::Normal),
    );
    let error = client
        .project(&name("foo"))
        .await
        .expect_err("the server refuses the password");
    assert!(
        matches!(&error, Error::Status { status: 401, .. }),
        "{error:?}"
    );
    assert_no_secret_in(&error);
    // It was sent (and refused once: a 401 is not retried).
    let requests = index.requests();
    assert_eq!(statuses(&requests), [401]);
    assert!(requests[0].header("authorization").is_some());
}

#[tokio::test]
async fn connection_errors_do_not_show_credentials() {
    // A port nobody listens on: bound, then released.
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free loopback port")
        .port();
    let mut options = test_options(None, CacheMode::Normal);
    options.retries = 1;
    options.connect_timeout = Duration::from_secs(2);
    let client = client_at(&url_with_password(port, PASSWORD), options);
    let error = client
        .project(&name("foo"))
        .await
        .expect_err("nothing listens there");
    assert!(
        matches!(&error, Error::Request { attempts: 2, .. }),
        "{error:?}"
    );
    assert!(
        error.to_string().contains(&format!("127.0.0.1:{port}")),
        "{error}"
    );
    assert_no_secret_in(&error);
}

#[tokio::test]
async fn credentials_in_a_find_links_url_are_sent() {
    let index = index_with_basic_auth();
    let links = format!("{}foo/", url_with_password(index.addr().port(), PASSWORD));
    let config = hashpin_pypi::IndexConfig {
        index_url: None,
        find_links: vec![hashpin_pypi::FindLinks::parse(&links).expect("a URL")],
        ..hashpin_pypi::IndexConfig::with_index(crate::index_url(&index))
    };
    let client = hashpin_pypi::IndexClient::new(config, test_options(None, CacheMode::Normal))
        .expect("the client builds");
    let project = client
        .project(&name("foo"))
        .await
        .unwrap_or_else(|error| panic!("{}", error_chain(&error)));
    assert_eq!(project.files().len(), 2);
    for request in index.requests() {
        assert_eq!(
            request.header("authorization"),
            Some(AUTHORIZATION),
            "{}",
            request.path
        );
    }
}

#[tokio::test]
async fn issue_9_netrc_credentials_stay_on_the_index_origin() {
    // The files live on another port of the same host, as a hostile page can arrange.
    let files = IndexBuilder::new()
        .dist(Dist::wheel("foo", "1.0").build())
        .start();
    let wheel = files.dists()[0].clone();
    let page = format!(
        "<html><body><a href=\"{}#sha256={}\">{}</a></body></html>",
        files.file_url(wheel.filename()),
        wheel.sha256(),
        wheel.filename()
    );
    let index = IndexBuilder::new().project("foo").start();
    index.serve(
        "/simple/foo/",
        hashpin_testkit::Canned::new("text/html", page.into_bytes()),
    );
    let home = tempfile::tempdir().expect("a temporary directory");
    let netrc = home.path().join(".netrc");
    std::fs::write(
        &netrc,
        format!("machine 127.0.0.1 login {USER} password {PASSWORD}\n"),
    )
    .expect("netrc written");
    let client = client_at(
        &index.url(),
        hashpin_pypi::ClientOptions {
            netrc: Some(netrc),
            ..test_options(None, CacheMode::Normal)
        },
    );
    let project = client
        .project(&name("foo"))
        .await
        .unwrap_or_else(|error| panic!("{}", error_chain(&error)));
    client
        .metadata(&project.files()[0])
        .await
        .unwrap_or_else(|error| panic!("{}", error_chain(&error)));
    assert_eq!(
        index.requests()[0].header("authorization"),
        Some(AUTHORIZATION),
        "the index itself gets them"
    );
    let sent = files.requests();
    assert!(!sent.is_empty());
    for request in &sent {
        assert_eq!(request.header("authorization"), None, "{request:?}");
    }
}

#[tokio::test]
async fn issue_9_a_redirect_to_another_origin_carries_no_credentials() {
    let other = IndexBuilder::new()
        .dist(Dist::wheel("foo", "1.0").build())
        .start();
    let index = index_with_basic_auth();
    // The page moves to another port of the same host: another origin.
    index.serve(
        "/simple/foo/",
        hashpin_testkit::Canned::redirect(&other.project_url("foo")),
    );
    let client = client_at(
        &url_with_password(index.addr().port(), PASSWORD),
        test_options(None, CacheMode::Normal),
    );
    let project = client
        .project(&name("foo"))
        .await
        .unwrap_or_else(|error| panic!("{}", error_chain(&error)));
    assert_eq!(project.files().len(), 1);
    assert_eq!(
        index.requests()[0].header("authorization"),
        Some(AUTHORIZATION)
    );
    let sent = other.requests();
    assert!(!sent.is_empty());
    for request in &sent {
        assert_eq!(request.header("authorization"), None, "{request:?}");
    }
}

//! The index as clients see it: a tiny raw HTTP client here, and real pip.
// Tests: a failed unwrap is a failed test, which is what we want.
#![allow(clippy::unwrap_used)]

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::Duration;

use hashpin_testkit::{Dist, Failure, IndexBuilder, LAST_MODIFIED, ServerOptions, TestIndex};
use serde_json::Value;

const PIP_ACCEPT: &str = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01";

#[derive(Debug)]
struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Resp {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
    fn text(&self) -> String {
        String::from_utf8(self.body.clone()).unwrap()
    }
}

fn connect(index: &TestIndex) -> BufReader<TcpStream> {
    let stream = TcpStream::connect(index.addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    BufReader::new(stream)
}

/// One request on `conn`; the body is read by `Content-Length`, so the connection can be reused.
fn exchange(
    conn: &mut BufReader<TcpStream>,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> std::io::Result<Resp> {
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\n");
    for (name, value) in headers {
        _ = write!(req, "{name}: {value}\r\n");
    }
    conn.get_mut().write_all(format!("{req}\r\n").as_bytes())?;
    let mut line = String::new();
    if conn.read_line(&mut line)? == 0 {
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    }
    let status = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    let mut headers = Vec::new();
    loop {
        line.clear();
        conn.read_line(&mut line)?;
        let Some((name, value)) = line.trim_end().split_once(": ") else {
            break;
        };
        headers.push((name.to_owned(), value.to_owned()));
    }
    let mut resp = Resp {
        status,
        headers,
        body: Vec::new(),
    };
    if method != "HEAD" {
        let len: usize = resp
            .header("content-length")
            .map_or(0, |l| l.parse().unwrap());
        resp.body.resize(len, 0);
        conn.read_exact(&mut resp.body)?;
    }
    Ok(resp)
}

fn get(index: &TestIndex, path: &str, headers: &[(&str, &str)]) -> Resp {
    exchange(&mut connect(index), "GET", path, headers).unwrap()
}

fn sample() -> TestIndex {
    IndexBuilder::new()
        .dist(
            Dist::wheel("foo", "1.0")
                .requires_dist("bar>=1")
                .requires_python(">=3.8")
                .build(),
        )
        .dist(Dist::sdist("foo", "1.0").build())
        .dist(Dist::wheel("big", "1.0").pad_bytes(200_000).build())
        .project("empty")
        .start()
}

#[test]
fn serves_json_and_html_pages() {
    let index = sample();
    let wheel = index.dist("foo-1.0-py3-none-any.whl").unwrap();

    let json = get(&index, "/simple/foo/", &[("Accept", PIP_ACCEPT)]);
    assert_eq!(
        json.header("content-type"),
        Some("application/vnd.pypi.simple.v1+json")
    );
    let page = json.json();
    assert_eq!(page["files"][0]["url"], index.file_url(wheel.filename()));
    assert_eq!(page["files"][0]["hashes"]["sha256"], wheel.sha256());
    assert_eq!(page["files"][0]["size"], wheel.bytes().len());

    let html = get(&index, "/simple/foo/", &[]);
    assert_eq!(html.header("content-type"), Some("text/html"));
    assert!(html.text().contains(&format!(
        "#sha256={}\" data-requires-python=\"&gt;=3.8\"",
        wheel.sha256()
    )));
    let v1 = get(
        &index,
        "/simple/foo/",
        &[("Accept", "application/vnd.pypi.simple.v1+html")],
    );
    assert_eq!(
        v1.header("content-type"),
        Some("application/vnd.pypi.simple.v1+html")
    );
    let refused = get(
        &index,
        "/simple/foo/",
        &[(
            "Accept",
            "application/vnd.pypi.simple.v1+json;q=0, text/html",
        )],
    );
    assert_eq!(refused.header("content-type"), Some("text/html"));

    let root = get(&index, "/simple/", &[("Accept", PIP_ACCEPT)]).json();
    assert_eq!(root["projects"].as_array().unwrap().len(), 3);
    assert_eq!(
        get(&index, "/simple/empty/", &[("Accept", PIP_ACCEPT)]).json()["files"],
        serde_json::json!([])
    );

    index.set_options(ServerOptions {
        html_for_json: true,
        ..ServerOptions::default()
    });
    assert_eq!(
        get(&index, "/simple/foo/", &[("Accept", PIP_ACCEPT)]).header("content-type"),
        Some("text/html")
    );
    index.set_options(ServerOptions {
        html: false,
        ..ServerOptions::default()
    });
    assert_eq!(
        get(&index, "/simple/foo/", &[("Accept", "text/html")]).status,
        406
    );
}

#[test]
fn redirects_and_not_found() {
    let index = sample();
    let moved = get(&index, "/simple/Foo/", &[]);
    assert_eq!(
        (moved.status, moved.header("location")),
        (301, Some(index.project_url("foo").as_str()))
    );
    assert_eq!(
        get(&index, "/simple/foo", &[]).header("location"),
        Some(index.project_url("foo").as_str())
    );
    assert_eq!(get(&index, "/simple/nope/", &[]).status, 404);
    assert_eq!(get(&index, "/files/nope.whl", &[]).status, 404);
    assert_eq!(
        get(&index, "/files/foo-1.0.tar.gz.metadata", &[]).status,
        404,
        "sdist metadata is not served by default"
    );
    let statuses: Vec<u16> = index.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [301, 301, 404, 404, 404]);
}

#[test]
fn serves_files_metadata_and_ranges() {
    let index = sample();
    let big = index.dist("big-1.0-py3-none-any.whl").unwrap();
    let path = format!("/files/{}", big.filename());
    let total = big.bytes().len();

    let full = get(&index, &path, &[]);
    assert_eq!((full.status, full.body.as_slice()), (200, big.bytes()));
    assert_eq!(full.header("accept-ranges"), Some("bytes"));
    let metadata = get(&index, &format!("{path}.metadata"), &[]);
    assert_eq!(metadata.body, big.metadata());

    let part = get(&index, &path, &[("Range", "bytes=10-19")]);
    assert_eq!(
        (part.status, part.body.as_slice()),
        (206, &big.bytes()[10..20])
    );
    assert_eq!(
        part.header("content-range"),
        Some(format!("bytes 10-19/{total}").as_str())
    );
    let tail = get(&index, &path, &[("Range", "bytes=-100")]);
    assert_eq!(tail.body, &big.bytes()[total - 100..]);
    assert!(index.requests().last().unwrap().is_range());
    let beyond = get(&index, &path, &[("Range", &format!("bytes={total}-"))]);
    assert_eq!(
        (beyond.status, beyond.header("content-range")),
        (416, Some(format!("bytes */{total}").as_str()))
    );

    let head = exchange(&mut connect(&index), "HEAD", &path, &[]).unwrap();
    assert_eq!(
        head.header("content-length"),
        Some(total.to_string().as_str())
    );

    index.set_options(ServerOptions {
        ranges: false,
        ..ServerOptions::default()
    });
    let ignored = get(&index, &path, &[("Range", "bytes=0-9")]);
    assert_eq!((ignored.status, ignored.body.len()), (200, total));
}

#[test]
fn conditional_requests() {
    let index = sample();
    let first = get(&index, "/simple/foo/", &[("Accept", PIP_ACCEPT)]);
    let etag = first.header("etag").unwrap().to_owned();
    let again = get(
        &index,
        "/simple/foo/",
        &[("Accept", PIP_ACCEPT), ("If-None-Match", &etag)],
    );
    assert_eq!((again.status, again.body.len()), (304, 0));
    let html = get(&index, "/simple/foo/", &[("If-None-Match", &etag)]);
    assert_eq!(html.status, 200, "another representation, another ETag");

    index.add_dist(Dist::wheel("foo", "2.0").build());
    let changed = get(
        &index,
        "/simple/foo/",
        &[("Accept", PIP_ACCEPT), ("If-None-Match", &etag)],
    );
    assert_eq!(changed.status, 200);
    assert_ne!(changed.header("etag"), Some(etag.as_str()));

    index.set_options(ServerOptions {
        last_modified: true,
        etag: false,
        cache_control: Some("max-age=600".into()),
        ..ServerOptions::default()
    });
    let page = get(&index, "/simple/foo/", &[]);
    assert_eq!(
        (page.header("etag"), page.header("cache-control")),
        (None, Some("max-age=600"))
    );
    assert_eq!(page.header("last-modified"), Some(LAST_MODIFIED));
    assert_eq!(
        get(
            &index,
            "/simple/foo/",
            &[("If-Modified-Since", LAST_MODIFIED)]
        )
        .status,
        304
    );
}

#[test]
fn runtime_changes_and_auth() {
    let index = sample();
    index.set_yanked("foo-1.0.tar.gz", Some("bad"));
    let page = get(&index, "/simple/foo/", &[("Accept", PIP_ACCEPT)]).json();
    let sdist = page["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["filename"] == "foo-1.0.tar.gz")
        .unwrap();
    assert_eq!(sdist["yanked"], "bad");
    index.set_yanked("foo-1.0.tar.gz", None);
    assert!(
        !get(&index, "/simple/foo/", &[])
            .text()
            .contains("data-yanked")
    );

    index.set_options(ServerOptions {
        basic_auth: Some(("user".into(), "pass".into())),
        ..ServerOptions::default()
    });
    let denied = get(&index, "/simple/", &[]);
    assert_eq!(
        (denied.status, denied.header("www-authenticate").is_some()),
        (401, true)
    );
    assert_eq!(
        get(
            &index,
            "/simple/",
            &[("Authorization", "Basic dXNlcjpwYXNz")]
        )
        .status,
        200
    );
}

#[test]
fn injected_failures_then_success() {
    let index = sample();
    index.fail_next(
        "/simple/foo/",
        vec![Failure::Status(500), Failure::Reset, Failure::Truncate],
    );
    assert_eq!(get(&index, "/simple/foo/", &[]).status, 500);
    assert!(
        exchange(&mut connect(&index), "GET", "/simple/foo/", &[]).is_err(),
        "reset"
    );
    let mut conn = connect(&index);
    conn.get_mut()
        .write_all(b"GET /simple/foo/ HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut raw = Vec::new();
    conn.read_to_end(&mut raw).unwrap();
    let raw = String::from_utf8(raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    let len: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("Content-Length: "))
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(body.len(), len / 2, "truncated to half");
    assert_eq!(get(&index, "/simple/foo/", &[]).status, 200);
    let statuses: Vec<u16> = index.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [500, 0, 200, 200]);
}

#[test]
fn keep_alive_concurrency_and_shutdown() {
    let index = sample();
    let mut conn = connect(&index);
    for _ in 0..3 {
        assert_eq!(
            exchange(&mut conn, "GET", "/simple/foo/", &[])
                .unwrap()
                .status,
            200
        );
    }
    std::thread::scope(|s| {
        for _ in 0..8 {
            s.spawn(|| {
                let mut conn = connect(&index);
                for _ in 0..5 {
                    assert_eq!(
                        exchange(&mut conn, "GET", "/files/big-1.0-py3-none-any.whl", &[])
                            .unwrap()
                            .status,
                        200
                    );
                }
            });
        }
    });
    assert_eq!(index.requests().len(), 43);
    let addr = index.addr();
    drop(index);
    // The kept-alive connection is closed, and nothing answers any more.
    assert!(exchange(&mut conn, "GET", "/simple/foo/", &[]).is_err());
    if let Ok(stream) = TcpStream::connect(addr) {
        let mut conn = BufReader::new(stream);
        conn.get_mut()
            .set_read_timeout(Some(Duration::from_secs(2)))
            .unwrap();
        assert!(exchange(&mut conn, "GET", "/simple/", &[]).is_err());
    }
}

/// Run `python3 -m pip` isolated from this machine's pip configuration.
fn pip(args: &[&str]) -> String {
    let mut cmd = Command::new("python3");
    cmd.args([
        "-m",
        "pip",
        "--isolated",
        "--disable-pip-version-check",
        "--no-input",
        "--retries",
        "0",
    ]);
    cmd.args(args);
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("PIP_") {
            cmd.env_remove(key);
        }
    }
    cmd.env("PIP_CONFIG_FILE", "/dev/null");
    let out = cmd
        .output()
        .expect("python3 with pip must be installed for these tests");
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "pip {args:?} failed:\n{text}");
    text
}

fn pip_world() -> TestIndex {
    IndexBuilder::new()
        .dist(Dist::wheel("foo", "1.0").requires_dist("bar>=1").build())
        .dist(Dist::sdist("foo", "1.0").build())
        .dist(Dist::wheel("bar", "1.0").build())
        .dist(Dist::wheel("bar", "2.0").yanked(Some("broken")).build())
        .dist(Dist::wheel("bar", "3.0").requires_python(">=4").build())
        .start()
}

#[test]
fn pip_downloads_from_the_index() {
    let index = pip_world();
    let dest = tempfile::tempdir().unwrap();
    let dest_str = dest.path().to_str().unwrap();
    pip(&[
        "download",
        "--no-cache-dir",
        "--index-url",
        &index.url(),
        "--dest",
        dest_str,
        "foo==1.0",
    ]);
    let mut got: Vec<String> = std::fs::read_dir(dest.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    got.sort();
    assert_eq!(
        got,
        ["bar-1.0-py3-none-any.whl", "foo-1.0-py3-none-any.whl"]
    );
    let requests = index.requests();
    assert!(
        requests
            .iter()
            .any(|r| r.path.ends_with(".whl.metadata") && r.status == 200),
        "pip used PEP 658: {requests:#?}"
    );
    assert!(
        requests
            .iter()
            .any(|r| r.header("accept").is_some_and(|a| a.contains("v1+json")))
    );
}

#[test]
fn pip_installs_with_required_hashes_from_html() {
    let index = pip_world();
    // HTML only, with relative links: the older shape of index pip must also handle.
    index.set_options(ServerOptions {
        json: false,
        ..ServerOptions::default()
    });
    index.add_dist(
        Dist::wheel("foo", "1.0")
            .requires_dist("bar>=1")
            .relative_url(true)
            .build(),
    );
    let (foo, bar) = (
        index.dist("foo-1.0-py3-none-any.whl").unwrap(),
        index.dist("bar-1.0-py3-none-any.whl").unwrap(),
    );
    let dir = tempfile::tempdir().unwrap();
    let reqs = dir.path().join("requirements.txt");
    std::fs::write(
        &reqs,
        format!(
            "foo==1.0 --hash=sha256:{}\nbar==1.0 --hash=sha256:{}\n",
            foo.sha256(),
            bar.sha256()
        ),
    )
    .unwrap();
    let target = dir.path().join("target");
    pip(&[
        "install",
        "--no-cache-dir",
        "--index-url",
        &index.url(),
        "--target",
        target.to_str().unwrap(),
        "--require-hashes",
        "-r",
        reqs.to_str().unwrap(),
    ]);
    assert!(target.join("foo/__init__.py").is_file());
    assert!(target.join("bar/__init__.py").is_file());
    assert!(target.join("foo-1.0.dist-info/METADATA").is_file());
    assert!(
        index
            .requests()
            .iter()
            .all(|r| r.status != 406 && r.status < 500)
    );
}

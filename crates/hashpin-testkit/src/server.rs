//! The loopback HTTP/1.1 server: routing, content negotiation, conditional and range
//! requests, basic auth, failure injection and the request log.

use std::collections::{HashMap, VecDeque};
use std::fmt::Write as _;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use crate::dist::{b64, sha256_hex};
use crate::index::{Index, percent_encode};
use crate::{Dist, normalize};

const JSON_TYPE: &str = "application/vnd.pypi.simple.v1+json";
const V1_HTML_TYPE: &str = "application/vnd.pypi.simple.v1+html";
/// What `Last-Modified` says for everything, and the only `If-Modified-Since` that gets a 304.
pub const LAST_MODIFIED: &str = "Mon, 01 Jan 2024 00:00:00 GMT";
/// An idle or stuck client must not keep a connection thread (and so a test) alive forever.
const IO_TIMEOUT: Duration = Duration::from_secs(10);
const MAX_HEAD: u64 = 64 * 1024;

/// A failure to inject instead of (or into) the normal answer; see [`TestIndex::fail_next`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// Answer with this status and a short text body.
    Status(u16),
    /// Read the request, then close the connection without answering (logged as status 0).
    Reset,
    /// Send the normal headers (full `Content-Length`) but only half the body, then close.
    Truncate,
    /// Send the normal answer one byte at a time, this long apart: a drip-fed response that
    /// never stalls long enough for a read timeout.
    Drip(Duration),
}

/// A response served as it is for one path, whatever the index holds: hostile pages,
/// decompression bombs, redirects to other origins. See [`TestIndex::serve`].
#[derive(Debug, Clone)]
pub struct Canned {
    status: u16,
    headers: Vec<(String, String)>,
    body: Arc<[u8]>,
}

impl Canned {
    /// A `200` with this `Content-Type` and body.
    pub fn new(content_type: &str, body: impl Into<Arc<[u8]>>) -> Canned {
        Canned {
            status: 200,
            headers: vec![("Content-Type".to_owned(), content_type.to_owned())],
            body: body.into(),
        }
    }

    /// A `302` to `location`.
    pub fn redirect(location: &str) -> Canned {
        Canned {
            status: 302,
            headers: vec![("Location".to_owned(), location.to_owned())],
            body: Arc::from(&b"moved\n"[..]),
        }
    }

    /// With another status.
    #[must_use]
    pub fn status(mut self, status: u16) -> Canned {
        self.status = status;
        self
    }

    /// With one more header, e.g. `Content-Encoding: gzip` for a body that is compressed.
    #[must_use]
    pub fn header(mut self, name: &str, value: &str) -> Canned {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }
}

/// One answered request, as logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// `GET`, `HEAD`, …
    pub method: String,
    /// The request target: path plus query, as sent.
    pub path: String,
    /// Header names are lowercased; values are trimmed.
    pub headers: Vec<(String, String)>,
    /// The status sent; 0 when the connection was reset instead.
    pub status: u16,
    /// The request's body (a POST's query), up to its first mebibyte.
    pub body: Vec<u8>,
}

impl Request {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether the request carried a `Range` header.
    pub fn is_range(&self) -> bool {
        self.header("range").is_some()
    }
}

/// How the server behaves; [`ServerOptions::default`] is a well-behaved modern index.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(clippy::struct_excessive_bools)] // each is an independent server behaviour to toggle
pub struct ServerOptions {
    /// Serve PEP 691 JSON when `Accept` names it with q > 0 (default true).
    pub json: bool,
    /// Serve PEP 503 HTML (default true).
    pub html: bool,
    /// Honour single-range `Range` requests on files (default true).
    pub ranges: bool,
    /// Send strong `ETag`s and answer a matching `If-None-Match` with 304 (default true).
    pub etag: bool,
    /// Send [`LAST_MODIFIED`] and honour `If-Modified-Since` with it (default false).
    pub last_modified: bool,
    /// A `Cache-Control` value for index pages (default none).
    pub cache_control: Option<String>,
    /// Require `Authorization: Basic` with this user and password, else 401.
    pub basic_auth: Option<(String, String)>,
    /// Answer HTML even when JSON is asked for, as some servers do (default false).
    pub html_for_json: bool,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            json: true,
            html: true,
            ranges: true,
            etag: true,
            last_modified: false,
            cache_control: None,
            basic_auth: None,
            html_for_json: false,
        }
    }
}

/// A running index on `127.0.0.1`; dropping it stops the server and closes its connections.
#[derive(Debug)]
pub struct TestIndex {
    shared: Arc<Shared>,
    addr: SocketAddr,
    acceptor: Option<JoinHandle<()>>,
}

#[derive(Debug)]
struct Shared {
    base_url: String,
    index: Mutex<Index>,
    options: Mutex<ServerOptions>,
    failures: Mutex<Vec<Queued>>,
    canned: Mutex<HashMap<String, Canned>>,
    log: Mutex<Vec<Request>>,
    stop: AtomicBool,
    /// Open connections, so that drop can shut them (and their threads) down.
    conns: Mutex<HashMap<u64, TcpStream>>,
    next_conn: AtomicU64,
}

/// Failures for requests whose target contains `pattern`: the queue's next one, or the
/// same one every time.
#[derive(Debug)]
struct Queued {
    pattern: String,
    next: VecDeque<Failure>,
    always: Option<Failure>,
}

/// A poisoned lock only means another connection thread panicked; the data is still fine.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl TestIndex {
    pub(crate) fn start(index: Index, options: ServerOptions) -> TestIndex {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let addr = listener
            .local_addr()
            .expect("local address of the listener");
        let shared = Arc::new(Shared {
            base_url: format!("http://{addr}"),
            index: Mutex::new(index),
            options: Mutex::new(options),
            failures: Mutex::default(),
            canned: Mutex::default(),
            log: Mutex::default(),
            stop: AtomicBool::new(false),
            conns: Mutex::default(),
            next_conn: AtomicU64::new(0),
        });
        let for_thread = Arc::clone(&shared);
        let acceptor = thread::Builder::new()
            .name("testkit-accept".into())
            .spawn(move || accept_loop(&listener, &for_thread))
            .expect("spawn the accept thread");
        TestIndex {
            shared,
            addr,
            acceptor: Some(acceptor),
        }
    }

    /// The index root, `http://127.0.0.1:PORT/simple/`.
    pub fn url(&self) -> String {
        format!("{}/simple/", self.shared.base_url)
    }
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub fn base_url(&self) -> String {
        self.shared.base_url.clone()
    }
    /// The server's socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
    /// The absolute URL a file is served at.
    pub fn file_url(&self, filename: &str) -> String {
        format!(
            "{}/files/{}",
            self.shared.base_url,
            percent_encode(filename)
        )
    }
    /// The URL of a project's page (the name is normalized).
    pub fn project_url(&self, name: &str) -> String {
        format!("{}/simple/{}/", self.shared.base_url, normalize(name))
    }

    /// Every answered request so far, in order.
    pub fn requests(&self) -> Vec<Request> {
        lock(&self.shared.log).clone()
    }
    /// Forget the logged requests.
    pub fn clear_requests(&self) {
        lock(&self.shared.log).clear();
    }

    /// Yank (`Some(reason)`, empty for no reason) or unyank (`None`) a file; panics if
    /// there is no such file.
    pub fn set_yanked(&self, filename: &str, reason: Option<&str>) {
        let mut index = lock(&self.shared.index);
        let dist = index
            .find_mut(filename)
            .unwrap_or_else(|| panic!("no file {filename} on the index"));
        dist.flags.yanked = reason.map(str::to_owned);
    }
    /// Add (or replace, by file name) a file while serving.
    pub fn add_dist(&self, dist: Dist) {
        lock(&self.shared.index).add(dist);
    }
    /// All files on the index.
    pub fn dists(&self) -> Vec<Dist> {
        lock(&self.shared.index).dists()
    }
    /// The file with this name, if any.
    pub fn dist(&self, filename: &str) -> Option<Dist> {
        lock(&self.shared.index).find(filename).cloned()
    }

    /// Queue failures for requests whose path (with query) contains `path_contains`; each
    /// matching request consumes the next one, later requests are answered normally.
    pub fn fail_next(&self, path_contains: &str, failures: Vec<Failure>) {
        lock(&self.shared.failures).push(Queued {
            pattern: path_contains.to_owned(),
            next: failures.into(),
            always: None,
        });
    }
    /// Fail every request whose path (with query) contains `path_contains` this way.
    pub fn fail_always(&self, path_contains: &str, failure: Failure) {
        lock(&self.shared.failures).push(Queued {
            pattern: path_contains.to_owned(),
            next: VecDeque::new(),
            always: Some(failure),
        });
    }
    /// Answer `path` (exactly, without the query; percent-decoded) with `canned` from now on,
    /// instead of what the index holds.
    pub fn serve(&self, path: &str, canned: Canned) {
        lock(&self.shared.canned).insert(path.to_owned(), canned);
    }
    /// Change the server's behaviour from the next request on.
    pub fn set_options(&self, options: ServerOptions) {
        *lock(&self.shared.options) = options;
    }
    /// The current options.
    pub fn options(&self) -> ServerOptions {
        lock(&self.shared.options).clone()
    }
}

impl Drop for TestIndex {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Connecting wakes the blocking accept so the thread sees the flag. Should that
        // fail, leave the thread be rather than risk hanging the test in join.
        let woke = TcpStream::connect_timeout(&self.addr, Duration::from_secs(2)).is_ok();
        if let (true, Some(handle)) = (woke, self.acceptor.take()) {
            let _ = handle.join();
        }
        for conn in lock(&self.shared.conns).values() {
            let _ = conn.shutdown(Shutdown::Both);
        }
    }
}

fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>) {
    for stream in listener.incoming() {
        if shared.stop.load(Ordering::SeqCst) {
            return;
        }
        let Ok(stream) = stream else {
            // E.g. out of file descriptors: back off instead of spinning.
            thread::sleep(Duration::from_millis(10));
            continue;
        };
        let id = shared.next_conn.fetch_add(1, Ordering::SeqCst);
        if let Ok(clone) = stream.try_clone() {
            lock(&shared.conns).insert(id, clone);
        }
        let shared = Arc::clone(shared);
        let spawned = thread::Builder::new()
            .name("testkit-conn".into())
            .spawn(move || {
                let _ = serve_connection(&shared, stream);
                lock(&shared.conns).remove(&id);
            });
        drop(spawned); // detached: drop shuts the socket, which ends the thread
    }
}

/// A parsed request head.
struct Incoming {
    method: String,
    target: String,
    keep_alive: bool,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Incoming {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Serve requests on one connection until the client closes, asks to close, or errs.
fn serve_connection(shared: &Shared, stream: TcpStream) -> io::Result<()> {
    stream.set_read_timeout(Some(IO_TIMEOUT))?;
    stream.set_write_timeout(Some(IO_TIMEOUT))?;
    stream.set_nodelay(true)?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = stream;
    while let Some(req) = read_request(&mut reader)? {
        if shared.stop.load(Ordering::SeqCst) {
            return Ok(());
        }
        let failure = take_failure(shared, &req.target);
        let head_only = req.method == "HEAD";
        let mut delivery = Delivery::Whole;
        let (response, keep_alive) = match failure {
            Some(Failure::Reset) => {
                log(shared, req, 0);
                return Ok(());
            }
            Some(Failure::Status(code)) => {
                (Response::text(code, "injected failure\n"), req.keep_alive)
            }
            Some(Failure::Truncate) => {
                delivery = Delivery::Half;
                (respond(shared, &req), false)
            }
            Some(Failure::Drip(every)) => {
                delivery = Delivery::Drip(every);
                (respond(shared, &req), false)
            }
            None => (respond(shared, &req), req.keep_alive),
        };
        // Logged before sending, so a client that has its answer also finds it in the log.
        log(shared, req, response.status);
        write_response(&mut writer, response, head_only, keep_alive, delivery)?;
        if !keep_alive {
            return Ok(());
        }
    }
    Ok(())
}

fn log(shared: &Shared, req: Incoming, status: u16) {
    lock(&shared.log).push(Request {
        method: req.method,
        path: req.target,
        headers: req.headers,
        status,
        body: req.body,
    });
}

fn take_failure(shared: &Shared, target: &str) -> Option<Failure> {
    let mut failures = lock(&shared.failures);
    let queued = failures.iter_mut().find(|queued| {
        target.contains(queued.pattern.as_str())
            && (queued.always.is_some() || !queued.next.is_empty())
    })?;
    let failure = queued.always.or_else(|| queued.next.pop_front());
    failures.retain(|queued| queued.always.is_some() || !queued.next.is_empty());
    failure
}

/// How much of a response's body is sent, and how fast.
#[derive(Debug, Clone, Copy)]
enum Delivery {
    Whole,
    Half,
    Drip(Duration),
}

/// `Ok(None)` when the client closed (or idled out) between requests.
fn read_request(reader: &mut BufReader<TcpStream>) -> io::Result<Option<Incoming>> {
    let mut head = reader.by_ref().take(MAX_HEAD);
    let mut line = String::new();
    // Tolerate stray blank lines between requests (RFC 9112 §2.2).
    while line.trim().is_empty() {
        line.clear();
        match head.read_line(&mut line) {
            Ok(0) => return Ok(None),
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                return Ok(None);
            }
            Err(e) => return Err(e),
        }
    }
    let mut parts = line.split_whitespace();
    let (Some(method), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "bad request line",
        ));
    };
    let (method, target, version) = (method.to_owned(), target.to_owned(), version.to_owned());
    let mut headers = Vec::new();
    loop {
        line.clear();
        if head.read_line(&mut line)? == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "request head cut short",
            ));
        }
        if line.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
        }
    }
    let mut req = Incoming {
        method,
        target,
        keep_alive: false,
        headers,
        body: Vec::new(),
    };
    let connection = req
        .header("connection")
        .unwrap_or_default()
        .to_ascii_lowercase();
    req.keep_alive = if version == "HTTP/1.0" {
        connection.contains("keep-alive")
    } else {
        !connection.contains("close")
    };
    // A body (a service's POST query) is kept for the log up to a mebibyte; the rest is
    // skipped so that the next request parses.
    let body_len: u64 = req
        .header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let kept = body_len.min(1024 * 1024);
    reader.by_ref().take(kept).read_to_end(&mut req.body)?;
    io::copy(&mut reader.by_ref().take(body_len - kept), &mut io::sink())?;
    Ok(Some(req))
}

struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    /// Shared so large files are not copied per request; `span` is what gets sent.
    body: Arc<[u8]>,
    span: Range<usize>,
}

impl Response {
    fn new(status: u16, content_type: &str, body: Arc<[u8]>) -> Response {
        let span = 0..body.len();
        Response {
            status,
            headers: vec![("Content-Type".to_owned(), content_type.to_owned())],
            body,
            span,
        }
    }

    fn text(status: u16, text: &str) -> Response {
        Response::new(status, "text/plain; charset=utf-8", text.as_bytes().into())
    }

    fn redirect(location: String) -> Response {
        let mut response = Response::text(301, "moved\n");
        response.headers.push(("Location".to_owned(), location));
        response
    }

    fn header(mut self, name: &'static str, value: impl Into<String>) -> Response {
        self.headers.push((name.to_owned(), value.into()));
        self
    }
}

fn respond(shared: &Shared, req: &Incoming) -> Response {
    let options = lock(&shared.options).clone();
    if let Some((user, password)) = &options.basic_auth {
        let want = format!(
            "Basic {}",
            b64(format!("{user}:{password}").as_bytes(), false, true)
        );
        if req.header("authorization") != Some(want.as_str()) {
            return Response::text(401, "unauthorized\n")
                .header("WWW-Authenticate", "Basic realm=\"hashpin-testkit\"");
        }
    }
    let raw_path = req.target.split('?').next().unwrap_or_default();
    let path = percent_decode(raw_path);
    let canned = lock(&shared.canned).get(&path).cloned();
    // A canned answer stands for a service, which may be asked by POST.
    let allowed = if canned.is_some() {
        &["GET", "HEAD", "POST"][..]
    } else {
        &["GET", "HEAD"][..]
    };
    if !allowed.contains(&req.method.as_str()) {
        return Response::text(405, "method not allowed\n").header("Allow", allowed.join(", "));
    }
    if let Some(canned) = canned {
        let span = 0..canned.body.len();
        return Response {
            status: canned.status,
            headers: canned.headers.clone(),
            body: Arc::clone(&canned.body),
            span,
        };
    }
    let base = &shared.base_url;
    let index = lock(&shared.index);

    if path == "/simple" {
        return Response::redirect(format!("{base}/simple/"));
    }
    if path == "/simple/" {
        return page(req, &options, index.root_json(), index.root_html());
    }
    if let Some(rest) = path.strip_prefix("/simple/") {
        let (name, slash) = rest.strip_suffix('/').map_or((rest, false), |n| (n, true));
        if name.is_empty() || name.contains('/') {
            return Response::text(404, "not found\n");
        }
        let normalized = normalize(name);
        if !slash || normalized != name {
            return Response::redirect(format!("{base}/simple/{normalized}/"));
        }
        let (Some(json), Some(html)) = (
            index.project_json(&normalized, base),
            index.project_html(&normalized, base),
        ) else {
            return Response::text(404, "no such project\n");
        };
        return page(req, &options, json, html);
    }
    if let Some(filename) = path.strip_prefix("/files/") {
        if let Some(dist) = index.find(filename) {
            return file(req, &options, dist.shared_bytes(), dist.sha256());
        }
        if let Some(document) = filename
            .strip_suffix(".provenance")
            .and_then(|f| index.find(f))
            .and_then(|d| d.flags.provenance.clone())
        {
            return Response::new(200, "application/json", document.into_bytes().into());
        }
        let metadata_of = filename
            .strip_suffix(".metadata")
            .and_then(|f| index.find(f));
        if let Some(dist) = metadata_of.filter(|d| d.serves_metadata()) {
            return file(
                req,
                &options,
                dist.shared_metadata(),
                &dist.served_metadata_sha256(),
            );
        }
    }
    Response::text(404, "not found\n")
}

/// Choose JSON or HTML per `Accept` and the options, then apply the caching headers.
fn page(req: &Incoming, options: &ServerOptions, json: String, html: String) -> Response {
    let q = |media: &str| {
        req.header("accept")
            .and_then(|a| accept_q(a, media))
            .filter(|&q| q > 0.0)
    };
    let (content_type, body) = if options.json && q(JSON_TYPE).is_some() {
        if options.html_for_json {
            ("text/html", html)
        } else {
            (JSON_TYPE, json)
        }
    } else if options.html {
        let (v1, text) = (q(V1_HTML_TYPE), q("text/html"));
        let anything = req
            .header("accept")
            .is_none_or(|a| a.contains("*/*") || a.contains("text/*"));
        match (v1, text) {
            (Some(v1), text) if text.is_none_or(|t| v1 >= t) => (V1_HTML_TYPE, html),
            (_, Some(_)) => ("text/html", html),
            _ if anything => ("text/html", html),
            _ => return Response::text(406, "not acceptable\n"),
        }
    } else {
        return Response::text(406, "not acceptable\n");
    };
    let etag = sha256_hex(body.as_bytes());
    let mut response =
        Response::new(200, content_type, body.into_bytes().into()).header("Vary", "Accept");
    if let Some(cc) = &options.cache_control {
        response = response.header("Cache-Control", cc.clone());
    }
    conditional(req, options, response, &etag)
}

fn file(req: &Incoming, options: &ServerOptions, body: Arc<[u8]>, sha256: &str) -> Response {
    let mut response = Response::new(200, "application/octet-stream", body);
    if options.ranges {
        response = response.header("Accept-Ranges", "bytes");
    }
    let response = conditional(req, options, response, sha256);
    if response.status != 200 || !options.ranges {
        return response;
    }
    let total = response.body.len();
    match req.header("range").and_then(|r| parse_range(r, total)) {
        None => response,
        Some(Ok(span)) => {
            let range = format!("bytes {}-{}/{total}", span.start, span.end - 1);
            let mut response = response.header("Content-Range", range);
            response.status = 206;
            response.span = span;
            response
        }
        Some(Err(())) => Response::text(416, "range not satisfiable\n")
            .header("Content-Range", format!("bytes */{total}")),
    }
}

/// Add validators, and turn the answer into a 304 when the client's copy is current.
fn conditional(
    req: &Incoming,
    options: &ServerOptions,
    mut response: Response,
    hash: &str,
) -> Response {
    let etag = format!("\"{}\"", &hash[..32]);
    let mut fresh = false;
    if options.etag {
        if let Some(inm) = req.header("if-none-match") {
            fresh = inm
                .split(',')
                .map(|t| t.trim().trim_start_matches("W/"))
                .any(|t| t == etag || t == "*");
        }
        response = response.header("ETag", etag);
    }
    if options.last_modified {
        if req.header("if-none-match").is_none() || !options.etag {
            fresh |= req.header("if-modified-since") == Some(LAST_MODIFIED);
        }
        response = response.header("Last-Modified", LAST_MODIFIED);
    }
    if fresh {
        response.status = 304;
        response.span = 0..0;
    }
    response
}

/// The q-value the `Accept` header gives exactly `media` (parameters other than q ignored).
fn accept_q(accept: &str, media: &str) -> Option<f32> {
    accept.split(',').find_map(|entry| {
        let mut params = entry.split(';').map(str::trim);
        if !params.next()?.eq_ignore_ascii_case(media) {
            return None;
        }
        let q = params
            .find_map(|p| p.strip_prefix("q="))
            .and_then(|q| q.parse().ok());
        Some(q.unwrap_or(1.0))
    })
}

/// A single `bytes=` range: `None` to ignore the header (malformed or multi-range, which
/// the RFC allows ignoring), `Err` when unsatisfiable.
fn parse_range(header: &str, total: usize) -> Option<Result<Range<usize>, ()>> {
    let spec = header.trim().strip_prefix("bytes=")?.trim();
    if spec.contains(',') {
        return None;
    }
    let (first, last) = spec.split_once('-')?;
    let (first, last) = (first.trim(), last.trim());
    if first.is_empty() {
        let n: usize = last.parse().ok()?;
        return Some(if n == 0 || total == 0 {
            Err(())
        } else {
            Ok(total.saturating_sub(n)..total)
        });
    }
    let start: usize = first.parse().ok()?;
    let end = if last.is_empty() {
        usize::MAX
    } else {
        last.parse::<usize>().ok()?
    };
    if end < start {
        return None;
    }
    Some(if start >= total {
        Err(())
    } else {
        Ok(start..end.min(total - 1) + 1)
    })
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn write_response(
    w: &mut TcpStream,
    response: Response,
    head_only: bool,
    keep_alive: bool,
    delivery: Delivery,
) -> io::Result<()> {
    let reason = match response.status {
        200 => "OK",
        206 => "Partial Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        401 => "Unauthorized",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        416 => "Range Not Satisfiable",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    };
    let mut head = format!("HTTP/1.1 {} {reason}\r\n", response.status);
    for (name, value) in &response.headers {
        _ = write!(head, "{name}: {value}\r\n");
    }
    // A 304 has no body, and clients know it; a length there would describe the
    // representation, which only confuses.
    if response.status != 304 {
        _ = write!(head, "Content-Length: {}\r\n", response.span.len());
    }
    if !keep_alive {
        head.push_str("Connection: close\r\n");
    }
    head.push_str("\r\n");
    w.write_all(head.as_bytes())?;
    if head_only {
        return w.flush();
    }
    let span = response.span;
    let body = &response.body[span.clone()];
    match delivery {
        Delivery::Whole => w.write_all(body)?,
        Delivery::Half => w.write_all(&body[..span.len() / 2])?,
        Delivery::Drip(every) => {
            w.flush()?;
            for byte in body {
                w.write_all(std::slice::from_ref(byte))?;
                w.flush()?;
                thread::sleep(every);
            }
        }
    }
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_parse() {
        assert_eq!(parse_range("bytes=0-9", 100), Some(Ok(0..10)));
        assert_eq!(parse_range("bytes=90-", 100), Some(Ok(90..100)));
        assert_eq!(parse_range("bytes=-10", 100), Some(Ok(90..100)));
        assert_eq!(parse_range("bytes=-1000", 100), Some(Ok(0..100)));
        assert_eq!(parse_range("bytes=50-1000", 100), Some(Ok(50..100)));
        assert_eq!(parse_range("bytes=100-", 100), Some(Err(())));
        assert_eq!(parse_range("bytes=0-1,5-6", 100), None);
        assert_eq!(parse_range("bytes=5-1", 100), None);
        assert_eq!(parse_range("items=0-1", 100), None);
    }

    #[test]
    fn accept_q_values() {
        let pip = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01";
        assert_eq!(accept_q(pip, JSON_TYPE), Some(1.0));
        assert_eq!(accept_q(pip, "text/html"), Some(0.01));
        assert_eq!(accept_q("text/html", JSON_TYPE), None);
        assert_eq!(
            accept_q("application/vnd.pypi.simple.v1+json;q=0", JSON_TYPE),
            Some(0.0)
        );
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("/files/a%2Bb%zz%4"), "/files/a+b%zz%4");
    }
}

//! The one error type of this crate.

use std::path::PathBuf;

use pep440_rs::Version;
use pep508_rs::PackageName;

use crate::config::ConfigError;
use crate::hash::HashDigest;
use crate::metadata::MetadataError;
use crate::redact::RedactedUrl;
use crate::sdist::SdistError;
use crate::simple::PageError;
use crate::wheel::WheelError;

/// Everything that can go wrong talking to an index. URLs are always redacted.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The index configuration could not be loaded.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The HTTP client could not be built (e.g. an unreadable CA bundle).
    #[error("cannot set up the HTTP client")]
    Client(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// pip's `cert` names a file with no PEM certificate in it.
    #[error("the CA bundle {} (pip's `cert`) holds no PEM certificate", path.display())]
    NoCertificate {
        /// The file.
        path: PathBuf,
    },
    /// A request failed after every retry (connection, timeout, reset).
    #[error("request to `{url}` failed after {attempts} attempts")]
    Request {
        /// The URL.
        url: RedactedUrl,
        /// How many tries were made.
        attempts: u32,
        /// The last failure.
        #[source]
        source: reqwest::Error,
    },
    /// The server answered with a status that is neither success nor retryable, or still a
    /// retryable one after the last try.
    #[error("`{url}` answered HTTP {status}")]
    Status {
        /// The URL.
        url: RedactedUrl,
        /// The status code.
        status: u16,
    },
    /// A response was larger than hashpin reads (decompressed).
    #[error("`{url}` is larger than the {} MiB hashpin reads from it", limit / (1024 * 1024))]
    TooLarge {
        /// The URL.
        url: RedactedUrl,
        /// The limit, in bytes.
        limit: u64,
    },
    /// A response's `Content-Encoding` was not one hashpin asked for, or did not decode.
    #[error("`{url}` sent {why}")]
    Encoding {
        /// The URL.
        url: RedactedUrl,
        /// What was wrong, its untrusted parts neutralised.
        why: String,
    },
    /// A response came so slowly that its deadline passed.
    #[error("`{url}` sent its answer too slowly (still incomplete after {seconds} s)")]
    TooSlow {
        /// The URL.
        url: RedactedUrl,
        /// How long it took before giving up.
        seconds: u64,
    },
    /// The server's TLS certificate is not trusted.
    #[error("the TLS certificate of `{url}` is not trusted by {roots}")]
    Certificate {
        /// The URL.
        url: RedactedUrl,
        /// Which roots were used, for the message.
        roots: String,
        /// The TLS library's reason.
        #[source]
        source: reqwest::Error,
    },
    /// A cached page turned out damaged while its files were read: the run cannot trust what
    /// it resolved, and the entry was discarded so that the next run fetches it again.
    #[error(
        "the cached page of `{name}` is damaged; it was discarded, so run the command again (with network access, or --refresh)"
    )]
    DamagedCache {
        /// The project.
        name: PackageName,
    },
    /// `--offline` and the answer is not cached.
    #[error("`{url}` is not in the cache, and network access is disabled (--offline)")]
    Offline {
        /// The URL that would have been fetched.
        url: RedactedUrl,
    },
    /// No configured index or find-links location has the project.
    #[error("project `{name}` was not found in {searched}")]
    ProjectNotFound {
        /// The project.
        name: PackageName,
        /// The places searched, for the message: redacted URLs and paths.
        searched: String,
    },
    /// A page could not be parsed.
    #[error("cannot read the index page `{url}`")]
    Page {
        /// The page.
        url: RedactedUrl,
        /// Why.
        #[source]
        source: PageError,
    },
    /// A PEP 658 metadata file does not match the hash its index advertised.
    #[error(
        "the metadata file of `{filename}` does not match its advertised hash (expected {expected}, got {actual})"
    )]
    MetadataHashMismatch {
        /// The distribution file.
        filename: String,
        /// The advertised digest.
        expected: HashDigest,
        /// The digest of what was served.
        actual: HashDigest,
    },
    /// A downloaded file does not match the hash its index published.
    #[error("`{filename}` does not match its published hash (expected {expected}, got {actual})")]
    FileHashMismatch {
        /// The file.
        filename: String,
        /// The published digest.
        expected: HashDigest,
        /// The digest of what was served.
        actual: HashDigest,
    },
    /// A wheel's zip could not be read.
    #[error("cannot read the metadata inside `{filename}`")]
    Wheel {
        /// The wheel.
        filename: String,
        /// Why.
        #[source]
        source: WheelError,
    },
    /// An sdist's dependencies cannot be known without building it.
    #[error("cannot read the metadata of {name} {version} from its sdist `{filename}`")]
    Sdist {
        /// The project.
        name: PackageName,
        /// The version.
        version: Version,
        /// The sdist.
        filename: String,
        /// Why.
        #[source]
        source: SdistError,
    },
    /// Metadata text is malformed.
    #[error("invalid metadata in `{filename}`")]
    Metadata {
        /// The file it came from.
        filename: String,
        /// Why.
        #[source]
        source: MetadataError,
    },
    /// A file's provenance document is not one.
    #[error("the provenance of `{filename}`")]
    Provenance {
        /// The file it is of.
        filename: String,
        /// Why.
        #[source]
        source: crate::provenance::ProvenanceError,
    },
    /// Metadata names another project or version than its file.
    #[error("the metadata in `{filename}` is for {found}, not for the file's own name and version")]
    MetadataMismatch {
        /// The file.
        filename: String,
        /// `name version` found in the metadata.
        found: String,
    },
    /// A requirement's URL cannot be locked (the caller names the URL).
    #[error("{why}")]
    DirectUrl {
        /// The URL, credentials hidden.
        url: RedactedUrl,
        /// Why.
        why: String,
    },
    /// A local file (find-links) could not be read.
    #[error("cannot read {}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// `error` and its causes as one line, `outer: inner: innermost`, for messages that quote
/// another crate's error inside their own.
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

//! The package-index client of hashpin, and the vocabulary the other crates share.
//!
//! It reads Simple Repository API pages (PEP 691 JSON, PEP 503 HTML; PEP 592 yanks, PEP 658 /
//! PEP 714 metadata files, PEP 700 sizes and upload times, PEP 740 provenance links) into
//! [`ProjectPage`]s of [`DistFile`]s, fetches a file's [`CoreMetadata`] the cheapest way the
//! index allows, and keeps both in a disk [`Cache`]. Index configuration follows pip
//! ([`IndexConfig`]): flags, `PIP_*` variables, pip config files, then pip's own default.
//!
//! It does not resolve (that is `hashpin-resolver`), build sdists, or install anything.
//! Credentials are sent only to their own host and never shown: URLs print through
//! [`RedactedUrl`].
//!
//! ```
//! use hashpin_pypi::{DistFilename, HashDigest};
//!
//! let wheel = DistFilename::parse("requests-2.32.3-py3-none-any.whl", None).unwrap();
//! assert_eq!(wheel.version().to_string(), "2.32.3");
//! let digest: HashDigest = "sha256=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855".parse().unwrap();
//! assert_eq!(digest.to_string(), "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
//! ```
#![warn(missing_docs)]

mod auth;
mod body;
mod cache;
mod client;
mod config;
mod dns;
mod error;
mod filename;
mod find_links;
#[doc(hidden)]
pub mod fuzz;
mod hash;
mod interpreter;
mod metadata;
mod provenance;
mod redact;
mod requirement;
mod sdist;
mod simple;
mod span;
mod startup;
mod timestamp;
pub mod untrusted;
mod wheel;

pub use body::{Limits, MIB};
pub use cache::{Cache, CacheMode};
pub use client::{
    ClientOptions, Direct, IndexClient, IndexStrategy, Project, ProjectVersion, ServiceAnswer,
    SourceArchive,
};
pub use config::{ConfigError, FindLinks, IndexConfig, IndexOptions, IndexUrl, PipEnvironment};
pub use error::{Error, error_chain};
pub use filename::{DistFilename, FilenameError, SdistFilename, SdistFormat, WheelFilename};
pub use hash::{HashAlgorithm, HashDigest, HashParseError, Sha256};
pub use interpreter::InterpreterInfo;
pub use metadata::{CoreMetadata, MAX_REQUIRES_DIST, MetadataError};
pub use provenance::{MAX_PROVENANCE_BYTES, ProvenanceError, Publisher};
pub use redact::{RedactedUrl, redact_text, strip_credentials};
pub use requirement::{
    MAX_EXTRAS, MAX_MARKER_CLAUSES, MAX_MARKER_NESTING, RequirementError, parse_requirement,
};
pub use sdist::SdistError;
pub use simple::{
    DistFile, FileOrigin, FileUrl, MetadataAvailability, PageError, ProjectPage, Yanked,
};
pub use span::{Span, SpanError};
pub use startup::{
    HookClass, HookKind, MAX_HOOK_BYTES, StartupHook, classify, first_line, hook_kind,
    is_namespace_line, record_paths,
};
pub use timestamp::{Timestamp, TimestampError};
pub use untrusted::UntrustedText;
pub use wheel::WheelError;

pub use pep440_rs::{Version, VersionSpecifiers};
pub use pep508_rs::{ExtraName, PackageName, Requirement};

//! Known vulnerabilities of locked packages, from OSV advisories.
//!
//! Three sources answer, each optional ([`Source`]): an OSV database on disk (a directory or
//! zip in the layout of OSV's per-ecosystem `all.zip`), the configured index's per-version
//! JSON API (its `vulnerabilities` field), and an OSV API endpoint (`/v1/querybatch`).
//! [`audit`] asks every source about every pin and merges what they say: advisories that
//! share an id or alias are one finding. What no source could answer for is kept apart, as
//! not audited, so that a report never calls a lock clean when part of it went unasked.
//!
//! Advisories are text from outside: their ids, summaries and URLs are data, and reach a
//! terminal or a report only through [`hashpin_pypi::untrusted`].

mod advisory;
mod audit;
mod cvss;
mod database;
mod matching;
mod service;

pub use advisory::{Advisory, AdvisoryError, Affected, Severity};
pub use audit::{Finding, NotAudited, Pin, PinReport, Report, audit};
pub use database::{Database, DatabaseError};
pub use service::{Source, index_json_api};

#[doc(hidden)]
pub mod fuzz;

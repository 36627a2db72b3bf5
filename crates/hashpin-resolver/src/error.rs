//! Why a resolution failed.

use std::sync::Arc;

use hashpin_pypi::{PackageName, Version};

/// A resolution that could not finish. [`ResolveError::NoSolution`] and
/// [`ResolveError::YankedPin`] are the answer "no" ([`ResolveError::is_answer_no`]); the others
/// mean the question could not be answered.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    /// No set of versions satisfies the requirements; the text explains why, in sentences.
    #[error("no set of versions satisfies the requirements:\n{explanation}")]
    NoSolution {
        /// The explanation, one sentence a line.
        explanation: String,
    },
    /// A root requirement or constraint pins a yanked release with `==`, and no
    /// `--allow-yanked` lets it through.
    #[error("`{package}=={version}` is pinned, but that release is yanked{}", reason.as_ref().map(|reason| format!(" (reason: {reason})")).unwrap_or_default())]
    YankedPin {
        /// The project.
        package: PackageName,
        /// The yanked version.
        version: Version,
        /// The index's reason.
        reason: Option<hashpin_pypi::UntrustedText>,
    },
    /// A project's files could not be listed (network, server or page failure).
    #[error("cannot list the files of `{package}`")]
    Fetch {
        /// The project.
        package: PackageName,
        /// The index client's error.
        #[source]
        source: Arc<hashpin_pypi::Error>,
    },
    /// A version's metadata could not be fetched or failed its hash check.
    #[error("cannot get the metadata of `{package}` {version}")]
    Metadata {
        /// The project.
        package: PackageName,
        /// The version.
        version: Version,
        /// The index client's error.
        #[source]
        source: Arc<hashpin_pypi::Error>,
    },
    /// An sdist built for its metadata failed to build.
    #[error(
        "cannot build `{package}` {version} for its metadata (if another version would do, a constraint `{package}!={version}` passes it over)"
    )]
    Build {
        /// The project.
        package: PackageName,
        /// The version.
        version: Version,
        /// What the builder says.
        #[source]
        source: crate::BuildFailure,
    },
    /// A root requirement that no lock can hold (a direct URL).
    #[error("`{0}` is a direct URL requirement, which a hash-pinned lock cannot hold")]
    UnsupportedRequirement(String),
    /// The solver thread could not run or stopped unexpectedly.
    #[error("the resolver stopped unexpectedly: {0}")]
    Internal(String),
}

impl ResolveError {
    /// Whether this is the answer "no" (no versions fit, or the input pins a yanked release)
    /// rather than a question that could not be answered.
    pub fn is_answer_no(&self) -> bool {
        matches!(self, Self::NoSolution { .. } | Self::YankedPin { .. })
    }
}

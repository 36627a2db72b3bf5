//! Why a build failed.

use std::path::PathBuf;
use std::time::Duration;

use crate::unpack::UnpackError;

/// A build that did not give metadata. The `log` fields hold the last lines of the build's
/// output, already neutralized for a terminal.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The sdist could not be downloaded or failed its hash check.
    #[error("cannot download the sdist")]
    Download(#[source] hashpin_pypi::Error),
    /// The sdist could not be unpacked safely.
    #[error("cannot unpack the sdist")]
    Unpack(#[source] UnpackError),
    /// The sdist's format is not one hashpin unpacks.
    #[error("hashpin builds `.tar.gz`, `.tar` and `.zip` sdists, not {0}")]
    Format(String),
    /// The tree's `[build-system]` is unusable.
    #[error("{0}")]
    BuildSystem(String),
    /// No interpreter to build with.
    #[error("no Python interpreter to build with at `{}`: {message}; pass --python", python.display())]
    NoPython {
        /// The interpreter asked for.
        python: PathBuf,
        /// Why.
        message: String,
    },
    /// The build environment's requirements could not be resolved.
    #[error("cannot resolve its build requirements ({requirements})")]
    Requirements {
        /// The requirements, as one line.
        requirements: String,
        /// The resolver's answer.
        #[source]
        source: Box<hashpin_resolver::ResolveError>,
    },
    /// A build requirement has no wheel this interpreter can install.
    #[error(
        "its build requirement `{name}=={version}` has no wheel for the build interpreter (hashpin installs build requirements from wheels only)"
    )]
    NoWheel {
        /// The project.
        name: String,
        /// The version.
        version: String,
    },
    /// A build requirement's wheel could not be downloaded or installed.
    #[error("cannot install its build requirement `{filename}`")]
    Install {
        /// The wheel.
        filename: String,
        /// Why.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The build interpreter could not be started.
    #[error("cannot run `{}`", python.display())]
    Spawn {
        /// The interpreter.
        python: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The build environment could not be made.
    #[error("cannot create the build environment: {0}")]
    Environment(String),
    /// A hook failed.
    #[error("its build backend failed in {hook} ({message}){}", tail(log))]
    Hook {
        /// The hook.
        hook: &'static str,
        /// What failed.
        message: String,
        /// The end of the build log.
        log: String,
    },
    /// A hook ran past the time limit, and was killed.
    #[error("its build ran past the time limit of {} s in {hook}, and was stopped (raise it with --build-timeout){}", after.as_secs(), tail(log))]
    TimedOut {
        /// The hook.
        hook: &'static str,
        /// The limit.
        after: Duration,
        /// The end of the build log.
        log: String,
    },
    /// The backend's metadata is missing, malformed, or about another project.
    #[error("its build gave unusable metadata: {0}")]
    Metadata(String),
    /// Scratch files could not be written.
    #[error("cannot write the build's scratch files")]
    Io(#[source] std::io::Error),
}

fn tail(log: &str) -> String {
    if log.is_empty() {
        String::new()
    } else {
        format!("; the build's last lines:\n{log}")
    }
}

impl From<std::io::Error> for BuildError {
    fn from(error: std::io::Error) -> Self {
        Self::Io(error)
    }
}

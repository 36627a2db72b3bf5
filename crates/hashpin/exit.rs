//! How a command ends: its exit status, and the exit code and last words that follow.
//!
//! 0: success. 1: the command ran and the answer is no (no set of versions works, a check
//! found problems, a lock is out of date). 2: the command could not run (usage, input,
//! network, I/O). 130: interrupted.

use std::process::ExitCode;

use crate::printer;

/// How a command that ran to its end went. A command that could not run returns an error
/// instead.
#[must_use]
pub(crate) enum ExitStatus {
    Success,
    /// The answer is no.
    No(No),
    /// The command ran, but could not answer for all of its input (an audit that part of
    /// the lock went unasked in): the verdict as for [`ExitStatus::No`], and exit code 2.
    Incomplete(No),
}

/// The command ran and the answer is no. Whatever details there are were printed already;
/// this is the verdict, printed last as an error, and exit code 1.
#[must_use]
pub(crate) struct No {
    verdict: anyhow::Error,
    hint: Option<&'static str>,
}

impl No {
    pub(crate) fn new(verdict: impl Into<anyhow::Error>) -> Self {
        Self {
            verdict: verdict.into(),
            hint: None,
        }
    }

    /// A verdict in words, such as "the check failed with 2 errors".
    pub(crate) fn because(verdict: impl Into<String>) -> Self {
        Self::new(anyhow::Error::msg(verdict.into()))
    }

    /// The next step to print under the verdict.
    pub(crate) fn with_hint(self, hint: &'static str) -> Self {
        Self {
            hint: Some(hint),
            ..self
        }
    }
}

impl From<No> for ExitStatus {
    fn from(no: No) -> Self {
        Self::No(no)
    }
}

/// The exit code for a command's outcome, after printing its verdict or error.
pub(crate) fn code(outcome: anyhow::Result<ExitStatus>) -> ExitCode {
    match outcome {
        Ok(ExitStatus::Success) => ExitCode::SUCCESS,
        Ok(ExitStatus::No(no)) => {
            printer::error_with_hint(&no.verdict, no.hint);
            ExitCode::from(1)
        }
        Ok(ExitStatus::Incomplete(no)) => {
            printer::error_with_hint(&no.verdict, no.hint);
            ExitCode::from(2)
        }
        // A reader that stopped reading (`| head`) got what it wanted, as ripgrep has it.
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            printer::error(&error);
            ExitCode::from(2)
        }
    }
}

/// Usage errors exit 2; `--help` and `--version` exit 0.
pub(crate) fn usage(error: &clap::Error) -> ExitCode {
    // clap prints help and version to stdout with success, usage errors to stderr.
    let _ = error.print();
    if error.use_stderr() {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    }
}

/// The exit code of a run stopped by Ctrl-C or SIGTERM, as a shell reports it.
pub(crate) fn interrupted() -> ExitCode {
    printer::status("interrupted");
    ExitCode::from(130)
}

/// The command could not start at all.
pub(crate) fn cannot_start(error: &anyhow::Error) -> ExitCode {
    printer::error(error);
    ExitCode::from(2)
}

/// stdout was closed by its reader.
fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        matches!(
            cause.downcast_ref::<printer::StdoutError>(),
            Some(printer::StdoutError::Closed)
        )
    })
}

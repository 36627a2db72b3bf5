//! The only place that writes to the terminal. stdout carries data; everything else goes to
//! stderr.
//!
//! Messages can quote text from outside (an index's yank reason, a METADATA line, a path):
//! every stderr line is passed through [`for_terminal`], so an escape sequence is shown, never
//! obeyed, whatever the code that built the message forgot. A reader that closes a pipe early
//! (`| head`) ends the output: stdout's error goes back to the command, which stops quietly;
//! a closed stderr loses the message, since there is nowhere left to say so.

use std::fmt::Write as _;
use std::io::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};

use hashpin_pypi::redact_text;
use hashpin_pypi::untrusted::for_terminal;

static QUIET: AtomicBool = AtomicBool::new(false);

/// Silences status lines (`--quiet`).
pub(crate) fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

/// Whether `--quiet` was given.
pub(crate) fn is_quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

/// Writes a status line to stderr, unless `--quiet`.
pub(crate) fn status(text: &str) {
    if !is_quiet() {
        to_stderr(text);
    }
}

/// Writes data (a lock, a report) to stdout, as it is: its writer made it safe.
///
/// # Errors
/// When stdout cannot be written; [`StdoutError::Closed`] when its reader went away.
pub(crate) fn data(text: &str) -> Result<(), StdoutError> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.write_all(b"\n"))
        .and_then(|()| stdout.flush())
        .map_err(|error| match error.kind() {
            std::io::ErrorKind::BrokenPipe => StdoutError::Closed,
            _ => StdoutError::Io(error),
        })
}

/// Why data could not be written to stdout.
#[derive(Debug, thiserror::Error)]
pub(crate) enum StdoutError {
    /// The reader went away (`| head`): it has what it wanted, and the run ends quietly.
    #[error("standard output was closed")]
    Closed,
    /// Anything else, such as a full disk behind a redirection.
    #[error("cannot write to standard output")]
    Io(#[source] std::io::Error),
}

/// Writes text for people (a report, a project's listing) to stdout, each line escaped for
/// the terminal as stderr's are.
///
/// # Errors
/// As [`data`].
pub(crate) fn text(text: &str) -> Result<(), StdoutError> {
    data(&escaped_lines(text))
}

/// Writes one log line to stderr.
pub(crate) fn log_line(text: &str) {
    to_stderr(text);
}

/// Writes an error, its causes one per line, and a hint when one applies.
pub(crate) fn error(error: &anyhow::Error) {
    error_with_hint(error, crate::hints::hint(error));
}

/// Writes an error, its causes one per line, and `hint` under them.
pub(crate) fn error_with_hint(error: &anyhow::Error, hint: Option<&str>) {
    let mut text = format!("error: {error}");
    for cause in error.chain().skip(1) {
        let _ = write!(text, "\n  caused by: {cause}");
    }
    if let Some(hint) = hint {
        let _ = write!(text, "\nhint: {hint}");
    }
    to_stderr(&text);
}

/// Each line of `text` escaped for the terminal, then written to stderr at once.
fn to_stderr(text: &str) {
    let mut out = escaped_lines(text);
    out.push('\n');
    // Nothing is left to report a failure to.
    let _ = std::io::stderr().lock().write_all(out.as_bytes());
}

/// `text` with each of its lines passed through [`for_terminal`], and any credentials in
/// URL-like words masked ([`redact_text`]): a last line of defence for messages that quote a
/// line or a value the user typed.
fn escaped_lines(text: &str) -> String {
    text.split('\n')
        .map(|line| for_terminal(&redact_text(line)).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

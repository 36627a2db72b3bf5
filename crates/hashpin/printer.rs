//! The only place that writes to the terminal. stdout carries data; everything else goes to
//! stderr.
#![expect(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "this module is the printer"
)]

static QUIET: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Silences status lines (`--quiet`).
pub(crate) fn set_quiet(quiet: bool) {
    QUIET.store(quiet, std::sync::atomic::Ordering::Relaxed);
}

/// Whether `--quiet` was given.
pub(crate) fn is_quiet() -> bool {
    QUIET.load(std::sync::atomic::Ordering::Relaxed)
}

/// Writes a status line to stderr, unless `--quiet`.
pub(crate) fn status(text: &str) {
    if !QUIET.load(std::sync::atomic::Ordering::Relaxed) {
        eprintln!("{text}");
    }
}

/// Writes data to stdout.
pub(crate) fn data(text: &str) {
    println!("{text}");
}

/// Writes one log line to stderr.
pub(crate) fn log_line(text: &str) {
    eprintln!("{text}");
}

/// Writes an error, its causes one per line, and a hint when one applies.
pub(crate) fn error(error: &anyhow::Error) {
    eprintln!("error: {error}");
    for cause in error.chain().skip(1) {
        eprintln!("  caused by: {cause}");
    }
    if let Some(hint) = crate::exit::hint(error) {
        eprintln!("hint: {hint}");
    }
}

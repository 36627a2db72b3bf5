//! A small stderr logger for the `log` facade, as ripgrep has: `-v` debug, `-vv` trace.

use log::{Level, LevelFilter, Log, Metadata, Record};

struct StderrLogger;

impl Log for StderrLogger {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        // Dependencies (hyper, rustls, …) log too, even at `error` for what hashpin reports
        // itself (a certificate that does not verify): only hashpin's own crates speak
        // unless -v asks for the others' warnings and -vv for everything.
        let ours = metadata.target().starts_with("hashpin");
        metadata.level() <= log::max_level()
            && (ours
                || (metadata.level() <= Level::Warn && log::max_level() >= LevelFilter::Debug)
                || log::max_level() >= LevelFilter::Trace)
    }

    fn log(&self, record: &Record<'_>) {
        if self.enabled(record.metadata()) {
            let level = match record.level() {
                Level::Warn => "warning".to_string(),
                level => level.as_str().to_ascii_lowercase(),
            };
            crate::printer::log_line(&format!("{level}: {}", record.args()));
        }
    }

    fn flush(&self) {}
}

pub(crate) fn init(verbose: u8, quiet: bool) {
    let level = match (quiet, verbose) {
        (true, _) => LevelFilter::Error,
        (false, 0) => LevelFilter::Warn,
        (false, 1) => LevelFilter::Debug,
        (false, _) => LevelFilter::Trace,
    };
    if log::set_logger(&StderrLogger).is_ok() {
        log::set_max_level(level);
    }
}

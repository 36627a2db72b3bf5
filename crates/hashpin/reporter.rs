//! Progress on stderr while resolving: an indicatif spinner counting projects and metadata
//! fetched. Hidden when stderr is not a terminal, with `--quiet`, and with `-v` (log lines and
//! a redrawn bar do not mix).

use std::io::IsTerminal as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use std::sync::Arc;

use hashpin_pypi::{PackageName, Project, Version};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::startup_hooks::Scanner;

/// The spinner, fed by the resolver's fetcher.
#[derive(Debug)]
pub(crate) struct Progress {
    bar: ProgressBar,
    projects: AtomicUsize,
    metadata: AtomicUsize,
    /// Scans the wheels of each release read, while the resolution goes on.
    scanner: Option<Arc<Scanner>>,
}

impl Progress {
    pub(crate) fn new(visible: bool, scanner: Option<Arc<Scanner>>) -> Self {
        let visible = visible
            && std::io::stderr().is_terminal()
            && log::max_level() < log::LevelFilter::Debug;
        let target = if visible {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let bar = ProgressBar::with_draw_target(None, target);
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} [{elapsed}]") {
            bar.set_style(style);
        }
        bar.set_message("Resolving");
        bar.enable_steady_tick(Duration::from_millis(100));
        Self {
            bar,
            projects: AtomicUsize::new(0),
            metadata: AtomicUsize::new(0),
            scanner,
        }
    }

    fn update(&self) {
        self.bar.set_message(format!(
            "Resolving: {} projects listed, {} metadata read",
            self.projects.load(Ordering::Relaxed),
            self.metadata.load(Ordering::Relaxed)
        ));
    }

    /// Removes the spinner.
    pub(crate) fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl hashpin_resolver::Reporter for Progress {
    fn on_project(&self, _name: &PackageName) {
        self.projects.fetch_add(1, Ordering::Relaxed);
        self.update();
    }

    fn on_metadata(&self, _name: &PackageName, _version: &Version) {
        self.metadata.fetch_add(1, Ordering::Relaxed);
        self.update();
    }

    fn on_release(&self, project: &Project, version: &Version) {
        if let Some(scanner) = &self.scanner {
            scanner.prefetch(project, version);
        }
    }
}

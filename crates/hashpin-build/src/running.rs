//! What this process's builds have running and on disk, so that an interrupted run (Ctrl-C,
//! SIGTERM) stops its builds and removes their scratch directories before it exits: the
//! hooks run in process groups of their own, which a terminal's Ctrl-C does not reach.

use std::path::PathBuf;
use std::sync::Mutex;

struct Running {
    /// Process groups of running hooks.
    groups: Vec<u32>,
    /// Scratch directories of this run.
    scratch: Vec<PathBuf>,
}

static RUNNING: Mutex<Running> = Mutex::new(Running {
    groups: Vec::new(),
    scratch: Vec::new(),
});

fn running() -> std::sync::MutexGuard<'static, Running> {
    RUNNING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

pub(crate) fn add_group(id: u32) {
    running().groups.push(id);
}

pub(crate) fn remove_group(id: u32) {
    running().groups.retain(|group| *group != id);
}

pub(crate) fn add_scratch(path: PathBuf) {
    running().scratch.push(path);
}

/// Kills every running build's process group and removes every scratch directory: for a
/// process about to exit on a signal.
pub fn stop_all() {
    let mut running = running();
    for group in running.groups.drain(..) {
        kill_group(group);
    }
    for dir in running.scratch.drain(..) {
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// Kills the process group `id` (a hook and whatever it started).
pub(crate) fn kill_group(id: u32) {
    #[cfg(unix)]
    if let Ok(id) = libc::pid_t::try_from(id) {
        // SAFETY: killpg takes plain integers and touches no memory of ours; the group is one
        // `process_group(0)` made for a hook of this process.
        #[allow(unsafe_code)]
        unsafe {
            libc::killpg(id, libc::SIGKILL);
        }
    }
    #[cfg(not(unix))]
    let _ = id;
}

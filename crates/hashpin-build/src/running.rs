//! What this process's builds have running and on disk, so that an interrupted run (Ctrl-C,
//! SIGTERM) stops its builds and removes their scratch directories before it exits: the
//! hooks run in process groups of their own, which a terminal's Ctrl-C does not reach.

use std::path::PathBuf;
use std::sync::Mutex;

struct Running {
    /// The process is stopping: whatever starts now is killed at once.
    stopping: bool,
    /// Process groups of running build processes.
    groups: Vec<u32>,
    /// Scratch directories of this run.
    scratch: Vec<PathBuf>,
}

static RUNNING: Mutex<Running> = Mutex::new(Running {
    stopping: false,
    groups: Vec::new(),
    scratch: Vec::new(),
});

fn running() -> std::sync::MutexGuard<'static, Running> {
    RUNNING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Starts `command` in a process group of its own, registered so that [`stop_all`] kills
/// it; one started while the process is stopping is killed at once.
pub(crate) fn spawn(
    command: &mut tokio::process::Command,
) -> std::io::Result<tokio::process::Child> {
    #[cfg(unix)]
    command.process_group(0);
    command.kill_on_drop(true);
    let child = command.spawn()?;
    if let Some(id) = child.id() {
        let mut running = running();
        if running.stopping {
            kill_group(id);
        } else {
            running.groups.push(id);
        }
    }
    Ok(child)
}

/// Runs `command` to its end (as [`spawn`]), with its output.
pub(crate) async fn output(
    command: &mut tokio::process::Command,
) -> std::io::Result<std::process::Output> {
    command
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let child = spawn(command)?;
    let id = child.id();
    let output = child.wait_with_output().await;
    if let Some(id) = id {
        remove_group(id);
    }
    output
}

pub(crate) fn remove_group(id: u32) {
    running().groups.retain(|group| *group != id);
}

pub(crate) fn add_scratch(path: PathBuf) {
    let mut running = running();
    if running.stopping {
        let _ = std::fs::remove_dir_all(&path);
    } else {
        running.scratch.push(path);
    }
}

/// Scratch directories are `hashpin-build-PID-RANDOM` in the temporary directory.
pub(crate) const SCRATCH_PREFIX: &str = "hashpin-build-";

/// Removes the scratch directories of runs that were killed outright (SIGKILL, a crash):
/// those whose process is gone, and that nothing has touched for an hour (a process of
/// another PID namespace sharing the directory is not visible here, and is left alone
/// while it works).
pub(crate) fn remove_abandoned(temp: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(temp) else {
        return;
    };
    let can_tell = std::path::Path::new("/proc/self").exists();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|name| name.strip_prefix(SCRATCH_PREFIX))
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        let gone = can_tell
            && pid != std::process::id()
            && !std::path::Path::new(&format!("/proc/{pid}")).exists();
        let idle = entry
            .metadata()
            .and_then(|meta| meta.modified())
            .ok()
            .and_then(|modified| modified.elapsed().ok())
            .is_some_and(|age| age > std::time::Duration::from_hours(1));
        if gone && idle {
            log::debug!("removing {}, left by a killed run", entry.path().display());
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Kills every running build's process group and removes every scratch directory: for a
/// process about to exit on a signal.
pub fn stop_all() {
    let mut running = running();
    running.stopping = true;
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

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn only_idle_scratch_of_processes_that_are_gone_is_removed() {
        let temp = tempfile::tempdir().expect("a temporary directory");
        let make = |name: &str, hours_ago: u64| {
            let dir = temp.path().join(name);
            std::fs::create_dir_all(dir.join("sdist-x")).expect("made");
            let then = std::time::SystemTime::now() - std::time::Duration::from_hours(hours_ago);
            std::fs::File::open(&dir)
                .and_then(|file| file.set_modified(then))
                .expect("dated");
            dir
        };
        let abandoned = make("hashpin-build-4000000000-aaaa", 2);
        let fresh = make("hashpin-build-4000000001-bbbb", 0);
        let ours = make(&format!("hashpin-build-{}-cccc", std::process::id()), 2);
        let other = make("something-else", 2);
        remove_abandoned(temp.path());
        assert!(!abandoned.exists());
        assert!(fresh.exists() && ours.exists() && other.exists());
    }
}

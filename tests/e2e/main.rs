//! End-to-end tests of the `hashpin` binary against the loopback test index.
#![allow(
    clippy::unwrap_used,
    reason = "test helpers should fail loudly at the failing call"
)]

mod audit;
mod build;
mod check;
mod compile;
mod cooldown;
mod diff;
mod freeze;
mod hostile;
mod inventory;
mod own_sbom;
mod packse;
mod pylock;
mod show;
mod startup_hooks;

use std::path::Path;
use std::process::{Command, Output};

/// A `hashpin` command isolated from the machine's pip configuration and user cache.
pub(crate) fn hashpin(cache: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hashpin"));
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("PIP_") {
            command.env_remove(name);
        }
    }
    command
        .env("PIP_CONFIG_FILE", "/dev/null")
        .env("HASHPIN_CACHE_DIR", cache)
        .env("NO_COLOR", "1");
    command
}

/// Runs a command and returns its output with stdout and stderr as text.
pub(crate) fn run(command: &mut Command) -> (Output, String, String) {
    let output = command.output().expect("hashpin runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output, stdout, stderr)
}

//! hashpin: a pip-compatible, hash-pinning lockfile generator.
//!
//! `main` only runs the command and turns its outcome into an exit code (see [`exit`]).

mod allocator;
mod cli;
mod commands;
mod exit;
mod installed;
mod lockfile;
mod logging;
mod output;
mod printer;
mod reporter;
mod settings;

fn main() -> std::process::ExitCode {
    allocator::tune();
    exit::run()
}

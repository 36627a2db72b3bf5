//! hashpin: a pip-compatible, hash-pinning lockfile generator.
//!
//! `main` reads the command line, runs the command, and turns its outcome into an exit code
//! (see [`exit`]). Modules below it never import back up: commands return an
//! [`exit::ExitStatus`], and only this file knows every command.

mod allocator;
mod cli;
mod commands;
mod exit;
mod hints;
mod installed;
mod installed_hooks;
mod lockfile;
mod logging;
mod output;
mod printer;
mod release_age;
mod reporter;
mod settings;
mod startup_hooks;

use std::process::ExitCode;

use clap::Parser as _;
use futures_util::future::Either;

use cli::{Cli, Command};
use exit::ExitStatus;

fn main() -> ExitCode {
    allocator::tune();
    let mut cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return exit::usage(&error),
    };
    cli.command.resolve_standard_output();
    logging::init(cli.global.verbose, cli.global.quiet);
    printer::set_quiet(cli.global.quiet);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            return exit::cannot_start(
                &anyhow::Error::new(error).context("cannot start the async runtime"),
            );
        }
    };
    let outcome = runtime.block_on(async {
        let run = std::pin::pin!(run(cli.command));
        let interrupted = std::pin::pin!(interrupted());
        match futures_util::future::select(run, interrupted).await {
            Either::Left((outcome, _)) => Some(outcome),
            Either::Right(((), _)) => None,
        }
    });
    let Some(outcome) = outcome else {
        // Builds run in process groups of their own, which the terminal's signal does not
        // reach: they are stopped here, and their scratch directories removed.
        hashpin_build::stop_all();
        runtime.shutdown_background();
        return exit::interrupted();
    };
    // The answer is in: prefetches still in flight (and a DNS lookup they may be blocked in)
    // are abandoned rather than waited for, which could hold the exit for seconds.
    runtime.shutdown_background();
    exit::code(outcome)
}

async fn run(command: Command) -> anyhow::Result<ExitStatus> {
    match command {
        Command::Compile(mut args) => {
            commands::compile::hold_cooldown_to_lock(&mut args);
            commands::compile::run(&args).await
        }
        Command::Audit(args) => commands::audit::run(&args).await,
        Command::Inventory(args) => commands::inventory::run(&args).await,
        Command::Show(args) => commands::show::run(&args).await,
        Command::Check(args) => commands::check::run(&args).await,
        Command::Export(args) => commands::export::run(&args).await,
        Command::Diff(args) => commands::diff::run(&args),
        Command::Freeze(args) => commands::freeze::run(&args).await,
    }
}

/// Resolves on Ctrl-C, or SIGTERM on Unix.
async fn interrupted() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                let ctrl_c = std::pin::pin!(tokio::signal::ctrl_c());
                let terminate = std::pin::pin!(terminate.recv());
                let _ = futures_util::future::select(ctrl_c, terminate).await;
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

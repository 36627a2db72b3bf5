//! Exit codes and error printing: one cause per line, no Rust debug output.
//!
//! 0: success. 1: the answer is no (reserved for resolution and check failures).
//! 2: the command could not run (usage, input, network, I/O).

use std::process::ExitCode;

use clap::Parser as _;

use crate::cli::{Cli, Command};
use crate::{commands, logging, printer};

/// Resolves on Ctrl-C, or SIGTERM on Unix.
async fn interrupted() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = terminate.recv() => {}
                }
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

pub(crate) fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            // clap prints help and version to stdout with success, usage errors to stderr.
            let _ = error.print();
            return if error.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    logging::init(cli.global.verbose, cli.global.quiet);
    printer::set_quiet(cli.global.quiet);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            printer::error(&anyhow::Error::new(error).context("cannot start the async runtime"));
            return ExitCode::from(2);
        }
    };
    let outcome = runtime.block_on(async {
        let command = async {
            match cli.command {
                Command::Compile(args) => commands::compile::run(&args).await,
                Command::Show(args) => commands::show::run(&args).await,
                Command::Check(args) => commands::check::run(&args).await,
                Command::Export(args) => commands::export::run(&args).await,
                Command::Freeze(args) => commands::freeze::run(&args).await,
            }
        };
        tokio::select! {
            outcome = command => Some(outcome),
            () = interrupted() => None,
        }
    });
    let Some(outcome) = outcome else {
        // Builds run in process groups of their own, which the terminal's signal does not
        // reach: they are stopped here, and their scratch directories removed.
        hashpin_build::stop_all();
        printer::status("interrupted");
        runtime.shutdown_background();
        return ExitCode::from(130);
    };
    // The answer is in: prefetches still in flight (and a DNS lookup they may be blocked in)
    // are abandoned rather than waited for, which could hold the exit for seconds.
    runtime.shutdown_background();
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        // A reader that stopped reading (`| head`) got what it wanted, as ripgrep has it.
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            printer::error(&error);
            // 1: the answer is no (no set of versions works); 2: the command could not run.
            let is_no = error.chain().any(|cause| {
                cause.is::<Refusal>()
                    || matches!(
                        cause.downcast_ref::<hashpin_resolver::ResolveError>(),
                        Some(
                            hashpin_resolver::ResolveError::NoSolution { .. }
                                | hashpin_resolver::ResolveError::YankedPin { .. }
                        )
                    )
            }) || is_unpinnable(&error);
            ExitCode::from(if is_no { 1 } else { 2 })
        }
    }
}

/// The command ran and the answer is no: a check found problems, a lock is out of date. The
/// details are already printed; this is the one-line verdict, and exit code 1.
#[derive(Debug)]
pub(crate) struct Refusal(pub(crate) String);

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Refusal {}

/// stdout was closed by its reader.
fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        matches!(
            cause.downcast_ref::<printer::StdoutError>(),
            Some(printer::StdoutError::Closed)
        )
    })
}

/// `freeze` refused distributions the index cannot pin: the answer is no.
fn is_unpinnable(error: &anyhow::Error) -> bool {
    error
        .chain()
        .any(<dyn std::error::Error>::is::<commands::freeze::Unpinnable>)
}

/// A next step for errors whose fix is not obvious from the message.
pub(crate) fn hint(error: &anyhow::Error) -> Option<&'static str> {
    if is_unpinnable(error) {
        return Some(
            "leave them out with --exclude NAME, or reinstall them by name from the index",
        );
    }
    error.chain().find_map(|cause| {
        if let Some(hashpin_pypi::ConfigError::NoDefaultIndex { .. }) = cause.downcast_ref() {
            return Some(
                "set index-url in pip's configuration (pip config set global.index-url URL), or name an interpreter that has pip with --python",
            );
        }
        // The resolver shares one fetch error among its waiters, so in `compile` the index
        // client's error sits in the chain as an `Arc`.
        let index_error = cause.downcast_ref::<hashpin_pypi::Error>().or_else(|| {
            cause
                .downcast_ref::<std::sync::Arc<hashpin_pypi::Error>>()
                .map(AsRef::as_ref)
        })?;
        index_hint(index_error)
    })
}

fn index_hint(error: &hashpin_pypi::Error) -> Option<&'static str> {
    match error {
        hashpin_pypi::Error::Status {
            status: 401 | 403, ..
        } => Some(
            "the index refused the request: give credentials in the index URL (https://USER:PASSWORD@HOST/...) or in ~/.netrc",
        ),
        hashpin_pypi::Error::Offline { .. } => Some("run once without --offline to fill the cache"),
        hashpin_pypi::Error::TooLarge { .. } => Some(
            "if the index is right to serve that much, raise the limit with HASHPIN_MAX_PAGE_MB (pages) or HASHPIN_MAX_FILE_MB (files)",
        ),
        hashpin_pypi::Error::Certificate { .. } => Some(
            "if a proxy intercepts TLS, add its CA to the system's certificates, or name its bundle with pip's `cert` setting (PIP_CERT)",
        ),
        hashpin_pypi::Error::Request { .. } => {
            Some("check the network and the index URL (pip config list shows pip's configuration)")
        }
        _ => None,
    }
}

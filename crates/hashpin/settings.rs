//! Command-line flags, environment and pip configuration, resolved once into what a command
//! needs.

use anyhow::Context as _;
use hashpin_pypi::{
    Cache, CacheMode, ClientOptions, ConfigError, IndexClient, IndexConfig, IndexOptions,
    InterpreterInfo, PipEnvironment,
};

use crate::cli::{IndexArgs, IndexStrategy};

/// The index client, and the interpreter's answers when it could be asked.
pub(crate) struct IndexSettings {
    pub(crate) client: IndexClient,
    pub(crate) interpreter: Result<InterpreterInfo, ConfigError>,
}

/// The index options of the command line.
pub(crate) fn index_options(args: &IndexArgs) -> IndexOptions {
    IndexOptions {
        index_url: args.index_url.clone(),
        extra_index_urls: args.extra_index_url.clone(),
        find_links: args.find_links.clone(),
        no_index: args.no_index,
    }
}

/// Builds the index client that `options` (the command line's, possibly with a
/// requirements file's), `PIP_*` variables and pip configuration describe.
pub(crate) fn index_settings(
    args: &IndexArgs,
    options: &IndexOptions,
) -> anyhow::Result<IndexSettings> {
    let cache = if args.no_cache {
        None
    } else {
        args.cache_dir
            .clone()
            .or_else(Cache::default_root)
            .map(Cache::new)
    };
    // The interpreter is asked for its prefix (site pip.conf) and pip's default index; it may
    // be missing when flags name every index, so its failure only matters if its answer does.
    let interpreter = InterpreterInfo::query(&args.python, cache.as_ref());
    let site_prefix = interpreter.as_ref().ok().map(|info| info.prefix.clone());
    let config =
        IndexConfig::load(
            options,
            &PipEnvironment::from_process(site_prefix),
            || match &interpreter {
                Ok(info) => info.default_index(&args.python),
                Err(error) => Err(ConfigError::NoDefaultIndex {
                    python: args.python.clone(),
                    message: match error {
                        ConfigError::NoDefaultIndex { message, .. } => message.clone(),
                        other => other.to_string(),
                    },
                }),
            },
        )?;
    if config.index_url.is_none() && config.find_links.is_empty() {
        anyhow::bail!("--no-index leaves no place to find packages; add --find-links");
    }
    let cache_mode = if args.offline {
        CacheMode::Offline
    } else if args.refresh {
        CacheMode::Refresh
    } else {
        CacheMode::Normal
    };
    let client = IndexClient::new(
        config,
        ClientOptions {
            cache,
            cache_mode,
            index_strategy: match args.index_strategy {
                IndexStrategy::FirstIndex => hashpin_pypi::IndexStrategy::FirstIndex,
                IndexStrategy::UnsafeBestMatch => hashpin_pypi::IndexStrategy::UnsafeBestMatch,
            },
            ..ClientOptions::default()
        },
    )
    .context("cannot set up the index client")?;
    Ok(IndexSettings {
        client,
        interpreter,
    })
}

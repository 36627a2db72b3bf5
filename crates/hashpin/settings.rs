//! Command-line flags, environment and pip configuration, resolved once into what a command
//! needs.

use anyhow::Context as _;
use hashpin_pypi::{
    Cache, CacheMode, ClientOptions, ConfigError, IndexClient, IndexConfig, IndexOptions,
    InterpreterInfo, Limits, MIB, PipEnvironment,
};

use std::path::Path;
use std::str::FromStr as _;

use anyhow::bail;
use hashpin_formats::{BinaryFlag, RequirementsSet};
use hashpin_pypi::PackageName;
use hashpin_pypi::Version;
use hashpin_resolver::{
    BinaryPolicy, BuildPolicy, Platform, ProjectSet, TargetEnvironment, parse_python_version,
};
use std::collections::HashSet;

use crate::cli::{BuildArgs, IndexArgs, IndexStrategy, TargetArgs};

/// The index client, and the interpreter's answers when it could be asked.
pub(crate) struct IndexSettings {
    pub(crate) client: IndexClient,
    pub(crate) interpreter: Result<InterpreterInfo, ConfigError>,
}

/// The index options of the command line, and those of the requirements files read, which
/// count as if given on the command line (the command line's `--index-url` wins).
pub(crate) fn index_options(args: &IndexArgs, set: &RequirementsSet) -> IndexOptions {
    let mut options = IndexOptions {
        index_url: args.index_url.clone(),
        extra_index_urls: args.extra_index_url.clone(),
        find_links: args.find_links.clone(),
        no_index: args.no_index,
    };
    if options.index_url.is_none() {
        options.index_url = set.index_url.as_ref().map(|(url, _)| url.clone());
    }
    options
        .extra_index_urls
        .extend(set.extra_index_urls.iter().map(|(url, _)| url.clone()));
    options
        .find_links
        .extend(set.find_links.iter().map(|(url, _)| url.clone()));
    options.no_index |= set.no_index;
    options
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
            limits: limits()?,
            ..ClientOptions::default()
        },
    )
    .context("cannot set up the index client")?;
    Ok(IndexSettings {
        client,
        interpreter,
    })
}

/// The size limits on what is read from an index, from `HASHPIN_MAX_PAGE_MB` (index pages)
/// and `HASHPIN_MAX_FILE_MB` (whole files and what an sdist inflates to), for an index that
/// legitimately serves more than the defaults allow.
fn limits() -> anyhow::Result<Limits> {
    let mut limits = Limits::default();
    for (variable, slot) in [
        ("HASHPIN_MAX_PAGE_MB", &mut limits.page_bytes),
        ("HASHPIN_MAX_FILE_MB", &mut limits.file_bytes),
    ] {
        let Some(value) = std::env::var_os(variable) else {
            continue;
        };
        let megabytes = value
            .to_str()
            .and_then(|text| text.trim().parse::<u64>().ok())
            .filter(|megabytes| *megabytes > 0)
            .with_context(|| {
                format!(
                    "invalid {variable} `{}`: expected a whole number of MiB",
                    value.to_string_lossy()
                )
            })?;
        *slot = megabytes.saturating_mul(MIB);
    }
    Ok(limits)
}

/// `platform`, for the macOS version `MACOSX_DEPLOYMENT_TARGET` names (when it is a macOS
/// platform and the variable is set), as uv and pip's build tools read it.
pub(crate) fn macos_deployment_target(platform: Platform) -> anyhow::Result<Platform> {
    match std::env::var("MACOSX_DEPLOYMENT_TARGET") {
        Ok(version) if platform.is_macos() && !version.trim().is_empty() => platform
            .with_macos_version(&version)
            .context("invalid MACOSX_DEPLOYMENT_TARGET"),
        _ => Ok(platform),
    }
}

/// The target: the interpreter's, or the one the flags name.
pub(crate) fn target_environment(
    args: &TargetArgs,
    python: &Path,
    interpreter: Option<&InterpreterInfo>,
) -> anyhow::Result<TargetEnvironment> {
    let python_version = args
        .python_version
        .as_deref()
        .map(parse_python_version)
        .transpose()
        // The resolver's message names the value, not the flag it came from.
        .context("invalid --python-version")?;
    let target = match (&args.python_platform, interpreter, python_version) {
        (Some(platform), interpreter, version) => {
            let platform = macos_deployment_target(
                Platform::from_str(platform).context("invalid --python-platform")?,
            )?;
            let version = match (version, interpreter) {
                (Some(version), _) => version,
                (None, Some(info)) => info
                    .markers
                    .get("python_full_version")
                    .and_then(|text| Version::from_str(text).ok())
                    .context("the interpreter did not report its version")?,
                (None, None) => bail!(
                    "--python-platform needs a Python version: pass --python-version, or --python with an interpreter"
                ),
            };
            TargetEnvironment::for_platform(&version, &platform)?
        }
        (None, Some(info), Some(version)) => {
            TargetEnvironment::from_interpreter_with_python(info, &version)?
        }
        (None, Some(info), None) => TargetEnvironment::from_interpreter(info)?,
        (None, None, _) => bail!(
            "no Python interpreter at `{}` to lock for; pass --python PATH, or --python-version and --python-platform",
            python.display()
        ),
    };
    Ok(target)
}

/// pip's `--only-binary` and `--no-binary`, from the requirements files (first) and the
/// command line, applied in order as pip applies them: `:all:` clears both sets, `:none:`
/// clears its own, a name moves from the other set to this one.
pub(crate) fn binary_policy(
    args: &BuildArgs,
    set: &RequirementsSet,
) -> anyhow::Result<BinaryPolicy> {
    #[derive(Default)]
    struct Sets {
        all: bool,
        names: HashSet<PackageName>,
    }
    let (mut only, mut no) = (Sets::default(), Sets::default());
    let values = set
        .binary_options
        .iter()
        .map(|(flag, value, _)| (*flag == BinaryFlag::OnlyBinary, value.as_str()))
        .chain(args.only_binary.iter().map(|value| (true, value.as_str())))
        .chain(args.no_binary.iter().map(|value| (false, value.as_str())));
    for (is_only, value) in values {
        let flag = if is_only {
            "--only-binary"
        } else {
            "--no-binary"
        };
        let (target, other) = if is_only {
            (&mut only, &mut no)
        } else {
            (&mut no, &mut only)
        };
        for item in value
            .split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
        {
            match item {
                ":all:" => {
                    *other = Sets::default();
                    *target = Sets::default();
                    target.all = true;
                }
                ":none:" => *target = Sets::default(),
                name => {
                    let name = PackageName::from_str(name).map_err(|_| {
                        anyhow::anyhow!(
                            "invalid {flag} `{item}`: expected :all:, :none: or project names"
                        )
                    })?;
                    other.names.remove(&name);
                    target.names.insert(name);
                }
            }
        }
    }
    let project_set = |sets: Sets| {
        if sets.all {
            // pip keeps names beside :all: only when given after it; they rule as names.
            ProjectSet::All
        } else if sets.names.is_empty() {
            ProjectSet::None
        } else {
            ProjectSet::Some(sets.names)
        }
    };
    Ok(BinaryPolicy {
        only_binary: project_set(only),
        no_binary: project_set(no),
    })
}

/// Which sdists may be built, and the builder that builds them with `python` through `client`.
pub(crate) fn build_policy(
    args: &BuildArgs,
    client: &IndexClient,
    python: &Path,
    exclude_newer: Option<hashpin_pypi::Timestamp>,
) -> anyhow::Result<(BuildPolicy, hashpin_build::Builder)> {
    let mut no_build_packages = HashSet::new();
    for text in &args.no_build_package {
        no_build_packages.insert(
            PackageName::from_str(text)
                .map_err(|_| anyhow::anyhow!("invalid --no-build-package `{text}`"))?,
        );
    }
    let jobs = std::thread::available_parallelism().map_or(2, |n| n.get().min(4));
    let builder = hashpin_build::Builder::new(
        client.clone(),
        hashpin_build::BuilderOptions {
            python: python.to_path_buf(),
            timeout: std::time::Duration::from_secs(args.build_timeout.max(1)),
            jobs,
            exclude_newer,
        },
    );
    let policy = BuildPolicy {
        builder: Some(std::sync::Arc::new(builder.clone())),
        no_build: args.no_build,
        no_build_packages,
    };
    Ok((policy, builder))
}

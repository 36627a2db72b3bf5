//! `compile --write-build-constraints FILE`: the build requirements of every sdist the lock
//! would build at install time, resolved together for the lock's target and pinned with
//! hashes, as a constraints file for the installer's build environments.
//!
//! pip's hash-checking mode covers what the lock installs, not what pip installs to build an
//! sdist (pip #13984); this file closes that gap where the installer enforces it (see
//! docs/builds.md: uv verifies its hashes, pip pins the versions).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use anyhow::{Context as _, bail};
use hashpin_formats::{Header, Lock, Package, requirements_txt};
use hashpin_pypi::{DistFilename, IndexClient, PackageName, Requirement};
use hashpin_resolver::{
    BinaryPolicy, Manifest, ProjectSet, Resolution, ResolverOptions, TargetEnvironment,
};

use crate::exit::No;

/// The build constraints `--write-build-constraints` asks for, with where to write them.
pub(crate) async fn for_args(
    args: &crate::cli::CompileArgs,
    set: &hashpin_formats::RequirementsSet,
    lock: &Lock,
    (resolution, target, options): (&Resolution, &TargetEnvironment, &ResolverOptions),
    builder: &hashpin_build::Builder,
    client: &IndexClient,
) -> anyhow::Result<Result<Option<(PathBuf, Lock)>, No>> {
    let Some(path) = &args.write_build_constraints else {
        return Ok(Ok(None));
    };
    crate::output::refuse_input_as_output(path, &set.files)?;
    if args.output_file.as_ref() == Some(path) {
        bail!("--write-build-constraints names the output file; give it a file of its own");
    }
    let command = lock
        .header
        .as_ref()
        .map_or_else(String::new, |header| header.command.clone());
    let constraints =
        build_constraints(resolution, target, builder, client, options, command).await?;
    Ok(constraints.map(|constraints| constraints.map(|constraints| (path.clone(), constraints))))
}

/// Writes (or, with `--dry-run`, prints) what [`for_args`] made, and says so.
pub(crate) fn write(
    args: &crate::cli::CompileArgs,
    constraints: Option<(PathBuf, Lock)>,
) -> anyhow::Result<()> {
    match constraints {
        Some((path, constraints)) if !args.dry_run => {
            crate::output::write_atomically(&path, &render(&constraints, args))?;
            crate::printer::status(&format!(
                "Wrote the build requirements of the lock's sdists to {}",
                path.display()
            ));
        }
        Some((_, constraints)) => {
            crate::printer::data(render(&constraints, args).trim_end())?;
        }
        None if args.write_build_constraints.is_some() => crate::printer::status(
            "The lock installs from wheels only on its target: no build constraints to write",
        ),
        None => {}
    }
    Ok(())
}

/// The lock of what building the lock's sdists needs, or `None` when the lock installs
/// from wheels only on `target`.
async fn build_constraints(
    resolution: &Resolution,
    target: &TargetEnvironment,
    builder: &hashpin_build::Builder,
    client: &IndexClient,
    options: &ResolverOptions,
    command: String,
) -> anyhow::Result<Result<Option<Lock>, No>> {
    // What the target installs from an sdist: the releases without a wheel it can use.
    let built: Vec<_> = resolution
        .packages
        .values()
        .filter(|package| !super::compile::is_local(package))
        .filter_map(|package| {
            let has_wheel = package.files.iter().any(|file| {
                matches!(file.parsed, DistFilename::Wheel(_)) && target.can_install(file)
            });
            let sdist = package
                .files
                .iter()
                .find(|file| matches!(file.parsed, DistFilename::Sdist(_)));
            (!has_wheel).then_some(sdist).flatten()
        })
        .collect();
    if built.is_empty() {
        return Ok(Ok(None));
    }
    let mut requirements: Vec<Requirement> = Vec::new();
    let mut needed_by: BTreeMap<PackageName, BTreeSet<String>> = BTreeMap::new();
    for sdist in &built {
        let release = format!("{}=={}", sdist.parsed.name(), sdist.version());
        let wanted = builder
            .build_requirements(sdist)
            .await
            .with_context(|| format!("cannot find what building `{release}` requires"))?;
        for requirement in wanted {
            needed_by
                .entry(requirement.name.clone())
                .or_default()
                .insert(format!("build of {release}"));
            requirements.push(requirement);
        }
    }
    // One environment's worth of versions for all builds: a constraints file pins each
    // project once. Wheels only, as hashpin's own build environments are made.
    let manifest = Manifest {
        requirements,
        ..Manifest::default()
    };
    let build_options = ResolverOptions {
        exclude_newer: options.exclude_newer,
        binary: BinaryPolicy {
            only_binary: ProjectSet::All,
            no_binary: ProjectSet::None,
        },
        ..ResolverOptions::default()
    };
    let context = "cannot resolve the build requirements of the lock's sdists together";
    let resolved =
        match hashpin_resolver::resolve(&manifest, &build_options, target, client.clone()).await {
            Ok(resolved) => resolved,
            Err(error) if error.is_answer_no() => {
                return Ok(Err(No::new(anyhow::Error::new(error).context(context))));
            }
            Err(error) => return Err(anyhow::Error::new(error).context(context)),
        };
    let packages = resolved
        .packages
        .values()
        .map(|package| {
            let mut via: BTreeSet<String> =
                needed_by.get(&package.name).cloned().unwrap_or_default();
            via.extend(
                package
                    .required_by
                    .iter()
                    .filter_map(|edge| match &edge.from {
                        hashpin_resolver::Requester::Project(name) => Some(name.to_string()),
                        hashpin_resolver::Requester::Root => None,
                    }),
            );
            // Wheels only, from the index, each with a digest (the resolver took no others).
            let mut locked = Package::new(
                package.name.clone(),
                package.version.clone(),
                crate::lockfile::locked_files(&package.files, &mut Vec::new()),
            );
            locked.via = via.into_iter().collect();
            locked
        })
        .collect();
    Ok(Ok(Some(Lock {
        header: Some(Header {
            command,
            notes: vec![format!(
                "build constraints: what building the lock's {} needs; pass it as `uv pip install --build-constraints` or `pip install --build-constraint` (hashpin's docs/builds.md says what each enforces)",
                if built.len() == 1 {
                    "sdist".to_string()
                } else {
                    format!("{} sdists", built.len())
                }
            )],
        }),
        cutoff: options.exclude_newer,
        target: crate::lockfile::lock_target(target),
        packages,
        ..Lock::default()
    })))
}

/// Build constraints are a requirements file whatever the lock's format: pip's
/// `--build-constraint` and uv's `--build-constraints` read no other.
fn render(constraints: &Lock, args: &crate::cli::CompileArgs) -> String {
    requirements_txt::write(
        constraints,
        requirements_txt::WriteOptions {
            annotate: !args.no_annotate,
        },
    )
}

//! `hashpin compile`: requirements in, a hash-pinned lockfile out.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context as _, bail};
use hashpin_formats::{
    Header, IndexOption, Input, LocalProject, Lock, LockFormat, Package, PyProject,
    PyProjectSelection, RequirementsSet, Source, Yank,
};
use hashpin_pypi::{
    CacheMode, DistFile, HashDigest, IndexClient, PackageName, Requirement, Timestamp,
    UntrustedText, Version,
};
use hashpin_resolver::{
    Manifest, PrereleaseMode, Requester, Resolution, ResolveError, ResolvedPackage,
    ResolverOptions, TargetEnvironment, Upgrade,
};

use crate::cli::CompileArgs;
use crate::exit::{ExitStatus, No};
use crate::output::display_path;
use crate::printer;
use crate::reporter::Progress;
use crate::settings::{IndexSettings, index_options, index_settings, target_environment};

pub(crate) async fn run(args: &CompileArgs) -> anyhow::Result<ExitStatus> {
    let started = Instant::now();
    let Inputs {
        sources,
        mut set,
        mut via_names,
        builds,
        locals,
    } = read_inputs(args)?;
    // Read beside the interpreter's and the index's settings: a large lock takes milliseconds,
    // a good part of a run from the cache.
    let previous = args
        .output_file
        .clone()
        .map(|path| tokio::task::spawn_blocking(move || existing_lock(&path)));

    let options = index_options(&args.index, &set);
    let IndexSettings {
        client,
        interpreter,
    } = index_settings(&args.index, &options)?;
    let target = target_environment(&args.target, &args.index.python, interpreter.as_ref().ok())?;

    let previous = match previous {
        Some(reading) => joined(reading).await,
        None => Vec::new(),
    };
    let (build_policy, builder) = crate::settings::build_policy(
        &args.build,
        &client,
        &args.index.python,
        exclude_newer(args),
    )?;
    let _clean_up = super::CleanUp(&builder);
    let built =
        built_requirements(&builds, &build_policy, &builder, (&mut set, &mut via_names)).await?;
    let (mut manifest, mut resolver_options) = manifest(args, &set, &previous)?;
    manifest.local = local_candidates(
        &locals,
        built,
        &builder,
        build_policy.builder_for_local().is_ok(),
    )
    .await?;
    manifest.direct = direct_files(&set, &client, &builder, &build_policy).await?;
    resolver_options.build = build_policy;
    let (resolution, hooks) = match resolve_and_scan(
        args,
        (&manifest, &previous),
        &resolver_options,
        &target,
        &client,
    )
    .await?
    {
        Ok(scanned) => scanned,
        Err(no) => return Ok(no.into()),
    };
    let reuploaded = refuse_reuploads(args, &previous, &resolution)?;
    note_undated_find_links(&resolution, &resolver_options);
    let mut lock = lock(
        args,
        &sources,
        &set,
        &via_names,
        (&resolution, &resolver_options, &target),
        client.config(),
    )?;
    hooks.record(&mut lock);
    attest(args, &client, &resolution, &mut lock).await;
    let text = lock_text(args, &lock);
    if args.check {
        return check_up_to_date(args, &sources, (&lock, &text), reuploaded.err());
    }
    if let Err(no) = reuploaded {
        return Ok(no.into());
    }
    let build_constraints = match super::build_constraints::for_args(
        args,
        &set,
        &lock,
        (&resolution, &target, &resolver_options),
        &builder,
        &client,
    )
    .await?
    {
        Ok(constraints) => constraints,
        Err(no) => return Ok(no.into()),
    };
    if let Some(failed) = audit(args, &lock, &client).await? {
        return Ok(failed);
    }
    write_lock(args, &text)?;
    super::build_constraints::write(args, build_constraints)?;
    printer::status(&super::with_builds(
        super::summary("Locked", &lock, started),
        &builder,
    ));
    // The process ends next: freeing what the run read (pages, metadata, candidates) one
    // allocation at a time would only make it end later.
    std::mem::forget((client, resolution, lock, previous, manifest));
    Ok(ExitStatus::Success)
}

/// The requirements of local projects that only a build tells, added to `set`; none when
/// there is nothing to build.
async fn built_requirements(
    builds: &[LocalBuild],
    policy: &hashpin_resolver::BuildPolicy,
    builder: &hashpin_build::Builder,
    (set, via_names): (&mut RequirementsSet, &mut HashMap<PathBuf, String>),
) -> anyhow::Result<Vec<(PathBuf, hashpin_pypi::CoreMetadata)>> {
    if builds.is_empty() {
        return Ok(Vec::new());
    }
    if let Err(refusal) = policy.builder_for_local() {
        bail!(
            "{} can only be locked by building it, and {refusal}",
            builds[0].written
        );
    }
    add_built_requirements(builds, builder, set, via_names).await
}

/// A cooldown note's words between the duration and the instant (the reader of a lock's
/// header looks for them).
const COOLDOWN_NOTE: &str = hashpin_formats::requirements_txt::COOLDOWN_NOTE;

/// `--check` with a cooldown compares with the lock as it was made: the cutoff is the
/// existing lock's instant when its command has the same duration, not the one of today
/// (which would move every day and fail the check for files nobody asked for).
pub(crate) fn hold_cooldown_to_lock(args: &mut CompileArgs) {
    let (true, Some(cutoff), Some(path)) = (args.check, &mut args.exclude_newer, &args.output_file)
    else {
        return;
    };
    if cutoff.span.is_none() {
        return;
    }
    let Ok(read) = crate::lockfile::read(path, args.format.map(Into::into)) else {
        return;
    };
    let same_span = read.lock.header.as_ref().is_some_and(|header| {
        header
            .command
            .split_whitespace()
            .any(|word| word == format!("--exclude-newer={}", cutoff.text))
    });
    if let (true, Some(at)) = (same_span, read.lock.cutoff) {
        cutoff.at = at;
    }
}

/// The resolution, its wheels scanned for startup hooks as it goes (each release the resolver
/// reads starts the scans of its wheels), then gated; or the answer no.
async fn resolve_and_scan(
    args: &CompileArgs,
    (manifest, previous): (&Manifest, &[PreviousPin]),
    options: &ResolverOptions,
    target: &TargetEnvironment,
    client: &IndexClient,
) -> anyhow::Result<Result<(Resolution, crate::startup_hooks::Scan), No>> {
    let scanner = crate::startup_hooks::Scanner::new(client);
    let resolution = match resolve(manifest, options, target, client, &scanner).await? {
        Ok(resolution) => resolution,
        Err(no) => return Ok(Err(No::new(no))),
    };
    Ok(gate(args, &scanner, &resolution, previous)
        .await?
        .map(|scan| (resolution, scan)))
}

/// The startup-hook gate over every wheel of every pinned version: a hook that runs code and
/// is neither known nor acknowledged is a refusal, before anything is written.
async fn gate(
    args: &CompileArgs,
    scanner: &Arc<crate::startup_hooks::Scanner>,
    resolution: &Resolution,
    previous: &[PreviousPin],
) -> anyhow::Result<Result<crate::startup_hooks::Scan, No>> {
    let releases = resolution
        .packages
        .values()
        .map(|package| crate::startup_hooks::Release {
            name: package.name.clone(),
            version: package.version.clone(),
            files: crate::lockfile::pinned_files(&package.files)
                .into_iter()
                .cloned()
                .collect(),
        })
        .collect();
    let scan = scanner.scan(releases).await?;
    let allowances = &args.gate.allow_startup_hook;
    let refused = scan.refused(allowances);
    let unreadable = scan.refused_unreadable(allowances);
    // Known hooks are held to the existing lock's: only the projects that have one and
    // moved to another version are looked up again.
    let hooked: HashMap<PackageName, Version> = scan
        .hooks
        .iter()
        .filter(|found| found.hook.class == hashpin_pypi::HookClass::Executable)
        .map(|found| (found.name.clone(), found.version.clone()))
        .collect();
    let before = previous
        .iter()
        .filter(|pin| hooked.contains_key(&pin.name))
        .map(|pin| crate::startup_hooks::PreviousRelease {
            name: pin.name.clone(),
            version: pin.version.clone(),
            hashes: pin.hashes.clone(),
        })
        .collect();
    let before = scanner.previous(before, &hooked).await;
    let changes = scan.changed(&before, allowances);
    if !refused.is_empty() || !unreadable.is_empty() || !changes.is_empty() {
        return Ok(Err(No::because(crate::startup_hooks::refusal(
            &refused,
            &changes,
            &unreadable,
        ))));
    }
    if let Some(summary) = scan.summary(allowances) {
        printer::status(&summary);
    }
    Ok(Ok(scan))
}

/// The publishers of every pinned file, for a pylock (the format that holds them).
async fn attest(
    args: &CompileArgs,
    client: &IndexClient,
    resolution: &Resolution,
    lock: &mut Lock,
) {
    if output_format(args) != LockFormat::Pylock {
        return;
    }
    let files = resolution
        .packages
        .values()
        .map(|package| {
            let pinned = crate::lockfile::pinned_files(&package.files);
            (package.name.clone(), pinned.into_iter().cloned().collect())
        })
        .collect();
    crate::lockfile::attest(client, lock, files).await;
}

/// `--audit`: the new lock's known vulnerabilities, before it is written; the outcome when
/// it fails, and the lock is not written.
async fn audit(
    args: &CompileArgs,
    lock: &Lock,
    client: &IndexClient,
) -> anyhow::Result<Option<ExitStatus>> {
    if !args.audit {
        return Ok(None);
    }
    let audited = super::audit::gate(
        lock,
        args.output_file.as_deref(),
        &args.vulnerabilities,
        &args.index,
        client,
    )
    .await?;
    if matches!(audited, ExitStatus::Success) {
        return Ok(None);
    }
    printer::status(&match &args.output_file {
        Some(path) if !args.dry_run && path.exists() => format!(
            "The lock was not written: {} is as it was.",
            crate::output::display_path(path)
        ),
        Some(path) if !args.dry_run => format!(
            "The lock was not written: {} was not created.",
            crate::output::display_path(path)
        ),
        _ => "The lock was not printed.".to_string(),
    });
    Ok(Some(audited))
}

/// Writes the lock to the output file, or with `--dry-run` or no output file prints it.
fn write_lock(args: &CompileArgs, text: &str) -> anyhow::Result<()> {
    match &args.output_file {
        Some(path) if !args.dry_run => crate::output::write_atomically(path, text)?,
        // An empty lock (no requirements, no header) prints nothing, not an empty line.
        _ if text.is_empty() => {}
        _ => printer::data(text.trim_end_matches('\n'))?,
    }
    Ok(())
}

/// The pins of the existing output, read on a blocking thread.
async fn joined(reading: tokio::task::JoinHandle<Vec<PreviousPin>>) -> Vec<PreviousPin> {
    match reading.await {
        Ok(previous) => previous,
        // A panic in the reader is its own to report; a cancelled read has no pins.
        Err(error) => match error.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(_) => Vec::new(),
        },
    }
}

/// The lock in the format `--format` or the output's name asks for.
fn lock_text(args: &CompileArgs, lock: &Lock) -> String {
    crate::lockfile::render(lock, output_format(args), !args.no_annotate)
}

fn output_format(args: &CompileArgs) -> LockFormat {
    crate::lockfile::output_format(args.format.map(Into::into), args.output_file.as_deref())
}

/// `--check`: compares the lock this run would write with the output file, and writes
/// nothing. A difference is printed as a unified diff on stderr, and exits 1; when files were
/// uploaded again (`reuploaded`), that is the verdict after the diff.
fn check_up_to_date(
    args: &CompileArgs,
    sources: &[PathBuf],
    (lock, text): (&Lock, &str),
    reuploaded: Option<No>,
) -> anyhow::Result<ExitStatus> {
    let Some(path) = &args.output_file else {
        bail!("--check compares with the output file: pass -o FILE");
    };
    let shown = display_path(path);
    let inputs = sources
        .iter()
        .map(|source| display_path(source))
        .collect::<Vec<_>>()
        .join(", ");
    let existing = match crate::output::read_existing_lock(path) {
        Ok(Some(existing)) => existing,
        Ok(None) => {
            return Ok(No::because(format!(
                "{shown} does not exist; run the command without --check to create it"
            ))
            .into());
        }
        Err(error) => return Err(error.context(format!("cannot read {shown}"))),
    };
    if existing == text {
        printer::status(&format!("{shown} is up to date with {inputs}"));
        return Ok(ExitStatus::Success);
    }
    let diff = similar::TextDiff::from_lines(existing.as_str(), text)
        .unified_diff()
        .context_radius(3)
        .header(&shown, &format!("{shown} (from {inputs})"))
        .to_string();
    printer::log_line(diff.trim_end_matches('\n'));
    // What a reviewer needs first: which packages change, riskiest first.
    if let Ok(read) = crate::lockfile::read(path, Some(output_format(args)))
        && let Some(review) = super::diff::review(&read.lock, lock)
    {
        printer::log_line(review.trim_end_matches('\n'));
    }
    Ok(reuploaded
        .unwrap_or_else(|| {
            No::because(format!(
                "{shown} is out of date with {inputs}; run the command without --check to update it"
            ))
        })
        .into())
}

/// What the inputs say: their paths (for the header), every requirement and constraint, and
/// `# via` names for requirements that came from a pyproject.toml.
struct Inputs {
    sources: Vec<PathBuf>,
    set: RequirementsSet,
    via_names: HashMap<PathBuf, String>,
    /// Local projects whose dependencies only a build tells.
    builds: Vec<LocalBuild>,
    /// Local projects whose dependencies were read statically.
    locals: Vec<StaticLocal>,
}

/// A local project to build for its dependencies: its directory, the file that names it (for
/// messages and `# via`), and the extras asked for.
struct LocalBuild {
    dir: PathBuf,
    file: PathBuf,
    extras: Extras,
    /// How the input wrote it (`-e .[dev]`, `setup.py`), with where.
    written: String,
}

/// Which extras of a built project to lock.
enum Extras {
    Some(Vec<String>),
    All,
}

impl LocalBuild {
    /// The project of a setup.py, setup.cfg or pyproject.toml given as input, with the
    /// extras the command line selects.
    fn input(source: &Path, selection: &PyProjectSelection) -> Self {
        Self {
            dir: parent_dir(source),
            file: source.to_path_buf(),
            extras: if selection.all_extras {
                Extras::All
            } else {
                Extras::Some(selection.extras.clone())
            },
            written: display_path(source),
        }
    }

    /// The project's requirements with the extras asked for, as entries of its file.
    fn requirements(
        &self,
        metadata: &hashpin_pypi::CoreMetadata,
    ) -> anyhow::Result<Vec<hashpin_formats::Entry>> {
        let extras: Vec<hashpin_pypi::ExtraName> = match &self.extras {
            Extras::All => metadata.provides_extra.clone(),
            Extras::Some(names) => names
                .iter()
                .map(|name| {
                    hashpin_pypi::ExtraName::from_str(name)
                        .ok()
                        .filter(|extra| metadata.provides_extra.contains(extra))
                        .with_context(|| {
                            let known: Vec<String> = metadata
                                .provides_extra
                                .iter()
                                .map(ToString::to_string)
                                .collect();
                            format!(
                                "{}: the local project has no extra `{name}` (it has: {})",
                                self.written,
                                if known.is_empty() {
                                    "none".to_string()
                                } else {
                                    known.join(", ")
                                }
                            )
                        })
                })
                .collect::<anyhow::Result<_>>()?,
        };
        Ok(metadata
            .requires_dist
            .iter()
            .filter_map(|requirement| {
                // Unconditional, or for an extra asked for: what is left of the marker after
                // the extras asked for are taken as true names no other extra.
                let mut requirement = requirement.clone();
                requirement.marker = requirement.marker.simplify_extras(&extras);
                (!marker_names_extra(&requirement.marker)).then_some(requirement)
            })
            .map(|requirement| hashpin_formats::Entry {
                text: requirement.to_string(),
                requirement,
                hashes: Vec::new(),
                location: hashpin_formats::Location {
                    file: self.file.clone(),
                    line: 1,
                },
            })
            .collect())
    }
}

/// Whether a marker depends on `extra` at all.
pub(crate) fn marker_names_extra(marker: &pep508_rs::MarkerTree) -> bool {
    marker.contents().is_some_and(|contents| {
        let text = contents.to_string();
        text.contains("extra ==") || text.contains("extra !=")
    })
}

/// The directory a project file is in (`.` for a bare file name).
fn parent_dir(file: &Path) -> PathBuf {
    match file.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// What a local project (`-e .[extras]`, `./path`) depends on: the static `[project]` table
/// of its `pyproject.toml`, or else a build of it.
fn local_project(local: &LocalProject) -> anyhow::Result<Result<PyProject, LocalBuild>> {
    let place = format!(
        "{}:{}",
        display_path(&local.location.file),
        local.location.line
    );
    let build = |file: PathBuf| LocalBuild {
        dir: local.path.clone(),
        file,
        extras: Extras::Some(local.extras.clone()),
        written: format!("{place}: `{}`", local.written),
    };
    let pyproject = local.path.join("pyproject.toml");
    if !pyproject.is_file() {
        for name in ["setup.py", "setup.cfg"] {
            if local.path.join(name).is_file() {
                return Ok(Err(build(local.path.join(name))));
            }
        }
        let why = if local.path.is_dir() {
            "there is no pyproject.toml, setup.py or setup.cfg there"
        } else {
            "there is no such directory"
        };
        bail!(
            "{place}: cannot lock the dependencies of the local project `{}`: {why}",
            local.written
        );
    }
    let selection = PyProjectSelection {
        extras: local.extras.clone(),
        ..PyProjectSelection::default()
    };
    let read = PyProject::read(&pyproject, &selection).with_context(|| {
        format!(
            "{place}: cannot lock the dependencies of the local project `{}`",
            local.written
        )
    });
    let read = read?;
    if read.needs_build {
        refuse_projectless(&read, &pyproject)?;
        return Ok(Err(build(pyproject)));
    }
    Ok(Ok(read))
}

/// A pyproject.toml without `[project]` is built (a poetry project keeps its dependencies
/// elsewhere, a setuptools one in setup.py), unless it names no backend and has no setup.py
/// or setup.cfg beside it: then there is nothing to build.
fn refuse_projectless(read: &PyProject, pyproject: &Path) -> anyhow::Result<()> {
    let dir = parent_dir(pyproject);
    if read.name.is_none()
        && !read.has_backend
        && !dir.join("setup.py").is_file()
        && !dir.join("setup.cfg").is_file()
    {
        bail!(
            "{}: there is nothing to lock: no [project] table, no [build-system] backend, and no setup.py or setup.cfg beside it",
            display_path(pyproject)
        );
    }
    Ok(())
}

/// What a lock says of the local projects whose dependencies it holds: pip's hash-checking
/// mode refuses the projects themselves, so they are installed after it.
/// Paths in them are relative to the lock's directory, where the lock is installed from.
fn local_project_notes(set: &RequirementsSet, output: Option<&Path>) -> Vec<String> {
    let base = output
        .and_then(|output| std::path::absolute(output).ok())
        .and_then(|output| output.parent().map(Path::to_path_buf));
    set.local_projects
        .iter()
        .map(|local| {
            let path = match &base {
                Some(base) => std::path::absolute(&local.path)
                    .map_or_else(|_| relative_path(&local.path), |path| relative_to(&path, base)),
                None => relative_path(&local.path),
            };
            // Quoted where a shell would read the brackets of extras as a pattern.
            let target = if local.extras.is_empty() {
                path.clone()
            } else {
                format!("'{path}[{}]'", local.extras.join(","))
            };
            format!(
                "the local project {path} is not in this file (pip's hash-checking mode refuses it): after installing this file, run `pip install --no-deps {}{target}`",
                if local.editable { "-e " } else { "" }
            )
        })
        .collect()
}

/// Reads the inputs, following `-r` and `-c`, and refuses an output file that is one of them.
fn read_inputs(args: &CompileArgs) -> anyhow::Result<Inputs> {
    let sources = if args.src_files.is_empty() {
        // pip-compile's defaults, in its order.
        let default = ["requirements.in", "pyproject.toml"]
            .into_iter()
            .map(PathBuf::from)
            .find(|path| path.exists())
            .context("no requirements.in or pyproject.toml here; name the files to lock")?;
        vec![default]
    } else {
        args.src_files.clone()
    };
    let selection = PyProjectSelection {
        extras: args.extra.clone(),
        all_extras: args.all_extras,
        groups: args.group.clone(),
    };
    let mut inputs = Vec::new();
    let mut pyprojects = Vec::new();
    let mut pyproject_paths = Vec::new();
    let mut builds = Vec::new();
    for source in &sources {
        if source
            .file_name()
            .is_some_and(|name| name == "pyproject.toml")
        {
            let read = PyProject::read(source, &selection)?;
            if read.needs_build {
                refuse_projectless(&read, source)?;
                builds.push(LocalBuild::input(source, &selection));
            }
            pyprojects.push(read);
            pyproject_paths.push(source.clone());
        } else if source
            .file_name()
            .is_some_and(|name| name == "setup.py" || name == "setup.cfg")
        {
            // A setuptools project: its dependencies are what building it says.
            if !source.is_file() {
                bail!("{} does not exist", display_path(source));
            }
            builds.push(LocalBuild::input(source, &selection));
            pyproject_paths.push(source.clone());
        } else if source == Path::new("-") {
            let text = crate::output::read_stdin()?;
            inputs.push(Input::Text {
                name: "-".into(),
                text,
            });
        } else {
            inputs.push(Input::Path(source.clone()));
        }
    }
    let variable = |name: &str| std::env::var(name).ok();
    let mut set = RequirementsSet::read(&inputs, variable)?;
    set.files.extend(pyproject_paths);
    if pyprojects.is_empty()
        && builds.is_empty()
        && (!selection.extras.is_empty() || selection.all_extras || !selection.groups.is_empty())
    {
        bail!(
            "--extra, --all-extras and --group select from a pyproject.toml; none is among the inputs"
        );
    }
    // A local project's dependencies are locked from its static [project]; the project
    // itself is not (see `local_project_notes`).
    let mut locals = Vec::new();
    for local in &set.local_projects {
        match local_project(local)? {
            Ok(read) => {
                locals.push(StaticLocal::of(local, &read));
                pyprojects.push(read);
            }
            Err(build) => builds.push(build),
        }
    }
    // pip-compile names a pyproject's requirements `name (pyproject.toml)` in `# via`.
    let mut via_names = HashMap::new();
    for pyproject in pyprojects {
        for entry in pyproject.requirements {
            if let Some(name) = &pyproject.name {
                via_names.insert(
                    entry.location.file.clone(),
                    format!("{name} ({})", display_path(&entry.location.file)),
                );
            }
            set.requirements.push(entry);
        }
    }
    if !args.constraint.is_empty() {
        let constraints: Vec<Input> = args.constraint.iter().cloned().map(Input::Path).collect();
        let read = RequirementsSet::read(&constraints, variable)?;
        set.files.extend(read.files);
        set.constraints
            .extend(read.requirements.into_iter().chain(read.constraints));
    }
    if let Some(output) = &args.output_file {
        crate::output::refuse_input_as_output(output, &set.files)?;
    }
    Ok(Inputs {
        sources,
        set,
        via_names,
        builds,
        locals,
    })
}

/// A local project read statically: what a stand-in for it needs.
struct StaticLocal {
    dir: PathBuf,
    name: Option<String>,
    version: Option<String>,
    requirements: Vec<Requirement>,
}

impl StaticLocal {
    fn of(local: &LocalProject, read: &PyProject) -> Self {
        Self {
            dir: local.path.clone(),
            name: read.name.clone(),
            version: read.version.clone(),
            requirements: read
                .requirements
                .iter()
                .map(|entry| entry.requirement.clone())
                .collect(),
        }
    }
}

/// The local projects as the resolver's only candidates for their names, so that a package
/// requiring one gets it, never a same-named project from an index (dependency confusion).
/// A project read statically without a static version is built for it, where builds may run.
async fn local_candidates(
    locals: &[StaticLocal],
    built: Vec<(PathBuf, hashpin_pypi::CoreMetadata)>,
    builder: &hashpin_build::Builder,
    builds_allowed: bool,
) -> anyhow::Result<Vec<(DistFile, hashpin_pypi::CoreMetadata)>> {
    let mut candidates = Vec::new();
    for (dir, metadata) in built {
        candidates.push((local_file(&dir, &metadata)?, metadata));
    }
    for local in locals {
        let Some(name) = &local.name else { continue };
        let metadata = match &local.version {
            Some(version) => {
                let mut text = format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n");
                for requirement in &local.requirements {
                    let _ = writeln!(text, "Requires-Dist: {requirement}");
                }
                match hashpin_pypi::CoreMetadata::parse(text.as_bytes()) {
                    Ok(metadata) => metadata,
                    Err(error) => {
                        log::debug!("not standing in for {name}: {error}");
                        continue;
                    }
                }
            }
            None if builds_allowed => {
                builder.local_project(&local.dir).await.with_context(|| {
                    format!(
                        "cannot build the local project {} for its version",
                        display_path(&local.dir)
                    )
                })?
            }
            None => continue,
        };
        candidates.push((local_file(&local.dir, &metadata)?, metadata));
    }
    Ok(candidates)
}

/// A stand-in file for the local project at `dir`: never fetched, never locked.
fn local_file(dir: &Path, metadata: &hashpin_pypi::CoreMetadata) -> anyhow::Result<DistFile> {
    let filename = format!(
        "{}-{}.tar.gz",
        metadata.name.as_ref().replace('-', "_"),
        metadata.version
    );
    let parsed = hashpin_pypi::DistFilename::parse(&filename, Some(&metadata.name))
        .map_err(|error| anyhow::anyhow!("the local project {filename}: {error}"))?;
    let absolute = std::path::absolute(dir)?;
    let url = url::Url::from_directory_path(&absolute)
        .map_err(|()| anyhow::anyhow!("{} is not a local path", absolute.display()))?;
    Ok(DistFile {
        filename,
        parsed,
        url: url.into(),
        hashes: Vec::new(),
        requires_python: None,
        yanked: hashpin_pypi::Yanked::No,
        core_metadata: hashpin_pypi::MetadataAvailability::NotAdvertised,
        size: None,
        upload_time: None,
        provenance: None,
        origin: hashpin_pypi::FileOrigin::Local,
    })
}

/// Downloads and hashes the archives that requirements name by URL, all at once; a source
/// archive whose name does not tell its version (a forge's archive of a commit) is built to
/// learn it.
async fn direct_files(
    set: &RequirementsSet,
    client: &IndexClient,
    builder: &hashpin_build::Builder,
    builds: &hashpin_resolver::BuildPolicy,
) -> anyhow::Result<Vec<DistFile>> {
    let mut downloads = tokio::task::JoinSet::new();
    for entry in &set.requirements {
        let Some(pep508_rs::VersionOrUrl::Url(url)) = &entry.requirement.version_or_url else {
            continue;
        };
        let (client, name, url, hashes) = (
            client.clone(),
            entry.requirement.name.clone(),
            url.to_url(),
            entry.hashes.clone(),
        );
        let place = entry.location.to_string();
        downloads.spawn(async move {
            let context = format!(
                "{place}: cannot lock `{name}` by URL {}",
                hashpin_pypi::RedactedUrl::new(&url)
            );
            let direct = client
                .direct_file(&name, &url, &hashes)
                .await
                .with_context(|| context.clone())?;
            anyhow::Ok((direct, name, context))
        });
    }
    let mut files = Vec::new();
    while let Some(joined) = downloads.join_next().await {
        let (direct, name, context) = joined.context("a download task failed")??;
        let file = match direct {
            hashpin_pypi::Direct::File(file) => file,
            hashpin_pypi::Direct::Source(source) => {
                if let Err(refusal) = builds.builder_for(&name) {
                    bail!(
                        "{context}: it is a source archive, known only by building it, and {refusal}"
                    );
                }
                let sha256 = source
                    .file
                    .sha256()
                    .cloned()
                    .context("a downloaded archive has a hash")?;
                let metadata = builder
                    .source_archive_metadata(source.archive.path(), source.format, &sha256, &name)
                    .await
                    .with_context(|| context.clone())?;
                source.named(&metadata.version)
            }
        };
        files.push(file);
    }
    files.sort_by(|a, b| a.filename.cmp(&b.filename));
    Ok(files)
}

/// Builds the local projects that need it, and adds their requirements to `set`, each named
/// `name (file)` in `# via` as pip-compile names them.
async fn add_built_requirements(
    builds: &[LocalBuild],
    builder: &hashpin_build::Builder,
    set: &mut RequirementsSet,
    via_names: &mut HashMap<PathBuf, String>,
) -> anyhow::Result<Vec<(PathBuf, hashpin_pypi::CoreMetadata)>> {
    let mut built = Vec::new();
    for build in builds {
        let metadata = builder.local_project(&build.dir).await.with_context(|| {
            format!(
                "{}: cannot build the local project for its dependencies",
                build.written
            )
        })?;
        // `./legacy/setup.py` reads as `legacy/setup.py`, as pip-compile writes it.
        let shown: PathBuf = build
            .file
            .components()
            .filter(|part| *part != std::path::Component::CurDir)
            .collect();
        via_names.insert(
            build.file.clone(),
            format!("{} ({})", metadata.name, display_path(&shown)),
        );
        set.requirements.extend(build.requirements(&metadata)?);
        built.push((build.dir.clone(), metadata));
    }
    Ok(built)
}

/// Resolves, using cached pages without a request where an upload cutoff makes that safe.
///
/// The freshness policy: a page fetched after the cutoff lists every file uploaded before it,
/// so for this resolution only yank status (or a file's removal) can have changed since. Such
/// cached pages are used as they are, which makes a warm run as fast as an offline one; then
/// the pages of the pinned projects that came from the cache are fetched again, all at once
/// (pages this run fetched are as fresh already), and if any pinned version's
/// files or yank status changed, the resolution runs again with every page revalidated. So a
/// warm run costs one parallel round of page requests instead of one per level of the
/// dependency graph, and never locks a release that is yanked now.
async fn resolve(
    manifest: &Manifest,
    options: &ResolverOptions,
    target: &TargetEnvironment,
    client: &IndexClient,
    scanner: &Arc<crate::startup_hooks::Scanner>,
) -> anyhow::Result<Result<Resolution, ResolveError>> {
    let progress = Arc::new(Progress::new(
        !printer::is_quiet(),
        Some(Arc::clone(scanner)),
    ));
    let outcome = resolve_fresh(manifest, options, target, client, &progress).await;
    // Prefetch tasks may outlive the resolution and still hold the reporter: the spinner is
    // cleared here, not when the last of them lets go.
    progress.finish();
    outcome
}

async fn resolve_fresh(
    manifest: &Manifest,
    options: &ResolverOptions,
    target: &TargetEnvironment,
    client: &IndexClient,
    progress: &Arc<Progress>,
) -> anyhow::Result<Result<Resolution, ResolveError>> {
    let run = |client: IndexClient| {
        hashpin_resolver::resolve_with_reporter(manifest, options, target, client, progress.clone())
    };
    let trusting =
        client.options().cache.is_some() && client.options().cache_mode == CacheMode::Normal;
    // A project's own cutoff may be later than the global one: no page is trusted then.
    let trusting = trusting && options.exclude_newer_package.is_empty();
    let Some(cutoff) = options.exclude_newer.filter(|_| trusting) else {
        return answered(run(client.clone()).await);
    };
    let trusted = client.with_options(|options| options.trust_pages_fetched_after = Some(cutoff));
    let resolution = match answered(run(trusted.clone()).await)? {
        Ok(resolution) => resolution,
        no => return Ok(no),
    };
    // A page fetched during this run is as fresh as a second request would make it: only the
    // pages used from the cache on trust need the check (a cold run has none of them).
    let unchecked = trusted.unchecked_projects();
    let changed = changed_on_index(client, &resolution, &unchecked, cutoff).await?;
    if changed.is_empty() {
        return Ok(Ok(resolution));
    }
    printer::status(&format!(
        "{} changed on the index since it was cached; resolving again with fresh pages",
        changed.join(", ")
    ));
    answered(run(client.clone()).await)
}

/// A resolution, or the answer no; an error when the question could not be answered.
fn answered(
    outcome: Result<Resolution, ResolveError>,
) -> anyhow::Result<Result<Resolution, ResolveError>> {
    match outcome {
        Err(error) if !error.is_answer_no() => Err(error.into()),
        outcome => Ok(outcome),
    }
}

/// The pins among `unchecked` whose files (names, hashes, yank status) under the cutoff
/// differ on a fresh page.
async fn changed_on_index(
    client: &IndexClient,
    resolution: &Resolution,
    unchecked: &BTreeSet<PackageName>,
    cutoff: Timestamp,
) -> anyhow::Result<Vec<String>> {
    type Fingerprint = BTreeSet<(String, Vec<hashpin_pypi::HashDigest>, bool)>;
    fn fingerprint<'a>(files: impl Iterator<Item = &'a DistFile>) -> Fingerprint {
        files
            .map(|file| {
                (
                    file.filename.clone(),
                    file.hashes.clone(),
                    file.yanked.is_yanked(),
                )
            })
            .collect()
    }
    let fresh = client.with_options(|options| options.cache_mode = CacheMode::Refresh);
    let rechecked = resolution
        .packages
        .keys()
        .filter(|name| unchecked.contains(*name))
        .cloned();
    // Each fresh page is compared as it arrives and dropped: only the pinned version matters.
    let mut changed = Vec::new();
    let mut failed = None;
    fresh
        .projects_each(rechecked, |name, project| {
            let Some(package) = resolution.packages.get(&name) else {
                return;
            };
            let project = match project {
                Ok(project) => project,
                Err(error) => {
                    failed.get_or_insert(error);
                    return;
                }
            };
            let files = match project.files_of(&package.version) {
                Ok(files) => files,
                Err(error) => {
                    failed.get_or_insert(error);
                    return;
                }
            };
            let now = fingerprint(
                files
                    .iter()
                    .filter(|file| file.upload_time.is_some_and(|time| time <= cutoff)),
            );
            if now != fingerprint(package.files.iter()) {
                changed.push(format!("{name}=={}", package.version));
            }
        })
        .await;
    if let Some(error) = failed {
        return Err(error.into());
    }
    changed.sort();
    Ok(changed)
}

/// What to resolve: the inputs' requirements and constraints, and the existing lock's pins
/// as preferences.
fn manifest(
    args: &CompileArgs,
    set: &RequirementsSet,
    previous: &[PreviousPin],
) -> anyhow::Result<(Manifest, ResolverOptions)> {
    let mut constraints: Vec<Requirement> = set
        .constraints
        .iter()
        .map(|entry| entry.requirement.clone())
        .collect();
    let mut upgrade_names = HashSet::new();
    for text in &args.upgrade_package {
        let requirement = hashpin_pypi::parse_requirement(text)
            .map_err(|error| anyhow::anyhow!("invalid --upgrade-package `{text}`: {error}"))?;
        upgrade_names.insert(requirement.name.clone());
        // NAME==VERSION moves the project to that version: a constraint, as pip-compile has it.
        if requirement.version_or_url.is_some() {
            constraints.push(requirement);
        }
    }
    let upgrade = if args.upgrade {
        Upgrade::All
    } else if upgrade_names.is_empty() {
        Upgrade::Nothing
    } else {
        Upgrade::Packages(upgrade_names)
    };
    let preferences = if args.upgrade {
        Vec::new()
    } else {
        previous
            .iter()
            .map(|pin| (pin.name.clone(), pin.version.clone()))
            .collect()
    };
    let mut allow_yanked = HashSet::new();
    for text in &args.allow_yanked {
        allow_yanked.insert(
            exact_release(text).with_context(|| {
                format!("invalid --allow-yanked `{text}`: expected NAME==VERSION")
            })?,
        );
    }
    let exclude_newer = exclude_newer(args);
    let options = ResolverOptions {
        prerelease: if args.pre || set.pre {
            PrereleaseMode::Allow
        } else {
            PrereleaseMode::IfNecessaryOrExplicit
        },
        exclude_newer,
        exclude_newer_package: args
            .exclude_newer_package
            .iter()
            .map(|package| {
                (
                    package.name.clone(),
                    package.cutoff.as_ref().map(|cutoff| cutoff.at),
                )
            })
            .collect(),
        allow_yanked,
        upgrade,
        binary: crate::settings::binary_policy(&args.build, set)?,
        build: hashpin_resolver::BuildPolicy::default(),
    };
    let manifest = Manifest {
        requirements: set
            .requirements
            .iter()
            .map(|entry| entry.requirement.clone())
            .collect(),
        constraints,
        preferences,
        direct: Vec::new(),
        local: Vec::new(),
    };
    Ok((manifest, options))
}

fn exclude_newer(args: &CompileArgs) -> Option<Timestamp> {
    args.exclude_newer.as_ref().map(|cutoff| cutoff.at)
}

/// `name==version` parsed.
fn exact_release(text: &str) -> Option<(PackageName, Version)> {
    let (name, version) = text.split_once("==")?;
    Some((name.trim().parse().ok()?, version.trim().parse().ok()?))
}

/// One pin of the lock being replaced: its release and the hashes it had.
struct PreviousPin {
    name: PackageName,
    version: Version,
    hashes: Vec<HashDigest>,
}

/// The pins of an existing lockfile, in either format; an unreadable one is reported and
/// ignored (it will be replaced, so it must not stop the run). Only a regular file is read:
/// `-o /dev/stdout` or a FIFO would block, and a device such as `/dev/zero` never ends.
fn existing_lock(path: &Path) -> Vec<PreviousPin> {
    match crate::output::read_existing_lock(path) {
        Ok(Some(_)) => {}
        Ok(None) => return Vec::new(),
        Err(error) => {
            log::warn!("ignoring the pins of {}: {error:#}", path.display());
            return Vec::new();
        }
    }
    match crate::lockfile::read(path, None) {
        Ok(read) => read
            .lock
            .packages
            .into_iter()
            .filter(|package| package.source == Source::Index)
            .filter_map(|package| {
                Some(PreviousPin {
                    hashes: package.hashes().cloned().collect(),
                    name: package.name,
                    version: package.version?,
                })
            })
            .collect(),
        Err(error) => {
            log::warn!("ignoring the pins of {}: {error:#}", path.display());
            Vec::new()
        }
    }
}

/// Refuses a lock in which a release kept from the previous lock has files whose hashes
/// changed: a file the index replaced under the same name (or a tampered mirror). New files
/// of the release (a wheel added later) and files removed from it are not refused.
/// `--allow-reupload NAME==VERSION` accepts the change.
fn refuse_reuploads(
    args: &CompileArgs,
    previous: &[PreviousPin],
    resolution: &Resolution,
) -> anyhow::Result<Result<(), No>> {
    let mut allowed = HashSet::new();
    for text in &args.allow_reupload {
        allowed.insert(exact_release(text).with_context(|| {
            format!("invalid --allow-reupload `{text}`: expected NAME==VERSION")
        })?);
    }
    let mut changes = Vec::new();
    for pin in previous {
        let Some(package) = resolution.packages.get(&pin.name) else {
            continue;
        };
        if package.version != pin.version
            || pin.hashes.is_empty()
            || allowed.contains(&(pin.name.clone(), pin.version.clone()))
        {
            continue;
        }
        let gone: Vec<&HashDigest> = pin
            .hashes
            .iter()
            .filter(|hash| !package.files.iter().any(|file| file.hashes.contains(hash)))
            .collect();
        let new: Vec<&DistFile> = package
            .files
            .iter()
            .filter(|file| {
                file.pinning_digest()
                    .is_some_and(|digest| !pin.hashes.contains(digest))
            })
            .collect();
        if gone.is_empty() || new.is_empty() {
            continue;
        }
        let change = describe_change(pin, &gone, &new);
        changes.push((pin, change));
    }
    if changes.is_empty() {
        return Ok(Ok(()));
    }
    let releases: Vec<String> = changes
        .iter()
        .map(|(pin, _)| format!("--allow-reupload {}=={}", pin.name, pin.version))
        .collect();
    Ok(Err(No::because(format!(
        "files changed on the index since the lock was written, under the same names:\n  {}\n\
         a locked file uploaded again is what hash pinning exists to catch; if the change is expected, pass {}",
        changes
            .iter()
            .map(|(_, change)| change.as_str())
            .collect::<Vec<_>>()
            .join("\n  "),
        releases.join(" ")
    ))))
}

/// One release's changed files, for [`refuse_reuploads`]: a pair when one hash replaced
/// another, else what is new and what is gone.
fn describe_change(pin: &PreviousPin, gone: &[&HashDigest], new: &[&DistFile]) -> String {
    let digest = |file: &DistFile| {
        file.pinning_digest()
            .map(ToString::to_string)
            .unwrap_or_default()
    };
    let mut change = format!("`{}=={}`:", pin.name, pin.version);
    if let ([old], [file]) = (gone, new) {
        let _ = write!(
            change,
            " `{}` was {old} in the lock and is {} on the index",
            file.filename,
            digest(file)
        );
        return change;
    }
    for file in new {
        let _ = write!(
            change,
            "\n    on the index now: `{}` {}",
            file.filename,
            digest(file)
        );
    }
    for old in gone {
        let _ = write!(change, "\n    in the lock, on no file now: {old}");
    }
    change
}

/// The resolution as a lock.
fn lock(
    args: &CompileArgs,
    sources: &[PathBuf],
    set: &RequirementsSet,
    via_names: &HashMap<PathBuf, String>,
    (resolution, options, target): (&Resolution, &ResolverOptions, &TargetEnvironment),
    config: &hashpin_pypi::IndexConfig,
) -> anyhow::Result<Lock> {
    let mut unhashed = Vec::new();
    let index = crate::lockfile::single_index(config);
    // A local project another package requires is installed after the lock (see the
    // header's notes), never from it.
    let packages: Vec<Package> = resolution
        .packages
        .values()
        .filter(|package| !is_local(package))
        .map(|package| locked_package(package, set, via_names, index.as_ref(), &mut unhashed))
        .collect();
    if !unhashed.is_empty() {
        bail!(
            "the index publishes no usable hash for {}; hashpin does not lock files it cannot verify",
            unhashed
                .iter()
                .map(|name| format!("`{name}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    // Yanked releases let through on purpose are recorded for reviewers.
    let mut notes: Vec<String> = resolution
        .packages
        .values()
        .filter(|package| {
            options
                .allow_yanked
                .contains(&(package.name.clone(), package.version.clone()))
                && package.files.iter().all(|file| file.yanked.is_yanked())
        })
        .map(|package| {
            let reason = package
                .files
                .iter()
                .find_map(|file| file.yanked.reason())
                .map_or(Cow::Borrowed("no reason given"), UntrustedText::for_comment);
            format!(
                "{}=={} is yanked ({reason}) and locked on purpose (--allow-yanked)",
                package.name, package.version
            )
        })
        .collect();
    // A cooldown's instant is recorded: the command says how long, the lock says as of when.
    if let Some(cutoff) = args
        .exclude_newer
        .as_ref()
        .filter(|cutoff| cutoff.span.is_some())
    {
        notes.push(format!(
            "--exclude-newer={} {COOLDOWN_NOTE} {}",
            cutoff.text, cutoff.at
        ));
    }
    notes.extend(local_project_notes(set, args.output_file.as_deref()));
    let header = (!args.no_header).then(|| Header {
        command: command_line(args, sources),
        notes,
    });
    let index_options = if args.emit_index_url {
        let primary = config.index_url.iter().map(|index| {
            IndexOption::IndexUrl(hashpin_pypi::strip_credentials(index.url()).to_string())
        });
        let extra = config.extra_index_urls.iter().map(|index| {
            IndexOption::ExtraIndexUrl(hashpin_pypi::strip_credentials(index.url()).to_string())
        });
        primary.chain(extra).collect()
    } else {
        Vec::new()
    };
    let mut lock = Lock {
        header,
        cutoff: options.exclude_newer,
        target: crate::lockfile::lock_target(target),
        index_options,
        packages,
        ..Lock::default()
    };
    crate::lockfile::relative_local_files(&mut lock, args.output_file.as_deref());
    Ok(lock)
}

/// One pin: every file's hash, what required it, and a root marker kept where it applies.
fn locked_package(
    package: &ResolvedPackage,
    set: &RequirementsSet,
    via_names: &HashMap<PathBuf, String>,
    index: Option<&String>,
    unhashed: &mut Vec<String>,
) -> Package {
    let mut via = BTreeSet::new();
    let mut root_markers = Vec::new();
    for edge in &package.required_by {
        match &edge.from {
            Requester::Root => {
                for entry in set
                    .requirements
                    .iter()
                    .filter(|entry| entry.requirement == edge.requirement)
                {
                    via.insert(
                        via_names
                            .get(&entry.location.file)
                            .cloned()
                            .unwrap_or_else(|| {
                                format!("-r {}", display_path(&entry.location.file))
                            }),
                    );
                    // The marker as the user wrote it (pep508_rs would rewrite
                    // `python_version >= "3.8"` as `python_full_version >= '3.8'`).
                    root_markers.push(
                        entry
                            .text
                            .split_once(';')
                            .map(|(_, marker)| marker.trim().to_string())
                            .filter(|marker| !marker.is_empty()),
                    );
                }
            }
            Requester::Project(name) => {
                via.insert(name.to_string());
            }
        }
    }
    for entry in set
        .constraints
        .iter()
        .filter(|entry| entry.requirement.name == package.name)
    {
        via.insert(format!("-c {}", display_path(&entry.location.file)));
    }
    let mut locked = Package::new(
        package.name.clone(),
        package.version.clone(),
        crate::lockfile::locked_files(&package.files, unhashed),
    );
    // A root requirement's marker is kept when every root requirement of the project has the
    // same one (it applies on this target, and pip re-checks it at install).
    locked.marker = match root_markers.split_first() {
        Some((Some(first), rest)) if rest.iter().all(|marker| marker.as_ref() == Some(first)) => {
            Some(first.clone())
        }
        _ => None,
    };
    locked.via = via.into_iter().collect();
    locked.requires_python = crate::lockfile::requires_python(&package.files);
    // A requirement by URL is locked as that URL (credentials were never kept in it).
    if let Some(file) = package
        .files
        .iter()
        .find(|file| file.origin == hashpin_pypi::FileOrigin::Direct)
    {
        locked.source = Source::Archive {
            url: hashpin_pypi::strip_credentials(&file.url).to_string(),
        };
        for file in &mut locked.files {
            file.filename = None;
            file.upload_time = None;
        }
    } else if package
        .files
        .iter()
        .all(|file| file.origin == hashpin_pypi::FileOrigin::Index)
    {
        locked.index = index.cloned();
    }
    if package.files.iter().all(|file| file.yanked.is_yanked()) {
        locked.yanked = Some(Yank {
            reason: package
                .files
                .iter()
                .find_map(|file| file.yanked.reason())
                .map(|reason| reason.as_raw().to_string()),
        });
    }
    locked
}

/// Whether the package is one of the local projects.
pub(crate) fn is_local(package: &ResolvedPackage) -> bool {
    package
        .files
        .iter()
        .any(|file| file.origin == hashpin_pypi::FileOrigin::Local)
}

/// Says which locked releases have files from find-links locations, which the upload cutoff
/// does not apply to (they have no upload time): the lock is only as reproducible as those
/// locations.
fn note_undated_find_links(resolution: &hashpin_resolver::Resolution, options: &ResolverOptions) {
    if options.exclude_newer.is_none() {
        return;
    }
    let undated: Vec<String> = resolution
        .packages
        .values()
        .filter(|package| {
            package.files.iter().any(|file| {
                file.origin == hashpin_pypi::FileOrigin::FindLinks && file.upload_time.is_none()
            })
        })
        .map(|package| format!("{}=={}", package.name, package.version))
        .collect();
    if !undated.is_empty() {
        printer::status(&format!(
            "note: --exclude-newer does not apply to files from --find-links, which have no upload time: {}",
            undated.join(", ")
        ));
    }
}

/// The command that reproduces the file: relative paths, no credentials, no index addresses
/// (those are configuration).
fn command_line(args: &CompileArgs, sources: &[PathBuf]) -> String {
    let mut words = vec!["hashpin".to_string(), "compile".to_string()];
    words.extend(sources.iter().map(|source| display_path(source)));
    for constraint in &args.constraint {
        words.push(format!("--constraint={}", display_path(constraint)));
    }
    if let Some(output) = &args.output_file {
        words.push(format!("--output-file={}", relative_path(output)));
    }
    // Where files may come from changes the lock: find-links locations given here (a
    // directory as a relative path, a page without credentials), --no-index, the strategy.
    for location in &args.index.find_links {
        let shown = match url::Url::parse(location) {
            Ok(url) if url.scheme() == "file" => url
                .to_file_path()
                .map_or_else(|()| location.clone(), |path| relative_path(&path)),
            Ok(url) => hashpin_pypi::strip_credentials(&url).to_string(),
            Err(_) => relative_path(Path::new(location)),
        };
        words.push(format!("--find-links={shown}"));
    }
    let flags = [
        (args.index.no_index, "--no-index"),
        (
            args.index.index_strategy == crate::cli::IndexStrategy::UnsafeBestMatch,
            "--index-strategy=unsafe-best-match",
        ),
        (args.pre, "--pre"),
        (args.no_annotate, "--no-annotate"),
        (args.emit_index_url, "--emit-index-url"),
    ];
    words.extend(
        flags
            .iter()
            .filter(|(on, _)| *on)
            .map(|(_, flag)| (*flag).to_string()),
    );
    // A macOS target is written with the version it was locked for (the default, or
    // MACOSX_DEPLOYMENT_TARGET's), so that running the command again locks the same.
    let platform = args.target.python_platform.as_ref().map(|text| {
        hashpin_resolver::Platform::from_str(text)
            .ok()
            .filter(hashpin_resolver::Platform::is_macos)
            .and_then(|platform| crate::settings::macos_deployment_target(platform).ok())
            .map_or_else(|| text.clone(), |platform| platform.to_string())
    });
    let values = [
        ("--python-version", &args.target.python_version),
        ("--python-platform", &platform),
        (
            "--exclude-newer",
            &args
                .exclude_newer
                .as_ref()
                .map(|cutoff| cutoff.text.clone()),
        ),
    ];
    for (flag, value) in values {
        if let Some(value) = value {
            words.push(format!("{flag}={value}"));
        }
    }
    for package in &args.exclude_newer_package {
        words.push(format!("--exclude-newer-package={package}"));
    }
    for release in &args.allow_yanked {
        words.push(format!("--allow-yanked={release}"));
    }
    for release in &args.allow_reupload {
        words.push(format!("--allow-reupload={release}"));
    }
    if let Some(path) = &args.write_build_constraints {
        words.push(format!("--write-build-constraints={}", relative_path(path)));
    }
    // What may be built, and which files used, change what is locked.
    if args.build.no_build {
        words.push("--no-build".into());
    }
    for (flag, values) in [
        ("--no-build-package", &args.build.no_build_package),
        ("--only-binary", &args.build.only_binary),
        ("--no-binary", &args.build.no_binary),
    ] {
        words.extend(values.iter().map(|value| format!("{flag}={value}")));
    }
    if args.all_extras {
        words.push("--all-extras".into());
    }
    words.extend(args.extra.iter().map(|extra| format!("--extra={extra}")));
    words.extend(args.group.iter().map(|group| format!("--group={group}")));
    words.join(" ")
}

/// `path` relative to the current directory, with `..` where it is outside it: a location the
/// command must find again from here (never an absolute path of this machine).
fn relative_path(path: &Path) -> String {
    let Ok(cwd) = std::env::current_dir() else {
        return display_path(path);
    };
    if path.is_relative() {
        return path.display().to_string();
    }
    relative_to(path, &cwd)
}

/// The absolute `path` relative to the absolute directory `base`, with `..` where it is
/// outside it; `.` for `base` itself.
fn relative_to(path: &Path, base: &Path) -> String {
    fn normal(path: &Path) -> Vec<std::path::Component<'_>> {
        path.components()
            .filter(|part| *part != std::path::Component::CurDir)
            .collect()
    }
    let (here, there) = (normal(base), normal(path));
    let common = here.iter().zip(&there).take_while(|(a, b)| a == b).count();
    let mut relative = PathBuf::new();
    for _ in common..here.len() {
        relative.push("..");
    }
    relative.extend(&there[common..]);
    if relative.as_os_str().is_empty() {
        ".".into()
    } else {
        relative.display().to_string()
    }
}

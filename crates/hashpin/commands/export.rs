//! `hashpin export`: a lock in the other format, the same pins and the same hashes.
//!
//! From pylock.toml to a requirements file nothing is asked of the index: every file's hash
//! is in the lock. A requirements file knows hashes, not files, so the way to a pylock.toml
//! asks the index which file each hash is of (name, URL, size, upload time); a hash the
//! index has no file for is an error, never left out.

use std::collections::HashSet;
use std::time::Instant;

use anyhow::{Context as _, bail};
use hashpin_formats::{
    Header, Location, Lock, LockFormat, LockedFile, Package, Selected, Selection, Source,
};
use hashpin_pypi::{IndexClient, PackageName};
use pep508_rs::MarkerTree;

use crate::cli::ExportArgs;
use crate::exit::ExitStatus;
use crate::lockfile::LockFile;
use crate::output::display_path;
use crate::printer;
use crate::settings::{IndexSettings, index_options, index_settings};

pub(crate) async fn run(args: &ExportArgs) -> anyhow::Result<ExitStatus> {
    let started = Instant::now();
    if let Some(output) = &args.output_file {
        crate::output::refuse_input_as_output(output, std::slice::from_ref(&args.lock))?;
    }
    let format =
        crate::lockfile::output_format(args.format.map(Into::into), args.output_file.as_deref());
    let read = crate::lockfile::read(&args.lock, None)?;
    refuse_unpinned(&read)?;
    let LockFile {
        mut lock,
        lines,
        locations,
        ..
    } = read;
    let mut notes = Vec::new();
    let chooses = !args.extra.is_empty() || !args.group.is_empty() || args.no_default_groups;
    if format == LockFormat::Pylock && chooses {
        bail!(
            "--extra, --group and --no-default-groups choose what a requirements file holds; a pylock.toml keeps every extra and group for its installer to choose"
        );
    }
    if format == LockFormat::RequirementsTxt && lines.is_none() {
        let selection = selection(args, &lock)?;
        notes.extend(select(&mut lock, &selection, &locations)?);
    } else if chooses {
        bail!(
            "--extra, --group and --no-default-groups choose among a pylock.toml's extras and groups; {} has none",
            display_path(&args.lock)
        );
    }
    if format == LockFormat::RequirementsTxt {
        // pip's hash-checking mode refuses what has no file to hash.
        for package in &lock.packages {
            match &package.source {
                Source::Directory { path, editable } => notes.push(format!(
                    "the local project {path} is not in this file (pip's hash-checking mode refuses it): after installing this file, run `pip install --no-deps {}{path}`",
                    if *editable { "-e " } else { "" }
                )),
                Source::Vcs { url, commit, .. } => notes.push(format!(
                    "`{}` from {url} at {commit} is not in this file (pip's hash-checking mode refuses VCS checkouts)",
                    package.name
                )),
                Source::Index | Source::Archive { .. } => {}
            }
        }
    }
    if format == LockFormat::Pylock
        && lock
            .packages
            .iter()
            .flat_map(|package| &package.files)
            .any(|file| file.url.is_none())
    {
        let options = index_options(&args.index, &lines.unwrap_or_default());
        let IndexSettings { client, .. } = index_settings(&args.index, &options)?;
        name_files(&mut lock, &client).await?;
    }
    let source = display_path(&args.lock);
    let written_by = lock
        .created_by
        .as_deref()
        .map(|tool| {
            format!(
                ", written by {}",
                hashpin_pypi::untrusted::for_terminal(tool)
            )
        })
        .unwrap_or_default();
    let mut header_notes = vec![format!("exported from {source}{written_by}")];
    if let Some(header) = &lock.header {
        header_notes.push(format!("{source} was made by: {}", header.command));
        header_notes.extend(header.notes.iter().cloned());
    }
    header_notes.extend(notes);
    lock.header = Some(Header {
        command: command_line(args, format),
        notes: header_notes,
    });
    lock.created_by = Some(hashpin_formats::CREATED_BY.to_string());
    let text = crate::lockfile::render(&lock, format, true);
    match &args.output_file {
        Some(path) => crate::output::write_atomically(path, &text)?,
        None => printer::data(text.trim_end_matches('\n'))?,
    }
    printer::status(&super::summary("Exported", &lock, started));
    Ok(ExitStatus::Success)
}

/// What a requirements file made from a pylock installs: the lock's default groups unless
/// told otherwise, and the extras and groups asked for, each one the lock has.
fn selection(args: &ExportArgs, lock: &Lock) -> anyhow::Result<Selection> {
    let offered = &lock.selectable;
    let mut selection = Selection::default();
    if !args.no_default_groups {
        selection
            .dependency_groups
            .extend(offered.default_groups.iter().cloned());
    }
    for (asked, kind, has, chosen) in [
        (&args.extra, "extra", &offered.extras, &mut selection.extras),
        (
            &args.group,
            "dependency group",
            &offered.dependency_groups,
            &mut selection.dependency_groups,
        ),
    ] {
        for name in asked {
            let normalized = hashpin_formats::lock::normalize_name(name);
            if !has.contains(&normalized) {
                let offered = if has.is_empty() {
                    "none".to_string()
                } else {
                    has.join(", ")
                };
                bail!(
                    "{} has no {kind} `{}` (it has: {})",
                    display_path(&args.lock),
                    hashpin_pypi::untrusted::for_terminal(name),
                    hashpin_pypi::untrusted::for_terminal(&offered)
                );
            }
            if !chosen.contains(&normalized) {
                chosen.push(normalized);
            }
        }
    }
    Ok(selection)
}

/// Decides every package marker's extras and groups tests for `selection`: what it leaves
/// out is dropped, what remains is a PEP 508 marker pip reads (re-rendered, so no text of the
/// lock reaches the requirements file but a marker). Returns notes for the header.
fn select(
    lock: &mut Lock,
    selection: &Selection,
    locations: &[Location],
) -> anyhow::Result<Vec<String>> {
    let mut kept = Vec::new();
    let mut left_out = 0;
    for (package, location) in std::mem::take(&mut lock.packages)
        .into_iter()
        .zip(locations)
    {
        let Some(marker) = &package.marker else {
            kept.push(package);
            continue;
        };
        let invalid = |why: String| {
            anyhow::anyhow!(
                "{location}: `{}` has a marker pip cannot read: {why}",
                package.name
            )
        };
        let marker = match selection.resolve(marker) {
            Ok(Selected::Always) => None,
            Ok(Selected::Never) => {
                left_out += 1;
                continue;
            }
            Ok(Selected::When(marker)) => {
                let tree: MarkerTree =
                    marker.parse().map_err(|error: pep508_rs::Pep508Error| {
                        invalid(
                            hashpin_pypi::untrusted::for_terminal(&error.message.to_string())
                                .into_owned(),
                        )
                    })?;
                if tree.is_false() {
                    left_out += 1;
                    continue;
                }
                tree.try_to_string()
            }
            Err(error) => {
                return Err(invalid(
                    hashpin_pypi::untrusted::for_terminal(&error.to_string()).into_owned(),
                ));
            }
        };
        kept.push(Package { marker, ..package });
    }
    lock.packages = kept;
    let offered = &lock.selectable;
    let mut notes = Vec::new();
    if !offered.extras.is_empty() || !offered.dependency_groups.is_empty() {
        let list = |names: &[String]| {
            if names.is_empty() {
                "none".to_string()
            } else {
                names.join(", ")
            }
        };
        notes.push(format!(
            "selected: extras {}; dependency groups {} (choose with --extra, --group, --no-default-groups)",
            list(&selection.extras),
            list(&selection.dependency_groups)
        ));
    }
    if left_out > 0 {
        notes.push(format!(
            "{left_out} {} of other extras or groups left out",
            if left_out == 1 { "package" } else { "packages" }
        ));
    }
    Ok(notes)
}

/// A lock that does not pin everything is no lock to convert: each line that pins nothing
/// is named.
fn refuse_unpinned(read: &LockFile) -> anyhow::Result<()> {
    let Some(set) = &read.lines else {
        let unversioned: Vec<String> = read
            .lock
            .packages
            .iter()
            .zip(&read.locations)
            .filter(|(package, _)| package.source == Source::Index && package.version.is_none())
            .map(|(package, location)| format!("{location}: `{}` has no version", package.name))
            .collect();
        if unversioned.is_empty() {
            return Ok(());
        }
        bail!(
            "the lock does not pin everything:\n  {}",
            unversioned.join("\n  ")
        );
    };
    let mut offenders: Vec<String> = set
        .requirements
        .iter()
        .filter(|entry| {
            hashpin_formats::requirements_txt::exact_version(&entry.requirement).is_none()
                && !matches!(
                    entry.requirement.version_or_url,
                    Some(pep508_rs::VersionOrUrl::Url(_))
                )
        })
        .map(|entry| format!("{}: `{}` is not pinned with ==", entry.location, entry.text))
        .collect();
    offenders.extend(
        set.requirements
            .iter()
            .filter(|entry| entry.hashes.is_empty())
            .map(|entry| format!("{}: `{}` has no --hash", entry.location, entry.text)),
    );
    offenders.extend(set.unlockable.iter().filter_map(|line| {
        let why = match &line.kind {
            hashpin_formats::UnlockableKind::Archive { hashes } if !hashes.is_empty() => {
                return None;
            }
            hashpin_formats::UnlockableKind::Archive { .. } => "has no --hash",
            hashpin_formats::UnlockableKind::Editable => "is an editable install",
            hashpin_formats::UnlockableKind::Vcs => "is a VCS reference",
            hashpin_formats::UnlockableKind::Directory => "is a local directory",
            hashpin_formats::UnlockableKind::MalformedHash { .. } => "has an invalid --hash",
        };
        Some(format!("{}: `{}` {why}", line.location, line.text))
    }));
    if offenders.is_empty() {
        return Ok(());
    }
    offenders.sort();
    offenders.dedup();
    bail!(
        "{} is not a complete hash-pinned lock (`hashpin check` says more):\n  {}",
        read.locations.first().map_or_else(
            || "the file".to_string(),
            |location| location.file.display().to_string()
        ),
        offenders
            .iter()
            .map(|line| hashpin_pypi::redact_text(line).into_owned())
            .collect::<Vec<_>>()
            .join("\n  ")
    )
}

/// Gives every file known only by its hash its name, URL, size and upload time, from the
/// index's file with that hash.
async fn name_files(lock: &mut Lock, client: &IndexClient) -> anyhow::Result<()> {
    let names: HashSet<PackageName> = lock
        .packages
        .iter()
        .filter(|package| package.source == Source::Index)
        .map(|package| package.name.clone())
        .collect();
    let index = crate::lockfile::single_index(client.config());
    let mut projects = std::collections::HashMap::new();
    for (name, project) in client.projects(names).await {
        let project = project.with_context(|| format!("cannot look up `{name}` on the index"))?;
        projects.insert(name, project);
    }
    let mut unknown = Vec::new();
    let mut attested = std::collections::HashMap::new();
    for package in &mut lock.packages {
        let (Source::Index, Some(version)) = (&package.source, &package.version) else {
            continue;
        };
        let Some(project) = projects.get(&package.name) else {
            continue;
        };
        let files = project.files_of(version)?;
        let mut found_files = Vec::new();
        let mut listed_files = Vec::new();
        for file in &package.files {
            let found = file.hashes.iter().find_map(|hash| {
                files
                    .iter()
                    .find(|listed| listed.hashes.contains(hash))
                    .map(|listed| (listed, hash))
            });
            match found {
                Some((listed, hash)) => {
                    found_files.push(LockedFile {
                        filename: Some(listed.filename.clone()),
                        url: Some(hashpin_pypi::strip_credentials(&listed.url).to_string()),
                        size: listed.size,
                        upload_time: listed.upload_time,
                        hashes: vec![hash.clone()],
                    });
                    listed_files.push(listed.clone());
                }
                None => unknown.push(format!(
                    "`{}`: no file on the index has the hash {}",
                    package.release(),
                    file.hashes
                        .first()
                        .map(ToString::to_string)
                        .unwrap_or_default()
                )),
            }
        }
        attested.insert(package.name.clone(), listed_files);
        package.files = found_files;
        package.requires_python = crate::lockfile::requires_python(&files);
        package.index.clone_from(&index);
    }
    if !unknown.is_empty() {
        bail!(
            "a pylock.toml names each file, and the index has none for some of the lock's hashes (re-uploaded or tampered files, or another index; `hashpin check` says more):\n  {}",
            unknown.join("\n  ")
        );
    }
    crate::lockfile::attest(client, lock, attested).await;
    Ok(())
}

/// The command that makes the file again.
fn command_line(args: &ExportArgs, format: LockFormat) -> String {
    let mut words = vec![
        "hashpin".to_string(),
        "export".to_string(),
        display_path(&args.lock),
        format!("--format={}", format.as_str()),
    ];
    words.extend(args.extra.iter().map(|extra| format!("--extra={extra}")));
    words.extend(args.group.iter().map(|group| format!("--group={group}")));
    if args.no_default_groups {
        words.push("--no-default-groups".to_string());
    }
    if let Some(output) = &args.output_file {
        words.push(format!("--output-file={}", display_path(output)));
    }
    words.join(" ")
}

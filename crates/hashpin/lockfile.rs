//! Locks in and out of the commands: the one place that decides which files of a version are
//! pinned, says what target a lock is for, and reads or writes a lockfile in either format.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use hashpin_formats::{
    Input, Location, Lock, LockFormat, LockTarget, LockedFile, RequirementsSet, pylock,
    requirements_txt,
};
use hashpin_pypi::{DistFile, IndexClient, IndexConfig, PackageName, Publisher};
use hashpin_resolver::TargetEnvironment;

/// Which files of a version a lock pins: every file the index lists, less the yanked ones
/// where the version has files that are not yanked (a yanked release locked on purpose keeps
/// its files). `compile` and `freeze` pin by this one rule.
pub(crate) fn pinned_files(files: &[DistFile]) -> Vec<&DistFile> {
    let live: Vec<&DistFile> = files
        .iter()
        .filter(|file| !file.yanked.is_yanked())
        .collect();
    if live.is_empty() {
        files.iter().collect()
    } else {
        live
    }
}

/// The pinned files of a version as a lock records them, each with the digest pip prefers;
/// the name of every file without a usable digest goes to `unhashed`.
pub(crate) fn locked_files(files: &[DistFile], unhashed: &mut Vec<String>) -> Vec<LockedFile> {
    pinned_files(files)
        .into_iter()
        .filter_map(|file| {
            let Some(digest) = file.pinning_digest() else {
                unhashed.push(file.filename.clone());
                return None;
            };
            Some(LockedFile {
                filename: Some(file.filename.clone()),
                url: Some(hashpin_pypi::strip_credentials(&file.url).to_string()),
                size: file.size,
                upload_time: file.upload_time,
                hashes: vec![digest.clone()],
            })
        })
        .collect()
}

/// Records each package's Trusted Publishers (PEP 740) from the provenance the index links
/// for `files` (by package: the files the lock holds), all fetched at once. A document that
/// cannot be had is a warning naming its file: the lock is still written, without that
/// file's identity, since provenance is what the index volunteers, not what a lock needs.
pub(crate) async fn attest(
    client: &IndexClient,
    lock: &mut Lock,
    files: HashMap<PackageName, Vec<DistFile>>,
) {
    let mut fetches = tokio::task::JoinSet::new();
    for (name, files) in files {
        for file in files.into_iter().filter(|file| file.provenance.is_some()) {
            let (client, name) = (client.clone(), name.clone());
            fetches.spawn(async move {
                let found = client.publishers(&file).await;
                (name, file.filename, found)
            });
        }
    }
    let mut identities: HashMap<PackageName, Vec<Publisher>> = HashMap::new();
    while let Some(joined) = fetches.join_next().await {
        let Ok((name, filename, found)) = joined else {
            continue;
        };
        match found {
            Ok(publishers) => identities.entry(name).or_default().extend(publishers),
            Err(error) => log::warn!(
                "the provenance of `{}` cannot be read, so the lock names no publisher for it: {}",
                hashpin_pypi::untrusted::for_terminal(&filename),
                match &error {
                    hashpin_pypi::Error::Provenance { source, .. } => source.to_string(),
                    other => hashpin_pypi::error_chain(other),
                }
            ),
        }
    }
    for package in &mut lock.packages {
        if let Some(mut publishers) = identities.remove(&package.name) {
            publishers.sort();
            publishers.dedup();
            package.attestation_identities = publishers;
        }
    }
}

/// Files of a local `--find-links` directory as PEP 751 records them: a path relative to the
/// lock's directory (`output`'s, else the current one), so the lock installs from a checkout
/// anywhere; an absolute `file://` URL would hold only on this machine. A file on another
/// root keeps its URL.
pub(crate) fn relative_local_files(lock: &mut Lock, output: Option<&Path>) {
    let Ok(cwd) = std::env::current_dir() else {
        return;
    };
    let dir = match output.and_then(Path::parent) {
        Some(parent) if !parent.as_os_str().is_empty() => cwd.join(parent),
        _ => cwd,
    };
    let dir = std::fs::canonicalize(&dir).unwrap_or(dir);
    for file in lock
        .packages
        .iter_mut()
        .filter(|package| package.source == hashpin_formats::Source::Index)
        .flat_map(|package| &mut package.files)
    {
        let Some(path) = file
            .url
            .as_deref()
            .and_then(|url| url::Url::parse(url).ok())
            .filter(|url| url.scheme() == "file")
            .and_then(|url| url.to_file_path().ok())
        else {
            continue;
        };
        let path = std::fs::canonicalize(&path).unwrap_or(path);
        if let Some(relative) = relative_to(&path, &dir) {
            file.url = Some(relative);
        }
    }
}

/// `path` from `dir` (both absolute), with `/` separators: `../wheels/a.whl`.
fn relative_to(path: &Path, dir: &Path) -> Option<String> {
    use std::path::Component;
    let path: Vec<Component<'_>> = path.components().collect();
    let dir: Vec<Component<'_>> = dir.components().collect();
    let common = path.iter().zip(&dir).take_while(|(a, b)| a == b).count();
    // Only the root in common: another drive, or nothing a relative path is clearer for.
    if common < 2 {
        return None;
    }
    let mut parts = vec![".."; dir.len() - common];
    for component in &path[common..] {
        match component {
            Component::Normal(name) => parts.push(name.to_str()?),
            _ => return None,
        }
    }
    Some(parts.join("/"))
}

/// The Requires-Python the pinned files agree on, if they all publish the same one.
pub(crate) fn requires_python(files: &[DistFile]) -> Option<String> {
    let pinned = pinned_files(files);
    let first = pinned.first()?.requires_python.as_ref()?;
    pinned
        .iter()
        .all(|file| file.requires_python.as_ref() == Some(first))
        .then(|| first.to_string())
}

/// The index a lock's packages come from, when there is just one (with several, which one
/// served a project is not recorded), without credentials.
pub(crate) fn single_index(config: &IndexConfig) -> Option<String> {
    match (&config.index_url, config.extra_index_urls.as_slice()) {
        (Some(index), []) => Some(hashpin_pypi::strip_credentials(index.url()).to_string()),
        _ => None,
    }
}

/// What a lock resolved for one target is for: that Python minor version, that platform and
/// machine, that implementation. Markers on any of them were decided by the resolution.
pub(crate) fn lock_target(target: &TargetEnvironment) -> LockTarget {
    let markers = &target.markers;
    let release = target.python_version.release();
    let minor = format!("{}.{}", release[0], release.get(1).copied().unwrap_or(0));
    LockTarget {
        requires_python: Some(format!("=={minor}.*")),
        environments: vec![format!(
            "sys_platform == '{}' and platform_machine == '{}' and implementation_name == '{}' and python_version == '{minor}'",
            quoted(markers.sys_platform()),
            quoted(markers.platform_machine()),
            quoted(markers.implementation_name()),
        )],
    }
}

/// A marker value inside single quotes (an interpreter's answers are plain words; this keeps
/// a strange one from ending the string).
fn quoted(value: &str) -> String {
    value.replace(['\'', '\\'], "")
}

/// The lock as the text of `format`.
pub(crate) fn render(lock: &Lock, format: LockFormat, annotate: bool) -> String {
    match format {
        LockFormat::RequirementsTxt => {
            requirements_txt::write(lock, requirements_txt::WriteOptions { annotate })
        }
        LockFormat::Pylock => pylock::write(lock),
    }
}

/// The format to write: `--format`, else the output's name, else a requirements file.
pub(crate) fn output_format(format: Option<LockFormat>, output: Option<&Path>) -> LockFormat {
    format
        .or_else(|| output.map(LockFormat::of_path))
        .unwrap_or(LockFormat::RequirementsTxt)
}

/// A lockfile read into the model.
pub(crate) struct LockFile {
    pub(crate) lock: Lock,
    /// Where each of `lock.packages` was written.
    pub(crate) locations: Vec<Location>,
    /// A requirements file's lines (includes followed), for the rules about lines the model
    /// has no place for; `None` for a pylock.
    pub(crate) lines: Option<RequirementsSet>,
}

/// Reads `path` (`-` for standard input) as a lock, in the format its name implies
/// (`format` overrides it).
pub(crate) fn read(path: &Path, format: Option<LockFormat>) -> anyhow::Result<LockFile> {
    let input = if path == Path::new("-") {
        Input::Text {
            name: PathBuf::from("-"),
            text: crate::output::read_stdin()?,
        }
    } else {
        Input::Path(path.to_path_buf())
    };
    // Standard input has no name to tell its format by, nor has a `.toml` named otherwise
    // than PEP 751 names locks: a pylock says `lock-version` first.
    let format = format.unwrap_or_else(|| match &input {
        Input::Text { text, .. } if is_pylock_text(text) => LockFormat::Pylock,
        Input::Path(file)
            if LockFormat::of_path(file) == LockFormat::RequirementsTxt
                && file.extension().is_some_and(|ext| ext == "toml")
                && hashpin_formats::read_bounded(file, hashpin_formats::MAX_FILE_BYTES)
                    .is_ok_and(|text| is_pylock_text(&text)) =>
        {
            LockFormat::Pylock
        }
        _ => LockFormat::of_path(path),
    });
    match format {
        LockFormat::RequirementsTxt => {
            let read = requirements_txt::read(&input)?;
            Ok(LockFile {
                lock: read.lock,
                locations: read.locations,
                lines: Some(read.set),
            })
        }
        LockFormat::Pylock => {
            let text = match input {
                Input::Text { text, .. } => text,
                Input::Path(path) => {
                    hashpin_formats::read_bounded(&path, hashpin_formats::MAX_FILE_BYTES)
                        .with_context(|| format!("cannot read {}", path.display()))?
                }
            };
            let (lock, lines) = pylock::read(&text)
                .with_context(|| format!("{} is not a readable pylock.toml", path.display()))?;
            // A `packages = [...]` array has no `[[packages]]` lines: the file's first line
            // stands for all of them.
            let locations = (0..lock.packages.len())
                .map(|at| Location {
                    file: path.to_path_buf(),
                    line: if lines.len() == lock.packages.len() {
                        lines[at]
                    } else {
                        1
                    },
                })
                .collect();
            Ok(LockFile {
                lock,
                locations,
                lines: None,
            })
        }
    }
}

/// Whether `text` reads as a PEP 751 lock: its first key that is not a comment is
/// `lock-version`, as every writer puts it (PEP 751 lists it first).
fn is_pylock_text(text: &str) -> bool {
    text.lines()
        .map(str::trim)
        .find(|line| !line.is_empty() && !line.starts_with('#'))
        .is_some_and(|line| line.starts_with("lock-version"))
}

/// The index options (`--index-url`, `--extra-index-url`, `--find-links`, `--no-index` lines)
/// of the requirements-file locks read, as commands that ask the index about a lock use them.
pub(crate) fn index_lines(locks: &[(PathBuf, LockFile)]) -> RequirementsSet {
    let sets = || locks.iter().filter_map(|(_, read)| read.lines.as_ref());
    RequirementsSet {
        index_url: sets().find_map(|set| set.index_url.clone()),
        extra_index_urls: sets()
            .flat_map(|set| set.extra_index_urls.clone())
            .collect(),
        find_links: sets().flat_map(|set| set.find_links.clone()).collect(),
        no_index: sets().any(|set| set.no_index),
        ..RequirementsSet::default()
    }
}

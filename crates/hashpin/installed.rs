//! The distributions installed in a Python environment, read from their metadata directories
//! the way pip finds them.
//!
//! pip (`pip._internal.metadata.importlib`) walks the interpreter's `sys.path` in order and, in
//! each directory, takes every `*.dist-info` and `*.egg-info` (directory or file), then follows
//! every `*.egg-link` (a legacy `setup.py develop` install) to the project directory it names.
//! The first distribution of a name wins, as it does on import; later ones are shadowed. This
//! module does the same from the files, asking the interpreter only for its `sys.path`, so the
//! environment needs no pip and no code of ours runs inside it.
//!
//! Where a distribution came from is in its PEP 610 `direct_url.json`: absent for an install
//! by name (from an index or find-links), present for a URL, a local file or directory, or a
//! VCS checkout, with `dir_info.editable` for an editable install. Only the absent case can be
//! pinned from an index.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::str::FromStr as _;

use anyhow::{Context as _, bail};
use hashpin_pypi::{CoreMetadata, ExtraName, PackageName, Requirement, Version};

/// One installed distribution.
#[derive(Debug, Clone)]
pub(crate) struct Installed {
    /// The normalized name.
    pub(crate) name: PackageName,
    /// The installed version.
    pub(crate) version: Version,
    /// `Requires-Dist` (or an egg-info's `requires.txt`), markers unevaluated.
    pub(crate) requires: Vec<Requirement>,
    /// `Provides-Extra`.
    pub(crate) provides_extra: Vec<ExtraName>,
    /// Where it was installed from.
    pub(crate) origin: Origin,
}

/// Where a distribution was installed from, as its PEP 610 record (or an `.egg-link`) says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Origin {
    /// No record: installed by name, from an index or a find-links location.
    ByName,
    /// An editable install of a project directory (`pip install -e`, `setup.py develop`).
    Editable {
        /// The project directory (or its URL when it is not a local one).
        location: String,
    },
    /// A direct reference: a URL, a local file or directory, or a VCS checkout.
    Direct {
        /// What kind, for the message.
        kind: DirectKind,
        /// The path of a local file or directory, else the URL without credentials.
        location: String,
    },
}

/// The kinds of PEP 610 direct references.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DirectKind {
    /// `archive_info` with a `file:` URL: a wheel or sdist on disk.
    LocalFile,
    /// `archive_info` with another URL: a wheel or sdist downloaded from it.
    Url,
    /// `dir_info` without `editable`: a local project directory, built and installed.
    Directory,
    /// `vcs_info`: a checkout of this VCS (`git`, `hg`, …).
    Vcs(String),
}

/// Prints `sys.path` as JSON, without the entry `-c` puts first (the current directory, where
/// hashpin happens to run, not part of the environment) and without the standard library
/// directories (nothing is installed there). `purelib` and `platlib` are added if missing, so
/// an interpreter started with an unusual configuration still shows its site-packages.
const SYS_PATH_QUERY: &str = r#"
import json, os, sys, sysconfig
paths = sysconfig.get_paths()
def key(path):
    return os.path.normcase(os.path.realpath(path))
stdlib = {key(paths[name]) for name in ("stdlib", "platstdlib") if name in paths}
entries = sys.path[1:] if sys.path and sys.path[0] == "" else list(sys.path)
for name in ("purelib", "platlib"):
    if name in paths and paths[name] not in entries:
        entries.append(paths[name])
print(json.dumps([entry for entry in entries if key(entry) not in stdlib]))
"#;

/// The directories `python` imports from, in its order, as `pip freeze` run by it would
/// search them.
///
/// The interpreter runs without `-I`, as pip does, so `PYTHONPATH`, the user site and `.pth`
/// files count. Entries that are not directories (the standard library's zip) are left out.
pub(crate) fn import_directories(python: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let output = Command::new(python)
        .args(["-c", SYS_PATH_QUERY])
        .output()
        .with_context(|| format!("cannot run `{}`", python.display()))?;
    if !output.status.success() {
        bail!(
            "`{}` could not list its import path: it exited with {}: {}",
            python.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    let entries: Vec<PathBuf> = serde_json::from_slice(&output.stdout).with_context(|| {
        format!(
            "`{}` gave an unexpected answer for its import path",
            python.display()
        )
    })?;
    Ok(entries.into_iter().filter(|entry| entry.is_dir()).collect())
}

/// Every distribution installed in `directories`, in search order, first of each name only.
///
/// A metadata directory without its metadata file is skipped with a warning, as pip skips it:
/// it is the remnant of a failed install or uninstall, not an installed distribution.
/// Malformed metadata is an error that names the file.
pub(crate) fn distributions(directories: &[PathBuf]) -> anyhow::Result<Vec<Installed>> {
    let mut found: Vec<Installed> = Vec::new();
    let mut names = HashSet::new();
    // pip decides that a distribution is a legacy editable by name, from an `.egg-link`
    // anywhere on the path, wherever its metadata was found first (usually through the
    // project directory that `easy-install.pth` adds to the path).
    let mut linked = HashMap::new();
    for directory in directories {
        let mut here = in_directory(directory)?;
        for (link, target) in egg_links(directory)? {
            let location = target.display().to_string();
            let behind = if target.is_dir() {
                in_directory(&target)?
            } else {
                Vec::new()
            };
            if behind.is_empty() {
                log::warn!(
                    "`{}` links to {location}, where no distribution is found; it is left out",
                    link.display()
                );
            }
            for installed in &behind {
                linked.insert(installed.name.clone(), location.clone());
            }
            here.extend(behind);
        }
        for installed in here {
            if names.insert(installed.name.clone()) {
                found.push(installed);
            } else {
                log::debug!(
                    "{} {} is shadowed by an earlier one on the path",
                    installed.name,
                    installed.version
                );
            }
        }
    }
    for installed in &mut found {
        if let Some(location) = linked.get(&installed.name) {
            installed.origin = Origin::Editable {
                location: location.clone(),
            };
        }
    }
    Ok(found)
}

/// The distributions whose metadata sits directly in `directory`, sorted by file name so that
/// the answer does not depend on the file system's order.
fn in_directory(directory: &Path) -> anyhow::Result<Vec<Installed>> {
    let mut found = Vec::new();
    for path in sorted_entries(directory)? {
        let Some(file_name) = path.file_name().and_then(|name| name.to_str()) else {
            continue;
        };
        let is_dist_info = file_name.ends_with(".dist-info");
        if !is_dist_info && !file_name.ends_with(".egg-info") {
            continue;
        }
        // pip renames a distribution it is replacing to `~name…` and removes it at the end;
        // an interrupted run leaves it behind, and pip ignores it with a warning too.
        if file_name.starts_with('~') {
            log::warn!(
                "ignoring `{}`: the leftover of an interrupted pip run",
                path.display()
            );
            continue;
        }
        if let Some(installed) = read_distribution(&path, is_dist_info)? {
            found.push(installed);
        }
    }
    Ok(found)
}

fn sorted_entries(directory: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut paths = std::fs::read_dir(directory)
        .with_context(|| format!("cannot read the directory {}", directory.display()))?
        .map(|entry| entry.map(|entry| entry.path()))
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("cannot read the directory {}", directory.display()))?;
    paths.sort();
    Ok(paths)
}

/// Reads one `.dist-info` directory, or an `.egg-info` directory or file; `None` when it holds
/// no metadata.
fn read_distribution(path: &Path, is_dist_info: bool) -> anyhow::Result<Option<Installed>> {
    let metadata_path = if is_dist_info {
        path.join("METADATA")
    } else if path.is_dir() {
        path.join("PKG-INFO")
    } else {
        // distutils wrote a single `name-version.egg-info` file: the PKG-INFO itself.
        path.to_path_buf()
    };
    let bytes = match std::fs::read(&metadata_path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            log::warn!(
                "skipping `{}`: it has no {} file",
                path.display(),
                metadata_path
                    .file_name()
                    .map(|name| name.to_string_lossy())
                    .unwrap_or_default()
            );
            return Ok(None);
        }
        Err(error) => {
            return Err(error).with_context(|| format!("cannot read {}", metadata_path.display()));
        }
    };
    let metadata = CoreMetadata::parse(&bytes)
        .with_context(|| format!("invalid metadata in {}", metadata_path.display()))?;
    let mut requires = metadata.requires_dist;
    let mut extras = Vec::new();
    // importlib.metadata's order: `Requires-Dist` if there is any, else `requires.txt`.
    if requires.is_empty() && !is_dist_info && path.is_dir() {
        match std::fs::read_to_string(path.join("requires.txt")) {
            Ok(text) => (requires, extras) = egg_info_requirements(&text),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => {
                return Err(error)
                    .with_context(|| format!("cannot read {}/requires.txt", path.display()));
            }
        }
    }
    let origin = if is_dist_info {
        direct_origin(&path.join("direct_url.json"))?
    } else {
        Origin::ByName
    };
    Ok(Some(Installed {
        name: metadata.name,
        version: metadata.version,
        requires,
        provides_extra: if extras.is_empty() {
            metadata.provides_extra
        } else {
            extras
        },
        origin,
    }))
}

/// The `.egg-link` files of `directory` and the directories they point to: the first
/// non-empty line, relative to `directory` (as setuptools and pip read it).
fn egg_links(directory: &Path) -> anyhow::Result<Vec<(PathBuf, PathBuf)>> {
    let mut links = Vec::new();
    for path in sorted_entries(directory)? {
        if path
            .extension()
            .is_none_or(|extension| extension != "egg-link")
            || !path.is_file()
        {
            continue;
        }
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        if let Some(target) = text.lines().map(str::trim).find(|line| !line.is_empty()) {
            links.push((path.clone(), directory.join(target)));
        }
    }
    Ok(links)
}

/// What `direct_url.json` (PEP 610) says about where the distribution came from.
fn direct_origin(path: &Path) -> anyhow::Result<Origin> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Origin::ByName),
        Err(error) => return Err(error).with_context(|| format!("cannot read {}", path.display())),
    };
    let record: serde_json::Value = serde_json::from_slice(&bytes)
        .with_context(|| format!("invalid JSON in {}", path.display()))?;
    let url = record
        .get("url")
        .and_then(serde_json::Value::as_str)
        .with_context(|| format!("{} has no `url`", path.display()))?;
    let shown = without_credentials(url);
    let local = url::Url::parse(url)
        .ok()
        .filter(|url| url.scheme() == "file")
        .and_then(|url| url.to_file_path().ok())
        .map(|path| path.display().to_string());
    if let Some(dir_info) = record.get("dir_info") {
        let location = local.unwrap_or(shown);
        if dir_info
            .get("editable")
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(false)
        {
            return Ok(Origin::Editable { location });
        }
        return Ok(Origin::Direct {
            kind: DirectKind::Directory,
            location,
        });
    }
    if let Some(vcs_info) = record.get("vcs_info") {
        let vcs = vcs_info
            .get("vcs")
            .and_then(serde_json::Value::as_str)
            .unwrap_or("a VCS");
        let url = match vcs_info
            .get("commit_id")
            .and_then(serde_json::Value::as_str)
        {
            Some(commit) => format!("{shown}@{commit}"),
            None => shown,
        };
        return Ok(Origin::Direct {
            kind: DirectKind::Vcs(vcs.to_string()),
            location: url,
        });
    }
    // `archive_info`, and anything a later PEP 610 revision may add: a direct reference all
    // the same, which an index pin would silently replace.
    Ok(match local {
        Some(location) => Origin::Direct {
            kind: DirectKind::LocalFile,
            location,
        },
        None => Origin::Direct {
            kind: DirectKind::Url,
            location: shown,
        },
    })
}

/// `url` without user name or password: a VCS URL may carry an access token.
fn without_credentials(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(parsed) => hashpin_pypi::strip_credentials(&parsed).to_string(),
        Err(_) => url.to_string(),
    }
}

/// The requirements of an egg-info's `requires.txt`, with each section turned into a marker as
/// importlib.metadata does: `[extra]`, `[extra:marker]` and `[:marker]`; and the extras its
/// sections name. A line that is not a valid requirement is skipped (logged): it only feeds
/// `# via` annotations.
fn egg_info_requirements(text: &str) -> (Vec<Requirement>, Vec<ExtraName>) {
    let mut requirements = Vec::new();
    let mut extras = Vec::new();
    let mut condition = String::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(section) = line
            .strip_prefix('[')
            .and_then(|rest| rest.strip_suffix(']'))
        {
            let (extra, marker) = section.split_once(':').unwrap_or((section, ""));
            let mut parts = Vec::new();
            if !marker.trim().is_empty() {
                parts.push(format!("({})", marker.trim()));
            }
            if let Some(name) = Some(extra.trim())
                .filter(|extra| !extra.is_empty())
                .and_then(|extra| ExtraName::from_str(extra).ok())
            {
                parts.push(format!("extra == \"{name}\""));
                extras.push(name);
            }
            condition = parts.join(" and ");
            continue;
        }
        let text = if condition.is_empty() {
            line.to_string()
        } else {
            format!("{line} ; {condition}")
        };
        match hashpin_pypi::parse_requirement(&text) {
            Ok(requirement) => requirements.push(requirement),
            Err(error) => log::debug!(
                "skipping `{}` of a requires.txt: {error}",
                hashpin_pypi::untrusted::excerpt(&text, 200)
            ),
        }
    }
    (requirements, extras)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }

    fn metadata(name: &str, version: &str, extra: &str) -> String {
        format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n{extra}\n")
    }

    #[test]
    fn reads_dist_info_egg_info_and_the_first_of_each_name() {
        let first = tempfile::tempdir().expect("temp dir");
        let second = tempfile::tempdir().expect("temp dir");
        write(
            &first.path().join("Foo_Bar-1.0.dist-info/METADATA"),
            &metadata("Foo_Bar", "1.0", "Requires-Dist: baz>=1\n"),
        );
        write(
            &first.path().join("old-2.0-py3.11.egg-info/PKG-INFO"),
            &metadata("old", "2.0", ""),
        );
        write(
            &first.path().join("old-2.0-py3.11.egg-info/requires.txt"),
            "six\n\n[test]\npytest\n\n[:sys_platform == \"win32\"]\npywin32\n",
        );
        write(
            &first.path().join("single-0.1.egg-info"),
            &metadata("single", "0.1", ""),
        );
        write(
            &first.path().join("~roken-1.0.dist-info/METADATA"),
            &metadata("broken", "1.0", ""),
        );
        write(&first.path().join("empty-1.0.dist-info/RECORD"), "");
        write(
            &second.path().join("foo_bar-2.0.dist-info/METADATA"),
            &metadata("foo-bar", "2.0", ""),
        );
        let found =
            distributions(&[first.path().to_path_buf(), second.path().to_path_buf()]).expect("ok");
        let names: Vec<String> = found
            .iter()
            .map(|installed| format!("{}=={}", installed.name, installed.version))
            .collect();
        assert_eq!(names, ["foo-bar==1.0", "old==2.0", "single==0.1"]);
        let old = &found[1];
        let requires: Vec<String> = old.requires.iter().map(ToString::to_string).collect();
        assert_eq!(
            requires,
            [
                "six",
                "pytest ; extra == 'test'",
                "pywin32 ; sys_platform == 'win32'"
            ]
        );
        assert_eq!(
            old.provides_extra,
            ["test".parse::<ExtraName>().expect("an extra")]
        );
        assert!(
            found
                .iter()
                .all(|installed| installed.origin == Origin::ByName)
        );
    }

    #[test]
    fn reads_pep_610_records_and_egg_links() {
        let site = tempfile::tempdir().expect("temp dir");
        let project = tempfile::tempdir().expect("temp dir");
        let record = |name: &str, json: &str| {
            let info = site.path().join(format!("{name}-1.0.dist-info"));
            write(&info.join("METADATA"), &metadata(name, "1.0", ""));
            write(&info.join("direct_url.json"), json);
        };
        record(
            "editable",
            r#"{"url": "file:///home/me/src/editable", "dir_info": {"editable": true}}"#,
        );
        record(
            "local",
            r#"{"url": "file:///home/me/src/local", "dir_info": {}}"#,
        );
        record(
            "archive",
            r#"{"url": "https://user:secret@example.invalid/archive-1.0.tar.gz", "archive_info": {}}"#,
        );
        record(
            "checkout",
            r#"{"url": "https://token@example.invalid/checkout.git", "vcs_info": {"vcs": "git", "commit_id": "abc123"}}"#,
        );
        write(
            &project.path().join("develop.egg-info/PKG-INFO"),
            &metadata("develop", "0.1", ""),
        );
        write(
            &site.path().join("develop.egg-link"),
            &format!("{}\n.\n", project.path().display()),
        );
        let found = distributions(&[site.path().to_path_buf()]).expect("ok");
        let origin = |name: &str| {
            found
                .iter()
                .find(|installed| installed.name.as_ref() == name)
                .map(|installed| installed.origin.clone())
                .expect("found")
        };
        assert_eq!(
            origin("editable"),
            Origin::Editable {
                location: "/home/me/src/editable".into()
            }
        );
        assert_eq!(
            origin("local"),
            Origin::Direct {
                kind: DirectKind::Directory,
                location: "/home/me/src/local".into()
            }
        );
        assert_eq!(
            origin("archive"),
            Origin::Direct {
                kind: DirectKind::Url,
                location: "https://example.invalid/archive-1.0.tar.gz".into()
            }
        );
        assert_eq!(
            origin("checkout"),
            Origin::Direct {
                kind: DirectKind::Vcs("git".into()),
                location: "https://example.invalid/checkout.git@abc123".into()
            }
        );
        assert_eq!(
            origin("develop"),
            Origin::Editable {
                location: project.path().display().to_string()
            }
        );
    }

    #[test]
    fn asks_the_interpreter_for_its_import_directories() {
        let directories = import_directories(Path::new("python3")).expect("python3 answers");
        assert!(
            directories
                .iter()
                .any(|directory| directory.ends_with("site-packages")
                    || directory.ends_with("dist-packages")),
            "{directories:?}"
        );
        let cwd = std::env::current_dir().expect("a current directory");
        assert!(!directories.contains(&cwd), "{directories:?}");
    }
}

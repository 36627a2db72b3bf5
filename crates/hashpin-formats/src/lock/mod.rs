//! The lock as a model: what was locked, for which target, from where, with which files.
//!
//! Plain data, no network. Commands build a [`Lock`] once (from a resolution, an environment
//! or a file) and read and write lockfiles only through it: [`requirements_txt`] and
//! [`pylock`] each have one reader and one writer.
//!
//! Every string here may have come from outside (an index page, a lock someone else wrote):
//! the writers neutralise it for their format, so no text can become a line of its own.

pub mod pylock;
pub mod requirements_txt;
mod selection;

pub use selection::{MarkerError, Selected, Selection, normalize_name};

use std::collections::BTreeMap;
use std::path::Path;

use hashpin_pypi::{ExtraName, HashDigest, PackageName, Publisher, Timestamp, Version};

/// A lockfile's contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lock {
    /// The tool that wrote it: `hashpin`, or the writer of a lock that was read (`uv`,
    /// `pip`, `pip-compile`, `pdm`), when it says.
    pub created_by: Option<String>,
    /// The command that reproduces it and notes for reviewers; `None` for `--no-header`.
    pub header: Option<Header>,
    /// Files uploaded after this instant were left out (`--exclude-newer`).
    pub cutoff: Option<Timestamp>,
    /// The environments the lock is for.
    pub target: LockTarget,
    /// Index options written at the top of a requirements file (`--emit-index-url`), without
    /// credentials.
    pub index_options: Vec<IndexOption>,
    /// Which files of each version carry hashes.
    pub hash_scope: HashScope,
    /// The extras and dependency groups package markers may test (a pylock's).
    pub selectable: Selectable,
    /// The pins, in any order (writers sort them).
    pub packages: Vec<Package>,
}

impl Default for Lock {
    fn default() -> Self {
        Self {
            created_by: Some(CREATED_BY.to_string()),
            header: None,
            cutoff: None,
            target: LockTarget::default(),
            index_options: Vec::new(),
            hash_scope: HashScope::EveryFile,
            selectable: Selectable::default(),
            packages: Vec::new(),
        }
    }
}

/// `created-by` of the locks hashpin writes.
pub const CREATED_BY: &str = "hashpin";

/// The header: what reproduces the lock, and what a reviewer should know about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The command line, with relative paths and no credentials.
    pub command: String,
    /// Extra lines for reviewers (e.g. yanked releases let through on purpose).
    pub notes: Vec<String>,
}

/// Where a lock installs: PEP 751's `requires-python` and `environments`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LockTarget {
    /// PEP 440 specifiers the installing Python must meet.
    pub requires_python: Option<String>,
    /// PEP 508 markers, one of which the installing environment must meet.
    pub environments: Vec<String>,
}

/// PEP 751's `extras`, `dependency-groups` and `default-groups`: what an installer may
/// select, which package markers test as `extras` and `dependency_groups`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selectable {
    /// The extras the lock has, normalized.
    pub extras: Vec<String>,
    /// The dependency groups the lock has, normalized.
    pub dependency_groups: Vec<String>,
    /// The groups installed when none are asked for, normalized.
    pub default_groups: Vec<String>,
}

/// An index option of a requirements file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexOption {
    /// `--index-url URL`.
    IndexUrl(String),
    /// `--extra-index-url URL`.
    ExtraIndexUrl(String),
}

/// Which files of a pinned version a lock hashes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashScope {
    /// Every file the index lists for the version (hashpin, pip-compile and uv's
    /// requirements output): the lock installs wherever the version does, and a file the
    /// index lists without its hash in the lock is worth a warning.
    EveryFile,
    /// Only the files listed (`pip lock` records the one it installed): other files of the
    /// version are not expected.
    ListedFiles,
}

/// One locked project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    /// The project, normalized.
    pub name: PackageName,
    /// The pinned version; `None` only in a lock someone else wrote, for a directory or VCS
    /// source whose version is not recorded.
    pub version: Option<Version>,
    /// A PEP 508 marker deciding whether it is installed, as written.
    pub marker: Option<String>,
    /// The Requires-Python of the version.
    pub requires_python: Option<String>,
    /// The index its files were found on, without credentials.
    pub index: Option<String>,
    /// Where it is installed from.
    pub source: Source,
    /// Its files: for [`Source::Index`] every file locked, for [`Source::Archive`] the one
    /// archive; none for a directory or VCS source.
    pub files: Vec<LockedFile>,
    /// Extras the lock asks for (`name[extra]==1.0`).
    pub extras: Vec<ExtraName>,
    /// What required it: `-r requirements.in`, `-c constraints.txt`, or a project name.
    pub via: Vec<String>,
    /// The yank of a yanked release locked on purpose (`--allow-yanked`).
    pub yanked: Option<Yank>,
    /// The Trusted Publishers of its files, as the index's PEP 740 provenance names them
    /// (PEP 751's `attestation-identities`), sorted.
    pub attestation_identities: Vec<Publisher>,
    /// Facts later commands record about the package (startup hooks, licence, publisher),
    /// by name: kept in a pylock's `[packages.tool.hashpin]`.
    pub facts: BTreeMap<String, Vec<String>>,
}

impl Package {
    /// A package from an index, with nothing but its name, version and files.
    pub fn new(name: PackageName, version: Version, files: Vec<LockedFile>) -> Self {
        Self {
            name,
            version: Some(version),
            marker: None,
            requires_python: None,
            index: None,
            source: Source::Index,
            files,
            extras: Vec::new(),
            via: Vec::new(),
            yanked: None,
            attestation_identities: Vec::new(),
            facts: BTreeMap::new(),
        }
    }

    /// Every hash of every file, in file order.
    pub fn hashes(&self) -> impl Iterator<Item = &HashDigest> {
        self.files.iter().flat_map(|file| &file.hashes)
    }

    /// `name==version` (or just the name when there is no version), as messages name it.
    pub fn release(&self) -> String {
        match &self.version {
            Some(version) => format!("{}=={version}", self.name),
            None => self.name.to_string(),
        }
    }
}

/// A yanked release (PEP 592).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Yank {
    /// The reason the index gave, as published (untrusted).
    pub reason: Option<String>,
}

/// Where a package is installed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Files of an index (wheels and sdist).
    Index,
    /// One archive named by URL (`name @ https://…/name-1.0.tar.gz`), without credentials.
    Archive {
        /// Its URL.
        url: String,
    },
    /// A local project, built at install time.
    Directory {
        /// Its path, relative to the lock's directory, with `/` separators.
        path: String,
        /// Installed in editable mode.
        editable: bool,
    },
    /// A version-control checkout, built at install time.
    Vcs {
        /// `git`, `hg`, …
        kind: String,
        /// Its URL, without credentials.
        url: String,
        /// The exact commit.
        commit: String,
    },
}

/// One file of a locked version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockedFile {
    /// Its filename; `None` when the lock records only its hash (a requirements file).
    pub filename: Option<String>,
    /// Where to get it: a URL without credentials, or a path relative to the lock's
    /// directory (PEP 751's `path`, for a file of a local find-links directory); `None` when
    /// the lock does not say.
    pub url: Option<String>,
    /// Its size in bytes.
    pub size: Option<u64>,
    /// When it was uploaded.
    pub upload_time: Option<Timestamp>,
    /// Its digests, sorted.
    pub hashes: Vec<HashDigest>,
}

impl LockedFile {
    /// A file known only by its digest, as a requirements file knows it.
    pub fn hash_only(hash: HashDigest) -> Self {
        Self {
            filename: None,
            url: None,
            size: None,
            upload_time: None,
            hashes: vec![hash],
        }
    }

    /// Whether it is a wheel, by its filename (or its URL's last segment).
    pub fn is_wheel(&self) -> bool {
        self.name().is_some_and(|name| {
            std::path::Path::new(name)
                .extension()
                .is_some_and(|extension| extension.eq_ignore_ascii_case("whl"))
        })
    }

    /// The filename, or the last segment of its URL.
    pub fn name(&self) -> Option<&str> {
        self.filename.as_deref().or_else(|| {
            self.url
                .as_deref()
                .map(|url| url.split(['?', '#']).next().unwrap_or(url))
                .and_then(|url| url.rsplit('/').next())
                .filter(|name| !name.is_empty())
        })
    }
}

/// The lockfile formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockFormat {
    /// A pip requirements file with `==` pins and `--hash` options.
    RequirementsTxt,
    /// PEP 751's `pylock.toml`.
    Pylock,
}

impl LockFormat {
    /// The format a file's name implies: PEP 751's `pylock.toml` and `pylock.NAME.toml`,
    /// else a requirements file.
    pub fn of_path(path: &Path) -> Self {
        let name = path
            .file_name()
            .map(|name| name.to_string_lossy())
            .unwrap_or_default();
        if is_pylock_name(&name) {
            Self::Pylock
        } else {
            Self::RequirementsTxt
        }
    }

    /// The name `--format` takes.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RequirementsTxt => "requirements.txt",
            Self::Pylock => "pylock.toml",
        }
    }
}

/// PEP 751: `pylock.toml`, or `pylock.NAME.toml` where NAME has no dot.
fn is_pylock_name(name: &str) -> bool {
    if name == "pylock.toml" {
        return true;
    }
    name.strip_prefix("pylock.")
        .and_then(|rest| rest.strip_suffix(".toml"))
        .is_some_and(|middle| !middle.is_empty() && !middle.contains('.'))
}

#[cfg(test)]
mod tests;

//! Which versions of a project may be chosen, and why the others may not.
//!
//! A version is a candidate when, after the upload cutoff, it still has files; when it is not
//! yanked (PEP 592); and when at least one of its files can be installed on the target (a
//! compatible wheel or an sdist, whose `Requires-Python` accepts the target Python).

use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;

use hashpin_pypi::{DistFile, PackageName, Project, Timestamp, Version, VersionSpecifiers};

use crate::environment::TargetEnvironment;

/// Why a version cannot be chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unusable {
    /// Every file of the version is yanked.
    Yanked {
        /// The reason the index gives, if any.
        reason: Option<String>,
    },
    /// No file accepts the target Python.
    RequiresPython {
        /// The file's (or metadata's) `Requires-Python`.
        specifiers: VersionSpecifiers,
        /// The target Python.
        python: Version,
    },
    /// No wheel matches the target's tags, and there is no sdist.
    NoCompatibleFile,
    /// It has no wheel for the target, and its sdist does not declare its dependencies
    /// statically: only a build, which hashpin never runs, would tell them.
    NeedsBuild,
    /// Its metadata cannot be used (malformed, or not about this version).
    Metadata(String),
    /// One of its requirements and the constraints on that project leave no version.
    Constrained {
        /// The requirement, as `` `name>=1` ``.
        requirement: String,
        /// The constraints on that project, as `` `name<1` ``.
        constraint: String,
    },
}

impl fmt::Display for Unusable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Yanked {
                reason: Some(reason),
            } => write!(f, "is yanked (reason: {reason})"),
            Self::Yanked { reason: None } => f.write_str("is yanked"),
            Self::RequiresPython { specifiers, python } => {
                write!(
                    f,
                    "requires Python {specifiers}, and the target is Python {python}"
                )
            }
            Self::NoCompatibleFile => {
                f.write_str("has no wheel for the target platform and no sdist")
            }
            Self::NeedsBuild => f.write_str(
                "can only be installed from an sdist that does not declare its dependencies \
                 statically (hashpin does not build sdists)",
            ),
            Self::Metadata(why) => write!(f, "has unusable metadata: {why}"),
            Self::Constrained {
                requirement,
                constraint,
            } => write!(
                f,
                "depends on {requirement} (excluded by the constraint {constraint})"
            ),
        }
    }
}

/// One version and what may be done with it.
///
/// Files are referred to by their index in the shared [`Project`], not copied: a large
/// project lists thousands of files, and every run builds candidates for every version.
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    pub(crate) version: Version,
    project: Arc<Project>,
    /// Every file of the version that exists under the cutoff, for hashing.
    files: Vec<usize>,
    /// The file to read metadata from: the best installable wheel, else the sdist.
    metadata_file: Option<usize>,
    pub(crate) unusable: Option<Unusable>,
    /// Every file is yanked (so, if usable, the yank was explicitly allowed).
    pub(crate) yanked: bool,
}

impl Candidate {
    /// Every file of the version under the cutoff.
    pub(crate) fn files(&self) -> impl Iterator<Item = &DistFile> + '_ {
        self.files.iter().map(|&index| &self.project.files[index])
    }

    /// The file to read metadata from.
    pub(crate) fn metadata_file(&self) -> Option<&DistFile> {
        self.metadata_file.map(|index| &self.project.files[index])
    }
}

/// A project's versions, newest first.
#[derive(Debug, Clone, Default)]
pub(crate) struct Candidates {
    pub(crate) versions: Vec<Candidate>,
    /// The project was not found anywhere.
    pub(crate) missing: bool,
}

impl Candidates {
    pub(crate) fn new(
        project: &Arc<Project>,
        target: &TargetEnvironment,
        exclude_newer: Option<Timestamp>,
        allow_yanked: &HashSet<(PackageName, Version)>,
    ) -> Self {
        let mut versions = Vec::new();
        // Files are sorted newest version first, so each version's files are one run.
        let mut start = 0;
        while start < project.files.len() {
            let version = project.files[start].version();
            let end = project.files[start..]
                .iter()
                .position(|file| file.version() != version)
                .map_or(project.files.len(), |offset| start + offset);
            let files: Vec<usize> = (start..end)
                .filter(
                    |&index| match (exclude_newer, project.files[index].upload_time) {
                        (None, _) => true,
                        (Some(cutoff), Some(uploaded)) => uploaded <= cutoff,
                        // Without an upload time the cutoff cannot be proven: such a file does
                        // not exist for a reproducible resolution.
                        (Some(_), None) => false,
                    },
                )
                .collect();
            start = end;
            if files.is_empty() {
                continue;
            }
            let yank_allowed = allow_yanked.contains(&(project.name.clone(), version.clone()));
            versions.push(candidate(project, files, target, yank_allowed));
        }
        Self {
            versions,
            missing: false,
        }
    }

    pub(crate) fn missing() -> Self {
        Self {
            versions: Vec::new(),
            missing: true,
        }
    }

    pub(crate) fn get(&self, version: &Version) -> Option<&Candidate> {
        self.versions
            .iter()
            .find(|candidate| &candidate.version == version)
    }
}

fn candidate(
    project: &Arc<Project>,
    files: Vec<usize>,
    target: &TargetEnvironment,
    yank_allowed: bool,
) -> Candidate {
    let file = |index: usize| &project.files[index];
    let live: Vec<usize> = files
        .iter()
        .copied()
        .filter(|&index| yank_allowed || !file(index).yanked.is_yanked())
        .collect();
    let installable = live
        .iter()
        .copied()
        .filter(|&index| target.can_install(file(index)))
        .min_by_key(|&index| target.tags.rank(&file(index).parsed));
    let unusable = if live.is_empty() {
        Some(Unusable::Yanked {
            reason: files
                .iter()
                .find_map(|&index| file(index).yanked.reason())
                .map(str::to_string),
        })
    } else if installable.is_some() {
        None
    } else if let Some(specifiers) = live
        .iter()
        .map(|&index| file(index))
        .filter(|file| target.tags.accepts(&file.parsed))
        .find_map(|file| {
            file.requires_python
                .clone()
                .filter(|specifiers| !target.accepts_python(Some(specifiers)))
        })
    {
        Some(Unusable::RequiresPython {
            specifiers,
            python: target.python_version.clone(),
        })
    } else {
        Some(Unusable::NoCompatibleFile)
    };
    Candidate {
        version: file(files[0]).version().clone(),
        yanked: files.iter().all(|&index| file(index).yanked.is_yanked()),
        project: Arc::clone(project),
        files,
        metadata_file: installable,
        unusable,
    }
}

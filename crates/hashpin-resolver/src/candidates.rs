//! Which versions of a project may be chosen, and why the others may not.
//!
//! A version is a candidate when, after the upload cutoff, it still has files; when it is not
//! yanked (PEP 592); and when at least one of its files can be installed on the target (a
//! compatible wheel or an sdist, whose `Requires-Python` accepts the target Python).

use std::collections::HashSet;
use std::fmt;

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
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    pub(crate) version: Version,
    /// Every file of the version that exists under the cutoff, for hashing.
    pub(crate) files: Vec<DistFile>,
    /// The file to read metadata from: the best installable wheel, else the sdist.
    pub(crate) metadata_file: Option<DistFile>,
    pub(crate) unusable: Option<Unusable>,
    /// Every file is yanked (so, if usable, the yank was explicitly allowed).
    pub(crate) yanked: bool,
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
        project: &Project,
        target: &TargetEnvironment,
        exclude_newer: Option<Timestamp>,
        allow_yanked: &HashSet<(PackageName, Version)>,
    ) -> Self {
        let mut versions = Vec::new();
        for (version, files) in project.versions() {
            let files: Vec<DistFile> = files
                .into_iter()
                .filter(|file| match (exclude_newer, file.upload_time) {
                    (None, _) => true,
                    (Some(cutoff), Some(uploaded)) => uploaded <= cutoff,
                    // Without an upload time the cutoff cannot be proven: such a file does
                    // not exist for a reproducible resolution.
                    (Some(_), None) => false,
                })
                .cloned()
                .collect();
            if files.is_empty() {
                continue;
            }
            let yank_allowed = allow_yanked.contains(&(project.name.clone(), version.clone()));
            versions.push(candidate(version, files, target, yank_allowed));
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
    version: &Version,
    files: Vec<DistFile>,
    target: &TargetEnvironment,
    yank_allowed: bool,
) -> Candidate {
    let live: Vec<&DistFile> = files
        .iter()
        .filter(|file| yank_allowed || !file.yanked.is_yanked())
        .collect();
    let installable = live
        .iter()
        .filter(|file| target.can_install(file))
        .min_by_key(|file| target.tags.rank(&file.parsed))
        .map(|file| (*file).clone());
    let unusable = if live.is_empty() {
        Some(Unusable::Yanked {
            reason: files
                .iter()
                .find_map(|file| file.yanked.reason())
                .map(str::to_string),
        })
    } else if installable.is_some() {
        None
    } else if let Some(specifiers) = live
        .iter()
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
        version: version.clone(),
        yanked: files.iter().all(|file| file.yanked.is_yanked()),
        files,
        metadata_file: installable,
        unusable,
    }
}

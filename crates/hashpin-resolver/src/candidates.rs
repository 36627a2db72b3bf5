//! Which versions of a project may be chosen, and why the others may not.
//!
//! A version is a candidate when, after the upload cutoff, it still has files; when it is not
//! yanked (PEP 592); and when at least one of its files can be installed on the target (a
//! compatible wheel or an sdist, whose `Requires-Python` accepts the target Python).
//!
//! Judging a version unpacks its files, which costs far more than everything else the
//! resolver does with it, and most projects list hundreds of versions of which a resolution
//! looks at a few. So versions are listed from the project's version table alone (the
//! earliest upload time settles the cutoff), and each is judged the first time it is asked
//! about. Files from find-links locations have no upload time; the cutoff does not apply to
//! them (as uv treats them), while an index's files without one are left out under it.

use std::collections::HashSet;
use std::fmt;
use std::sync::{Arc, OnceLock};

use hashpin_pypi::{
    DistFile, DistFilename, FileOrigin, PackageName, Project, Timestamp, UntrustedText, Version,
    VersionSpecifiers,
};

use crate::build::{BinaryPolicy, BuildRefusal};
use crate::environment::TargetEnvironment;

/// Why a version cannot be chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unusable {
    /// Every file of the version is yanked.
    Yanked {
        /// The reason the index gives, if any.
        reason: Option<UntrustedText>,
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
    /// statically: only a build would tell them, and this one may not be built.
    NeedsBuild(BuildRefusal),
    /// Every file that would do is ruled out by `--only-binary` or `--no-binary`.
    NotAllowed {
        /// The flag.
        flag: &'static str,
    },
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
            Self::NeedsBuild(refusal) => {
                write!(f, "must be built to tell its dependencies, and {refusal}")
            }
            Self::NotAllowed { flag } => write!(f, "has no file that {flag} allows"),
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
    files: Vec<DistFile>,
    /// The file to read metadata from (an index into `files`): the best installable wheel,
    /// else (installed from the sdist) any other wheel of the version, else the sdist.
    metadata_file: Option<usize>,
    pub(crate) unusable: Option<Unusable>,
    /// Every file is yanked (so, if usable, the yank was explicitly allowed).
    pub(crate) yanked: bool,
}

impl Candidate {
    /// Every file of the version under the cutoff.
    pub(crate) fn files(&self) -> &[DistFile] {
        &self.files
    }

    /// The file to read metadata from.
    pub(crate) fn metadata_file(&self) -> Option<&DistFile> {
        self.metadata_file.map(|index| &self.files[index])
    }
}

/// What judging a version depends on besides its files.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Policy<'a> {
    pub(crate) target: &'a TargetEnvironment,
    pub(crate) allow_yanked: &'a HashSet<(PackageName, Version)>,
    pub(crate) binary: &'a BinaryPolicy,
}

/// A project's versions, newest first, each judged on first use.
#[derive(Debug, Default)]
pub(crate) struct Candidates {
    project: Option<Arc<Project>>,
    /// Files uploaded after it do not exist (the project's `--exclude-newer`).
    cutoff: Option<Timestamp>,
    /// The versions with a file under the cutoff.
    pub(crate) versions: Vec<Slot>,
    /// The project was not found anywhere.
    pub(crate) missing: bool,
}

/// One version, judged on first use.
#[derive(Debug)]
pub(crate) struct Slot {
    /// The version as the project's table lists it; equal to its candidate's.
    pub(crate) version: Version,
    /// Its position in the project's versions.
    index: usize,
    /// Boxed: a project lists up to thousands of versions and a resolution judges a few.
    candidate: OnceLock<Box<Candidate>>,
}

impl Candidates {
    pub(crate) fn new(project: &Arc<Project>, exclude_newer: Option<Timestamp>) -> Self {
        // Allocated once: growing a list of thousands of slots was a sixth of a run from the
        // cache, all of it on the solver's thread.
        let mut versions = Vec::with_capacity(project.versions().len());
        versions.extend(
            project
                .versions()
                .iter()
                .enumerate()
                .filter(|(_, version)| match exclude_newer {
                    None => true,
                    // An index's files without an upload time cannot be proven older than the
                    // cutoff: they do not exist for a reproducible resolution. Find-links
                    // files have none, and the user put them there: they count.
                    Some(cutoff) => {
                        version.in_find_links()
                            || version
                                .earliest_upload()
                                .is_some_and(|uploaded| uploaded <= cutoff)
                    }
                })
                .map(|(index, version)| Slot {
                    version: version.version().clone(),
                    index,
                    candidate: OnceLock::new(),
                }),
        );
        Self {
            project: Some(Arc::clone(project)),
            cutoff: exclude_newer,
            versions,
            missing: false,
        }
    }

    pub(crate) fn missing() -> Self {
        Self {
            project: None,
            cutoff: None,
            versions: Vec::new(),
            missing: true,
        }
    }

    /// The candidate of one listed version, judged now if it was not yet.
    pub(crate) fn judge<'a>(&'a self, slot: &'a Slot, policy: Policy<'_>) -> &'a Candidate {
        slot.candidate.get_or_init(|| {
            let files = self
                .project
                .as_ref()
                .map(|project| project.files_at(slot.index))
                .unwrap_or_default();
            let name = self.project.as_ref().map(|project| &project.name);
            Box::new(candidate(name, &slot.version, files, policy, self.cutoff))
        })
    }

    /// Whether the project's cached page turned out damaged while versions were judged (see
    /// [`Project::is_damaged`]).
    pub(crate) fn is_damaged(&self) -> bool {
        self.project
            .as_ref()
            .is_some_and(|project| project.is_damaged())
    }

    /// Takes the files of `version`'s candidate, if it was judged: once solving is over, the
    /// resolution keeps them instead of copies (thousands of files, a tenth of a run from
    /// the cache).
    pub(crate) fn take_files(&mut self, version: &Version) -> Option<Vec<DistFile>> {
        let slot = self
            .versions
            .iter_mut()
            .find(|slot| &slot.version == version)?;
        let candidate = slot.candidate.get_mut()?;
        Some(std::mem::take(&mut candidate.files))
    }

    pub(crate) fn get(&self, version: &Version, policy: Policy<'_>) -> Option<&Candidate> {
        self.versions
            .iter()
            .find(|slot| &slot.version == version)
            .map(|slot| self.judge(slot, policy))
    }
}

/// Judges the files of one version (`listed`, as the version table lists it).
fn candidate(
    name: Option<&PackageName>,
    listed: &Version,
    files: Vec<DistFile>,
    policy: Policy<'_>,
    exclude_newer: Option<Timestamp>,
) -> Candidate {
    let Policy {
        target,
        allow_yanked,
        binary,
    } = policy;
    let mut refused_by = None;
    let files: Vec<DistFile> = files
        .into_iter()
        .filter(|file| match (exclude_newer, file.upload_time) {
            (None, _) => true,
            (Some(cutoff), Some(uploaded)) => uploaded <= cutoff,
            (Some(_), None) => file.origin != FileOrigin::Index,
        })
        // Files the user ruled out are left out of the lock too: pip would not install them.
        .filter(|file| {
            let allowed = name.is_none_or(|name| binary.allows(name, &file.parsed));
            if !allowed {
                refused_by = Some(BinaryPolicy::refusing_flag(&file.parsed));
            }
            allowed
        })
        .collect();
    // Equal to the listed version, but spelled as its first file spells it, as before
    // versions were listed from a table.
    let version = files
        .first()
        .map_or_else(|| listed.clone(), |file| file.version().clone());
    let yank_allowed =
        name.is_some_and(|name| allow_yanked.contains(&(name.clone(), version.clone())));
    let live: Vec<usize> = (0..files.len())
        .filter(|&index| yank_allowed || !files[index].yanked.is_yanked())
        .collect();
    let installable = live
        .iter()
        .copied()
        .filter(|&index| target.can_install(&files[index]))
        .min_by_key(|&index| target.tags.rank(&files[index].parsed));
    let unusable = if let (true, Some(flag)) = (files.is_empty(), refused_by) {
        Some(Unusable::NotAllowed { flag })
    } else if files.is_empty() {
        // Only a damaged cache entry or two sources disagreeing on upload times get here.
        Some(Unusable::NoCompatibleFile)
    } else if live.is_empty() {
        Some(Unusable::Yanked {
            reason: files.iter().find_map(|file| file.yanked.reason()).cloned(),
        })
    } else if installable.is_some() {
        None
    } else if let Some(specifiers) = live
        .iter()
        .map(|&index| &files[index])
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
        Some(
            refused_by.map_or(Unusable::NoCompatibleFile, |flag| Unusable::NotAllowed {
                flag,
            }),
        )
    };
    // Installed from its sdist, the version still tells its dependencies through a wheel
    // built for another platform or Python, as uv reads them: a wheel's METADATA is static,
    // costs a range read instead of the whole sdist, and runs no build.
    let metadata_file = match installable {
        Some(index) if matches!(files[index].parsed, DistFilename::Sdist(_)) => live
            .iter()
            .copied()
            .filter(|&index| matches!(files[index].parsed, DistFilename::Wheel(_)))
            .min_by_key(|&index| (files[index].size.unwrap_or(u64::MAX), index))
            .or(installable),
        other => other,
    };
    Candidate {
        version,
        yanked: files.iter().all(|file| file.yanked.is_yanked()),
        files,
        metadata_file,
        unusable,
    }
}

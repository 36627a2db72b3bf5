//! The result: one pinned version per project, its files, and who asked for it.

use std::collections::{BTreeMap, BTreeSet};

use hashpin_pypi::{DistFile, ExtraName, PackageName, Requirement, Version};

/// What pulled a package in.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Requester {
    /// A root requirement (the user's input).
    Root,
    /// Another locked project.
    Project(PackageName),
}

/// One requirement that pulled a package in.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Edge {
    /// Who declared it.
    pub from: Requester,
    /// The requirement as declared (with its extras and markers).
    pub requirement: Requirement,
}

/// One pinned project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedPackage {
    /// The project.
    pub name: PackageName,
    /// The chosen version.
    pub version: Version,
    /// Every file of that version (under the upload cutoff), for hashing: the lock must
    /// install wherever the version does.
    pub files: Vec<DistFile>,
    /// Extras of it that were asked for.
    pub extras: BTreeSet<ExtraName>,
    /// The requirements that pulled it in.
    pub required_by: BTreeSet<Edge>,
}

/// A complete resolution, sorted by project name.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Resolution {
    /// The pinned projects.
    pub packages: BTreeMap<PackageName, ResolvedPackage>,
}

impl Resolution {
    /// The pinned version of `name`.
    pub fn version(&self, name: &PackageName) -> Option<&Version> {
        self.packages.get(name).map(|package| &package.version)
    }
}

//! The packages PubGrub decides about.
//!
//! An extra is a package of its own: `foo[bar]` at version `v` depends on `foo` at exactly `v`
//! and on the requirements the extra adds. Requiring `foo[bar]` and `foo[baz]` then combines
//! correctly, and a conflict inside one extra is explained in terms of that extra (the model uv
//! uses; see its `pubgrub/package.rs`).

use std::fmt;

use hashpin_pypi::{ExtraName, PackageName};

/// A node of the PubGrub graph.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Package {
    /// The user's requirements.
    Root,
    /// A project.
    Project(PackageName),
    /// A project with one extra.
    Extra(PackageName, ExtraName),
}

impl Package {
    /// The project this node is about (none for the root).
    pub fn name(&self) -> Option<&PackageName> {
        match self {
            Self::Root => None,
            Self::Project(name) | Self::Extra(name, _) => Some(name),
        }
    }
}

impl fmt::Display for Package {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Root => f.write_str("your requirements"),
            Self::Project(name) => write!(f, "{name}"),
            Self::Extra(name, extra) => write!(f, "{name}[{extra}]"),
        }
    }
}

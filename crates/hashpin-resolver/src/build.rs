//! Which distributions may be used, and which sdists may be built for their metadata.
//!
//! The resolver does not build anything itself: a [`MetadataBuilder`] (the `hashpin-build`
//! crate's, in the binary) does, and the resolver asks it only for a version whose sdist does
//! not declare its dependencies statically, and only where the [`BuildPolicy`] allows it.

use std::collections::HashSet;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use hashpin_pypi::{CoreMetadata, DistFile, DistFilename, PackageName};

/// Why a build failed, as the builder tells it (its `Display` names the cause, with the end
/// of the build's log where there is one).
pub type BuildFailure = Arc<dyn std::error::Error + Send + Sync + 'static>;

/// A future the builder returns.
pub type BuildFuture = Pin<Box<dyn Future<Output = Result<CoreMetadata, BuildFailure>> + Send>>;

/// Builds an sdist far enough to read its core metadata (PEP 517).
pub trait MetadataBuilder: Send + Sync + fmt::Debug + 'static {
    /// The metadata of the sdist `file`, checked to describe that project and version.
    fn build_metadata(&self, file: DistFile) -> BuildFuture;
}

/// A set of projects: all of them, or some by name (pip's `:all:` or a list).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum ProjectSet {
    /// None.
    #[default]
    None,
    /// Every project (`:all:`).
    All,
    /// These.
    Some(HashSet<PackageName>),
}

impl ProjectSet {
    /// Whether `name` is in the set.
    pub fn contains(&self, name: &PackageName) -> bool {
        match self {
            Self::None => false,
            Self::All => true,
            Self::Some(names) => names.contains(name),
        }
    }

    /// Whether the set names `name` itself (not through `:all:`).
    fn names(&self, name: &PackageName) -> bool {
        matches!(self, Self::Some(names) if names.contains(name))
    }
}

/// Which files of a project may be used: pip's `--only-binary` and `--no-binary`.
///
/// A project named in one set is ruled by it even when the other says `:all:`, as in pip.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BinaryPolicy {
    /// Only wheels.
    pub only_binary: ProjectSet,
    /// Only sdists.
    pub no_binary: ProjectSet,
}

impl BinaryPolicy {
    /// Whether `file` of `name` may be used.
    pub fn allows(&self, name: &PackageName, file: &DistFilename) -> bool {
        match file {
            DistFilename::Wheel(_) => {
                !self.no_binary.contains(name) || self.only_binary.names(name)
            }
            DistFilename::Sdist(_) => {
                !self.only_binary.contains(name) || self.no_binary.names(name)
            }
        }
    }

    /// The flag that ruled out `file`, for messages.
    pub(crate) fn refusing_flag(file: &DistFilename) -> &'static str {
        match file {
            DistFilename::Wheel(_) => "--no-binary",
            DistFilename::Sdist(_) => "--only-binary",
        }
    }
}

/// Which sdists may be built for their metadata.
#[derive(Debug, Clone, Default)]
pub struct BuildPolicy {
    /// The builder; without one nothing is built.
    pub builder: Option<Arc<dyn MetadataBuilder>>,
    /// No build at all (`--no-build`).
    pub no_build: bool,
    /// No build of these projects (`--no-build-package`).
    pub no_build_packages: HashSet<PackageName>,
}

/// Why an sdist was not built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuildRefusal {
    /// No builder was given (a library caller's choice).
    NoBuilder,
    /// `--no-build`.
    NoBuild,
    /// `--no-build-package NAME`.
    NoBuildPackage,
}

impl fmt::Display for BuildRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NoBuilder => "builds are off",
            Self::NoBuild => "--no-build forbids it",
            Self::NoBuildPackage => "--no-build-package forbids it",
        })
    }
}

impl BuildPolicy {
    /// Whether a local project may be built (only `--no-build` forbids it: it is the user's
    /// own code).
    pub fn builder_for_local(&self) -> Result<&Arc<dyn MetadataBuilder>, BuildRefusal> {
        let builder = self.builder.as_ref().ok_or(BuildRefusal::NoBuilder)?;
        if self.no_build {
            Err(BuildRefusal::NoBuild)
        } else {
            Ok(builder)
        }
    }

    /// The builder for `name`'s sdists, or why they may not be built.
    pub fn builder_for(
        &self,
        name: &PackageName,
    ) -> Result<&Arc<dyn MetadataBuilder>, BuildRefusal> {
        let builder = self.builder.as_ref().ok_or(BuildRefusal::NoBuilder)?;
        if self.no_build {
            Err(BuildRefusal::NoBuild)
        } else if self.no_build_packages.contains(name) {
            Err(BuildRefusal::NoBuildPackage)
        } else {
            Ok(builder)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(text: &str) -> PackageName {
        PackageName::new(text.to_string()).expect("valid name")
    }

    fn file(text: &str) -> DistFilename {
        DistFilename::parse(text, None).expect("valid filename")
    }

    #[test]
    fn a_named_project_beats_all_of_the_other_flag() {
        let wheel = file("foo-1.0-py3-none-any.whl");
        let sdist = file("foo-1.0.tar.gz");
        let policy = BinaryPolicy {
            only_binary: ProjectSet::All,
            no_binary: ProjectSet::Some([name("foo")].into()),
        };
        assert!(policy.allows(&name("foo"), &sdist));
        assert!(!policy.allows(&name("foo"), &wheel));
        assert!(!policy.allows(&name("bar"), &file("bar-1.0.tar.gz")));
        assert!(policy.allows(&name("bar"), &file("bar-1.0-py3-none-any.whl")));
        let default = BinaryPolicy::default();
        assert!(default.allows(&name("foo"), &sdist) && default.allows(&name("foo"), &wheel));
    }

    #[derive(Debug)]
    struct Refuses;

    impl MetadataBuilder for Refuses {
        fn build_metadata(&self, _file: DistFile) -> BuildFuture {
            Box::pin(async { Err(Arc::new(std::io::Error::other("no")) as BuildFailure) })
        }
    }

    #[test]
    fn flags_refuse_builds_a_builder_could_do() {
        let mut policy = BuildPolicy::default();
        assert_eq!(
            policy.builder_for(&name("foo")).err(),
            Some(BuildRefusal::NoBuilder)
        );
        policy.builder = Some(Arc::new(Refuses));
        assert!(policy.builder_for(&name("foo")).is_ok());
        policy.no_build_packages.insert(name("foo"));
        assert_eq!(
            policy.builder_for(&name("foo")).err(),
            Some(BuildRefusal::NoBuildPackage)
        );
        assert!(policy.builder_for(&name("bar")).is_ok());
        policy.no_build = true;
        assert_eq!(
            policy.builder_for(&name("bar")).err(),
            Some(BuildRefusal::NoBuild)
        );
    }
}

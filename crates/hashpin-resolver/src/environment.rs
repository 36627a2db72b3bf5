//! The environment a resolution is for: marker values, the Python version, and wheel tags.

use std::collections::HashMap;

use hashpin_pypi::{DistFile, DistFilename, Version, VersionSpecifiers};
use pep508_rs::{ExtraName, MarkerEnvironment, MarkerTree};

/// Where the locked requirements will be installed.
#[derive(Debug, Clone)]
pub struct TargetEnvironment {
    /// Values for PEP 508 markers (`sys_platform`, `python_version`, …).
    pub markers: MarkerEnvironment,
    /// The full Python version that `Requires-Python` is checked against.
    pub python_version: Version,
    /// The wheel tags the target accepts.
    pub tags: Tags,
}

impl TargetEnvironment {
    /// Whether a marker holds on the target, with no extra requested. Every marker
    /// evaluation for a target goes through here and [`Self::added_by_extra`], so a lock for
    /// several environments at once changes these two and nothing else.
    pub fn applies(&self, marker: &MarkerTree) -> bool {
        marker.evaluate(&self.markers, &[])
    }

    /// Whether a requirement's marker holds only because `extra` is requested: what an extra
    /// adds to a project's requirements, without the base ones it shares with the project.
    pub fn added_by_extra(&self, marker: &MarkerTree, extra: &ExtraName) -> bool {
        marker.evaluate(&self.markers, std::slice::from_ref(extra)) && !self.applies(marker)
    }

    /// Whether a requirement in a project's metadata applies to the target: for the project
    /// itself (`extra` is `None`), or as what `extra` adds.
    pub fn requires(&self, marker: &MarkerTree, extra: Option<&ExtraName>) -> bool {
        match extra {
            None => self.applies(marker),
            Some(extra) => self.added_by_extra(marker, extra),
        }
    }

    /// Whether `file` could be installed on the target: an sdist, or a wheel with a compatible
    /// tag, whose `Requires-Python` (as the index lists it) accepts the target Python.
    pub fn can_install(&self, file: &DistFile) -> bool {
        self.accepts_python(file.requires_python.as_ref()) && self.tags.accepts(&file.parsed)
    }

    /// Whether a `Requires-Python` accepts the target Python. PEP 440 comparison on the
    /// release alone, as pip does for the interpreter's version.
    pub fn accepts_python(&self, requires_python: Option<&VersionSpecifiers>) -> bool {
        requires_python.is_none_or(|specifiers| specifiers.contains(&self.python_version))
    }
}

/// The wheel tags a target accepts, most preferred first (as `packaging.tags.sys_tags()`
/// lists them).
#[derive(Debug, Clone, Default)]
pub struct Tags {
    /// (python, abi, platform) → preference rank (0 is best).
    ranks: HashMap<(String, String, String), usize>,
}

impl Tags {
    /// Tags from `(python, abi, platform)` triples, most preferred first.
    pub fn new(triples: impl IntoIterator<Item = (String, String, String)>) -> Self {
        let mut ranks = HashMap::new();
        for (rank, triple) in triples.into_iter().enumerate() {
            ranks.entry(triple).or_insert(rank);
        }
        Self { ranks }
    }

    /// Whether the file can be installed: sdists always can (they build anywhere); wheels need
    /// one of their expanded tags to be accepted.
    pub fn accepts(&self, file: &DistFilename) -> bool {
        self.rank(file).is_some()
    }

    /// The best (lowest) rank of a wheel's tags; sdists rank after every wheel.
    pub fn rank(&self, file: &DistFilename) -> Option<usize> {
        let DistFilename::Wheel(wheel) = file else {
            return Some(usize::MAX);
        };
        let mut best: Option<usize> = None;
        for python in &wheel.python_tags {
            for abi in &wheel.abi_tags {
                for platform in &wheel.platform_tags {
                    if let Some(&rank) =
                        self.ranks
                            .get(&(python.clone(), abi.clone(), platform.clone()))
                    {
                        best = Some(best.map_or(rank, |best| best.min(rank)));
                    }
                }
            }
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags() -> Tags {
        Tags::new(
            [
                ("cp312", "cp312", "manylinux_2_17_x86_64"),
                ("cp312", "abi3", "manylinux_2_17_x86_64"),
                ("py3", "none", "any"),
            ]
            .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string())),
        )
    }

    fn parse(filename: &str) -> DistFilename {
        DistFilename::parse(filename, None).expect("valid filename")
    }

    #[test]
    fn wheels_need_a_tag_sdists_do_not() {
        let tags = tags();
        assert_eq!(
            tags.rank(&parse("a-1.0-cp312-cp312-manylinux_2_17_x86_64.whl")),
            Some(0)
        );
        assert_eq!(tags.rank(&parse("a-1.0-py2.py3-none-any.whl")), Some(2));
        assert_eq!(tags.rank(&parse("a-1.0-cp312-cp312-win_amd64.whl")), None);
        assert_eq!(tags.rank(&parse("a-1.0.tar.gz")), Some(usize::MAX));
    }
}

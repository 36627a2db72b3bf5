//! PEP 440 version specifiers as PubGrub ranges.
//!
//! `pep440_rs` converts most operators exactly. Two kinds of bound are made here instead:
//! local versions (PEP 440 says a specifier without a local label ignores candidates' local
//! labels, so `==1.0` matches `1.0+cpu` and `<=1.0` matches it too, while `!=1.0` excludes it:
//! those operators cover every local version of their public version), and the exclusive
//! comparisons with a post-release, where `pep440_rs` drops `1.2.3.post1.dev0` from
//! `>1.2.3.post0` and `1.2.3a1` from `<1.2.3.post1`. A test compares every conversion with
//! what the `packaging` library (pip's) answers, over a grid of versions and specifiers.

use hashpin_pypi::{Version, VersionSpecifiers};
use pep440_rs::{Operator, VersionSpecifier};
use pubgrub::Ranges;

/// The range of versions that `specifiers` allow.
pub(crate) fn to_ranges(specifiers: &VersionSpecifiers) -> Ranges<Version> {
    specifiers.iter().fold(Ranges::full(), |range, specifier| {
        range.intersection(&specifier_range(specifier))
    })
}

fn specifier_range(specifier: &VersionSpecifier) -> Ranges<Version> {
    let version = specifier.version();
    if version.is_local() {
        return Ranges::from(specifier.clone());
    }
    let post_release = version.post().is_some() && !version.any_prerelease();
    match specifier.operator() {
        Operator::Equal => with_locals(version),
        Operator::NotEqual => with_locals(version).complement(),
        Operator::LessThanEqual => Ranges::strictly_lower_than(after_locals(version)),
        // `>V.postN` excludes V.postN's local versions, nothing more: the development releases
        // of later post-releases (`V.post(N+1).dev0`) are above it.
        Operator::GreaterThan if post_release => Ranges::higher_than(after_locals(version)),
        // `<V.postN` excludes the pre-releases of V.postN itself (its `.devM` releases), not
        // those of V: `1.2.3a1` is below `1.2.3.post1`.
        Operator::LessThan if post_release => {
            Ranges::strictly_lower_than(version.clone().with_dev(Some(0)))
        }
        _ => Ranges::from(specifier.clone()),
    }
}

/// `version` and all its local versions: `[version, next public version)`.
fn with_locals(version: &Version) -> Ranges<Version> {
    Ranges::from_range_bounds(version.clone()..after_locals(version))
}

/// The smallest version above every `version+local`: nothing sorts between a version's local
/// variants and the next dev, post or release.
pub(crate) fn after_locals(version: &Version) -> Version {
    if let Some(dev) = version.dev() {
        version.clone().with_dev(Some(dev + 1))
    } else {
        let post = version.post().map_or(0, |post| post + 1);
        version.clone().with_post(Some(post)).with_dev(Some(0))
    }
}

/// `specifiers` as a user writes them in a message: `>=2.0.0,<3.0.0`, the way ranges are
/// shown beside them.
pub(crate) fn as_written(specifiers: &VersionSpecifiers) -> String {
    specifiers
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// Whether any specifier names a pre-release, which lets pre-releases of that package be
/// chosen (pip's rule).
pub(crate) fn names_prerelease(specifiers: &VersionSpecifiers) -> bool {
    specifiers
        .iter()
        .any(|specifier| specifier.version().any_prerelease())
}

/// The exact version an `==` or `===` specifier pins (no wildcard), if any.
pub(crate) fn exact_pin(specifiers: &VersionSpecifiers) -> Option<&Version> {
    specifiers.iter().find_map(|specifier| {
        matches!(specifier.operator(), Operator::Equal | Operator::ExactEqual)
            .then(|| specifier.version())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(text: &str) -> Ranges<Version> {
        to_ranges(&text.parse().expect("valid specifiers"))
    }

    fn v(text: &str) -> Version {
        text.parse().expect("valid version")
    }

    #[test]
    fn operators_follow_pep_440() {
        let cases = [
            (
                "~=1.4.5",
                &["1.4.5", "1.4.99"][..],
                &["1.5", "1.4.4", "1.5.0.dev0"][..],
            ),
            (
                "==1.2.*",
                &["1.2", "1.2.9", "1.2.0.post1"],
                &["1.3", "1.1.99"],
            ),
            ("!=1.5", &["1.4", "1.5.1"], &["1.5", "1.5.0"]),
            (">1.7", &["1.7.1", "1.8"], &["1.7", "1.7.post1"]),
            ("<2", &["1.9"], &["2.0a1", "2.0"]),
            ("<2.0b1", &["2.0a1"], &["2.0b1"]),
            (">=1,<2", &["1.0", "1.5"], &["0.9", "2.0"]),
            ("===1.0", &["1.0"], &["1.0.1"]),
        ];
        for (specifiers, allowed, denied) in cases {
            let range = range(specifiers);
            for version in allowed {
                assert!(
                    range.contains(&v(version)),
                    "{specifiers} should allow {version}"
                );
            }
            for version in denied {
                assert!(
                    !range.contains(&v(version)),
                    "{specifiers} should deny {version}"
                );
            }
        }
    }

    #[test]
    fn local_versions_match_their_public_version() {
        assert!(range("==1.0").contains(&v("1.0+cpu")));
        assert!(!range("==1.0").contains(&v("1.0.post0")));
        assert!(range("<=1.0").contains(&v("1.0+cpu")));
        assert!(!range("!=1.0").contains(&v("1.0+cpu")));
        assert!(!range("==1.0+cu118").contains(&v("1.0+cpu")));
        assert!(range("==1.0+cpu").contains(&v("1.0+cpu")));
        assert!(range("==1.0.dev1").contains(&v("1.0.dev1+local")));
        assert!(!range("==1.0.dev1").contains(&v("1.0.dev2")));
        assert!(range("==1.0.post1").contains(&v("1.0.post1+x")));
    }

    /// Versions around `1.2.3` in every PEP 440 form (pre-, post- and development releases,
    /// local labels, and their neighbours), with their release segments.
    fn version_grid() -> Vec<(&'static str, String)> {
        let mut grid = Vec::new();
        for release in ["1.2.3", "1.2", "1.2.4", "1.3", "1.2.3.1", "2"] {
            for suffix in [
                "",
                "a1",
                "b2",
                "rc1",
                ".dev0",
                ".dev3",
                "a1.dev1",
                ".post0",
                ".post1",
                ".post1.dev0",
                ".post2",
                "+local",
                ".post0+local",
                "a1+x",
                ".dev0+x",
            ] {
                grid.push((release, format!("{release}{suffix}")));
            }
        }
        grid
    }

    /// Specifiers over the same versions, for every operator that takes them.
    fn specifier_grid() -> Vec<String> {
        let mut grid = Vec::new();
        for (release, version) in version_grid() {
            let local = version.contains('+');
            for operator in ["==", "!=", "<", "<=", ">", ">="] {
                if !local || matches!(operator, "==" | "!=") {
                    grid.push(format!("{operator}{version}"));
                }
            }
            // `~=` needs two release segments.
            if !local && release.contains('.') {
                grid.push(format!("~={version}"));
            }
        }
        grid.extend(["==1.2.*", "!=1.2.*", "==1.*", "==1.2.3.*", "!=1.2.3.*"].map(String::from));
        grid
    }

    /// Every (specifier, version) pair `packaging` allows with pre-releases on, as pip's
    /// `SpecifierSet(..., prereleases=True).contains` answers, from the test tools' Python.
    fn packaging_answers(specifiers: &[String], versions: &[String]) -> Vec<Vec<bool>> {
        let tools = std::env::var_os("HASHPIN_TEST_TOOLS").unwrap_or_else(|| {
            panic!("this test asks `packaging`: run it with scripts/test.sh, which installs the test tools (or set HASHPIN_TEST_TOOLS)")
        });
        let python = std::path::Path::new(&tools).join("bin/python");
        let script = "import json, sys\n\
            from packaging.specifiers import SpecifierSet\n\
            data = json.load(sys.stdin)\n\
            json.dump([[SpecifierSet(s, prereleases=True).contains(v) for v in data['versions']] for s in data['specifiers']], sys.stdout)\n";
        let mut child = std::process::Command::new(python)
            .args(["-c", script])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("the test tools' Python runs");
        let input = format!("{{\"specifiers\": {specifiers:?}, \"versions\": {versions:?}}}");
        std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), input.as_bytes())
            .expect("the grid is sent");
        let output = child.wait_with_output().expect("packaging answers");
        assert!(output.status.success(), "{output:?}");
        serde_json::from_slice(&output.stdout).expect("a JSON grid of booleans")
    }

    #[test]
    fn every_conversion_agrees_with_packaging() {
        let versions: Vec<String> = version_grid()
            .into_iter()
            .map(|(_, version)| version)
            .collect();
        let specifiers = specifier_grid();
        let answers = packaging_answers(&specifiers, &versions);
        let mut disagreements = Vec::new();
        for (specifier, row) in specifiers.iter().zip(&answers) {
            let range = range(specifier);
            for (version, &expected) in versions.iter().zip(row) {
                if range.contains(&v(version)) != expected {
                    disagreements.push(format!(
                        "{specifier} {} {version}",
                        if expected { "allows" } else { "denies" }
                    ));
                }
            }
        }
        assert!(
            disagreements.is_empty(),
            "{} of {} answers differ from packaging's:\n{}",
            disagreements.len(),
            specifiers.len() * versions.len(),
            disagreements.join("\n")
        );
    }

    #[test]
    fn prerelease_and_pin_detection() {
        let specifiers: VersionSpecifiers = ">=1.0rc1".parse().expect("valid");
        assert!(names_prerelease(&specifiers));
        let specifiers: VersionSpecifiers = "==2.0,!=2.1".parse().expect("valid");
        assert_eq!(
            exact_pin(&specifiers).map(ToString::to_string).as_deref(),
            Some("2.0")
        );
        let specifiers: VersionSpecifiers = "==2.*".parse().expect("valid");
        assert_eq!(exact_pin(&specifiers), None);
    }
}

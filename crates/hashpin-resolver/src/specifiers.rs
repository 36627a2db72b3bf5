//! PEP 440 version specifiers as PubGrub ranges.
//!
//! `pep440_rs` converts each operator exactly, except for local versions: PEP 440 says a
//! specifier without a local label ignores candidates' local labels, so `==1.0` matches
//! `1.0+cpu` and `<=1.0` matches it too, while `!=1.0` excludes it. Those three operators are
//! widened here to cover every local version of their public version.

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
    match specifier.operator() {
        Operator::Equal => with_locals(version),
        Operator::NotEqual => with_locals(version).complement(),
        Operator::LessThanEqual => Ranges::strictly_lower_than(after_locals(version)),
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

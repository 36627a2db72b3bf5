//! Whether an advisory's ranges take in a version, as OSV defines `ECOSYSTEM` ranges: the
//! events sorted by PEP 440 version, a version affected from an `introduced` until a `fixed`
//! or `limit` at or below it, or a `last_affected` below it. The explicit `versions` list
//! counts too (the advisories of the Python Packaging Authority carry both).

use std::str::FromStr as _;

use hashpin_pypi::Version;

use crate::advisory::Affected;

/// One event of a range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Event {
    /// `None`: `"0"`, the start of every project's history.
    Introduced(Option<Version>),
    Fixed(Version),
    LastAffected(Version),
    Limit(Version),
}

impl Event {
    /// An event object (`{"introduced": "1.0"}`); `None` for one without a readable version.
    pub(crate) fn from_wire(event: &serde_json::Map<String, serde_json::Value>) -> Option<Self> {
        let (key, value) = event.iter().next()?;
        let text = value.as_str()?.trim();
        let version = || {
            let version = Version::from_str(text).ok();
            if version.is_none() {
                log::debug!("an advisory range names `{text}`, which is not a PEP 440 version");
            }
            version
        };
        Some(match key.as_str() {
            "introduced" if text == "0" => Self::Introduced(None),
            "introduced" => Self::Introduced(Some(version()?)),
            "fixed" => Self::Fixed(version()?),
            "last_affected" => Self::LastAffected(version()?),
            "limit" if text == "*" => return None,
            "limit" => Self::Limit(version()?),
            _ => return None,
        })
    }

    /// The text of an event whose version [`Event::from_wire`] could not read, if it is a
    /// bound at all.
    pub(crate) fn unreadable(event: &serde_json::Map<String, serde_json::Value>) -> Option<&str> {
        let (key, value) = event.iter().next()?;
        let text = value.as_str()?.trim();
        let bound = matches!(key.as_str(), "introduced" | "fixed" | "last_affected")
            || (key == "limit" && text != "*");
        bound.then_some(text)
    }

    fn version(&self) -> Option<&Version> {
        match self {
            Self::Introduced(version) => version.as_ref(),
            Self::Fixed(version) | Self::LastAffected(version) | Self::Limit(version) => {
                Some(version)
            }
        }
    }
}

/// Whether `entry` takes in `version`.
pub(crate) fn affects(entry: &Affected, version: &Version) -> bool {
    entry.ranges.iter().any(|range| in_range(range, version))
        || entry.versions.iter().any(|listed| {
            Version::from_str(listed.trim()).map_or_else(
                |_| listed.trim() == version.to_string(),
                |listed| &listed == version,
            )
        })
}

fn in_range(events: &[Event], version: &Version) -> bool {
    let mut sorted: Vec<&Event> = events.iter().collect();
    // `0` first; a stable sort keeps the written order of events at one version.
    sorted.sort_by(|a, b| a.version().cmp(&b.version()));
    let mut affected = false;
    for event in sorted {
        match event {
            Event::Introduced(start) => {
                if start.as_ref().is_some_and(|start| start > version) {
                    break;
                }
                affected = true;
            }
            Event::Fixed(end) | Event::Limit(end) => {
                if end > version {
                    break;
                }
                affected = false;
            }
            Event::LastAffected(last) => {
                if last >= version {
                    break;
                }
                affected = false;
            }
        }
    }
    affected
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Version {
        Version::from_str(text).unwrap()
    }

    fn entry(ranges: Vec<Vec<Event>>, versions: &[&str]) -> Affected {
        Affected {
            name: hashpin_pypi::PackageName::from_str("a").unwrap(),
            ranges,
            versions: versions.iter().map(|s| (*s).to_string()).collect(),
        }
    }

    #[test]
    fn introduced_until_fixed() {
        let e = entry(
            vec![vec![Event::Introduced(None), Event::Fixed(v("2.31.0"))]],
            &[],
        );
        assert!(e.ranges.len() == 1 && affects(&e, &v("0.1")));
        assert!(affects(&e, &v("2.30.9")));
        // Pre-releases of the fix come before it, in PEP 440 order.
        assert!(affects(&e, &v("2.31.0rc1")));
        assert!(!affects(&e, &v("2.31.0")));
        assert!(!affects(&e, &v("2.31.0.post1")));
        assert!(!affects(&e, &v("3")));
    }

    #[test]
    fn several_windows_in_one_range_and_written_out_of_order() {
        let e = entry(
            vec![vec![
                Event::Fixed(v("5.2")),
                Event::Introduced(Some(v("5.0"))),
                Event::Introduced(Some(v("4.0"))),
                Event::Fixed(v("4.3")),
            ]],
            &[],
        );
        for (version, expected) in [
            ("3.9", false),
            ("4.0", true),
            ("4.2.9", true),
            ("4.3", false),
            ("4.9", false),
            ("5.0", true),
            ("5.1", true),
            ("5.2", false),
        ] {
            assert_eq!(affects(&e, &v(version)), expected, "{version}");
        }
    }

    #[test]
    fn last_affected_is_inclusive_and_limit_is_not() {
        let last = entry(
            vec![vec![
                Event::Introduced(Some(v("1.0"))),
                Event::LastAffected(v("1.4")),
            ]],
            &[],
        );
        assert!(affects(&last, &v("1.4")));
        assert!(!affects(&last, &v("1.4.1")));
        let limit = entry(
            vec![vec![Event::Introduced(None), Event::Limit(v("2.0"))]],
            &[],
        );
        assert!(affects(&limit, &v("1.9")) && !affects(&limit, &v("2.0")));
    }

    #[test]
    fn explicit_versions_by_pep_440_equality() {
        let e = entry(Vec::new(), &["1.0", "2.0rc1", "not a version"]);
        assert!(affects(&e, &v("1.0.0")));
        assert!(affects(&e, &v("2.0.0rc1")));
        assert!(!affects(&e, &v("2.0")));
        assert!(!affects(&e, &v("1.0.post1")));
    }

    #[test]
    fn events_without_a_readable_version_are_dropped() {
        let wire: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(r#"{"fixed": "b42dd4ba-not-pep-440"}"#).unwrap();
        assert_eq!(Event::from_wire(&wire), None);
        let wire: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(r#"{"introduced": "0"}"#).unwrap();
        assert_eq!(Event::from_wire(&wire), Some(Event::Introduced(None)));
    }
}

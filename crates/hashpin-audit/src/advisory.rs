//! One OSV advisory, read leniently from its JSON (the OSV schema, 1.x): what is needed to
//! match it to a pin and to report it, and nothing else.

use std::str::FromStr as _;

use hashpin_pypi::{PackageName, Timestamp, Version};
use serde::Deserialize;

use crate::cvss;
use crate::matching::Event;

/// Longer summaries are cut: a report line quotes a summary, it does not reproduce an essay.
const MAX_SUMMARY_CHARS: usize = 300;
/// At most this many aliases, affected entries and events are kept of one advisory; a real one
/// has a handful.
const MAX_ITEMS: usize = 256;

/// How bad a vulnerability is, as its advisory rates it. `Unknown` when it gives no rating
/// hashpin can read (most PYSEC advisories carry none).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    Unknown,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unknown => "unknown",
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }

    /// A CVSS base score's rating (CVSS v3.1 and v4.0 share the bands).
    pub(crate) fn of_score(score: f64) -> Self {
        match score {
            s if s >= 9.0 => Self::Critical,
            s if s >= 7.0 => Self::High,
            s if s >= 4.0 => Self::Medium,
            s if s > 0.0 => Self::Low,
            _ => Self::Unknown,
        }
    }

    /// GitHub's `database_specific.severity` words.
    fn of_word(word: &str) -> Self {
        match word.to_ascii_uppercase().as_str() {
            "CRITICAL" => Self::Critical,
            "HIGH" => Self::High,
            "MODERATE" | "MEDIUM" => Self::Medium,
            "LOW" => Self::Low,
            _ => Self::Unknown,
        }
    }
}

/// The part of an advisory about one project of the Python ecosystem (OSV's `PyPI`).
#[derive(Debug, Clone)]
pub struct Affected {
    pub name: PackageName,
    /// `ECOSYSTEM` ranges, each its events in the order given (other range types, such as
    /// `GIT`, say nothing about release versions and are not kept).
    pub(crate) ranges: Vec<Vec<Event>>,
    /// The explicit `versions` list, as written.
    pub(crate) versions: Vec<String>,
}

impl Affected {
    /// The versions the ranges name as fixed.
    pub fn fixed(&self) -> impl Iterator<Item = &Version> {
        self.ranges
            .iter()
            .flatten()
            .filter_map(|event| match event {
                Event::Fixed(version) => Some(version),
                _ => None,
            })
    }
}

/// An advisory, as much of it as an audit uses.
#[derive(Debug, Clone)]
pub struct Advisory {
    pub id: String,
    pub aliases: Vec<String>,
    /// The summary, else the first line of the details; cut to a line's length.
    pub summary: Option<String>,
    pub withdrawn: bool,
    pub modified: Option<Timestamp>,
    pub severity: Severity,
    /// The highest CVSS v3 base score among its vectors.
    pub score: Option<f64>,
    /// Range bounds that are not PEP 440 versions (`0.2.0-n653`, a date): the ranges are
    /// read without them, which can only widen them, and a report says so.
    pub unreadable_bounds: Vec<String>,
    /// An `https` page about it: the advisory reference, else the first web reference.
    pub url: Option<String>,
    /// The Python projects it is about.
    pub affected: Vec<Affected>,
}

/// Why a file is not an advisory.
#[derive(Debug, thiserror::Error)]
#[error("not an OSV advisory: {0}")]
pub struct AdvisoryError(String);

// The OSV wire format. Unknown fields are ignored; fields of the wrong type fail this one
// advisory, not the database.
#[derive(Deserialize)]
struct Wire {
    id: String,
    #[serde(default)]
    aliases: Vec<String>,
    summary: Option<String>,
    details: Option<String>,
    withdrawn: Option<String>,
    modified: Option<String>,
    #[serde(default)]
    severity: Vec<WireSeverity>,
    #[serde(default)]
    affected: Vec<WireAffected>,
    #[serde(default)]
    references: Vec<WireReference>,
    database_specific: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct WireSeverity {
    #[serde(rename = "type")]
    kind: String,
    score: String,
}

#[derive(Deserialize)]
struct WireAffected {
    package: Option<WirePackage>,
    #[serde(default)]
    ranges: Vec<WireRange>,
    #[serde(default)]
    versions: Vec<String>,
    #[serde(default)]
    severity: Vec<WireSeverity>,
}

#[derive(Deserialize)]
struct WirePackage {
    ecosystem: String,
    name: String,
}

#[derive(Deserialize)]
struct WireRange {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    events: Vec<serde_json::Map<String, serde_json::Value>>,
}

#[derive(Deserialize)]
struct WireReference {
    #[serde(rename = "type")]
    kind: String,
    url: String,
}

impl Advisory {
    /// Parses one advisory from its OSV JSON. Only its `PyPI` entries are kept; an advisory
    /// about other ecosystems only has no [`Advisory::affected`].
    pub fn parse(json: &[u8]) -> Result<Self, AdvisoryError> {
        let wire: Wire =
            serde_json::from_slice(json).map_err(|error| AdvisoryError(error.to_string()))?;
        let mut score = score_of(&wire.severity);
        let mut unreadable_bounds = Vec::new();
        let mut affected = Vec::new();
        for entry in wire.affected.into_iter().take(MAX_ITEMS) {
            let Some(package) = entry.package else {
                continue;
            };
            // `PyPI`, and nothing else: OSV's ecosystem names are exact.
            if package.ecosystem != "PyPI" {
                continue;
            }
            let Ok(name) = PackageName::from_str(&package.name) else {
                continue;
            };
            score = match (score, score_of(&entry.severity)) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            };
            let mut ranges = Vec::new();
            for range in entry
                .ranges
                .into_iter()
                .filter(|range| range.kind == "ECOSYSTEM")
                .take(MAX_ITEMS)
            {
                let mut events = Vec::new();
                for wire in range.events.iter().take(MAX_ITEMS) {
                    match Event::from_wire(wire) {
                        Some(event) => events.push(event),
                        None => {
                            if let Some(text) = Event::unreadable(wire)
                                && unreadable_bounds.len() < MAX_ITEMS
                            {
                                unreadable_bounds.push(cut(text));
                            }
                        }
                    }
                }
                ranges.push(events);
            }
            let mut versions = entry.versions;
            versions.truncate(MAX_ITEMS * 16);
            affected.push(Affected {
                name,
                ranges,
                versions,
            });
        }
        let mut severity = score.map_or(Severity::Unknown, Severity::of_score);
        if severity == Severity::Unknown
            && let Some(word) = wire
                .database_specific
                .as_ref()
                .and_then(|specific| specific.get("severity"))
                .and_then(serde_json::Value::as_str)
        {
            severity = Severity::of_word(word);
        }
        let summary = summary_of(wire.summary, wire.details.as_deref());
        let url = ["ADVISORY", "WEB"].iter().find_map(|kind| {
            wire.references
                .iter()
                .find(|reference| reference.kind == *kind && reference.url.starts_with("https://"))
                .map(|reference| reference.url.clone())
        });
        let mut aliases = wire.aliases;
        aliases.truncate(MAX_ITEMS);
        Ok(Self {
            id: wire.id,
            aliases,
            summary,
            withdrawn: wire.withdrawn.is_some(),
            modified: wire.modified.and_then(|text| text.parse().ok()),
            severity,
            score,
            unreadable_bounds,
            url,
            affected,
        })
    }

    /// An advisory known by its id alone.
    pub(crate) fn bare(id: String) -> Self {
        Self {
            id,
            aliases: Vec::new(),
            summary: None,
            withdrawn: false,
            modified: None,
            severity: Severity::Unknown,
            score: None,
            unreadable_bounds: Vec::new(),
            url: None,
            affected: Vec::new(),
        }
    }

    /// A malicious-package report (OSV's `MAL-` ids), by its id or an alias: the package
    /// itself is the attack, and no fixed version makes it safe to keep.
    pub fn is_malicious(&self) -> bool {
        is_malicious_id(&self.id) || self.aliases.iter().any(|alias| is_malicious_id(alias))
    }

    /// Whether it applies to `version` of `name`.
    pub fn affects(&self, name: &PackageName, version: &Version) -> bool {
        self.affected
            .iter()
            .filter(|entry| &entry.name == name)
            .any(|entry| crate::matching::affects(entry, version))
    }

    /// The versions of `name` it names as fixed, lowest first.
    pub fn fixed(&self, name: &PackageName) -> Vec<Version> {
        let mut fixed: Vec<Version> = self
            .affected
            .iter()
            .filter(|entry| &entry.name == name)
            .flat_map(|entry| entry.fixed().cloned())
            .collect();
        fixed.sort();
        fixed.dedup();
        fixed
    }
}

pub(crate) fn is_malicious_id(id: &str) -> bool {
    id.starts_with("MAL-")
}

/// The highest base score among CVSS vectors hashpin can score (v3.x; a v4 vector, whose
/// score needs CVSS 4's lookup tables, is left to the `database_specific` word).
fn score_of(scores: &[WireSeverity]) -> Option<f64> {
    scores
        .iter()
        .filter(|score| score.kind == "CVSS_V3")
        .filter_map(|score| cvss::base_score_v3(&score.score))
        .reduce(f64::max)
}

/// The summary, else the first line of the details, cut to a line's length.
pub(crate) fn summary_of(summary: Option<String>, details: Option<&str>) -> Option<String> {
    summary
        .filter(|summary| !summary.trim().is_empty())
        .or_else(|| {
            details
                .and_then(|details| details.lines().find(|line| !line.trim().is_empty()))
                .map(str::to_string)
        })
        .map(|text| cut(text.trim()))
}

fn cut(text: &str) -> String {
    match text.char_indices().nth(MAX_SUMMARY_CHARS) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(text: &str) -> PackageName {
        PackageName::from_str(text).unwrap()
    }

    fn version(text: &str) -> Version {
        Version::from_str(text).unwrap()
    }

    #[test]
    fn reads_a_pysec_advisory() {
        let advisory = Advisory::parse(
            br#"{"id": "PYSEC-2021-335", "aliases": ["CVE-2021-32807"],
                "details": "\n  The module `AccessControl` is unsafe.\nMore.",
                "modified": "2021-09-26T23:32:08.989778Z",
                "affected": [{"package": {"ecosystem": "PyPI", "name": "AccessControl"},
                  "ranges": [{"type": "GIT", "repo": "x", "events": [{"introduced": "0"}, {"fixed": "b42d"}]},
                             {"type": "ECOSYSTEM", "events": [{"introduced": "4.0"}, {"fixed": "4.3"}, {"introduced": "5.0"}, {"fixed": "5.2"}]}],
                  "versions": ["4.0", "4.1"]}],
                "references": [{"type": "FIX", "url": "https://example.invalid/fix"},
                               {"type": "ADVISORY", "url": "https://example.invalid/advisory"}]}"#,
        )
        .unwrap();
        assert_eq!(
            advisory.summary.as_deref(),
            Some("The module `AccessControl` is unsafe.")
        );
        assert_eq!(
            advisory.url.as_deref(),
            Some("https://example.invalid/advisory")
        );
        let accesscontrol = name("accesscontrol");
        assert!(advisory.affects(&accesscontrol, &version("4.2")));
        assert!(advisory.affects(&accesscontrol, &version("5.1.1")));
        assert!(!advisory.affects(&accesscontrol, &version("4.3")));
        assert!(!advisory.affects(&accesscontrol, &version("5.2")));
        assert!(!advisory.affects(&name("other"), &version("4.2")));
        assert_eq!(
            advisory.fixed(&accesscontrol),
            vec![version("4.3"), version("5.2")]
        );
        assert_eq!(advisory.severity, Severity::Unknown);
        assert!(!advisory.withdrawn && !advisory.is_malicious());
        assert!(advisory.modified.is_some());
        assert!(advisory.unreadable_bounds.is_empty());
    }

    #[test]
    fn keeps_the_bounds_it_cannot_read_to_say_so() {
        let advisory = Advisory::parse(
            br#"{"id": "PYSEC-2019-125", "affected": [{"package": {"ecosystem": "PyPI", "name": "steam"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2019-09-12"}]}]}]}"#,
        )
        .unwrap();
        assert_eq!(advisory.unreadable_bounds, vec!["2019-09-12"]);
        // Read without its fix, the range takes in every release: wider, never narrower.
        assert!(advisory.affects(&name("steam"), &version("9999")));
    }

    #[test]
    fn rates_by_cvss_then_by_the_database_word() {
        let scored = Advisory::parse(
            br#"{"id": "GHSA-1", "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
                "database_specific": {"severity": "LOW"}}"#,
        )
        .unwrap();
        assert_eq!(scored.severity, Severity::Critical);
        assert_eq!(scored.score, Some(9.8));
        let worded = Advisory::parse(
            br#"{"id": "GHSA-2", "severity": [{"type": "CVSS_V4", "score": "CVSS:4.0/AV:N"}],
                "database_specific": {"severity": "MODERATE"}}"#,
        )
        .unwrap();
        assert_eq!(worded.severity, Severity::Medium);
    }

    #[test]
    fn keeps_pypi_entries_only_and_knows_malicious_ids() {
        let advisory = Advisory::parse(
            br#"{"id": "MAL-2024-1", "withdrawn": "2024-01-02T00:00:00Z",
                "affected": [{"package": {"ecosystem": "npm", "name": "left-pad"}},
                             {"package": {"ecosystem": "PyPI", "name": "Evil_Pkg"}, "versions": ["1.0"]}]}"#,
        )
        .unwrap();
        assert_eq!(advisory.affected.len(), 1);
        assert!(advisory.is_malicious() && advisory.withdrawn);
        assert!(advisory.affects(&name("evil-pkg"), &version("1.0.0")));
    }

    #[test]
    fn refuses_what_is_not_an_advisory() {
        assert!(Advisory::parse(b"[1, 2]").is_err());
        assert!(Advisory::parse(br#"{"id": 5}"#).is_err());
        assert!(Advisory::parse(br#"{"id": "X", "affected": "nope"}"#).is_err());
    }
}

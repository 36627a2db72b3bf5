//! Every source asked about every pin, and their answers merged into findings.

use std::collections::BTreeSet;

use hashpin_pypi::{PackageName, Version};

use crate::advisory::{Severity, is_malicious_id};
use crate::service::{Answer, Hit, Source};

/// A pinned release to audit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pin {
    pub name: PackageName,
    pub version: Version,
}

/// One vulnerability of a pin: the advisories of every source that share an id or alias.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Finding {
    /// The id reported: a `MAL-` id if any, else PYSEC, GHSA, CVE, then any other.
    pub id: String,
    /// Every other id the merged advisories go by, sorted.
    pub aliases: Vec<String>,
    pub summary: Option<String>,
    pub severity: Severity,
    /// The highest CVSS v3 base score of the merged advisories.
    pub score: Option<f64>,
    /// Range bounds of the advisories that are not versions (their ranges were read
    /// without them, so wider).
    pub unreadable_bounds: Vec<String>,
    /// A malicious-package report: the release is the attack.
    pub malicious: bool,
    /// The versions named as fixed, lowest first.
    pub fixed: Vec<Version>,
    pub url: Option<String>,
    /// The indexes in [`Report::sources`] of the sources that reported it.
    pub sources: Vec<usize>,
}

/// A source that could not answer for a pin.
#[derive(Debug, Clone, serde::Serialize)]
pub struct NotAudited {
    pub source: usize,
    pub why: String,
}

/// What the sources said about one pin.
#[derive(Debug, Clone, Default)]
pub struct PinReport {
    pub findings: Vec<Finding>,
    /// The sources that answered for it.
    pub audited_by: Vec<usize>,
    /// The sources that could not.
    pub not_audited: Vec<NotAudited>,
}

impl PinReport {
    /// Whether any source answered: only then does "no finding" mean anything.
    pub fn is_audited(&self) -> bool {
        !self.audited_by.is_empty()
    }
}

/// An audit: one [`PinReport`] per pin, in the order given.
#[derive(Debug)]
pub struct Report {
    pub sources: Vec<String>,
    pub pins: Vec<PinReport>,
}

/// Asks every source about every pin, all sources at once.
pub async fn audit(pins: &[Pin], sources: &[Source]) -> Report {
    let answers =
        futures_util::future::join_all(sources.iter().map(|source| source.ask(pins))).await;
    let mut reports = vec![PinReport::default(); pins.len()];
    let mut hits: Vec<Vec<(usize, Hit)>> = vec![Vec::new(); pins.len()];
    for (source, answers) in answers.into_iter().enumerate() {
        for (at, answer) in answers.into_iter().enumerate() {
            match answer {
                Answer::Audited(found) => {
                    reports[at].audited_by.push(source);
                    hits[at].extend(found.into_iter().map(|hit| (source, hit)));
                }
                Answer::NotAudited(why) => reports[at].not_audited.push(NotAudited { source, why }),
            }
        }
    }
    for (report, hits) in reports.iter_mut().zip(hits) {
        report.findings = merge(hits);
    }
    Report {
        sources: sources.iter().map(ToString::to_string).collect(),
        pins: reports,
    }
}

/// One finding per group of hits that share an id or alias (PYSEC-2023-74, its GHSA and
/// its CVE are one vulnerability, whichever sources named it).
fn merge(hits: Vec<(usize, Hit)>) -> Vec<Finding> {
    // Each group: every id and alias its hits go by, and the hits with their sources.
    type Group = (BTreeSet<String>, Vec<(usize, Hit)>);
    let mut groups: Vec<Group> = Vec::new();
    for (source, hit) in hits {
        let names: BTreeSet<String> = std::iter::once(hit.advisory.id.clone())
            .chain(hit.advisory.aliases.iter().cloned())
            .collect();
        // Every group this hit shares a name with becomes one, with it.
        let mut merged = (names, vec![(source, hit)]);
        let mut at = 0;
        while at < groups.len() {
            if groups[at].0.is_disjoint(&merged.0) {
                at += 1;
            } else {
                let (names, hits) = groups.swap_remove(at);
                merged.0.extend(names);
                merged.1.extend(hits);
            }
        }
        groups.push(merged);
    }
    let mut findings: Vec<Finding> = groups
        .into_iter()
        .map(|(names, hits)| {
            let id = names
                .iter()
                .min_by_key(|name| (preference(name), (*name).clone()))
                .cloned()
                .unwrap_or_default();
            let mut fixed: Vec<Version> =
                hits.iter().flat_map(|(_, hit)| hit.fixed.clone()).collect();
            fixed.sort();
            fixed.dedup();
            let mut sources: Vec<usize> = hits.iter().map(|(source, _)| *source).collect();
            sources.sort_unstable();
            sources.dedup();
            // The summary and link of the advisory that is reported, else of any.
            let first = |get: &dyn Fn(&Hit) -> Option<String>| {
                hits.iter()
                    .filter(|(_, hit)| hit.advisory.id == id)
                    .chain(hits.iter())
                    .find_map(|(_, hit)| get(hit))
            };
            Finding {
                summary: first(&|hit| hit.advisory.summary.clone()),
                url: first(&|hit| hit.advisory.url.clone()),
                severity: hits
                    .iter()
                    .map(|(_, hit)| hit.advisory.severity)
                    .max()
                    .unwrap_or(Severity::Unknown),
                score: hits
                    .iter()
                    .filter_map(|(_, hit)| hit.advisory.score)
                    .reduce(f64::max),
                unreadable_bounds: {
                    let mut bounds: Vec<String> = hits
                        .iter()
                        .flat_map(|(_, hit)| hit.advisory.unreadable_bounds.clone())
                        .collect();
                    bounds.sort();
                    bounds.dedup();
                    bounds
                },
                malicious: names.iter().any(|name| is_malicious_id(name)),
                aliases: names.into_iter().filter(|name| *name != id).collect(),
                id,
                fixed,
                sources,
            }
        })
        .collect();
    findings.sort_by(|a, b| {
        (b.malicious, b.severity)
            .cmp(&(a.malicious, a.severity))
            .then_with(|| natural(&a.id).cmp(&natural(&b.id)))
    });
    findings
}

/// An id's sort key with its numbers as numbers: PYSEC-2021-7 before PYSEC-2021-109.
fn natural(id: &str) -> Vec<(String, u64)> {
    let mut key = Vec::new();
    let mut text = String::new();
    let mut digits = String::new();
    for c in id.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
        } else {
            if !digits.is_empty() {
                key.push((
                    std::mem::take(&mut text),
                    digits.parse().unwrap_or(u64::MAX),
                ));
                digits.clear();
            }
            text.push(c);
        }
    }
    key.push((text, digits.parse().unwrap_or(0)));
    key
}

/// Which id names a merged finding: lower first.
fn preference(id: &str) -> u8 {
    ["MAL-", "PYSEC-", "GHSA-", "CVE-"]
        .iter()
        .position(|prefix| id.starts_with(prefix))
        .map_or(4, |at| u8::try_from(at).unwrap_or(4))
}

#[cfg(test)]
mod tests {
    use std::str::FromStr as _;
    use std::sync::Arc;

    use super::*;
    use crate::advisory::Advisory;
    use crate::database::Database;

    fn advisory(json: &str) -> Advisory {
        Advisory::parse(json.as_bytes()).unwrap()
    }

    fn pin(name: &str, version: &str) -> Pin {
        Pin {
            name: PackageName::from_str(name).unwrap(),
            version: Version::from_str(version).unwrap(),
        }
    }

    #[test]
    fn ids_sort_with_their_numbers_as_numbers() {
        let mut ids = vec![
            "PYSEC-2021-439",
            "PYSEC-2021-7",
            "PYSEC-2020-99",
            "PYSEC-2021-109",
        ];
        ids.sort_by_key(|id| natural(id));
        assert_eq!(
            ids,
            [
                "PYSEC-2020-99",
                "PYSEC-2021-7",
                "PYSEC-2021-109",
                "PYSEC-2021-439"
            ]
        );
    }

    #[tokio::test]
    async fn merges_aliases_skips_withdrawn_and_puts_malicious_first() {
        let affected = r#""affected": [{"package": {"ecosystem": "PyPI", "name": "requests"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.31.0"}]}]}]"#;
        let database = Database::of(vec![
            advisory(&format!(
                r#"{{"id": "PYSEC-2023-74", "aliases": ["CVE-2023-32681"], {affected}}}"#
            )),
            advisory(&format!(
                r#"{{"id": "GHSA-j8r2-6x86-q33q", "aliases": ["CVE-2023-32681"], "database_specific": {{"severity": "MODERATE"}}, {affected}}}"#
            )),
            advisory(&format!(
                r#"{{"id": "PYSEC-2099-1", "withdrawn": "2099-01-01T00:00:00Z", {affected}}}"#
            )),
            advisory(
                r#"{"id": "MAL-2026-9", "affected": [{"package": {"ecosystem": "PyPI", "name": "requests"}, "versions": ["2.30.0"]}]}"#,
            ),
        ]);
        let report = audit(
            &[pin("requests", "2.30.0"), pin("requests", "2.31.0")],
            &[Source::Database(Arc::new(database))],
        )
        .await;
        let findings = &report.pins[0].findings;
        assert_eq!(findings.len(), 2, "{findings:#?}");
        assert!(findings[0].malicious && findings[0].id == "MAL-2026-9");
        assert_eq!(findings[1].id, "PYSEC-2023-74");
        assert_eq!(
            findings[1].aliases,
            vec!["CVE-2023-32681", "GHSA-j8r2-6x86-q33q"]
        );
        assert_eq!(findings[1].severity, Severity::Medium);
        assert_eq!(
            findings[1].fixed,
            vec![Version::from_str("2.31.0").unwrap()]
        );
        assert!(report.pins[1].findings.is_empty() && report.pins[1].is_audited());
    }
}

//! PEP 740 provenance: who published a file, as the index records it.
//!
//! An index that serves provenance links each file to a JSON document of attestation
//! bundles, each with the Trusted Publisher that made it (`kind` such as `GitHub` or
//! `GitLab`, then kind-specific keys: `repository`, `workflow`, `environment`, …). What is
//! read here is that publisher identity, as published: the attestations' Sigstore signatures
//! are not verified (an installer that verifies them checks the identity recorded in the
//! lock against them).

use std::collections::BTreeMap;

use serde::Deserialize;

/// The largest provenance document read (an index's are a few kilobytes per attestation).
pub const MAX_PROVENANCE_BYTES: u64 = 1024 * 1024;

/// At most this many publishers are kept of one document, and this many keys of each: a
/// real file has one or two.
const MAX_PUBLISHERS: usize = 16;
const MAX_KEYS: usize = 16;
/// Longer values are not identities; they are dropped rather than cut.
const MAX_VALUE_CHARS: usize = 512;

/// A Trusted Publisher's identity (PEP 740's publisher object, and PEP 751's
/// `attestation-identities` entry).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Publisher {
    /// `GitHub`, `GitLab`, `Google`, `ActiveState`, …
    pub kind: String,
    /// The kind-specific keys whose values are text (`repository`, `workflow`, …), by
    /// name. `claims`, and anything that is not text, is left out.
    pub keys: BTreeMap<String, String>,
}

/// Why a provenance document cannot be read.
#[derive(Debug, thiserror::Error)]
#[error("not a PEP 740 provenance document: {0}")]
pub struct ProvenanceError(String);

#[derive(Deserialize)]
struct RawProvenance {
    version: u64,
    attestation_bundles: Vec<RawBundle>,
}

#[derive(Deserialize)]
struct RawBundle {
    publisher: serde_json::Map<String, serde_json::Value>,
}

/// The publishers of a provenance document, sorted and without repeats.
///
/// # Errors
/// When it is not JSON of PEP 740's shape, its version is not 1, or a publisher has no kind.
pub(crate) fn publishers(bytes: &[u8]) -> Result<Vec<Publisher>, ProvenanceError> {
    let raw: RawProvenance = serde_json::from_slice(bytes).map_err(|error| {
        ProvenanceError(crate::untrusted::for_terminal(&error.to_string()).into_owned())
    })?;
    if raw.version != 1 {
        return Err(ProvenanceError(format!(
            "version {} (PEP 740 defines 1)",
            raw.version
        )));
    }
    let mut publishers = Vec::new();
    for bundle in raw.attestation_bundles.into_iter().take(MAX_PUBLISHERS) {
        let mut keys = BTreeMap::new();
        let mut kind = None;
        for (key, value) in bundle.publisher {
            let serde_json::Value::String(value) = value else {
                continue;
            };
            if value.chars().count() > MAX_VALUE_CHARS || !is_key(&key) {
                continue;
            }
            if key == "kind" {
                kind = Some(value);
            } else if keys.len() < MAX_KEYS {
                keys.insert(key, value);
            }
        }
        let kind = kind
            .filter(|kind| !kind.is_empty())
            .ok_or_else(|| ProvenanceError("a publisher has no kind".into()))?;
        publishers.push(Publisher { kind, keys });
    }
    publishers.sort();
    publishers.dedup();
    Ok(publishers)
}

/// Keys that can be written as they are (a bare TOML key, a JSON member a human reads).
fn is_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 64
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_publisher_of_each_bundle() {
        let document = br#"{"version": 1, "attestation_bundles": [
            {"publisher": {"kind": "GitHub", "claims": {"sha": "abc"}, "repository": "org/project",
                           "workflow": "release.yml", "environment": null},
             "attestations": [{"version": 1}]},
            {"publisher": {"kind": "GitHub", "repository": "org/project", "workflow": "release.yml"},
             "attestations": []}
        ]}"#;
        let found = publishers(document).expect("a provenance document");
        assert_eq!(found.len(), 1, "repeats merge: {found:?}");
        assert_eq!(found[0].kind, "GitHub");
        assert_eq!(
            found[0].keys.iter().collect::<Vec<_>>(),
            [
                (&"repository".to_string(), &"org/project".to_string()),
                (&"workflow".to_string(), &"release.yml".to_string())
            ]
        );
    }

    #[test]
    fn refuses_what_is_not_provenance_and_drops_what_is_not_an_identity() {
        assert!(publishers(b"<html>").is_err());
        assert!(publishers(br#"{"version": 2, "attestation_bundles": []}"#).is_err());
        assert!(
            publishers(br#"{"version": 1, "attestation_bundles": [{"publisher": {}}]}"#).is_err()
        );
        let long = "x".repeat(MAX_VALUE_CHARS + 1);
        let document = format!(
            r#"{{"version": 1, "attestation_bundles": [{{"publisher": {{"kind": "GitLab", "repository": "{long}", "bad key\n": "x", "n": 3}}}}]}}"#
        );
        let found = publishers(document.as_bytes()).expect("valid");
        assert!(found[0].keys.is_empty(), "{found:?}");
    }
}

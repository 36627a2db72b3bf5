//! PEP 691 JSON pages.
//!
//! Each file entry is kept as raw JSON until it is read on its own, so that one entry with an
//! unexpected shape is skipped instead of failing the whole page.

use std::borrow::Cow;
use std::collections::BTreeMap;

use pep508_rs::PackageName;
use serde::Deserialize;
use serde_json::value::RawValue;
use url::Url;

use super::{FileEntry, ListedFile, MetadataAvailability, PageError, RequiresPythonMemo, Yanked};
use crate::hash::{HashDigest, RawDigest};

#[derive(Deserialize)]
struct Page<'a> {
    #[serde(borrow, default)]
    files: Vec<&'a RawValue>,
}

#[derive(Deserialize)]
struct File<'a> {
    #[serde(borrow)]
    filename: Cow<'a, str>,
    #[serde(borrow)]
    url: Cow<'a, str>,
    #[serde(default, borrow)]
    hashes: BTreeMap<Cow<'a, str>, Cow<'a, str>>,
    #[serde(rename = "requires-python", default, borrow)]
    requires_python: Option<Cow<'a, str>>,
    #[serde(default)]
    yanked: Option<BoolOrString>,
    #[serde(rename = "core-metadata", default)]
    core_metadata: Option<BoolOrHashes>,
    #[serde(rename = "dist-info-metadata", default)]
    dist_info_metadata: Option<BoolOrHashes>,
    #[serde(default)]
    size: Option<u64>,
    #[serde(rename = "upload-time", default, borrow)]
    upload_time: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    provenance: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum BoolOrString {
    Bool(bool),
    String(String),
}

#[derive(Deserialize)]
#[serde(untagged)]
enum BoolOrHashes {
    Bool(bool),
    Hashes(BTreeMap<String, String>),
}

pub(super) fn parse<'a>(
    project: &PackageName,
    base: &Url,
    body: &'a [u8],
) -> Result<Vec<ListedFile<'a>>, PageError> {
    let page: Page<'_> = serde_json::from_slice(body).map_err(PageError::Json)?;
    let mut memo = RequiresPythonMemo::default();
    Ok(page
        .files
        .into_iter()
        .filter_map(|raw| match serde_json::from_str::<File<'a>>(raw.get()) {
            Ok(file) => entry(file).into_listed(project, base, &mut memo),
            Err(error) => {
                log::debug!("skipping a malformed file entry on {project}'s page: {error}");
                None
            }
        })
        .collect())
}

fn entry(file: File<'_>) -> FileEntry<'_> {
    let yanked = match file.yanked {
        None | Some(BoolOrString::Bool(false)) => Yanked::No,
        Some(BoolOrString::Bool(true)) => Yanked::Yes { reason: None },
        Some(BoolOrString::String(reason)) => Yanked::Yes {
            reason: Some(reason).filter(|reason| !reason.trim().is_empty()),
        },
    };
    // PEP 714: `core-metadata` is the name; `dist-info-metadata` is the older spelling, read
    // only when the new one is absent.
    let core_metadata = match file
        .core_metadata
        .as_ref()
        .or(file.dist_info_metadata.as_ref())
    {
        None | Some(BoolOrHashes::Bool(false)) => MetadataAvailability::NotAdvertised,
        Some(BoolOrHashes::Bool(true)) => MetadataAvailability::Advertised { hashes: Vec::new() },
        Some(BoolOrHashes::Hashes(hashes)) => MetadataAvailability::Advertised {
            hashes: digests(hashes.iter().map(|(k, v)| (k.as_str(), v.as_str()))),
        },
    };
    FileEntry {
        hashes: file
            .hashes
            .iter()
            .filter_map(|(algorithm, hex)| {
                RawDigest::from_hex(algorithm.parse().ok()?, hex)
                    .map_err(|error| log::debug!("ignoring digest: {error}"))
                    .ok()
            })
            .collect(),
        filename: file.filename,
        url: file.url,
        requires_python: file.requires_python,
        yanked,
        core_metadata,
        size: file.size,
        upload_time: file.upload_time,
        provenance: file.provenance,
    }
}

/// Digests in algorithms hashpin knows; others are dropped (PEP 691 allows any `hashlib` name).
fn digests<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> Vec<HashDigest> {
    pairs
        .filter_map(|(algorithm, hex)| {
            let algorithm = algorithm.parse().ok()?;
            HashDigest::new(algorithm, hex)
                .map_err(|error| log::debug!("ignoring digest: {error}"))
                .ok()
        })
        .collect()
}

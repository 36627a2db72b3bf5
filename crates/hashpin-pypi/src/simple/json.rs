//! PEP 691 JSON pages.
//!
//! A page is read in one pass, every file entry checked as it comes: only the checked files
//! are ever kept, never a list of raw entries beside them (the largest pages list tens of
//! thousands of files, and a run's peak memory is the page it is reading). One entry with an
//! unexpected shape fails that pass; the page is then read again with each entry first taken
//! as raw JSON and read on its own, so that the odd entry is skipped instead of failing the
//! whole page. Both passes read entries into the same [`File`], so they keep the same files:
//! the first is only faster (reading every entry twice was a fifth of parsing a page).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use pep508_rs::PackageName;
use serde::Deserialize;
use serde::de::{
    DeserializeSeed, Deserializer, Error as _, IgnoredAny, MapAccess, SeqAccess, Visitor,
};
use serde_json::value::RawValue;
use url::Url;

use super::{FileEntry, ListedFile, MetadataAvailability, PageError, PageMemo, Yanked};
use crate::hash::{HashDigest, RawDigest};
use crate::untrusted::UntrustedText;

#[derive(Deserialize)]
struct File<'a> {
    #[serde(borrow)]
    filename: Cow<'a, str>,
    #[serde(borrow)]
    url: Cow<'a, str>,
    #[serde(default)]
    hashes: Digests,
    #[serde(rename = "requires-python", default, borrow)]
    requires_python: Option<Cow<'a, str>>,
    #[serde(default)]
    yanked: Option<YankedValue>,
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

/// `yanked`: a boolean, or the reason as a string (PEP 592, PEP 691).
enum YankedValue {
    Bool(bool),
    String(String),
}

impl<'de> Deserialize<'de> for YankedValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // By hand rather than `#[serde(untagged)]`, which buffers every value first: every
        // file of a page has this field.
        struct YankedVisitor;
        impl Visitor<'_> for YankedVisitor {
            type Value = YankedValue;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a boolean or a string")
            }
            fn visit_bool<E>(self, value: bool) -> Result<YankedValue, E> {
                Ok(YankedValue::Bool(value))
            }
            fn visit_str<E>(self, value: &str) -> Result<YankedValue, E> {
                Ok(YankedValue::String(value.to_string()))
            }
        }
        deserializer.deserialize_any(YankedVisitor)
    }
}

/// A file's `hashes`, decoded as they are read: the digests in algorithms hashpin knows
/// (PEP 691 allows any `hashlib` name; others are dropped), each valid one as bytes.
#[derive(Default)]
struct Digests(Vec<RawDigest>);

impl<'de> Deserialize<'de> for Digests {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DigestsVisitor;
        impl<'de> Visitor<'de> for DigestsVisitor {
            type Value = Digests;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of hash names to hex digests")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Digests, A::Error> {
                // A name given twice keeps its last digest, as a JSON object is read.
                let mut pairs: Vec<(Text<'de>, Text<'de>)> = Vec::new();
                while let Some((name, hex)) = map.next_entry::<Text<'de>, Text<'de>>()? {
                    match pairs.iter_mut().find(|(known, _)| known.0 == name.0) {
                        Some(pair) => pair.1 = hex,
                        None => pairs.push((name, hex)),
                    }
                }
                // Sized to what is there: a page holds one list per file, and a collected one
                // starts with room for four.
                let mut digests = Vec::with_capacity(pairs.len());
                digests.extend(pairs.iter().filter_map(|(name, hex)| {
                    RawDigest::from_hex(name.0.parse().ok()?, &hex.0)
                        .map_err(|error| log::debug!("ignoring digest: {error}"))
                        .ok()
                }));
                Ok(Digests(digests))
            }
        }
        deserializer.deserialize_map(DigestsVisitor)
    }
}

/// A string borrowed from the page unless it has escapes.
struct Text<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, value: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(value)))
            }
            fn visit_str<E>(self, value: &str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(value.to_string())))
            }
        }
        deserializer.deserialize_str(TextVisitor)
    }
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
    read(project, base, body, Entries::Strict)
        .or_else(|_| read(project, base, body, Entries::OneByOne))
        .map_err(PageError::Json)
}

/// How a pass reads the entries of `files` (see the module documentation).
#[derive(Clone, Copy)]
enum Entries {
    /// Each as a [`File`]; one that is not fails the pass.
    Strict,
    /// Each as raw JSON first; one that is not a [`File`] is skipped.
    OneByOne,
}

fn read<'a>(
    project: &PackageName,
    base: &Url,
    body: &'a [u8],
    entries: Entries,
) -> Result<Vec<ListedFile<'a>>, serde_json::Error> {
    let mut memo = PageMemo::new(base);
    let mut files = Vec::with_capacity(expected_files(body));
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    PageReader {
        files: FilesReader {
            project,
            base,
            memo: &mut memo,
            files: &mut files,
            entries,
        },
    }
    .deserialize(&mut deserializer)?;
    deserializer.end()?;
    memo.finish(base);
    Ok(files)
}

/// About how many files `body` lists (each entry has a `"filename"`), so that the list is
/// allocated once; at most one per 64 bytes of page, so no page can ask for more than its
/// size allows.
fn expected_files(body: &[u8]) -> usize {
    let count = memchr::memmem::find_iter(body, b"\"filename\"").count();
    count.min(body.len() / 64)
}

/// Reads the page object: its `files`, checked as they come, and nothing else.
struct PageReader<'r, 'a> {
    files: FilesReader<'r, 'a>,
}

impl<'de> DeserializeSeed<'de> for PageReader<'_, 'de> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for PageReader<'_, 'de> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a PEP 691 project page")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let FilesReader {
            project,
            base,
            memo,
            files,
            entries,
        } = self.files;
        let mut seen = false;
        while let Some(key) = map.next_key::<Text<'de>>()? {
            if key.0 != "files" {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            if seen {
                return Err(A::Error::duplicate_field("files"));
            }
            seen = true;
            map.next_value_seed(FilesReader {
                project,
                base,
                memo: &mut *memo,
                files: &mut *files,
                entries,
            })?;
        }
        Ok(())
    }
}

/// Reads `files`, turning each entry into a checked [`ListedFile`] as it is read.
struct FilesReader<'r, 'a> {
    project: &'r PackageName,
    base: &'r Url,
    memo: &'r mut PageMemo,
    files: &'r mut Vec<ListedFile<'a>>,
    entries: Entries,
}

impl<'de> DeserializeSeed<'de> for FilesReader<'_, 'de> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for FilesReader<'_, 'de> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of file entries")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        loop {
            let file = match self.entries {
                Entries::Strict => match seq.next_element::<File<'de>>()? {
                    Some(file) => file,
                    None => return Ok(()),
                },
                Entries::OneByOne => {
                    let Some(raw) = seq.next_element::<&'de RawValue>()? else {
                        return Ok(());
                    };
                    match serde_json::from_str::<File<'de>>(raw.get()) {
                        Ok(file) => file,
                        Err(error) => {
                            log::debug!(
                                "skipping a malformed file entry on {}'s page: {error}",
                                self.project
                            );
                            continue;
                        }
                    }
                }
            };
            if let Some(listed) = entry(file).into_listed(self.project, self.base, self.memo) {
                self.files.push(listed);
            }
        }
    }
}

fn entry(file: File<'_>) -> FileEntry<'_> {
    let yanked = match file.yanked {
        None | Some(YankedValue::Bool(false)) => Yanked::No,
        Some(YankedValue::Bool(true)) => Yanked::Yes { reason: None },
        Some(YankedValue::String(reason)) => Yanked::Yes {
            reason: Some(reason)
                .filter(|reason| !reason.trim().is_empty())
                .map(UntrustedText::from),
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
        hashes: file.hashes.0,
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

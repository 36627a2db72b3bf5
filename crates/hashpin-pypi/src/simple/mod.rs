//! Simple Repository API pages: what an index says about one project's files.
//!
//! Pages arrive as PEP 691 JSON or PEP 503 HTML; the parser is chosen by the response's
//! `Content-Type`, never by what was asked for, because some servers answer HTML to a JSON
//! request. Both wire formats become the same domain types, [`ProjectPage`] and [`DistFile`].
//!
//! Parsing is lenient per file and strict per page: a file entry that is malformed, or whose
//! filename is not a wheel or sdist of this project, is skipped with a debug log; a page that is
//! not JSON or HTML at all is an error. Every URL is resolved against the page's own URL (after
//! redirects), since real indexes publish relative file URLs. Order is never trusted: files are
//! sorted by version (newest first), then filename.

mod html;
mod json;
mod packed;

pub(crate) use packed::PackedFiles;

use pep440_rs::{Version, VersionSpecifiers};
use pep508_rs::PackageName;
use url::Url;

use crate::filename::DistFilename;
use crate::hash::HashDigest;
use crate::redact::RedactedUrl;
use crate::timestamp::Timestamp;

/// The media type of PEP 691 JSON pages.
pub(crate) const JSON_MEDIA_TYPE: &str = "application/vnd.pypi.simple.v1+json";
/// The media type of PEP 691 HTML pages.
pub(crate) const HTML_MEDIA_TYPE: &str = "application/vnd.pypi.simple.v1+html";
/// The `Accept` header pip sends: JSON preferred, HTML accepted.
pub(crate) const ACCEPT: &str = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01";

/// Whether a release was withdrawn (PEP 592).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum Yanked {
    /// Installable as usual.
    #[default]
    No,
    /// Withdrawn; an installer picks it only for an exact `==` pin.
    Yes {
        /// Why, when the index says so.
        reason: Option<String>,
    },
}

impl Yanked {
    /// Whether the file is yanked.
    pub fn is_yanked(&self) -> bool {
        matches!(self, Self::Yes { .. })
    }

    /// The reason, when yanked with one.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Self::Yes { reason } => reason.as_deref(),
            Self::No => None,
        }
    }
}

/// Whether the index serves the file's core metadata on its own (PEP 658 / PEP 714).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum MetadataAvailability {
    /// Not advertised: the metadata must come from the file itself.
    #[default]
    NotAdvertised,
    /// Served at the file's URL plus `.metadata`, with these digests of the metadata file.
    Advertised {
        /// Digests of the `.metadata` file (may be empty: the attribute can be plain `true`).
        hashes: Vec<HashDigest>,
    },
}

/// One distribution file (a wheel or an sdist) of one version, as an index lists it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DistFile {
    /// The filename as listed.
    pub filename: String,
    /// The name, version and tags parsed from the filename.
    pub parsed: DistFilename,
    /// Where to download it, absolute.
    pub url: Url,
    /// Digests published for it, sorted; possibly empty on lax indexes.
    pub hashes: Vec<HashDigest>,
    /// The file's `Requires-Python`, as published on the page (PEP 345 / PEP 503 attribute).
    pub requires_python: Option<VersionSpecifiers>,
    /// Withdrawn or not (PEP 592).
    pub yanked: Yanked,
    /// Whether its metadata can be fetched alone (PEP 658).
    pub core_metadata: MetadataAvailability,
    /// Size in bytes (PEP 700).
    pub size: Option<u64>,
    /// When it was uploaded (PEP 700).
    pub upload_time: Option<Timestamp>,
    /// Where its provenance lives (PEP 740).
    pub provenance: Option<Url>,
}

impl DistFile {
    /// The version, from the filename.
    pub fn version(&self) -> &Version {
        self.parsed.version()
    }

    /// The SHA-256 digest, when the index published one.
    pub fn sha256(&self) -> Option<&HashDigest> {
        self.hashes
            .iter()
            .find(|hash| hash.algorithm() == crate::hash::HashAlgorithm::Sha256)
    }

    /// The URL of the PEP 658 metadata file.
    pub fn metadata_url(&self) -> Url {
        let mut url = self.url.clone();
        url.set_fragment(None);
        url.set_path(&format!("{}.metadata", url.path()));
        url
    }
}

/// A project's page on one index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectPage {
    /// The project, normalized.
    pub name: PackageName,
    /// The page's URL (after redirects), which relative file URLs were resolved against.
    pub url: Url,
    /// Its files, newest version first, then by filename.
    pub files: Vec<DistFile>,
}

impl ProjectPage {
    /// Parses a page body, choosing the format by `content_type` (falling back to sniffing the
    /// body when the type is missing or unknown).
    pub fn parse(
        name: &PackageName,
        url: &Url,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Result<Self, PageError> {
        let format = PageFormat::detect(content_type, body);
        log::trace!("parsing {} as {format:?}", RedactedUrl::new(url));
        let mut files = match format {
            PageFormat::Json => json::parse(name, url, body)?,
            PageFormat::Html => html::parse(name, url, body)?,
        };
        files.sort_by(|a, b| {
            b.version()
                .cmp(a.version())
                .then_with(|| a.filename.cmp(&b.filename))
        });
        files.dedup_by(|a, b| a.filename == b.filename);
        Ok(Self {
            name: name.clone(),
            url: url.clone(),
            files,
        })
    }

    /// The files grouped by version, newest first.
    pub fn versions(&self) -> Vec<(&Version, Vec<&DistFile>)> {
        group_by_version(&self.files)
    }
}

/// Groups files that are sorted newest first into (version, files) pairs, newest first.
pub(crate) fn group_by_version(files: &[DistFile]) -> Vec<(&Version, Vec<&DistFile>)> {
    let mut versions: Vec<(&Version, Vec<&DistFile>)> = Vec::new();
    for file in files {
        match versions.last_mut() {
            Some((version, group)) if *version == file.version() => group.push(file),
            _ => versions.push((file.version(), vec![file])),
        }
    }
    versions
}

/// The two wire formats of the Simple API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PageFormat {
    Json,
    Html,
}

impl PageFormat {
    fn detect(content_type: Option<&str>, body: &[u8]) -> Self {
        let media_type = content_type
            .and_then(|value| value.split(';').next())
            .map(|value| value.trim().to_ascii_lowercase());
        match media_type.as_deref() {
            Some(JSON_MEDIA_TYPE | "application/json") => Self::Json,
            Some(HTML_MEDIA_TYPE | "text/html") => Self::Html,
            _ => {
                if body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') {
                    Self::Json
                } else {
                    Self::Html
                }
            }
        }
    }
}

/// Why a page could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    /// The JSON did not have the PEP 691 shape.
    #[error("not a PEP 691 JSON page")]
    Json(#[source] serde_json::Error),
    /// The HTML was not text.
    #[error("not a UTF-8 HTML page")]
    Html,
}

/// Builds a [`DistFile`] from the fields either wire format carries, or says (in a debug log)
/// why the entry is skipped.
struct FileEntry<'a> {
    filename: &'a str,
    url: &'a str,
    hashes: Vec<HashDigest>,
    requires_python: Option<&'a str>,
    yanked: Yanked,
    core_metadata: MetadataAvailability,
    size: Option<u64>,
    upload_time: Option<&'a str>,
    provenance: Option<&'a str>,
}

/// `Requires-Python` values already parsed on this page: a page repeats a handful of them
/// across thousands of files.
#[derive(Default)]
struct RequiresPythonMemo(std::collections::HashMap<String, Option<VersionSpecifiers>>);

impl RequiresPythonMemo {
    /// Parses `text` (trimmed, non-empty), or says why it is ignored the first time.
    fn parse(&mut self, text: &str, filename: &str) -> Option<VersionSpecifiers> {
        if let Some(parsed) = self.0.get(text) {
            return parsed.clone();
        }
        // An invalid Requires-Python is ignored, as pip does, rather than hiding the file.
        let parsed = match text.parse::<VersionSpecifiers>() {
            Ok(specifiers) => Some(specifiers),
            Err(error) => {
                log::debug!("ignoring invalid requires-python `{text}` of `{filename}`: {error}");
                None
            }
        };
        self.0.insert(text.to_string(), parsed.clone());
        parsed
    }
}

impl FileEntry<'_> {
    fn into_file(
        self,
        project: &PackageName,
        base: &Url,
        memo: &mut RequiresPythonMemo,
    ) -> Option<DistFile> {
        let skip = |why: &dyn std::fmt::Display| {
            log::debug!(
                "skipping `{}` on {}: {why}",
                self.filename,
                RedactedUrl::new(base)
            );
        };
        let parsed = match DistFilename::parse(self.filename, Some(project)) {
            Ok(parsed) => parsed,
            // Eggs, installers and rpms fill old pages; they are expected, so only -vv says so.
            Err(crate::filename::FilenameError::UnknownExtension(_)) => {
                log::trace!("skipping `{}`: not a wheel or an sdist", self.filename);
                return None;
            }
            Err(error) => {
                skip(&error);
                return None;
            }
        };
        let mut url = match base.join(self.url) {
            Ok(url) => url,
            Err(error) => {
                skip(&format_args!("invalid URL `{}`: {error}", self.url));
                return None;
            }
        };
        url.set_fragment(None);
        let requires_python = self
            .requires_python
            .map(str::trim)
            .filter(|text| !text.is_empty())
            .and_then(|text| memo.parse(text, self.filename));
        let upload_time = self.upload_time.and_then(|text| {
            text.parse()
                .map_err(|error| {
                    log::debug!("ignoring upload time of `{}`: {error}", self.filename);
                })
                .ok()
        });
        let provenance = self.provenance.and_then(|text| base.join(text).ok());
        let mut hashes = self.hashes;
        hashes.sort();
        hashes.dedup();
        Some(DistFile {
            filename: self.filename.to_string(),
            parsed,
            url,
            hashes,
            requires_python,
            yanked: self.yanked,
            core_metadata: self.core_metadata,
            size: self.size,
            upload_time,
            provenance,
        })
    }
}

#[cfg(test)]
mod tests;

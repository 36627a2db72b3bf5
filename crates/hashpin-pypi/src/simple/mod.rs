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

mod file_url;
mod html;
mod json;
mod packed;

pub use file_url::FileUrl;

pub(crate) use packed::PackedFiles;

use std::borrow::Cow;

use pep440_rs::{Version, VersionSpecifiers};
use pep508_rs::PackageName;
use url::Url;

use crate::filename::DistFilename;
use crate::hash::{HashDigest, RawDigest};
use crate::redact::RedactedUrl;
use crate::timestamp::Timestamp;
use crate::untrusted::UntrustedText;

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
        /// Why, when the index says so: the index's own words, so they display escaped.
        reason: Option<UntrustedText>,
    },
}

impl Yanked {
    /// Whether the file is yanked.
    pub fn is_yanked(&self) -> bool {
        matches!(self, Self::Yes { .. })
    }

    /// The reason, when yanked with one.
    pub fn reason(&self) -> Option<&UntrustedText> {
        match self {
            Self::Yes { reason } => reason.as_ref(),
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

/// Where a file was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum FileOrigin {
    /// On a package index's project page.
    #[default]
    Index,
    /// In a `--find-links` directory or page: a source the user configured, whose files have
    /// no upload time, so an upload cutoff does not apply to them (as uv treats them).
    FindLinks,
    /// Named by URL in a requirement (`name @ https://…`): the user chose this very file, so
    /// an upload cutoff does not apply to it either.
    Direct,
    /// A local project (`-e .`, `./path`): it satisfies requirements on its name, and is
    /// never locked or fetched.
    Local,
}

/// One distribution file (a wheel or an sdist) of one version, as an index lists it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DistFile {
    /// The filename as listed.
    pub filename: String,
    /// The name, version and tags parsed from the filename.
    pub parsed: DistFilename,
    /// Where to download it, absolute.
    pub url: FileUrl,
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
    pub provenance: Option<FileUrl>,
    /// Where it was found.
    pub origin: FileOrigin,
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

    /// The digest a lock pins this file with: SHA-256 where published (pip's preference),
    /// else any digest pip's hash-checking mode accepts; `None` when there is no such digest.
    pub fn pinning_digest(&self) -> Option<&HashDigest> {
        self.sha256().or_else(|| {
            self.hashes
                .iter()
                .find(|hash| hash.algorithm().is_accepted_by_pip())
        })
    }

    /// The URL of the PEP 658 metadata file.
    pub fn metadata_url(&self) -> Url {
        let mut url = Url::clone(&self.url);
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
        // Through the packed form, as the client reads pages: one path for both.
        let packed = PackedFiles::from_listed(listed(name, url, content_type, body)?);
        let files = (0..packed.versions().len())
            .flat_map(|index| packed.files_at(index, name))
            .collect();
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

/// Reads a page's files, checked, newest version first, then by filename, one per filename.
pub(crate) fn listed<'a>(
    name: &PackageName,
    url: &Url,
    content_type: Option<&str>,
    body: &'a [u8],
) -> Result<Vec<ListedFile<'a>>, PageError> {
    let format = PageFormat::detect(content_type, body);
    log::trace!("parsing {} as {format:?}", RedactedUrl::new(url));
    let mut files = match format {
        PageFormat::Json => json::parse(name, url, body)?,
        PageFormat::Html => html::parse(name, url, body)?,
    };
    files.sort_by(|a, b| {
        b.version
            .cmp(&a.version)
            .then_with(|| a.filename.cmp(&b.filename))
    });
    files.dedup_by(|a, b| a.filename == b.filename);
    Ok(files)
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

/// One file as a page lists it, checked: everything a [`DistFile`] holds, but borrowed from
/// the page where it can be and not yet parsed where it need not be. Fetched pages become
/// these and are packed; only the versions the resolver asks about become [`DistFile`]s.
#[derive(Debug)]
pub(crate) struct ListedFile<'a> {
    pub(crate) filename: Cow<'a, str>,
    /// The version in the filename.
    pub(crate) version: Version,
    /// Absolute, without a fragment, as [`Url`] serializes it.
    pub(crate) url: Cow<'a, str>,
    /// Sorted, without duplicates.
    pub(crate) hashes: Vec<RawDigest>,
    /// A value that parses, trimmed.
    pub(crate) requires_python: Option<Cow<'a, str>>,
    pub(crate) yanked: Yanked,
    pub(crate) core_metadata: MetadataAvailability,
    pub(crate) size: Option<u64>,
    pub(crate) upload_time: Option<Timestamp>,
    /// Absolute, as [`Url`] serializes it.
    pub(crate) provenance: Option<Cow<'a, str>>,
}

impl<'a> ListedFile<'a> {
    /// The listing of a file that is already a [`DistFile`].
    pub(crate) fn of(file: &'a DistFile) -> Self {
        Self {
            filename: Cow::Borrowed(&file.filename),
            version: file.version().clone(),
            url: Cow::Borrowed(file.url.as_str()),
            hashes: file.hashes.iter().map(RawDigest::of).collect(),
            requires_python: file
                .requires_python
                .as_ref()
                .map(|specifiers| Cow::Owned(specifiers.to_string())),
            yanked: file.yanked.clone(),
            core_metadata: file.core_metadata.clone(),
            size: file.size,
            upload_time: file.upload_time,
            provenance: file
                .provenance
                .as_ref()
                .map(|url| Cow::Borrowed(url.as_str())),
        }
    }
}

/// The fields either wire format carries, before they are checked.
struct FileEntry<'a> {
    filename: Cow<'a, str>,
    url: Cow<'a, str>,
    hashes: Vec<RawDigest>,
    requires_python: Option<Cow<'a, str>>,
    yanked: Yanked,
    core_metadata: MetadataAvailability,
    size: Option<u64>,
    upload_time: Option<Cow<'a, str>>,
    provenance: Option<Cow<'a, str>>,
}

/// What reading one page keeps from file to file: `Requires-Python` values already checked
/// (a page repeats a handful of them across thousands of files), the versions seen (dozens of
/// files share each, and one shared copy saves an allocation per file), and the links skipped
/// for their scheme, reported once per page.
struct PageMemo {
    requires_python: std::collections::HashMap<String, bool>,
    versions: std::collections::HashSet<Version>,
    /// The page's own scheme, which decides the schemes its links may have.
    page_scheme: String,
    /// How many links were skipped for their scheme, and the first of them.
    skipped: usize,
    first_skipped: Option<String>,
}

impl PageMemo {
    fn new(page_url: &Url) -> Self {
        Self {
            requires_python: std::collections::HashMap::new(),
            versions: std::collections::HashSet::new(),
            page_scheme: page_url.scheme().to_ascii_lowercase(),
            skipped: 0,
            first_skipped: None,
        }
    }

    /// Whether a page of this scheme may link a file at `url`: an `https` page only `https`
    /// files (plain `http` would give away the integrity of the transfer), an `http` page
    /// `http` or `https`, a `file:` page (a local index or find-links page the user
    /// configured) those and `file:` ones.
    /// Anything else (`file:` on a remote page, `javascript:`, `data:`, `ftp:`) is skipped:
    /// only sources the user configured may make hashpin read the local disk.
    fn allows(&mut self, url: &str) -> bool {
        let scheme = url
            .split_once(':')
            .map(|(scheme, _)| scheme.to_ascii_lowercase())
            .unwrap_or_default();
        let allowed = match self.page_scheme.as_str() {
            "https" => scheme == "https",
            "http" => scheme == "http" || scheme == "https",
            "file" => matches!(scheme.as_str(), "file" | "http" | "https"),
            _ => false,
        };
        if !allowed {
            self.skipped += 1;
            self.first_skipped
                .get_or_insert_with(|| crate::untrusted::excerpt(url, 100));
        }
        allowed
    }

    /// Warns about the links skipped for their scheme, once for the page.
    fn finish(&self, page_url: &Url) {
        if let Some(first) = &self.first_skipped {
            log::warn!(
                "skipped {} link(s) on {} whose scheme a `{}` page may not link, such as `{first}`",
                self.skipped,
                RedactedUrl::new(page_url),
                self.page_scheme
            );
        }
    }

    /// `version`, as a copy shared with the page's other files of that version.
    fn version(&mut self, version: Version) -> Version {
        if let Some(seen) = self.versions.get(&version) {
            return seen.clone();
        }
        self.versions.insert(version.clone());
        version
    }

    /// Whether `text` (trimmed, non-empty) parses; says why not the first time.
    fn is_valid(&mut self, text: &str, filename: &str) -> bool {
        if let Some(&valid) = self.requires_python.get(text) {
            return valid;
        }
        let valid = match text.parse::<VersionSpecifiers>() {
            Ok(_) => true,
            Err(error) => {
                log::debug!("ignoring invalid requires-python `{text}` of `{filename}`: {error}");
                false
            }
        };
        self.requires_python.insert(text.to_string(), valid);
        valid
    }
}

impl<'a> FileEntry<'a> {
    /// Checks the entry, or says (in a debug log) why it is skipped.
    fn into_listed(
        self,
        project: &PackageName,
        base: &Url,
        memo: &mut PageMemo,
    ) -> Option<ListedFile<'a>> {
        let skip = |why: &dyn std::fmt::Display| {
            log::debug!(
                "skipping `{}` on {}: {why}",
                self.filename,
                RedactedUrl::new(base)
            );
        };
        let version = match DistFilename::parse(&self.filename, Some(project)) {
            Ok(DistFilename::Wheel(wheel)) => memo.version(wheel.version),
            Ok(DistFilename::Sdist(sdist)) => memo.version(sdist.version),
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
        let url = match resolve(self.url, base) {
            Ok(url) => url,
            Err((url, error)) => {
                skip(&format_args!("invalid URL `{url}`: {error}"));
                return None;
            }
        };
        if !memo.allows(&url) {
            return None;
        }
        // An invalid Requires-Python is ignored, as pip does, rather than hiding the file.
        let requires_python = self
            .requires_python
            .map(trim)
            .filter(|text| !text.is_empty() && memo.is_valid(text, &self.filename));
        let upload_time = self.upload_time.and_then(|text| {
            text.parse()
                .map_err(|error| {
                    log::debug!("ignoring upload time of `{}`: {error}", self.filename);
                })
                .ok()
        });
        let provenance = self.provenance.and_then(|text| resolve(text, base).ok());
        let mut hashes = self.hashes;
        hashes.sort();
        hashes.dedup();
        Some(ListedFile {
            filename: self.filename,
            version,
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

fn trim(text: Cow<'_, str>) -> Cow<'_, str> {
    match text {
        Cow::Borrowed(text) => Cow::Borrowed(text.trim()),
        Cow::Owned(text) if text.trim().len() == text.len() => Cow::Owned(text),
        Cow::Owned(text) => Cow::Owned(text.trim().to_string()),
    }
}

/// `text` resolved against `base`, without its fragment, as [`Url`] serializes it; on failure,
/// the text and why.
fn resolve<'a>(
    text: Cow<'a, str>,
    base: &Url,
) -> Result<Cow<'a, str>, (Cow<'a, str>, url::ParseError)> {
    if let Some(end) = canonical_absolute(&text) {
        return Ok(match text {
            Cow::Borrowed(text) => Cow::Borrowed(&text[..end]),
            Cow::Owned(mut text) => {
                text.truncate(end);
                Cow::Owned(text)
            }
        });
    }
    match base.join(&text) {
        Ok(mut url) => {
            url.set_fragment(None);
            Ok(Cow::Owned(url.into()))
        }
        Err(error) => Err((text, error)),
    }
}

/// The length of `text` without its fragment, when `text` is an absolute `http(s)` URL that
/// [`Url`] would serialize unchanged; `None` when it has to be parsed to know.
///
/// URL parsing was a tenth of a cold run: every file of every fetched page has a URL, and
/// nearly all are already in this form. The check is deliberately narrow (a lowercase domain
/// name, a path of unreserved characters and percent-escapes, no dot segments, no query, no
/// port, no credentials); anything else goes to the parser. The file's URL is parsed anyway
/// when its version is unpacked.
fn canonical_absolute(text: &str) -> Option<usize> {
    // One pass over the bytes: this runs for every file of every fetched page.
    let bytes = text.as_bytes();
    let mut index = if bytes.starts_with(b"https://") {
        8
    } else if bytes.starts_with(b"http://") {
        7
    } else {
        return None;
    };
    let mut label_start = index;
    loop {
        let byte = *bytes.get(index)?;
        match byte {
            b'a'..=b'z' | b'0'..=b'9' | b'-' => index += 1,
            b'.' | b'/' => {
                let label = &bytes[label_start..index];
                let (first, last) = (*label.first()?, *label.last()?);
                if first == b'-' || last == b'-' || label.starts_with(b"xn--") {
                    return None;
                }
                if byte == b'/' {
                    // A last label that starts with a letter is not a number, so the host
                    // is not an IPv4 address (which the parser would rewrite).
                    if !first.is_ascii_lowercase() {
                        return None;
                    }
                    break;
                }
                index += 1;
                label_start = index;
            }
            _ => return None,
        }
    }
    // `index` is at the path's first `/`.
    while let Some(&byte) = bytes.get(index) {
        if PLAIN_PATH_BYTES[usize::from(byte)] {
            index += 1;
            continue;
        }
        match byte {
            // Dot segments are rewritten; so that none slips through, no segment may start
            // with a dot.
            b'/' if bytes.get(index + 1) == Some(&b'.') => return None,
            b'/' => index += 1,
            b'%' => {
                let pair = bytes.get(index + 1..index + 3)?;
                // `%2e` is a dot, and dot segments are rewritten.
                if !pair.iter().all(u8::is_ascii_hexdigit)
                    || (pair[0] == b'2' && pair[1] | 0x20 == b'e')
                {
                    return None;
                }
                index += 3;
            }
            b'#' => return Some(index),
            _ => return None,
        }
    }
    Some(bytes.len())
}

/// The bytes a path keeps as they are, whatever comes before them: unreserved characters and
/// `+`. A table, because the path check runs for every byte of every file URL of a page.
const PLAIN_PATH_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte: u8 = 0;
    loop {
        table[byte as usize] = matches!(
            byte,
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'+'
        );
        if byte == u8::MAX {
            break table;
        }
        byte += 1;
    }
};

#[cfg(test)]
mod tests;

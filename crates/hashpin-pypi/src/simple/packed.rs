//! A project's files packed into one buffer: what the cache stores and what a run keeps.
//!
//! Parsing a page into [`DistFile`]s costs microseconds and hundreds of bytes per file (URL
//! joins, filename and version parsing, digest strings), and large projects list tens of
//! thousands of files, while a resolution looks at a few versions of each. So a page is
//! parsed once, when it is fetched, and packed: its files grouped by version, newest first,
//! in one flat buffer with a table of versions in front. A run reads the table (one version
//! string per version) and unpacks only the versions it asks for. Unpacking parses filenames
//! and absolute URLs again, which cannot fail on what parsing printed, and makes none of the
//! leniency decisions again: the files a page kept are the files it has.
//!
//! Layout (integers little-endian; `str` is a u32 length and UTF-8; `opt<T>` is a byte, 0 or
//! 1, then `T` when 1):
//! ```text
//! magic             "hashpin-files-2\n"
//! url prefix        str: the longest common prefix of the file URLs, up to a `/`
//! requires-python   u32 count, then that many str: the distinct values, parsed once each
//! versions          u32 count, then per version: str version, opt<i64> earliest upload (µs),
//!                   u32 files, u32 length of its file records in bytes, u32 their CRC-32
//! file records      every version's, in table order: str filename, named url, hashes,
//!                   u32 requires-python (an index, or u32::MAX for none),
//!                   u8 yanked (0 no, 1 yes, 2 yes, then a str reason),
//!                   u8 core metadata (0 not advertised, 1 advertised, then hashes),
//!                   opt<u64> size, opt<i64> upload time (µs), opt<named> provenance
//! hashes            u16 count, then per digest a u8 algorithm and its raw bytes
//! named             a str that may hold the filename: 0 then the str; 1 then the strs
//!                   before and after the filename's first occurrence; 2 as 1, with the url
//!                   prefix left out of the str before
//! ```
//!
//! Half a page is URLs, and they repeat themselves: a host and path shared by every file,
//! then the filename (`…/packages/ab/cd/<digest>/<filename>`), which provenance URLs hold
//! too. Leaving out the shared prefix and the filename takes a third off.
//!
//! The cache's framing (length and CRC-32) is what keeps a damaged buffer out; decoding and
//! unpacking still check every bound, and a buffer that does not decode counts as no cache
//! entry.
//!
//! Only the head (everything before the file records: prefix, `Requires-Python` values, the
//! version table) has to be in memory. The records of a page read from the cache, or just
//! written to it, stay in the cache file and are read one version at a time, when asked for:
//! a run's memory then grows with the versions it looks at, not with the pages it reads.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::OnceLock;

use super::FileUrl;
use pep440_rs::{Version, VersionSpecifiers};
use pep508_rs::PackageName;

use super::{DistFile, FileOrigin, ListedFile, MetadataAvailability, Yanked};
use crate::filename::DistFilename;
use crate::hash::{HashAlgorithm, HashDigest, RawDigest};
use crate::timestamp::Timestamp;
use crate::untrusted::UntrustedText;

const MAGIC: &[u8] = b"hashpin-files-2\n";
const NO_REQUIRES_PYTHON: u32 = u32::MAX;

/// One source's files of one project, packed (see the module documentation).
#[derive(Debug)]
pub(crate) struct PackedFiles {
    /// The packed form starts at `start`: what comes before is the cache entry's header,
    /// kept rather than copied away. Holds at least the head; all of the form unless the
    /// records are in a file.
    bytes: Vec<u8>,
    start: usize,
    /// Where `bytes` ends, as an offset in the same numbering: the records, when not all in
    /// `bytes`, are in `file` from `file_offset` (the offset there of `bytes[0]`).
    end: usize,
    file: Option<RecordsFile>,
    url_prefix: Range<usize>,
    versions: Vec<PackedVersion>,
    requires_python: Vec<Interned>,
    /// A version's records failed their check when read (see [`Self::files_at`]).
    damaged: std::sync::atomic::AtomicBool,
    /// Where the files were found (not packed: a cached page is an index's).
    origin: FileOrigin,
}

/// The file a packed form's records are read from.
#[derive(Debug)]
struct RecordsFile {
    file: std::fs::File,
    /// The offset in the file of the first byte of the packed buffer's numbering.
    file_offset: u64,
}

/// One version's entry in the table.
#[derive(Debug)]
pub(crate) struct PackedVersion {
    pub(crate) version: Version,
    /// The earliest upload time among its files that have one.
    pub(crate) earliest_upload: Option<Timestamp>,
    count: usize,
    records: Range<usize>,
    /// The CRC-32 of the records, checked when they are read: they may come from a file
    /// long after the head was checked.
    crc: u32,
}

/// A distinct `Requires-Python` value, parsed the first time a file with it is unpacked.
#[derive(Debug)]
struct Interned {
    text: Range<usize>,
    parsed: OnceLock<Option<VersionSpecifiers>>,
}

impl PackedFiles {
    /// Packs `files`, sorting them as a project lists them: newest version first, then by
    /// filename, then by hashes.
    pub(crate) fn from_files(files: &[DistFile]) -> Self {
        Self::from_listed(files.iter().map(ListedFile::of).collect())
    }

    /// Packs files as a page lists them, sorted as [`Self::from_files`] sorts.
    pub(crate) fn from_listed(mut files: Vec<ListedFile<'_>>) -> Self {
        files.sort_by(|a, b| {
            b.version
                .cmp(&a.version)
                .then_with(|| a.filename.cmp(&b.filename))
                .then_with(|| a.hashes.cmp(&b.hashes))
        });
        // A buffer `pack` just wrote always decodes: both sides follow the same layout.
        Self::decode(pack(&files), 0).expect("a freshly packed buffer decodes")
    }

    /// Reads the packed form in `bytes` from `start` on; `None` when it does not follow the
    /// layout.
    pub(crate) fn decode(bytes: Vec<u8>, start: usize) -> Option<Self> {
        let end = bytes.len();
        Self::decode_head(bytes, start, end)
    }

    /// Reads the packed form whose head is in `bytes` from `start` on and which ends at `end`
    /// (in the same numbering; records beyond `bytes.len()` are read later from a file, see
    /// [`Self::with_records_in`]).
    pub(crate) fn decode_head(bytes: Vec<u8>, start: usize, end: usize) -> Option<Self> {
        let mut reader = Reader::new(&bytes, start..bytes.len());
        if reader.take(MAGIC.len())? != MAGIC {
            return None;
        }
        let url_prefix = reader.str_range()?;
        std::str::from_utf8(&bytes[url_prefix.clone()]).ok()?;
        let count = reader.u32()?;
        let mut requires_python = Vec::new();
        for _ in 0..count {
            requires_python.push(Interned {
                text: reader.str_range()?,
                parsed: OnceLock::new(),
            });
        }
        let count = reader.u32()?;
        let mut table = Vec::new();
        for _ in 0..count {
            let version: Version = std::str::from_utf8(reader.str()?).ok()?.parse().ok()?;
            let earliest_upload = reader.opt_i64()?.map(Timestamp::from_unix_micros);
            let files = reader.u32()? as usize;
            let length = reader.u32()? as usize;
            let crc = reader.u32()?;
            table.push((version, earliest_upload, files, length, crc));
        }
        // Records are checked when a version is unpacked: a run reads a few of them.
        let mut at = reader.at;
        let mut versions = Vec::with_capacity(table.len());
        for (version, earliest_upload, count, length, crc) in table {
            let records = at..at.checked_add(length)?;
            at = records.end;
            versions.push(PackedVersion {
                version,
                earliest_upload,
                count,
                records,
                crc,
            });
        }
        (at == end).then_some(Self {
            bytes,
            start,
            end,
            file: None,
            url_prefix,
            versions,
            requires_python,
            damaged: std::sync::atomic::AtomicBool::new(false),
            origin: FileOrigin::Index,
        })
    }

    /// The same files, found at `origin`.
    pub(crate) fn found_at(mut self, origin: FileOrigin) -> Self {
        self.origin = origin;
        self
    }

    /// Where the files were found.
    pub(crate) fn origin(&self) -> FileOrigin {
        self.origin
    }

    /// Whether a version's records failed their check when read: what was read from this
    /// entry left that version out.
    pub(crate) fn is_damaged(&self) -> bool {
        self.damaged.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Reads every version's records through its check (which [`Self::files_at`] does for
    /// one version): before an entry is kept for longer, as when the index answers that the
    /// page has not changed.
    pub(crate) fn check_records(&self) -> bool {
        let sound = self.versions.iter().all(|version| {
            self.read_range(version.records.clone())
                .is_some_and(|records| crc32fast::hash(&records) == version.crc)
        });
        if !sound {
            self.damaged
                .store(true, std::sync::atomic::Ordering::Relaxed);
        }
        sound
    }

    /// Where the packed form starts in the buffer's numbering.
    pub(crate) fn start(&self) -> usize {
        self.start
    }

    /// Where the records start (in the buffer's numbering): what must be in memory.
    pub(crate) fn head_end(&self) -> usize {
        self.versions
            .first()
            .map_or(self.end, |version| version.records.start)
    }

    /// The same files with the records read from `file`, where the buffer's numbering starts
    /// at `file_offset`; the records in memory are let go.
    pub(crate) fn with_records_in(mut self, file: std::fs::File, file_offset: u64) -> Self {
        self.bytes.truncate(self.head_end());
        self.bytes.shrink_to_fit();
        self.file = Some(RecordsFile { file, file_offset });
        self
    }

    /// The bytes of `range` (in the buffer's numbering), from memory or the records file.
    fn read_range(&self, range: Range<usize>) -> Option<std::borrow::Cow<'_, [u8]>> {
        if range.end <= self.bytes.len() {
            return Some(std::borrow::Cow::Borrowed(&self.bytes[range]));
        }
        let file = self.file.as_ref()?;
        let mut buffer = vec![0; range.len()];
        let offset = file.file_offset.checked_add(range.start as u64)?;
        match read_exact_at(&file.file, &mut buffer, offset) {
            Ok(()) => Some(std::borrow::Cow::Owned(buffer)),
            Err(error) => {
                // Reported as damage by whoever asked (`is_damaged`); an entry emptied after
                // damage was found gets here too.
                log::debug!("cannot read a cached page's files: {error}");
                None
            }
        }
    }

    /// The packed buffer, as the cache stores it (read back from the records file if the
    /// records are there).
    pub(crate) fn to_bytes(&self) -> std::io::Result<std::borrow::Cow<'_, [u8]>> {
        if self.file.is_none() {
            return Ok(std::borrow::Cow::Borrowed(&self.bytes[self.start..]));
        }
        self.read_range(self.start..self.end)
            .map(|bytes| std::borrow::Cow::Owned(bytes.into_owned()))
            .ok_or_else(|| std::io::Error::other("the cached page's records cannot be read"))
    }

    /// The versions, newest first.
    pub(crate) fn versions(&self) -> &[PackedVersion] {
        &self.versions
    }

    /// Unpacks the files of the version at `index` in [`Self::versions`], by filename.
    pub(crate) fn files_at(&self, index: usize, project: &PackageName) -> Vec<DistFile> {
        let Some(version) = self.versions.get(index) else {
            return Vec::new();
        };
        let Some(records) = self.read_range(version.records.clone()) else {
            self.damaged
                .store(true, std::sync::atomic::Ordering::Relaxed);
            return Vec::new();
        };
        if crc32fast::hash(&records) != version.crc {
            // The records are checked here, when read, not when the entry is (its head is):
            // reading every record of every page was a sixth of a run from the cache. The
            // version is left out rather than trusted, the entry is emptied so that the next
            // run fetches the page again, and whoever asked learns of it (`is_damaged`).
            log::debug!(
                "the cached files of `{project}` {} are damaged",
                version.version
            );
            self.damaged
                .store(true, std::sync::atomic::Ordering::Relaxed);
            if let Some(file) = &self.file {
                let _ = file.file.set_len(0);
            }
            return Vec::new();
        }
        let mut reader = Reader::new(&records, 0..records.len());
        let mut files = Vec::with_capacity(version.count);
        for _ in 0..version.count {
            // The cache's checksum passed, so only a packing bug could stop this early.
            let Some(raw) = RawFile::read(&mut reader, self.requires_python.len()) else {
                log::warn!(
                    "skipping unreadable cached file entries of `{project}` {}",
                    version.version
                );
                break;
            };
            match self.unpack(&raw, project) {
                Some(file) => files.push(file),
                // Only a packing bug could get here: what was packed had parsed.
                None => log::warn!(
                    "skipping an unreadable cached file entry of `{project}` {}",
                    version.version
                ),
            }
        }
        files
    }

    fn unpack(&self, raw: &RawFile<'_>, project: &PackageName) -> Option<DistFile> {
        let text = |bytes: &[u8]| std::str::from_utf8(bytes).ok().map(str::to_string);
        let filename = text(raw.filename)?;
        let parsed = DistFilename::parse(&filename, Some(project)).ok()?;
        // `decode` checked that the prefix is UTF-8.
        let prefix = std::str::from_utf8(&self.bytes[self.url_prefix.clone()]).ok()?;
        let url = raw.url.to_url(prefix, &filename)?;
        let requires_python = match raw.requires_python {
            NO_REQUIRES_PYTHON => None,
            index => self.requires_python(index as usize),
        };
        let yanked = match raw.yanked {
            RawYanked::No => Yanked::No,
            RawYanked::Yes(None) => Yanked::Yes { reason: None },
            RawYanked::Yes(Some(reason)) => Yanked::Yes {
                reason: Some(UntrustedText::from(text(reason)?)),
            },
        };
        let core_metadata = match &raw.core_metadata {
            None => MetadataAvailability::NotAdvertised,
            Some(hashes) => MetadataAvailability::Advertised {
                hashes: hashes.digests()?,
            },
        };
        let provenance = match &raw.provenance {
            Some(named) => Some(named.to_url(prefix, &filename)?),
            None => None,
        };
        Some(DistFile {
            filename,
            parsed,
            url,
            hashes: raw.hashes.digests()?,
            requires_python,
            yanked,
            core_metadata,
            size: raw.size,
            upload_time: raw.upload_time.map(Timestamp::from_unix_micros),
            provenance,
            origin: self.origin,
        })
    }

    /// The parsed `Requires-Python` at `index` (which `decode` checked exists). It parsed
    /// when packed, so it parses now.
    fn requires_python(&self, index: usize) -> Option<VersionSpecifiers> {
        let interned = self.requires_python.get(index)?;
        interned
            .parsed
            .get_or_init(|| {
                std::str::from_utf8(&self.bytes[interned.text.clone()])
                    .ok()
                    .and_then(|text| text.parse().ok())
            })
            .clone()
    }
}

/// Fills `buffer` from `file` at `offset`, without moving a cursor another reader shares.
#[cfg(unix)]
fn read_exact_at(file: &std::fs::File, buffer: &mut [u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buffer, offset)
}

/// Fills `buffer` from `file` at `offset`.
#[cfg(windows)]
fn read_exact_at(file: &std::fs::File, buffer: &mut [u8], offset: u64) -> std::io::Result<()> {
    let mut done = 0;
    while done < buffer.len() {
        match std::os::windows::fs::FileExt::seek_read(
            file,
            &mut buffer[done..],
            offset + done as u64,
        )? {
            0 => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            read => done += read,
        }
    }
    Ok(())
}

/// Elsewhere records are never left in a file ([`PackedFiles::with_records_in`] is not
/// called), so this is not reached.
#[cfg(not(any(unix, windows)))]
fn read_exact_at(_: &std::fs::File, _: &mut [u8], _: u64) -> std::io::Result<()> {
    Err(std::io::ErrorKind::Unsupported.into())
}

/// Writes `files`, sorted newest version first, in the packed layout.
///
/// Into one buffer, reserved once: the head goes first with each version's records length
/// and CRC-32 left open, and they are filled in once the records are written behind it. The
/// largest pages pack to megabytes, and this runs while the page is still held.
fn pack(files: &[ListedFile<'_>]) -> Vec<u8> {
    // Compared as bytes, then cut after a `/`, which is always a character boundary.
    let common = files
        .iter()
        .map(|file| file.url.as_bytes())
        .reduce(|prefix, url| {
            let common = prefix.iter().zip(url).take_while(|(a, b)| a == b).count();
            &prefix[..common]
        })
        .and_then(|prefix| prefix.iter().rposition(|&byte| byte == b'/'));
    let url_prefix = match (common, files.first()) {
        (Some(slash), Some(first)) => &first.url[..=slash],
        _ => "",
    };
    let mut interned: Vec<&str> = Vec::new();
    let mut interned_index: HashMap<&str, u32> = HashMap::new();
    let requires_python: Vec<u32> = files
        .iter()
        .map(|file| {
            file.requires_python
                .as_deref()
                .map_or(NO_REQUIRES_PYTHON, |text| {
                    *interned_index.entry(text).or_insert_with(|| {
                        interned.push(text);
                        u32::try_from(interned.len() - 1).unwrap_or(NO_REQUIRES_PYTHON)
                    })
                })
        })
        .collect();
    let mut groups = Vec::new();
    let mut start = 0;
    while start < files.len() {
        let version = &files[start].version;
        let end = files[start..]
            .iter()
            .position(|file| file.version != *version)
            .map_or(files.len(), |offset| start + offset);
        groups.push(start..end);
        start = end;
    }

    // The records' exact size, from writing each once into a scratch buffer: cheaper than the
    // copy that growing the buffer would make, and no second account of the layout to keep.
    let mut scratch = Vec::new();
    let records_bytes: usize = files
        .iter()
        .zip(&requires_python)
        .map(|(file, &requires_python)| {
            scratch.clear();
            put_file(&mut scratch, file, requires_python, url_prefix);
            scratch.len()
        })
        .sum();
    let mut out = Vec::with_capacity(1024 + 64 * groups.len());
    out.extend_from_slice(MAGIC);
    put_str(&mut out, url_prefix);
    put_len(&mut out, interned.len());
    for text in &interned {
        put_str(&mut out, text);
    }
    put_len(&mut out, groups.len());
    // Where each version's records length and CRC-32 go, filled in below.
    let mut open = Vec::with_capacity(groups.len());
    for group in &groups {
        let group_files = &files[group.clone()];
        put_str(&mut out, &group_files[0].version.to_string());
        let earliest_upload = group_files.iter().filter_map(|file| file.upload_time).min();
        put_opt_i64(&mut out, earliest_upload.map(Timestamp::unix_micros));
        put_len(&mut out, group_files.len());
        open.push(out.len());
        out.extend_from_slice(&[0; 8]);
    }
    // Only the small head may have been copied while growing.
    out.reserve_exact(records_bytes);
    let head_bytes = out.len();
    for (group, at) in groups.into_iter().zip(open) {
        let records_start = out.len();
        for index in group {
            put_file(&mut out, &files[index], requires_python[index], url_prefix);
        }
        let length = u32::try_from(out.len() - records_start).unwrap_or(u32::MAX);
        let crc = crc32fast::hash(&out[records_start..]);
        out[at..at + 4].copy_from_slice(&length.to_le_bytes());
        out[at + 4..at + 8].copy_from_slice(&crc.to_le_bytes());
    }
    debug_assert_eq!(out.len(), head_bytes + records_bytes);
    out
}

fn put_file(out: &mut Vec<u8>, file: &ListedFile<'_>, requires_python: u32, url_prefix: &str) {
    put_str(out, &file.filename);
    put_named(out, &file.url, &file.filename, url_prefix);
    put_hashes(out, &file.hashes);
    out.extend_from_slice(&requires_python.to_le_bytes());
    match &file.yanked {
        Yanked::No => out.push(0),
        Yanked::Yes { reason: None } => out.push(1),
        Yanked::Yes {
            reason: Some(reason),
        } => {
            out.push(2);
            put_str(out, reason.as_raw());
        }
    }
    match &file.core_metadata {
        MetadataAvailability::NotAdvertised => out.push(0),
        MetadataAvailability::Advertised { hashes } => {
            out.push(1);
            put_hashes(out, &hashes.iter().map(RawDigest::of).collect::<Vec<_>>());
        }
    }
    match file.size {
        Some(size) => {
            out.push(1);
            out.extend_from_slice(&size.to_le_bytes());
        }
        None => out.push(0),
    }
    put_opt_i64(out, file.upload_time.map(Timestamp::unix_micros));
    match &file.provenance {
        Some(url) => {
            out.push(1);
            put_named(out, url, &file.filename, url_prefix);
        }
        None => out.push(0),
    }
}

fn put_named(out: &mut Vec<u8>, text: &str, filename: &str, url_prefix: &str) {
    // Most strings end with the filename: check that before searching.
    let split = match text.strip_suffix(filename) {
        Some(before) => Some((before, "")),
        None => text.split_once(filename),
    };
    let Some((before, after)) = split.filter(|_| !filename.is_empty()) else {
        out.push(0);
        put_str(out, text);
        return;
    };
    if let Some(rest) = before
        .strip_prefix(url_prefix)
        .filter(|_| !url_prefix.is_empty())
    {
        out.push(2);
        put_str(out, rest);
    } else {
        out.push(1);
        put_str(out, before);
    }
    put_str(out, after);
}

fn put_hashes(out: &mut Vec<u8>, hashes: &[RawDigest]) {
    // No file has anywhere near 65,535 digests; more are dropped rather than miscounted.
    let hashes = &hashes[..hashes.len().min(usize::from(u16::MAX))];
    let count = u16::try_from(hashes.len()).unwrap_or(u16::MAX);
    out.extend_from_slice(&count.to_le_bytes());
    for hash in hashes {
        let code = HashAlgorithm::ALL
            .iter()
            .position(|algorithm| *algorithm == hash.algorithm())
            .and_then(|code| u8::try_from(code).ok())
            .unwrap_or(u8::MAX);
        out.push(code);
        out.extend_from_slice(hash.as_bytes());
    }
}

/// Writes a length as u32. Pages and strings are far below 4 GiB; a longer one would be
/// written as a wrong length, which decoding rejects as a whole.
fn put_len(out: &mut Vec<u8>, length: usize) {
    out.extend_from_slice(&u32::try_from(length).unwrap_or(u32::MAX).to_le_bytes());
}

fn put_str(out: &mut Vec<u8>, text: &str) {
    put_len(out, text.len());
    out.extend_from_slice(text.as_bytes());
}

fn put_opt_i64(out: &mut Vec<u8>, value: Option<i64>) {
    match value {
        Some(value) => {
            out.push(1);
            out.extend_from_slice(&value.to_le_bytes());
        }
        None => out.push(0),
    }
}

/// One file record's fields, still as bytes.
struct RawFile<'a> {
    filename: &'a [u8],
    url: Named<'a>,
    hashes: RawHashes<'a>,
    requires_python: u32,
    yanked: RawYanked<'a>,
    core_metadata: Option<RawHashes<'a>>,
    size: Option<u64>,
    upload_time: Option<i64>,
    provenance: Option<Named<'a>>,
}

impl<'a> RawFile<'a> {
    fn read(reader: &mut Reader<'a>, interned: usize) -> Option<Self> {
        let filename = reader.str()?;
        let url = Named::read(reader)?;
        let hashes = RawHashes::read(reader)?;
        let requires_python = reader.u32()?;
        if requires_python != NO_REQUIRES_PYTHON && requires_python as usize >= interned {
            return None;
        }
        let yanked = match reader.u8()? {
            0 => RawYanked::No,
            1 => RawYanked::Yes(None),
            2 => RawYanked::Yes(Some(reader.str()?)),
            _ => return None,
        };
        let core_metadata = match reader.u8()? {
            0 => None,
            1 => Some(RawHashes::read(reader)?),
            _ => return None,
        };
        let size = match reader.u8()? {
            0 => None,
            1 => Some(u64::from_le_bytes(reader.array()?)),
            _ => return None,
        };
        let upload_time = reader.opt_i64()?;
        let provenance = match reader.u8()? {
            0 => None,
            1 => Some(Named::read(reader)?),
            _ => return None,
        };
        Some(Self {
            filename,
            url,
            hashes,
            requires_python,
            yanked,
            core_metadata,
            size,
            upload_time,
            provenance,
        })
    }
}

/// A string that may have had the filename taken out of it.
enum Named<'a> {
    Whole(&'a [u8]),
    Around {
        prefixed: bool,
        before: &'a [u8],
        after: &'a [u8],
    },
}

impl<'a> Named<'a> {
    fn read(reader: &mut Reader<'a>) -> Option<Self> {
        match reader.u8()? {
            0 => Some(Self::Whole(reader.str()?)),
            tag @ (1 | 2) => Some(Self::Around {
                prefixed: tag == 2,
                before: reader.str()?,
                after: reader.str()?,
            }),
            _ => None,
        }
    }

    fn to_url(&self, url_prefix: &str, filename: &str) -> Option<FileUrl> {
        let text = |bytes| std::str::from_utf8(bytes).ok();
        match *self {
            Self::Whole(whole) => FileUrl::parse(text(whole)?),
            Self::Around {
                prefixed,
                before,
                after,
            } => {
                let prefix = if prefixed { url_prefix } else { "" };
                let (before, after) = (text(before)?, text(after)?);
                let mut url = String::with_capacity(
                    prefix.len() + before.len() + filename.len() + after.len(),
                );
                url.push_str(prefix);
                url.push_str(before);
                url.push_str(filename);
                url.push_str(after);
                FileUrl::parse(&url)
            }
        }
    }
}

/// [`Yanked`], with the reason still as bytes.
enum RawYanked<'a> {
    No,
    Yes(Option<&'a [u8]>),
}

/// A list of digests, each an algorithm code and raw bytes of that algorithm's length.
struct RawHashes<'a> {
    count: usize,
    bytes: &'a [u8],
}

impl<'a> RawHashes<'a> {
    fn read(reader: &mut Reader<'a>) -> Option<Self> {
        let count = usize::from(u16::from_le_bytes(reader.array()?));
        let start = reader.at;
        for _ in 0..count {
            let algorithm = *HashAlgorithm::ALL.get(usize::from(reader.u8()?))?;
            reader.take(algorithm.byte_len())?;
        }
        Some(Self {
            count,
            bytes: &reader.bytes[start..reader.at],
        })
    }

    fn digests(&self) -> Option<Vec<HashDigest>> {
        let mut reader = Reader::new(self.bytes, 0..self.bytes.len());
        let mut digests = Vec::with_capacity(self.count);
        for _ in 0..self.count {
            let algorithm = *HashAlgorithm::ALL.get(usize::from(reader.u8()?))?;
            digests.push(HashDigest::from_bytes(
                algorithm,
                reader.take(algorithm.byte_len())?,
            )?);
        }
        Some(digests)
    }
}

/// A bounds-checked cursor over part of a buffer.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
    end: usize,
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8], range: Range<usize>) -> Self {
        Self {
            bytes,
            at: range.start,
            end: range.end.min(bytes.len()),
        }
    }

    fn take(&mut self, length: usize) -> Option<&'a [u8]> {
        let end = self.at.checked_add(length).filter(|&end| end <= self.end)?;
        let taken = &self.bytes[self.at..end];
        self.at = end;
        Some(taken)
    }

    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }

    fn u8(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.array()?))
    }

    #[expect(
        clippy::option_option,
        reason = "as everywhere in this reader, the outer `None` means malformed; the inner one is a value"
    )]
    fn opt_i64(&mut self) -> Option<Option<i64>> {
        match self.u8()? {
            0 => Some(None),
            1 => Some(Some(i64::from_le_bytes(self.array()?))),
            _ => None,
        }
    }

    fn str(&mut self) -> Option<&'a [u8]> {
        let length = self.u32()? as usize;
        self.take(length)
    }

    fn str_range(&mut self) -> Option<Range<usize>> {
        let length = self.u32()? as usize;
        let start = self.at;
        self.take(length)?;
        Some(start..self.at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name() -> PackageName {
        "foo".parse().expect("valid name")
    }

    fn file(filename: &str) -> DistFile {
        let parsed = DistFilename::parse(filename, Some(&name())).expect("valid filename");
        DistFile {
            filename: filename.to_string(),
            parsed,
            url: FileUrl::parse(&format!("https://files.example.invalid/f/{filename}"))
                .expect("valid URL"),
            hashes: vec![HashDigest::sha256_of(filename.as_bytes())],
            requires_python: None,
            yanked: Yanked::No,
            core_metadata: MetadataAvailability::NotAdvertised,
            size: None,
            upload_time: None,
            provenance: None,
            origin: FileOrigin::Index,
        }
    }

    fn every_field(filename: &str) -> DistFile {
        DistFile {
            requires_python: Some(">=3.8, <4".parse().expect("valid specifiers")),
            yanked: Yanked::Yes {
                reason: Some("broken".into()),
            },
            core_metadata: MetadataAvailability::Advertised {
                hashes: vec![
                    HashDigest::sha256_of(b"metadata"),
                    format!("md5:{}", "0a".repeat(16))
                        .parse()
                        .expect("valid digest"),
                ],
            },
            size: Some(1234),
            upload_time: Some("2024-05-06T07:08:09.123456Z".parse().expect("valid time")),
            // One URL without the filename, one with it in the middle.
            url: FileUrl::parse("https://files.example.invalid/download?id=7").expect("valid URL"),
            provenance: Some(
                FileUrl::parse(&format!(
                    "https://example.invalid/integrity/foo/{filename}/provenance"
                ))
                .expect("valid URL"),
            ),
            ..file(filename)
        }
    }

    fn unpack_all(packed: &PackedFiles) -> Vec<DistFile> {
        (0..packed.versions().len())
            .flat_map(|index| packed.files_at(index, &name()))
            .collect()
    }

    #[test]
    fn round_trips_every_field_grouped_newest_first() {
        let files = vec![
            file("foo-1.0.tar.gz"),
            every_field("foo-2.0-py3-none-any.whl"),
            DistFile {
                yanked: Yanked::Yes { reason: None },
                ..file("foo-2.0.tar.gz")
            },
            file("foo-1.0-py3-none-any.whl"),
        ];
        let packed = PackedFiles::from_files(&files);
        let versions: Vec<String> = packed
            .versions()
            .iter()
            .map(|version| version.version.to_string())
            .collect();
        assert_eq!(versions, ["2.0", "1.0"]);
        let expected = [&files[1], &files[2], &files[3], &files[0]];
        let unpacked = unpack_all(&packed);
        assert_eq!(unpacked.iter().collect::<Vec<_>>(), expected);

        // And through the bytes, as the cache reads them.
        let mut framed = b"header\n".to_vec();
        framed.extend_from_slice(&packed.to_bytes().expect("in memory"));
        let again = PackedFiles::decode(framed, 7).expect("decodes");
        assert_eq!(
            again.to_bytes().expect("in memory"),
            packed.to_bytes().expect("in memory")
        );
        assert_eq!(unpack_all(&again), unpacked);
        assert_eq!(
            again.versions()[0].earliest_upload,
            files[1].upload_time,
            "the earliest upload among the files that have one"
        );
    }

    #[test]
    fn rejects_every_truncation_and_stray_bytes() {
        let packed = PackedFiles::from_files(&[
            every_field("foo-2.0-py3-none-any.whl"),
            file("foo-1.0.tar.gz"),
        ]);
        let bytes = packed.to_bytes().expect("in memory");
        for length in 0..bytes.len() {
            assert!(
                PackedFiles::decode(bytes[..length].to_vec(), 0).is_none(),
                "a buffer cut to {length} bytes must not decode"
            );
        }
        let mut longer = bytes.to_vec();
        longer.push(0);
        assert!(PackedFiles::decode(longer, 0).is_none());
    }
}

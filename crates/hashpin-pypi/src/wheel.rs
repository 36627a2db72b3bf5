//! Reading a wheel's own `METADATA` out of its zip, from the whole file or from pieces of it.
//!
//! The piecewise path is what makes resolution fast on indexes without PEP 658: the zip's
//! central directory sits at the end of the file, so a wheel's metadata costs two small range
//! requests (the tail, then the `METADATA` entry) instead of a whole download. The zip crate
//! does the parsing over a [`SparseFile`]: a file of known length of which only some ranges are
//! present. A read that reaches a missing range fails and records which range was wanted; the
//! caller fetches it and tries again.
//!
//! Only the top-level `*.dist-info/METADATA` counts: wheels that vendor other packages carry
//! their `.dist-info` directories deeper in the tree.

use std::io::{self, Read, Seek, SeekFrom};
use std::ops::Range;

use pep508_rs::PackageName;
use zip::ZipArchive;

use crate::filename::WheelFilename;

/// Why a wheel's metadata could not be read.
#[derive(Debug, thiserror::Error)]
pub enum WheelError {
    /// The bytes are not a readable zip.
    #[error("not a valid zip archive")]
    Zip(#[source] zip::result::ZipError),
    /// No top-level `*.dist-info/METADATA`.
    #[error("no top-level `.dist-info/METADATA` in the wheel")]
    NoMetadata,
    /// `METADATA` is larger (compressed, or inflated) than hashpin reads.
    #[error("its `METADATA` is larger than the {} MiB hashpin reads", limit / (1024 * 1024))]
    TooLarge {
        /// The limit, in bytes.
        limit: u64,
    },
    /// Several top-level `.dist-info` directories, none named for the wheel.
    #[error("several top-level `.dist-info` directories and none matches the wheel's name")]
    AmbiguousMetadata,
}

/// A file of known length of which only some byte ranges have been fetched.
#[derive(Debug)]
pub(crate) struct SparseFile {
    len: u64,
    /// Fetched ranges: (start, bytes), kept sorted and non-overlapping by `insert`.
    chunks: Vec<(u64, Vec<u8>)>,
    position: u64,
    missing: Option<Range<u64>>,
}

impl SparseFile {
    pub(crate) fn new(len: u64) -> Self {
        Self {
            len,
            chunks: Vec::new(),
            position: 0,
            missing: None,
        }
    }

    /// A sparse file with every byte present.
    pub(crate) fn whole(bytes: Vec<u8>) -> Self {
        let mut file = Self::new(bytes.len() as u64);
        file.insert(0, bytes);
        file
    }

    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    /// Adds fetched bytes starting at `start`. Overlaps are trimmed away.
    pub(crate) fn insert(&mut self, start: u64, bytes: Vec<u8>) {
        let end = start + bytes.len() as u64;
        if self.first_gap(start..end) == Some(start..end) {
            // Nothing of it is present yet: keep the buffer as it is, without copying.
            self.chunks.push((start, bytes));
            self.chunks.sort_by_key(|(chunk_start, _)| *chunk_start);
            return;
        }
        // Keep only the parts not already present, so that chunks never overlap.
        let mut cursor = start;
        let mut pieces = Vec::new();
        for (chunk_start, chunk) in &self.chunks {
            let chunk_end = chunk_start + chunk.len() as u64;
            if chunk_end <= cursor || *chunk_start >= end {
                continue;
            }
            if *chunk_start > cursor {
                pieces.push(cursor..*chunk_start);
            }
            cursor = cursor.max(chunk_end);
        }
        if cursor < end {
            pieces.push(cursor..end);
        }
        for piece in pieces {
            let offset = usize::try_from(piece.start - start).unwrap_or(usize::MAX);
            let length = usize::try_from(piece.end - piece.start).unwrap_or(usize::MAX);
            self.chunks
                .push((piece.start, bytes[offset..offset + length].to_vec()));
        }
        self.chunks.sort_by_key(|(chunk_start, _)| *chunk_start);
    }

    /// The first range inside `range` that is not present, if any.
    pub(crate) fn first_gap(&self, range: Range<u64>) -> Option<Range<u64>> {
        let mut cursor = range.start;
        for (chunk_start, chunk) in &self.chunks {
            let chunk_end = chunk_start + chunk.len() as u64;
            if chunk_end <= cursor {
                continue;
            }
            if *chunk_start > cursor {
                return Some(cursor..(*chunk_start).min(range.end));
            }
            cursor = chunk_end;
            if cursor >= range.end {
                return None;
            }
        }
        (cursor < range.end).then_some(cursor..range.end)
    }

    /// Takes the range the last failed read wanted.
    pub(crate) fn take_missing(&mut self) -> Option<Range<u64>> {
        self.missing.take()
    }
}

/// An archive read from what is present of it: a [`SparseFile`] says which bytes it lacks, a
/// [`Whole`] file lacks none.
pub(crate) trait Pieces: Read + Seek {
    /// The first range inside `range` that is not present, if any.
    fn gap(&self, range: Range<u64>) -> Option<Range<u64>>;
    /// The range the last failed read wanted, widened to what one request should fetch.
    fn wanted(&mut self) -> Option<Range<u64>>;
}

impl Pieces for SparseFile {
    fn gap(&self, range: Range<u64>) -> Option<Range<u64>> {
        self.first_gap(range)
    }

    fn wanted(&mut self) -> Option<Range<u64>> {
        self.take_missing().map(|wanted| widen(self, wanted))
    }
}

/// A file with every byte at hand (downloaded whole, or on disk).
pub(crate) struct Whole<R>(pub(crate) R);

impl<R: Read> Read for Whole<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }
}

impl<R: Seek> Seek for Whole<R> {
    fn seek(&mut self, position: SeekFrom) -> io::Result<u64> {
        self.0.seek(position)
    }
}

impl<R: Read + Seek> Pieces for Whole<R> {
    fn gap(&self, _: Range<u64>) -> Option<Range<u64>> {
        None
    }

    fn wanted(&mut self) -> Option<Range<u64>> {
        None
    }
}

impl Read for SparseFile {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.position >= self.len || buf.is_empty() {
            return Ok(0);
        }
        for (chunk_start, chunk) in &self.chunks {
            let chunk_end = chunk_start + chunk.len() as u64;
            if (*chunk_start..chunk_end).contains(&self.position) {
                let offset = usize::try_from(self.position - chunk_start).unwrap_or(usize::MAX);
                let count = buf.len().min(chunk.len() - offset);
                buf[..count].copy_from_slice(&chunk[offset..offset + count]);
                self.position += count as u64;
                return Ok(count);
            }
        }
        let wanted = self.position..(self.position + buf.len() as u64).min(self.len);
        self.missing = Some(wanted);
        Err(io::Error::other("byte range not fetched yet"))
    }
}

impl Seek for SparseFile {
    fn seek(&mut self, position: SeekFrom) -> io::Result<u64> {
        let target = match position {
            SeekFrom::Start(offset) => Some(offset),
            SeekFrom::End(delta) => self.len.checked_add_signed(delta),
            SeekFrom::Current(delta) => self.position.checked_add_signed(delta),
        };
        self.position = target
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "seek before start"))?;
        Ok(self.position)
    }
}

/// What reading a wheel's metadata from a [`SparseFile`] needs next.
#[derive(Debug)]
pub(crate) enum Step {
    /// These bytes must be fetched first.
    Fetch(Range<u64>),
    /// The `METADATA` bytes.
    Done(Vec<u8>),
}

/// Slack added after a local file header's name, for its extra field, whose length only the
/// local header itself tells.
const LOCAL_EXTRA_SLACK: u64 = 1024;
/// The fixed part of a zip local file header.
const LOCAL_HEADER_LEN: u64 = 30;

/// Reads the wheel's `METADATA`, or says which bytes to fetch first.
pub(crate) fn read_metadata(
    file: &mut SparseFile,
    wheel: &WheelFilename,
    limit: u64,
) -> Result<Step, WheelError> {
    file.position = 0;
    let archive = match ZipArchive::new(&mut *file) {
        Ok(archive) => archive,
        Err(error) => {
            return match file.take_missing() {
                Some(wanted) => Ok(Step::Fetch(widen(file, wanted))),
                None => Err(WheelError::Zip(error)),
            };
        }
    };
    let index = metadata_index(&archive, &wheel.name)?;
    let entry = archive.by_index_data(index).map_err(WheelError::Zip)?;
    // The central directory says how large the entry is; a lie is caught while inflating.
    if entry.compressed_size() > limit || entry.size() > limit {
        return Err(WheelError::TooLarge { limit });
    }
    let range = entry_range(&entry, archive.central_directory_start());
    drop(archive);
    if let Some(gap) = file.first_gap(range) {
        return Ok(Step::Fetch(gap));
    }
    let mut archive = ZipArchive::new(&mut *file).map_err(WheelError::Zip)?;
    let read = read_entry(&mut archive, index, limit);
    drop(archive);
    match read {
        Ok(bytes) => Ok(Step::Done(bytes)),
        Err(error) => match file.take_missing() {
            Some(wanted) => Ok(Step::Fetch(widen(file, wanted))),
            None => Err(too_large(error, limit)),
        },
    }
}

/// The bytes an entry's local header and data take (its extra field's length is known only
/// from the local header, so some slack is added, up to the central directory).
pub(crate) fn entry_range(entry: &zip::read::ZipFileEntry<'_>, directory_start: u64) -> Range<u64> {
    let name_len = entry.name_raw().len() as u64;
    let start = entry.header_start();
    let end = (start + LOCAL_HEADER_LEN + name_len + LOCAL_EXTRA_SLACK + entry.compressed_size())
        .min(directory_start.max(start + 1));
    start..end
}

/// Inflates entry `index`, at most `limit` bytes.
fn read_entry<R: Read + Seek>(
    archive: &mut ZipArchive<R>,
    index: usize,
    limit: u64,
) -> Result<Vec<u8>, zip::result::ZipError> {
    let entry = archive.by_index(index)?;
    let mut bytes = Vec::new();
    entry.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(zip::result::ZipError::Io(io::Error::other(
            WheelError::TooLarge { limit },
        )));
    }
    Ok(bytes)
}

/// Widens a wanted range so one request fills the whole gap it starts in (reading a central
/// directory entry by entry would otherwise cost a request each), up to 1 MiB.
pub(crate) fn widen(file: &SparseFile, wanted: Range<u64>) -> Range<u64> {
    const MAX: u64 = 1 << 20;
    let gap = file
        .first_gap(wanted.start..file.len())
        .unwrap_or(wanted.clone());
    wanted.start..gap.end.min(wanted.start + MAX).max(wanted.end)
}

fn metadata_index<R: Read + Seek>(
    archive: &ZipArchive<R>,
    project: &PackageName,
) -> Result<usize, WheelError> {
    let mut candidates = Vec::new();
    for index in 0..archive.len() {
        let Some(Ok(name)) = archive.name_for_index(index) else {
            continue;
        };
        let Some((directory, "METADATA")) = name.split_once('/') else {
            continue;
        };
        if let Some(stem) = directory.strip_suffix(".dist-info") {
            let matches = stem.rsplit_once('-').is_some_and(|(name, _)| {
                name.parse::<PackageName>()
                    .is_ok_and(|name| &name == project)
            });
            candidates.push((index, matches));
        }
    }
    match candidates.as_slice() {
        [] => Err(WheelError::NoMetadata),
        [(index, _)] => Ok(*index),
        _ => candidates
            .iter()
            .find(|(_, matches)| *matches)
            .map(|(index, _)| *index)
            .ok_or(WheelError::AmbiguousMetadata),
    }
}

/// Reads `METADATA` (at most `limit` bytes) out of a whole wheel.
pub(crate) fn metadata_from_reader<R: Read + Seek>(
    reader: R,
    wheel: &WheelFilename,
    limit: u64,
) -> Result<Vec<u8>, WheelError> {
    let mut archive = ZipArchive::new(reader).map_err(WheelError::Zip)?;
    let index = metadata_index(&archive, &wheel.name)?;
    read_entry(&mut archive, index, limit).map_err(|error| too_large(error, limit))
}

/// A read that stopped at the limit, as [`WheelError::TooLarge`] rather than a zip error.
fn too_large(error: zip::result::ZipError, limit: u64) -> WheelError {
    match &error {
        zip::result::ZipError::Io(io)
            if io
                .get_ref()
                .is_some_and(<dyn std::error::Error + Send + Sync>::is::<WheelError>) =>
        {
            WheelError::TooLarge { limit }
        }
        _ => WheelError::Zip(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparse_file_reports_gaps_and_merges_chunks() {
        let mut file = SparseFile::new(100);
        file.insert(90, vec![1; 10]);
        assert_eq!(file.first_gap(0..100), Some(0..90));
        file.insert(10, vec![2; 20]);
        assert_eq!(file.first_gap(0..100), Some(0..10));
        assert_eq!(file.first_gap(10..95), Some(30..90));
        file.insert(0, vec![3; 95]);
        assert_eq!(file.first_gap(0..100), None);
        // Overlapping inserts keep the first bytes fetched.
        let mut buf = [0; 100];
        file.seek(SeekFrom::Start(0)).expect("seek");
        file.read_exact(&mut buf).expect("all present");
        assert_eq!(buf[15], 2);
        assert_eq!(buf[95], 1);
    }

    #[test]
    fn sparse_read_of_missing_bytes_records_the_range() {
        let mut file = SparseFile::new(50);
        file.insert(40, vec![0; 10]);
        let mut buf = [0; 8];
        assert!(file.read(&mut buf).is_err());
        assert_eq!(file.take_missing(), Some(0..8));
        assert_eq!(widen(&file, 0..8), 0..40);
    }
}

//! The disk cache: Simple API pages with their validators, and core metadata by file hash.
//!
//! Every entry is one file, written atomically (a temporary file in the same directory, then a
//! rename) and framed with its length and SHA-256, so a truncated or corrupted entry is detected
//! on read, removed, and fetched again instead of being trusted.
//!
//! - `simple-v3/<index>/<project>`: the page's files, parsed and packed (see
//!   [`PackedFiles`]), plus the URL the page came from, its `ETag`, `Last-Modified`,
//!   `max-age`, and when it was fetched. Pages are revalidated: within `max-age` they are used
//!   as they are, otherwise a conditional request is sent when the index gave validators.
//!   Packed rather than raw: a warm or offline run would otherwise parse every file of every
//!   page again, which costs more than everything else it does. A page entry is framed with
//!   CRC-32s (`PAGE_MAGIC`): only its head is read and checked, and kept in memory; a
//!   version's file records are read from the file, and checked, when asked for.
//!   (`simple-v1` held raw bodies; `simple-v2` was read whole, under SHA-256.)
//! - `built-v1/<key>`: the `METADATA` of an sdist that was built for it, keyed by the sdist's
//!   SHA-256 and the interpreter it was built with (see `hashpin-build`).
//! - `metadata-v2/<key>`: the `METADATA` text of a file, keyed by what vouches for it: the
//!   file's hash only when read from the verified file itself, the metadata's own hash for a
//!   verified PEP 658 sidecar, else the file's URL (see `IndexClient::metadata`).
//!   (`metadata-v1` keyed everything by the file's hash, whatever the source: an index could
//!   poison another index's copy of the same wheel.)

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::hash::Sha256;
use serde::{Deserialize, Serialize};

use crate::hash::hex;
use crate::simple::PackedFiles;

const MAGIC: &str = "hashpin-cache-v1";

/// How the cache and the network are used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CacheMode {
    /// Use cached entries, revalidating pages as their headers allow.
    #[default]
    Normal,
    /// Refetch every page (metadata, keyed by hash, is still reused).
    Refresh,
    /// Never touch the network; a missing entry is an error.
    Offline,
}

/// The cache directory.
#[derive(Debug, Clone)]
pub struct Cache {
    root: PathBuf,
}

/// What is known about a cached Simple API page besides its files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PageInfo {
    /// The final URL of the page (credentials stripped).
    pub(crate) url: String,
    pub(crate) etag: Option<String>,
    pub(crate) last_modified: Option<String>,
    /// Seconds the page may be used without revalidation (`Cache-Control: max-age`).
    pub(crate) max_age: Option<u64>,
    /// Unix seconds when the page was fetched or last revalidated.
    pub(crate) fetched_at: i64,
}

/// A cached Simple API page.
#[derive(Debug, Clone)]
pub(crate) struct CachedPage {
    pub(crate) info: PageInfo,
    pub(crate) files: Arc<PackedFiles>,
}

impl Cache {
    /// A cache rooted at `root` (created on first write).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The user cache directory, as pip and uv place theirs: `$XDG_CACHE_HOME/hashpin` or
    /// `~/.cache/hashpin` (`~/Library/Caches/hashpin` on macOS, `%LOCALAPPDATA%\hashpin\cache`
    /// on Windows).
    pub fn default_root() -> Option<PathBuf> {
        if cfg!(windows) {
            return std::env::var_os("LOCALAPPDATA")
                .map(|dir| PathBuf::from(dir).join("hashpin").join("cache"));
        }
        let home = std::env::var_os("HOME").map(PathBuf::from);
        if cfg!(target_os = "macos") {
            return home.map(|home| home.join("Library/Caches/hashpin"));
        }
        std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .filter(|dir| dir.is_absolute())
            .or_else(|| home.map(|home| home.join(".cache")))
            .map(|dir| dir.join("hashpin"))
    }

    /// The cache's root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn page_path(&self, index_key: &str, project: &str) -> PathBuf {
        self.root.join("simple-v3").join(index_key).join(project)
    }

    fn metadata_path(&self, key: &str) -> PathBuf {
        self.root.join("metadata-v2").join(key)
    }

    /// The cached page of `project`, its head read and every byte checked, its records left
    /// in the file; `None` when there is none, or it is damaged (then it is removed).
    pub(crate) fn read_page(&self, index_key: &str, project: &str) -> Option<CachedPage> {
        let path = self.page_path(index_key, project);
        // Writable where it can be, so that a version found damaged later can mark the whole
        // entry as such (emptied) for the next run.
        let file = fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .or_else(|_| fs::File::open(&path))
            .ok()?;
        let page = read_page_entry(file);
        if page.is_none() {
            log::debug!(
                "discarding damaged or unreadable cache entry {}",
                path.display()
            );
            let _ = fs::remove_file(&path);
        }
        page
    }

    /// Writes a page: `info`, then `files`. Returns the written file and where the packed
    /// form starts in it, for [`PackedFiles::with_records_in`].
    pub(crate) fn write_page(
        &self,
        index_key: &str,
        project: &str,
        info: &PageInfo,
        files: &PackedFiles,
    ) -> io::Result<(fs::File, u64)> {
        let mut info = serde_json::to_vec(info).map_err(io::Error::other)?;
        info.push(b'\n');
        let packed = files.to_bytes()?;
        let packed_head = files.head_end() - files.start();
        let mut crc = crc32fast::Hasher::new();
        crc.update(&info);
        crc.update(&packed[..packed_head]);
        let header = format!(
            "{PAGE_MAGIC}{}\n{:08x}\n{}\n",
            info.len() + packed.len(),
            crc.finalize(),
            info.len() + packed_head
        );
        let file = write_parts(
            &self.page_path(index_key, project),
            &[header.as_bytes(), &info, &packed],
        )?;
        Ok((file, (header.len() + info.len()) as u64))
    }

    pub(crate) fn read_interpreter(&self, key: &str) -> Option<Vec<u8>> {
        read_entry(&self.root.join("interpreter-v1").join(key))
    }

    pub(crate) fn write_interpreter(&self, key: &str, facts: &[u8]) -> io::Result<()> {
        write_entry(&self.root.join("interpreter-v1").join(key), &[facts])
    }

    /// Metadata built from an sdist (`built-v1/<key>`), if cached and intact.
    pub fn read_built(&self, key: &str) -> Option<Vec<u8>> {
        read_entry(&self.root.join("built-v1").join(key))
    }

    /// Caches metadata built from an sdist, under a key the builder makes of what the build
    /// depended on (the sdist's hash and the build interpreter).
    pub fn write_built(&self, key: &str, metadata: &[u8]) -> io::Result<()> {
        write_entry(&self.root.join("built-v1").join(key), &[metadata])
    }

    pub(crate) fn read_metadata(&self, key: &str) -> Option<Vec<u8>> {
        read_entry(&self.metadata_path(key))
    }

    pub(crate) fn write_metadata(&self, key: &str, metadata: &[u8]) -> io::Result<()> {
        write_entry(&self.metadata_path(key), &[metadata])
    }
}

/// A short, filesystem-safe key for any text (an index URL, a file URL).
pub(crate) fn key_of(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes())[..12])
}

/// Reads a framed entry; a missing entry is `None`, a damaged one is removed and `None`.
fn read_entry(path: &Path) -> Option<Vec<u8>> {
    let (mut bytes, start) = read_framed(path)?;
    bytes.drain(..start);
    Some(bytes)
}

/// Reads a framed entry as [`read_entry`] does, but leaves the frame in front of the
/// payload (which starts at the index returned) rather than moving a large payload.
fn read_framed(path: &Path) -> Option<(Vec<u8>, usize)> {
    let bytes = fs::read(path).ok()?;
    if let Some(start) = unframe(&bytes) {
        Some((bytes, start))
    } else {
        log::debug!("discarding damaged cache entry {}", path.display());
        let _ = fs::remove_file(path);
        None
    }
}

/// Where the payload starts, when the frame is intact.
fn unframe(bytes: &[u8]) -> Option<usize> {
    let mut lines = bytes.splitn(4, |&b| b == b'\n');
    let magic = lines.next()?;
    let length: usize = std::str::from_utf8(lines.next()?).ok()?.parse().ok()?;
    let digest = lines.next()?;
    let payload = lines.next().unwrap_or_default();
    (magic == MAGIC.as_bytes()
        && payload.len() == length
        && digest == hex(&Sha256::digest(payload)).as_bytes())
    .then_some(bytes.len() - payload.len())
}

/// Writes an entry whose payload is `parts`, one after the other.
fn write_entry(path: &Path, parts: &[&[u8]]) -> io::Result<()> {
    let mut digest = Sha256::new();
    for part in parts {
        digest.update(part);
    }
    let length: usize = parts.iter().map(|part| part.len()).sum();
    let header = format!("{MAGIC}\n{length}\n{}\n", hex(&digest.finalize()));
    let mut all = vec![header.as_bytes()];
    all.extend_from_slice(parts);
    write_parts(path, &all)?;
    Ok(())
}

/// Writes `parts` to `path` atomically (a temporary file in the same directory, renamed);
/// returns the written file.
fn write_parts(path: &Path, parts: &[&[u8]]) -> io::Result<fs::File> {
    let directory = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(directory)?;
    let mut file = tempfile::NamedTempFile::new_in(directory)?;
    for part in parts {
        file.write_all(part)?;
    }
    file.persist(path).map_err(|error| error.error)
}

/// What starts a page entry: `PAGE_MAGIC`, then the payload's length, the CRC-32 (hex) of
/// its head, and the head's length (the info line and the packed head, which are read into
/// memory), one per line. Each version's records carry their own CRC-32 in the head.
///
/// On reading, the head is checked and kept, and the length of the whole checked against the
/// file's. The records stay in the file and are checked when a version is unpacked (see
/// [`PackedFiles::files_at`]): a run reads a few versions of most pages, and checking every
/// record up front was a sixth of a run from the cache. Damage found then empties the entry
/// and marks the page ([`PackedFiles::is_damaged`]); what was resolved from it is not used.
/// CRC-32 rather than SHA-256 finds the same damage (a cut, a flipped bit) at a tenth of the
/// cost, and pages are most of what a warm run reads; the small entries keep SHA-256.
const PAGE_MAGIC: &str = "hashpin-page-v3\n";

/// Reads a page entry from `file`: the head into memory, checked; the records stay in the
/// file, checked when read.
fn read_page_entry(file: fs::File) -> Option<CachedPage> {
    use std::io::{BufRead as _, Read as _};
    let total = file.metadata().ok()?.len();
    let mut reader = io::BufReader::with_capacity(64 * 1024, &file);
    let mut line = String::new();
    let mut header_len = 0_u64;
    let mut numbers = [0_u64; 3];
    let mut magic = String::new();
    (&mut reader).take(64).read_line(&mut magic).ok()?;
    if magic != PAGE_MAGIC {
        return None;
    }
    header_len += magic.len() as u64;
    for (index, number) in numbers.iter_mut().enumerate() {
        line.clear();
        (&mut reader).take(32).read_line(&mut line).ok()?;
        header_len += line.len() as u64;
        let text = line.strip_suffix('\n')?;
        *number = if index == 1 {
            u64::from_str_radix(text, 16).ok()?
        } else {
            text.parse().ok()?
        };
    }
    let [payload_len, crc, head_len] = numbers;
    if header_len.checked_add(payload_len)? != total || head_len > payload_len {
        return None;
    }
    let mut head = vec![0; usize::try_from(head_len).ok()?];
    reader.read_exact(&mut head).ok()?;
    if u64::from(crc32fast::hash(&head)) != crc {
        return None;
    }
    let info_end = head.iter().position(|&byte| byte == b'\n')?;
    let info: PageInfo = serde_json::from_slice(&head[..info_end]).ok()?;
    let end = usize::try_from(payload_len).ok()?;
    let files = PackedFiles::decode_head(head, info_end + 1, end)?;
    // The records are not read here: each version's are checked when it is unpacked, and
    // a run unpacks a few (`PackedFiles::files_at`).
    drop(reader);
    Some(CachedPage {
        info,
        files: Arc::new(files.with_records_in(file, header_len)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_damage() {
        let dir = tempfile::tempdir().expect("temp dir");
        let cache = Cache::new(dir.path());
        cache.write_metadata("abc", b"Name: x\n").expect("write");
        assert_eq!(
            cache.read_metadata("abc").as_deref(),
            Some(&b"Name: x\n"[..])
        );

        // Truncate the entry: it must be dropped, not trusted.
        let path = cache.metadata_path("abc");
        let bytes = fs::read(&path).expect("read");
        fs::write(&path, &bytes[..bytes.len() - 2]).expect("truncate");
        assert_eq!(cache.read_metadata("abc"), None);
        assert!(!path.exists());

        // Flip a byte of the payload.
        cache.write_metadata("abc", b"Name: x\n").expect("write");
        let mut bytes = fs::read(&path).expect("read");
        let last = bytes.len() - 2;
        bytes[last] ^= 1;
        fs::write(&path, &bytes).expect("corrupt");
        assert_eq!(cache.read_metadata("abc"), None);
    }

    #[test]
    fn pages_keep_their_validators_and_files() {
        let dir = tempfile::tempdir().expect("temp dir");
        let cache = Cache::new(dir.path());
        let url = url::Url::parse("http://127.0.0.1/simple/x/").expect("valid URL");
        let body = b"<a href='x-1.0.tar.gz'>\nsecond line</a>";
        let name = "x".parse().expect("valid name");
        let parsed = crate::simple::ProjectPage::parse(&name, &url, Some("text/html"), body)
            .expect("parses");
        let info = PageInfo {
            url: url.to_string(),
            etag: Some("\"e\"".into()),
            last_modified: None,
            max_age: Some(600),
            fetched_at: 42,
        };
        let files = PackedFiles::from_files(&parsed.files);
        let (file, offset) = cache
            .write_page("index", "x", &info, &files)
            .expect("write");
        let read = cache.read_page("index", "x").expect("read");
        assert_eq!(read.info, info);
        assert_eq!(read.files.files_at(0, &name), parsed.files);
        // The written entry serves the records too.
        let backed = PackedFiles::from_files(&parsed.files).with_records_in(file, offset);
        assert_eq!(backed.files_at(0, &name), parsed.files);

        // Damage in a version's records, before or after the entry is read, is found when
        // they are unpacked: the version is left out, the entry says so and is emptied for
        // the next read.
        let path = cache.page_path("index", "x");
        let mut bytes = fs::read(&path).expect("read");
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        for damage_first in [true, false] {
            cache
                .write_page("index", "x", &info, &files)
                .expect("write");
            if damage_first {
                fs::write(&path, &bytes).expect("corrupt");
            }
            let read = cache.read_page("index", "x").expect("the head is sound");
            if !damage_first {
                fs::write(&path, &bytes).expect("corrupt");
            }
            assert!(!read.files.is_damaged());
            assert_eq!(read.files.files_at(0, &name), Vec::new());
            assert!(read.files.is_damaged());
            assert!(cache.read_page("index", "x").is_none());
        }

        // Damage in the head is found at once.
        cache
            .write_page("index", "x", &info, &files)
            .expect("write");
        let mut bytes = fs::read(&path).expect("read");
        let in_head = bytes
            .iter()
            .position(|&byte| byte == b'{')
            .expect("the info line");
        bytes[in_head + 2] ^= 1;
        fs::write(&path, &bytes).expect("corrupt");
        assert!(cache.read_page("index", "x").is_none());
        assert!(!path.exists());
    }
}

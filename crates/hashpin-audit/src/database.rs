//! An OSV database on disk: a directory of advisory JSON files, or a zip of them in the layout
//! of OSV's per-ecosystem `all.zip` export (one `<id>.json` per advisory).
//!
//! The database is input like any other: the zip's entries are read within a size each and
//! in all, a directory is walked to a bounded depth, and a file that is not an advisory is
//! counted and skipped, not trusted and not fatal.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::str::FromStr as _;
use std::sync::Arc;

use hashpin_pypi::{PackageName, Timestamp};

use crate::advisory::Advisory;

/// The largest advisory read (real ones are a few kilobytes; the largest tens).
const MAX_ADVISORY_BYTES: u64 = 4 * 1024 * 1024;
/// The most bytes read from one database, and the most entries (OSV's export for Python has tens
/// of thousands).
const MAX_TOTAL_BYTES: u64 = 4 * 1024 * 1024 * 1024;
const MAX_ENTRIES: usize = 1_000_000;
/// How deep a directory database is walked (OSV's export is flat; a checkout nests a few).
const MAX_DEPTH: usize = 8;

/// Why a database cannot be read at all.
#[derive(Debug, thiserror::Error)]
pub enum DatabaseError {
    #[error("cannot read the vulnerability database {}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the vulnerability database {} is not a readable zip", path.display())]
    Zip {
        path: PathBuf,
        source: zip::result::ZipError,
    },
    #[error("the vulnerability database {} is too large: {why}", path.display())]
    TooLarge { path: PathBuf, why: String },
    #[error("the vulnerability database {} holds no OSV advisory ({skipped} files were not advisories)", path.display())]
    Empty { path: PathBuf, skipped: usize },
}

/// The advisories of a database, by the Python project they are about.
#[derive(Debug)]
pub struct Database {
    pub path: PathBuf,
    /// How many advisories it holds (of any ecosystem), and how many files were skipped.
    pub advisories: usize,
    pub skipped: usize,
    /// The latest `modified` of any advisory: how recent the database is.
    pub newest: Option<Timestamp>,
    by_name: HashMap<PackageName, Vec<Arc<Advisory>>>,
}

impl Database {
    /// Reads the database at `path`, a directory or a zip file.
    pub fn open(path: &Path) -> Result<Self, DatabaseError> {
        Self::open_for(path, None)
    }

    /// Reads the database at `path`, keeping only the advisories about `names` (all, for
    /// `None`): every advisory is glanced at for its projects and date, and only those kept
    /// are read whole. OSV's export for Python holds tens of thousands, and a lock names a
    /// few hundred projects at most.
    pub fn open_for(
        path: &Path,
        names: Option<&HashSet<PackageName>>,
    ) -> Result<Self, DatabaseError> {
        let io = |source| DatabaseError::Io {
            path: path.to_path_buf(),
            source,
        };
        let metadata = std::fs::metadata(path).map_err(io)?;
        let mut reader = Reader::new(path);
        reader.wanted = names;
        if metadata.is_dir() {
            reader.directory(path, 0)?;
        } else {
            reader.zip(File::open(path).map_err(io)?)?;
        }
        reader.finish()
    }

    /// The advisories about `name`, withdrawn ones included (the caller skips them).
    pub fn about(&self, name: &PackageName) -> &[Arc<Advisory>] {
        self.by_name.get(name).map_or(&[], Vec::as_slice)
    }

    /// A database made of `advisories`, for tests.
    #[doc(hidden)]
    pub fn of(advisories: Vec<Advisory>) -> Self {
        let mut reader = Reader::new(Path::new("(memory)"));
        for advisory in advisories {
            reader.add(advisory);
        }
        Self {
            path: reader.path,
            advisories: reader.advisories,
            skipped: 0,
            newest: reader.newest,
            by_name: reader.by_name,
        }
    }
}

/// What a glance at an advisory reads: its date and the projects it is about.
#[derive(serde::Deserialize)]
struct Glance {
    /// Present, as in every advisory, but not read.
    #[serde(rename = "id")]
    _id: serde::de::IgnoredAny,
    modified: Option<String>,
    #[serde(default)]
    affected: Vec<GlanceAffected>,
}

#[derive(serde::Deserialize)]
struct GlanceAffected {
    package: Option<GlancePackage>,
}

#[derive(serde::Deserialize)]
struct GlancePackage {
    ecosystem: String,
    name: String,
}

/// `.json`, in any case.
fn has_json_extension(name: &str) -> bool {
    Path::new(name)
        .extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("json"))
}

struct Reader<'a> {
    path: PathBuf,
    /// Only advisories about these projects are kept.
    wanted: Option<&'a HashSet<PackageName>>,
    /// The most bytes this reader reads.
    max_bytes: u64,
    advisories: usize,
    skipped: usize,
    entries: usize,
    bytes: u64,
    newest: Option<Timestamp>,
    by_name: HashMap<PackageName, Vec<Arc<Advisory>>>,
}

impl Reader<'_> {
    fn new(path: &Path) -> Self {
        Self {
            path: path.to_path_buf(),
            wanted: None,
            max_bytes: MAX_TOTAL_BYTES,
            advisories: 0,
            skipped: 0,
            entries: 0,
            bytes: 0,
            newest: None,
            by_name: HashMap::new(),
        }
    }

    fn too_large(&self, why: String) -> DatabaseError {
        DatabaseError::TooLarge {
            path: self.path.clone(),
            why,
        }
    }

    /// Counts one more entry against the limits.
    fn count(&mut self, size: u64) -> Result<(), DatabaseError> {
        self.entries += 1;
        self.bytes += size;
        if self.entries > MAX_ENTRIES {
            return Err(self.too_large(format!("more than {MAX_ENTRIES} files")));
        }
        if self.bytes > self.max_bytes {
            return Err(self.too_large(format!(
                "more than {} GiB of advisories",
                MAX_TOTAL_BYTES >> 30
            )));
        }
        Ok(())
    }

    /// Reads a zip's entries on as many threads as there are cores (up to four), each
    /// with its own handle on the file and a share of the limits: inflating and glancing at
    /// OSV's export for Python is most of an audit's time.
    fn zip(&mut self, file: File) -> Result<(), DatabaseError> {
        let zip_error = |source| DatabaseError::Zip {
            path: self.path.clone(),
            source,
        };
        let archive = zip::ZipArchive::new(file).map_err(zip_error)?;
        let len = archive.len();
        if len > MAX_ENTRIES {
            return Err(self.too_large(format!("more than {MAX_ENTRIES} files")));
        }
        let threads = std::thread::available_parallelism()
            .map_or(1, std::num::NonZeroUsize::get)
            .clamp(1, 4)
            .min(len / 1000 + 1);
        if threads == 1 {
            return self.zip_entries(archive, 0..len);
        }
        let chunk = len.div_ceil(threads);
        let (path, wanted) = (&self.path, self.wanted);
        let max_bytes = self.max_bytes / threads as u64;
        let parts: Vec<Result<Reader<'_>, DatabaseError>> = std::thread::scope(|scope| {
            let mut first = Some(archive);
            let handles: Vec<_> = (0..threads)
                .map(|part| {
                    let range = part * chunk..((part + 1) * chunk).min(len);
                    let archive = first.take();
                    scope.spawn(move || {
                        let mut reader = Reader::new(path);
                        reader.wanted = wanted;
                        reader.max_bytes = max_bytes;
                        let archive = match archive {
                            Some(archive) => archive,
                            None => File::open(path)
                                .map_err(|source| DatabaseError::Io {
                                    path: path.clone(),
                                    source,
                                })
                                .and_then(|file| {
                                    zip::ZipArchive::new(file).map_err(|source| {
                                        DatabaseError::Zip {
                                            path: path.clone(),
                                            source,
                                        }
                                    })
                                })?,
                        };
                        reader.zip_entries(archive, range).map(|()| reader)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|handle| {
                    handle
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                })
                .collect()
        });
        for part in parts {
            self.merge(part?);
        }
        Ok(())
    }

    /// Takes in what another reader of the same database read.
    fn merge(&mut self, part: Reader<'_>) {
        self.advisories += part.advisories;
        self.skipped += part.skipped;
        self.entries += part.entries;
        self.bytes += part.bytes;
        if part.newest > self.newest {
            self.newest = part.newest;
        }
        for (name, mut advisories) in part.by_name {
            self.by_name
                .entry(name)
                .or_default()
                .append(&mut advisories);
        }
    }

    fn zip_entries(
        &mut self,
        mut archive: zip::ZipArchive<File>,
        range: std::ops::Range<usize>,
    ) -> Result<(), DatabaseError> {
        let mut buffer = Vec::new();
        for at in range {
            let mut entry = archive.by_index(at).map_err(|source| DatabaseError::Zip {
                path: self.path.clone(),
                source,
            })?;
            let Ok(name) = entry.name().map(std::borrow::Cow::into_owned) else {
                self.skipped += 1;
                continue;
            };
            if !entry.is_file() || !has_json_extension(&name) {
                continue;
            }
            buffer.clear();
            // The declared size is the archive's word; what is read is bounded regardless.
            let read = (&mut entry)
                .take(MAX_ADVISORY_BYTES + 1)
                .read_to_end(&mut buffer);
            drop(entry);
            match read {
                Ok(size) if size as u64 <= MAX_ADVISORY_BYTES => {
                    self.count(size as u64)?;
                    self.parse(&name, &buffer);
                }
                Ok(_) => {
                    log::warn!(
                        "{}: `{}` is larger than an advisory can be; skipped",
                        self.path.display(),
                        hashpin_pypi::untrusted::for_terminal(&name)
                    );
                    self.skipped += 1;
                }
                Err(error) => {
                    log::warn!(
                        "{}: `{}` cannot be read ({error}); skipped",
                        self.path.display(),
                        hashpin_pypi::untrusted::for_terminal(&name)
                    );
                    self.skipped += 1;
                }
            }
        }
        Ok(())
    }

    fn directory(&mut self, dir: &Path, depth: usize) -> Result<(), DatabaseError> {
        let io = |source| DatabaseError::Io {
            path: dir.to_path_buf(),
            source,
        };
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .map_err(io)?
            .filter_map(Result::ok)
            .collect();
        entries.sort_by_key(std::fs::DirEntry::file_name);
        for entry in entries {
            // Not followed: a link out of the database is not part of it.
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            let path = entry.path();
            if kind.is_dir() {
                if depth < MAX_DEPTH {
                    self.directory(&path, depth + 1)?;
                }
            } else if kind.is_file() && has_json_extension(&path.to_string_lossy()) {
                let mut bytes = Vec::new();
                let read = File::open(&path)
                    .and_then(|file| file.take(MAX_ADVISORY_BYTES + 1).read_to_end(&mut bytes));
                match read {
                    Ok(size) if size as u64 <= MAX_ADVISORY_BYTES => {
                        self.count(size as u64)?;
                        self.parse(&path.display().to_string(), &bytes);
                    }
                    Ok(_) | Err(_) => self.skipped += 1,
                }
            }
        }
        Ok(())
    }

    fn parse(&mut self, name: &str, bytes: &[u8]) {
        if let Some(wanted) = self.wanted {
            match serde_json::from_slice::<Glance>(bytes) {
                Ok(glance) => {
                    let about_a_pin = glance
                        .affected
                        .iter()
                        .filter_map(|entry| entry.package.as_ref())
                        .filter(|package| package.ecosystem == "PyPI")
                        .filter_map(|package| PackageName::from_str(&package.name).ok())
                        .any(|name| wanted.contains(&name));
                    if !about_a_pin {
                        self.advisories += 1;
                        let modified = glance.modified.and_then(|text| text.parse().ok());
                        if modified > self.newest {
                            self.newest = modified;
                        }
                        return;
                    }
                }
                Err(error) => {
                    self.skip(name, &error);
                    return;
                }
            }
        }
        match Advisory::parse(bytes) {
            Ok(advisory) => self.add(advisory),
            Err(error) => self.skip(name, &error),
        }
    }

    /// Counts a file that is not an advisory; `-v` names it.
    fn skip(&mut self, name: &str, why: &dyn std::fmt::Display) {
        log::debug!(
            "{}: `{}` skipped: {why}",
            self.path.display(),
            hashpin_pypi::untrusted::for_terminal(name)
        );
        self.skipped += 1;
    }

    fn add(&mut self, advisory: Advisory) {
        self.advisories += 1;
        if advisory.modified > self.newest {
            self.newest = advisory.modified;
        }
        let advisory = Arc::new(advisory);
        let mut names: Vec<&PackageName> = advisory.affected.iter().map(|a| &a.name).collect();
        names.sort();
        names.dedup();
        for name in names {
            self.by_name
                .entry(name.clone())
                .or_default()
                .push(advisory.clone());
        }
    }

    fn finish(self) -> Result<Database, DatabaseError> {
        if self.advisories == 0 {
            return Err(DatabaseError::Empty {
                path: self.path,
                skipped: self.skipped,
            });
        }
        Ok(Database {
            path: self.path,
            advisories: self.advisories,
            skipped: self.skipped,
            newest: self.newest,
            by_name: self.by_name,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;
    use std::str::FromStr as _;

    use super::*;

    const ADVISORY: &str = r#"{"id": "PYSEC-1", "modified": "2024-10-10T00:00:00Z",
        "affected": [{"package": {"ecosystem": "PyPI", "name": "Requests"}, "versions": ["2.0"]}]}"#;

    #[test]
    fn reads_a_zip_and_skips_what_is_not_an_advisory() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("all.zip");
        let mut zip = zip::ZipWriter::new(File::create(&path).unwrap());
        let options = zip::write::SimpleFileOptions::default();
        for (name, text) in [
            ("PYSEC-1.json", ADVISORY),
            ("broken.json", "{"),
            ("README.txt", "not json"),
        ] {
            zip.start_file(name, options).unwrap();
            zip.write_all(text.as_bytes()).unwrap();
        }
        zip.finish().unwrap();
        let database = Database::open(&path).unwrap();
        assert_eq!((database.advisories, database.skipped), (1, 1));
        assert_eq!(
            database
                .about(&PackageName::from_str("requests").unwrap())
                .len(),
            1
        );
        assert_eq!(database.newest.unwrap().to_string(), "2024-10-10T00:00:00Z");
    }

    #[test]
    fn keeps_only_the_advisories_about_the_names_asked_but_counts_and_dates_all() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("PYSEC-1.json"), ADVISORY).unwrap();
        std::fs::write(
            dir.path().join("PYSEC-2.json"),
            r#"{"id": "PYSEC-2", "modified": "2025-01-01T00:00:00Z",
                "affected": [{"package": {"ecosystem": "PyPI", "name": "other"}, "versions": ["1"]}]}"#,
        )
        .unwrap();
        std::fs::write(dir.path().join("no-id.json"), r#"{"affected": []}"#).unwrap();
        let requests = PackageName::from_str("requests").unwrap();
        let names = HashSet::from([requests.clone()]);
        let database = Database::open_for(dir.path(), Some(&names)).unwrap();
        assert_eq!((database.advisories, database.skipped), (2, 1));
        assert_eq!(database.about(&requests).len(), 1);
        assert!(
            database
                .about(&PackageName::from_str("other").unwrap())
                .is_empty()
        );
        assert_eq!(database.newest.unwrap().to_string(), "2025-01-01T00:00:00Z");
    }

    #[test]
    fn reads_a_directory_and_refuses_an_empty_one() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            Database::open(dir.path()),
            Err(DatabaseError::Empty { .. })
        ));
        std::fs::create_dir(dir.path().join("requests")).unwrap();
        std::fs::write(dir.path().join("requests/PYSEC-1.json"), ADVISORY).unwrap();
        let database = Database::open(dir.path()).unwrap();
        assert_eq!(database.advisories, 1);
        assert!(Database::open(&dir.path().join("missing")).is_err());
    }

    #[test]
    fn a_large_zip_is_read_in_parts_with_nothing_lost() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("all.zip");
        let mut zip = zip::ZipWriter::new(File::create(&path).unwrap());
        let options = zip::write::SimpleFileOptions::default();
        for at in 0..3500 {
            zip.start_file(format!("PYSEC-{at}.json"), options).unwrap();
            let name = if at % 2 == 0 { "requests" } else { "other" };
            write!(
                zip,
                r#"{{"id": "PYSEC-{at}", "modified": "2024-01-01T00:00:{:02}Z", "affected": [{{"package": {{"ecosystem": "PyPI", "name": "{name}"}}, "versions": ["1"]}}]}}"#,
                at % 60
            )
            .unwrap();
        }
        zip.finish().unwrap();
        let requests = PackageName::from_str("requests").unwrap();
        let names = HashSet::from([requests.clone()]);
        let database = Database::open_for(&path, Some(&names)).unwrap();
        assert_eq!((database.advisories, database.skipped), (3500, 0));
        assert_eq!(database.about(&requests).len(), 1750);
        assert_eq!(database.newest.unwrap().to_string(), "2024-01-01T00:00:59Z");
    }

    #[test]
    fn an_oversized_entry_is_skipped_without_reading_it_all() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("all.zip");
        let mut zip = zip::ZipWriter::new(File::create(&path).unwrap());
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        zip.start_file("PYSEC-1.json", options).unwrap();
        zip.write_all(ADVISORY.as_bytes()).unwrap();
        // Five mebibytes of spaces deflate to a few kilobytes: a small bomb.
        zip.start_file("bomb.json", options).unwrap();
        zip.write_all(&vec![b' '; 5 * 1024 * 1024]).unwrap();
        zip.finish().unwrap();
        let database = Database::open(&path).unwrap();
        assert_eq!((database.advisories, database.skipped), (1, 1));
    }
}

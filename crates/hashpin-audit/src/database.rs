//! An OSV database on disk: a directory of advisory JSON files, or a zip of them in the layout
//! of OSV's per-ecosystem `all.zip` export (one `<id>.json` per advisory).
//!
//! The database is input like any other: the zip's entries are read within a size each and
//! in all, a directory is walked to a bounded depth, and a file that is not an advisory is
//! counted and skipped, not trusted and not fatal.

use std::collections::HashMap;
use std::fs::File;
use std::io::Read as _;
use std::path::{Path, PathBuf};
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
    #[error("cannot read the vulnerability database {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the vulnerability database {} is not a readable zip: {source}", path.display())]
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
        let io = |source| DatabaseError::Io {
            path: path.to_path_buf(),
            source,
        };
        let metadata = std::fs::metadata(path).map_err(io)?;
        let mut reader = Reader::new(path);
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

/// `.json`, in any case.
fn has_json_extension(name: &str) -> bool {
    Path::new(name)
        .extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("json"))
}

struct Reader {
    path: PathBuf,
    advisories: usize,
    skipped: usize,
    entries: usize,
    bytes: u64,
    newest: Option<Timestamp>,
    by_name: HashMap<PackageName, Vec<Arc<Advisory>>>,
}

impl Reader {
    fn new(path: &Path) -> Self {
        Self {
            path: path.to_path_buf(),
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
        if self.bytes > MAX_TOTAL_BYTES {
            return Err(self.too_large(format!(
                "more than {} GiB of advisories",
                MAX_TOTAL_BYTES >> 30
            )));
        }
        Ok(())
    }

    fn zip(&mut self, file: File) -> Result<(), DatabaseError> {
        let zip_error = |source| DatabaseError::Zip {
            path: self.path.clone(),
            source,
        };
        let mut archive = zip::ZipArchive::new(file).map_err(zip_error)?;
        if archive.len() > MAX_ENTRIES {
            return Err(self.too_large(format!("more than {MAX_ENTRIES} files")));
        }
        let mut buffer = Vec::new();
        for at in 0..archive.len() {
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
        match Advisory::parse(bytes) {
            Ok(advisory) => self.add(advisory),
            Err(error) => {
                log::debug!(
                    "{}: `{}` skipped: {error}",
                    self.path.display(),
                    hashpin_pypi::untrusted::for_terminal(name)
                );
                self.skipped += 1;
            }
        }
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

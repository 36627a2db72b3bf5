//! `--find-links` directories: every wheel and sdist of the project in one local folder.

use std::path::Path;

use pep508_rs::PackageName;
use url::Url;

use crate::error::Error;
use crate::filename::DistFilename;
use crate::hash::HashDigest;
use crate::simple::{DistFile, FileOrigin, MetadataAvailability, Yanked};

/// The files of `project` in `directory`, hashed (a lock needs their digests, and no page
/// publishes them). A missing directory has none, as pip treats it.
pub(crate) fn directory_files(
    directory: &Path,
    project: &PackageName,
) -> Result<Vec<DistFile>, Error> {
    let io_error = |source| Error::Io {
        path: directory.to_path_buf(),
        source,
    };
    let entries = match std::fs::read_dir(directory) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            log::debug!(
                "find-links directory {} does not exist",
                directory.display()
            );
            return Ok(Vec::new());
        }
        Err(error) => return Err(io_error(error)),
    };
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(io_error)?;
        let filename = entry.file_name().to_string_lossy().into_owned();
        let Ok(parsed) = DistFilename::parse(&filename, Some(project)) else {
            continue;
        };
        let path = std::path::absolute(entry.path()).map_err(io_error)?;
        // Hashed in pieces: a find-links directory can hold wheels of gigabytes.
        let digest = std::fs::File::open(&path)
            .and_then(HashDigest::sha256_of_reader)
            .map_err(|source| Error::Io {
                path: path.clone(),
                source,
            })?;
        let Ok(url) = Url::from_file_path(&path) else {
            continue;
        };
        files.push(DistFile {
            filename,
            parsed,
            url: url.into(),
            hashes: vec![digest],
            requires_python: None,
            yanked: Yanked::No,
            core_metadata: MetadataAvailability::NotAdvertised,
            size: entry.metadata().ok().map(|stat| stat.len()),
            upload_time: None,
            provenance: None,
            origin: FileOrigin::FindLinks,
        });
    }
    Ok(files)
}

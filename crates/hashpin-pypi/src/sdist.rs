//! Metadata of a version that has only an sdist, without building it.
//!
//! An sdist can be trusted for dependencies only where it says so: `PKG-INFO` with
//! Metadata-Version 2.2 or newer that does not mark `Requires-Dist` as `Dynamic` (PEP 643), or
//! else a `pyproject.toml` whose `[project]` table lists its dependencies statically (PEP 621).
//! Anything else would need a build (running the package's code), which hashpin never does.

use std::fmt::Write as _;
use std::io::{Read, Seek};

use flate2::read::GzDecoder;
use pep440_rs::Version;
use pep508_rs::{PackageName, Requirement};
use serde::Deserialize;

use crate::body::Limits;
use crate::filename::{SdistFilename, SdistFormat};
use crate::metadata::CoreMetadata;

/// Why an sdist's metadata cannot be known without a build.
#[derive(Debug, thiserror::Error)]
pub enum SdistError {
    /// The archive could not be read.
    #[error("cannot read the sdist archive")]
    Archive(#[source] std::io::Error),
    /// Only `.tar.gz`, `.tar` and `.zip` sdists are read.
    #[error("sdists in {0:?} format are not supported")]
    Format(SdistFormat),
    /// Neither static `PKG-INFO` nor static `pyproject.toml` dependencies.
    #[error("its dependencies are only known by building it: {0}")]
    Dynamic(String),
}

/// The two files of an sdist that may hold static metadata.
#[derive(Debug, Default)]
struct SdistFiles {
    pkg_info: Option<Vec<u8>>,
    pyproject: Option<Vec<u8>>,
}

/// Core metadata text for the sdist `archive`, from `PKG-INFO` or `pyproject.toml`, reading
/// at most [`Limits::metadata_bytes`] of either and inflating at most [`Limits::file_bytes`]
/// of the archive to find them.
pub(crate) fn metadata(
    archive: impl Read + Seek,
    sdist: &SdistFilename,
    limits: &Limits,
) -> Result<Vec<u8>, SdistError> {
    let files = read_files(archive, sdist.format, limits)?;
    let pkg_info_problem = match &files.pkg_info {
        Some(pkg_info) => match CoreMetadata::parse(pkg_info) {
            Ok(metadata) if metadata.is_static_for_resolution() => return Ok(pkg_info.clone()),
            Ok(metadata) => format!(
                "PKG-INFO (Metadata-Version {}) does not declare its dependencies static",
                if metadata.metadata_version.is_empty() {
                    "missing"
                } else {
                    &metadata.metadata_version
                }
            ),
            Err(error) => format!("PKG-INFO is invalid: {error}"),
        },
        None => "no PKG-INFO".to_string(),
    };
    let Some(pyproject) = &files.pyproject else {
        return Err(SdistError::Dynamic(format!(
            "{pkg_info_problem}, and no pyproject.toml"
        )));
    };
    from_pyproject(pyproject, &sdist.name, &sdist.version)
        .map_err(|why| SdistError::Dynamic(format!("{pkg_info_problem}, and {why}")))
}

/// A reader that fails once it has given `left` bytes: an archive that inflates beyond it.
struct Capped<R> {
    inner: R,
    left: u64,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.left == 0 {
            return Err(std::io::Error::other(
                "the archive inflates beyond the size hashpin reads",
            ));
        }
        let wanted = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let read = self.inner.read(&mut buf[..wanted])?;
        self.left -= read as u64;
        Ok(read)
    }
}

fn read_files(
    archive: impl Read + Seek,
    format: SdistFormat,
    limits: &Limits,
) -> Result<SdistFiles, SdistError> {
    let member_limit = limits.metadata_bytes;
    let mut files = SdistFiles::default();
    let mut keep = |path: &str, read: &mut dyn Read| -> std::io::Result<()> {
        // Only `{top}/PKG-INFO` and `{top}/pyproject.toml`: nested ones belong to vendored code.
        let Some((_, file)) = path.trim_start_matches("./").split_once('/') else {
            return Ok(());
        };
        let slot = match file {
            "PKG-INFO" => &mut files.pkg_info,
            "pyproject.toml" => &mut files.pyproject,
            _ => return Ok(()),
        };
        if slot.is_none() {
            let mut contents = Vec::new();
            read.take(member_limit + 1).read_to_end(&mut contents)?;
            if contents.len() as u64 > member_limit {
                return Err(std::io::Error::other(format!(
                    "`{file}` is larger than the {} MiB hashpin reads",
                    member_limit / (1024 * 1024)
                )));
            }
            *slot = Some(contents);
        }
        Ok(())
    };
    match format {
        SdistFormat::TarGz | SdistFormat::Tar => {
            let reader: Box<dyn Read> = if format == SdistFormat::TarGz {
                Box::new(GzDecoder::new(archive))
            } else {
                Box::new(archive)
            };
            // A gzip bomb inflates without end; the search stops at the limit.
            let reader = Capped {
                inner: reader,
                left: limits.file_bytes,
            };
            let mut archive = tar::Archive::new(reader);
            for entry in archive.entries().map_err(SdistError::Archive)? {
                let mut entry = entry.map_err(SdistError::Archive)?;
                let path = entry
                    .path()
                    .map_err(SdistError::Archive)?
                    .to_string_lossy()
                    .into_owned();
                keep(&path, &mut entry).map_err(SdistError::Archive)?;
            }
        }
        SdistFormat::Zip => {
            let mut archive = zip::ZipArchive::new(archive)
                .map_err(|error| SdistError::Archive(std::io::Error::other(error)))?;
            for index in 0..archive.len() {
                let mut entry = archive
                    .by_index(index)
                    .map_err(|error| SdistError::Archive(std::io::Error::other(error)))?;
                let path = entry
                    .name()
                    .map_err(|error| SdistError::Archive(std::io::Error::other(error)))?
                    .into_owned();
                keep(&path, &mut entry).map_err(SdistError::Archive)?;
            }
        }
        other => return Err(SdistError::Format(other)),
    }
    Ok(files)
}

#[derive(Deserialize)]
struct PyProject {
    project: Option<Project>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Project {
    #[serde(default)]
    dependencies: Option<Vec<String>>,
    #[serde(default)]
    optional_dependencies: Option<std::collections::BTreeMap<String, Vec<String>>>,
    #[serde(default)]
    requires_python: Option<String>,
    #[serde(default)]
    dynamic: Vec<String>,
}

/// Synthesizes core metadata text from a static `[project]` table.
fn from_pyproject(bytes: &[u8], name: &PackageName, version: &Version) -> Result<Vec<u8>, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "pyproject.toml is not UTF-8".to_string())?;
    let pyproject: PyProject = toml::from_str(text)
        .map_err(|error| format!("pyproject.toml is invalid: {}", error.message()))?;
    let project = pyproject
        .project
        .ok_or_else(|| "pyproject.toml has no [project] table".to_string())?;
    for field in ["dependencies", "optional-dependencies"] {
        if project.dynamic.iter().any(|dynamic| dynamic == field) {
            return Err(format!("pyproject.toml declares `{field}` dynamic"));
        }
    }
    let mut out = format!("Metadata-Version: 2.2\nName: {name}\nVersion: {version}\n");
    if let Some(requires_python) = &project.requires_python {
        let _ = writeln!(out, "Requires-Python: {requires_python}");
    }
    for dependency in project.dependencies.iter().flatten() {
        let _ = writeln!(out, "Requires-Dist: {dependency}");
    }
    for (extra, dependencies) in project.optional_dependencies.iter().flatten() {
        let _ = writeln!(out, "Provides-Extra: {extra}");
        for dependency in dependencies {
            let requirement: Requirement = dependency.parse().map_err(|error| {
                format!("pyproject.toml dependency `{dependency}` is invalid: {error}")
            })?;
            let mut bare = requirement.clone();
            bare.marker = pep508_rs::MarkerTree::TRUE;
            let marker = match requirement.marker.contents() {
                Some(marker) => format!("({marker}) and extra == \"{extra}\""),
                None => format!("extra == \"{extra}\""),
            };
            let _ = writeln!(out, "Requires-Dist: {bare} ; {marker}");
        }
    }
    Ok(out.into_bytes())
}

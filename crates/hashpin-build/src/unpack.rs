//! Unpacking archives from outside (sdists, wheels) without letting them write anywhere else.
//!
//! A member may only name a relative path made of normal components; links are skipped (an
//! sdist's symlink could point anywhere, and nothing a build reads for metadata needs one);
//! the whole archive may inflate to a bounded size and hold a bounded number of members.

use std::fs;
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};

/// How much an archive may hold.
#[derive(Debug, Clone, Copy)]
pub(crate) struct UnpackLimits {
    /// Bytes, all members together, inflated.
    pub(crate) total_bytes: u64,
    /// Members.
    pub(crate) members: usize,
}

/// Why an archive was refused.
#[derive(Debug, thiserror::Error)]
pub enum UnpackError {
    /// It could not be read.
    #[error("cannot unpack the archive")]
    Io(#[from] io::Error),
    /// A member names a path outside the destination.
    #[error("the archive has a member outside its own directory: {0}")]
    PathEscapes(String),
    /// It inflates to more than the limit.
    #[error("the archive inflates beyond {0} MiB")]
    TooLarge(u64),
    /// It has more members than the limit.
    #[error("the archive has more than {0} members")]
    TooManyMembers(usize),
    /// The zip directory could not be read.
    #[error("cannot read the zip archive: {0}")]
    Zip(String),
}

/// The destination of `name` under `root`, or why it may not be written.
pub(crate) fn member_path(root: &Path, name: &str) -> Result<PathBuf, UnpackError> {
    let escapes = || UnpackError::PathEscapes(hashpin_pypi::untrusted::excerpt(name, 200));
    if name.contains('\0') || name.contains('\\') {
        return Err(escapes());
    }
    let mut path = root.to_path_buf();
    let mut depth = 0;
    for component in Path::new(name).components() {
        match component {
            Component::Normal(part) => {
                path.push(part);
                depth += 1;
            }
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => {
                return Err(escapes());
            }
        }
    }
    if depth == 0 || depth > 64 {
        return Err(escapes());
    }
    Ok(path)
}

/// Counts members and bytes against the limits.
struct Budget {
    limits: UnpackLimits,
    bytes: u64,
    members: usize,
}

impl Budget {
    fn new(limits: UnpackLimits) -> Self {
        Self {
            limits,
            bytes: 0,
            members: 0,
        }
    }

    fn member(&mut self) -> Result<(), UnpackError> {
        self.members += 1;
        if self.members > self.limits.members {
            return Err(UnpackError::TooManyMembers(self.limits.members));
        }
        Ok(())
    }

    /// Copies `from` to a new file at `path`, within the byte budget.
    fn write(&mut self, from: &mut dyn Read, path: &Path) -> Result<(), UnpackError> {
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        let mut out = fs::File::create(path)?;
        let left = self.limits.total_bytes.saturating_sub(self.bytes);
        let copied = io::copy(&mut from.take(left + 1), &mut out)?;
        self.bytes += copied;
        if self.bytes > self.limits.total_bytes {
            return Err(UnpackError::TooLarge(
                self.limits.total_bytes / (1024 * 1024),
            ));
        }
        Ok(())
    }
}

/// Unpacks a tar archive (`gzip` compressed or not) into `root`.
pub(crate) fn untar(
    archive: impl Read,
    gzip: bool,
    root: &Path,
    limits: UnpackLimits,
) -> Result<(), UnpackError> {
    let reader: Box<dyn Read> = if gzip {
        Box::new(flate2::read::GzDecoder::new(archive))
    } else {
        Box::new(archive)
    };
    let mut archive = tar::Archive::new(reader);
    let mut budget = Budget::new(limits);
    for entry in archive.entries()? {
        let mut entry = entry?;
        budget.member()?;
        let name = entry.path()?.to_string_lossy().into_owned();
        let kind = entry.header().entry_type();
        if kind.is_dir() {
            fs::create_dir_all(member_path(root, &name)?)?;
        } else if kind.is_file() {
            let path = member_path(root, &name)?;
            let executable = entry.header().mode().is_ok_and(|mode| mode & 0o111 != 0);
            budget.write(&mut entry, &path)?;
            set_executable(&path, executable)?;
        } else {
            // Links, devices, FIFOs and PAX/GNU extension headers (the tar crate applies
            // those to the next member itself).
            log::debug!("not unpacking {kind:?} member {name}");
        }
    }
    Ok(())
}

/// Unpacks a zip archive into `root`, calling `place` to map each member's name to its path
/// under `root` (`None` to skip it).
pub(crate) fn unzip(
    archive: impl Read + io::Seek,
    root: &Path,
    limits: UnpackLimits,
    mut place: impl FnMut(&str) -> Option<String>,
) -> Result<(), UnpackError> {
    let zip_error = |error: zip::result::ZipError| UnpackError::Zip(error.to_string());
    let mut archive = zip::ZipArchive::new(archive).map_err(zip_error)?;
    if archive.len() > limits.members {
        return Err(UnpackError::TooManyMembers(limits.members));
    }
    let mut budget = Budget::new(limits);
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).map_err(zip_error)?;
        budget.member()?;
        let name = entry.name().map_err(zip_error)?.into_owned();
        if entry.is_symlink() {
            log::debug!("not unpacking the link {name}");
            continue;
        }
        let Some(placed) = place(&name) else {
            continue;
        };
        let path = member_path(root, &placed)?;
        if entry.is_dir() {
            fs::create_dir_all(&path)?;
            continue;
        }
        let executable = entry.unix_mode().is_some_and(|mode| mode & 0o111 != 0);
        budget.write(&mut entry, &path)?;
        set_executable(&path, executable)?;
    }
    Ok(())
}

#[cfg(unix)]
fn set_executable(path: &Path, executable: bool) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = if executable { 0o755 } else { 0o644 };
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_executable(_path: &Path, _executable: bool) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: UnpackLimits = UnpackLimits {
        total_bytes: 1024,
        members: 10,
    };

    fn tar_of(members: &[(&str, &[u8])]) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        for (name, contents) in members {
            let mut header = tar::Header::new_gnu();
            header.set_size(contents.len() as u64);
            header.set_mode(0o644);
            header.set_entry_type(tar::EntryType::Regular);
            // `set_path` refuses `..`; an attacker's archive does not.
            let bytes = name.as_bytes();
            header.as_old_mut().name[..bytes.len()].copy_from_slice(bytes);
            header.set_cksum();
            builder.append(&header, *contents).expect("append");
        }
        builder.into_inner().expect("tar")
    }

    #[test]
    fn members_stay_inside_the_destination() {
        let root = Path::new("/dest");
        assert_eq!(
            member_path(root, "./pkg-1.0/setup.py").expect("inside"),
            Path::new("/dest/pkg-1.0/setup.py")
        );
        for name in [
            "../evil",
            "/etc/passwd",
            "pkg/../../evil",
            "",
            ".",
            "a\\..\\b",
        ] {
            assert!(member_path(root, name).is_err(), "{name:?}");
        }
    }

    #[test]
    fn an_escaping_tar_member_is_refused_and_nothing_is_written_outside() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().join("root");
        let archive = tar_of(&[("pkg/ok.txt", b"ok"), ("pkg/../../escaped", b"evil")]);
        let error = untar(&archive[..], false, &root, LIMITS).expect_err("escapes");
        assert!(matches!(error, UnpackError::PathEscapes(_)), "{error}");
        assert!(root.join("pkg/ok.txt").is_file());
        assert!(!dir.path().join("escaped").exists());
    }

    #[test]
    fn an_archive_past_its_limits_is_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let big = vec![b'x'; 2000];
        let error =
            untar(&tar_of(&[("pkg/big", &big)])[..], false, dir.path(), LIMITS).expect_err("big");
        assert!(matches!(error, UnpackError::TooLarge(_)), "{error}");
        let many: Vec<(String, &[u8])> = (0..11).map(|i| (format!("pkg/{i}"), &b""[..])).collect();
        let many: Vec<(&str, &[u8])> = many.iter().map(|(n, c)| (n.as_str(), *c)).collect();
        let error = untar(&tar_of(&many)[..], false, dir.path(), LIMITS).expect_err("many");
        assert!(matches!(error, UnpackError::TooManyMembers(10)), "{error}");
    }
}

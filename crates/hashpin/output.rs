//! Writing output files so that a failed run never leaves a half-written or emptied one.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;

/// Writes `text` to `path` through a temporary file in the same directory and a rename.
///
/// What `path` names is respected: through a symlink the target is replaced (the link stays a
/// link), and a device or pipe (`/dev/null`, `/dev/stdout`, a FIFO) is written to directly,
/// never renamed over.
pub(crate) fn write_atomically(path: &Path, text: &str) -> anyhow::Result<()> {
    let target = match std::fs::symlink_metadata(path) {
        Ok(stat) if stat.file_type().is_symlink() => {
            std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
        }
        _ => path.to_path_buf(),
    };
    if let Ok(stat) = std::fs::metadata(&target)
        && !stat.is_file()
        && !stat.is_dir()
    {
        return std::fs::OpenOptions::new()
            .write(true)
            .open(&target)
            .and_then(|mut file| file.write_all(text.as_bytes()))
            .with_context(|| format!("cannot write {}", path.display()));
    }
    replace_file(&target, text)
}

fn replace_file(path: &Path, text: &str) -> anyhow::Result<()> {
    let directory: PathBuf = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    // A temporary file is private (0600), but a lockfile is shared: committed, read by CI and
    // by pip under other users. So a new lock gets the mode a plain write would give it, and
    // an existing one keeps its own.
    let mut builder = tempfile::Builder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut file = builder
        .tempfile_in(&directory)
        .with_context(|| format!("cannot write to {}", directory.display()))?;
    let written = (|| {
        if let Ok(existing) = std::fs::metadata(path) {
            file.as_file().set_permissions(existing.permissions())?;
        }
        file.write_all(text.as_bytes())?;
        file.as_file().sync_all()
    })();
    written.with_context(|| format!("cannot write {}", path.display()))?;
    file.persist(path)
        .map_err(|error| error.error)
        .with_context(|| format!("cannot replace {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_a_file_and_writes_through_a_symlink() {
        let dir = tempfile::tempdir().expect("temp dir");
        let real = dir.path().join("real.txt");
        std::fs::write(&real, "old").expect("write");
        let link = dir.path().join("requirements.txt");
        #[cfg(unix)]
        std::os::unix::fs::symlink(&real, &link).expect("symlink");
        #[cfg(not(unix))]
        std::fs::copy(&real, &link).expect("copy");
        write_atomically(&link, "new").expect("written");
        assert_eq!(std::fs::read_to_string(&link).expect("read"), "new");
        #[cfg(unix)]
        {
            assert!(
                std::fs::symlink_metadata(&link)
                    .expect("stat")
                    .file_type()
                    .is_symlink()
            );
            assert_eq!(std::fs::read_to_string(&real).expect("read"), "new");
        }
    }

    #[cfg(unix)]
    #[test]
    fn writes_into_a_pipe_instead_of_renaming_over_it() {
        use std::os::unix::fs::FileTypeExt as _;
        let dir = tempfile::tempdir().expect("temp dir");
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo runs");
        assert!(made.success());
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read_to_string(fifo).expect("read the pipe"))
        };
        write_atomically(&fifo, "through the pipe").expect("written");
        assert_eq!(reader.join().expect("reader"), "through the pipe");
        assert!(
            std::fs::symlink_metadata(&fifo)
                .expect("stat")
                .file_type()
                .is_fifo()
        );
    }
}

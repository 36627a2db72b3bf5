//! Reading and writing the files a command names, so that a failed run never leaves a
//! half-written or emptied one, never reads without bound, and never overwrites its input.

use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use hashpin_formats::MAX_FILE_BYTES;

/// Temporary files are named `.{name}.hashpin-{pid}.{random}.tmp` beside their target: a
/// person seeing one knows what left it, and a later run can tell a dead writer's leftovers
/// from a live one's.
const TEMP_MARKER: &str = ".hashpin-";
const TEMP_SUFFIX: &str = ".tmp";

/// Standard input as text, at most [`MAX_FILE_BYTES`].
pub(crate) fn read_stdin() -> anyhow::Result<String> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .context("cannot read standard input")?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        bail!(
            "standard input is larger than {} MiB",
            MAX_FILE_BYTES / (1024 * 1024)
        );
    }
    String::from_utf8(bytes).context("standard input is not UTF-8 text")
}

/// The text of an existing lock at `path`: `None` when there is none, or when `path` is not a
/// regular file (a device, a pipe, `/dev/stdout`), which is never read: reading it would block
/// or never end.
pub(crate) fn read_existing_lock(path: &Path) -> anyhow::Result<Option<String>> {
    match std::fs::metadata(path) {
        Ok(stat) if stat.is_file() => {}
        Ok(_) => return Ok(None),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(error.into()),
    }
    Ok(Some(hashpin_formats::read_bounded(path, MAX_FILE_BYTES)?))
}

/// Refuses to write `output` when it is one of `inputs` (the same file, however reached:
/// another spelling, a symlink, a hard link).
pub(crate) fn refuse_input_as_output(output: &Path, inputs: &[PathBuf]) -> anyhow::Result<()> {
    let Ok(written) = std::fs::metadata(output) else {
        return Ok(());
    };
    if !written.is_file() {
        return Ok(());
    }
    for input in inputs {
        if std::fs::metadata(input).is_ok_and(|read| same_file(&written, &read, output, input)) {
            bail!(
                "the output file {} is also an input ({}); name another file with -o",
                output.display(),
                input.display()
            );
        }
    }
    Ok(())
}

#[cfg(unix)]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata, _: &Path, _: &Path) -> bool {
    use std::os::unix::fs::MetadataExt as _;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(_: &std::fs::Metadata, _: &std::fs::Metadata, a: &Path, b: &Path) -> bool {
    matches!(
        (std::fs::canonicalize(a), std::fs::canonicalize(b)),
        (Ok(a), Ok(b)) if a == b
    )
}

/// Writes `text` to `path` through a temporary file in the same directory and a rename.
///
/// What `path` names is respected: through a symlink the target is replaced (the link stays a
/// link), and a device or pipe (`/dev/null`, `/dev/stdout`, a FIFO) is written to directly,
/// never renamed over.
pub(crate) fn write_atomically(path: &Path, text: &str) -> anyhow::Result<()> {
    match std::fs::metadata(path) {
        // Opened by its name, not by the links' text: `/dev/stdout` leads to a pipe that has
        // no path.
        Ok(stat) if !stat.is_file() && !stat.is_dir() => std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .and_then(|mut file| file.write_all(text.as_bytes()))
            .with_context(|| format!("cannot write {}", path.display())),
        Ok(_) => replace_file(&link_target(path)?, text),
        // A new file, or a dangling link to one.
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            replace_file(&link_target(path)?, text)
        }
        Err(error) => Err(error).with_context(|| format!("cannot write {}", path.display())),
    }
}

/// What `path` names once symlinks are followed, even to a file that does not exist yet (a
/// dangling link is written through, creating its target, as `>` in a shell does).
fn link_target(path: &Path) -> anyhow::Result<PathBuf> {
    // As many as Linux follows before ELOOP.
    const MAX_LINKS: usize = 40;
    let mut target = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match std::fs::symlink_metadata(&target) {
            Ok(stat) if stat.file_type().is_symlink() => {
                let next = std::fs::read_link(&target)
                    .with_context(|| format!("cannot read the link {}", target.display()))?;
                target = match target.parent() {
                    Some(parent) => parent.join(next),
                    None => next,
                };
            }
            _ => return Ok(target),
        }
    }
    bail!("{} is a loop of symbolic links", path.display())
}

fn replace_file(path: &Path, text: &str) -> anyhow::Result<()> {
    let directory: PathBuf = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    // `-o locks/requirements.txt` in a fresh checkout: the directory is made, as uv makes it.
    if !directory.exists() {
        std::fs::create_dir_all(&directory)
            .with_context(|| format!("cannot create {}", directory.display()))?;
    }
    // A temporary file is private (0600), but a lockfile is shared: committed, read by CI and
    // by pip under other users. So a new lock gets the mode a plain write would give it, and
    // an existing one keeps its own.
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    remove_dead_temporaries(&directory, &name);
    let prefix = format!(".{name}{TEMP_MARKER}{}.", std::process::id());
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(TEMP_SUFFIX);
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

/// Removes temporary files that an earlier run writing `name` left when it was killed: those
/// whose writer is no longer running (or, where that cannot be known, older than a day).
fn remove_dead_temporaries(directory: &Path, name: &str) {
    let prefix = format!(".{name}{TEMP_MARKER}");
    let Ok(entries) = std::fs::read_dir(directory) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(rest) = file_name
            .to_str()
            .and_then(|file_name| file_name.strip_prefix(&prefix))
            .filter(|rest| rest.ends_with(TEMP_SUFFIX))
        else {
            continue;
        };
        let writer = rest
            .split('.')
            .next()
            .and_then(|pid| pid.parse::<u32>().ok());
        let dead = match writer {
            Some(pid) if Path::new("/proc/self").exists() => {
                pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists()
            }
            _ => entry
                .metadata()
                .and_then(|stat| stat.modified())
                .ok()
                .and_then(|modified| modified.elapsed().ok())
                .is_some_and(|age| age > std::time::Duration::from_hours(24)),
        };
        if dead {
            log::debug!("removing {}, left by a killed run", entry.path().display());
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// A path as it should appear in the lock: relative to the current directory when it is
/// below it, else just its file name (never an absolute path).
pub(crate) fn display_path(path: &Path) -> String {
    if path.is_relative() {
        return path.display().to_string();
    }
    std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .or_else(|| path.file_name().map(PathBuf::from))
        .unwrap_or_default()
        .display()
        .to_string()
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
    fn issue_9_a_dangling_link_is_written_through() {
        let dir = tempfile::tempdir().expect("temp dir");
        let link = dir.path().join("requirements.txt");
        std::os::unix::fs::symlink("locks/real.txt", &link).expect("symlink");
        std::fs::create_dir(dir.path().join("locks")).expect("mkdir");
        write_atomically(&link, "new").expect("written");
        assert!(
            std::fs::symlink_metadata(&link)
                .expect("stat")
                .file_type()
                .is_symlink()
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join("locks/real.txt")).expect("read"),
            "new"
        );
    }

    #[test]
    fn issue_9_temporaries_of_killed_runs_are_removed() {
        let dir = tempfile::tempdir().expect("temp dir");
        // No process has this id (Linux's pid_max is at most 2^22).
        let dead = dir.path().join(".lock.txt.hashpin-99999999.abc123.tmp");
        let live = dir.path().join(format!(
            ".lock.txt.hashpin-{}.def456.tmp",
            std::process::id()
        ));
        let other = dir.path().join(".other.txt.hashpin-99999999.abc123.tmp");
        for path in [&dead, &live, &other] {
            std::fs::write(path, "partial").expect("write");
        }
        write_atomically(&dir.path().join("lock.txt"), "new").expect("written");
        assert!(!dead.exists());
        assert!(live.exists() && other.exists());
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .expect("list")
            .map(|entry| {
                entry
                    .expect("entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        names.sort();
        assert_eq!(names.len(), 3, "{names:?}");
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

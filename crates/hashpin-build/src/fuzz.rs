//! Entry points for the fuzz targets in `fuzz/` (`cargo fuzz`) that read outside input in
//! this crate, and for the test that replays their corpora. Each takes arbitrary bytes and
//! must return without panicking; what it answers does not matter, except where it checks
//! an invariant itself. Not part of the API.

use std::path::Path;

use crate::backend::BuildSystem;
use crate::unpack::{UnpackLimits, untar, unzip};

/// A pyproject.toml's `[build-system]`.
pub fn build_system(bytes: &[u8]) {
    if let Ok(text) = std::str::from_utf8(bytes) {
        let _ = BuildSystem::read(Some(text));
    }
}

/// An archive unpacked as `.tar.gz`, `.tar` and `.zip`: whatever it holds, nothing may land
/// outside the destination, and nothing but directories and regular files inside it.
pub fn unpack(bytes: &[u8]) {
    let Ok(scratch) = tempfile::tempdir() else {
        return;
    };
    let limits = UnpackLimits {
        total_bytes: 16 << 20,
        members: 1000,
    };
    for (index, format) in ["tar.gz", "tar", "zip"].into_iter().enumerate() {
        let parent = scratch.path().join(index.to_string());
        let root = parent.join("root");
        let _ = std::fs::create_dir_all(&root);
        let _ = match format {
            "tar.gz" => untar(bytes, true, &root, limits),
            "tar" => untar(bytes, false, &root, limits),
            _ => unzip(std::io::Cursor::new(bytes), &root, limits, |name| {
                Some(name.to_string())
            }),
        };
        let outside: Vec<_> = walk(&parent)
            .into_iter()
            .filter(|path| !path.starts_with(&root))
            .collect();
        assert!(
            outside.is_empty(),
            "written outside the destination: {outside:?}"
        );
        for path in walk(&root) {
            let kind = std::fs::symlink_metadata(&path).map(|meta| meta.file_type());
            assert!(
                kind.is_ok_and(|kind| kind.is_file() || kind.is_dir()),
                "not a file or directory: {}",
                path.display()
            );
        }
    }
}

/// Every path under `dir` (links not followed).
fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&next) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if entry.file_type().is_ok_and(|kind| kind.is_dir()) {
                pending.push(path.clone());
            }
            found.push(path);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    fn replay(target: &str, entry: fn(&[u8])) {
        for (_, bytes) in hashpin_testkit::fuzz_inputs(target) {
            entry(&bytes);
        }
    }

    #[test]
    fn build_system_corpus() {
        replay("build_system", super::build_system);
    }

    #[test]
    fn unpack_corpus() {
        replay("unpack", super::unpack);
    }
}

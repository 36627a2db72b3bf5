//! What an interpreter knows that hashpin needs: its `sys.prefix` (where pip's site config file
//! lives), the index its pip uses by default, and the facts a resolution target is made of
//! (marker values, version, platform, libc).
//!
//! Asking costs an interpreter start and a pip import (a few hundred milliseconds), so the answer
//! is cached, keyed by the interpreter's path, size and modification time.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::{Deserialize, Serialize};

use crate::cache::{Cache, key_of};
use crate::config::{ConfigError, IndexUrl};

/// Uses only the standard library (and pip's own default, when pip is there); prints one JSON
/// line. The marker values are computed as PEP 508 defines them.
const QUERY: &str = r#"
import json, os, platform, sys, sysconfig
try:
    from pip._internal.models.index import PyPI
    index = PyPI.simple_url
except Exception:
    index = None
def version(info):
    text = "{0.major}.{0.minor}.{0.micro}".format(info)
    if info.releaselevel != "final":
        text += info.releaselevel[0] + str(info.serial)
    return text
try:
    libc = os.confstr("CS_GNU_LIBC_VERSION")
except (AttributeError, OSError, ValueError):
    libc = None
markers = {
    "implementation_name": sys.implementation.name,
    "implementation_version": version(sys.implementation.version),
    "os_name": os.name,
    "platform_machine": platform.machine(),
    "platform_python_implementation": platform.python_implementation(),
    "platform_release": platform.release(),
    "platform_system": platform.system(),
    "platform_version": platform.version(),
    "python_full_version": platform.python_version(),
    "python_version": ".".join(platform.python_version_tuple()[:2]),
    "sys_platform": sys.platform,
}
print(json.dumps({
    "prefix": sys.prefix,
    "pip_default_index": index,
    "markers": markers,
    "platform": sysconfig.get_platform(),
    "glibc": libc.split()[1] if libc and libc.startswith("glibc ") else None,
    "macos": platform.mac_ver()[0] or None,
    "free_threaded": bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
    "pointer_bits": 64 if sys.maxsize > 2**32 else 32,
}))
"#;

/// Facts about one Python interpreter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InterpreterInfo {
    /// `sys.prefix`.
    pub prefix: PathBuf,
    /// The index pip uses when none is configured, if pip is installed.
    pub pip_default_index: Option<String>,
    /// PEP 508 marker values, by marker name.
    pub markers: std::collections::BTreeMap<String, String>,
    /// `sysconfig.get_platform()`, e.g. `linux-x86_64`, `macosx-11.0-arm64`, `win-amd64`.
    pub platform: String,
    /// The glibc version (`2.36`) on glibc Linux.
    pub glibc: Option<String>,
    /// The macOS version (`14.5`) on macOS.
    pub macos: Option<String>,
    /// A free-threaded CPython build (PEP 703).
    pub free_threaded: bool,
    /// 32- or 64-bit interpreter.
    pub pointer_bits: u8,
}

impl InterpreterInfo {
    /// Asks `python` (cached when a cache is given).
    pub fn query(python: &Path, cache: Option<&Cache>) -> Result<Self, ConfigError> {
        let failed = |message: String| ConfigError::NoDefaultIndex {
            python: python.to_path_buf(),
            message,
        };
        let resolved = real_interpreter(&find_on_path(python));
        let cache_key = std::fs::metadata(&resolved).ok().map(|stat| {
            let modified = stat
                .modified()
                .ok()
                .and_then(|time| time.duration_since(std::time::UNIX_EPOCH).ok())
                .map(|since| since.as_nanos());
            // The query text is part of the key: a new query never reads an old answer.
            key_of(&format!(
                "{}|{}|{modified:?}|{QUERY}",
                resolved.display(),
                stat.len()
            ))
        });
        if let (Some(cache), Some(key)) = (cache, &cache_key)
            && let Some(info) = cache
                .read_interpreter(key)
                .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        {
            return Ok(info);
        }
        let output = Command::new(&resolved)
            .args(["-I", "-c", QUERY])
            .output()
            .map_err(|error| failed(format!("cannot run it: {error}")))?;
        if !output.status.success() {
            return Err(failed(format!(
                "it exited with {}: {}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            )));
        }
        let info: Self = serde_json::from_slice(&output.stdout)
            .map_err(|error| failed(format!("unexpected answer: {error}")))?;
        if let (Some(cache), Some(key)) = (cache, &cache_key)
            && let Ok(bytes) = serde_json::to_vec(&info)
            && let Err(error) = cache.write_interpreter(key, &bytes)
        {
            log::debug!("cannot cache interpreter facts: {error}");
        }
        Ok(info)
    }

    /// The index pip would use by default, or why there is none.
    pub fn default_index(&self, python: &Path) -> Result<IndexUrl, ConfigError> {
        let text =
            self.pip_default_index
                .as_deref()
                .ok_or_else(|| ConfigError::NoDefaultIndex {
                    python: python.to_path_buf(),
                    message: "pip is not installed there; pass --index-url".into(),
                })?;
        IndexUrl::parse(text)
    }
}

/// The interpreter behind a launcher script (a pyenv or asdf shim is a shell script whose
/// target changes with the selected version, so its own path and timestamp would key the cache
/// wrongly): asked with a quick `sys.executable`. Binaries and symlinks are used as they are.
fn real_interpreter(python: &Path) -> PathBuf {
    let is_script = std::fs::File::open(python)
        .and_then(|mut file| {
            let mut start = [0_u8; 2];
            std::io::Read::read_exact(&mut file, &mut start).map(|()| start == *b"#!")
        })
        .unwrap_or(false);
    if !is_script {
        return python.to_path_buf();
    }
    Command::new(python)
        .args(["-I", "-S", "-c", "import sys; print(sys.executable)"])
        .output()
        .ok()
        .filter(|output| output.status.success())
        .and_then(|output| String::from_utf8(output.stdout).ok())
        .map(|text| PathBuf::from(text.trim()))
        .filter(|path| path.is_file())
        .unwrap_or_else(|| python.to_path_buf())
}

/// A bare command name (`python3`) found on `PATH`, as the shell would; paths are kept.
fn find_on_path(python: &Path) -> PathBuf {
    if python.components().count() > 1 {
        return python.to_path_buf();
    }
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|directory| directory.join(python))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| python.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asks_the_interpreter_once_then_reads_the_cache() {
        let dir = tempfile::tempdir().expect("temp dir");
        let cache = Cache::new(dir.path());
        let python = Path::new("python3");
        let info = InterpreterInfo::query(python, Some(&cache)).expect("python3 answers");
        assert!(
            info.markers["python_full_version"].starts_with('3'),
            "{info:?}"
        );
        assert!(!info.platform.is_empty());
        assert!(info.pointer_bits == 32 || info.pointer_bits == 64);
        assert_eq!(
            std::fs::read_dir(dir.path().join("interpreter-v1"))
                .expect("cached")
                .count(),
            1
        );
        assert_eq!(
            InterpreterInfo::query(python, Some(&cache)).expect("cached"),
            info
        );
    }

    #[test]
    fn a_missing_interpreter_is_a_clear_error() {
        let error =
            InterpreterInfo::query(Path::new("/nonexistent/python"), None).expect_err("missing");
        assert!(error.to_string().contains("cannot run it"), "{error}");
    }
}

//! What the target interpreter knows that configuration needs: its `sys.prefix` (where pip's
//! site config file lives) and the index its pip uses by default.
//!
//! Asking costs an interpreter start and a pip import (a few hundred milliseconds), so the answer
//! is cached, keyed by the interpreter's path, size and modification time.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::{Deserialize, Serialize};

use crate::cache::{Cache, key_of};
use crate::config::{ConfigError, IndexUrl};

/// Uses only the standard library and pip's own default; prints one JSON line.
const QUERY: &str = r#"
import json, sys
try:
    from pip._internal.models.index import PyPI
    index = PyPI.simple_url
except Exception as error:
    index = None
print(json.dumps({"prefix": sys.prefix, "pip_default_index": index}))
"#;

/// Facts about one Python interpreter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InterpreterInfo {
    /// `sys.prefix`.
    pub prefix: PathBuf,
    /// The index pip uses when none is configured, if pip is installed.
    pub pip_default_index: Option<String>,
}

impl InterpreterInfo {
    /// Asks `python` (cached when a cache is given).
    pub fn query(python: &Path, cache: Option<&Cache>) -> Result<Self, ConfigError> {
        let failed = |message: String| ConfigError::NoDefaultIndex {
            python: python.to_path_buf(),
            message,
        };
        let cache_key = std::fs::metadata(python).ok().map(|stat| {
            let modified = stat
                .modified()
                .ok()
                .and_then(|time| time.duration_since(std::time::UNIX_EPOCH).ok())
                .map(|since| since.as_nanos());
            key_of(&format!("{}|{}|{modified:?}", python.display(), stat.len()))
        });
        if let (Some(cache), Some(key)) = (cache, &cache_key)
            && let Some(info) = cache
                .read_interpreter(key)
                .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        {
            return Ok(info);
        }
        let output = Command::new(python)
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

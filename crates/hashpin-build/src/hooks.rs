//! Running the build backend's hooks: in the build environment's interpreter, in the source
//! tree, with a scrubbed environment, under a time limit, with its output in a log.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde::Deserialize;

use crate::backend::BuildSystem;
use crate::error::BuildError;

const RUNNER: &str = include_str!("hook_runner.py");

/// A PEP 517 hook hashpin calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[expect(clippy::enum_variant_names, reason = "they are the hooks' own names")]
pub(crate) enum Hook {
    GetRequiresForBuildWheel,
    PrepareMetadataForBuildWheel,
    BuildWheel,
}

impl Hook {
    fn name(self) -> &'static str {
        match self {
            Self::GetRequiresForBuildWheel => "get_requires_for_build_wheel",
            Self::PrepareMetadataForBuildWheel => "prepare_metadata_for_build_wheel",
            Self::BuildWheel => "build_wheel",
        }
    }
}

/// What a hook gave back.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum HookResult {
    /// Its return value.
    Returned {
        #[serde(rename = "return")]
        value: serde_json::Value,
    },
    /// The backend does not have this optional hook.
    Missing {
        #[allow(dead_code, reason = "present only to tell the variants apart")]
        missing: bool,
    },
    /// The runner could not call it.
    Failed { error: String },
}

/// Where and how hooks run for one build.
#[derive(Debug)]
pub(crate) struct HookRunner<'a> {
    /// The build environment's interpreter.
    pub(crate) python: PathBuf,
    /// The unpacked source tree.
    pub(crate) source: &'a Path,
    /// The build's scratch directory (home, temporary files, log, results).
    pub(crate) scratch: &'a Path,
    pub(crate) system: &'a BuildSystem,
    pub(crate) timeout: Duration,
}

impl HookRunner<'_> {
    /// The build log's path: every hook's output, appended.
    pub(crate) fn log_path(&self) -> PathBuf {
        self.scratch.join("build.log")
    }

    /// The end of the build log, without the runner's own traceback frames, and with paths
    /// in the scratch directory (gone once the run ends) shown relative to it.
    fn log_tail(&self) -> String {
        let scratch = format!("{}{}", self.scratch.display(), std::path::MAIN_SEPARATOR);
        log_tail(&self.log_path(), &scratch)
    }

    /// Runs `hook`, with `out_dir` as its output directory.
    pub(crate) async fn run(&self, hook: Hook, out_dir: &Path) -> Result<HookResult, BuildError> {
        let runner = self.scratch.join("hashpin_hook_runner.py");
        let result_file = self.scratch.join(format!("{}.json", hook.name()));
        let home = self.scratch.join("home");
        let tmp = self.scratch.join("tmp");
        for dir in [&home, &tmp, &out_dir.to_path_buf()] {
            std::fs::create_dir_all(dir).map_err(BuildError::Io)?;
        }
        std::fs::write(&runner, RUNNER).map_err(BuildError::Io)?;
        let _ = std::fs::remove_file(&result_file);
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())
            .map_err(BuildError::Io)?;
        let log_err = log.try_clone().map_err(BuildError::Io)?;
        let backend_path =
            serde_json::to_string(&self.system.backend_path).map_err(std::io::Error::other)?;

        let mut command = tokio::process::Command::new(&self.python);
        // `-I`: no PYTHON* variables, no user site, no script directory on sys.path.
        command
            .arg("-I")
            .arg(&runner)
            .arg(hook.name())
            .arg(&self.system.backend)
            .arg(backend_path)
            .arg(out_dir)
            .arg(&result_file)
            .current_dir(self.source)
            .env_clear()
            .envs(build_environment(std::env::vars_os(), &home, &tmp))
            .stdin(Stdio::null())
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(log_err));
        log::debug!(
            "running {} of `{}` in {}",
            hook.name(),
            self.system.backend,
            self.source.display()
        );
        let mut child =
            crate::running::spawn(&mut command).map_err(|source| BuildError::Spawn {
                python: self.python.clone(),
                source,
            })?;
        let Ok(status) = tokio::time::timeout(self.timeout, child.wait()).await else {
            kill_group(&mut child).await;
            return Err(BuildError::TimedOut {
                hook: hook.name(),
                after: self.timeout,
                log: self.log_tail(),
            });
        };
        let status = status.map_err(BuildError::Io)?;
        // What the hook's own children left running goes with it.
        kill_group(&mut child).await;
        let result = std::fs::read(&result_file).ok().and_then(|bytes| {
            (bytes.len() < 16 << 20)
                .then(|| serde_json::from_slice::<HookResult>(&bytes).ok())
                .flatten()
        });
        match result {
            Some(HookResult::Failed { error }) => Err(BuildError::Hook {
                hook: hook.name(),
                message: error,
                log: self.log_tail(),
            }),
            Some(result) if status.success() => Ok(result),
            _ => Err(BuildError::Hook {
                hook: hook.name(),
                message: match status.code() {
                    Some(code) => format!("exit code {code}"),
                    None => "stopped by a signal".into(),
                },
                log: self.log_tail(),
            }),
        }
    }
}

/// Kills the hook's process group (the backend may have started compilers).
async fn kill_group(child: &mut tokio::process::Child) {
    if let Some(id) = child.id() {
        crate::running::kill_group(id);
        crate::running::remove_group(id);
    }
    let _ = child.kill().await;
}

/// Words in a variable's name that mark it as a secret a build must not see.
const SECRET_WORDS: &[&str] = &[
    "TOKEN",
    "SECRET",
    "PASSWORD",
    "PASSWD",
    "KEY",
    "CREDENTIAL",
    "AUTH",
    "COOKIE",
    "SESSION",
];

/// Prefixes of variables that configure tools with indexes and credentials, or that would
/// reach into the build interpreter.
const DROPPED_PREFIXES: &[&str] = &[
    "PIP_",
    "UV_",
    "HASHPIN_",
    "PYTHON",
    "VIRTUAL_ENV",
    "CONDA_",
    "TWINE_",
    "NETRC",
    "XDG_",
];

/// The environment a build sees: the caller's, without secrets, index configuration or
/// proxies (which may carry credentials), with a fresh home and temporary directory, and
/// with pip (should a backend call it) kept off every index.
pub(crate) fn build_environment(
    caller: impl Iterator<Item = (OsString, OsString)>,
    home: &Path,
    tmp: &Path,
) -> Vec<(OsString, OsString)> {
    let mut kept: Vec<(OsString, OsString)> = caller
        .filter(|(name, _)| {
            let upper = name.to_string_lossy().to_ascii_uppercase();
            !(SECRET_WORDS.iter().any(|word| upper.contains(word))
                || DROPPED_PREFIXES
                    .iter()
                    .any(|prefix| upper.starts_with(prefix))
                || upper.ends_with("_PROXY")
                || matches!(
                    upper.as_str(),
                    "HOME" | "TMPDIR" | "TEMP" | "TMP" | "USERPROFILE"
                ))
        })
        .collect();
    for (name, value) in [
        ("HOME", home.as_os_str()),
        ("USERPROFILE", home.as_os_str()),
        ("TMPDIR", tmp.as_os_str()),
        ("TEMP", tmp.as_os_str()),
        ("TMP", tmp.as_os_str()),
    ] {
        kept.push((name.into(), value.into()));
    }
    for (name, value) in [
        ("PIP_NO_INDEX", "1"),
        (
            "PIP_CONFIG_FILE",
            if cfg!(windows) { "NUL" } else { "/dev/null" },
        ),
        ("PYTHONNOUSERSITE", "1"),
        ("PYTHONDONTWRITEBYTECODE", "1"),
    ] {
        kept.push((name.into(), value.into()));
    }
    kept
}

/// The last lines of the build log, neutralized for the terminal: the runner's traceback
/// frames are left out, and `scratch` is cut from the front of paths.
pub(crate) fn log_tail(path: &Path, scratch: &str) -> String {
    use std::io::{Read as _, Seek as _};
    const TAIL_BYTES: u64 = 8 * 1024;
    const TAIL_LINES: usize = 20;
    let Ok(mut file) = std::fs::File::open(path) else {
        return String::new();
    };
    let length = file.metadata().map_or(0, |meta| meta.len());
    let _ = file.seek(std::io::SeekFrom::Start(length.saturating_sub(TAIL_BYTES)));
    let mut bytes = Vec::new();
    let _ = file.take(TAIL_BYTES).read_to_end(&mut bytes);
    let text = String::from_utf8_lossy(&bytes);
    let mut lines: Vec<String> = Vec::new();
    let mut skip_code_line = false;
    for line in text.lines() {
        if std::mem::take(&mut skip_code_line) {
            continue;
        }
        if line.contains("hashpin_hook_runner.py\"") {
            // A frame's `File …` line, then the line of code it shows.
            skip_code_line = true;
            continue;
        }
        if !line.trim().is_empty() {
            lines.push(line.replace(scratch, ""));
        }
    }
    lines[lines.len().saturating_sub(TAIL_LINES)..]
        .iter()
        .map(|line| format!("  | {}", hashpin_pypi::untrusted::for_terminal(line)))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_build_sees_no_secret_index_setting_or_home_of_ours() {
        let caller = [
            ("PATH", "/usr/bin"),
            ("GITHUB_TOKEN", "t"),
            ("AWS_SECRET_ACCESS_KEY", "s"),
            ("my_api_key", "k"),
            ("PIP_INDEX_URL", "https://user:pass@host/simple"),
            ("UV_INDEX", "x"),
            ("https_proxy", "http://user:pass@proxy"),
            ("HOME", "/root"),
            ("NETRC", "/root/.netrc"),
            ("PYTHONPATH", "/elsewhere"),
            ("CC", "gcc"),
        ]
        .map(|(name, value)| (OsString::from(name), OsString::from(value)));
        let seen = build_environment(
            caller.into_iter(),
            Path::new("/scratch/home"),
            Path::new("/scratch/tmp"),
        );
        let get = |wanted: &str| {
            seen.iter()
                .filter(|(name, _)| name == wanted)
                .map(|(_, value)| value.to_string_lossy().into_owned())
                .next_back()
        };
        assert_eq!(get("PATH").as_deref(), Some("/usr/bin"));
        assert_eq!(get("CC").as_deref(), Some("gcc"));
        assert_eq!(get("HOME").as_deref(), Some("/scratch/home"));
        assert_eq!(get("PIP_NO_INDEX").as_deref(), Some("1"));
        for gone in [
            "GITHUB_TOKEN",
            "AWS_SECRET_ACCESS_KEY",
            "my_api_key",
            "PIP_INDEX_URL",
            "UV_INDEX",
            "https_proxy",
            "NETRC",
            "PYTHONPATH",
        ] {
            assert_eq!(get(gone), None, "{gone}");
        }
        assert!(
            !seen
                .iter()
                .any(|(_, value)| value.to_string_lossy().contains("pass")),
            "{seen:?}"
        );
    }

    #[test]
    fn the_log_tail_is_short_and_neutralized() {
        let dir = tempfile::tempdir().expect("temp dir");
        let log = dir.path().join("build.log");
        let mut text = (0..100)
            .map(|i| format!("line {i}"))
            .collect::<Vec<_>>()
            .join("\n");
        text.push('\n');
        text.push_str("evil \u{1b}[31mred\n");
        text.push_str("  File \"/scratch/hashpin_hook_runner.py\", line 1, in main\n    main()\n");
        text.push_str("  File \"/scratch/env/lib/x.py\", line 2\n");
        std::fs::write(&log, text).expect("write");
        let tail = log_tail(&log, "/scratch/");
        assert_eq!(tail.lines().count(), 20);
        assert!(tail.starts_with("  | line 82"), "{tail}");
        assert!(!tail.contains('\u{1b}'), "{tail}");
        assert!(
            !tail.contains("runner") && !tail.contains("main()"),
            "{tail}"
        );
        assert!(
            tail.ends_with("  |   File \"env/lib/x.py\", line 2"),
            "{tail}"
        );
    }
}

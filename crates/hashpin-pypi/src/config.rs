//! Where packages come from: index configuration, read the way pip reads it.
//!
//! Precedence, strongest first (pip's `Configuration` and option parser):
//! 1. command-line flags (`--index-url`; list flags such as `--extra-index-url` add to the
//!    configured list, as pip's optparse defaults do);
//! 2. `PIP_*` environment variables (`PIP_INDEX_URL`, `PIP_EXTRA_INDEX_URL`, …);
//! 3. pip configuration files, later files overriding earlier ones: global (each
//!    `$XDG_CONFIG_DIRS/pip/pip.conf`, then `/etc/pip.conf`), user (`~/.pip/pip.conf`, then
//!    `$XDG_CONFIG_HOME/pip/pip.conf`; skipped when `PIP_CONFIG_FILE` names an existing file),
//!    site (`{sys.prefix}/pip.conf`), then the file named by `PIP_CONFIG_FILE`. Across all
//!    files an `[install]` value beats a `[global]` one;
//! 4. the index the target interpreter's pip uses by default, asked from it once.
//!
//! No index address is written in this crate: the last resort is asking pip.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use pep508_rs::PackageName;
use url::Url;

use crate::redact::{RedactedUrl, strip_credentials};

/// The root URL of a Simple Repository API index. Displays without credentials.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IndexUrl {
    url: Url,
}

impl IndexUrl {
    /// Parses an index URL (credentials allowed), adding the trailing slash the Simple API
    /// root needs for joining.
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        let mut url = Url::parse(text.trim()).map_err(|error| ConfigError::InvalidUrl {
            text: redact_text(text),
            message: error.to_string(),
        })?;
        if !matches!(url.scheme(), "http" | "https" | "file") {
            return Err(ConfigError::InvalidUrl {
                text: redact_text(text),
                message: "only http, https and file URLs can be indexes".into(),
            });
        }
        if !url.path().ends_with('/') {
            url.set_path(&format!("{}/", url.path()));
        }
        Ok(Self { url })
    }

    /// The URL, credentials included: for the HTTP layer only.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The URL of a project's page: `{root}{normalized-name}/` (PEP 503).
    pub fn project_url(&self, name: &PackageName) -> Url {
        let mut url = strip_credentials(&self.url);
        url.set_path(&format!("{}{}/", url.path(), name));
        url
    }

    /// The URL with credentials masked.
    pub fn redacted(&self) -> RedactedUrl {
        RedactedUrl::new(&self.url)
    }
}

impl fmt::Display for IndexUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.redacted().fmt(f)
    }
}

impl fmt::Debug for IndexUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IndexUrl({})", self.redacted())
    }
}

/// A `--find-links` location: a directory of files, or a page of links.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FindLinks {
    /// A local directory whose wheels and sdists are candidates.
    Directory(PathBuf),
    /// An HTML page (remote, or a local `.html` file as a `file:` URL) whose links are
    /// candidates.
    Page(IndexUrl),
}

impl FindLinks {
    /// Reads a find-links value as pip does: a URL, or else a local path.
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        let text = text.trim();
        if text.contains("://") {
            let url = Url::parse(text).map_err(|error| ConfigError::InvalidUrl {
                text: redact_text(text),
                message: error.to_string(),
            })?;
            if url.scheme() == "file"
                && let Ok(path) = url.to_file_path()
                && path.is_dir()
            {
                return Ok(Self::Directory(path));
            }
            return Ok(Self::Page(IndexUrl { url }));
        }
        let path = PathBuf::from(text);
        if path.is_file() {
            let absolute = std::path::absolute(&path).unwrap_or(path);
            return Url::from_file_path(&absolute)
                .map(|url| Self::Page(IndexUrl { url }))
                .map_err(|()| ConfigError::InvalidUrl {
                    text: text.to_string(),
                    message: "not a usable path".into(),
                });
        }
        Ok(Self::Directory(path))
    }
}

impl fmt::Display for FindLinks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Directory(path) => write!(f, "{}", path.display()),
            Self::Page(url) => url.fmt(f),
        }
    }
}

/// Index options given on the command line (or in a requirements file).
#[derive(Debug, Clone, Default)]
pub struct IndexOptions {
    /// `--index-url`.
    pub index_url: Option<String>,
    /// `--extra-index-url`, repeatable.
    pub extra_index_urls: Vec<String>,
    /// `--find-links`, repeatable.
    pub find_links: Vec<String>,
    /// `--no-index`.
    pub no_index: bool,
}

/// The settings that decide where packages come from and how they are fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexConfig {
    /// The primary index; `None` with `--no-index`.
    pub index_url: Option<IndexUrl>,
    /// Extra indexes, in order.
    pub extra_index_urls: Vec<IndexUrl>,
    /// Find-links locations, in order.
    pub find_links: Vec<FindLinks>,
    /// A CA bundle to trust in addition to the system roots (pip's `cert`).
    pub cert: Option<PathBuf>,
    /// Per-request timeout (pip's `timeout`).
    pub timeout: Option<Duration>,
}

impl IndexConfig {
    /// A configuration with one index and nothing else, e.g. for tests and examples.
    pub fn with_index(index_url: IndexUrl) -> Self {
        Self {
            index_url: Some(index_url),
            extra_index_urls: Vec::new(),
            find_links: Vec::new(),
            cert: None,
            timeout: None,
        }
    }

    /// Resolves the configuration from flags, `PIP_*` variables and pip config files, asking
    /// `default_index` only when nothing names an index.
    pub fn load(
        options: &IndexOptions,
        environment: &PipEnvironment,
        default_index: impl FnOnce() -> Result<IndexUrl, ConfigError>,
    ) -> Result<Self, ConfigError> {
        let settings = Settings::load(environment)?;
        let no_index = options.no_index
            || settings.get("no-index").is_some_and(|value| {
                matches!(
                    value.to_ascii_lowercase().as_str(),
                    "1" | "true" | "yes" | "on"
                )
            });
        let index_url = match (&options.index_url, settings.get("index-url")) {
            _ if no_index => None,
            (Some(text), _) => Some(IndexUrl::parse(text)?),
            (None, Some(text)) => Some(IndexUrl::parse(text)?),
            (None, None) => Some(default_index()?),
        };
        let list = |key: &str, cli: &[String]| -> Vec<String> {
            settings
                .get(key)
                .map(|value| {
                    value
                        .split_whitespace()
                        .map(str::to_string)
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
                .into_iter()
                .chain(cli.iter().cloned())
                .collect()
        };
        let extra_index_urls = if no_index {
            Vec::new()
        } else {
            list("extra-index-url", &options.extra_index_urls)
                .iter()
                .map(|text| IndexUrl::parse(text))
                .collect::<Result<_, _>>()?
        };
        let find_links = list("find-links", &options.find_links)
            .iter()
            .map(|text| FindLinks::parse(text))
            .collect::<Result<_, _>>()?;
        // pip refuses a timeout that is not a number; so does hashpin, naming where it was set.
        let timeout_key = ["timeout", "default-timeout"]
            .into_iter()
            .find(|key| settings.get(key).is_some());
        let timeout = timeout_key
            .map(|key| {
                let value = settings.get(key).unwrap_or_default();
                value
                    .trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|seconds| seconds.is_finite() && *seconds > 0.0)
                    .map(Duration::from_secs_f64)
                    .ok_or_else(|| ConfigError::InvalidValue {
                        key: key.to_string(),
                        value: value.to_string(),
                        origin: settings.origin(key).to_string(),
                        expected: "a positive number of seconds",
                    })
            })
            .transpose()?;
        Ok(Self {
            index_url,
            extra_index_urls,
            find_links,
            cert: settings.get("cert").map(PathBuf::from),
            timeout,
        })
    }

    /// Every index, primary first.
    pub fn indexes(&self) -> impl Iterator<Item = &IndexUrl> {
        self.index_url.iter().chain(&self.extra_index_urls)
    }
}

/// What pip would read from the process environment: variables, the home directory and the
/// interpreter's prefix. Captured once so tests can give their own.
#[derive(Debug, Clone, Default)]
pub struct PipEnvironment {
    /// Environment variables.
    pub variables: HashMap<String, String>,
    /// The user's home directory.
    pub home: Option<PathBuf>,
    /// The target interpreter's `sys.prefix`, where the site config file lives.
    pub site_prefix: Option<PathBuf>,
}

impl PipEnvironment {
    /// The current process's environment.
    pub fn from_process(site_prefix: Option<PathBuf>) -> Self {
        Self {
            variables: std::env::vars().collect(),
            home: std::env::var_os("HOME").map(PathBuf::from),
            site_prefix,
        }
    }

    fn var(&self, name: &str) -> Option<&str> {
        self.variables.get(name).map(String::as_str)
    }

    /// Config files in pip's loading order (weakest first).
    fn config_files(&self) -> Vec<PathBuf> {
        let mut files = Vec::new();
        let xdg_dirs = self
            .var("XDG_CONFIG_DIRS")
            .filter(|dirs| !dirs.is_empty())
            .unwrap_or("/etc/xdg");
        files.extend(
            xdg_dirs
                .split(':')
                .map(|dir| Path::new(dir).join("pip").join("pip.conf")),
        );
        files.push(PathBuf::from("/etc/pip.conf"));
        let config_file = self.var("PIP_CONFIG_FILE").map(PathBuf::from);
        if !config_file.as_ref().is_some_and(|file| file.exists())
            && let Some(home) = &self.home
        {
            files.push(home.join(".pip").join("pip.conf"));
            let xdg_home = self
                .var("XDG_CONFIG_HOME")
                .filter(|dir| !dir.is_empty())
                .map_or_else(|| home.join(".config"), PathBuf::from);
            files.push(xdg_home.join("pip").join("pip.conf"));
        }
        if let Some(prefix) = &self.site_prefix {
            files.push(prefix.join("pip.conf"));
        }
        files.extend(config_file);
        files
    }
}

/// Merged pip settings: `PIP_*` variables over `[install]` over `[global]`, each with where
/// it was set (for errors).
struct Settings {
    values: HashMap<String, (String, String)>,
}

impl Settings {
    fn load(environment: &PipEnvironment) -> Result<Self, ConfigError> {
        let mut sections: HashMap<(String, String), (String, String)> = HashMap::new();
        for path in environment.config_files() {
            let text = match std::fs::read_to_string(&path) {
                Ok(text) => text,
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => continue,
                Err(error) if path.is_dir() => {
                    log::debug!("ignoring config path {}: {error}", path.display());
                    continue;
                }
                Err(source) => return Err(ConfigError::Read { path, source }),
            };
            log::debug!("reading pip configuration from {}", path.display());
            for (section, key, value, line) in parse_ini(&text, &path)? {
                let origin = format!("{}:{line}", path.display());
                sections.insert((section, key), (value, origin));
            }
        }
        let mut values = HashMap::new();
        for section in ["global", "install"] {
            for ((entry_section, key), value) in &sections {
                if entry_section == section {
                    values.insert(key.clone(), value.clone());
                }
            }
        }
        for (name, value) in &environment.variables {
            if let Some(option) = name.strip_prefix("PIP_")
                && option != "CONFIG_FILE"
                && !value.is_empty()
            {
                values.insert(normalize_key(option), (value.clone(), name.clone()));
            }
        }
        Ok(Self { values })
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.values
            .get(key)
            .map(|(value, _)| value.as_str())
            .filter(|value| !value.trim().is_empty())
    }

    /// Where `key` was set: `FILE:LINE` or the variable's name.
    fn origin(&self, key: &str) -> &str {
        self.values.get(key).map_or("", |(_, origin)| origin)
    }
}

/// pip's key normalization: case-insensitive, `_` as `-`, a leading `--` dropped.
fn normalize_key(key: &str) -> String {
    let key = key.trim().to_ascii_lowercase().replace('_', "-");
    key.strip_prefix("--").map(str::to_string).unwrap_or(key)
}

/// A configparser-compatible reader: `[section]`, `key = value` or `key: value`, full-line `#`
/// and `;` comments, and indented continuation lines joined with newlines.
pub(crate) fn parse_ini(
    text: &str,
    path: &Path,
) -> Result<Vec<(String, String, String, usize)>, ConfigError> {
    let mut entries: Vec<(String, String, String, usize)> = Vec::new();
    let mut section: Option<String> = None;
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with(['#', ';']) {
            continue;
        }
        let error = |message: &str| ConfigError::Syntax {
            path: path.to_path_buf(),
            line: index + 1,
            message: message.to_string(),
        };
        if line.starts_with([' ', '\t']) {
            let last = entries
                .last_mut()
                .ok_or_else(|| error("continuation line before any option"))?;
            if !last.2.is_empty() {
                last.2.push('\n');
            }
            last.2.push_str(trimmed);
            continue;
        }
        if let Some(name) = trimmed.strip_prefix('[') {
            let name = name
                .strip_suffix(']')
                .ok_or_else(|| error("expected `]` to close the section name"))?;
            section = Some(name.trim().to_ascii_lowercase());
            continue;
        }
        let section = section
            .clone()
            .ok_or_else(|| error("option outside any [section]"))?;
        let split = trimmed
            .find(['=', ':'])
            .ok_or_else(|| error("expected `key = value`"))?;
        let (key, value) = trimmed.split_at(split);
        entries.push((
            section,
            normalize_key(key),
            value[1..].trim().to_string(),
            index + 1,
        ));
    }
    Ok(entries)
}

fn redact_text(text: &str) -> String {
    crate::redact::redact_text(text).into_owned()
}

/// Why the index configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A URL did not parse.
    #[error("invalid index URL `{text}`: {message}")]
    InvalidUrl {
        /// The URL as written, credentials masked.
        text: String,
        /// Why.
        message: String,
    },
    /// A pip config file could not be read.
    #[error("cannot read pip configuration file {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A pip config file has a syntax error.
    #[error("{}:{line}: {message}", path.display())]
    Syntax {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A setting's value is not of its kind.
    #[error("{origin}: invalid `{key}` value `{value}`: expected {expected}")]
    InvalidValue {
        /// The setting.
        key: String,
        /// Its value.
        value: String,
        /// Where it was set: `FILE:LINE` or the variable's name.
        origin: String,
        /// What it should be.
        expected: &'static str,
    },
    /// No index is configured and the interpreter's pip could not say which to use.
    #[error("no package index is configured, and `{}` could not tell pip's default: {message}", python.display())]
    NoDefaultIndex {
        /// The interpreter asked.
        python: PathBuf,
        /// What went wrong.
        message: String,
    },
}

#[cfg(test)]
mod tests;

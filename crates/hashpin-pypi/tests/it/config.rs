//! Index configuration read the way pip reads it, from temporary homes, prefixes and files.
//!
//! `/etc/pip.conf` is always read (pip does too) and may exist on the machine, so tests assert
//! only on what they configure themselves: index URLs, never `cert` or `timeout`.

use std::cell::Cell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use hashpin_pypi::{ConfigError, IndexConfig, IndexOptions, IndexUrl, PipEnvironment};
use tempfile::TempDir;

/// Reserved names that resolve nowhere: these tests never connect.
const ENV_INDEX: &str = "https://env.example.invalid/simple/";
const CLI_INDEX: &str = "https://cli.example.invalid/simple/";
const CONFIG_FILE_INDEX: &str = "https://config-file.example.invalid/simple/";
const SITE_INDEX: &str = "https://site.example.invalid/simple/";
const USER_INDEX: &str = "https://user.example.invalid/simple/";
const GLOBAL_INDEX: &str = "https://global.example.invalid/simple/";
const DEFAULT_INDEX: &str = "https://default.example.invalid/simple/";

/// A home, an interpreter prefix and a global config directory, all temporary, plus the
/// variables of the environment pip would see.
#[derive(Debug)]
struct PipSetup {
    root: TempDir,
    variables: HashMap<String, String>,
}

impl PipSetup {
    fn new() -> Self {
        let root = tempfile::tempdir().expect("a temporary directory");
        let mut variables = HashMap::new();
        // Keep the machine's global directories out (only /etc/pip.conf cannot be).
        variables.insert(
            "XDG_CONFIG_DIRS".to_owned(),
            root.path().join("xdg").display().to_string(),
        );
        Self { root, variables }
    }

    fn home(&self) -> PathBuf {
        self.root.path().join("home")
    }

    fn prefix(&self) -> PathBuf {
        self.root.path().join("prefix")
    }

    /// `~/.config/pip/pip.conf`.
    fn user_file(&self) -> PathBuf {
        self.home().join(".config/pip/pip.conf")
    }

    /// `{sys.prefix}/pip.conf`.
    fn site_file(&self) -> PathBuf {
        self.prefix().join("pip.conf")
    }

    /// `$XDG_CONFIG_DIRS/pip/pip.conf`.
    fn global_file(&self) -> PathBuf {
        self.root.path().join("xdg/pip/pip.conf")
    }

    /// A file for `PIP_CONFIG_FILE` (not set by this).
    fn named_file(&self) -> PathBuf {
        self.root.path().join("named/pip.conf")
    }

    fn set(&mut self, name: &str, value: &str) {
        self.variables.insert(name.to_owned(), value.to_owned());
    }

    fn environment(&self) -> PipEnvironment {
        PipEnvironment {
            variables: self.variables.clone(),
            home: Some(self.home()),
            site_prefix: Some(self.prefix()),
        }
    }

    /// Loads with `options`; the default index, if asked for, is [`DEFAULT_INDEX`].
    fn load(&self, options: &IndexOptions) -> Result<IndexConfig, ConfigError> {
        IndexConfig::load(options, &self.environment(), || {
            IndexUrl::parse(DEFAULT_INDEX)
        })
    }

    /// The primary index URL [`PipSetup::load`] gives.
    fn primary(&self, options: &IndexOptions) -> Option<String> {
        let config = self
            .load(options)
            .unwrap_or_else(|error| panic!("configuration loads: {error}"));
        primary_url(&config).map(str::to_owned)
    }
}

fn write_config(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("create dirs");
    std::fs::write(path, text).expect("write a config file");
}

fn index_url_setting(url: &str) -> String {
    format!("[global]\nindex-url = {url}\n")
}

fn primary_url(config: &IndexConfig) -> Option<&str> {
    config.index_url.as_ref().map(|url| url.url().as_str())
}

fn extra_urls(config: &IndexConfig) -> Vec<String> {
    config
        .extra_index_urls
        .iter()
        .map(|url| url.url().to_string())
        .collect()
}

#[test]
fn sources_override_each_other_in_pip_order() {
    let none = IndexOptions::default();
    let mut setup = PipSetup::new();
    write_config(&setup.global_file(), &index_url_setting(GLOBAL_INDEX));
    assert_eq!(setup.primary(&none).as_deref(), Some(GLOBAL_INDEX));

    write_config(&setup.user_file(), &index_url_setting(USER_INDEX));
    assert_eq!(setup.primary(&none).as_deref(), Some(USER_INDEX));

    write_config(&setup.site_file(), &index_url_setting(SITE_INDEX));
    assert_eq!(setup.primary(&none).as_deref(), Some(SITE_INDEX));

    write_config(&setup.named_file(), &index_url_setting(CONFIG_FILE_INDEX));
    setup.set("PIP_CONFIG_FILE", &setup.named_file().display().to_string());
    assert_eq!(setup.primary(&none).as_deref(), Some(CONFIG_FILE_INDEX));

    setup.set("PIP_INDEX_URL", ENV_INDEX);
    assert_eq!(setup.primary(&none).as_deref(), Some(ENV_INDEX));

    let cli = IndexOptions {
        index_url: Some(CLI_INDEX.into()),
        ..IndexOptions::default()
    };
    assert_eq!(setup.primary(&cli).as_deref(), Some(CLI_INDEX));
}

#[test]
fn install_section_beats_global_in_any_file() {
    let setup = PipSetup::new();
    write_config(
        &setup.user_file(),
        &format!("[install]\nindex-url = {USER_INDEX}\n\n[global]\nindex-url = {GLOBAL_INDEX}\n"),
    );
    assert_eq!(
        setup.primary(&IndexOptions::default()).as_deref(),
        Some(USER_INDEX)
    );
    // A later (site) file's [global] does not beat an earlier file's [install].
    write_config(&setup.site_file(), &index_url_setting(SITE_INDEX));
    assert_eq!(
        setup.primary(&IndexOptions::default()).as_deref(),
        Some(USER_INDEX)
    );
}

#[test]
fn extra_index_urls_are_whitespace_separated_and_cli_ones_come_last() {
    let mut setup = PipSetup::new();
    write_config(
        &setup.user_file(),
        "[global]\nextra-index-url = https://a.example.invalid/simple https://b.example.invalid/simple\n    https://c.example.invalid/simple\n",
    );
    let options = IndexOptions {
        extra_index_urls: vec!["https://cli.example.invalid/extra".into()],
        ..IndexOptions::default()
    };
    let config = setup.load(&options).expect("loads");
    assert_eq!(
        extra_urls(&config),
        [
            "https://a.example.invalid/simple/",
            "https://b.example.invalid/simple/",
            "https://c.example.invalid/simple/",
            "https://cli.example.invalid/extra/",
        ]
    );

    // The variable replaces the files' list; the command line still adds to it.
    setup.set(
        "PIP_EXTRA_INDEX_URL",
        "https://env1.example.invalid/simple  https://env2.example.invalid/simple",
    );
    let config = setup.load(&options).expect("loads");
    assert_eq!(
        extra_urls(&config),
        [
            "https://env1.example.invalid/simple/",
            "https://env2.example.invalid/simple/",
            "https://cli.example.invalid/extra/",
        ]
    );
}

#[test]
fn existing_pip_config_file_disables_the_user_file() {
    let mut setup = PipSetup::new();
    write_config(
        &setup.user_file(),
        &format!(
            "[global]\nindex-url = {USER_INDEX}\nextra-index-url = https://user-extra.example.invalid/\n"
        ),
    );
    write_config(&setup.named_file(), &index_url_setting(CONFIG_FILE_INDEX));

    // Named but missing: the user file is read as usual.
    setup.set(
        "PIP_CONFIG_FILE",
        &setup.root.path().join("missing.conf").display().to_string(),
    );
    let config = setup.load(&IndexOptions::default()).expect("loads");
    assert_eq!(primary_url(&config), Some(USER_INDEX));
    assert_eq!(extra_urls(&config), ["https://user-extra.example.invalid/"]);

    setup.set("PIP_CONFIG_FILE", &setup.named_file().display().to_string());
    let config = setup.load(&IndexOptions::default()).expect("loads");
    assert_eq!(primary_url(&config), Some(CONFIG_FILE_INDEX));
    assert_eq!(
        extra_urls(&config),
        Vec::<String>::new(),
        "user file skipped"
    );
}

#[test]
fn no_index_gives_no_index() {
    let mut setup = PipSetup::new();
    write_config(
        &setup.user_file(),
        &format!(
            "[global]\nindex-url = {USER_INDEX}\nextra-index-url = https://extra.example.invalid/\n"
        ),
    );
    setup.set("PIP_INDEX_URL", ENV_INDEX);
    let asked = Cell::new(0);
    let options = IndexOptions {
        no_index: true,
        index_url: Some(CLI_INDEX.into()),
        ..IndexOptions::default()
    };
    let config = IndexConfig::load(&options, &setup.environment(), || {
        asked.set(asked.get() + 1);
        IndexUrl::parse(DEFAULT_INDEX)
    })
    .expect("loads");
    assert_eq!(config.index_url, None);
    assert_eq!(config.indexes().count(), 0);
    assert_eq!(asked.get(), 0);

    // Also when a config file says so.
    setup.variables.remove("PIP_INDEX_URL");
    write_config(&setup.site_file(), "[install]\nno-index = true\n");
    let config = setup.load(&IndexOptions::default()).expect("loads");
    assert_eq!(config.indexes().count(), 0);
}

#[test]
fn default_index_is_asked_only_when_nothing_is_configured() {
    let mut setup = PipSetup::new();
    let asked = Cell::new(0);
    let load = |setup: &PipSetup| {
        IndexConfig::load(&IndexOptions::default(), &setup.environment(), || {
            asked.set(asked.get() + 1);
            IndexUrl::parse(DEFAULT_INDEX)
        })
        .expect("loads")
    };
    let config = load(&setup);
    assert_eq!(primary_url(&config), Some(DEFAULT_INDEX));
    assert_eq!(asked.get(), 1);

    // Extra indexes alone do not replace the primary one.
    setup.set("PIP_EXTRA_INDEX_URL", "https://extra.example.invalid/");
    load(&setup);
    assert_eq!(asked.get(), 2);

    setup.set("PIP_INDEX_URL", ENV_INDEX);
    let config = load(&setup);
    assert_eq!(primary_url(&config), Some(ENV_INDEX));
    assert_eq!(asked.get(), 2, "not asked again");
}

#[test]
fn default_index_failure_is_the_error() {
    let setup = PipSetup::new();
    let error = IndexConfig::load(&IndexOptions::default(), &setup.environment(), || {
        Err(ConfigError::NoDefaultIndex {
            python: PathBuf::from("python3"),
            message: "pip is not installed there".into(),
        })
    })
    .expect_err("no index at all");
    assert!(
        matches!(error, ConfigError::NoDefaultIndex { .. }),
        "{error:?}"
    );
}

#[test]
fn syntax_error_names_the_file_and_line() {
    let setup = PipSetup::new();
    write_config(
        &setup.user_file(),
        "# pip settings\n[global]\ntimeout = 60\nindex-url\n",
    );
    let error = setup
        .load(&IndexOptions::default())
        .expect_err("not key = value");
    let ConfigError::Syntax { path, line, .. } = &error else {
        panic!("expected ConfigError::Syntax, got {error:?}");
    };
    assert_eq!(*path, setup.user_file());
    assert_eq!(*line, 4);
    let message = error.to_string();
    assert!(
        message.starts_with(&format!("{}:4:", setup.user_file().display())),
        "{message}"
    );
}

#[test]
fn credentials_in_configured_urls_are_masked_when_shown() {
    let mut setup = PipSetup::new();
    setup.set(
        "PIP_INDEX_URL",
        "https://me:t0p-secret@env.example.invalid/simple",
    );
    let config = setup.load(&IndexOptions::default()).expect("loads");
    let index = config.index_url.as_ref().expect("set");
    assert_eq!(
        index.url().password(),
        Some("t0p-secret"),
        "kept for requests"
    );
    assert!(!index.to_string().contains("t0p-secret"), "{index}");
    assert!(!format!("{config:?}").contains("t0p-secret"));

    setup.set("PIP_INDEX_URL", "https://me:t0p-secret@[not a host/simple");
    let error = setup.load(&IndexOptions::default()).expect_err("not a URL");
    assert!(!error.to_string().contains("t0p-secret"), "{error}");
    assert!(!format!("{error:?}").contains("t0p-secret"), "{error:?}");
}

//! Whether a fix is within reach: the requirements a lock was made from (the input files its
//! `# via` comments name) either allow a fixed version, or name the line that keeps it out.
//!
//! Only the lock's own inputs are read. A package that other packages require may be held
//! back by their requirements too; that is said, not guessed.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use hashpin_formats::{Entry, Input, Package, PyProject, PyProjectSelection, RequirementsSet};
use hashpin_pypi::Version;
use serde::Serialize;

/// What the inputs say about upgrading to a fixed version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", rename_all = "kebab-case")]
pub(super) enum Fix {
    /// No fixed version above the pinned one is known.
    None,
    /// `version` (the lowest fix above the pin) is allowed by every input line on the
    /// package (`named`: there is one); `required_by` are the packages whose own
    /// requirements were not checked.
    Allowed {
        version: String,
        named: bool,
        required_by: Vec<String>,
    },
    /// Every fix above the pin is excluded by this input line.
    Excluded { by: String },
    /// The lock names no input that was read.
    Unknown { why: String },
}

impl Fix {
    /// For people: `the fix 2.31.0 is allowed by the lock's inputs`, `requirements.in:3
    /// (`requests<2.30`) excludes every fixed version`.
    pub(super) fn describe(&self) -> String {
        match self {
            Self::None => "no fixed version is known".to_string(),
            Self::Allowed {
                version,
                named,
                required_by,
            } => {
                let mut text = if *named {
                    format!("the fix {version} is allowed by the lock's inputs")
                } else {
                    format!("no input line excludes the fix {version}")
                };
                if !required_by.is_empty() {
                    let _ = write!(
                        text,
                        "; {} by {}, whose own requirements were not checked",
                        if *named { "also required" } else { "required" },
                        required_by.join(", ")
                    );
                }
                text
            }
            Self::Excluded { by } => format!("{by} excludes every fixed version"),
            Self::Unknown { why } => why.clone(),
        }
    }
}

/// The input files of the locks read, each read once.
#[derive(Debug, Default)]
pub(super) struct Inputs {
    /// By the path as `# via` writes it, relative to `base`: the requirements it holds, or
    /// why it could not be read.
    files: HashMap<(PathBuf, String), Result<Vec<Entry>, String>>,
}

impl Inputs {
    /// What upgrading `package` (of the lock at `lock_path`) to one of `fixed` meets.
    pub(super) fn fix(&mut self, lock_path: &Path, package: &Package, fixed: &[Version]) -> Fix {
        let Some(pinned) = &package.version else {
            return Fix::None;
        };
        let above: Vec<&Version> = fixed.iter().filter(|fix| *fix > pinned).collect();
        if above.is_empty() {
            return Fix::None;
        }
        let base = lock_path.parent().unwrap_or(Path::new("")).to_path_buf();
        let mut lines: Vec<Entry> = Vec::new();
        let mut required_by = Vec::new();
        let mut unreadable = Vec::new();
        for via in &package.via {
            let Some(written) = input_of(via) else {
                required_by.push(via.clone());
                continue;
            };
            match self.read(&base, written) {
                Ok(entries) => lines.extend(
                    entries
                        .iter()
                        .filter(|entry| entry.requirement.name == package.name)
                        .cloned(),
                ),
                Err(why) => unreadable.push(why),
            }
        }
        if lines.is_empty() && required_by.is_empty() {
            return Fix::Unknown {
                why: match unreadable.first() {
                    Some(why) => format!("whether a fix is allowed is not known: {why}"),
                    None => "whether a fix is allowed is not known: the lock names no input file"
                        .to_string(),
                },
            };
        }
        let allows = |entry: &Entry, version: &Version| match &entry.requirement.version_or_url {
            Some(pep508_rs::VersionOrUrl::VersionSpecifier(specifiers)) => {
                specifiers.contains(version)
            }
            // A URL requirement is not an index version; nothing newer is allowed by it.
            Some(pep508_rs::VersionOrUrl::Url(_)) => false,
            None => true,
        };
        if let Some(fix) = above
            .iter()
            .find(|fix| lines.iter().all(|entry| allows(entry, fix)))
        {
            return Fix::Allowed {
                version: fix.to_string(),
                named: !lines.is_empty(),
                required_by,
            };
        }
        let blocker = lines
            .iter()
            .find(|entry| !allows(entry, above[0]))
            .or(lines.first());
        match blocker {
            Some(entry) => Fix::Excluded {
                by: format!(
                    "{}:{} (`{}`)",
                    entry.location.file.display(),
                    entry.location.line,
                    hashpin_pypi::untrusted::excerpt(&entry.text, 80)
                ),
            },
            None => Fix::Unknown {
                why: "whether a fix is allowed is not known".to_string(),
            },
        }
    }

    fn read(&mut self, base: &Path, written: &str) -> Result<&[Entry], String> {
        let key = (base.to_path_buf(), written.to_string());
        let read = self
            .files
            .entry(key)
            .or_insert_with(|| read_input(base, written));
        match read {
            Ok(entries) => Ok(entries),
            Err(why) => Err(why.clone()),
        }
    }
}

/// The input file a `# via` entry names: `-r requirements.in`, `-c constraints.txt`, or
/// `myproject (pyproject.toml)`; `None` for a package name.
fn input_of(via: &str) -> Option<&str> {
    if let Some(path) = via.strip_prefix("-r ").or_else(|| via.strip_prefix("-c ")) {
        return Some(path.trim());
    }
    let (_, path) = via.strip_suffix(')')?.rsplit_once(" (")?;
    Some(path.trim())
}

/// The requirements of one input file, found beside the lock, else from the current
/// directory (where compile ran).
fn read_input(base: &Path, written: &str) -> Result<Vec<Entry>, String> {
    let written_path = Path::new(written);
    let path = [base.join(written_path), written_path.to_path_buf()]
        .into_iter()
        .find(|path| path.is_file())
        .ok_or_else(|| format!("{written} (named by `# via`) is not found"))?;
    let is_pyproject = path
        .file_name()
        .is_some_and(|name| name == "pyproject.toml");
    if is_pyproject {
        let selection = PyProjectSelection {
            all_extras: true,
            ..PyProjectSelection::default()
        };
        return PyProject::read(&path, &selection)
            .map(|project| project.requirements)
            .map_err(|error| error.to_string());
    }
    let set =
        RequirementsSet::read_for_audit(&[Input::Path(path)], |name| std::env::var(name).ok())
            .map_err(|error| error.to_string())?;
    Ok(set
        .requirements
        .into_iter()
        .chain(set.constraints)
        .collect())
}

#[cfg(test)]
mod tests {
    use std::str::FromStr as _;

    use hashpin_pypi::PackageName;

    use super::*;

    fn package(name: &str, version: &str, via: &[&str]) -> Package {
        let mut package = Package::new(
            PackageName::from_str(name).unwrap(),
            Version::from_str(version).unwrap(),
            Vec::new(),
        );
        package.via = via.iter().map(|via| (*via).to_string()).collect();
        package
    }

    fn versions(list: &[&str]) -> Vec<Version> {
        list.iter().map(|v| Version::from_str(v).unwrap()).collect()
    }

    #[test]
    fn says_which_line_keeps_a_fix_out() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("requirements.in"),
            "flask\nrequests>=2.0,<2.30 # pinned for reasons\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("constraints.txt"), "urllib3<3\n").unwrap();
        let lock = dir.path().join("requirements.txt");
        let mut inputs = Inputs::default();

        let requests = package("requests", "2.29.0", &["-r requirements.in"]);
        match inputs.fix(&lock, &requests, &versions(&["2.31.0"])) {
            Fix::Excluded { by } => {
                assert!(
                    by.ends_with("requirements.in:2 (`requests>=2.0,<2.30`)"),
                    "{by}"
                );
            }
            other => panic!("{other:?}"),
        }
        let urllib3 = package("urllib3", "1.26.4", &["-c constraints.txt", "requests"]);
        assert_eq!(
            inputs.fix(&lock, &urllib3, &versions(&["1.26.5", "2.0.7"])),
            Fix::Allowed {
                version: "1.26.5".to_string(),
                named: true,
                required_by: vec!["requests".to_string()]
            }
        );
        // Fixes of an older branch only are no fix for this pin.
        assert_eq!(
            inputs.fix(&lock, &urllib3, &versions(&["1.25.0"])),
            Fix::None
        );
        let orphan = package("six", "1.0", &["-r gone.in"]);
        assert!(matches!(
            inputs.fix(&lock, &orphan, &versions(&["2.0"])),
            Fix::Unknown { .. }
        ));
    }

    #[test]
    fn finds_the_input_a_via_names() {
        assert_eq!(input_of("-r requirements.in"), Some("requirements.in"));
        assert_eq!(input_of("-c c.txt"), Some("c.txt"));
        assert_eq!(
            input_of("myproject (sub/pyproject.toml)"),
            Some("sub/pyproject.toml")
        );
        assert_eq!(input_of("flask"), None);
    }
}

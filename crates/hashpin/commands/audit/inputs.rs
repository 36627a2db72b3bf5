//! Whether a fix is within reach: the requirements a lock was made from (the input files its
//! `# via` comments name) either allow a fixed version, or name the line that keeps it out.
//!
//! Only the lock's own inputs are read. A package that other packages require may be held
//! back by their requirements too; that is said, not guessed.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use std::str::FromStr as _;

use hashpin_formats::{Entry, Input, Package, PyProject, PyProjectSelection, RequirementsSet};
use hashpin_pypi::{PackageName, Version};
use serde::Serialize;

/// What the inputs say about upgrading to a fixed version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", rename_all = "kebab-case")]
pub(super) enum Fix {
    /// No fixed version above the pinned one is known.
    None,
    /// `version` (the lowest fix above the pin) is allowed by every input line on the
    /// package (`named`: there is one) and by the requirements of the packages in `checked`;
    /// `required_by` are the packages whose own requirements could not be read.
    Allowed {
        version: String,
        named: bool,
        checked: Vec<String>,
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
                checked,
                required_by,
            } => {
                let mut text = match (*named, checked.as_slice()) {
                    (true, []) => format!("the fix {version} is allowed by the lock's inputs"),
                    (true, checked) => format!(
                        "the fix {version} is allowed by the lock's inputs and by what {} require",
                        checked.join(", ")
                    ),
                    (false, []) => format!("no input line excludes the fix {version}"),
                    (false, checked) => format!(
                        "the fix {version} is allowed by what {} require",
                        checked.join(", ")
                    ),
                };
                if !required_by.is_empty() {
                    let _ = write!(
                        text,
                        "; {} by {}, whose own requirements were not read",
                        if *named || !checked.is_empty() {
                            "also required"
                        } else {
                            "required"
                        },
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

/// The requirements the pinned releases of a lock's packages put on others (their
/// `Requires-Dist`), by package, or why they could not be read.
pub(super) type Dependents = HashMap<PackageName, Result<Dependent, String>>;

/// One package's release and what it requires.
#[derive(Debug, Clone)]
pub(super) struct Dependent {
    pub(super) version: Version,
    pub(super) requires: Vec<pep508_rs::Requirement>,
}

/// One line that bounds a package's versions, as the report names it.
struct Bound {
    /// `requirements.in:2 (`dep<2`)`, `requests 2.19.0 (`urllib3<1.24,>=1.21.1`)`.
    label: String,
    version_or_url: Option<pep508_rs::VersionOrUrl>,
}

impl Bound {
    fn allows(&self, version: &Version) -> bool {
        match &self.version_or_url {
            Some(pep508_rs::VersionOrUrl::VersionSpecifier(specifiers)) => {
                specifiers.contains(version)
            }
            // A URL requirement is not an index version; nothing newer is allowed by it.
            Some(pep508_rs::VersionOrUrl::Url(_)) => false,
            None => true,
        }
    }
}

impl Inputs {
    /// What upgrading `package` (of the lock at `lock_path`) to one of `fixed` meets: the
    /// lines of the input files its `# via` names, and the requirements on it of the packages
    /// it names, where `dependents` has them.
    pub(super) fn fix(
        &mut self,
        lock_path: &Path,
        package: &Package,
        fixed: &[Version],
        dependents: &Dependents,
    ) -> Fix {
        let Some(pinned) = &package.version else {
            return Fix::None;
        };
        let above: Vec<&Version> = fixed.iter().filter(|fix| *fix > pinned).collect();
        if above.is_empty() {
            return Fix::None;
        }
        let base = lock_path.parent().unwrap_or(Path::new("")).to_path_buf();
        let mut bounds: Vec<Bound> = Vec::new();
        let mut named = false;
        let mut checked = Vec::new();
        let mut required_by = Vec::new();
        let mut unreadable = Vec::new();
        for via in &package.via {
            if let Some(written) = input_of(via) {
                match self.read(&base, written) {
                    Ok(entries) => {
                        for entry in entries
                            .iter()
                            .filter(|e| e.requirement.name == package.name)
                        {
                            named = true;
                            bounds.push(Bound {
                                label: format!(
                                    "{}:{} (`{}`)",
                                    entry.location.file.display(),
                                    entry.location.line,
                                    hashpin_pypi::untrusted::excerpt(&entry.text, 80)
                                ),
                                version_or_url: entry.requirement.version_or_url.clone(),
                            });
                        }
                    }
                    Err(why) => unreadable.push(why),
                }
                continue;
            }
            let dependent = PackageName::from_str(via)
                .ok()
                .and_then(|name| dependents.get(&name));
            match dependent {
                Some(Ok(dependent)) => {
                    checked.push(format!("{via} {}", dependent.version));
                    for requirement in dependent
                        .requires
                        .iter()
                        .filter(|r| r.name == package.name && !is_for_an_extra(r))
                    {
                        bounds.push(Bound {
                            label: format!(
                                "{via} {} (`{}`)",
                                dependent.version,
                                hashpin_pypi::untrusted::excerpt(&requirement.to_string(), 80)
                            ),
                            version_or_url: requirement.version_or_url.clone(),
                        });
                    }
                }
                _ => required_by.push(via.clone()),
            }
        }
        if bounds.is_empty() && required_by.is_empty() && checked.is_empty() {
            return Fix::Unknown {
                why: match unreadable.first() {
                    Some(why) => format!("whether a fix is allowed is not known: {why}"),
                    None => "whether a fix is allowed is not known: the lock names no input file"
                        .to_string(),
                },
            };
        }
        if let Some(fix) = above
            .iter()
            .find(|fix| bounds.iter().all(|bound| bound.allows(fix)))
        {
            return Fix::Allowed {
                version: fix.to_string(),
                named,
                checked,
                required_by,
            };
        }
        let blocker = bounds
            .iter()
            .find(|bound| !bound.allows(above[0]))
            .or(bounds.first());
        match blocker {
            Some(bound) => Fix::Excluded {
                by: bound.label.clone(),
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

/// A requirement only an extra brings in (`; extra == "socks"`): which extras the lock
/// asked for of its dependent is not recorded, so it is not counted as a bound.
fn is_for_an_extra(requirement: &pep508_rs::Requirement) -> bool {
    crate::commands::compile::marker_names_extra(&requirement.marker)
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
        let none = Dependents::new();

        let requests = package("requests", "2.29.0", &["-r requirements.in"]);
        match inputs.fix(&lock, &requests, &versions(&["2.31.0"]), &none) {
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
            inputs.fix(&lock, &urllib3, &versions(&["1.26.5", "2.0.7"]), &none),
            Fix::Allowed {
                version: "1.26.5".to_string(),
                named: true,
                checked: Vec::new(),
                required_by: vec!["requests".to_string()]
            }
        );
        // Fixes of an older branch only are no fix for this pin.
        assert_eq!(
            inputs.fix(&lock, &urllib3, &versions(&["1.25.0"]), &none),
            Fix::None
        );
        let orphan = package("six", "1.0", &["-r gone.in"]);
        assert!(matches!(
            inputs.fix(&lock, &orphan, &versions(&["2.0"]), &none),
            Fix::Unknown { .. }
        ));
    }

    #[test]
    fn a_dependent_s_requirement_can_keep_a_fix_out() {
        let dir = tempfile::tempdir().unwrap();
        let lock = dir.path().join("requirements.txt");
        let requirement = |text: &str| pep508_rs::Requirement::from_str(text).unwrap();
        let mut dependents = Dependents::new();
        dependents.insert(
            PackageName::from_str("requests").unwrap(),
            Ok(Dependent {
                version: Version::from_str("2.19.0").unwrap(),
                requires: vec![
                    requirement("urllib3>=1.21.1,<1.24"),
                    requirement("idna<2.8,>=2.5"),
                    requirement("urllib3<1.30; extra == 'socks'"),
                ],
            }),
        );
        dependents.insert(
            PackageName::from_str("botocore").unwrap(),
            Err("offline".to_string()),
        );
        let mut inputs = Inputs::default();
        let urllib3 = package("urllib3", "1.23", &["requests"]);
        assert_eq!(
            inputs.fix(
                &lock,
                &urllib3,
                &versions(&["1.24.2", "1.26.5"]),
                &dependents
            ),
            Fix::Excluded {
                by: "requests 2.19.0 (`urllib3>=1.21.1,<1.24`)".to_string()
            }
        );
        let idna = package("idna", "2.5", &["requests", "botocore"]);
        let fix = inputs.fix(&lock, &idna, &versions(&["2.6"]), &dependents);
        assert_eq!(
            fix.describe(),
            "the fix 2.6 is allowed by what requests 2.19.0 require; also required by botocore, whose own requirements were not read"
        );
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

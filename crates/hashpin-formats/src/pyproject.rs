//! `pyproject.toml` as an input: `[project]` dependencies (PEP 621), optional dependencies
//! selected by extra, and dependency groups (PEP 735).

use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;

use hashpin_pypi::{ExtraName, PackageName};
use serde::Deserialize;

use crate::requirements::{Entry, FormatError, Location};

#[derive(Deserialize)]
struct File {
    project: Option<Project>,
    #[serde(rename = "build-system")]
    build_system: Option<BuildSystemTable>,
    #[serde(rename = "dependency-groups", default)]
    dependency_groups: BTreeMap<String, Vec<GroupItem>>,
}

/// Only whether it names a backend matters here (a poetry or other backend's project keeps
/// its dependencies outside `[project]`, and only a build tells them).
#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct BuildSystemTable {
    build_backend: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Project {
    name: Option<String>,
    version: Option<String>,
    dependencies: Option<Vec<String>>,
    #[serde(default)]
    optional_dependencies: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    dynamic: Vec<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum GroupItem {
    Requirement(String),
    Include {
        #[serde(rename = "include-group")]
        include_group: String,
    },
}

/// Which parts of a `pyproject.toml` to lock.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PyProjectSelection {
    /// Optional-dependency extras to include (`--extra`).
    pub extras: Vec<String>,
    /// Include every extra (`--all-extras`).
    pub all_extras: bool,
    /// Dependency groups to include (`--group`).
    pub groups: Vec<String>,
}

/// The requirements a `pyproject.toml` declares for the selection, and the project's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PyProject {
    /// `[project] name`, if any (for `# via name (pyproject.toml)`).
    pub name: Option<String>,
    /// `[project] version`, when it is static.
    pub version: Option<String>,
    /// The selected requirements, each located at its line (with `needs_build`, those of
    /// dependency groups only).
    pub requirements: Vec<Entry>,
    /// `[project]` declares the dependencies (or the selected extras' ones) dynamic, or there
    /// is no `[project]`: only a PEP 517 build of the project tells them.
    pub needs_build: bool,
    /// `[build-system]` names a `build-backend`.
    pub has_backend: bool,
}

impl PyProject {
    /// Reads `path`, selecting extras and groups.
    pub fn read(path: &Path, selection: &PyProjectSelection) -> Result<Self, FormatError> {
        let text = crate::read_bounded(path, crate::MAX_FILE_BYTES).map_err(|source| {
            FormatError::Read {
                path: path.to_path_buf(),
                source,
            }
        })?;
        Self::parse(path, &text, selection)
    }

    pub(crate) fn parse(
        path: &Path,
        text: &str,
        selection: &PyProjectSelection,
    ) -> Result<Self, FormatError> {
        let source = Source { path, text };
        let file: File = toml::from_str(text).map_err(|error| {
            let line = error.span().map_or(1, |span| line_of(text, span.start));
            source.fail(line, format!("invalid TOML: {}", error.message()))
        })?;
        let project = file.project.as_ref();
        let mut requirements = Vec::new();
        let dynamic =
            |field: &str| project.is_some_and(|project| project.dynamic.iter().any(|f| f == field));
        // Only a build of the project tells dynamic dependencies; the caller runs it.
        // Without a [project] table (a setuptools project's pyproject.toml of build settings),
        // only a build tells anything, unless dependency groups were all that was asked for.
        let needs_build = (project.is_none() && selection.groups.is_empty())
            || dynamic("dependencies")
            || (dynamic("optional-dependencies")
                && (selection.all_extras || !selection.extras.is_empty()));
        if !needs_build {
            if let Some(project) = project {
                let dependencies = project.dependencies.as_deref().unwrap_or_default();
                source.add(&mut requirements, dependencies, "[project] dependencies")?;
            }
            for (extra, dependencies) in source.extras(project, selection)? {
                source.add(&mut requirements, dependencies, &format!("extra `{extra}`"))?;
            }
        }
        for (group, dependencies) in source.groups(&file, selection)? {
            source.add(
                &mut requirements,
                &dependencies,
                &format!("dependency group `{group}`"),
            )?;
        }
        Ok(Self {
            name: project.and_then(|project| project.name.clone()),
            version: project
                .filter(|_| !dynamic("version"))
                .and_then(|project| project.version.clone()),
            requirements,
            needs_build,
            has_backend: file
                .build_system
                .as_ref()
                .is_some_and(|table| table.build_backend.is_some()),
        })
    }
}

/// The file being read, for locating errors and requirements.
struct Source<'a> {
    path: &'a Path,
    text: &'a str,
}

impl Source<'_> {
    fn fail(&self, line: usize, message: String) -> FormatError {
        FormatError::Line {
            location: Location {
                file: self.path.to_path_buf(),
                line,
            },
            message,
        }
    }

    fn add(
        &self,
        out: &mut Vec<Entry>,
        texts: &[String],
        section: &str,
    ) -> Result<(), FormatError> {
        for requirement in texts {
            let line = find_line(self.text, requirement);
            let parsed = hashpin_pypi::parse_requirement(requirement).map_err(|error| {
                self.fail(
                    line,
                    format!(
                        "invalid requirement `{}` in {section}: {error}",
                        hashpin_pypi::untrusted::excerpt(requirement, 200)
                    ),
                )
            })?;
            out.push(Entry {
                requirement: parsed,
                hashes: Vec::new(),
                text: requirement.clone(),
                location: Location {
                    file: self.path.to_path_buf(),
                    line,
                },
            });
        }
        Ok(())
    }

    /// The selected extras and their requirements.
    fn extras<'p>(
        &self,
        project: Option<&'p Project>,
        selection: &PyProjectSelection,
    ) -> Result<Vec<(ExtraName, &'p [String])>, FormatError> {
        let extras: BTreeMap<ExtraName, &[String]> = project
            .map(|project| &project.optional_dependencies)
            .into_iter()
            .flatten()
            .filter_map(|(name, requirements)| {
                Some((ExtraName::from_str(name).ok()?, requirements.as_slice()))
            })
            .collect();
        let line = find_line(self.text, "optional-dependencies");
        let wanted: Vec<ExtraName> = if selection.all_extras {
            extras.keys().cloned().collect()
        } else {
            selection
                .extras
                .iter()
                .map(|extra| {
                    ExtraName::from_str(extra).ok().filter(|extra| extras.contains_key(extra)).ok_or_else(|| {
                        let known: Vec<String> = extras.keys().map(ToString::to_string).collect();
                        self.fail(line, format!("no extra `{extra}` in [project.optional-dependencies] (it has: {})", list(&known)))
                    })
                })
                .collect::<Result<_, _>>()?
        };
        if !wanted.is_empty()
            && project.is_some_and(|project| {
                project
                    .dynamic
                    .iter()
                    .any(|field| field == "optional-dependencies")
            })
        {
            return Err(self.fail(
                find_line(self.text, "dynamic"),
                "`[project] optional-dependencies` is dynamic: only a build could tell them".into(),
            ));
        }
        Ok(wanted
            .into_iter()
            .map(|extra| (extra.clone(), extras[&extra]))
            .collect())
    }

    /// The selected dependency groups, includes expanded.
    fn groups(
        &self,
        file: &File,
        selection: &PyProjectSelection,
    ) -> Result<Vec<(PackageName, Vec<String>)>, FormatError> {
        let groups: BTreeMap<PackageName, &Vec<GroupItem>> = file
            .dependency_groups
            .iter()
            .filter_map(|(name, items)| Some((PackageName::from_str(name).ok()?, items)))
            .collect();
        let line = find_line(self.text, "dependency-groups");
        let mut selected = Vec::new();
        for group in &selection.groups {
            let name = PackageName::from_str(group)
                .ok()
                .filter(|name| groups.contains_key(name))
                .ok_or_else(|| {
                    let known: Vec<String> = groups.keys().map(ToString::to_string).collect();
                    self.fail(
                        line,
                        format!(
                            "no dependency group `{group}` in [dependency-groups] (it has: {})",
                            list(&known)
                        ),
                    )
                })?;
            let mut texts = Vec::new();
            expand_group(&groups, &name, &mut Vec::new(), &mut texts)
                .map_err(|message| self.fail(line, message))?;
            selected.push((name, texts));
        }
        Ok(selected)
    }
}

/// How deep `include-group` may nest.
const MAX_GROUP_DEPTH: usize = 64;

/// A group's requirements with `include-group` entries expanded (PEP 735), refusing cycles
/// and nesting deeper than [`MAX_GROUP_DEPTH`]. A group included twice is expanded once:
/// its requirements are the same, and groups that each include the next one twice would
/// otherwise double the work at every level.
fn expand_group(
    groups: &BTreeMap<PackageName, &Vec<GroupItem>>,
    name: &PackageName,
    stack: &mut Vec<PackageName>,
    out: &mut Vec<String>,
) -> Result<(), String> {
    expand_group_once(groups, name, stack, &mut Vec::new(), out)
}

fn expand_group_once(
    groups: &BTreeMap<PackageName, &Vec<GroupItem>>,
    name: &PackageName,
    stack: &mut Vec<PackageName>,
    expanded: &mut Vec<PackageName>,
    out: &mut Vec<String>,
) -> Result<(), String> {
    if stack.len() >= MAX_GROUP_DEPTH {
        return Err(format!(
            "dependency groups include each other more than {MAX_GROUP_DEPTH} deep"
        ));
    }
    if stack.contains(name) {
        let chain: Vec<String> = stack
            .iter()
            .chain([name])
            .map(ToString::to_string)
            .collect();
        return Err(format!(
            "dependency groups include each other: {}",
            chain.join(" -> ")
        ));
    }
    let items = groups
        .get(name)
        .ok_or_else(|| format!("`include-group = \"{name}\"` names no dependency group"))?;
    if expanded.contains(name) {
        return Ok(());
    }
    expanded.push(name.clone());
    stack.push(name.clone());
    for item in *items {
        match item {
            GroupItem::Requirement(requirement) => out.push(requirement.clone()),
            GroupItem::Include { include_group } => {
                let included =
                    PackageName::from_str(include_group).map_err(|error| error.to_string())?;
                expand_group_once(groups, &included, stack, expanded, out)?;
            }
        }
    }
    stack.pop();
    Ok(())
}

fn list(names: &[String]) -> String {
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// The line of the first quoted occurrence of `needle` (for error locations), else 1.
fn find_line(text: &str, needle: &str) -> usize {
    text.find(&format!("\"{needle}\""))
        .or_else(|| text.find(&format!("'{needle}'")))
        .or_else(|| text.find(needle))
        .map_or(1, |offset| line_of(text, offset))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PYPROJECT: &str = r#"
[project]
name = "demo-app"
dependencies = [
    "requests>=2",
    "rich; python_version >= '3.8'",
]

[project.optional-dependencies]
web = ["flask"]
db = ["sqlalchemy<3"]

[dependency-groups]
test = ["pytest", {include-group = "lint"}]
lint = ["ruff"]
loop-a = [{include-group = "loop-b"}]
loop-b = [{include-group = "loop-a"}]
"#;

    fn names(project: &PyProject) -> Vec<String> {
        project
            .requirements
            .iter()
            .map(|entry| entry.requirement.name.to_string())
            .collect()
    }

    fn parse(selection: &PyProjectSelection) -> Result<PyProject, FormatError> {
        PyProject::parse(Path::new("pyproject.toml"), PYPROJECT, selection)
    }

    #[test]
    fn dependencies_extras_and_groups() {
        let base = parse(&PyProjectSelection::default()).expect("valid");
        assert_eq!(names(&base), ["requests", "rich"]);
        assert_eq!(base.requirements[1].location.line, 6);
        assert_eq!(base.name.as_deref(), Some("demo-app"));
        let web = parse(&PyProjectSelection {
            extras: vec!["Web".into()],
            ..PyProjectSelection::default()
        })
        .expect("valid");
        assert_eq!(names(&web), ["requests", "rich", "flask"]);
        let all = parse(&PyProjectSelection {
            all_extras: true,
            groups: vec!["test".into()],
            ..PyProjectSelection::default()
        })
        .expect("valid");
        assert_eq!(
            names(&all),
            ["requests", "rich", "sqlalchemy", "flask", "pytest", "ruff"]
        );
    }

    #[test]
    fn clear_errors() {
        let error = parse(&PyProjectSelection {
            extras: vec!["nope".into()],
            ..PyProjectSelection::default()
        })
        .expect_err("unknown extra");
        assert!(
            error
                .to_string()
                .contains("no extra `nope` in [project.optional-dependencies] (it has: db, web)"),
            "{error}"
        );
        let error = parse(&PyProjectSelection {
            groups: vec!["loop-a".into()],
            ..PyProjectSelection::default()
        })
        .expect_err("cycle");
        assert!(
            error.to_string().contains("loop-a -> loop-b -> loop-a"),
            "{error}"
        );
        let dynamic = "[project]\nname = \"x\"\ndynamic = [\"dependencies\"]\n";
        let read = PyProject::parse(
            Path::new("pyproject.toml"),
            dynamic,
            &PyProjectSelection::default(),
        )
        .expect("dynamic");
        assert!(read.needs_build && read.requirements.is_empty(), "{read:?}");
        let error = PyProject::parse(
            Path::new("pyproject.toml"),
            "[project\n",
            &PyProjectSelection::default(),
        )
        .expect_err("toml");
        assert!(
            error
                .to_string()
                .starts_with("pyproject.toml:1: invalid TOML"),
            "{error}"
        );
    }
}

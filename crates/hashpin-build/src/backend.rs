//! What a source tree asks to be built with: its `[build-system]` table (PEP 517, PEP 518).

use std::path::{Component, Path};

use hashpin_pypi::{Requirement, parse_requirement};
use serde::Deserialize;

/// How to build one source tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BuildSystem {
    /// `requires`: what the build environment needs before the backend is imported.
    pub(crate) requires: Vec<Requirement>,
    /// `build-backend`, as `module` or `module:object`.
    pub(crate) backend: String,
    /// `backend-path`: directories of the tree put first on `sys.path`.
    pub(crate) backend_path: Vec<String>,
}

#[derive(Deserialize)]
struct PyProject {
    #[serde(rename = "build-system")]
    build_system: Option<Table>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Table {
    requires: Option<Vec<String>>,
    build_backend: Option<String>,
    #[serde(default)]
    backend_path: Vec<String>,
}

/// What pip and uv assume for a tree without `pyproject.toml`, or without `build-backend`:
/// setuptools' legacy backend, which runs `setup.py`.
const LEGACY_BACKEND: &str = "setuptools.build_meta:__legacy__";
const LEGACY_REQUIRES: &str = "setuptools>=40.8.0";

impl BuildSystem {
    /// The build system of the tree whose `pyproject.toml` holds `text` (`None`: there is
    /// none).
    pub(crate) fn read(text: Option<&str>) -> Result<Self, String> {
        let table = match text {
            None => None,
            Some(text) => {
                let pyproject: PyProject = toml::from_str(text)
                    .map_err(|error| format!("pyproject.toml is invalid: {}", error.message()))?;
                pyproject.build_system
            }
        };
        let Some(table) = table else {
            return Ok(Self::legacy());
        };
        // PEP 518: a table without `requires` is an error; pip treats it so.
        let requires = table
            .requires
            .ok_or("pyproject.toml's [build-system] has no `requires`")?;
        let requires = requires
            .iter()
            .map(|text| {
                parse_requirement(text).map_err(|error| {
                    format!(
                        "[build-system] requires `{}`, which is invalid: {error}",
                        hashpin_pypi::untrusted::excerpt(text, 200)
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let Some(backend) = table.build_backend else {
            // PEP 517: requires alone means the legacy setuptools backend.
            return Ok(Self {
                requires,
                backend: LEGACY_BACKEND.into(),
                backend_path: Vec::new(),
            });
        };
        if !is_backend_name(&backend) {
            return Err(format!(
                "[build-system] build-backend `{}` is not a module path",
                hashpin_pypi::untrusted::excerpt(&backend, 200)
            ));
        }
        for entry in &table.backend_path {
            if !stays_inside(entry) {
                return Err(format!(
                    "[build-system] backend-path `{}` leaves the source tree",
                    hashpin_pypi::untrusted::excerpt(entry, 200)
                ));
            }
        }
        Ok(Self {
            requires,
            backend,
            backend_path: table.backend_path,
        })
    }

    fn legacy() -> Self {
        Self {
            requires: vec![parse_requirement(LEGACY_REQUIRES).expect("a valid requirement")],
            backend: LEGACY_BACKEND.into(),
            backend_path: Vec::new(),
        }
    }
}

/// `module.sub` or `module.sub:object.attr`, each part an identifier.
fn is_backend_name(text: &str) -> bool {
    let (module, object) = text.split_once(':').unwrap_or((text, ""));
    let dotted = |part: &str| {
        part.split('.').all(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
    };
    dotted(module) && (object.is_empty() || dotted(object))
}

/// PEP 517: backend-path entries are relative to the tree and must stay inside it.
fn stays_inside(entry: &str) -> bool {
    let mut depth: i32 = 0;
    for component in Path::new(entry).components() {
        match component {
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
            Component::ParentDir => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            Component::RootDir | Component::Prefix(_) => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_pyproject_or_backend_the_legacy_setuptools_backend_builds() {
        let none = BuildSystem::read(None).expect("legacy");
        assert_eq!(none.backend, LEGACY_BACKEND);
        assert_eq!(none.requires[0].to_string(), "setuptools>=40.8.0");
        let requires_only = BuildSystem::read(Some(
            "[build-system]\nrequires = [\"setuptools\", \"wheel\"]\n",
        ))
        .expect("requires only");
        assert_eq!(requires_only.backend, LEGACY_BACKEND);
        assert_eq!(requires_only.requires.len(), 2);
        let no_table = BuildSystem::read(Some("[project]\nname = \"x\"\n")).expect("no table");
        assert_eq!(no_table, BuildSystem::legacy());
    }

    #[test]
    fn a_declared_backend_and_its_path_are_read_and_checked() {
        let system = BuildSystem::read(Some(
            "[build-system]\nrequires = []\nbuild-backend = \"backend:api\"\nbackend-path = [\"_build\", \".\"]\n",
        ))
        .expect("valid");
        assert_eq!(system.backend, "backend:api");
        assert_eq!(system.backend_path, ["_build", "."]);
        for bad in [
            "[build-system]\nbuild-backend = \"x\"\n",
            "[build-system]\nrequires = []\nbuild-backend = \"os; import evil\"\n",
            "[build-system]\nrequires = []\nbuild-backend = \"x\"\nbackend-path = [\"../..\"]\n",
            "[build-system]\nrequires = []\nbuild-backend = \"x\"\nbackend-path = [\"/abs\"]\n",
            "[build-system]\nrequires = [\"not a requirement!\"]\n",
        ] {
            assert!(BuildSystem::read(Some(bad)).is_err(), "{bad}");
        }
    }
}

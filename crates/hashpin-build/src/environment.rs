//! The isolated build environment: a fresh virtual environment (no system site-packages)
//! holding exactly the wheels hashpin resolved for the build, each checked against its hash
//! before it is unpacked into the environment.

use std::path::{Path, PathBuf};

use crate::error::BuildError;
use crate::unpack::{UnpackLimits, unzip};

/// A virtual environment made for one build.
#[derive(Debug, Clone)]
pub(crate) struct BuildEnvironment {
    root: PathBuf,
    /// Its interpreter.
    pub(crate) python: PathBuf,
    /// Its `purelib` directory, where wheels go.
    site_packages: PathBuf,
}

impl BuildEnvironment {
    /// Creates a virtual environment at `root` from `base` (`python -m venv --without-pip`).
    pub(crate) async fn create(base: &Path, root: &Path) -> Result<Self, BuildError> {
        let output = crate::running::output(
            tokio::process::Command::new(base)
                .args(["-I", "-m", "venv", "--without-pip", "--clear"])
                .arg(root)
                .stdin(std::process::Stdio::null()),
        )
        .await
        .map_err(|source| BuildError::Spawn {
            python: base.to_path_buf(),
            source,
        })?;
        if !output.status.success() {
            return Err(BuildError::Environment(format!(
                "`{} -m venv` failed: {}",
                base.display(),
                hashpin_pypi::untrusted::excerpt(&String::from_utf8_lossy(&output.stderr), 500)
            )));
        }
        let python = if cfg!(windows) {
            root.join("Scripts").join("python.exe")
        } else {
            root.join("bin").join("python")
        };
        let output = crate::running::output(
            tokio::process::Command::new(&python)
                .args([
                    "-I",
                    "-c",
                    "import sysconfig; print(sysconfig.get_path('purelib'))",
                ])
                .stdin(std::process::Stdio::null()),
        )
        .await
        .map_err(|source| BuildError::Spawn {
            python: python.clone(),
            source,
        })?;
        let site_packages = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
        if !output.status.success() || !site_packages.starts_with(root) {
            return Err(BuildError::Environment(format!(
                "the new environment's site-packages is not inside it ({})",
                site_packages.display()
            )));
        }
        Ok(Self {
            root: root.to_path_buf(),
            python,
            site_packages,
        })
    }

    fn scripts(&self) -> PathBuf {
        self.root
            .join(if cfg!(windows) { "Scripts" } else { "bin" })
    }

    /// Installs the verified wheel at `wheel` (of project `dist_name`, as its filename spells
    /// it): purelib and platlib into site-packages, scripts and console entry points into the
    /// environment's scripts directory. Headers and data files are left out; a build reads
    /// none of them.
    pub(crate) fn install_wheel(
        &self,
        wheel: &Path,
        dist_prefix: &str,
        limits: UnpackLimits,
    ) -> Result<(), BuildError> {
        let file = std::fs::File::open(wheel)?;
        let data = format!("{dist_prefix}.data/");
        let mut scripts = Vec::new();
        let mut entry_points = None;
        unzip(file, &self.site_packages, limits, |name| {
            if let Some(rest) = name.strip_prefix(&data) {
                if let Some(inner) = rest
                    .strip_prefix("purelib/")
                    .or_else(|| rest.strip_prefix("platlib/"))
                {
                    return Some(inner.to_string());
                }
                if let Some(script) = rest.strip_prefix("scripts/") {
                    scripts.push(script.to_string());
                    return Some(format!("{data}scripts/{script}"));
                }
                return None;
            }
            if name.ends_with(".dist-info/entry_points.txt")
                && !name[..name.len() - 17].contains('/')
            {
                entry_points = Some(name.to_string());
            }
            Some(name.to_string())
        })
        .map_err(|error| BuildError::Install {
            filename: file_name(wheel),
            source: Box::new(error),
        })?;
        std::fs::create_dir_all(self.scripts())?;
        for script in scripts {
            if script.contains('/') {
                continue;
            }
            let from = self.site_packages.join(&data).join("scripts").join(&script);
            let contents = std::fs::read(&from)?;
            // `#!python` is the wheel's placeholder for the installing interpreter.
            let contents = match contents.strip_prefix(b"#!python") {
                Some(rest) => [format!("#!{}", self.python.display()).as_bytes(), rest].concat(),
                None => contents,
            };
            write_script(&self.scripts().join(&script), &contents)?;
        }
        let _ = std::fs::remove_dir_all(self.site_packages.join(&data));
        if let Some(entry_points) = entry_points {
            let text = std::fs::read_to_string(self.site_packages.join(entry_points))?;
            for (name, module, function) in console_scripts(&text) {
                let launcher = format!(
                    "#!{}\nimport sys\nfrom {module} import {head}\nsys.exit({function}())\n",
                    self.python.display(),
                    head = function.split('.').next().unwrap_or(&function),
                );
                write_script(&self.scripts().join(name), launcher.as_bytes())?;
            }
        }
        Ok(())
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn write_script(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, contents)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))?;
    }
    Ok(())
}

/// `[console_scripts]` entries of an `entry_points.txt`: (command, module, function), each
/// checked to be a plain name, dotted module path and dotted attribute.
fn console_scripts(text: &str) -> Vec<(String, String, String)> {
    let identifier = |text: &str| {
        !text.is_empty()
            && text.split('.').all(|word| {
                let mut chars = word.chars();
                chars
                    .next()
                    .is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
                    && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
            })
    };
    let command = |text: &str| {
        !text.is_empty()
            && !text.starts_with('.')
            && text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    let mut section = "";
    let mut found = Vec::new();
    for line in text.lines().map(str::trim) {
        if let Some(name) = line
            .strip_prefix('[')
            .and_then(|rest| rest.strip_suffix(']'))
        {
            section = name.trim();
            continue;
        }
        if section != "console_scripts" {
            continue;
        }
        let Some((name, target)) = line.split_once('=') else {
            continue;
        };
        let target = target.split('[').next().unwrap_or("").trim();
        let Some((module, function)) = target.split_once(':') else {
            continue;
        };
        let (name, module, function) = (name.trim(), module.trim(), function.trim());
        if command(name) && identifier(module) && identifier(function) {
            found.push((name.to_string(), module.to_string(), function.to_string()));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn console_scripts_are_read_and_odd_ones_refused() {
        let text = "[console_scripts]\ncython = Cython.Compiler.Main:setuptools_main\nbad name = x:y\nevil = os; import x:y\n[gui_scripts]\ngui = a:b\n";
        assert_eq!(
            console_scripts(text),
            [(
                "cython".to_string(),
                "Cython.Compiler.Main".to_string(),
                "setuptools_main".to_string()
            )]
        );
    }
}

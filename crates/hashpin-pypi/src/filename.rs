//! Wheel and sdist filenames: the name, version and tags a file promises before it is opened.
//!
//! Wheels follow the binary distribution format spec
//! (`{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl`). Sdists are
//! `{name}-{version}.{ext}` with the extensions pip accepts; legacy sdists keep dashes in the
//! name, so the project's name (known from the page the file came from) splits them.

use std::fmt;
use std::str::FromStr;

use pep440_rs::Version;
use pep508_rs::PackageName;

use crate::untrusted::for_terminal;

/// The archive format of an sdist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SdistFormat {
    /// `.tar.gz` (the only format PEP 625 allows for new uploads) and `.tgz`.
    TarGz,
    /// `.tar.bz2`.
    TarBz2,
    /// `.tar.xz`.
    TarXz,
    /// `.tar`.
    Tar,
    /// `.zip`, common in old uploads.
    Zip,
}

impl SdistFormat {
    const EXTENSIONS: [(&'static str, Self); 6] = [
        (".tar.gz", Self::TarGz),
        (".tgz", Self::TarGz),
        (".tar.bz2", Self::TarBz2),
        (".tar.xz", Self::TarXz),
        (".tar", Self::Tar),
        (".zip", Self::Zip),
    ];

    fn split(filename: &str) -> Option<(&str, Self)> {
        let lower = filename.to_ascii_lowercase();
        Self::EXTENSIONS.iter().find_map(|(extension, format)| {
            lower
                .ends_with(extension)
                .then(|| (&filename[..filename.len() - extension.len()], *format))
        })
    }
}

/// A parsed wheel filename.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WheelFilename {
    /// The distribution name, normalized.
    pub name: PackageName,
    /// The version.
    pub version: Version,
    /// The optional build tag, which orders otherwise equal wheels.
    pub build: Option<String>,
    /// Python tags (`py3`, `cp312`), expanded from the compressed `a.b` form.
    pub python_tags: Vec<String>,
    /// ABI tags (`none`, `abi3`, `cp312`).
    pub abi_tags: Vec<String>,
    /// Platform tags (`any`, `manylinux_2_17_x86_64`, …).
    pub platform_tags: Vec<String>,
}

impl WheelFilename {
    /// Whether the wheel installs on any platform (`…-any.whl`).
    pub fn is_universal(&self) -> bool {
        self.platform_tags.iter().all(|tag| tag == "any")
    }
}

/// A parsed sdist filename.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SdistFilename {
    /// The distribution name, normalized.
    pub name: PackageName,
    /// The version.
    pub version: Version,
    /// The archive format.
    pub format: SdistFormat,
}

/// The filename of one distribution file: a wheel or an sdist.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DistFilename {
    /// A built distribution.
    Wheel(WheelFilename),
    /// A source distribution.
    Sdist(SdistFilename),
}

/// Why a filename is not a wheel or sdist of the expected project.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FilenameError {
    /// Neither a `.whl` nor an sdist extension (e.g. `.egg`, `.exe`).
    #[error("`{}` is not a wheel or an sdist", for_terminal(.0))]
    UnknownExtension(String),
    /// A character no wheel or sdist name has: a control character, a space, a path
    /// separator, anything beyond ASCII.
    #[error("`{}` has characters no distribution filename has", for_terminal(.0))]
    UnsafeCharacter(String),
    /// The parts between dashes do not form a wheel name.
    #[error("`{}` is not a valid wheel filename", for_terminal(.0))]
    InvalidWheel(String),
    /// No `name-version` split of the stem gives a valid name and version.
    #[error("`{}` has no valid name and version", for_terminal(.0))]
    InvalidSdist(String),
    /// The file names a different project than the page it was listed on.
    #[error("`{}` does not belong to project `{expected}`", for_terminal(filename))]
    OtherProject {
        /// The filename.
        filename: String,
        /// The project whose page listed it.
        expected: PackageName,
    },
}

impl DistFilename {
    /// Parses `filename`. With `project`, the file must belong to that project (and legacy sdist
    /// names with dashes split on its name).
    pub fn parse(filename: &str, project: Option<&PackageName>) -> Result<Self, FilenameError> {
        // Names, versions (with local and epoch parts), tags and extensions use only these; a
        // filename is shown and written into locks, so nothing else is let through.
        if !filename.bytes().all(|byte| {
            byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'_' | b'-' | b'+' | b'!')
        }) {
            return Err(FilenameError::UnsafeCharacter(filename.to_string()));
        }
        let parsed = if let Some(stem) = strip_suffix_ignore_case(filename, ".whl") {
            Self::Wheel(parse_wheel(filename, stem)?)
        } else if let Some((stem, format)) = SdistFormat::split(filename) {
            Self::Sdist(parse_sdist(filename, stem, format, project)?)
        } else {
            return Err(FilenameError::UnknownExtension(filename.to_string()));
        };
        if let Some(expected) = project
            && parsed.name() != expected
        {
            return Err(FilenameError::OtherProject {
                filename: filename.to_string(),
                expected: expected.clone(),
            });
        }
        Ok(parsed)
    }

    /// The normalized project name.
    pub fn name(&self) -> &PackageName {
        match self {
            Self::Wheel(wheel) => &wheel.name,
            Self::Sdist(sdist) => &sdist.name,
        }
    }

    /// The version.
    pub fn version(&self) -> &Version {
        match self {
            Self::Wheel(wheel) => &wheel.version,
            Self::Sdist(sdist) => &sdist.version,
        }
    }

    /// Whether this is a wheel.
    pub fn is_wheel(&self) -> bool {
        matches!(self, Self::Wheel(_))
    }
}

fn strip_suffix_ignore_case<'a>(text: &'a str, suffix: &str) -> Option<&'a str> {
    let split = text.len().checked_sub(suffix.len())?;
    (text.is_char_boundary(split) && text[split..].eq_ignore_ascii_case(suffix))
        .then(|| &text[..split])
}

fn parse_wheel(filename: &str, stem: &str) -> Result<WheelFilename, FilenameError> {
    let invalid = || FilenameError::InvalidWheel(filename.to_string());
    let parts: Vec<&str> = stem.split('-').collect();
    let (name, version, build, tags) = match parts.as_slice() {
        [name, version, python, abi, platform] => (name, version, None, [python, abi, platform]),
        [name, version, build, python, abi, platform] => {
            // The build tag must start with a digit (binary distribution format spec).
            if !build.starts_with(|c: char| c.is_ascii_digit()) {
                return Err(invalid());
            }
            (
                name,
                version,
                Some((*build).to_string()),
                [python, abi, platform],
            )
        }
        _ => return Err(invalid()),
    };
    let name = PackageName::from_str(name).map_err(|_| invalid())?;
    let version = Version::from_str(version).map_err(|_| invalid())?;
    let expand = |tag: &str| -> Vec<String> { tag.split('.').map(str::to_string).collect() };
    let [python, abi, platform] = tags;
    if [python, abi, platform].iter().any(|tag| tag.is_empty()) {
        return Err(invalid());
    }
    Ok(WheelFilename {
        name,
        version,
        build,
        python_tags: expand(python),
        abi_tags: expand(abi),
        platform_tags: expand(platform),
    })
}

fn parse_sdist(
    filename: &str,
    stem: &str,
    format: SdistFormat,
    project: Option<&PackageName>,
) -> Result<SdistFilename, FilenameError> {
    // Try every dash as the name/version boundary, left to right; with a known project, the
    // split whose name normalizes to it wins, otherwise the first that parses.
    let mut first_valid = None;
    for (index, _) in stem.match_indices('-') {
        let (name, version) = (&stem[..index], &stem[index + 1..]);
        let (Ok(name), Ok(version)) = (PackageName::from_str(name), Version::from_str(version))
        else {
            continue;
        };
        let candidate = SdistFilename {
            name,
            version,
            format,
        };
        match project {
            Some(expected) if &candidate.name == expected => return Ok(candidate),
            Some(_) => {
                first_valid.get_or_insert(candidate);
            }
            None => return Ok(candidate),
        }
    }
    first_valid.ok_or_else(|| FilenameError::InvalidSdist(filename.to_string()))
}

impl fmt::Display for DistFilename {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.name(), self.version())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(text: &str) -> PackageName {
        PackageName::from_str(text).expect("valid name")
    }

    #[test]
    fn parses_wheel_with_compressed_tags() {
        let DistFilename::Wheel(wheel) = DistFilename::parse(
            "numpy-2.1.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
            Some(&name("NumPy")),
        )
        .expect("parses") else {
            panic!("not a wheel")
        };
        assert_eq!(wheel.version.to_string(), "2.1.0");
        assert_eq!(
            wheel.platform_tags,
            ["manylinux_2_17_x86_64", "manylinux2014_x86_64"]
        );
        assert!(!wheel.is_universal());
    }

    #[test]
    fn parses_wheel_build_tag() {
        let DistFilename::Wheel(wheel) =
            DistFilename::parse("foo-1.0-1abc-py3-none-any.whl", None).expect("parses")
        else {
            panic!("not a wheel")
        };
        assert_eq!(wheel.build.as_deref(), Some("1abc"));
        assert!(DistFilename::parse("foo-1.0-abc-py3-none-any.whl", None).is_err());
    }

    #[test]
    fn rejects_malformed_wheels_and_other_formats() {
        assert!(DistFilename::parse("foo-1.0-py3-none.whl", None).is_err());
        assert!(DistFilename::parse("foo-1.0.egg", None).is_err());
        assert!(DistFilename::parse("foo-1.0.win32.exe", None).is_err());
        assert!(DistFilename::parse("foo-notaversion-py3-none-any.whl", None).is_err());
    }

    #[test]
    fn splits_legacy_sdist_names_on_the_project() {
        let parsed = DistFilename::parse(
            "zope.interface-tests-1.0.tar.gz",
            Some(&name("zope-interface-tests")),
        )
        .expect("parses");
        assert_eq!(parsed.version().to_string(), "1.0");
        let parsed =
            DistFilename::parse("Foo_Bar-2.0rc1.zip", Some(&name("foo-bar"))).expect("parses");
        assert_eq!(parsed.version().to_string(), "2.0rc1");
    }

    #[test]
    fn rejects_files_of_another_project() {
        let error = DistFilename::parse("other-1.0.tar.gz", Some(&name("foo"))).unwrap_err();
        assert!(matches!(error, FilenameError::OtherProject { .. }));
    }
}

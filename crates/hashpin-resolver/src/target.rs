//! Building a [`TargetEnvironment`]: from what an interpreter says about itself, or from a
//! Python version and a platform named on the command line.
//!
//! Wheel tags are generated here, in the order `packaging.tags.sys_tags()` yields them for
//! CPython (interpreter ABI, `abi3`, `none`, older `abi3`, then the pure-Python tags), from the
//! platform tags of the target: `manylinux_2_N` down to the oldest glibc the architecture
//! supports (with the legacy `manylinux2014`/`2010`/`1` aliases), `macosx_N_M` down to 10.4
//! (11.0 for arm64), `win_*`.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use hashpin_pypi::{InterpreterInfo, Version};
use pep508_rs::{MarkerEnvironment, MarkerEnvironmentBuilder};

use crate::environment::{Tags, TargetEnvironment};

/// Why a target could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    /// A `--python-platform` value hashpin does not know.
    #[error(
        "unknown platform `{0}`; use `linux`, `macos`, `windows`, or one such as `x86_64-manylinux_2_28`, `aarch64-manylinux_2_17`, `x86_64-musllinux_1_2`, `aarch64-apple-darwin`, `arm64-macos_14_0`, `x86_64-pc-windows-msvc`"
    )]
    UnknownPlatform(String),
    /// A macOS deployment target that is not `MAJOR` or `MAJOR.MINOR`.
    #[error("`{0}` is not a macOS version such as `14.0` or `10.15`")]
    InvalidMacosVersion(String),
    /// A `--python-version` that is not `3.X` or `3.X.Y`.
    #[error("`{0}` is not a Python version such as `3.12` or `3.12.4`")]
    InvalidPythonVersion(String),
    /// The interpreter's answers do not describe a usable target.
    #[error("the interpreter reported an unusable {0}")]
    Interpreter(String),
}

/// An operating system with the version its wheel tags depend on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Os {
    /// glibc Linux, with its glibc version.
    Manylinux {
        /// glibc major version (2).
        major: u16,
        /// glibc minor version.
        minor: u16,
    },
    /// musl Linux, with its musl version.
    Musllinux {
        /// musl major version.
        major: u16,
        /// musl minor version.
        minor: u16,
    },
    /// Linux with an unknown libc: only `linux_<arch>` wheels.
    Linux,
    /// macOS, with its version.
    Macos {
        /// Major version (e.g. 14).
        major: u16,
        /// Minor version.
        minor: u16,
    },
    /// Windows.
    Windows,
}

/// A target platform: an operating system and an architecture (as `platform.machine()` names
/// it on Linux: `x86_64`, `aarch64`, `i686`, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Platform {
    /// The operating system.
    pub os: Os,
    /// The architecture.
    pub arch: String,
}

impl FromStr for Platform {
    type Err = TargetError;

    /// Reads uv's `--python-platform` names: `linux` (x86-64, glibc 2.28), `macos` (arm64),
    /// `windows` (x86-64), target triples, and `ARCH-manylinux_2_N` (or the legacy
    /// `ARCH-manylinux2014`, `-manylinux2010`, `-manylinux1`) / `ARCH-musllinux_1_N` /
    /// `ARCH-macos_M_N`. macOS targets without a version are 13.0 (uv's default, the oldest
    /// macOS still supported; see [`Platform::with_macos_version`] for
    /// `MACOSX_DEPLOYMENT_TARGET`).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let unknown = || TargetError::UnknownPlatform(text.to_string());
        let platform = |os, arch: &str| Self {
            os,
            arch: arch.to_string(),
        };
        let glibc_2_28 = Os::Manylinux {
            major: 2,
            minor: 28,
        };
        let musl_1_2 = Os::Musllinux { major: 1, minor: 2 };
        let macos_13 = Os::Macos {
            major: 13,
            minor: 0,
        };
        Ok(match text {
            "linux" | "x86_64-unknown-linux-gnu" => platform(glibc_2_28, "x86_64"),
            "aarch64-unknown-linux-gnu" => platform(glibc_2_28, "aarch64"),
            "x86_64-unknown-linux-musl" => platform(musl_1_2, "x86_64"),
            "aarch64-unknown-linux-musl" => platform(musl_1_2, "aarch64"),
            "macos" | "aarch64-apple-darwin" => platform(macos_13, "arm64"),
            "x86_64-apple-darwin" => platform(macos_13, "x86_64"),
            "windows" | "x86_64-pc-windows-msvc" => platform(Os::Windows, "x86_64"),
            "i686-pc-windows-msvc" => platform(Os::Windows, "i686"),
            "aarch64-pc-windows-msvc" => platform(Os::Windows, "aarch64"),
            _ => {
                let (arch, libc) = text.split_once('-').ok_or_else(unknown)?;
                let version = |rest: &str| -> Option<(u16, u16)> {
                    let (major, minor) = rest.split_once('_')?;
                    Some((major.parse().ok()?, minor.parse().ok()?))
                };
                // PEP 600's names for the legacy manylinux tags, as uv accepts them.
                let legacy = match libc {
                    "manylinux1" => Some((2, 5)),
                    "manylinux2010" => Some((2, 12)),
                    "manylinux2014" => Some((2, 17)),
                    _ => None,
                };
                if let Some((major, minor)) = legacy {
                    platform(Os::Manylinux { major, minor }, arch)
                } else if let Some((major, minor)) =
                    libc.strip_prefix("manylinux_").and_then(version)
                {
                    platform(Os::Manylinux { major, minor }, arch)
                } else if let Some((major, minor)) =
                    libc.strip_prefix("musllinux_").and_then(version)
                {
                    platform(Os::Musllinux { major, minor }, arch)
                } else if let Some((major, minor)) = libc.strip_prefix("macos_").and_then(version) {
                    let arch = match arch {
                        "aarch64" | "arm64" => "arm64",
                        "x86_64" => "x86_64",
                        _ => return Err(unknown()),
                    };
                    platform(Os::Macos { major, minor }, arch)
                } else {
                    return Err(unknown());
                }
            }
        })
    }
}

impl Platform {
    /// The same platform for macOS `version` (`MAJOR` or `MAJOR.MINOR`, as
    /// `MACOSX_DEPLOYMENT_TARGET` gives it); other platforms are left as they are.
    pub fn with_macos_version(mut self, version: &str) -> Result<Self, TargetError> {
        if let Os::Macos { major, minor } = &mut self.os {
            let invalid = || TargetError::InvalidMacosVersion(version.to_string());
            let (first, second) = version
                .trim()
                .split_once('.')
                .unwrap_or((version.trim(), "0"));
            *major = first.parse().map_err(|_| invalid())?;
            *minor = second.parse().map_err(|_| invalid())?;
            if *major < 10 {
                return Err(invalid());
            }
        }
        Ok(self)
    }

    /// Whether this is a macOS target.
    pub fn is_macos(&self) -> bool {
        matches!(self.os, Os::Macos { .. })
    }

    /// Platform tags, most specific first.
    pub fn tags(&self) -> Vec<String> {
        let arch = self.arch.as_str();
        match self.os {
            Os::Manylinux { major, minor } => {
                let mut tags = Vec::new();
                // x86-64 and i686 wheels go back to glibc 2.5 (manylinux1); newer
                // architectures started at 2.17 (manylinux2014).
                let oldest = if matches!(arch, "x86_64" | "i686") {
                    5
                } else {
                    17
                };
                if major == 2 {
                    for glibc in (oldest..=minor).rev() {
                        tags.push(format!("manylinux_2_{glibc}_{arch}"));
                        let legacy = match glibc {
                            17 if matches!(
                                arch,
                                "x86_64"
                                    | "i686"
                                    | "aarch64"
                                    | "armv7l"
                                    | "ppc64"
                                    | "ppc64le"
                                    | "s390x"
                            ) =>
                            {
                                Some("manylinux2014")
                            }
                            12 if matches!(arch, "x86_64" | "i686") => Some("manylinux2010"),
                            5 if matches!(arch, "x86_64" | "i686") => Some("manylinux1"),
                            _ => None,
                        };
                        tags.extend(legacy.map(|legacy| format!("{legacy}_{arch}")));
                    }
                }
                tags.push(format!("linux_{arch}"));
                tags
            }
            Os::Musllinux { major, minor } => {
                let mut tags: Vec<String> = (0..=minor)
                    .rev()
                    .map(|minor| format!("musllinux_{major}_{minor}_{arch}"))
                    .collect();
                tags.push(format!("linux_{arch}"));
                tags
            }
            Os::Linux => vec![format!("linux_{arch}")],
            Os::Macos { major, minor } => macos_tags(major, minor, arch),
            Os::Windows => vec![
                match arch {
                    "x86_64" | "amd64" | "AMD64" => "win_amd64",
                    "aarch64" | "arm64" | "ARM64" => "win_arm64",
                    _ => "win32",
                }
                .to_string(),
            ],
        }
    }

    /// The marker values that follow from the platform: `os_name`, `platform_machine`,
    /// `platform_system`, `sys_platform`.
    fn marker_values(&self) -> [(&'static str, String); 4] {
        let (os_name, system, sys_platform, machine) = match self.os {
            Os::Manylinux { .. } | Os::Musllinux { .. } | Os::Linux => {
                ("posix", "Linux", "linux", self.arch.clone())
            }
            Os::Macos { .. } => ("posix", "Darwin", "darwin", self.arch.clone()),
            Os::Windows => (
                "nt",
                "Windows",
                "win32",
                match self.arch.as_str() {
                    "x86_64" => "AMD64".to_string(),
                    "aarch64" => "ARM64".to_string(),
                    _ => "x86".to_string(),
                },
            ),
        };
        [
            ("os_name", os_name.to_string()),
            ("platform_machine", machine),
            ("platform_system", system.to_string()),
            ("sys_platform", sys_platform.to_string()),
        ]
    }

    /// The platform of an interpreter, from `sysconfig.get_platform()` and its libc or macOS
    /// version.
    fn of_interpreter(info: &InterpreterInfo) -> Result<Self, TargetError> {
        let invalid = || TargetError::Interpreter(format!("platform `{}`", info.platform));
        let two = |text: &str| -> Option<(u16, u16)> {
            let mut parts = text.split('.');
            Some((
                parts.next()?.parse().ok()?,
                parts.next().unwrap_or("0").parse().ok()?,
            ))
        };
        let platform = info.platform.as_str();
        if let Some(arch) = platform.strip_prefix("linux-") {
            let os = match info.glibc.as_deref().and_then(two) {
                Some((major, minor)) => Os::Manylinux { major, minor },
                None => Os::Linux,
            };
            return Ok(Self {
                os,
                arch: arch.to_string(),
            });
        }
        if let Some(rest) = platform.strip_prefix("macosx-") {
            let arch = rest.rsplit('-').next().ok_or_else(invalid)?;
            let (major, minor) = info.macos.as_deref().and_then(two).ok_or_else(invalid)?;
            return Ok(Self {
                os: Os::Macos { major, minor },
                arch: arch.to_string(),
            });
        }
        let arch = match platform {
            "win-amd64" => "x86_64",
            "win-arm64" => "aarch64",
            "win32" => "i686",
            _ => return Err(invalid()),
        };
        Ok(Self {
            os: Os::Windows,
            arch: arch.to_string(),
        })
    }
}

fn macos_tags(major: u16, minor: u16, arch: &str) -> Vec<String> {
    let formats: &[&str] = match arch {
        "x86_64" => &[
            "x86_64",
            "intel",
            "fat64",
            "fat32",
            "universal2",
            "universal",
        ],
        "arm64" => &["arm64", "universal2"],
        other => return vec![format!("macosx_{major}_{minor}_{other}")],
    };
    let mut versions = Vec::new();
    if major >= 11 {
        versions.extend((11..=major).rev().map(|major| (major, 0)));
        if arch == "x86_64" {
            versions.extend((4..=16).rev().map(|minor| (10, minor)));
        }
    } else {
        versions.extend((4..=minor).rev().map(|minor| (10, minor)));
    }
    let mut tags = Vec::new();
    for (major, minor) in versions {
        for format in formats {
            tags.push(format!("macosx_{major}_{minor}_{format}"));
        }
    }
    if arch == "arm64" && major >= 11 {
        // No arm64 binaries predate 11.0, but `universal2` ones (which hold arm64 code) do.
        tags.extend(
            (4..=16)
                .rev()
                .map(|minor| format!("macosx_10_{minor}_universal2")),
        );
    }
    tags
}

/// CPython's wheel tags for `python` (major, minor) on `platforms`, in `sys_tags()` order.
fn cpython_tags(
    major: u64,
    minor: u64,
    free_threaded: bool,
    platforms: &[String],
) -> Vec<(String, String, String)> {
    let interpreter = format!("cp{major}{minor}");
    let abi = format!("{interpreter}{}", if free_threaded { "t" } else { "" });
    let mut tags = Vec::new();
    let mut push = |python: &str, abi: &str, platform: &str| {
        tags.push((python.to_string(), abi.to_string(), platform.to_string()));
    };
    for platform in platforms {
        push(&interpreter, &abi, platform);
    }
    // The stable ABI does not apply to free-threaded builds (PEP 703).
    let abi3 = !free_threaded && (major, minor) >= (3, 2);
    if abi3 {
        for platform in platforms {
            push(&interpreter, "abi3", platform);
        }
    }
    for platform in platforms {
        push(&interpreter, "none", platform);
    }
    if abi3 {
        for older in (2..minor).rev() {
            for platform in platforms {
                push(&format!("cp{major}{older}"), "abi3", platform);
            }
        }
    }
    let pythons: Vec<String> = std::iter::once(format!("py{major}{minor}"))
        .chain(std::iter::once(format!("py{major}")))
        .chain((0..minor).rev().map(|older| format!("py{major}{older}")))
        .collect();
    for python in &pythons {
        for platform in platforms {
            push(python, "none", platform);
        }
    }
    push(&interpreter, "none", "any");
    for python in &pythons {
        push(python, "none", "any");
    }
    tags
}

/// `3.12` (meaning 3.12.0, the lowest patch release, so the lock installs on every 3.12.x)
/// or `3.12.4` (exactly that).
pub fn parse_python_version(text: &str) -> Result<Version, TargetError> {
    let invalid = || TargetError::InvalidPythonVersion(text.to_string());
    let version = Version::from_str(text.trim()).map_err(|_| invalid())?;
    let release = version.release();
    if version.is_local()
        || version.epoch() != 0
        || !(2..=3).contains(&release.len())
        || release[0] != 3
    {
        return Err(invalid());
    }
    Ok(if release.len() == 2 {
        Version::new([release[0], release[1], 0])
    } else {
        version
    })
}

impl TargetEnvironment {
    /// The target an interpreter describes: its own marker values, version and platform.
    pub fn from_interpreter(info: &InterpreterInfo) -> Result<Self, TargetError> {
        let platform = Platform::of_interpreter(info)?;
        let python = info
            .markers
            .get("python_full_version")
            .ok_or_else(|| TargetError::Interpreter("answer without python_full_version".into()))?;
        let python_version = Version::from_str(python)
            .map_err(|_| TargetError::Interpreter(format!("Python version `{python}`")))?;
        let cpython = info
            .markers
            .get("implementation_name")
            .is_some_and(|name| name == "cpython");
        Self::build(
            &python_version,
            &platform,
            &info.markers,
            cpython,
            info.free_threaded,
        )
    }

    /// A target for CPython `python_version` on `platform`, with the marker values such an
    /// interpreter would report (those no resolution depends on, like `platform_release`, are
    /// empty).
    pub fn for_platform(
        python_version: &Version,
        platform: &Platform,
    ) -> Result<Self, TargetError> {
        let release = python_version.release();
        let short = format!("{}.{}", release[0], release.get(1).copied().unwrap_or(0));
        let mut markers = BTreeMap::from([
            ("implementation_name".to_string(), "cpython".to_string()),
            (
                "implementation_version".to_string(),
                python_version.to_string(),
            ),
            (
                "platform_python_implementation".to_string(),
                "CPython".to_string(),
            ),
            ("platform_release".to_string(), String::new()),
            ("platform_version".to_string(), String::new()),
            (
                "python_full_version".to_string(),
                python_version.to_string(),
            ),
            ("python_version".to_string(), short),
        ]);
        for (name, value) in platform.marker_values() {
            markers.insert(name.to_string(), value);
        }
        Self::build(python_version, platform, &markers, true, false)
    }

    /// The interpreter's target with another Python version (`--python-version` with an
    /// interpreter at hand): its platform and marker values, the given version.
    pub fn from_interpreter_with_python(
        info: &InterpreterInfo,
        python_version: &Version,
    ) -> Result<Self, TargetError> {
        let platform = Platform::of_interpreter(info)?;
        let release = python_version.release();
        let mut markers = info.markers.clone();
        markers.insert("python_full_version".into(), python_version.to_string());
        markers.insert(
            "python_version".into(),
            format!("{}.{}", release[0], release.get(1).copied().unwrap_or(0)),
        );
        markers.insert("implementation_version".into(), python_version.to_string());
        let cpython = info
            .markers
            .get("implementation_name")
            .is_some_and(|name| name == "cpython");
        Self::build(
            python_version,
            &platform,
            &markers,
            cpython,
            info.free_threaded,
        )
    }

    fn build(
        python_version: &Version,
        platform: &Platform,
        markers: &BTreeMap<String, String>,
        cpython: bool,
        free_threaded: bool,
    ) -> Result<Self, TargetError> {
        let release = python_version.release();
        let (major, minor) = (release[0], release.get(1).copied().unwrap_or(0));
        let platforms = platform.tags();
        let tags = if cpython {
            cpython_tags(major, minor, free_threaded, &platforms)
        } else {
            // Other implementations get the pure-Python tags only (their own ABIs are rare on
            // indexes); their platform-independent wheels and sdists still resolve.
            cpython_tags(major, minor, free_threaded, &platforms)
                .into_iter()
                .filter(|(python, _, _)| python.starts_with("py"))
                .collect()
        };
        Ok(Self {
            markers: marker_environment(markers)?,
            python_version: python_version.clone(),
            tags: Tags::new(tags),
        })
    }
}

fn marker_environment(values: &BTreeMap<String, String>) -> Result<MarkerEnvironment, TargetError> {
    let get = |name: &str| values.get(name).map_or("", String::as_str);
    MarkerEnvironment::try_from(MarkerEnvironmentBuilder {
        implementation_name: get("implementation_name"),
        implementation_version: get("implementation_version"),
        os_name: get("os_name"),
        platform_machine: get("platform_machine"),
        platform_python_implementation: get("platform_python_implementation"),
        platform_release: get("platform_release"),
        platform_system: get("platform_system"),
        platform_version: get("platform_version"),
        python_full_version: get("python_full_version"),
        python_version: get("python_version"),
        sys_platform: get("sys_platform"),
    })
    .map_err(|error| TargetError::Interpreter(format!("marker value: {error}")))
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.os {
            Os::Manylinux { major, minor } => write!(f, "{}-manylinux_{major}_{minor}", self.arch),
            Os::Musllinux { major, minor } => write!(f, "{}-musllinux_{major}_{minor}", self.arch),
            Os::Linux => write!(f, "{}-linux", self.arch),
            Os::Macos { major, minor } => write!(f, "{}-macos_{major}_{minor}", self.arch),
            Os::Windows => write!(f, "{}-windows", self.arch),
        }
    }
}

#[cfg(test)]
mod tests;

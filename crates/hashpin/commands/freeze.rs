//! `hashpin freeze`: the distributions installed in an environment, pinned with the index's
//! hashes.
//!
//! The environment is read from its metadata files ([`crate::installed`]), as `pip freeze`
//! finds it. Every distribution is pinned at its installed version with a hash of every file
//! the index lists for that version, so the lock installs the same versions anywhere they
//! install at all. What the index cannot vouch for (editable, URL, path and VCS installs,
//! versions the index lacks or has yanked) is refused, every offender named at once, because
//! a lock that quietly swapped them for something from the index would not be a freeze.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt;
use std::str::FromStr as _;
use std::time::Instant;

use anyhow::{Context as _, bail};
use hashpin_formats::{Header, Lock, LockedFile, Package};
use hashpin_pypi::{DistFile, IndexClient, PackageName, Project, UntrustedText, Version};
use hashpin_resolver::TargetEnvironment;

use crate::cli::FreezeArgs;
use crate::exit::{ExitStatus, No};
use crate::installed::{DirectKind, Installed, Origin};
use crate::output::display_path;
use crate::printer;
use crate::settings::{IndexSettings, index_options, index_settings};

/// Distributions `pip freeze` never lists: names the standard library once installed metadata
/// for (`pip._internal.metadata.base.stdlib_pkgs`).
const STANDARD_LIBRARY: [&str; 3] = ["python", "wsgiref", "argparse"];

pub(crate) async fn run(args: &FreezeArgs) -> anyhow::Result<ExitStatus> {
    let started = Instant::now();
    let python = &args.index.python;
    let excluded = args
        .exclude
        .iter()
        .map(|text| {
            PackageName::from_str(text).with_context(|| format!("invalid --exclude `{text}`"))
        })
        .collect::<anyhow::Result<HashSet<_>>>()?;
    for path in &args.path {
        if !path.is_dir() {
            bail!("--path {}: not a directory", path.display());
        }
    }
    // The environment first: a missing interpreter is best reported as that, not as the
    // index configuration it could not answer for.
    let directories = if args.path.is_empty() {
        crate::installed::import_directories(python)?
    } else {
        args.path.clone()
    };
    let installed = crate::installed::distributions(&directories)?;
    // What would run at the next interpreter start is looked at before anything is pinned.
    let hooks = crate::installed_hooks::scan(&directories);
    let refused = crate::installed_hooks::refused(&hooks, &args.gate.allow_startup_hook);
    if !refused.is_empty() {
        return Ok(No::because(crate::installed_hooks::refusal(&refused)).into());
    }
    let IndexSettings {
        client,
        interpreter,
    } = index_settings(
        &args.index,
        &index_options(&args.index, &hashpin_formats::RequirementsSet::default()),
    )?;
    let interpreter = interpreter.with_context(|| {
        format!(
            "cannot ask `{}` for its marker values, which decide the `# via` annotations",
            python.display()
        )
    })?;
    let target = TargetEnvironment::from_interpreter(&interpreter)?;

    let skipped = skipped_names(args.all, &target);
    for name in &excluded {
        if !installed.iter().any(|installed| &installed.name == name) {
            log::warn!("--exclude `{name}`: no such distribution is installed");
        }
    }
    let frozen: Vec<&Installed> = installed
        .iter()
        .filter(|installed| {
            !skipped.contains(&installed.name) && !excluded.contains(&installed.name)
        })
        .collect();

    let files = index_files(&client, &frozen).await?;
    let mut packages = match pin(&frozen, &files, &via(&installed, &target))? {
        Ok(packages) => packages,
        Err(unpinnable) => {
            return Ok(No::new(unpinnable)
                .with_hint(
                    "leave them out with --exclude NAME, or reinstall them by name from the index",
                )
                .into());
        }
    };
    let index = crate::lockfile::single_index(client.config());
    for package in &mut packages {
        package.index.clone_from(&index);
    }

    let mut lock = Lock {
        header: Some(Header {
            command: command_line(args),
            notes: Vec::new(),
        }),
        target: crate::lockfile::lock_target(&target),
        packages,
        ..Lock::default()
    };
    let format =
        crate::lockfile::output_format(args.format.map(Into::into), args.output_file.as_deref());
    if format == hashpin_formats::LockFormat::Pylock {
        let pinned = files
            .into_iter()
            .filter_map(|(name, files)| {
                let files = files.ok()?;
                let pinned = crate::lockfile::pinned_files(&files);
                Some((name, pinned.into_iter().cloned().collect()))
            })
            .collect();
        crate::lockfile::attest(&client, &mut lock, pinned).await;
    }
    let text = crate::lockfile::render(&lock, format, true);
    match &args.output_file {
        Some(path) => crate::output::write_atomically(path, &text)?,
        None => printer::data(text.trim_end_matches('\n'))?,
    }
    printer::status(&super::summary("Froze", &lock, started));
    Ok(ExitStatus::Success)
}

/// The lock's packages, or every distribution that cannot be pinned.
fn pin(
    frozen: &[&Installed],
    files: &HashMap<PackageName, Result<Vec<DistFile>, Refusal>>,
    via: &HashMap<PackageName, BTreeSet<String>>,
) -> anyhow::Result<Result<Vec<Package>, Unpinnable>> {
    let mut entries = Vec::new();
    let mut offenders = Vec::new();
    for installed in frozen {
        let refusal = match (&installed.origin, files.get(&installed.name)) {
            (Origin::Editable { location }, _) => Refusal::Editable {
                location: location.clone(),
            },
            (Origin::Direct { kind, location }, _) => Refusal::Direct {
                kind: kind.clone(),
                location: location.clone(),
            },
            (Origin::ByName, Some(Ok(version_files))) => match locked(version_files) {
                Ok(locked) => {
                    let mut package =
                        Package::new(installed.name.clone(), installed.version.clone(), locked);
                    package.via = via
                        .get(&installed.name)
                        .map(|names| names.iter().cloned().collect())
                        .unwrap_or_default();
                    package.requires_python = crate::lockfile::requires_python(version_files);
                    entries.push(package);
                    continue;
                }
                Err(refusal) => refusal,
            },
            (Origin::ByName, Some(Err(refusal))) => refusal.clone(),
            (Origin::ByName, None) => {
                bail!("`{}` was not looked up on the index", installed.name)
            }
        };
        offenders.push(Offender {
            name: installed.name.clone(),
            version: installed.version.clone(),
            refusal,
        });
    }
    if offenders.is_empty() {
        Ok(Ok(entries))
    } else {
        offenders.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Err(Unpinnable { offenders }))
    }
}

/// What `pip freeze` leaves out without `--all`: pip itself, and on Python before 3.12 the
/// build tools a virtual environment used to come with (pip's `_dev_pkgs`). The standard
/// library's names are left out even with `--all`, as pip does.
fn skipped_names(all: bool, target: &TargetEnvironment) -> HashSet<PackageName> {
    let mut names: Vec<&str> = STANDARD_LIBRARY.to_vec();
    if !all {
        names.push("pip");
        if target.python_version < Version::new([3, 12]) {
            names.extend(["setuptools", "distribute", "wheel"]);
        }
    }
    names
        .into_iter()
        .filter_map(|name| PackageName::from_str(name).ok())
        .collect()
}

/// The files of each distribution's installed version on the index, looked up all at once;
/// or why there are none.
async fn index_files(
    client: &IndexClient,
    frozen: &[&Installed],
) -> anyhow::Result<HashMap<PackageName, Result<Vec<DistFile>, Refusal>>> {
    let versions: HashMap<&PackageName, &Version> = frozen
        .iter()
        .filter(|installed| installed.origin == Origin::ByName)
        .map(|installed| (&installed.name, &installed.version))
        .collect();
    let mut found = HashMap::new();
    for (name, project) in client
        .projects(versions.keys().map(|&name| name.clone()))
        .await
    {
        let files = match project {
            Ok(project) => version_files(&project, versions[&name])?,
            Err(hashpin_pypi::Error::ProjectNotFound { .. }) => Err(Refusal::NoProject),
            Err(error) => return Err(error.into()),
        };
        found.insert(name, files);
    }
    Ok(found)
}

/// The files the index lists for `version`, or the newest versions it has instead. The one
/// place that reads a project's files by version, so a change of the page representation
/// touches freeze only here.
///
/// # Errors
/// When the cached page turned out damaged (see [`Project::files_of`]).
fn version_files(
    project: &Project,
    version: &Version,
) -> Result<Result<Vec<DistFile>, Refusal>, hashpin_pypi::Error> {
    let files = project.files_of(version)?;
    if files.is_empty() {
        // Listed newest first, each version once.
        return Ok(Err(Refusal::NoVersion {
            newest: project
                .versions()
                .iter()
                .take(3)
                .map(|newest| newest.version().clone())
                .collect(),
        }));
    }
    Ok(Ok(files))
}

/// The files of the version a lock pins ([`crate::lockfile::pinned_files`], as `compile`
/// pins them), each with the digest pip prefers; a yanked version is refused, since a freeze
/// has no `--allow-yanked`.
fn locked(files: &[DistFile]) -> Result<Vec<LockedFile>, Refusal> {
    if files.iter().all(|file| file.yanked.is_yanked()) {
        return Err(Refusal::Yanked {
            reason: files.iter().find_map(|file| file.yanked.reason()).cloned(),
        });
    }
    let mut unhashed = Vec::new();
    let locked = crate::lockfile::locked_files(files, &mut unhashed);
    if unhashed.is_empty() {
        Ok(locked)
    } else {
        Err(Refusal::Unhashed { files: unhashed })
    }
}

/// For each installed distribution, the installed distributions that require it.
///
/// A requirement counts when its marker holds in the environment. One that only an extra asks
/// for counts when every requirement of that extra is installed: the environment then looks
/// like the extra was asked for, and nothing records whether it was. Versions are not compared
/// (`pip check` does that); every installed distribution, frozen or not, can be a requester.
fn via(
    installed: &[Installed],
    target: &TargetEnvironment,
) -> HashMap<PackageName, BTreeSet<String>> {
    let names: HashSet<&PackageName> = installed.iter().map(|installed| &installed.name).collect();
    let mut via: HashMap<PackageName, BTreeSet<String>> = HashMap::new();
    for requester in installed {
        let mut wanted: Vec<&PackageName> = requester
            .requires
            .iter()
            .filter(|requirement| target.applies(&requirement.marker))
            .map(|requirement| &requirement.name)
            .collect();
        for extra in &requester.provides_extra {
            let only_with_extra: Vec<&PackageName> = requester
                .requires
                .iter()
                .filter(|requirement| target.added_by_extra(&requirement.marker, extra))
                .map(|requirement| &requirement.name)
                .collect();
            if only_with_extra.iter().all(|name| names.contains(name)) {
                wanted.extend(only_with_extra);
            }
        }
        for name in wanted {
            if name != &requester.name && names.contains(name) {
                via.entry(name.clone())
                    .or_default()
                    .insert(requester.name.to_string());
            }
        }
    }
    via
}

/// The command that reproduces the file. `--python` is left out like index URLs (the
/// environment is whichever is active); `--path` is kept as it was given, since it decides
/// what is frozen.
fn command_line(args: &FreezeArgs) -> String {
    let mut words = vec!["hashpin".to_string(), "freeze".to_string()];
    words.extend(
        args.path
            .iter()
            .map(|path| format!("--path={}", path.display())),
    );
    if args.all {
        words.push("--all".into());
    }
    words.extend(args.exclude.iter().map(|name| format!("--exclude={name}")));
    if let Some(output) = &args.output_file {
        words.push(format!("--output-file={}", display_path(output)));
    }
    words.join(" ")
}

/// The distributions that cannot be pinned from the index, and why: the answer is no (exit 1).
#[derive(Debug)]
struct Unpinnable {
    offenders: Vec<Offender>,
}

#[derive(Debug)]
struct Offender {
    name: PackageName,
    version: Version,
    refusal: Refusal,
}

/// Why one distribution cannot be pinned from the index.
#[derive(Debug, Clone)]
enum Refusal {
    Editable { location: String },
    Direct { kind: DirectKind, location: String },
    NoProject,
    NoVersion { newest: Vec<Version> },
    Yanked { reason: Option<UntrustedText> },
    Unhashed { files: Vec<String> },
}

impl fmt::Display for Unpinnable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.offenders.len();
        write!(
            f,
            "{} cannot be pinned from the index:",
            if n == 1 {
                "1 installed distribution".to_string()
            } else {
                format!("{n} installed distributions")
            }
        )?;
        for Offender {
            name,
            version,
            refusal,
        } in &self.offenders
        {
            write!(f, "\n  `{name}=={version}` ")?;
            match refusal {
                Refusal::Editable { location } => write!(f, "is an editable install of {location}"),
                Refusal::Direct { kind, location } => match kind {
                    DirectKind::LocalFile => write!(f, "was installed from the file {location}"),
                    DirectKind::Url => write!(f, "was installed from the URL {location}"),
                    DirectKind::Directory => {
                        write!(f, "was installed from the directory {location}")
                    }
                    DirectKind::Vcs(vcs) => write!(f, "was installed from {vcs}: {location}"),
                },
                Refusal::NoProject => f.write_str("is not on the index: it has no such project"),
                Refusal::NoVersion { newest } if newest.is_empty() => {
                    f.write_str("is not on the index: it lists no files of the project")
                }
                Refusal::NoVersion { newest } => {
                    let newest: Vec<String> = newest.iter().map(ToString::to_string).collect();
                    write!(f, "is not on the index, which has {}", newest.join(", "))?;
                    if newest.len() == 3 {
                        f.write_str(", …")?;
                    }
                    Ok(())
                }
                Refusal::Yanked {
                    reason: Some(reason),
                } => {
                    write!(f, "is yanked on the index (reason: {reason})")
                }
                Refusal::Yanked { reason: None } => {
                    f.write_str("is yanked on the index (no reason given)")
                }
                Refusal::Unhashed { files } => write!(
                    f,
                    "has files the index publishes no usable hash for: {}",
                    files
                        .iter()
                        .map(|file| format!("`{file}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }?;
        }
        Ok(())
    }
}

impl std::error::Error for Unpinnable {}

#[cfg(test)]
mod tests {
    use super::*;

    fn installed(name: &str, requires: &[&str], extras: &[&str]) -> Installed {
        Installed {
            name: name.parse().expect("a name"),
            version: "1.0".parse().expect("a version"),
            requires: requires
                .iter()
                .map(|text| text.parse().expect("a requirement"))
                .collect(),
            provides_extra: extras
                .iter()
                .map(|text| text.parse().expect("an extra"))
                .collect(),
            origin: Origin::ByName,
        }
    }

    #[test]
    fn via_follows_markers_and_extras_whose_requirements_are_installed() {
        let target = TargetEnvironment::for_platform(
            &"3.12".parse().expect("a version"),
            &"linux".parse().expect("a platform"),
        )
        .expect("a target");
        let environment = [
            installed(
                "app",
                &[
                    "Base>=1",
                    "winonly ; sys_platform == 'win32'",
                    "socks ; extra == 'socks'",
                    "missing ; extra == 'full'",
                    "base ; extra == 'full'",
                    "app[socks] ; extra == 'all'",
                ],
                &["socks", "full", "all"],
            ),
            installed("base", &["app"], &[]),
            installed("socks", &[], &[]),
            installed("winonly", &[], &[]),
        ];
        let via = via(&environment, &target);
        let names = |name: &str| {
            via.get(&name.parse::<PackageName>().expect("a name"))
                .map(|names| names.iter().cloned().collect::<Vec<_>>())
                .unwrap_or_default()
        };
        assert_eq!(names("base"), ["app"]);
        assert_eq!(names("socks"), ["app"]);
        assert_eq!(names("app"), ["base"], "a requirement of itself is no edge");
        assert!(names("winonly").is_empty(), "its marker is false on linux");
    }

    #[test]
    fn refusals_name_every_offender() {
        let offender = |name: &str, refusal| Offender {
            name: name.parse().expect("a name"),
            version: "1.0".parse().expect("a version"),
            refusal,
        };
        let error = Unpinnable {
            offenders: vec![
                offender(
                    "dev",
                    Refusal::Editable {
                        location: "/src/dev".into(),
                    },
                ),
                offender(
                    "gone",
                    Refusal::NoVersion {
                        newest: vec!["3.0".parse().expect("v"), "2.0".parse().expect("v")],
                    },
                ),
                offender(
                    "old",
                    Refusal::Yanked {
                        reason: Some("broken".into()),
                    },
                ),
            ],
        };
        assert_eq!(
            error.to_string(),
            "3 installed distributions cannot be pinned from the index:\n  \
             `dev==1.0` is an editable install of /src/dev\n  \
             `gone==1.0` is not on the index, which has 3.0, 2.0\n  \
             `old==1.0` is yanked on the index (reason: broken)"
        );
    }
}

//! The startup-hook gate: no lock holds a release whose wheels install a file that runs code at
//! every interpreter start (a `.pth` with an `import` line, a `.start` entry point, a
//! `sitecustomize` module), unless that hook is known or acknowledged.
//!
//! Every wheel of every pinned version is scanned (not only the target's: the lock installs
//! anywhere the version does), once per file ever (the client caches by the file's hash).
//! Path-only `.pth` files and setuptools' namespace template are allowed. An sdist cannot be
//! scanned before it is built, so a release with no wheel is named as not scanned.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::str::FromStr;
use std::sync::{Arc, Mutex};

use hashpin_pypi::untrusted::for_terminal;
use hashpin_pypi::{
    DistFile, DistFilename, HookClass, IndexClient, PackageName, Project, StartupHook, Version,
};
use tokio::sync::OnceCell;

/// Executable hooks that are known, by project and file name, and why each is there. Each was
/// checked against the project's wheels on the index (docs/startup-hooks.md lists what was
/// seen). They are allowed only as their wheel's `RECORD` lists them.
pub(crate) const KNOWN_HOOKS: &[(&str, &str, &str)] = &[
    (
        "setuptools",
        "distutils-precedence.pth",
        "makes `import distutils` load setuptools' copy (SETUPTOOLS_USE_DISTUTILS)",
    ),
    (
        "pywin32",
        "pywin32.pth",
        "adds the win32 directories to sys.path and imports pywin32_bootstrap for its DLLs",
    ),
    (
        "coverage",
        "a1_coverage.pth",
        "starts coverage in subprocesses when COVERAGE_PROCESS_START is set (7.13 and later)",
    ),
    (
        "pytest-cov",
        "pytest-cov.pth",
        "starts coverage in subprocesses when COV_CORE_SOURCE is set (before 7.0)",
    ),
    (
        "pdbpp",
        "pdbpp_hijack_pdb.pth",
        "puts pdb++ in front of the standard pdb unless PDBPP_HIJACK_PDB=0",
    ),
    (
        "pip-system-certs",
        "pip_system_certs.pth",
        "makes pip and requests use the system's certificate store",
    ),
    (
        "python-certifi-win32",
        "python-certifi-win32-init.pth",
        "makes certifi use the Windows certificate store",
    ),
    (
        "hunter",
        "hunter.pth",
        "starts tracing when PYTHONHUNTER is set",
    ),
    (
        "manhole",
        "manhole.pth",
        "installs a debugging manhole when PYTHONMANHOLE is set",
    ),
];

/// The name of the fact a lock records a package's hooks under.
const STARTUP_HOOKS_FACT: &str = "startup-hooks";

/// `--allow-startup-hook PROJECT` or `PROJECT:FILE`.
/// `:FILE` is a file of an environment that no distribution owns (`freeze`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Allowance {
    project: Option<PackageName>,
    file: Option<String>,
}

impl Allowance {
    /// Whether it allows `file` of a directory that no distribution owns.
    pub(crate) fn allows_unowned(&self, file: &str) -> bool {
        self.project.is_none() && self.file.as_deref() == Some(file)
    }
}

impl FromStr for Allowance {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (project, file) = match text.split_once(':') {
            Some((project, file)) if !file.is_empty() => (project, Some(file.to_string())),
            Some(_) => return Err("expected PROJECT, PROJECT:FILE or :FILE".into()),
            None => (text, None),
        };
        let project = if project.trim().is_empty() {
            None
        } else {
            Some(
                PackageName::from_str(project.trim())
                    .map_err(|error| format!("not a project name: {error}"))?,
            )
        };
        Ok(Self { project, file })
    }
}

/// A hook found in a wheel of a pinned release.
#[derive(Debug, Clone)]
pub(crate) struct Found {
    pub(crate) name: PackageName,
    pub(crate) version: Version,
    /// The wheels it is in.
    pub(crate) wheels: Vec<String>,
    /// The hook as the first of them has it.
    pub(crate) hook: StartupHook,
    /// Its contents' SHA-256 across those wheels (line endings differ between platforms'
    /// wheels); `None` for one too large to read.
    pub(crate) contents: BTreeSet<Option<String>>,
}

/// What the scan of a lock's wheels found.
#[derive(Debug, Default)]
pub(crate) struct Scan {
    /// Every hook, one entry per release, path and content.
    pub(crate) hooks: Vec<Found>,
    /// Wheels scanned.
    pub(crate) wheels: usize,
    /// Releases with no wheel, and wheels that could not be scanned offline.
    pub(crate) not_scanned: Vec<String>,
    /// Wheels that are not readable zips: nothing tells what they install.
    pub(crate) unreadable: Vec<(PackageName, Version, String, String)>,
}

/// A release to scan: its name, version and the files the lock pins.
pub(crate) struct Release {
    pub(crate) name: PackageName,
    pub(crate) version: Version,
    pub(crate) files: Vec<DistFile>,
}

/// How many scan requests run at once, besides the resolver's. Range requests for pieces of
/// wheels are small and many (a lock of 150 packages has some 1,700 wheels) and each waits
/// on the index more than on the network, so they get more room than the resolver's. 200
/// at once made a TLS-intercepting proxy drop connections when they all opened together.
const SCAN_WIDTH: usize = 150;

type Scanned = Result<Vec<StartupHook>, Arc<hashpin_pypi::Error>>;

/// Scans wheels, each once however many ask: the resolver's reporter starts the scans of
/// each release it reads (see [`Scanner::prefetch`]), so they overlap the resolution, and
/// the gate then finds most of them done.
pub(crate) struct Scanner {
    client: IndexClient,
    scans: Mutex<HashMap<String, Arc<OnceCell<Scanned>>>>,
    /// Each release's wheels, scanned (or read from the cache) once.
    releases: Mutex<HashMap<String, Arc<OnceCell<Arc<ReleaseScan>>>>>,
    runtime: tokio::runtime::Handle,
}

/// A wheel as the scanner knows it: where it is, and its hash.
fn wheel_key(wheel: &DistFile) -> String {
    format!(
        "{}#{}",
        wheel.url,
        wheel
            .sha256()
            .map(hashpin_pypi::HashDigest::hex)
            .unwrap_or_default()
    )
}

/// The scans of a release's wheels: each wheel's filename and what its scan found.
type ReleaseScan = Vec<(String, Scanned)>;

impl std::fmt::Debug for Scanner {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("Scanner").finish_non_exhaustive()
    }
}

impl Scanner {
    /// A scanner on `client`'s connections. Must be made inside the runtime.
    pub(crate) fn new(client: &IndexClient) -> Arc<Self> {
        Arc::new(Self {
            client: client.with_options(|options| options.concurrency = SCAN_WIDTH),
            scans: Mutex::new(HashMap::new()),
            releases: Mutex::new(HashMap::new()),
            runtime: tokio::runtime::Handle::current(),
        })
    }

    /// The startup hooks of one wheel.
    async fn hooks(&self, wheel: &DistFile) -> Scanned {
        let key = wheel_key(wheel);
        let cell = {
            let mut scans = self
                .scans
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            Arc::clone(scans.entry(key).or_default())
        };
        cell.get_or_init(|| async { self.client.startup_hooks(wheel).await.map_err(Arc::new) })
            .await
            .clone()
    }

    /// Starts scanning the wheels of a release the resolver read, in the background (only
    /// with a cache, and not offline: without one, the files a scan needs could not be
    /// shared with the run).
    pub(crate) fn prefetch(self: &Arc<Self>, project: &Project, version: &Version) {
        // Offline there is nothing to overlap: the gate reads the same cache entries.
        if self.client.options().cache.is_none()
            || self.client.options().cache_mode == hashpin_pypi::CacheMode::Offline
        {
            return;
        }
        let Ok(files) = project.files_of(version) else {
            return;
        };
        let wheels: Vec<DistFile> = crate::lockfile::pinned_files(&files)
            .into_iter()
            .filter(|file| matches!(file.parsed, DistFilename::Wheel(_)))
            .cloned()
            .collect();
        let scanner = Arc::clone(self);
        self.runtime.spawn(async move {
            let _ = scanner.release(wheels).await;
        });
    }

    /// The scans of a release's wheels, once however many ask: from the release's cache
    /// entry when there is one (one read, not one per wheel), else each wheel's scan, all at
    /// once, cached as one entry when every one succeeded.
    async fn release(self: &Arc<Self>, wheels: Vec<DistFile>) -> Arc<ReleaseScan> {
        let mut keys: Vec<String> = wheels.iter().map(wheel_key).collect();
        keys.sort();
        let cell = {
            let mut releases = self
                .releases
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            Arc::clone(releases.entry(keys.join(" ")).or_default())
        };
        cell.get_or_init(|| async {
            if let Some(cached) = self.client.cached_release_hooks(&wheels) {
                return Arc::new(
                    wheels
                        .iter()
                        .map(|wheel| {
                            let hooks = wheel
                                .sha256()
                                .and_then(|sha256| cached.get(sha256.hex()))
                                .cloned()
                                .unwrap_or_default();
                            (wheel.filename.clone(), Ok(hooks))
                        })
                        .collect(),
                );
            }
            let mut scans = tokio::task::JoinSet::new();
            for (at, wheel) in wheels.iter().enumerate() {
                let (scanner, wheel) = (Arc::clone(self), wheel.clone());
                scans.spawn(async move { (at, scanner.hooks(&wheel).await) });
            }
            let mut answers: Vec<Option<Scanned>> = vec![None; wheels.len()];
            while let Some(joined) = scans.join_next().await {
                if let Ok((at, answer)) = joined {
                    answers[at] = Some(answer);
                }
            }
            let scanned: ReleaseScan = wheels
                .iter()
                .zip(answers)
                .map(|(wheel, answer)| {
                    let answer = answer.unwrap_or_else(|| {
                        Err(Arc::new(hashpin_pypi::Error::Client(
                            "a scan task ended without an answer".into(),
                        )))
                    });
                    (wheel.filename.clone(), answer)
                })
                .collect();
            let whole: Option<HashMap<String, Vec<StartupHook>>> = wheels
                .iter()
                .zip(&scanned)
                .map(|(wheel, (_, answer))| {
                    Some((
                        wheel.sha256()?.hex().to_string(),
                        answer.as_ref().ok()?.clone(),
                    ))
                })
                .collect();
            if let Some(hooks) = whole {
                self.client.store_release_hooks(&wheels, &hooks);
            }
            Arc::new(scanned)
        })
        .await
        .clone()
    }

    /// Scans every wheel of `releases`, all at once.
    ///
    /// # Errors
    /// When a wheel cannot be fetched (other than offline, where it is "not scanned").
    pub(crate) async fn scan(self: &Arc<Self>, releases: Vec<Release>) -> anyhow::Result<Scan> {
        let mut result = Scan::default();
        let mut scans = tokio::task::JoinSet::new();
        for release in releases {
            let wheels: Vec<DistFile> = release
                .files
                .into_iter()
                .filter(|file| matches!(file.parsed, DistFilename::Wheel(_)))
                .collect();
            if wheels.is_empty() {
                result
                    .not_scanned
                    .push(format!("{}=={} (no wheel)", release.name, release.version));
                continue;
            }
            let scanner = Arc::clone(self);
            scans.spawn(async move {
                let found = scanner.release(wheels).await;
                (release.name, release.version, found)
            });
        }
        let mut answers = Vec::new();
        while let Some(joined) = scans.join_next().await {
            let (name, version, found) = joined?;
            for (filename, answer) in found.iter() {
                answers.push((
                    name.clone(),
                    version.clone(),
                    filename.clone(),
                    answer.clone(),
                ));
            }
        }
        collect(answers, result)
    }
}

/// Executable hooks by file name, each content's SHA-256 (`None`: too large to read).
type HooksByFile = BTreeMap<String, BTreeSet<Option<String>>>;

/// A release of the previous lock: its version and the hashes it pinned.
pub(crate) struct PreviousRelease {
    pub(crate) name: PackageName,
    pub(crate) version: Version,
    pub(crate) hashes: Vec<hashpin_pypi::HashDigest>,
}

/// The executable hooks of a release of the previous lock: by file name, each content's
/// SHA-256.
#[derive(Debug, Default)]
pub(crate) struct PreviousHooks {
    releases: HashMap<PackageName, (Version, HooksByFile)>,
}

impl Scanner {
    /// The hooks of the previous lock's releases of `projects` that the new lock moves to
    /// another version, re-derived from the previous lock's hashes (its files as the index
    /// lists them, scanned as any wheel is: from the cache when this machine scanned them).
    /// A project the index no longer lists, or whose files cannot be read, has none.
    pub(crate) async fn previous(
        &self,
        previous: Vec<PreviousRelease>,
        projects: &HashMap<PackageName, Version>,
    ) -> PreviousHooks {
        let mut hooks = PreviousHooks::default();
        for release in previous {
            if projects
                .get(&release.name)
                .is_none_or(|version| *version == release.version)
            {
                continue;
            }
            let Ok(project) = self.client.project(&release.name).await else {
                continue;
            };
            let Ok(files) = project.files_of(&release.version) else {
                continue;
            };
            let mut found: BTreeMap<String, BTreeSet<Option<String>>> = BTreeMap::new();
            for wheel in files.iter().filter(|file| {
                matches!(file.parsed, DistFilename::Wheel(_))
                    && file.hashes.iter().any(|hash| release.hashes.contains(hash))
            }) {
                let Ok(scanned) = self.hooks(wheel).await else {
                    continue;
                };
                for hook in scanned
                    .into_iter()
                    .filter(|hook| hook.class == HookClass::Executable)
                {
                    found
                        .entry(hook.file_name().to_string())
                        .or_default()
                        .insert(hook.sha256);
                }
            }
            hooks
                .releases
                .insert(release.name, (release.version, found));
        }
        hooks
    }
}

/// A hook that is new for its project since the previous lock, or whose content changed.
#[derive(Debug)]
pub(crate) struct Change<'a> {
    pub(crate) found: &'a Found,
    /// The previous lock's version of the project.
    pub(crate) from: Version,
    /// Whether the previous release had a hook of that name at all.
    pub(crate) had_file: bool,
}

/// Gathers the scans' answers into one [`Scan`].
fn collect(
    answers: Vec<(PackageName, Version, String, Scanned)>,
    mut result: Scan,
) -> anyhow::Result<Scan> {
    let mut found: BTreeMap<(PackageName, Version, String, HookClass), Found> = BTreeMap::new();
    let mut contents: BTreeMap<
        (PackageName, Version, String, HookClass),
        BTreeSet<Option<String>>,
    > = BTreeMap::new();
    for (name, version, filename, hooks) in answers {
        let hooks = match hooks.as_ref().map_err(|error| &**error) {
            Ok(hooks) => hooks.clone(),
            Err(hashpin_pypi::Error::Offline { .. }) => {
                result
                    .not_scanned
                    .push(format!("{filename} (not in the cache, and --offline)"));
                continue;
            }
            Err(hashpin_pypi::Error::Wheel { source, .. }) => {
                result
                    .unreadable
                    .push((name, version, filename, source.to_string()));
                continue;
            }
            Err(error) => {
                return Err(anyhow::anyhow!(
                    "cannot scan `{filename}` for startup hooks: {}",
                    hashpin_pypi::error_chain(error)
                ));
            }
        };
        result.wheels += 1;
        for hook in hooks {
            let key = (name.clone(), version.clone(), hook.path.clone(), hook.class);
            contents
                .entry(key.clone())
                .or_default()
                .insert(hook.sha256.clone());
            found
                .entry(key)
                .or_insert_with(|| Found {
                    name: name.clone(),
                    version: version.clone(),
                    wheels: Vec::new(),
                    hook: hook.clone(),
                    contents: BTreeSet::new(),
                })
                .wheels
                .push(filename.clone());
        }
    }
    result.hooks = found
        .into_iter()
        .map(|(key, mut found)| {
            found.wheels.sort();
            found.contents = contents.remove(&key).unwrap_or_default();
            found
        })
        .collect();
    result.not_scanned.sort();
    result.unreadable.sort();
    Ok(result)
}

/// Whether a hook may be locked (or frozen): not executable, known, or acknowledged.
pub(crate) fn is_allowed(found: &Found, allowances: &[Allowance]) -> bool {
    allowed_because(found, allowances).is_some()
}

/// Whether the command line acknowledges the hook.
fn acknowledged(found: &Found, allowances: &[Allowance]) -> bool {
    let file = found.hook.file_name();
    allowances.iter().any(|allowance| {
        allowance.project.as_ref() == Some(&found.name)
            && allowance
                .file
                .as_deref()
                .is_none_or(|allowed| allowed == file)
    })
}

/// Why a hook is allowed, if it is.
fn allowed_because(found: &Found, allowances: &[Allowance]) -> Option<String> {
    let file = found.hook.file_name();
    if found.hook.class != HookClass::Executable {
        return Some(
            match found.hook.class {
                HookClass::Namespace => "setuptools' namespace-package template",
                _ => "paths only",
            }
            .to_string(),
        );
    }
    if acknowledged(found, allowances) {
        return Some("--allow-startup-hook".to_string());
    }
    KNOWN_HOOKS
        .iter()
        .find(|(project, known, _)| {
            found.name.as_ref() == *project && *known == file && found.hook.in_record
        })
        .map(|(_, _, why)| format!("known: {why}"))
}

impl Scan {
    /// Records each package's hooks in the lock (a pylock keeps them under
    /// `[packages.tool.hashpin]` as `startup-hooks`): `PATH sha256:HEX` for each content.
    pub(crate) fn record(&self, lock: &mut hashpin_formats::Lock) {
        for package in &mut lock.packages {
            let hooks: BTreeSet<String> = self
                .hooks
                .iter()
                .filter(|found| {
                    found.name == package.name && Some(&found.version) == package.version.as_ref()
                })
                .flat_map(|found| {
                    found.contents.iter().map(|content| match content {
                        Some(sha256) => format!("{} sha256:{sha256}", found.hook.path),
                        None => format!("{} (too large to read)", found.hook.path),
                    })
                })
                .collect();
            if !hooks.is_empty() {
                package
                    .facts
                    .insert(STARTUP_HOOKS_FACT.to_string(), hooks.into_iter().collect());
            }
        }
    }

    /// The executable hooks that are not allowed.
    pub(crate) fn refused<'a>(&'a self, allowances: &[Allowance]) -> Vec<&'a Found> {
        self.hooks
            .iter()
            .filter(|found| allowed_because(found, allowances).is_none())
            .collect()
    }

    /// The executable hooks allowed by the built-in list (not acknowledged on the command
    /// line) that are new for their project since the previous lock, or changed: a
    /// compromised release of a known project is still caught.
    pub(crate) fn changed<'a>(
        &'a self,
        previous: &PreviousHooks,
        allowances: &[Allowance],
    ) -> Vec<Change<'a>> {
        let mut changes = Vec::new();
        for found in &self.hooks {
            // Refused hooks are reported as such; acknowledged ones are the user's call.
            if found.hook.class != HookClass::Executable
                || acknowledged(found, allowances)
                || allowed_because(found, allowances).is_none()
            {
                continue;
            }
            let Some((from, hooks)) = previous.releases.get(&found.name) else {
                continue;
            };
            let contents = hooks.get(found.hook.file_name());
            let same = contents.is_some_and(|contents| {
                found
                    .contents
                    .iter()
                    .all(|content| contents.contains(content))
            });
            if !same {
                changes.push(Change {
                    found,
                    from: from.clone(),
                    had_file: contents.is_some(),
                });
            }
        }
        changes
    }

    /// The unreadable wheels no allowance covers.
    pub(crate) fn refused_unreadable(
        &self,
        allowances: &[Allowance],
    ) -> Vec<&(PackageName, Version, String, String)> {
        self.unreadable
            .iter()
            .filter(|(name, ..)| {
                !allowances.iter().any(|allowance| {
                    allowance.project.as_ref() == Some(name) && allowance.file.is_none()
                })
            })
            .collect()
    }

    /// One line for the run's status, when there is something to say: what was allowed, by
    /// project, and what could not be scanned.
    pub(crate) fn summary(&self, allowances: &[Allowance]) -> Option<String> {
        if self.hooks.is_empty() && self.not_scanned.is_empty() {
            return None;
        }
        let mut line = format!("Scanned {} for startup hooks", plural(self.wheels, "wheel"));
        let mut allowed: BTreeMap<&PackageName, BTreeSet<String>> = BTreeMap::new();
        for found in &self.hooks {
            let shown = match found.hook.class {
                HookClass::PathsOnly => "path .pth".to_string(),
                HookClass::Namespace => "namespace .pth".to_string(),
                HookClass::Executable if allowed_because(found, allowances).is_some() => {
                    for_terminal(found.hook.file_name()).into_owned()
                }
                HookClass::Executable => continue,
            };
            allowed.entry(&found.name).or_default().insert(shown);
        }
        if !allowed.is_empty() {
            let projects: Vec<String> = allowed
                .into_iter()
                .map(|(name, hooks)| {
                    format!(
                        "{name} ({})",
                        hooks.into_iter().collect::<Vec<_>>().join(", ")
                    )
                })
                .collect();
            let _ = write!(line, "; allowed: {}", projects.join(", "));
        }
        if !self.not_scanned.is_empty() {
            let _ = write!(
                line,
                "; not scanned: {}",
                self.not_scanned
                    .iter()
                    .map(|text| for_terminal(text).into_owned())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        Some(line)
    }
}

/// A hook for a message: its path, size, where it is, and the line that runs.
pub(crate) fn describe(found: &Found) -> String {
    let hook = &found.hook;
    let wheels = match found.wheels.as_slice() {
        [one] => for_terminal(one).into_owned(),
        many if found.contents.len() > 1 => {
            format!(
                "{} wheels, {} different contents",
                many.len(),
                found.contents.len()
            )
        }
        many => format!("{} wheels", many.len()),
    };
    format!(
        "{} ({}, in {wheels}{}): `{}`",
        for_terminal(&hook.path),
        plural(usize::try_from(hook.size).unwrap_or(usize::MAX), "byte"),
        if hook.in_record {
            ""
        } else {
            "; not in its RECORD, so an uninstall leaves it behind"
        },
        for_terminal(&hook.first_line)
    )
}

/// The refusal: every hook named with its release, file, size and first line.
pub(crate) fn refusal(
    refused: &[&Found],
    changes: &[Change<'_>],
    unreadable: &[&(PackageName, Version, String, String)],
) -> String {
    let mut text = String::new();
    if !refused.is_empty() {
        let _ = write!(
            text,
            "{} that {} code at every interpreter start:",
            if refused.len() == 1 {
                "a pinned release installs a startup hook"
            } else {
                "pinned releases install startup hooks"
            },
            if refused.len() == 1 { "runs" } else { "run" }
        );
    }
    for found in refused {
        let _ = write!(
            text,
            "\n  {}=={}: {}",
            found.name,
            found.version,
            describe(found)
        );
    }
    if !changes.is_empty() {
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str(
            "known startup hooks that are new or changed since the existing lock (a compromised release of a known project looks like this):",
        );
        for change in changes {
            let found = change.found;
            let _ = write!(
                text,
                "\n  {} {} -> {} {}: {}",
                found.name,
                change.from,
                found.version,
                if change.had_file {
                    "changes its hook"
                } else {
                    "adds a hook"
                },
                describe(found)
            );
        }
    }
    if !unreadable.is_empty() {
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str("wheels that cannot be scanned (not readable zips):");
        for (name, version, wheel, why) in unreadable {
            let _ = write!(
                text,
                "\n  {name}=={version}: {}: {}",
                for_terminal(wheel),
                for_terminal(why)
            );
        }
    }
    let allow: Vec<String> = refused
        .iter()
        .copied()
        .chain(changes.iter().map(|change| change.found))
        .map(|found| {
            format!(
                "--allow-startup-hook {}:{}",
                found.name,
                for_terminal(found.hook.file_name())
            )
        })
        .chain(
            unreadable
                .iter()
                .map(|(name, ..)| format!("--allow-startup-hook {name}")),
        )
        .collect();
    text.push_str(&acknowledge(allow));
    text
}

/// The last line of a refusal: nothing was written, and the flags that would let it through.
pub(crate) fn acknowledge(mut flags: Vec<String>) -> String {
    flags.sort();
    flags.dedup();
    format!(
        "\nthe lock was not written; if these are expected, acknowledge them with {}",
        flags.join(" ")
    )
}

fn plural(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    use hashpin_pypi::HookKind;

    use super::*;

    fn found(project: &str, path: &str, class: HookClass, in_record: bool) -> Found {
        Found {
            name: project.parse().expect("a name"),
            version: "1.0".parse().expect("a version"),
            wheels: vec![format!("{project}-1.0-py3-none-any.whl")],
            hook: StartupHook {
                path: path.into(),
                kind: HookKind::Pth,
                class,
                size: 40,
                sha256: Some("ab".repeat(32)),
                first_line: "import os\u{1b}[2J".into(),
                in_record,
            },
            contents: BTreeSet::from([Some("ab".repeat(32))]),
        }
    }

    #[test]
    fn executable_hooks_are_refused_unless_known_or_acknowledged() {
        let scan = Scan {
            hooks: vec![
                found("evil", "evil_init.pth", HookClass::Executable, true),
                found("paths", "paths.pth", HookClass::PathsOnly, true),
                found(
                    "setuptools",
                    "distutils-precedence.pth",
                    HookClass::Executable,
                    true,
                ),
                found("pywin32", "pywin32.pth", HookClass::Executable, false),
            ],
            wheels: 4,
            ..Scan::default()
        };
        let names = |refused: Vec<&Found>| {
            refused
                .iter()
                .map(|found| found.name.to_string())
                .collect::<Vec<_>>()
        };
        // A known hook its RECORD does not list is not the known hook.
        assert_eq!(names(scan.refused(&[])), ["evil", "pywin32"]);
        let allow = |text: &str| text.parse::<Allowance>().expect("an allowance");
        assert_eq!(
            names(scan.refused(&[allow("evil:evil_init.pth"), allow("PyWin32")])),
            Vec::<String>::new()
        );
        assert_eq!(
            names(scan.refused(&[allow("evil:other.pth")])),
            ["evil", "pywin32"]
        );
        assert!("evil:".parse::<Allowance>().is_err());

        let refused = scan.refused(&[]);
        let message = refusal(&refused, &[], &[]);
        assert!(
            message.contains(
                "evil==1.0: evil_init.pth (40 bytes, in evil-1.0-py3-none-any.whl): `import os"
            ),
            "{message}"
        );
        assert!(!message.contains('\u{1b}'), "neutralised: {message}");
        assert!(message.contains("not in its RECORD"), "{message}");
        assert!(
            message.ends_with(
                "--allow-startup-hook evil:evil_init.pth --allow-startup-hook pywin32:pywin32.pth"
            ),
            "{message}"
        );
        let summary = scan.summary(&[]).expect("hooks to tell of");
        assert!(Scan::default().summary(&[]).is_none());
        assert_eq!(
            summary,
            "Scanned 4 wheels for startup hooks; allowed: paths (path .pth), setuptools (distutils-precedence.pth)"
        );
    }
}

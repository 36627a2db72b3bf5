//! Resolution on the loopback test index: real wheels and sdists, the real index client.

mod basics;
mod constraints;
mod cutoff;
mod errors;
mod explanations;
mod extras;
mod large;
mod markers;
mod output;
mod preferences;
mod prereleases;
mod python;
mod yanked;

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::str::FromStr;

use hashpin_pypi::{
    ClientOptions, CoreMetadata, IndexClient, IndexConfig, IndexUrl, PackageName, Requirement,
    Version,
};
use hashpin_resolver::{
    Manifest, Requester, Resolution, ResolveError, ResolvedPackage, ResolverOptions, Tags,
    TargetEnvironment,
};
use hashpin_testkit::TestIndex;
use pep508_rs::{MarkerEnvironment, MarkerEnvironmentBuilder, VersionOrUrl};

/// A Linux x86-64 `CPython` target.
pub(crate) fn linux(python: &str) -> TargetEnvironment {
    target(
        python,
        "linux",
        "Linux",
        "posix",
        "x86_64",
        &["manylinux_2_17_x86_64", "linux_x86_64"],
    )
}

/// A Windows x86-64 `CPython` target.
pub(crate) fn windows(python: &str) -> TargetEnvironment {
    target(python, "win32", "Windows", "nt", "AMD64", &["win_amd64"])
}

fn target(
    python: &str,
    sys_platform: &str,
    system: &str,
    os_name: &str,
    machine: &str,
    platforms: &[&str],
) -> TargetEnvironment {
    let full = python.to_string();
    let short: String = python.split('.').take(2).collect::<Vec<_>>().join(".");
    let cp = format!("cp{}", short.replace('.', ""));
    let markers = MarkerEnvironment::try_from(MarkerEnvironmentBuilder {
        implementation_name: "cpython",
        implementation_version: &full,
        os_name,
        platform_machine: machine,
        platform_python_implementation: "CPython",
        platform_release: "",
        platform_system: system,
        platform_version: "",
        python_full_version: &full,
        python_version: &short,
        sys_platform,
    })
    .expect("valid marker environment");
    let mut tags = Vec::new();
    for platform in platforms {
        tags.push((cp.clone(), cp.clone(), (*platform).to_string()));
        tags.push((cp.clone(), "abi3".into(), (*platform).to_string()));
    }
    for tag in [cp.as_str(), "py3"] {
        tags.push((tag.to_string(), "none".into(), "any".into()));
    }
    TargetEnvironment {
        markers,
        python_version: full.parse().expect("valid version"),
        tags: Tags::new(tags),
    }
}

pub(crate) fn requirements(texts: &[&str]) -> Vec<Requirement> {
    texts
        .iter()
        .map(|text| Requirement::from_str(text).expect("valid requirement"))
        .collect()
}

/// A manifest of plain requirements.
pub(crate) fn manifest(texts: &[&str]) -> Manifest {
    Manifest {
        requirements: requirements(texts),
        ..Manifest::default()
    }
}

/// Client options for tests: no cache, no netrc, quick retries.
pub(crate) fn client_options() -> ClientOptions {
    ClientOptions {
        netrc: None,
        backoff: std::time::Duration::from_millis(1),
        ..ClientOptions::default()
    }
}

pub(crate) fn client(index: &TestIndex) -> IndexClient {
    client_with(index, client_options())
}

pub(crate) fn client_with(index: &TestIndex, options: ClientOptions) -> IndexClient {
    let config = IndexConfig::with_index(IndexUrl::parse(&index.url()).expect("valid URL"));
    IndexClient::new(config, options).expect("client builds")
}

/// Resolves `requirements` against `index` for `target` with `options`.
pub(crate) async fn lock_with(
    index: &TestIndex,
    manifest: Manifest,
    options: &ResolverOptions,
    target: &TargetEnvironment,
) -> Result<Resolution, ResolveError> {
    hashpin_resolver::resolve(&manifest, options, target, client(index)).await
}

/// Resolves plain requirements for Linux, Python 3.12.
pub(crate) async fn lock(index: &TestIndex, texts: &[&str]) -> Result<Resolution, ResolveError> {
    lock_with(
        index,
        manifest(texts),
        &ResolverOptions::default(),
        &linux("3.12.1"),
    )
    .await
}

/// Resolves twice (with fresh clients) and checks that both runs agree and that the result
/// satisfies every invariant of [`assert_consistent`].
pub(crate) async fn lock_checked(
    index: &TestIndex,
    manifest: &Manifest,
    options: &ResolverOptions,
    target: &TargetEnvironment,
) -> Resolution {
    let first = lock_with(index, manifest.clone(), options, target)
        .await
        .unwrap_or_else(|error| panic!("resolves: {error}"));
    let second = lock_with(index, manifest.clone(), options, target)
        .await
        .unwrap_or_else(|error| panic!("resolves again: {error}"));
    assert_eq!(first, second, "a repeated run gives another resolution");
    assert_consistent(&first, &Facts::of(index), manifest, options, target);
    first
}

/// `name==version` for every pin, sorted.
pub(crate) fn pins(resolution: &Resolution) -> Vec<String> {
    resolution
        .packages
        .values()
        .map(|package| format!("{}=={}", package.name, package.version))
        .collect()
}

/// `requester: requirement` for every edge into `name`, sorted.
pub(crate) fn edges(resolution: &Resolution, name: &str) -> Vec<String> {
    resolution.packages[&self::name(name)]
        .required_by
        .iter()
        .map(|edge| {
            let from = match &edge.from {
                Requester::Root => "<root>".to_string(),
                Requester::Project(parent) => parent.to_string(),
            };
            format!("{from}: {}", edge.requirement)
        })
        .collect()
}

/// The extras recorded for `name`, sorted.
pub(crate) fn extras(resolution: &Resolution, name: &str) -> Vec<String> {
    resolution.packages[&self::name(name)]
        .extras
        .iter()
        .map(ToString::to_string)
        .collect()
}

/// The file names recorded for `name`, sorted.
pub(crate) fn filenames(resolution: &Resolution, name: &str) -> Vec<String> {
    let mut names: Vec<String> = resolution.packages[&self::name(name)]
        .files
        .iter()
        .map(|file| file.filename.clone())
        .collect();
    names.sort();
    names
}

pub(crate) fn name(text: &str) -> PackageName {
    text.parse().expect("valid name")
}

pub(crate) fn version(text: &str) -> Version {
    text.parse().expect("valid version")
}

/// The explanation of a failed resolution, or a panic saying what came instead.
pub(crate) fn no_solution(result: Result<Resolution, ResolveError>) -> String {
    match result {
        Err(error @ ResolveError::NoSolution { .. }) => error.to_string(),
        Err(error) => panic!("expected no solution, got another error: {error:?}"),
        Ok(resolution) => panic!("expected no solution, got {:?}", pins(&resolution)),
    }
}

/// Compares `text` with the golden file `tests/it/snapshots/{name}.txt`; with
/// `HASHPIN_UPDATE_SNAPSHOTS=1` in the environment, writes it instead.
pub(crate) fn assert_snapshot(name: &str, text: &str) {
    let path: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "tests",
        "it",
        "snapshots",
        &format!("{name}.txt"),
    ]
    .iter()
    .collect();
    // The file ends with a newline, which is not part of the text.
    if std::env::var_os("HASHPIN_UPDATE_SNAPSHOTS").is_some_and(|value| value == "1") {
        std::fs::create_dir_all(path.parent().expect("has a parent")).expect("create snapshots");
        std::fs::write(&path, format!("{text}\n")).expect("write the snapshot");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|error| {
        panic!(
            "cannot read the snapshot {}: {error}\nactual text:\n{text}\n\
             (run with HASHPIN_UPDATE_SNAPSHOTS=1 to write it)",
            path.display()
        )
    });
    let expected = expected.strip_suffix('\n').unwrap_or(&expected);
    if expected == text {
        return;
    }
    let expected_lines: Vec<&str> = expected.lines().collect();
    let actual_lines: Vec<&str> = text.lines().collect();
    let mut diff = String::new();
    for line in 0..expected_lines.len().max(actual_lines.len()) {
        match (expected_lines.get(line), actual_lines.get(line)) {
            (Some(a), Some(b)) if a == b => _ = writeln!(diff, "  {a}"),
            (a, b) => {
                if let Some(a) = a {
                    _ = writeln!(diff, "- {a}");
                }
                if let Some(b) = b {
                    _ = writeln!(diff, "+ {b}");
                }
            }
        }
    }
    panic!(
        "snapshot `{name}` ({}) differs (- expected, + actual):\n{diff}\
         (run with HASHPIN_UPDATE_SNAPSHOTS=1 to accept the new text)",
        path.display()
    );
}

/// What an index holds, to check a resolution against: each version's core metadata and
/// file names.
#[derive(Debug, Default)]
pub(crate) struct Facts {
    pub(crate) metadata: HashMap<(PackageName, Version), CoreMetadata>,
    pub(crate) files: HashMap<(PackageName, Version), BTreeSet<String>>,
}

impl Facts {
    pub(crate) fn of(index: &TestIndex) -> Self {
        let mut facts = Self::default();
        for dist in index.dists() {
            let metadata = CoreMetadata::parse(dist.metadata()).expect("valid metadata");
            let key = (metadata.name.clone(), metadata.version.clone());
            facts
                .files
                .entry(key.clone())
                .or_default()
                .insert(dist.filename().to_string());
            facts.metadata.entry(key).or_insert(metadata);
        }
        facts
    }
}

fn satisfies(requirement: &Requirement, version: &Version) -> bool {
    match &requirement.version_or_url {
        None => true,
        Some(VersionOrUrl::VersionSpecifier(specifiers)) => specifiers.contains(version),
        Some(VersionOrUrl::Url(_)) => false,
    }
}

/// The invariants of every resolution: no yanked pin (unless allowed), nothing past the
/// cutoff, every file of the version listed, something installable on the target, every root
/// requirement, constraint and `Requires-Dist` (of the chosen version, for its extras, markers
/// true) satisfied, and every package pulled in by someone.
pub(crate) fn assert_consistent(
    resolution: &Resolution,
    facts: &Facts,
    manifest: &Manifest,
    options: &ResolverOptions,
    target: &TargetEnvironment,
) {
    let env = &target.markers;
    for requirement in &manifest.requirements {
        if !requirement.marker.evaluate(env, &[]) {
            assert!(
                resolution
                    .packages
                    .get(&requirement.name)
                    .is_none_or(|package| !package
                        .required_by
                        .iter()
                        .any(|edge| edge.from == Requester::Root)),
                "`{requirement}` does not apply to the target but is recorded as a root edge"
            );
            continue;
        }
        let package = pinned(resolution, requirement, "the root");
        assert!(
            package
                .required_by
                .iter()
                .any(|edge| edge.from == Requester::Root && &edge.requirement == requirement),
            "no root edge for `{requirement}`"
        );
    }
    for constraint in &manifest.constraints {
        if let Some(package) = resolution.packages.get(&constraint.name)
            && constraint.marker.evaluate(env, &[])
        {
            assert!(
                satisfies(constraint, &package.version),
                "the constraint `{constraint}` is broken by {}",
                package.version
            );
        }
    }
    for package in resolution.packages.values() {
        assert_files(package, facts, options, target);
        assert_dependencies(resolution, package, facts, target);
    }
}

/// The package `requirement` asks for, checked against it.
fn pinned<'a>(
    resolution: &'a Resolution,
    requirement: &Requirement,
    who: &str,
) -> &'a ResolvedPackage {
    let package = resolution
        .packages
        .get(&requirement.name)
        .unwrap_or_else(|| panic!("{who} requires `{requirement}`, which is not pinned"));
    assert!(
        satisfies(requirement, &package.version),
        "{who} requires `{requirement}`, but {} is pinned",
        package.version
    );
    for extra in &requirement.extras {
        assert!(
            package.extras.contains(extra),
            "{who} requires `{requirement}`, but the extra `{extra}` is not recorded"
        );
    }
    package
}

/// Files: all of the version's (under the cutoff), not all yanked, one installable.
fn assert_files(
    package: &ResolvedPackage,
    facts: &Facts,
    options: &ResolverOptions,
    target: &TargetEnvironment,
) {
    let who = format!("{} {}", package.name, package.version);
    assert!(!package.files.is_empty(), "{who} has no files");
    for file in &package.files {
        assert_eq!(file.version(), &package.version, "{who}: {}", file.filename);
        if let Some(cutoff) = options.exclude_newer {
            assert!(
                file.upload_time.is_some_and(|uploaded| uploaded <= cutoff),
                "{who}: {} is not known to be older than the cutoff",
                file.filename
            );
        }
    }
    let key = (package.name.clone(), package.version.clone());
    let listed: BTreeSet<String> = package.files.iter().map(|f| f.filename.clone()).collect();
    let on_index = facts.files.get(&key).cloned().unwrap_or_default();
    if options.exclude_newer.is_none() {
        assert_eq!(listed, on_index, "{who}: not every file is listed");
    } else {
        assert!(listed.is_subset(&on_index), "{who}: files not on the index");
    }
    let allowed = options.allow_yanked.contains(&key);
    let live: Vec<_> = package
        .files
        .iter()
        .filter(|file| allowed || !file.yanked.is_yanked())
        .collect();
    assert!(!live.is_empty(), "{who} is yanked");
    assert!(
        live.iter().any(|file| target.can_install(file)),
        "{who} has no file installable on the target"
    );
}

/// Dependencies: its Python, and every `Requires-Dist` that applies, pinned with an edge.
fn assert_dependencies(
    resolution: &Resolution,
    package: &ResolvedPackage,
    facts: &Facts,
    target: &TargetEnvironment,
) {
    let (name, env) = (&package.name, &target.markers);
    let who = format!("{name} {}", package.version);
    assert!(
        !package.required_by.is_empty(),
        "{who} is pulled in by nobody"
    );
    let metadata = facts
        .metadata
        .get(&(name.clone(), package.version.clone()))
        .unwrap_or_else(|| panic!("{who} is not on the index"));
    assert!(
        target.accepts_python(metadata.requires_python.as_ref()),
        "{who} requires another Python"
    );
    let extras: Vec<_> = package.extras.iter().cloned().collect();
    for requirement in &metadata.requires_dist {
        let applies = requirement.marker.evaluate(env, &[])
            || extras.iter().any(|extra| {
                requirement
                    .marker
                    .evaluate(env, std::slice::from_ref(extra))
            });
        if !applies {
            continue;
        }
        if &requirement.name == name {
            for extra in &requirement.extras {
                assert!(package.extras.contains(extra), "{who}: `{requirement}`");
            }
            continue;
        }
        let dependency = pinned(resolution, requirement, &who);
        assert!(
            dependency
                .required_by
                .iter()
                .any(|edge| edge.from == Requester::Project(name.clone())
                    && &edge.requirement == requirement),
            "no edge from {who} for `{requirement}`"
        );
    }
}

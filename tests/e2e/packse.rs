//! packse's resolver scenarios (tests/packse/README.md), run against the binary: each
//! scenario's packages are built by the testkit and served on a loopback index, its root
//! requirements compiled for its environment, and the outcome compared with its expectation.
//!
//! A scenario hashpin does not pass is listed in `tests/packse/divergences.toml` with the
//! reason; the run fails on one that is neither passing nor listed, and on a listed one that
//! passes, so that the list stays true. Scenarios that need what a single-target lock does
//! not have (universal resolution, required environments, uv's resolution strategies) are
//! counted apart and not run.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use hashpin_testkit::{Dist, IndexBuilder};
use serde::Deserialize;

use crate::compile::pins;
use crate::{hashpin, run};

#[derive(Debug, Deserialize)]
struct Scenario {
    name: String,
    #[serde(default)]
    resolver_options: ResolverOptions,
    #[serde(default)]
    environment: Environment,
    expected: Expected,
    root: Root,
    #[serde(default)]
    packages: BTreeMap<String, Package>,
}

#[derive(Debug, Default, Deserialize)]
struct ResolverOptions {
    python: Option<String>,
    #[serde(default)]
    prereleases: bool,
    #[serde(default)]
    no_build: Vec<String>,
    #[serde(default)]
    no_binary: Vec<String>,
    #[serde(default)]
    universal: bool,
    python_platform: Option<String>,
    required_environments: Option<Vec<String>>,
    resolution: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Environment {
    #[serde(default = "default_python")]
    python: String,
}

impl Default for Environment {
    fn default() -> Self {
        Self {
            python: default_python(),
        }
    }
}

/// packse's defaults since 2025: Python 3.12, and packages that require it.
fn default_python() -> String {
    "3.12".into()
}

#[allow(
    clippy::unnecessary_wraps,
    reason = "serde's default for an optional field"
)]
fn default_requires_python() -> Option<String> {
    Some(">=3.12".into())
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
struct Expected {
    satisfiable: bool,
    /// When absent, the scenario says only whether there is a solution.
    packages: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Deserialize)]
struct Root {
    #[serde(default)]
    requires: Vec<String>,
    requires_python: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Package {
    #[serde(default)]
    versions: BTreeMap<String, Version>,
}

#[derive(Debug, Deserialize)]
struct Version {
    #[serde(default)]
    requires: Vec<String>,
    #[serde(default = "default_requires_python")]
    requires_python: Option<String>,
    #[serde(default)]
    extras: BTreeMap<String, Vec<String>>,
    #[serde(default = "yes")]
    sdist: bool,
    #[serde(default = "yes")]
    wheel: bool,
    #[serde(default)]
    yanked: bool,
    #[serde(default)]
    wheel_tags: Vec<String>,
}

/// Whether a universal scenario's answer is the same for every target, so that a
/// single-target lock must give it too: no markers, no platform wheels, every package on
/// packse's default Python requirement, and none of the root's.
fn same_everywhere(scenario: &Scenario) -> bool {
    let unmarked = |requirement: &String| !requirement.contains(';');
    scenario.root.requires.iter().all(unmarked)
        && scenario.root.requires_python.is_none()
        && scenario
            .packages
            .values()
            .flat_map(|package| package.versions.values())
            .all(|version| {
                version.requires.iter().all(unmarked)
                    && version.extras.values().flatten().all(unmarked)
                    && version.wheel_tags.is_empty()
                    && version.requires_python == default_requires_python()
            })
}

/// Why a scenario is not run for a single-target lock.
fn not_applicable(scenario: &Scenario) -> Option<&'static str> {
    let options = &scenario.resolver_options;
    if (options.universal && !same_everywhere(scenario)) || options.required_environments.is_some()
    {
        Some("universal resolution (issue 15)")
    } else if options.resolution.is_some() {
        Some("uv's --resolution strategies")
    } else {
        None
    }
}

/// `requirement` that applies only with `extra`.
fn under_extra(requirement: &str, extra: &str) -> String {
    match requirement.split_once(';') {
        Some((requirement, marker)) => {
            format!(
                "{requirement}; ({}) and extra == \"{extra}\"",
                marker.trim()
            )
        }
        None => format!("{requirement}; extra == \"{extra}\""),
    }
}

/// Every file of the scenario's packages, as packse would build them.
fn dists(scenario: &Scenario) -> (Vec<Dist>, Vec<String>) {
    let mut dists = Vec::new();
    let mut empty = Vec::new();
    for (name, package) in &scenario.packages {
        if package.versions.is_empty() {
            empty.push(name.clone());
        }
        for (version, metadata) in &package.versions {
            let requires: Vec<String> = metadata
                .requires
                .iter()
                .cloned()
                .chain(metadata.extras.iter().flat_map(|(extra, requirements)| {
                    requirements
                        .iter()
                        .map(|requirement| under_extra(requirement, extra))
                }))
                .collect();
            let yanked = metadata.yanked.then_some("");
            // The same metadata on every file, through either builder.
            macro_rules! described {
                ($builder:expr) => {{
                    let mut builder = $builder.yanked(yanked);
                    if let Some(spec) = &metadata.requires_python {
                        builder = builder.requires_python(spec);
                    }
                    for extra in metadata.extras.keys() {
                        builder = builder.provides_extra(extra);
                    }
                    for requirement in &requires {
                        builder = builder.requires_dist(requirement);
                    }
                    builder.build()
                }};
            }
            if metadata.wheel {
                let tags = if metadata.wheel_tags.is_empty() {
                    vec!["py3-none-any".to_string()]
                } else {
                    metadata.wheel_tags.clone()
                };
                for tag in tags {
                    dists.push(described!(Dist::wheel(name, version).tag(&tag)));
                }
            }
            if metadata.sdist {
                dists.push(described!(Dist::sdist(name, version)));
            }
            if !metadata.wheel && !metadata.sdist {
                empty.push(name.clone());
            }
        }
    }
    (dists, empty)
}

/// Who answers a scenario: hashpin, or (side by side, by hand) uv.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tool {
    Hashpin,
    Uv,
}

/// What `tool` made of a scenario, when it is not what the scenario expects.
fn failure(scenario: &Scenario, cache: &Path, tool: Tool) -> Option<String> {
    let (dists, empty) = dists(scenario);
    let mut index = IndexBuilder::new().dists(dists);
    for name in empty {
        index = index.project(&name);
    }
    let index = index.start();
    let dir = tempfile::tempdir().expect("a scenario directory");
    let mut requirements = scenario.root.requires.join("\n");
    requirements.push('\n');
    std::fs::write(dir.path().join("requirements.in"), requirements).expect("requirements.in");
    let options = &scenario.resolver_options;
    let python = options
        .python
        .as_ref()
        .unwrap_or(&scenario.environment.python);
    let platform = options.python_platform.as_deref().unwrap_or("linux");
    let mut command = match tool {
        Tool::Hashpin => {
            let mut command = hashpin(cache);
            command.args(["compile", "requirements.in"]);
            if options.prereleases {
                command.arg("--pre");
            }
            command
        }
        Tool::Uv => {
            let mut command = std::process::Command::new(crate::pylock::tools().join("bin/uv"));
            command
                .args(["pip", "compile", "requirements.in", "--cache-dir"])
                .arg(cache)
                .env("UV_NO_CONFIG", "1")
                .env_remove("UV_INDEX_URL");
            if options.prereleases {
                command.args(["--prerelease", "allow"]);
            }
            command
        }
    };
    command
        .current_dir(dir.path())
        .args(["--no-header", "--no-annotate"])
        .args(["--index-url", &index.url(), "--python-version", python])
        .args(["--python-platform", platform]);
    // packse's `no_build`: only wheels of these; `no_binary`: only their sdists.
    for name in &options.no_build {
        command.args(["--only-binary", name]);
    }
    for name in &options.no_binary {
        command.args(["--no-binary", name]);
    }
    let (output, stdout, stderr) = run(&mut command);
    let code = output.status.code();
    let said = || {
        stderr
            .lines()
            .find(|line| line.starts_with("error"))
            .unwrap_or_else(|| stderr.lines().next().unwrap_or(""))
            .to_string()
    };
    match (scenario.expected.satisfiable, code) {
        (true, Some(0)) => {
            let locked = pins(&stdout);
            let expected: BTreeMap<String, String> = scenario
                .expected
                .packages
                .as_ref()?
                .iter()
                .map(|(name, version)| {
                    (
                        name.to_lowercase().replace(['_', '.'], "-"),
                        version.clone(),
                    )
                })
                .collect();
            (locked != expected).then(|| format!("locked {locked:?}, expected {expected:?}"))
        }
        (true, _) => Some(format!("no lock (exit {code:?}): {}", said())),
        (false, Some(1)) => None,
        (false, Some(0)) => Some(format!("locked {:?}, expected no solution", pins(&stdout))),
        (false, _) => Some(format!("exit {code:?}, expected no solution: {}", said())),
    }
}

fn scenarios(copy: &str) -> Vec<Scenario> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/packse")
        .join(copy)
        .join("scenarios");
    let mut paths = Vec::new();
    let mut pending = vec![root];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("the scenarios folder") {
            let path = entry.expect("a folder entry").path();
            if path.is_dir() {
                pending.push(path);
            } else if path
                .extension()
                .is_some_and(|extension| extension == "toml")
            {
                paths.push(path);
            }
        }
    }
    paths.sort();
    paths
        .iter()
        .map(|path| {
            let text = std::fs::read_to_string(path).expect("a scenario file");
            toml::from_str(&text).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
        })
        .collect()
}

/// The divergences listed for `copy`: scenario name to reason.
fn divergences(copy: &str) -> BTreeMap<String, String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/packse/divergences.toml");
    let text = std::fs::read_to_string(path).expect("tests/packse/divergences.toml");
    let mut all: BTreeMap<String, BTreeMap<String, String>> =
        toml::from_str(&text).expect("divergences.toml is a table of tables");
    all.remove(copy).unwrap_or_default()
}

#[allow(clippy::print_stderr, reason = "the counts are the run's report")]
fn run_copy(copy: &str) {
    let cache = tempfile::tempdir().expect("a cache directory");
    let listed = divergences(copy);
    let mut passed = 0;
    let mut not_run: BTreeMap<&str, usize> = BTreeMap::new();
    let mut diverged = 0;
    let mut problems = String::new();
    let scenarios = scenarios(copy);
    for scenario in &scenarios {
        if let Some(reason) = not_applicable(scenario) {
            *not_run.entry(reason).or_default() += 1;
            continue;
        }
        // Each scenario gets a cache of its own: its packages share names with others'.
        let cache = tempfile::tempdir_in(cache.path()).expect("a scenario cache");
        match (
            failure(scenario, cache.path(), Tool::Hashpin),
            listed.get(&scenario.name),
        ) {
            (None, None) => passed += 1,
            (None, Some(reason)) => {
                let _ = writeln!(
                    problems,
                    "{}: passes, but divergences.toml lists it ({reason})",
                    scenario.name
                );
            }
            (Some(_), Some(_)) => diverged += 1,
            (Some(what), None) => {
                let _ = writeln!(problems, "{}: {what}", scenario.name);
            }
        }
    }
    let run = scenarios.len() - not_run.values().sum::<usize>();
    eprintln!(
        "packse {copy}: {passed} of {run} applicable scenarios pass, {diverged} listed as divergences; not run: {not_run:?}"
    );
    let names: Vec<&String> = scenarios.iter().map(|scenario| &scenario.name).collect();
    for name in listed.keys() {
        if !names.contains(&name) {
            let _ = writeln!(
                problems,
                "{name}: listed in divergences.toml, but no such scenario"
            );
        }
    }
    assert!(problems.is_empty(), "packse {copy}:\n{problems}");
}

/// uv's answers to the same scenarios, for the comparison in docs/resolver.md: how many pass,
/// and which of hashpin's divergences uv shares.
#[allow(clippy::print_stderr, reason = "the counts are the comparison")]
fn compare_with_uv(copy: &str) {
    let cache = tempfile::tempdir().expect("a cache directory");
    let listed = divergences(copy);
    let (mut run, mut passed) = (0, 0);
    for scenario in scenarios(copy) {
        if not_applicable(&scenario).is_some() {
            continue;
        }
        run += 1;
        let cache = tempfile::tempdir_in(cache.path()).expect("a scenario cache");
        match failure(&scenario, cache.path(), Tool::Uv) {
            None => passed += 1,
            Some(what) => eprintln!(
                "uv fails {}: {what}{}",
                scenario.name,
                if listed.contains_key(&scenario.name) {
                    " (hashpin diverges too)"
                } else {
                    ""
                }
            ),
        }
    }
    eprintln!("uv on packse {copy}: {passed} of {run} applicable scenarios pass");
}

#[test]
#[ignore = "a comparison to run by hand: cargo test --test e2e uv_on -- --ignored --nocapture"]
fn uv_on_the_same_scenarios() {
    compare_with_uv("packse-0.3.59");
    compare_with_uv("uv");
}

#[test]
fn packse_0_3_59_scenarios() {
    run_copy("packse-0.3.59");
}

#[test]
fn uv_s_copy_of_the_packse_scenarios() {
    run_copy("uv");
}

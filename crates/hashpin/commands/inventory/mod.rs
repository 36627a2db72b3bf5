//! `hashpin inventory LOCK...`: every third-party component a lock installs, with its
//! licence, the size of what installs on the target, its depth in the graph and who requires
//! it; totals, and the heaviest subtrees.
//!
//! The lock is the tree. Licences come from each release's metadata, and sizes from the
//! index's listing, both from the cache compile filled where it has them (pages are
//! revalidated as every command does; `--offline` uses the cache alone). A release whose
//! listing or metadata cannot be had is still listed, with what is unknown said.

mod cyclonedx;
mod graph;
mod html;
mod licence;
mod policy;
mod report;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use hashpin_formats::{Package, Source};
use hashpin_pypi::{DistFile, DistFilename, IndexClient, PackageName, Project};
use hashpin_resolver::TargetEnvironment;

use crate::cli::InventoryArgs;
use crate::exit::ExitStatus;
use crate::lockfile::LockFile;
use crate::printer;
use crate::settings::{index_options, index_settings, target_environment};
use licence::Licence;

/// One component of the inventory.
#[derive(Debug)]
struct Component {
    name: PackageName,
    version: Option<String>,
    /// Where it is installed from, when not an index: `local`, `vcs`, `url`.
    source: &'static str,
    licence: Licence,
    /// The file that installs on the target, and its size when the index gives it.
    file: Option<String>,
    size: Option<u64>,
    /// The SHA-256 of that file, else every hash the lock gives the release.
    hashes: Vec<String>,
    /// Its Trusted Publishers (PEP 740), as the lock records them or the index's provenance
    /// for that file names them; recorded, not verified.
    publishers: Vec<hashpin_pypi::Publisher>,
    required_by: Vec<String>,
    /// Where it is written.
    location: String,
    /// What could not be read about it.
    unknown: Option<String>,
}

/// A publisher as one line: `GitHub org/app release.yml (environment pypi)`.
pub(crate) fn publisher_line(publisher: &hashpin_pypi::Publisher) -> String {
    let key = |name: &str| publisher.keys.get(name).map(String::as_str);
    let mut line = publisher.kind.clone();
    for name in ["repository", "project", "workflow", "workflow_filepath"] {
        if let Some(value) = key(name) {
            line.push(' ');
            line.push_str(value);
        }
    }
    if let Some(environment) = key("environment").filter(|value| !value.is_empty()) {
        line.push_str(" (environment ");
        line.push_str(environment);
        line.push(')');
    }
    hashpin_pypi::untrusted::for_terminal(&line).into_owned()
}

impl Component {
    /// Its publishers, one line each, joined.
    fn publishers_text(&self) -> String {
        self.publishers
            .iter()
            .map(publisher_line)
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// A package as the lock has it, before its listing and metadata are read.
    fn new(package: &Package, location: &str) -> Self {
        Component {
            name: package.name.clone(),
            version: package.version.as_ref().map(ToString::to_string),
            source: match package.source {
                Source::Index => "index",
                Source::Archive { .. } => "url",
                Source::Directory { .. } => "local",
                Source::Vcs { .. } => "vcs",
            },
            licence: Licence {
                spdx: None,
                from: "none",
                written: None,
            },
            file: None,
            size: None,
            hashes: package
                .hashes()
                .filter(|hash| hash.algorithm() == hashpin_pypi::HashAlgorithm::Sha256)
                .map(|hash| hash.digest().to_string())
                .collect(),
            publishers: package.attestation_identities.clone(),
            required_by: package.via.clone(),
            location: location.to_string(),
            unknown: None,
        }
    }
}

/// The inventory of one or more locks.
#[derive(Debug)]
struct Inventory {
    /// The locks' paths, as given.
    locks: Vec<String>,
    components: Vec<Component>,
    graph: graph::Graph,
}

pub(crate) async fn run(args: &InventoryArgs) -> anyhow::Result<ExitStatus> {
    let mut locks: Vec<(PathBuf, LockFile)> = Vec::new();
    for path in &args.locks {
        locks.push((path.clone(), crate::lockfile::read(path, None)?));
    }
    let lines = crate::lockfile::index_lines(&locks);
    let settings = index_settings(&args.index, &index_options(&args.index, &lines))?;
    let target = target_environment(
        &args.target,
        &args.index.python,
        settings.interpreter.as_ref().ok(),
    )?;
    let policy = policy::Policy::new(&args.allow_licence, &args.deny_licence)?;
    let inventory = Inventory::read(&locks, &settings.client, &target).await;
    let breaches = breaches(&inventory, &policy);
    report::print(&inventory, args.format, &breaches)?;
    if policy.is_deny_only() {
        let unknown: Vec<String> = inventory
            .components
            .iter()
            .filter(|c| c.licence.spdx.is_none())
            .map(|c| c.name.to_string())
            .collect();
        if !unknown.is_empty() {
            printer::status(&format!(
                "Not checked against --deny-licence, their licence being unknown: {}",
                unknown.join(", ")
            ));
        }
    }
    if breaches.is_empty() {
        return Ok(ExitStatus::Success);
    }
    Ok(crate::exit::No::because(format!(
        "{} the licence policy",
        match breaches.len() {
            1 => "1 package breaks".to_string(),
            n => format!("{n} packages break"),
        }
    ))
    .into())
}

impl Inventory {
    async fn read(
        locks: &[(PathBuf, LockFile)],
        client: &IndexClient,
        target: &TargetEnvironment,
    ) -> Self {
        // Each package once, however many locks name it (the first lock's entry).
        let mut packages: Vec<(&Package, String)> = Vec::new();
        let mut seen = HashSet::new();
        // Who requires a package, in every lock that pins it.
        let mut via: HashMap<(PackageName, Option<hashpin_pypi::Version>), Vec<String>> =
            HashMap::new();
        for (_, read) in locks {
            for (package, location) in read.lock.packages.iter().zip(&read.locations) {
                let key = (package.name.clone(), package.version.clone());
                via.entry(key.clone())
                    .or_default()
                    .extend(package.via.iter().cloned());
                if seen.insert(key) {
                    packages.push((
                        package,
                        format!("{}:{}", location.file.display(), location.line),
                    ));
                }
            }
        }
        let names: HashSet<PackageName> = packages
            .iter()
            .filter(|(package, _)| package.source == Source::Index)
            .map(|(package, _)| package.name.clone())
            .collect();
        let mut projects: HashMap<PackageName, Result<Project, String>> = HashMap::new();
        for (name, project) in client.projects(names).await {
            projects.insert(
                name,
                project.map_err(|error| hashpin_pypi::error_chain(&error)),
            );
        }
        let mut reads = tokio::task::JoinSet::new();
        for (at, (package, _)) in packages.iter().enumerate() {
            if let Some(Ok(project)) = projects.get(&package.name) {
                let chosen = chosen_files(project, package, target);
                let client = client.clone();
                reads.spawn(async move { (at, describe(&client, chosen).await) });
            }
        }
        let mut described: HashMap<usize, Described> = HashMap::new();
        while let Some(joined) = reads.join_next().await {
            if let Ok((at, found)) = joined {
                described.insert(at, found);
            }
        }
        let mut components = Vec::new();
        for (at, (package, location)) in packages.iter().enumerate() {
            let mut component = Component::new(package, location);
            if let Some(all) = via.get(&(package.name.clone(), package.version.clone())) {
                let mut all = all.clone();
                all.sort();
                all.dedup();
                component.required_by = all;
            }
            match (described.remove(&at), projects.get(&package.name)) {
                (Some(found), _) => {
                    component.file = found.file;
                    component.size = found.size;
                    if let Some(sha256) = found.sha256 {
                        component.hashes = vec![sha256];
                    }
                    if component.publishers.is_empty() {
                        component.publishers = found.publishers;
                    }
                    component.unknown = found.unknown;
                    if let Some(licence) = found.licence {
                        component.licence = licence;
                    }
                }
                (None, Some(Err(why))) => {
                    component.unknown = Some(format!("the index could not list it: {why}"));
                }
                (None, _) if package.source != Source::Index => {
                    component.unknown =
                        Some("not from an index: its metadata is not read".to_string());
                }
                (None, _) => {}
            }
            components.push(component);
        }
        let names: Vec<PackageName> = components.iter().map(|c| c.name.clone()).collect();
        let via: Vec<Vec<String>> = components.iter().map(|c| c.required_by.clone()).collect();
        let graph = graph::Graph::new(&names, &via);
        Self {
            locks: locks
                .iter()
                .map(|(path, _)| path.display().to_string())
                .collect(),
            components,
            graph,
        }
    }
}

/// The locked files of a package's release that install on the target, best first: its
/// wheels by tag preference, then its sdist.
fn chosen_files(project: &Project, package: &Package, target: &TargetEnvironment) -> Chosen {
    let Some(version) = &package.version else {
        return Chosen::default();
    };
    let locked: HashSet<_> = package.hashes().collect();
    let files: Vec<DistFile> = project
        .files_of(version)
        .unwrap_or_default()
        .into_iter()
        .filter(|file| locked.is_empty() || file.hashes.iter().any(|hash| locked.contains(hash)))
        .collect();
    let wheel = files
        .iter()
        .filter(|file| matches!(file.parsed, DistFilename::Wheel(_)) && target.can_install(file))
        .min_by_key(|file| target.tags.rank(&file.parsed).unwrap_or(usize::MAX))
        .cloned();
    let sdist = files
        .iter()
        .find(|file| matches!(file.parsed, DistFilename::Sdist(_)))
        .cloned();
    // Any wheel's metadata tells the licence when none fits the target.
    let any_wheel = files
        .iter()
        .find(|file| matches!(file.parsed, DistFilename::Wheel(_)))
        .cloned();
    Chosen {
        installs: wheel.clone().or_else(|| sdist.clone()),
        metadata: wheel.or(any_wheel).or(sdist),
    }
}

#[derive(Debug, Default)]
struct Chosen {
    /// The file that installs on the target.
    installs: Option<DistFile>,
    /// The file whose metadata is read.
    metadata: Option<DistFile>,
}

#[derive(Debug)]
struct Described {
    file: Option<String>,
    size: Option<u64>,
    sha256: Option<String>,
    publishers: Vec<hashpin_pypi::Publisher>,
    licence: Option<Licence>,
    unknown: Option<String>,
}

async fn describe(client: &IndexClient, chosen: Chosen) -> Described {
    let mut described = Described {
        file: chosen.installs.as_ref().map(|file| file.filename.clone()),
        size: chosen.installs.as_ref().and_then(|file| file.size),
        sha256: chosen
            .installs
            .as_ref()
            .and_then(DistFile::sha256)
            .map(|hash| hash.digest().to_string()),
        publishers: Vec::new(),
        licence: None,
        unknown: match &chosen.installs {
            None => Some("no locked file installs on the target".to_string()),
            Some(file) if file.size.is_none() => {
                Some("the index gives no size for its file".to_string())
            }
            Some(_) => None,
        },
    };
    if let Some(file) = &chosen.installs {
        match client.publishers(file).await {
            Ok(publishers) => described.publishers = publishers,
            Err(error) => log::warn!(
                "the provenance of `{}` cannot be read: {}",
                hashpin_pypi::untrusted::for_terminal(&file.filename),
                hashpin_pypi::error_chain(&error)
            ),
        }
    }
    if let Some(file) = &chosen.metadata {
        match client.metadata(file).await {
            Ok(metadata) => described.licence = Some(licence::of(&metadata)),
            Err(error) => {
                described.unknown = Some(format!(
                    "its metadata cannot be read: {}",
                    hashpin_pypi::error_chain(&error)
                ));
            }
        }
    }
    described
}

/// The packages that break `policy`, by index, with how.
fn breaches(inventory: &Inventory, policy: &policy::Policy) -> Vec<(usize, policy::Breach)> {
    if policy.is_empty() {
        return Vec::new();
    }
    inventory
        .components
        .iter()
        .enumerate()
        .filter_map(|(at, c)| {
            policy
                .judge(c.licence.spdx.as_deref())
                .map(|breach| (at, breach))
        })
        .collect()
}

/// Standard output's reader (a CSV for a spreadsheet, JSON for a script) gets the data; a
/// note about what is unknown goes to stderr.
fn unknown_note(inventory: &Inventory) -> Option<String> {
    let unknown: Vec<String> = inventory
        .components
        .iter()
        .filter_map(|c| c.unknown.as_ref().map(|why| format!("{} ({why})", c.name)))
        .collect();
    match unknown.as_slice() {
        [] => None,
        [one] => Some(format!("Not all is known of 1 package: {one}")),
        many => Some(format!(
            "Not all is known of {} packages: {}{}",
            many.len(),
            many.iter().take(5).cloned().collect::<Vec<_>>().join("; "),
            if many.len() > 5 { "; …" } else { "" }
        )),
    }
}

fn note(inventory: &Inventory) {
    if let Some(text) = unknown_note(inventory) {
        printer::status(&text);
    }
    if !inventory.components.is_empty() && inventory.graph.roots.is_empty() {
        printer::status(
            "The lock has no `# via` comments (written with --no-annotate?): depths, who requires what and subtrees are not known",
        );
    }
}

//! The startup-hook gate on an environment (`freeze`): the `.pth`, `.start` and
//! `*customize.py` files actually present in its import directories, each with the
//! distribution whose `RECORD` owns it, or none (the file of an uninstalled package that
//! outlived it, or one put there by hand).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use hashpin_pypi::untrusted::for_terminal;
use hashpin_pypi::{HookClass, HookKind, MAX_HOOK_BYTES, PackageName, StartupHook, Version};

use crate::startup_hooks::{Allowance, Found};

/// Hooks that environment tools write, owned by no distribution: allowed without an owner.
const ENVIRONMENT_HOOKS: &[(&str, &str)] = &[(
    "_virtualenv.pth",
    "virtualenv's and uv's venvs: patches distutils for the environment",
)];

/// One hook in an import directory.
#[derive(Debug)]
pub(crate) struct InstalledHook {
    pub(crate) path: PathBuf,
    /// The distribution whose `RECORD` lists it.
    pub(crate) owner: Option<(PackageName, Version)>,
    pub(crate) hook: StartupHook,
}

/// Every hook directly in `directories` (one that cannot be listed has none to run).
pub(crate) fn scan(directories: &[PathBuf]) -> Vec<InstalledHook> {
    let mut found = Vec::new();
    for directory in directories {
        let Ok(entries) = std::fs::read_dir(directory) else {
            continue;
        };
        let mut hooks: Vec<(PathBuf, String, HookKind)> = entries
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| path.is_file())
            .filter_map(|path| {
                let name = path.file_name()?.to_str()?.to_string();
                let kind = hashpin_pypi::hook_kind(&name)?;
                Some((path, name, kind))
            })
            .collect();
        if hooks.is_empty() {
            continue;
        }
        hooks.sort();
        // Every RECORD of the directory is read only where there is a hook to own.
        let owners = owners(directory);
        for (path, name, kind) in hooks {
            let name = name.as_str();
            let size = std::fs::metadata(&path).map_or(0, |stat| stat.len());
            let content = (size <= MAX_HOOK_BYTES)
                .then(|| read_bounded(&path))
                .flatten();
            let owner = owners.get(name).cloned();
            found.push(InstalledHook {
                hook: StartupHook {
                    path: name.to_string(),
                    kind,
                    class: content.as_deref().map_or(HookClass::Executable, |content| {
                        hashpin_pypi::classify(kind, name, content)
                    }),
                    size,
                    sha256: content.as_deref().map(|content| {
                        hashpin_pypi::HashDigest::sha256_of(content)
                            .hex()
                            .to_string()
                    }),
                    first_line: content
                        .as_deref()
                        .map(|content| hashpin_pypi::first_line(kind, content))
                        .unwrap_or_default(),
                    in_record: owner.is_some(),
                },
                owner,
                path,
            });
        }
    }
    found
}

fn read_bounded(path: &Path) -> Option<Vec<u8>> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .ok()?
        .take(MAX_HOOK_BYTES + 1)
        .read_to_end(&mut bytes)
        .ok()?;
    Some(bytes)
}

/// Which distribution of `directory` lists each top-level file in its `RECORD`.
fn owners(directory: &Path) -> HashMap<String, (PackageName, Version)> {
    let mut owners = HashMap::new();
    let Ok(entries) = std::fs::read_dir(directory) else {
        return owners;
    };
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name();
        let Some(stem) = name
            .to_str()
            .and_then(|name| name.strip_suffix(".dist-info"))
        else {
            continue;
        };
        let Some((project, version)) = stem.rsplit_once('-') else {
            continue;
        };
        let (Ok(project), Ok(version)) =
            (project.parse::<PackageName>(), version.parse::<Version>())
        else {
            continue;
        };
        let Ok(record) = hashpin_formats::read_bounded(
            &entry.path().join("RECORD"),
            hashpin_formats::MAX_FILE_BYTES,
        ) else {
            continue;
        };
        for listed in hashpin_pypi::record_paths(record.as_bytes()) {
            if !listed.contains('/') {
                owners.insert(listed, (project.clone(), version.clone()));
            }
        }
    }
    owners
}

/// The hooks that run code and are neither known (for their owner, or of the environment)
/// nor acknowledged.
pub(crate) fn refused<'a>(
    hooks: &'a [InstalledHook],
    allowances: &[Allowance],
) -> Vec<&'a InstalledHook> {
    hooks
        .iter()
        .filter(|installed| installed.hook.class == HookClass::Executable)
        .filter(|installed| match &installed.owner {
            Some((name, version)) => !crate::startup_hooks::is_allowed(
                &Found {
                    name: name.clone(),
                    version: version.clone(),
                    wheels: Vec::new(),
                    hook: installed.hook.clone(),
                    contents: std::collections::BTreeSet::new(),
                },
                allowances,
            ),
            None => {
                !ENVIRONMENT_HOOKS
                    .iter()
                    .any(|(file, _)| *file == installed.hook.path)
                    && !allowances
                        .iter()
                        .any(|allowance| allowance.allows_unowned(&installed.hook.path))
            }
        })
        .collect()
}

/// The refusal, each hook with its owner (or none), size and the line that runs.
pub(crate) fn refusal(refused: &[&InstalledHook]) -> String {
    let mut text =
        String::from("the environment has startup hooks that run code at every interpreter start:");
    let mut allow = Vec::new();
    for installed in refused {
        let owner = if let Some((name, version)) = &installed.owner {
            allow.push(format!(
                "--allow-startup-hook {name}:{}",
                for_terminal(&installed.hook.path)
            ));
            format!("installed by {name}=={version}")
        } else {
            allow.push(format!(
                "--allow-startup-hook :{}",
                for_terminal(&installed.hook.path)
            ));
            "owned by no installed distribution: left behind by an uninstall, or put there by hand"
                .to_string()
        };
        let _ = write!(
            text,
            "\n  {} ({} bytes; {owner}): `{}`",
            for_terminal(&installed.path.display().to_string()),
            installed.hook.size,
            for_terminal(&installed.hook.first_line)
        );
    }
    text.push_str(&crate::startup_hooks::acknowledge(allow));
    text
}

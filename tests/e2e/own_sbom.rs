//! hashpin's own SBOM (`scripts/sbom.py`, docs/dependencies.md): exactly the crates cargo
//! builds into the binary, each crates.io crate with its Cargo.lock checksum, and valid
//! CycloneDX 1.5 by the CycloneDX project's own validator (cyclonedx-python-lib, from the
//! test tools).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use crate::pylock::tools;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// (name, version) of every crate in the binary's normal tree, as cargo resolves it.
fn cargo_tree() -> BTreeSet<(String, String)> {
    let output = Command::new(env!("CARGO"))
        .args([
            "tree", "--locked", "-e", "normal", "-p", "hashpin", "--prefix", "none",
        ])
        .current_dir(root())
        .output()
        .expect("cargo tree runs");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| {
            let mut words = line.split_whitespace();
            let name = words.next().expect("a name").to_string();
            let version = words.next().expect("a version");
            (name, version.trim_start_matches('v').to_string())
        })
        .collect()
}

/// Cargo.lock's checksum of each crates.io crate, by (name, version).
fn checksums() -> BTreeMap<(String, String), String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock")).expect("Cargo.lock");
    let mut checksums = BTreeMap::new();
    for package in lock.split("[[package]]").skip(1) {
        let field = |key: &str| {
            package.lines().find_map(|line| {
                line.strip_prefix(&format!("{key} = \""))
                    .and_then(|rest| rest.strip_suffix('"'))
                    .map(str::to_string)
            })
        };
        if let (Some(name), Some(version), Some(checksum)) =
            (field("name"), field("version"), field("checksum"))
        {
            checksums.insert((name, version), checksum);
        }
    }
    checksums
}

#[test]
fn the_sbom_lists_the_binary_s_crates_with_their_checksums_as_valid_cyclonedx() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let sbom = dir.path().join("hashpin.cdx.json");
    let output = Command::new("python3")
        .arg(root().join("scripts/sbom.py"))
        .arg("-o")
        .arg(&sbom)
        .output()
        .expect("python3 runs");
    assert!(output.status.success(), "{output:?}");
    let document: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&sbom).expect("the SBOM")).expect("JSON");

    let application = &document["metadata"]["component"];
    assert_eq!(application["name"], "hashpin");
    let components = document["components"].as_array().expect("components");
    let listed: BTreeSet<(String, String)> = components
        .iter()
        .chain([application])
        .map(|component| {
            (
                component["name"].as_str().expect("a name").to_string(),
                component["version"]
                    .as_str()
                    .expect("a version")
                    .to_string(),
            )
        })
        .collect();
    assert_eq!(listed, cargo_tree());

    let checksums = checksums();
    for component in components {
        let key = (
            component["name"].as_str().unwrap_or_default().to_string(),
            component["version"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        );
        let hash = component["hashes"][0]["content"].as_str();
        match checksums.get(&key) {
            Some(checksum) => assert_eq!(hash, Some(checksum.as_str()), "{key:?}"),
            None => assert!(key.0.starts_with("hashpin"), "{key:?} has no checksum"),
        }
        assert!(
            component["licenses"][0]["expression"].is_string(),
            "{key:?} has no licence"
        );
    }

    assert_valid_cyclonedx(&sbom, "V1_5");
}

/// Validates the CycloneDX JSON at `path` against the schema `version` (`V1_5`, `V1_6`) with
/// the CycloneDX project's own validator, from the test tools.
pub(crate) fn assert_valid_cyclonedx(path: &Path, version: &str) {
    let validate = Command::new(tools().join("bin/python"))
        .args([
            "-c",
            "import sys\n\
             from cyclonedx.schema import SchemaVersion\n\
             from cyclonedx.validation.json import JsonStrictValidator\n\
             error = JsonStrictValidator(getattr(SchemaVersion, sys.argv[2])).validate_str(open(sys.argv[1]).read())\n\
             sys.exit(str(error) if error else 0)",
        ])
        .arg(path)
        .arg(version)
        .output()
        .expect("the validator runs");
    assert!(
        validate.status.success(),
        "{}",
        String::from_utf8_lossy(&validate.stderr)
    );
}

//! The inventory as a CycloneDX 1.6 SBOM (JSON): each package a `library` component with
//! its `pkg:pypi/` purl, the SHA-256 of the file that installs on the target, its licence,
//! and the dependency graph from the lock; hashpin as the tool, and the lock as the
//! application the components belong to.

use serde_json::{Value, json};

use super::Inventory;

/// A purl for a Python package: the normalized name, the version with `+` percent-encoded
/// (a local version's separator is reserved in purls).
fn purl(name: &str, version: Option<&str>) -> String {
    match version {
        Some(version) => format!("pkg:pypi/{name}@{}", version.replace('+', "%2B")),
        None => format!("pkg:pypi/{name}"),
    }
}

pub(super) fn bom(inventory: &Inventory) -> Value {
    let refs: Vec<String> = inventory
        .components
        .iter()
        .map(|c| purl(c.name.as_ref(), c.version.as_deref()))
        .collect();
    let components: Vec<Value> = inventory
        .components
        .iter()
        .zip(&refs)
        .enumerate()
        .map(|(at, (c, purl))| {
            let mut component = json!({
                "type": "library",
                "bom-ref": purl,
                "name": c.name.to_string(),
                "purl": purl,
            });
            if let Some(version) = &c.version {
                component["version"] = json!(version);
            }
            if !c.hashes.is_empty() {
                component["hashes"] = json!(
                    c.hashes
                        .iter()
                        .map(|hex| json!({"alg": "SHA-256", "content": hex}))
                        .collect::<Vec<_>>()
                );
            }
            match (&c.licence.spdx, &c.licence.written) {
                (Some(expression), _) => {
                    component["licenses"] = json!([{"expression": expression}]);
                }
                (None, Some(written)) => {
                    component["licenses"] = json!([{"license": {"name": hashpin_pypi::untrusted::excerpt(written, 200)}}]);
                }
                (None, None) => {}
            }
            let mut properties = Vec::new();
            if let Some(size) = c.size {
                properties.push(json!({"name": "hashpin:size", "value": size.to_string()}));
            }
            if let Some(file) = &c.file {
                properties.push(json!({"name": "hashpin:file", "value": file}));
            }
            for publisher in &c.publishers {
                properties.push(json!({
                    "name": "hashpin:publisher",
                    "value": super::publisher_line(publisher),
                }));
            }
            if let Some(depth) = inventory.graph.depth[at] {
                properties.push(json!({"name": "hashpin:depth", "value": depth.to_string()}));
            }
            if !properties.is_empty() {
                component["properties"] = json!(properties);
            }
            component
        })
        .collect();
    let root = "lock";
    let mut dependencies = vec![json!({
        "ref": root,
        "dependsOn": inventory.graph.roots.iter().map(|&at| refs[at].clone()).collect::<Vec<_>>(),
    })];
    for (at, children) in inventory.graph.children.iter().enumerate() {
        dependencies.push(json!({
            "ref": refs[at],
            "dependsOn": children.iter().map(|&child| refs[child].clone()).collect::<Vec<_>>(),
        }));
    }
    json!({
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "metadata": {
            "timestamp": hashpin_pypi::Timestamp::now().to_string(),
            "tools": {"components": [{
                "type": "application",
                "name": "hashpin",
                "version": env!("CARGO_PKG_VERSION"),
            }]},
            "component": {
                "type": "application",
                "bom-ref": root,
                "name": inventory.locks.join(", "),
            },
        },
        "components": components,
        "dependencies": dependencies,
    })
}

#[cfg(test)]
mod tests {
    use super::purl;

    #[test]
    fn purls_encode_a_local_version() {
        assert_eq!(
            purl("torch", Some("2.1.0+cpu")),
            "pkg:pypi/torch@2.1.0%2Bcpu"
        );
        assert_eq!(purl("mine", None), "pkg:pypi/mine");
    }
}

//! The inventory printed: a table for people, JSON, CSV.

use std::fmt::Write as _;

use serde_json::json;

use super::policy::Breach;
use super::{Component, Inventory};
use crate::cli::InventoryFormat;
use crate::commands::count;
use crate::printer;

/// How many of the heaviest subtrees are named.
const HEAVIEST: usize = 5;

pub(super) fn print(
    inventory: &Inventory,
    format: InventoryFormat,
    breaches: &[(usize, Breach)],
) -> anyhow::Result<()> {
    match format {
        InventoryFormat::Human => printer::text(table(inventory).trim_end())?,
        InventoryFormat::Json => {
            let mut report = as_json(inventory);
            report["policy_breaches"] = json!(
                breaches
                    .iter()
                    .map(|(at, breach)| json!({
                        "name": inventory.components[*at].name.to_string(),
                        "version": inventory.components[*at].version,
                        "licence": inventory.components[*at].licence.display(),
                        "why": why(breach),
                    }))
                    .collect::<Vec<_>>()
            );
            printer::data(&serde_json::to_string_pretty(&report)?)?;
        }
        InventoryFormat::Csv => printer::data(csv(inventory).trim_end())?,
        InventoryFormat::Html => printer::data(&super::html::page(inventory, &totals(inventory)))?,
        InventoryFormat::Cyclonedx => printer::data(&serde_json::to_string_pretty(
            &super::cyclonedx::bom(inventory),
        )?)?,
    }
    super::note(inventory);
    printer::status(&totals(inventory));
    if !breaches.is_empty() {
        let mut text = String::from("Against the licence policy:");
        for (at, breach) in breaches {
            let c = &inventory.components[*at];
            let _ = write!(
                text,
                "\n  {} {}: {} ({})",
                c.name,
                c.version.as_deref().unwrap_or_default(),
                c.licence.display(),
                why(breach)
            );
        }
        printer::status(&text);
    }
    Ok(())
}

fn why(breach: &Breach) -> String {
    match breach {
        Breach::NotAllowed(Some(licence)) => format!(
            "{} is outside the policy, and no alternative avoids it",
            hashpin_pypi::untrusted::for_terminal(licence)
        ),
        Breach::NotAllowed(None) => "its expression cannot be read as SPDX".to_string(),
        Breach::Unknown => {
            "its licence is unknown, and only the licences listed are allowed".to_string()
        }
    }
}

/// `64.9 kB`, `12.3 MB`: decimal units, as pip and the index show sizes.
pub(super) fn bytes(size: u64) -> String {
    #[expect(clippy::cast_precision_loss, reason = "a size to one decimal")]
    let size = size as f64;
    match size {
        s if s >= 1e9 => format!("{:.1} GB", s / 1e9),
        s if s >= 1e6 => format!("{:.1} MB", s / 1e6),
        s if s >= 1e3 => format!("{:.1} kB", s / 1e3),
        s => format!("{s} B"),
    }
}

fn size_of(component: &Component) -> String {
    component.size.map_or_else(|| "?".to_string(), bytes)
}

fn table(inventory: &Inventory) -> String {
    let rows: Vec<[String; 6]> = inventory
        .components
        .iter()
        .enumerate()
        .map(|(at, c)| {
            [
                c.name.to_string(),
                c.version
                    .clone()
                    .unwrap_or_else(|| format!("({})", c.source)),
                c.licence.display(),
                size_of(c),
                inventory.graph.depth[at].map_or_else(|| "?".to_string(), |d| d.to_string()),
                c.required_by.join(", "),
            ]
        })
        .collect();
    let header = [
        "package",
        "version",
        "licence",
        "size",
        "depth",
        "required by",
    ];
    let mut widths = header.map(str::len);
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(header.map(str::to_string)).chain(rows) {
        let mut line = String::new();
        for (at, cell) in row.iter().enumerate() {
            if at == row.len() - 1 {
                line.push_str(cell);
            } else if at == 3 || at == 4 {
                let _ = write!(line, "{cell:>width$}  ", width = widths[at]);
            } else {
                let _ = write!(line, "{cell:<width$}  ", width = widths[at]);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The subtree of a package: its bytes (known ones) and how many packages it holds.
fn subtree(inventory: &Inventory, at: usize) -> (u64, usize) {
    let members = &inventory.graph.subtree[at];
    let bytes = members
        .iter()
        .filter_map(|&member| inventory.components[member].size)
        .sum();
    (bytes, members.len())
}

/// The direct requirements (else every package) whose subtrees weigh most.
fn heaviest(inventory: &Inventory) -> Vec<(usize, u64, usize)> {
    let direct: Vec<usize> = (0..inventory.components.len())
        .filter(|&at| inventory.graph.depth[at] == Some(1))
        .collect();
    // Without the graph, every package is its own subtree: nothing to rank.
    let candidates = direct;
    let mut weighed: Vec<(usize, u64, usize)> = candidates
        .into_iter()
        .map(|at| {
            let (bytes, count) = subtree(inventory, at);
            (at, bytes, count)
        })
        .collect();
    weighed.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    weighed.truncate(HEAVIEST);
    weighed
}

/// `169 packages, 412.3 MB (2 of unknown size), at most 5 deep; heaviest: …`.
fn totals(inventory: &Inventory) -> String {
    let components = &inventory.components;
    let known: u64 = components.iter().filter_map(|c| c.size).sum();
    let unknown = components.iter().filter(|c| c.size.is_none()).count();
    let depth = inventory.graph.depth.iter().flatten().max();
    let mut text = format!(
        "{}, {}",
        count(components.len(), "package", "packages"),
        bytes(known)
    );
    if unknown > 0 {
        let _ = write!(text, " ({unknown} of unknown size)");
    }
    if let Some(depth) = depth {
        let _ = write!(text, ", at most {depth} deep");
    }
    let heaviest: Vec<String> = heaviest(inventory)
        .into_iter()
        .filter(|(_, bytes, _)| *bytes > 0)
        .map(|(at, size, packages)| {
            format!(
                "{} ({}, {})",
                components[at].name,
                bytes(size),
                count(packages, "package", "packages")
            )
        })
        .collect();
    if !heaviest.is_empty() {
        let _ = write!(text, "\nHeaviest: {}", heaviest.join(", "));
    }
    text
}

fn as_json(inventory: &Inventory) -> serde_json::Value {
    let packages: Vec<serde_json::Value> = inventory
        .components
        .iter()
        .enumerate()
        .map(|(at, c)| {
            let (subtree_bytes, subtree_packages) = subtree(inventory, at);
            json!({
                "name": c.name.to_string(),
                "version": c.version,
                "source": c.source,
                "licence": c.licence,
                "file": c.file,
                "size": c.size,
                "depth": inventory.graph.depth[at],
                "required_by": c.required_by,
                "publishers": c.publishers.iter().map(|publisher| json!({
                    "kind": publisher.kind, "keys": publisher.keys,
                })).collect::<Vec<_>>(),
                "publishers_verified": false,
                "subtree": {"bytes": subtree_bytes, "packages": subtree_packages},
                "location": c.location,
                "unknown": c.unknown,
            })
        })
        .collect();
    let components = &inventory.components;
    json!({
        "packages": packages,
        "totals": {
            "packages": components.len(),
            "bytes": components.iter().filter_map(|c| c.size).sum::<u64>(),
            "unknown_size": components.iter().filter(|c| c.size.is_none()).count(),
            "max_depth": inventory.graph.depth.iter().flatten().max(),
        },
        "heaviest": heaviest(inventory).into_iter().map(|(at, bytes, count)| json!({
            "name": components[at].name.to_string(), "bytes": bytes, "packages": count,
        })).collect::<Vec<_>>(),
    })
}

/// One CSV field: quoted, and kept from being read as a formula by a spreadsheet (a value
/// from outside that starts with `=`, `+`, `-`, `@` runs as one when opened).
fn field(text: &str) -> String {
    let text = hashpin_pypi::untrusted::for_terminal(text);
    let guarded = if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.into_owned()
    };
    format!("\"{}\"", guarded.replace('"', "\"\""))
}

fn csv(inventory: &Inventory) -> String {
    let mut out = String::from(
        "name,version,licence,licence_from,size,file,depth,required_by,subtree_bytes,subtree_packages,publishers\n",
    );
    for (at, c) in inventory.components.iter().enumerate() {
        let (subtree_bytes, subtree_packages) = subtree(inventory, at);
        let cells = [
            field(c.name.as_ref()),
            field(c.version.as_deref().unwrap_or_default()),
            field(&c.licence.display()),
            field(c.licence.from),
            c.size.map(|size| size.to_string()).unwrap_or_default(),
            field(c.file.as_deref().unwrap_or_default()),
            inventory.graph.depth[at]
                .map(|depth| depth.to_string())
                .unwrap_or_default(),
            field(&c.required_by.join("; ")),
            subtree_bytes.to_string(),
            subtree_packages.to_string(),
            field(&c.publishers_text()),
        ];
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_no_formula() {
        assert_eq!(field("MIT"), "\"MIT\"");
        assert_eq!(field("a \"b\""), "\"a \"\"b\"\"\"");
        assert_eq!(field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(field("-r requirements.in"), "\"'-r requirements.in\"");
        assert_eq!(bytes(64_900), "64.9 kB");
        assert_eq!(bytes(999), "999 B");
    }
}

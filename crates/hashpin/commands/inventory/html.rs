//! The inventory as one self-contained HTML page for reviewers and auditors: the totals, a
//! treemap of where the bytes are (each direct requirement a block, holding what it brings
//! in along the shortest chains, so that every package has one place), the packages by
//! depth, and the table. No script and no network resource: its content security policy
//! forbids both, and every text from outside is escaped.

use std::fmt::Write as _;

use super::Inventory;

const WIDTH: f64 = 960.0;
const HEIGHT: f64 = 480.0;

/// `text` safe inside HTML text and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in hashpin_pypi::untrusted::for_terminal(text).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A rectangle of the treemap.
#[derive(Debug, Clone, Copy)]
struct Rect {
    x: f64,
    y: f64,
    w: f64,
    h: f64,
}

/// Squarified treemap (Bruls, Huizing and van Wijk): `weights`, largest first, laid out in
/// `rect` in rows along its shorter side, each row taking items while that keeps its worst
/// aspect ratio from growing.
fn squarify(weights: &[f64], rect: Rect) -> Vec<Rect> {
    let total: f64 = weights.iter().sum();
    if total <= 0.0 || weights.is_empty() {
        return weights
            .iter()
            .map(|_| Rect {
                w: 0.0,
                h: 0.0,
                ..rect
            })
            .collect();
    }
    let scale = rect.w * rect.h / total;
    let areas: Vec<f64> = weights.iter().map(|w| w * scale).collect();
    let mut out = Vec::with_capacity(areas.len());
    let mut free = rect;
    let mut start = 0;
    while start < areas.len() {
        let side = free.w.min(free.h);
        let worst = |row: &[f64]| {
            let sum: f64 = row.iter().sum();
            let (max, min) = row.iter().fold((0.0_f64, f64::MAX), |(max, min), &a| {
                (max.max(a), min.min(a))
            });
            (side * side * max / (sum * sum)).max(sum * sum / (side * side * min))
        };
        let mut end = start + 1;
        while end < areas.len() && worst(&areas[start..=end]) <= worst(&areas[start..end]) {
            end += 1;
        }
        let row = &areas[start..end];
        let sum: f64 = row.iter().sum();
        let thickness = if side > 0.0 { sum / side } else { 0.0 };
        let mut along = 0.0;
        for &area in row {
            let length = if thickness > 0.0 {
                area / thickness
            } else {
                0.0
            };
            out.push(if free.w >= free.h {
                Rect {
                    x: free.x,
                    y: free.y + along,
                    w: thickness,
                    h: length,
                }
            } else {
                Rect {
                    x: free.x + along,
                    y: free.y,
                    w: length,
                    h: thickness,
                }
            });
            along += length;
        }
        if free.w >= free.h {
            free.x += thickness;
            free.w -= thickness;
        } else {
            free.y += thickness;
            free.h -= thickness;
        }
        start = end;
    }
    out
}

fn bytes(size: u64) -> String {
    super::report::bytes(size)
}

/// `label`, cut with `…` to fit `width` (empty when not even one letter does).
fn shortened(label: &str, width: f64) -> String {
    if fits(label, width) {
        return label.to_string();
    }
    let mut cut = String::new();
    for c in label.chars() {
        if !fits(&format!("{cut}{c}…"), width) {
            break;
        }
        cut.push(c);
    }
    if cut.is_empty() {
        cut
    } else {
        format!("{cut}…")
    }
}

/// Whether a label of 10-pixel text fits in `width` (an average glyph is some 6 pixels).
fn fits(label: &str, width: f64) -> bool {
    #[expect(clippy::cast_precision_loss, reason = "a label's length")]
    let needed = label.chars().count() as f64 * 6.2;
    needed <= width
}

/// The treemap: each root a block, each package inside the block of the root it hangs from.
fn treemap(inventory: &Inventory) -> String {
    let components = &inventory.components;
    let graph = &inventory.graph;
    let size = |at: usize| components[at].size.unwrap_or(0);
    // The root each package hangs from, along the tree of shortest chains.
    let root_of = |mut at: usize| {
        let mut steps = 0;
        while let Some(parent) = graph.tree_parent[at] {
            at = parent;
            steps += 1;
            if steps > components.len() {
                break;
            }
        }
        at
    };
    let mut blocks: Vec<(usize, Vec<usize>)> = Vec::new();
    for at in 0..components.len() {
        let root = root_of(at);
        match blocks.iter_mut().find(|(known, _)| *known == root) {
            Some((_, members)) => members.push(at),
            None => blocks.push((root, vec![at])),
        }
    }
    let weight = |members: &[usize]| members.iter().map(|&m| size(m)).sum::<u64>();
    blocks.retain(|(_, members)| weight(members) > 0);
    blocks.sort_by(|a, b| weight(&b.1).cmp(&weight(&a.1)).then(a.0.cmp(&b.0)));
    #[expect(clippy::cast_precision_loss, reason = "sizes for a picture")]
    let block_weights: Vec<f64> = blocks.iter().map(|(_, m)| weight(m) as f64).collect();
    let outer = squarify(
        &block_weights,
        Rect {
            x: 0.0,
            y: 0.0,
            w: WIDTH,
            h: HEIGHT,
        },
    );
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" width=\"{WIDTH}\" height=\"{HEIGHT}\" role=\"img\" aria-label=\"Where the bytes are\">"
    );
    for (number, ((root, members), rect)) in blocks.iter_mut().zip(outer).enumerate() {
        let hue = (number * 47) % 360;
        members.sort_by(|a, b| size(*b).cmp(&size(*a)).then(a.cmp(b)));
        let pad = Rect {
            x: rect.x + 1.0,
            y: rect.y + 14.0,
            w: (rect.w - 2.0).max(0.0),
            h: (rect.h - 15.0).max(0.0),
        };
        let _ = write!(
            svg,
            "<g><rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"hsl({hue},45%,45%)\" stroke=\"#fff\"><title>{}'s block: {} in {} (a package it shares with another requirement may sit in that one's block)</title></rect>",
            rect.x,
            rect.y,
            rect.w,
            rect.h,
            escape(components[*root].name.as_ref()),
            bytes(weight(members)),
            crate::commands::count(members.len(), "package", "packages")
        );
        let label = shortened(
            &format!("{} {}", components[*root].name, bytes(weight(members))),
            rect.w - 4.0,
        );
        if !label.is_empty() && rect.h > 14.0 {
            let _ = write!(
                svg,
                "<text x=\"{:.1}\" y=\"{:.1}\" class=\"block\">{}</text>",
                rect.x + 3.0,
                rect.y + 11.0,
                escape(&label)
            );
        }
        cells(&mut svg, inventory, (*root, members), pad, hue);
        svg.push_str("</g>");
    }
    svg.push_str("</svg>");
    svg
}

/// The packages of one block, each a cell in `area`.
fn cells(
    svg: &mut String,
    inventory: &Inventory,
    (root, members): (usize, &[usize]),
    area: Rect,
    hue: usize,
) {
    let components = &inventory.components;
    let size = |at: usize| components[at].size.unwrap_or(0);
    #[expect(clippy::cast_precision_loss, reason = "sizes for a picture")]
    let inner_weights: Vec<f64> = members.iter().map(|&m| size(m) as f64).collect();
    let pad = area;
    for (&member, cell) in members.iter().zip(squarify(&inner_weights, pad)) {
        let light = if member == root { 72 } else { 82 };
        let c = &components[member];
        let _ = write!(
            svg,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"hsl({hue},50%,{light}%)\" stroke=\"#fff\" stroke-width=\"0.5\"><title>{} {}: {}</title></rect>",
            cell.x,
            cell.y,
            cell.w,
            cell.h,
            escape(c.name.as_ref()),
            escape(c.version.as_deref().unwrap_or_default()),
            bytes(size(member))
        );
        if fits(c.name.as_ref(), cell.w - 3.0) && cell.h > 12.0 {
            let _ = write!(
                svg,
                "<text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
                cell.x + 2.0,
                cell.y + 10.0,
                escape(c.name.as_ref())
            );
        }
    }
}

/// Packages and bytes at each depth, as bars.
fn depths(inventory: &Inventory) -> String {
    let mut by_depth: std::collections::BTreeMap<Option<usize>, (usize, u64)> =
        std::collections::BTreeMap::new();
    for (at, c) in inventory.components.iter().enumerate() {
        let entry = by_depth.entry(inventory.graph.depth[at]).or_default();
        entry.0 += 1;
        entry.1 += c.size.unwrap_or(0);
    }
    let most = by_depth
        .values()
        .map(|(count, _)| *count)
        .max()
        .unwrap_or(1)
        .max(1);
    let mut out = String::from(
        "<table class=\"depths\"><tr><th>depth</th><th>packages</th><th></th><th>size</th></tr>",
    );
    for (depth, (count, size)) in by_depth {
        #[expect(clippy::cast_precision_loss, reason = "a bar's length")]
        let width = 300.0 * count as f64 / most as f64;
        let _ = write!(
            out,
            "<tr><td>{}</td><td class=\"n\">{count}</td><td><svg width=\"300\" height=\"12\"><rect width=\"{width:.1}\" height=\"12\" fill=\"#4a7\"/></svg></td><td class=\"n\">{}</td></tr>",
            depth.map_or_else(|| "unknown".to_string(), |d| d.to_string()),
            bytes(size)
        );
    }
    out.push_str("</table>");
    out
}

pub(super) fn page(inventory: &Inventory, totals: &str) -> String {
    let title = format!("Inventory of {}", inventory.locks.join(", "));
    let mut rows = String::new();
    for (at, c) in inventory.components.iter().enumerate() {
        let _ = write!(
            rows,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
            escape(c.name.as_ref()),
            escape(c.version.as_deref().unwrap_or(c.source)),
            escape(&c.licence.display()),
            c.size.map_or_else(|| "?".to_string(), bytes),
            inventory.graph.depth[at].map_or_else(|| "?".to_string(), |d| d.to_string()),
            escape(&c.required_by.join(", "))
        );
    }
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\
<title>{title}</title><style>\
body{{font:14px system-ui,sans-serif;margin:2em;color:#222}}h1{{font-size:1.4em}}\
table{{border-collapse:collapse}}td,th{{padding:2px 8px;text-align:left;border-bottom:1px solid #eee}}\
td.n{{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}}svg text{{font:10px system-ui,sans-serif;fill:#111;pointer-events:none}}\
svg text.block{{font-weight:bold;fill:#fff}}\
</style></head><body><h1>{title}</h1><p class=\"totals\">{}</p>\
<h2>Where the bytes are</h2><p>{}</p>{}\
<h2>Depth</h2>{}<h2>Packages</h2><table><tr><th>package</th><th>version</th><th>licence</th><th>size</th><th>depth</th><th>required by</th></tr>{rows}</table>\
<p>Made by hashpin {} from the lock.</p></body></html>\n",
        totals.lines().map(escape).collect::<Vec<_>>().join("<br>"),
        if inventory.graph.roots.is_empty() {
            "The lock has no <code># via</code> comments: each block is one package."
        } else {
            "Each block is a direct requirement and what it brings in (a package shared by several sits under the one that reaches it first); hover for names and sizes."
        },
        treemap(inventory),
        depths(inventory),
        env!("CARGO_PKG_VERSION"),
        title = escape(&title),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn squarify_fills_the_rectangle_without_overlap() {
        let rect = Rect {
            x: 0.0,
            y: 0.0,
            w: 600.0,
            h: 400.0,
        };
        let cells = squarify(&[6.0, 6.0, 4.0, 3.0, 2.0, 2.0, 1.0], rect);
        let area: f64 = cells.iter().map(|c| c.w * c.h).sum();
        assert!((area - 240_000.0).abs() < 1e-6, "{area}");
        for (i, a) in cells.iter().enumerate() {
            assert!(
                a.x >= -1e-9
                    && a.y >= -1e-9
                    && a.x + a.w <= 600.0 + 1e-6
                    && a.y + a.h <= 400.0 + 1e-6
            );
            for b in &cells[i + 1..] {
                let overlap_w = (a.x + a.w).min(b.x + b.w) - a.x.max(b.x);
                let overlap_h = (a.y + a.h).min(b.y + b.h) - a.y.max(b.y);
                assert!(overlap_w <= 1e-6 || overlap_h <= 1e-6, "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn outside_text_is_escaped() {
        assert_eq!(
            escape("<script>\"x\"&'"),
            "&lt;script&gt;&quot;x&quot;&amp;&#39;"
        );
        assert_eq!(escape("a\u{1b}b"), "a\\u{1b}b");
    }
}

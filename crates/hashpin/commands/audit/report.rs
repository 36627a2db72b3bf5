//! An audit printed: for people, as JSON, as SARIF 2.1.0.

use std::fmt::Write as _;

use serde_json::{Value, json};

use super::{Audit, Item};
use crate::cli::AuditFormat;
use crate::commands::count as plural;
use crate::printer;

/// Rows of "not audited" listed before the rest are counted.
const MAX_LISTED: usize = 20;

/// The report on stdout in `format`, and the summary on stderr.
pub(super) fn print(audit: &Audit, format: AuditFormat) -> anyhow::Result<()> {
    for note in &audit.signals.notes {
        printer::status(note);
    }
    match format {
        AuditFormat::Human => {
            let text = human(audit);
            if !text.is_empty() {
                printer::text(text.trim_end())?;
            }
        }
        AuditFormat::Json => printer::data(&serde_json::to_string_pretty(&as_json(audit))?)?,
        AuditFormat::Sarif => printer::data(&serde_json::to_string_pretty(&sarif(audit))?)?,
    }
    printer::status(&summary(audit));
    Ok(())
}

/// The report for people, all on stderr (`compile --audit`, whose stdout may be the lock).
pub(super) fn print_to_stderr(audit: &Audit) {
    let text = human(audit);
    if !text.is_empty() {
        printer::status(text.trim_end());
    }
    printer::status(&summary(audit));
}

/// What was asked and what answered: `Audited 40 of 42 packages against …`, each source
/// that could not answer for every package saying for how many it could not, and why.
fn summary(audit: &Audit) -> String {
    let total = audit.rows.len();
    let unaudited = audit.not_audited();
    let audited = total - unaudited;
    let sources: Vec<String> = audit
        .sources
        .iter()
        .enumerate()
        .map(|(at, source)| {
            let failed: Vec<&String> = audit
                .rows
                .iter()
                .filter_map(|row| {
                    row.not_audited
                        .iter()
                        .find(|(source, _)| *source == at)
                        .map(|(_, why)| why)
                })
                .collect();
            match failed.first() {
                None => source.describe(),
                Some(why) => format!(
                    "{} (which could not answer for {}: {why})",
                    source.describe(),
                    plural(failed.len(), "package", "packages")
                ),
            }
        })
        .collect();
    let mut text = if audited == 0 && total > 0 {
        format!(
            "No package could be audited: {} {} asked of {}",
            plural(total, "package", "packages"),
            if total == 1 { "was" } else { "were" },
            sources.join(", and ")
        )
    } else {
        format!(
            "Audited {audited} of {} against {}",
            plural(total, "package", "packages"),
            sources.join(", and ")
        )
    };
    let failing = audit.items.iter().filter(|item| item.fails).count();
    let ignored = audit
        .items
        .iter()
        .filter(|item| item.ignored.is_some())
        .count();
    let below = audit.items.len() - failing - ignored;
    let _ = write!(
        text,
        "\n{} found",
        plural(
            audit.items.len(),
            "known vulnerability",
            "known vulnerabilities"
        )
    );
    if ignored > 0 {
        let _ = write!(text, ", {ignored} ignored");
    }
    if below > 0 {
        let _ = write!(
            text,
            ", {below} below --fail-on {}",
            level_name(audit.fail_on)
        );
    }
    if audit.items.is_empty() && audited > 0 {
        text.push_str(" in the packages audited");
    }
    if unaudited > 0 {
        let _ = write!(
            text,
            "; {} not audited",
            plural(unaudited, "package", "packages")
        );
    }
    let (blocking, local): (Vec<_>, Vec<_>) =
        audit.unauditable.iter().partition(|package| package.blocks);
    if !blocking.is_empty() {
        let _ = write!(
            text,
            "; {} with no index release to audit",
            plural(blocking.len(), "line", "lines")
        );
    }
    if !local.is_empty() {
        let _ = write!(
            text,
            "; {} left out by design",
            plural(
                local.len(),
                "local or skipped package",
                "local or skipped packages"
            )
        );
    }
    text
}

fn level_name(level: crate::cli::Severity) -> &'static str {
    match level {
        crate::cli::Severity::Low => "low",
        crate::cli::Severity::Medium => "medium",
        crate::cli::Severity::High => "high",
        crate::cli::Severity::Critical => "critical",
    }
}

fn location(audit: &Audit, item: &Item) -> String {
    audit.rows[item.row]
        .locations
        .iter()
        .filter(|location| location.line > 0)
        .map(|location| format!("{}:{}", location.file.display(), location.line))
        .collect::<Vec<_>>()
        .join(", ")
}

fn human(audit: &Audit) -> String {
    let mut out = String::new();
    let mut last_row = None;
    for item in &audit.items {
        let row = &audit.rows[item.row];
        if last_row != Some(item.row) {
            let at = location(audit, item);
            let at = if at.is_empty() {
                String::new()
            } else {
                format!(" ({at})")
            };
            let _ = writeln!(out, "{} {}{at}", row.name, row.version);
            last_row = Some(item.row);
        }
        human_finding(&mut out, item);
    }
    if !audit.signals.found.is_empty() {
        let _ = writeln!(out, "Signs of a malicious release:");
        for signal in &audit.signals.found {
            let row = &audit.rows[signal.row];
            let _ = writeln!(
                out,
                "  {} {}: {} [{}]",
                row.name,
                row.version,
                signal.message,
                signal.kind.as_str()
            );
        }
    }
    let missing: Vec<&super::Row> = audit
        .rows
        .iter()
        .filter(|row| row.audited_by.is_empty())
        .collect();
    if !missing.is_empty() {
        let _ = writeln!(
            out,
            "Not audited ({}): no source could answer",
            plural(missing.len(), "package", "packages")
        );
        for row in missing.iter().take(MAX_LISTED) {
            let why: Vec<&str> = row
                .not_audited
                .iter()
                .map(|(_, why)| why.as_str())
                .collect();
            let _ = writeln!(out, "  {} {}: {}", row.name, row.version, why.join("; "));
        }
        if missing.len() > MAX_LISTED {
            let _ = writeln!(out, "  … and {} more", missing.len() - MAX_LISTED);
        }
    }
    let (blocking, local): (Vec<_>, Vec<_>) =
        audit.unauditable.iter().partition(|package| package.blocks);
    for (list, title) in [
        (blocking, "Not audited, with no index release to look up"),
        (local, "Not audited, by design"),
    ] {
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(out, "{title} ({}):", list.len());
        for package in list {
            let at = if package.location.line > 0 {
                format!(
                    " ({}:{})",
                    package.location.file.display(),
                    package.location.line
                )
            } else {
                String::new()
            };
            let _ = writeln!(out, "  {}{at}: {}", package.name, package.why);
        }
    }
    out
}

/// `fixed in 2.31.0; the fix 2.31.0 is allowed by the lock's inputs`, or that none is known.
fn fix_sentence(item: &Item) -> String {
    let finding = &item.finding;
    if finding.fixed.is_empty() {
        return "no fixed version is known".to_string();
    }
    format!(
        "fixed in {}; {}",
        finding
            .fixed
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        item.fix.describe()
    )
}

/// One finding's lines under its package.
fn human_finding(out: &mut String, item: &Item) {
    let finding = &item.finding;
    let aliases = if finding.aliases.is_empty() {
        String::new()
    } else {
        format!(" ({})", finding.aliases.join(", "))
    };
    let kind = if finding.malicious {
        "MALICIOUS release".to_string()
    } else {
        format!("severity {}", finding.severity.as_str())
    };
    let _ = write!(out, "  {}{aliases}, {kind}", finding.id);
    if let Some(summary) = &finding.summary {
        let _ = write!(out, ": {}", hashpin_pypi::untrusted::excerpt(summary, 120));
    }
    out.push('\n');
    if finding.malicious {
        out.push_str(
            "    the release is the attack: remove it, and treat machines that installed it as compromised\n",
        );
    } else {
        let fixed = fix_sentence(item);
        let _ = writeln!(out, "    {fixed}");
    }
    if !finding.unreadable_bounds.is_empty() {
        let _ = writeln!(
            out,
            "    the advisory also names {}, not a version hashpin can compare: its range was read without it, so wider",
            finding
                .unreadable_bounds
                .iter()
                .map(|bound| format!("`{}`", hashpin_pypi::untrusted::for_terminal(bound)))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if let Some(url) = &finding.url {
        let _ = writeln!(out, "    {url}");
    }
    if let Some(reason) = &item.ignored {
        let _ = writeln!(out, "    ignored: {reason}");
    }
}

fn as_json(audit: &Audit) -> Value {
    let findings: Vec<Value> = audit
        .items
        .iter()
        .map(|item| {
            let row = &audit.rows[item.row];
            let finding = &item.finding;
            json!({
                "name": row.name,
                "version": row.version,
                "id": finding.id,
                "aliases": finding.aliases,
                "severity": finding.severity,
                "malicious": finding.malicious,
                "summary": finding.summary,
                "url": finding.url,
                "score": finding.score,
                "fixed": finding.fixed.iter().map(ToString::to_string).collect::<Vec<_>>(),
                "unreadable_bounds": finding.unreadable_bounds,
                "fix": item.fix,
                "fails": item.fails,
                "ignored": item.ignored,
                "sources": finding.sources.iter().map(|at| audit.sources[*at].name.clone()).collect::<Vec<_>>(),
                "locations": locations_json(row),
            })
        })
        .collect();
    let not_audited: Vec<Value> = audit
        .rows
        .iter()
        .filter(|row| row.audited_by.is_empty())
        .map(|row| {
            json!({
                "name": row.name,
                "version": row.version,
                "reasons": row.not_audited.iter().map(|(source, why)| json!({
                    "source": audit.sources[*source].name, "why": why
                })).collect::<Vec<_>>(),
                "locations": locations_json(row),
            })
        })
        .collect();
    json!({
        "locks": audit.locks,
        "sources": audit.sources,
        "packages": audit.rows.len(),
        "audited": audit.rows.len() - audit.not_audited(),
        "findings": findings,
        "not_audited": not_audited,
        "no_index_release": audit.unauditable.iter().map(|package| json!({
            "name": package.name, "why": package.why, "counts_as_not_audited": package.blocks,
            "location": format!("{}:{}", package.location.file.display(), package.location.line),
        })).collect::<Vec<_>>(),
        "signals": audit.signals.found.iter().map(|signal| {
            let row = &audit.rows[signal.row];
            json!({
                "name": row.name, "version": row.version, "kind": signal.kind,
                "message": signal.message, "locations": locations_json(row),
            })
        }).collect::<Vec<_>>(),
        "startup_hooks_scanned": audit.signals.ran,
        "fail_on": level_name(audit.fail_on),
        "complete": audit.is_complete(),
        "failed": !audit.passes(),
    })
}

fn locations_json(row: &super::Row) -> Vec<String> {
    row.locations
        .iter()
        .map(|location| format!("{}:{}", location.file.display(), location.line))
        .collect()
}

/// Where a pin is written, as SARIF locations.
fn sarif_locations(row: &super::Row) -> Vec<Value> {
    row.locations
        .iter()
        .map(|location| {
            let mut physical = json!({
                "artifactLocation": {"uri": location.file.display().to_string().replace('\\', "/")},
            });
            if location.line > 0 {
                physical["region"] = json!({"startLine": location.line});
            }
            json!({"physicalLocation": physical})
        })
        .collect()
}

/// A SARIF rule for an advisory, with the score code-scanning pages sort by (GitHub's
/// `security-severity`) where the advisory rates it.
fn sarif_rule(finding: &hashpin_audit::Finding) -> Value {
    let mut rule = json!({
        "id": finding.id,
        "name": "KnownVulnerability",
        "shortDescription": {"text": finding.summary.clone().unwrap_or_else(|| finding.id.clone())},
        "properties": {"tags": ["security", if finding.malicious { "malicious" } else { "vulnerability" }]},
    });
    if let Some(url) = &finding.url {
        rule["helpUri"] = json!(url);
    }
    // The CVSS score where the advisory has one, else the middle of its rating's band.
    let score = if finding.malicious {
        Some(10.0)
    } else {
        finding.score.or(match finding.severity {
            hashpin_audit::Severity::Critical => Some(9.5),
            hashpin_audit::Severity::High => Some(8.0),
            hashpin_audit::Severity::Medium => Some(5.5),
            hashpin_audit::Severity::Low => Some(2.0),
            hashpin_audit::Severity::Unknown => None,
        })
    };
    if let Some(score) = score {
        rule["properties"]["security-severity"] = json!(format!("{score:.1}"));
    }
    rule
}

/// SARIF 2.1.0: one rule per advisory, one result per finding, located at the pin's line;
/// ignored findings carry a suppression, and what was not audited is a notification.
fn sarif(audit: &Audit) -> Value {
    let mut rules: Vec<Value> = Vec::new();
    let mut rule_ids: Vec<&str> = Vec::new();
    let mut results = Vec::new();
    for item in &audit.items {
        let finding = &item.finding;
        let row = &audit.rows[item.row];
        if !rule_ids.contains(&finding.id.as_str()) {
            rule_ids.push(&finding.id);
            rules.push(sarif_rule(finding));
        }
        let fixed = {
            let mut sentence = fix_sentence(item);
            sentence[..1].make_ascii_uppercase();
            sentence.push('.');
            sentence
        };
        let message = format!(
            "{} {} is affected by {}{}. {fixed}",
            row.name,
            row.version,
            finding.id,
            finding
                .summary
                .as_ref()
                .map(|summary| format!(": {}", summary.trim_end_matches(['.', '…'])))
                .unwrap_or_default()
        );
        let locations = sarif_locations(row);
        let mut result = json!({
            "ruleId": finding.id,
            "level": if item.fails { "error" } else { "warning" },
            "message": {"text": message},
            "locations": locations,
        });
        if let Some(reason) = &item.ignored {
            result["suppressions"] = json!([{"kind": "external", "justification": reason}]);
        }
        results.push(result);
    }
    for signal in &audit.signals.found {
        let id = signal.kind.as_str();
        if !rule_ids.contains(&id) {
            rule_ids.push(id);
            rules.push(json!({
                "id": id,
                "name": "MaliciousReleaseSign",
                "shortDescription": {"text": match signal.kind {
                    super::signals::Kind::StartupHook => "A startup hook that runs code at every interpreter start",
                    super::signals::Kind::YoungRelease => "A release uploaded too recently to have been found out",
                    super::signals::Kind::Publisher => "Files published by another Trusted Publisher than the previous lock records, or by none",
                }},
                "properties": {"tags": ["security", "supply-chain"], "security-severity": "8.0"},
            }));
        }
        let row = &audit.rows[signal.row];
        results.push(json!({
            "ruleId": id,
            "level": "error",
            "message": {"text": format!("{} {} {}", row.name, row.version, signal.message)},
            "locations": sarif_locations(row),
        }));
    }
    let notifications: Vec<Value> = audit
        .rows
        .iter()
        .filter(|row| row.audited_by.is_empty())
        .map(|row| {
            let why: Vec<&str> = row.not_audited.iter().map(|(_, why)| why.as_str()).collect();
            json!({
                "level": "error",
                "message": {"text": format!("{} {} was not audited: {}", row.name, row.version, why.join("; "))},
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "hashpin",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "invocations": [{
                "executionSuccessful": audit.is_complete(),
                "toolExecutionNotifications": notifications,
            }],
            "results": results,
        }],
    })
}

//! The check's answer: one line per finding for people, one JSON document for machines.

use serde::Serialize;

use super::finding::{Finding, Severity};
use crate::cli::ReportFormat;
use crate::printer;

/// What was checked, and what was found.
#[derive(Debug, Serialize)]
#[expect(
    clippy::struct_excessive_bools,
    reason = "independent facts about what was checked, reported as such in JSON"
)]
pub(super) struct Report {
    /// The files named on the command line.
    pub(super) files: Vec<String>,
    /// Requirements read, includes followed (a pylock's packages).
    pub(super) requirements: usize,
    /// What the summary calls them: `package` when every file is a pylock.
    #[serde(skip)]
    pub(super) unit: &'static str,
    /// Whether pins were checked against the index (not with --offline).
    pub(super) index_checked: bool,
    /// Whether --offline was given.
    #[serde(skip)]
    pub(super) offline: bool,
    /// Whether hashes were compared with the index's.
    pub(super) hashes_verified: bool,
    /// Whether dependencies were checked (--complete).
    pub(super) complete: bool,
    pub(super) errors: usize,
    pub(super) warnings: usize,
    pub(super) findings: Vec<Finding>,
}

impl Report {
    pub(super) fn new(files: Vec<String>, requirements: usize, mut findings: Vec<Finding>) -> Self {
        findings.sort();
        findings.dedup();
        let errors = findings
            .iter()
            .filter(|finding| finding.severity == Severity::Error)
            .count();
        Self {
            files,
            requirements,
            unit: "requirement",
            index_checked: false,
            offline: false,
            hashes_verified: false,
            complete: false,
            errors,
            warnings: findings.len() - errors,
            findings,
        }
    }

    pub(super) fn print(&self, format: ReportFormat) -> anyhow::Result<()> {
        match format {
            ReportFormat::Json => printer::data(&serde_json::to_string_pretty(self)?)?,
            ReportFormat::Human => {
                for finding in &self.findings {
                    let severity = match finding.severity {
                        Severity::Error => "error",
                        Severity::Warning => "warning",
                    };
                    printer::text(&format!(
                        "{}:{}: {severity}: {} [{}]",
                        finding.file,
                        finding.line,
                        finding.message,
                        finding.rule.name()
                    ))?;
                }
            }
        }
        Ok(())
    }

    /// The one-line summary for stderr.
    pub(super) fn summary(&self) -> String {
        let what = match (self.index_checked, self.hashes_verified, self.complete) {
            (false, _, _) if self.offline => {
                "pinned and hashed (not checked against the index: --offline)"
            }
            (false, _, _) => "pinned and hashed (nothing to check against the index)",
            (true, false, false) => "pinned, hashed, and current on the index",
            (true, true, false) => "pinned, hashed, and matching the index",
            (true, _, true) => "pinned, hashed, matching the index, and complete",
        };
        let requirements = plural(self.requirements, self.unit);
        let files = self.files.join(", ");
        match (self.errors, self.warnings) {
            (0, 0) => format!("{files}: {requirements}, all {what}"),
            (0, warnings) => format!(
                "{files}: {requirements}, all {what}, with {}",
                plural(warnings, "warning")
            ),
            (errors, warnings) => format!(
                "{files}: {requirements}; {}{}",
                plural(errors, "error"),
                if warnings > 0 {
                    format!(" and {}", plural(warnings, "warning"))
                } else {
                    String::new()
                }
            ),
        }
    }
}

pub(super) fn plural(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

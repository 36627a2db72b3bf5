//! What `hashpin check` reports: one finding per problem, with where and which rule.

use hashpin_formats::Location;
use serde::Serialize;

/// Whether a finding fails the check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum Severity {
    /// The file breaks a rule: exit 1.
    Error,
    /// Worth a look, and can be legitimate (a wheel uploaded after locking).
    Warning,
}

/// The rules, by the names the report and its JSON use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(super) enum Rule {
    NotPinned,
    NoHash,
    WeakHash,
    MalformedHash,
    Editable,
    Vcs,
    Directory,
    UrlWithoutHash,
    BadMarker,
    Duplicate,
    MissingProject,
    MissingVersion,
    Yanked,
    PartlyYanked,
    UnknownHash,
    UnverifiableHash,
    MissingHash,
    Unpinned,
    Conflict,
    UnknownDependencies,
    BadFile,
    StartupHook,
    TooNew,
}

impl Rule {
    pub(super) fn severity(self) -> Severity {
        match self {
            // A lock whose dependencies could not all be read is not known to be complete:
            // `--complete` cannot pass on it.
            Self::PartlyYanked | Self::UnverifiableHash | Self::MissingHash => Severity::Warning,
            _ => Severity::Error,
        }
    }

    /// The rule's name as the report prints it.
    pub(super) fn name(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|value| value.as_str().map(str::to_string))
            .unwrap_or_default()
    }
}

/// One problem.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub(super) struct Finding {
    pub(super) file: String,
    pub(super) line: usize,
    pub(super) severity: Severity,
    pub(super) rule: Rule,
    /// The project the line names, normalized, when it names one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) package: Option<String>,
    /// The pinned version, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) version: Option<String>,
    pub(super) message: String,
}

impl Finding {
    /// A finding; its message may quote the line, so credentials in it are masked here,
    /// before it reaches the terminal or the JSON report.
    pub(super) fn new(rule: Rule, location: &Location, message: String) -> Self {
        Self {
            file: location.file.display().to_string(),
            line: location.line,
            severity: rule.severity(),
            rule,
            package: None,
            version: None,
            message: match hashpin_pypi::redact_text(&message) {
                std::borrow::Cow::Borrowed(_) => message,
                std::borrow::Cow::Owned(masked) => masked,
            },
        }
    }

    /// The same finding, about `name==version`.
    pub(super) fn about(mut self, name: &impl ToString, version: Option<impl ToString>) -> Self {
        self.package = Some(name.to_string());
        self.version = version.map(|version| version.to_string());
        self
    }
}

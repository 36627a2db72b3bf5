//! Core metadata (`METADATA`, `PKG-INFO`): the fields a resolver needs from a distribution.
//!
//! The format is RFC 822 style headers (core metadata spec): `Key: value` lines, continuation
//! lines that start with whitespace, repeated keys for multi-use fields, and a blank line before
//! the description body, which is not read.

use std::str::FromStr;

use pep440_rs::{Version, VersionSpecifiers};
use pep508_rs::{ExtraName, PackageName, Requirement};

/// The most `Requires-Dist` fields one METADATA may have.
pub const MAX_REQUIRES_DIST: usize = 10_000;

/// The fields of core metadata that decide resolution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoreMetadata {
    /// `Metadata-Version`, e.g. `2.1`.
    pub metadata_version: String,
    /// `Name`, normalized.
    pub name: PackageName,
    /// `Version`.
    pub version: Version,
    /// `Requires-Dist`: dependencies, with `extra == "…"` markers for optional ones.
    pub requires_dist: Vec<Requirement>,
    /// `Requires-Python`.
    pub requires_python: Option<VersionSpecifiers>,
    /// `Provides-Extra`.
    pub provides_extra: Vec<ExtraName>,
    /// `Dynamic` (PEP 643): fields an sdist's build may still change.
    pub dynamic: Vec<String>,
    /// `License-Expression` (PEP 639), as written.
    pub license_expression: Option<String>,
    /// The first line of `License` (the rest, when it holds a whole licence text, is not
    /// kept).
    pub license: Option<String>,
    /// The `Classifier: License :: …` values.
    pub license_classifiers: Vec<String>,
}

/// Why metadata text could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MetadataError {
    /// A required field is missing.
    #[error("no `{0}` field")]
    MissingField(&'static str),
    /// A field's value is not valid for it.
    #[error(
        "invalid `{field}` on line {line}: `{}`: {message}",
        crate::untrusted::excerpt(value, 200)
    )]
    InvalidField {
        /// The field name.
        field: &'static str,
        /// 1-based line number.
        line: usize,
        /// The value as written.
        value: String,
        /// Why it is invalid.
        message: String,
    },
    /// More `Requires-Dist` fields than [`MAX_REQUIRES_DIST`].
    #[error("{count} `Requires-Dist` fields, more than the {MAX_REQUIRES_DIST} hashpin reads")]
    TooManyRequirements {
        /// How many.
        count: usize,
    },
    /// The bytes are not UTF-8 text.
    #[error("not UTF-8 text")]
    NotText,
}

impl CoreMetadata {
    /// Parses `METADATA` or `PKG-INFO` bytes.
    pub fn parse(bytes: &[u8]) -> Result<Self, MetadataError> {
        // Only the headers are read (the body is the long description), and only those a
        // resolution uses are kept: license texts and classifiers made parsing the metadata a
        // tenth of a run from the cache.
        let text =
            std::str::from_utf8(&bytes[..header_end(bytes)]).map_err(|_| MetadataError::NotText)?;
        let headers = headers(text);
        let single = |field: &'static str| {
            headers
                .iter()
                .find(|header| header.key.eq_ignore_ascii_case(field))
        };
        let all = |field: &'static str| {
            headers
                .iter()
                .filter(move |header| header.key.eq_ignore_ascii_case(field))
        };
        let invalid =
            |field: &'static str, header: &Header, message: String| MetadataError::InvalidField {
                field,
                line: header.line,
                value: header.value.clone(),
                message,
            };

        let name = single("Name").ok_or(MetadataError::MissingField("Name"))?;
        let name = PackageName::from_str(&name.value)
            .map_err(|error| invalid("Name", name, error.to_string()))?;
        let version = single("Version").ok_or(MetadataError::MissingField("Version"))?;
        let version = Version::from_str(&version.value)
            .map_err(|error| invalid("Version", version, error.to_string()))?;
        // Each dependency is a node for the resolver; the largest real projects list a few
        // hundred. A METADATA that lists more than this is refused rather than resolved.
        let count = all("Requires-Dist").count();
        if count > MAX_REQUIRES_DIST {
            return Err(MetadataError::TooManyRequirements { count });
        }
        let requires_dist = all("Requires-Dist")
            .map(|header| {
                crate::requirement::parse_requirement(&header.value)
                    .map_err(|error| invalid("Requires-Dist", header, error.to_string()))
            })
            .collect::<Result<_, _>>()?;
        let requires_python = single("Requires-Python")
            .filter(|header| !header.value.is_empty())
            .map(|header| {
                VersionSpecifiers::from_str(&header.value)
                    .map_err(|error| invalid("Requires-Python", header, error.to_string()))
            })
            .transpose()?;
        let provides_extra = all("Provides-Extra")
            .filter_map(|header| match ExtraName::from_str(&header.value) {
                Ok(extra) => Some(extra),
                // Invalid extra names exist in old uploads; pip ignores them too.
                Err(error) => {
                    log::debug!("ignoring Provides-Extra `{}`: {error}", header.value);
                    None
                }
            })
            .collect();
        Ok(Self {
            metadata_version: single("Metadata-Version")
                .map(|header| header.value.clone())
                .unwrap_or_default(),
            name,
            version,
            requires_dist,
            requires_python,
            provides_extra,
            dynamic: all("Dynamic").map(|header| header.value.clone()).collect(),
            license_expression: single("License-Expression")
                .map(|header| cut(&header.value))
                .filter(|value| !value.is_empty()),
            license: single("License")
                .map(|header| cut(&header.value))
                .filter(|value| !value.is_empty()),
            license_classifiers: all("Classifier").map(|header| cut(&header.value)).collect(),
        })
    }

    /// Whether `field` is declared `Dynamic` (compared case-insensitively, as the spec says).
    pub fn is_dynamic(&self, field: &str) -> bool {
        self.dynamic
            .iter()
            .any(|dynamic| dynamic.eq_ignore_ascii_case(field))
    }

    /// Whether an sdist's `PKG-INFO` can be trusted for dependencies (PEP 643): metadata 2.2 or
    /// newer, with neither `Requires-Dist` nor `Requires-Python` left to the build.
    pub fn is_static_for_resolution(&self) -> bool {
        let at_least_2_2 = self
            .metadata_version
            .parse::<Version>()
            .is_ok_and(|version| version >= Version::new([2, 2]));
        at_least_2_2 && !self.is_dynamic("Requires-Dist") && !self.is_dynamic("Requires-Python")
    }
}

struct Header {
    key: String,
    value: String,
    line: usize,
}

/// The headers [`CoreMetadata::parse`] reads; the others are skipped unread.
const USED_HEADERS: [&str; 7] = [
    "Metadata-Version",
    "Name",
    "Version",
    "Requires-Dist",
    "Requires-Python",
    "Provides-Extra",
    "Dynamic",
];

/// Where the headers end: at the first empty line (`\n` or `\r\n` alone), as `str::lines`
/// reads them, or at the end.
fn header_end(bytes: &[u8]) -> usize {
    let mut start = 0;
    for newline in memchr::memchr_iter(b'\n', bytes) {
        if newline == start || (newline == start + 1 && bytes[start] == b'\r') {
            return start;
        }
        start = newline + 1;
    }
    bytes.len()
}

/// At most 200 characters of a licence field: a name, not a text.
fn cut(value: &str) -> String {
    value.chars().take(200).collect()
}

fn headers(text: &str) -> Vec<Header> {
    let mut headers: Vec<Header> = Vec::new();
    // Whether the header the current line continues is kept.
    let mut keeping = false;
    for (index, line) in text.lines().enumerate() {
        // Only a truly empty line ends the headers: a whitespace-only line is a continuation,
        // as in the multi-line `License` texts setuptools and hatchling write.
        if line.is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            if keeping && let Some(last) = headers.last_mut() {
                last.value.push(' ');
                last.value.push_str(line.trim());
            }
            continue;
        }
        keeping = false;
        if let Some((key, value)) = line.split_once(':') {
            let key = key.trim();
            // Of the licence, only what names it: a `License` field's first line (the rest
            // is often the whole text) and the `License ::` classifiers.
            let licence = key.eq_ignore_ascii_case("License")
                || key.eq_ignore_ascii_case("License-Expression")
                || (key.eq_ignore_ascii_case("Classifier")
                    && value.trim_start().starts_with("License ::"));
            if licence
                || USED_HEADERS
                    .iter()
                    .any(|used| used.eq_ignore_ascii_case(key))
            {
                keeping = !key.eq_ignore_ascii_case("License");
                headers.push(Header {
                    key: key.to_string(),
                    value: value.trim().to_string(),
                    line: index + 1,
                });
            }
        }
    }
    headers
}

#[cfg(test)]
mod tests {
    use super::*;

    const METADATA: &str = "Metadata-Version: 2.1\nName: Foo_Bar\nVersion: 1.2.0\nSummary: a\n  continued summary\nRequires-Python: >=3.8\nRequires-Dist: requests (>=2.0)\nRequires-Dist: pytest; extra == 'test'\nProvides-Extra: test\n\nRequires-Dist: not-a-header-this-is-the-body\n";

    #[test]
    fn keeps_what_names_the_licence_and_not_its_text() {
        let metadata = CoreMetadata::parse(
            b"Metadata-Version: 2.4\nName: a\nVersion: 1\nLicense: MIT License\n  \n  Copyright (c) someone\nLicense-Expression: MIT OR Apache-2.0\nClassifier: Programming Language :: Python\nClassifier: License :: OSI Approved :: MIT License\n\nbody",
        )
        .unwrap();
        assert_eq!(metadata.license.as_deref(), Some("MIT License"));
        assert_eq!(
            metadata.license_expression.as_deref(),
            Some("MIT OR Apache-2.0")
        );
        assert_eq!(
            metadata.license_classifiers,
            vec!["License :: OSI Approved :: MIT License"]
        );
    }

    #[test]
    fn reads_only_the_headers_it_uses() {
        // The body is not read (not even as text), nor are the headers nothing uses, with
        // their continuation lines.
        let mut bytes = b"Metadata-Version: 2.1\r\nName: foo\r\nLicense: MIT\r\n  Requires-Dist: evil\r\nVersion: 1.0\r\nRequires-Dist: bar\r\n  ; extra == 'x'\r\n\r\nRequires-Dist: body\r\n".to_vec();
        bytes.extend_from_slice(b"\xff\xfe not text\n");
        let metadata = CoreMetadata::parse(&bytes).expect("parses");
        assert_eq!(
            metadata
                .requires_dist
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            ["bar ; extra == 'x'"]
        );
        assert_eq!(header_end(b"a: b\n\nc"), 5);
        assert_eq!(header_end(b"a: b\n \n\r\nc"), 7);
        assert_eq!(header_end(b"a: b"), 4);
        assert!(matches!(
            CoreMetadata::parse(b"Name: \xff\n"),
            Err(MetadataError::NotText)
        ));
    }

    #[test]
    fn parses_the_resolution_fields() {
        let metadata = CoreMetadata::parse(METADATA.as_bytes()).expect("parses");
        assert_eq!(metadata.name.to_string(), "foo-bar");
        assert_eq!(metadata.version.to_string(), "1.2.0");
        assert_eq!(metadata.requires_dist.len(), 2);
        assert_eq!(metadata.requires_dist[0].name.to_string(), "requests");
        assert_eq!(
            metadata.requires_python.expect("present").to_string(),
            ">=3.8"
        );
        assert_eq!(metadata.provides_extra.len(), 1);
    }

    #[test]
    fn whitespace_only_continuation_lines_do_not_end_the_headers() {
        // The shape of ipykernel 6.29.5's METADATA: a license text with blank continuation
        // lines before the dependencies.
        let text = "Metadata-Version: 2.3\nName: ipykernel\nVersion: 6.29.5\nLicense: BSD 3-Clause License\n        \n        Copyright (c) 2015\n        \nRequires-Dist: tornado>=6.1\n\nBody\n";
        let metadata = CoreMetadata::parse(text.as_bytes()).expect("parses");
        assert_eq!(metadata.requires_dist.len(), 1);
    }

    #[test]
    fn names_the_line_of_a_bad_requirement() {
        let text = "Metadata-Version: 2.1\nName: foo\nVersion: 1.0\nRequires-Dist: bar >>= 1\n";
        let error = CoreMetadata::parse(text.as_bytes()).unwrap_err();
        assert!(
            matches!(
                error,
                MetadataError::InvalidField {
                    field: "Requires-Dist",
                    line: 4,
                    ..
                }
            ),
            "{error}"
        );
    }

    #[test]
    fn missing_version_is_an_error() {
        let error = CoreMetadata::parse(b"Name: foo\n").unwrap_err();
        assert_eq!(error, MetadataError::MissingField("Version"));
    }

    #[test]
    fn pep_643_static_rules() {
        let parse = |text: &str| CoreMetadata::parse(text.as_bytes()).expect("parses");
        assert!(parse("Metadata-Version: 2.2\nName: a\nVersion: 1\n").is_static_for_resolution());
        assert!(!parse("Metadata-Version: 2.1\nName: a\nVersion: 1\n").is_static_for_resolution());
        assert!(
            !parse("Metadata-Version: 2.4\nName: a\nVersion: 1\nDynamic: requires-dist\n")
                .is_static_for_resolution()
        );
    }
}

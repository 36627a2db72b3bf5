//! A package's licence as an SPDX expression, from what its metadata says: PEP 639's
//! `License-Expression`, else the `License` field, else the `License ::` classifiers. Only
//! names that are unambiguous become SPDX ids ("BSD License" could be any of four, "Apache
//! Software License" names no version): the rest is "unknown", with what was written, so an
//! auditor sees why.

use hashpin_pypi::CoreMetadata;
use serde::Serialize;

/// What a package's metadata says of its licence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(super) struct Licence {
    /// An SPDX expression, or `None` when nothing written maps to one.
    pub(super) spdx: Option<String>,
    /// Where it came from: `License-Expression`, `License`, `classifier`, or `none`.
    pub(super) from: &'static str,
    /// What was written, when it did not map (for the reader to judge).
    pub(super) written: Option<String>,
}

impl Licence {
    /// `MIT`, or `unknown (BSD License)`.
    pub(super) fn display(&self) -> String {
        match (&self.spdx, &self.written) {
            (Some(spdx), _) => spdx.clone(),
            (None, Some(written)) => {
                format!(
                    "unknown ({})",
                    hashpin_pypi::untrusted::excerpt(written, 40)
                )
            }
            (None, None) => "unknown".to_string(),
        }
    }
}

/// SPDX ids hashpin recognises as written (compared case-insensitively), and the common
/// names that stand for exactly one of them.
const NAMES: &[(&str, &str)] = &[
    ("mit", "MIT"),
    ("mit license", "MIT"),
    ("the mit license", "MIT"),
    ("mit-0", "MIT-0"),
    ("apache-2.0", "Apache-2.0"),
    ("apache 2.0", "Apache-2.0"),
    ("apache 2", "Apache-2.0"),
    ("apache-2", "Apache-2.0"),
    ("apache license 2.0", "Apache-2.0"),
    ("apache license, version 2.0", "Apache-2.0"),
    ("apache license version 2.0", "Apache-2.0"),
    ("apache software license 2.0", "Apache-2.0"),
    ("asl 2.0", "Apache-2.0"),
    ("bsd-2-clause", "BSD-2-Clause"),
    ("bsd 2-clause", "BSD-2-Clause"),
    ("bsd 2-clause license", "BSD-2-Clause"),
    ("bsd-2-clause license", "BSD-2-Clause"),
    ("simplified bsd", "BSD-2-Clause"),
    ("bsd-3-clause", "BSD-3-Clause"),
    ("bsd 3-clause", "BSD-3-Clause"),
    ("bsd 3-clause license", "BSD-3-Clause"),
    ("bsd-3-clause license", "BSD-3-Clause"),
    ("3-clause bsd", "BSD-3-Clause"),
    ("new bsd", "BSD-3-Clause"),
    ("new bsd license", "BSD-3-Clause"),
    ("modified bsd", "BSD-3-Clause"),
    ("modified bsd license", "BSD-3-Clause"),
    ("2-clause bsd", "BSD-2-Clause"),
    ("0bsd", "0BSD"),
    ("isc", "ISC"),
    ("isc license", "ISC"),
    ("isc license (iscl)", "ISC"),
    ("mpl-2.0", "MPL-2.0"),
    ("mpl 2.0", "MPL-2.0"),
    ("mozilla public license 2.0 (mpl 2.0)", "MPL-2.0"),
    // "PSF" and the "Python Software Foundation License" classifier are not listed: projects
    // use them for their own licences too (matplotlib's).
    ("psf-2.0", "PSF-2.0"),
    ("python-2.0", "Python-2.0"),
    ("unlicense", "Unlicense"),
    ("the unlicense (unlicense)", "Unlicense"),
    ("zlib", "Zlib"),
    ("zlib/libpng license", "Zlib"),
    ("bsl-1.0", "BSL-1.0"),
    ("boost software license 1.0 (bsl-1.0)", "BSL-1.0"),
    ("cc0-1.0", "CC0-1.0"),
    (
        "cc0 1.0 universal (cc0 1.0) public domain dedication",
        "CC0-1.0",
    ),
    ("epl-2.0", "EPL-2.0"),
    ("eclipse public license 2.0 (epl-2.0)", "EPL-2.0"),
    ("hpnd", "HPND"),
    ("historical permission notice and disclaimer (hpnd)", "HPND"),
    ("eupl-1.2", "EUPL-1.2"),
    ("european union public licence 1.2 (eupl 1.2)", "EUPL-1.2"),
    ("gpl-2.0-only", "GPL-2.0-only"),
    ("gpl-2.0-or-later", "GPL-2.0-or-later"),
    ("gpl-3.0-only", "GPL-3.0-only"),
    ("gpl-3.0-or-later", "GPL-3.0-or-later"),
    ("gnu general public license v2 (gplv2)", "GPL-2.0-only"),
    (
        "gnu general public license v2 or later (gplv2+)",
        "GPL-2.0-or-later",
    ),
    ("gnu general public license v3 (gplv3)", "GPL-3.0-only"),
    (
        "gnu general public license v3 or later (gplv3+)",
        "GPL-3.0-or-later",
    ),
    ("lgpl-2.1-only", "LGPL-2.1-only"),
    ("lgpl-2.1-or-later", "LGPL-2.1-or-later"),
    ("lgpl-3.0-only", "LGPL-3.0-only"),
    ("lgpl-3.0-or-later", "LGPL-3.0-or-later"),
    (
        "gnu lesser general public license v3 (lgplv3)",
        "LGPL-3.0-only",
    ),
    (
        "gnu lesser general public license v3 or later (lgplv3+)",
        "LGPL-3.0-or-later",
    ),
    ("agpl-3.0-only", "AGPL-3.0-only"),
    ("agpl-3.0-or-later", "AGPL-3.0-or-later"),
    ("gnu affero general public license v3", "AGPL-3.0-only"),
    (
        "gnu affero general public license v3 or later (agplv3+)",
        "AGPL-3.0-or-later",
    ),
];

/// The SPDX id `name` stands for, if exactly one.
fn spdx_of(name: &str) -> Option<&'static str> {
    let name = name.trim().trim_end_matches('.');
    NAMES
        .iter()
        .find(|(known, _)| known.eq_ignore_ascii_case(name))
        .map(|(_, spdx)| *spdx)
}

/// Whether `text` is an SPDX expression of ids hashpin knows, exactly as SPDX spells them.
fn is_known_expression(text: &str) -> bool {
    is_expression(text)
        && text
            .split(|c: char| c.is_whitespace() || c == '(' || c == ')')
            .filter(|word| !word.is_empty() && !matches!(*word, "AND" | "OR" | "WITH"))
            .all(|word| NAMES.iter().any(|(_, spdx)| *spdx == word))
}

/// Whether `expression` reads as an SPDX expression: ids (letters, digits, `.`, `-`, `+`,
/// `LicenseRef-…`) joined by `AND`, `OR`, `WITH` and parentheses.
fn is_expression(expression: &str) -> bool {
    let mut words = 0;
    for word in expression
        .split(|c: char| c.is_whitespace() || c == '(' || c == ')')
        .filter(|word| !word.is_empty())
    {
        if matches!(word, "AND" | "OR" | "WITH") {
            continue;
        }
        if !word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+' | ':'))
        {
            return false;
        }
        words += 1;
    }
    words > 0
}

/// The licence of a release, from its metadata.
pub(super) fn of(metadata: &CoreMetadata) -> Licence {
    if let Some(expression) = &metadata.license_expression {
        return if is_expression(expression) {
            Licence {
                spdx: Some(expression.trim().to_string()),
                from: "License-Expression",
                written: None,
            }
        } else {
            Licence {
                spdx: None,
                from: "License-Expression",
                written: Some(expression.clone()),
            }
        };
    }
    let field = metadata
        .license
        .as_deref()
        .filter(|text| !matches!(text.trim().to_ascii_uppercase().as_str(), "UNKNOWN" | ""));
    if let Some(spdx) = field.and_then(spdx_of) {
        return Licence {
            spdx: Some(spdx.to_string()),
            from: "License",
            written: None,
        };
    }
    // A `License` field written as an SPDX expression of ids hashpin knows (`MIT AND
    // Python-2.0`), as many projects did before PEP 639.
    if let Some(expression) = field.filter(|text| is_known_expression(text)) {
        return Licence {
            spdx: Some(expression.trim().to_string()),
            from: "License",
            written: None,
        };
    }
    // Several licence classifiers are several licences to choose from.
    let classifiers: Vec<Option<&str>> = metadata
        .license_classifiers
        .iter()
        .map(|classifier| {
            let name = classifier.rsplit("::").next().unwrap_or_default();
            spdx_of(name)
        })
        .collect();
    if !classifiers.is_empty() && classifiers.iter().all(Option::is_some) {
        let mut ids: Vec<&str> = classifiers.into_iter().flatten().collect();
        ids.sort_unstable();
        ids.dedup();
        return Licence {
            spdx: Some(ids.join(" OR ")),
            from: "classifier",
            written: None,
        };
    }
    // When nothing maps, the classifiers are quoted if there are any (they are names by
    // construction), else the field's first line if it reads as a name: `Copyright (c) 2005,
    // NumPy Developers.` or `Files: …` names no licence.
    let names_one = |text: &&str| {
        let lower = text.to_ascii_lowercase();
        text.starts_with(|c: char| c.is_ascii_alphanumeric())
            && !lower.starts_with("copyright")
            && !lower.contains("(c)")
            && !text.contains(':')
            && text.chars().count() <= 60
    };
    let classifiers = (!metadata.license_classifiers.is_empty()).then(|| {
        metadata
            .license_classifiers
            .iter()
            .map(|classifier| classifier.rsplit("::").next().unwrap_or_default().trim())
            .collect::<Vec<_>>()
            .join(", ")
    });
    let (written, from) = match (classifiers, field) {
        (Some(classifiers), _) => (Some(classifiers), "classifier"),
        (None, Some(field)) => (names_one(&field).then(|| field.to_string()), "License"),
        (None, None) => (None, "none"),
    };
    Licence {
        spdx: None,
        from,
        written,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metadata(headers: &str) -> CoreMetadata {
        CoreMetadata::parse(
            format!("Metadata-Version: 2.4\nName: a\nVersion: 1\n{headers}\n").as_bytes(),
        )
        .unwrap()
    }

    #[test]
    fn each_source_in_order_and_only_what_is_unambiguous() {
        let spdx = |headers: &str| of(&metadata(headers)).display();
        assert_eq!(
            spdx("License-Expression: Apache-2.0 OR BSD-3-Clause\nLicense: MIT"),
            "Apache-2.0 OR BSD-3-Clause"
        );
        assert_eq!(spdx("License: MIT License"), "MIT");
        assert_eq!(spdx("License: Apache License, Version 2.0"), "Apache-2.0");
        assert_eq!(
            spdx("License: UNKNOWN\nClassifier: License :: OSI Approved :: MIT License"),
            "MIT"
        );
        assert_eq!(
            spdx(
                "Classifier: License :: OSI Approved :: Apache Software License\nClassifier: License :: OSI Approved :: BSD License"
            ),
            "unknown (Apache Software License, BSD License)"
        );
        assert_eq!(spdx("License: BSD"), "unknown (BSD)");
        assert_eq!(spdx("License: MIT AND Python-2.0"), "MIT AND Python-2.0");
        assert_eq!(spdx("License: mit or apache"), "unknown (mit or apache)");
        assert_eq!(
            spdx(
                "License: Copyright (c) 2005-2024, NumPy Developers.\nClassifier: License :: OSI Approved :: BSD License"
            ),
            "unknown (BSD License)"
        );
        let numpy = of(&metadata(
            "License: Copyright (c) 2005, NumPy.\nClassifier: License :: OSI Approved :: BSD License",
        ));
        assert_eq!(numpy.from, "classifier");
        assert_eq!(
            spdx(
                "License: License agreement for matplotlib versions 1.3.0 and later\nClassifier: License :: OSI Approved :: Python Software Foundation License"
            ),
            "unknown (Python Software Foundation License)"
        );
        assert_eq!(
            spdx(
                "License: Files: Everything except for the benchmarks\nClassifier: License :: OSI Approved :: Apache Software License"
            ),
            "unknown (Apache Software License)"
        );
        assert_eq!(
            spdx(
                "Classifier: License :: OSI Approved :: GNU General Public License v3 or later (GPLv3+)"
            ),
            "GPL-3.0-or-later"
        );
        assert_eq!(
            spdx(
                "Classifier: License :: OSI Approved :: MIT License\nClassifier: License :: OSI Approved :: ISC License (ISCL)"
            ),
            "ISC OR MIT"
        );
        assert_eq!(spdx(""), "unknown");
        assert_eq!(
            spdx("License-Expression: see \u{1b}[31mLICENSE"),
            "unknown (see \\u{1b}[31mLICENSE)"
        );
    }
}

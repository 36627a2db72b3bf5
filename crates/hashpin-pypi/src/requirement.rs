//! Parsing PEP 508 requirements from outside text without letting it exhaust the stack.
//!
//! `pep508_rs` parses markers by recursive descent: a `Requires-Dist` with a few thousand nested
//! parentheses (some kilobytes of METADATA an index chooses) overflows the stack and aborts
//! the process. Real markers nest two or three deep, so nesting is measured first, without
//! recursion, and anything deeper than [`MAX_MARKER_NESTING`] is refused with an error the
//! caller can place (a file and line, a package).

use std::str::FromStr;

use pep508_rs::Requirement;

/// The deepest parenthesis nesting a requirement may have.
pub const MAX_MARKER_NESTING: usize = 64;

/// The most comparisons a requirement's marker may join with `and` and `or`: real markers
/// join a handful, and the marker algebra of `pep508_rs` can grow exponentially with them (a
/// fuzzed marker of some hundred comparisons took more than 2 GiB).
pub const MAX_MARKER_CLAUSES: usize = 64;

/// The most extras one requirement may name: real ones name a few, the largest projects offer
/// about a hundred, and each extra is a node the resolver decides about.
pub const MAX_EXTRAS: usize = 1024;

/// Why a requirement could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequirementError {
    /// Parentheses nest deeper than [`MAX_MARKER_NESTING`].
    #[error("parentheses nest {depth} deep, more than the {MAX_MARKER_NESTING} hashpin reads")]
    TooDeep {
        /// How deep they nest.
        depth: usize,
    },
    /// More than [`MAX_MARKER_CLAUSES`] comparisons in the marker.
    #[error(
        "its marker joins {count} comparisons, more than the {MAX_MARKER_CLAUSES} hashpin reads"
    )]
    TooManyClauses {
        /// How many.
        count: usize,
    },
    /// More than [`MAX_EXTRAS`] extras.
    #[error("it names {count} extras, more than the {MAX_EXTRAS} hashpin reads")]
    TooManyExtras {
        /// How many (at least).
        count: usize,
    },
    /// Not PEP 508: the parser's message, which quotes the text.
    #[error("{0}")]
    Invalid(String),
}

/// Parses `text` as a PEP 508 requirement, refusing nesting deeper than
/// [`MAX_MARKER_NESTING`] before the recursive parser sees it.
pub fn parse_requirement(text: &str) -> Result<Requirement, RequirementError> {
    let depth = nesting_depth(text);
    if depth > MAX_MARKER_NESTING {
        return Err(RequirementError::TooDeep { depth });
    }
    let clauses = marker_clauses(text);
    if clauses > MAX_MARKER_CLAUSES {
        return Err(RequirementError::TooManyClauses { count: clauses });
    }
    // Counted before parsing too: the parser's own handling of extras is quadratic.
    let extras = text
        .split_once('[')
        .and_then(|(_, rest)| rest.split_once(']'))
        .map_or(0, |(list, _)| list.matches(',').count() + 1);
    if extras > MAX_EXTRAS {
        return Err(RequirementError::TooManyExtras { count: extras });
    }
    if let Some(c) = non_ascii(text) {
        return Err(RequirementError::Invalid(format!(
            "`{}` is not an ASCII character; PEP 508 requirements are ASCII",
            c.escape_unicode()
        )));
    }
    if let Some(name) = ends_in_separator(text) {
        return Err(RequirementError::Invalid(format!(
            "`{}` must end with a letter or digit",
            crate::untrusted::excerpt(name, 100)
        )));
    }
    // The message quotes the text; the printer escapes what it shows. A panic the checks above
    // did not foresee is still a bad requirement, not the end of the run: the parser holds no
    // state of ours, so nothing is left half-changed.
    match std::panic::catch_unwind(|| Requirement::from_str(text)) {
        Ok(parsed) => parsed.map_err(|error| RequirementError::Invalid(error.message.to_string())),
        Err(_) => Err(RequirementError::Invalid(
            "the PEP 508 parser could not read it".to_string(),
        )),
    }
}

/// The first character beyond ASCII, if any.
///
/// `pep508_rs` 0.9.2 slices its input at byte offsets that can fall inside a wider character,
/// and panics: outside quotes (`alpha[\u{17d3}`, a BOM after a marker) and, on some error
/// paths, inside them too. Found by the `requirement` and `requirements` fuzz targets. PEP
/// 508's grammar is ASCII but for quoted marker values, which real requirements do not use.
fn non_ascii(text: &str) -> Option<char> {
    text.chars().find(|c| !c.is_ascii())
}

/// The project name or an extra of `text` that ends in `-`, `_` or `.`, if any.
///
/// `pep508_rs` 0.9.2 panics on those (its scanner lets such a name through, then asserts
/// that the name is valid), so they are refused before it sees them. Found by the `metadata`
/// fuzz target: `Requires-Dist: bee. (>=1)` aborted a run.
fn ends_in_separator(text: &str) -> Option<&str> {
    let is_name = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    let bad = |name: &str| name.ends_with(['-', '_', '.']);
    let rest = text.trim_start();
    let end = rest.find(|c: char| !is_name(c)).unwrap_or(rest.len());
    let (name, rest) = rest.split_at(end);
    if bad(name) {
        return Some(name);
    }
    let extras = rest.trim_start().strip_prefix('[')?;
    let extras = extras.split(']').next().unwrap_or(extras);
    extras.split(',').find_map(|extra| {
        let extra = extra.trim_start();
        let end = extra.find(|c: char| !is_name(c)).unwrap_or(extra.len());
        bad(&extra[..end]).then_some(&extra[..end])
    })
}

/// How many comparisons the marker after `;` joins: one more than its `and` and `or` words
/// outside quoted strings (zero without a marker).
fn marker_clauses(text: &str) -> usize {
    let mut joins = 0;
    let mut quote = None;
    let mut word = String::new();
    let mut in_marker = false;
    for c in text.chars().chain([' ']) {
        match (quote, c) {
            (Some(open), c) if c == open => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, ';') => in_marker = true,
            (None, c) if c.is_ascii_alphabetic() => word.push(c),
            (None, _) => {
                if in_marker && (word == "and" || word == "or") {
                    joins += 1;
                }
                word.clear();
            }
        }
    }
    if in_marker { joins + 1 } else { 0 }
}

/// The deepest nesting of `(` outside quoted strings (marker values are quoted with `'` or `"`).
fn nesting_depth(text: &str) -> usize {
    let (mut depth, mut deepest) = (0_usize, 0_usize);
    let mut quote = None;
    for c in text.chars() {
        match (quote, c) {
            (Some(open), c) if c == open => quote = None,
            (None, '\'' | '"') => quote = Some(c),
            (None, '(') => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            (None, ')') => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_9_deep_nesting_is_refused_before_parsing() {
        for depth in [65, 3000, 20_000] {
            let text = format!(
                "beta ; {}python_version > '3'{}",
                "(".repeat(depth),
                ")".repeat(depth)
            );
            assert_eq!(
                parse_requirement(&text),
                Err(RequirementError::TooDeep { depth })
            );
        }
    }

    #[test]
    fn ordinary_nesting_and_quoted_parentheses_parse() {
        let text = format!(
            "beta (>=1) ; {}python_version > '3' and platform_release == '((('{}",
            "(".repeat(MAX_MARKER_NESTING - 1),
            ")".repeat(MAX_MARKER_NESTING - 1)
        );
        assert!(parse_requirement(&text).is_ok(), "{text}");
    }

    #[test]
    fn issue_9_a_hundred_thousand_extras_are_refused_at_once() {
        let extras: Vec<String> = (0..100_000).map(|i| format!("e{i}")).collect();
        let text = format!("alpha[{}]", extras.join(","));
        let started = std::time::Instant::now();
        assert_eq!(
            parse_requirement(&text),
            Err(RequirementError::TooManyExtras { count: 100_000 })
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
        let text = format!("alpha[{}]", extras[..MAX_EXTRAS].join(","));
        assert_eq!(
            parse_requirement(&text).map(|requirement| requirement.extras.len()),
            Ok(MAX_EXTRAS)
        );
    }

    #[test]
    fn issue_9_names_ending_in_a_separator_are_refused_not_a_panic() {
        for text in [
            "bee.",
            "alph.0.*)",
            "h-- ",
            "alpha_ (>=1)",
            "alpha[x-]",
            "alpha[ok, y. ]",
        ] {
            assert!(
                matches!(parse_requirement(text), Err(RequirementError::Invalid(_))),
                "{text}"
            );
        }
        for text in [
            "alpha[\u{17d3}",
            "beta ; python_version >= \"3.8\"\u{feff}",
            "é",
            "alpha ; os_name == \"\u{10f2d3} never closed",
            "alpha ; os_name == 'déjà'",
        ] {
            assert!(
                matches!(parse_requirement(text), Err(RequirementError::Invalid(_))),
                "{text}"
            );
        }
        for text in [
            "a.b-c_d",
            "alpha[x-y,z.w]>=1",
            "alpha @ https://h.invalid/a-.whl",
        ] {
            assert!(parse_requirement(text).is_ok(), "{text}");
        }
    }

    #[test]
    fn issue_9_markers_joining_too_many_comparisons_are_refused() {
        let text = format!(
            "beta ; {}",
            vec!["python_version > '3'"; 20_000].join(" and ")
        );
        assert_eq!(
            parse_requirement(&text),
            Err(RequirementError::TooManyClauses { count: 20_000 })
        );
        let text = format!(
            "beta ; {}",
            (0..MAX_MARKER_CLAUSES)
                .map(|i| format!("(platform_machine != 'm{i}' or extra == 'e{i}')"))
                .collect::<Vec<_>>()
                .join(" and ")
        );
        assert!(matches!(
            parse_requirement(&text),
            Err(RequirementError::TooManyClauses { .. })
        ));
        let text = "beta ; python_version >= '3.8' and (sys_platform == 'linux' or os_name == 'nt and or')";
        assert!(parse_requirement(text).is_ok(), "quoted words do not count");
    }
}

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

/// Why a requirement could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequirementError {
    /// Parentheses nest deeper than [`MAX_MARKER_NESTING`].
    #[error("parentheses nest {depth} deep, more than the {MAX_MARKER_NESTING} hashpin reads")]
    TooDeep {
        /// How deep they nest.
        depth: usize,
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
    // The message quotes the text; the printer escapes what it shows.
    Requirement::from_str(text)
        .map_err(|error| RequirementError::Invalid(error.message.to_string()))
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
    fn long_flat_markers_parse() {
        let text = format!(
            "beta ; {}",
            vec!["python_version > '3'"; 20_000].join(" and ")
        );
        assert!(parse_requirement(&text).is_ok());
    }
}

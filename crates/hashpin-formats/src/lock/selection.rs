//! PEP 751's selection: which extras and dependency groups of a lock are installed, and what
//! a package marker means once they are chosen.
//!
//! A pylock's markers may test the variables `extras` and `dependency_groups`
//! (`"dev" in dependency_groups`), which PEP 508 parsers and pip's requirements files do not
//! know. [`Selection::resolve`] evaluates those tests for one selection and leaves every
//! other test as written, so what remains is a PEP 508 marker (or no marker at all, or
//! "never installed").

use super::Lock;

/// The extras and dependency groups an installation of a lock asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// Extras, normalized.
    pub extras: Vec<String>,
    /// Dependency groups, normalized.
    pub dependency_groups: Vec<String>,
}

/// What a package marker says under a [`Selection`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selected {
    /// Installed wherever the lock is.
    Always,
    /// Not installed with this selection.
    Never,
    /// Installed where this PEP 508 marker holds (it no longer tests extras or groups).
    When(String),
}

/// Why a marker cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a marker: {0}")]
pub struct MarkerError(String);

impl Selection {
    /// What installers select when asked for nothing: no extras, the lock's
    /// `default-groups`.
    pub fn default_of(lock: &Lock) -> Self {
        Self {
            extras: Vec::new(),
            dependency_groups: lock.selectable.default_groups.clone(),
        }
    }

    /// Whether nothing is selected.
    pub fn is_empty(&self) -> bool {
        self.extras.is_empty() && self.dependency_groups.is_empty()
    }

    /// The marker with its `extras` and `dependency_groups` tests decided.
    ///
    /// # Errors
    /// When the text is not a marker (unbalanced parentheses, an unterminated string, a test
    /// without an operator, a test PEP 508 does not have). The message may quote the marker:
    /// neutralise it before it reaches a terminal.
    pub fn resolve(&self, marker: &str) -> Result<Selected, MarkerError> {
        let tokens = tokenize(marker)?;
        let mut parser = Parser {
            source: marker,
            tokens: &tokens,
            at: 0,
            selection: self,
            depth: 0,
        };
        let expression = parser.or()?;
        if parser.at != tokens.len() {
            return Err(MarkerError("unexpected text after the marker".into()));
        }
        Ok(match expression {
            Expression::Constant(true) => Selected::Always,
            Expression::Constant(false) => Selected::Never,
            residual => Selected::When(residual.render(false)),
        })
    }
}

/// Names of extras and groups compare normalized (PEP 685, PEP 735).
pub fn normalize_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut separator = false;
    for c in name.trim().chars() {
        if matches!(c, '-' | '_' | '.') {
            separator = true;
        } else {
            if separator && !out.is_empty() {
                out.push('-');
            }
            separator = false;
            out.extend(c.to_lowercase());
        }
    }
    out
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Open,
    Close,
    /// A quoted string, without its quotes.
    Text(String),
    /// A variable name or a keyword (`and`, `or`, `not`, `in`).
    Word(String),
    /// A comparison operator.
    Operator(String),
}

/// Tokens with the byte range each covers.
fn tokenize(text: &str) -> Result<Vec<(Token, std::ops::Range<usize>)>, MarkerError> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let start = at;
        let token = match bytes[at] {
            b' ' | b'\t' => {
                at += 1;
                continue;
            }
            b'(' => {
                at += 1;
                Token::Open
            }
            b')' => {
                at += 1;
                Token::Close
            }
            quote @ (b'"' | b'\'') => {
                let end = text[at + 1..]
                    .find(char::from(quote))
                    .ok_or_else(|| MarkerError("a string is not closed".into()))?;
                at += end + 2;
                Token::Text(text[start + 1..at - 1].to_string())
            }
            b'=' | b'!' | b'<' | b'>' | b'~' => {
                while at < bytes.len() && matches!(bytes[at], b'=' | b'!' | b'<' | b'>' | b'~') {
                    at += 1;
                }
                Token::Operator(text[start..at].to_string())
            }
            c if c.is_ascii_alphanumeric() || c == b'_' => {
                while at < bytes.len() && (bytes[at].is_ascii_alphanumeric() || bytes[at] == b'_') {
                    at += 1;
                }
                Token::Word(text[start..at].to_string())
            }
            _ => {
                return Err(MarkerError(format!(
                    "unexpected character at {}",
                    text[..start].chars().count() + 1
                )));
            }
        };
        tokens.push((token, start..at));
    }
    Ok(tokens)
}

/// A marker with the selection's tests decided: constants folded away, other tests kept as
/// their source text.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Expression {
    Constant(bool),
    Test(String),
    And(Vec<Expression>),
    Or(Vec<Expression>),
}

impl Expression {
    fn and(parts: Vec<Self>) -> Self {
        let mut kept = Vec::new();
        for part in parts {
            match part {
                Self::Constant(true) => {}
                Self::Constant(false) => return Self::Constant(false),
                Self::And(inner) => kept.extend(inner),
                other => kept.push(other),
            }
        }
        match kept.len() {
            0 => Self::Constant(true),
            1 => kept.remove(0),
            _ => Self::And(kept),
        }
    }

    fn or(parts: Vec<Self>) -> Self {
        let mut kept = Vec::new();
        for part in parts {
            match part {
                Self::Constant(false) => {}
                Self::Constant(true) => return Self::Constant(true),
                Self::Or(inner) => kept.extend(inner),
                other => kept.push(other),
            }
        }
        match kept.len() {
            0 => Self::Constant(false),
            1 => kept.remove(0),
            _ => Self::Or(kept),
        }
    }

    fn render(&self, inside_and: bool) -> String {
        match self {
            Self::Constant(value) => value.to_string(),
            Self::Test(text) => text.clone(),
            Self::And(parts) => parts
                .iter()
                .map(|part| part.render(true))
                .collect::<Vec<_>>()
                .join(" and "),
            Self::Or(parts) => {
                let joined = parts
                    .iter()
                    .map(|part| part.render(false))
                    .collect::<Vec<_>>()
                    .join(" or ");
                if inside_and {
                    format!("({joined})")
                } else {
                    joined
                }
            }
        }
    }
}

/// Parentheses deeper than this are refused rather than recursed into.
const MAX_DEPTH: usize = 64;

struct Parser<'a> {
    source: &'a str,
    tokens: &'a [(Token, std::ops::Range<usize>)],
    at: usize,
    selection: &'a Selection,
    depth: usize,
}

impl Parser<'_> {
    fn peek_word(&self, word: &str) -> bool {
        matches!(self.tokens.get(self.at), Some((Token::Word(found), _)) if found == word)
    }

    fn or(&mut self) -> Result<Expression, MarkerError> {
        let mut parts = vec![self.and()?];
        while self.peek_word("or") {
            self.at += 1;
            parts.push(self.and()?);
        }
        Ok(Expression::or(parts))
    }

    fn and(&mut self) -> Result<Expression, MarkerError> {
        let mut parts = vec![self.term()?];
        while self.peek_word("and") {
            self.at += 1;
            parts.push(self.term()?);
        }
        Ok(Expression::and(parts))
    }

    fn term(&mut self) -> Result<Expression, MarkerError> {
        if matches!(self.tokens.get(self.at), Some((Token::Open, _))) {
            self.depth += 1;
            if self.depth > MAX_DEPTH {
                return Err(MarkerError("parentheses nested too deep".into()));
            }
            self.at += 1;
            let inner = self.or()?;
            if !matches!(self.tokens.get(self.at), Some((Token::Close, _))) {
                return Err(MarkerError("a parenthesis is not closed".into()));
            }
            self.at += 1;
            self.depth -= 1;
            return Ok(inner);
        }
        self.test()
    }

    /// `value operator value`, where the operator may be `in` or `not in`.
    fn test(&mut self) -> Result<Expression, MarkerError> {
        let value = |token: Option<&(Token, std::ops::Range<usize>)>| match token {
            Some((token @ (Token::Text(_) | Token::Word(_)), range)) => {
                Some((token.clone(), range.clone()))
            }
            _ => None,
        };
        let (left, left_range) = value(self.tokens.get(self.at))
            .ok_or_else(|| MarkerError("a test is missing".into()))?;
        self.at += 1;
        let negated = match self.tokens.get(self.at) {
            Some((Token::Operator(_), _)) => None,
            Some((Token::Word(word), _)) if word == "in" => Some(false),
            Some((Token::Word(word), _)) if word == "not" => {
                self.at += 1;
                if !self.peek_word("in") {
                    return Err(MarkerError("`not` must be followed by `in`".into()));
                }
                Some(true)
            }
            _ => return Err(MarkerError("a test has no operator".into())),
        };
        self.at += 1;
        let (right, right_range) = value(self.tokens.get(self.at))
            .ok_or_else(|| MarkerError("a test has nothing to compare with".into()))?;
        self.at += 1;
        if let (Some(negated), Token::Text(name), Token::Word(variable)) = (negated, &left, &right)
        {
            let chosen = match variable.as_str() {
                "extras" => Some(&self.selection.extras),
                "dependency_groups" => Some(&self.selection.dependency_groups),
                _ => None,
            };
            if let Some(chosen) = chosen {
                let name = normalize_name(name);
                return Ok(Expression::Constant(chosen.contains(&name) != negated));
            }
        }
        // Kept tests must be PEP 508 ones, so what is left is a marker pip reads.
        let test = &self.source[left_range.start..right_range.end];
        test.parse::<pep508_rs::MarkerTree>()
            .map_err(|error| MarkerError(format!("`{test}`: {}", error.message)))?;
        Ok(Expression::Test(test.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dev() -> Selection {
        Selection {
            extras: vec!["socks".into()],
            dependency_groups: vec!["default".into(), "dev".into()],
        }
    }

    fn resolve(selection: &Selection, marker: &str) -> Selected {
        selection.resolve(marker).unwrap()
    }

    #[test]
    fn group_and_extra_tests_are_decided() {
        let none = Selection::default();
        assert_eq!(
            resolve(&dev(), "\"default\" in dependency_groups"),
            Selected::Always
        );
        assert_eq!(
            resolve(&none, "\"default\" in dependency_groups"),
            Selected::Never
        );
        assert_eq!(resolve(&dev(), "'SOCKS' in extras"), Selected::Always);
        assert_eq!(resolve(&dev(), "'lint' not in extras"), Selected::Always);
        assert_eq!(
            resolve(&dev(), "\"Dev\" not in dependency_groups"),
            Selected::Never
        );
    }

    #[test]
    fn other_tests_stay_as_written() {
        assert_eq!(
            resolve(
                &dev(),
                "sys_platform == \"win32\" and \"default\" in dependency_groups"
            ),
            Selected::When("sys_platform == \"win32\"".into())
        );
        assert_eq!(
            resolve(
                &Selection::default(),
                "sys_platform == 'win32' and 'default' in dependency_groups"
            ),
            Selected::Never
        );
        assert_eq!(
            resolve(&dev(), "python_version < '3.11'"),
            Selected::When("python_version < '3.11'".into())
        );
    }

    #[test]
    fn a_residual_or_inside_and_keeps_its_parentheses() {
        assert_eq!(
            resolve(
                &dev(),
                "(sys_platform == 'win32' or os_name == 'nt' or 'x' in extras) and 'dev' in dependency_groups and python_version >= '3.9'"
            ),
            Selected::When(
                "(sys_platform == 'win32' or os_name == 'nt') and python_version >= '3.9'".into()
            )
        );
        assert_eq!(
            resolve(
                &Selection::default(),
                "'dev' in dependency_groups or ('socks' in extras and os_name == 'nt')"
            ),
            Selected::Never
        );
        assert_eq!(
            resolve(&dev(), "'lint' in dependency_groups or 'socks' in extras"),
            Selected::Always
        );
    }

    #[test]
    fn the_result_is_a_marker_pep508_reads() {
        let Selected::When(marker) = resolve(
            &dev(),
            "(platform_machine == 'x86_64' or 'a' in extras) and implementation_name == 'cpython' and 'dev' in dependency_groups",
        ) else {
            panic!("a residual marker");
        };
        assert!(marker.parse::<pep508_rs::MarkerTree>().is_ok(), "{marker}");
    }

    #[test]
    fn broken_markers_are_errors_not_guesses() {
        for marker in [
            "'dev' in",
            "(os_name == 'nt'",
            "os_name == 'nt')",
            "'unterminated in extras",
            "os_name",
            "'dev' not extras",
            "os_name == 'nt' ; rm -rf",
            "os_name == 'nt' and 'x' == 'y' --hash=sha256:00",
        ] {
            assert!(dev().resolve(marker).is_err(), "{marker}");
        }
        let deep = format!("{}os_name == 'nt'{}", "(".repeat(200), ")".repeat(200));
        assert!(dev().resolve(&deep).is_err());
    }

    #[test]
    fn names_are_normalized() {
        assert_eq!(normalize_name("Foo__Bar.baz"), "foo-bar-baz");
        assert_eq!(normalize_name("dev"), "dev");
    }
}

//! Text from outside hashpin, made safe where it lands.
//!
//! An index chooses its yank reasons, filenames and metadata; a user's files hold whatever
//! was typed or pasted into them. Such text reaches two places that interpret characters:
//!
//! - **the lock**, which pip reads line by line after Python's `str.splitlines()`, so a
//!   carriage return, a form feed, `\x1c`..`\x1e`, NEL or U+2028 ends a line as surely as
//!   `\n` does. A yank reason with one of them in a header comment would become a live
//!   requirement line. [`for_comment`] keeps text inside one comment line.
//! - **a terminal**, where ESC starts a control sequence (colours, cursor moves, window
//!   titles, hyperlinks) and bidirectional overrides reorder what is shown (Trojan Source,
//!   CVE-2021-42574). [`for_terminal`] shows such characters as escapes.
//!
//! Both escape the same characters, in the same visible form (`\n`, `\u{1b}`), so that what
//! a reviewer reads in the lock is what the terminal shows. [`UntrustedText`] holds such
//! text and only ever displays it escaped.

use std::borrow::Cow;
use std::fmt;

/// Whether `c` must not reach a lock or a terminal as it is: control characters (C0, DEL,
/// C1), the line and paragraph separators Python splits lines on, and the Unicode
/// bidirectional formatting characters.
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'
                ..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

/// `text` with every unsafe character written as an escape (`\n`, `\t`, `\u{1b}`).
fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe(c) {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `text` made safe to print on a terminal: control characters, ANSI escape sequences and
/// bidirectional overrides are shown escaped.
pub fn for_terminal(text: &str) -> Cow<'_, str> {
    escape(text)
}

/// `text` made safe to write inside one comment line of a requirements file: no character
/// that pip or a terminal would act on survives, so the text cannot end the line.
pub fn for_comment(text: &str) -> Cow<'_, str> {
    escape(text)
}

/// At most `max` characters of `text` for a message, escaped as [`for_terminal`] does, with
/// `…` where it was cut: an error quoting a six-kilobyte line helps nobody.
pub fn excerpt(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => format!("{}…", for_terminal(&text[..end])),
        None => for_terminal(text).into_owned(),
    }
}

/// Text that came from outside (an index, a file's metadata, a build's output). It displays
/// and debug-prints escaped; [`Self::as_raw`] gives the text itself, for comparisons.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UntrustedText(Box<str>);

impl UntrustedText {
    /// Wraps `text`.
    pub fn new(text: impl Into<Box<str>>) -> Self {
        Self(text.into())
    }

    /// The text as received. Never print or write it: use `Display` or [`Self::for_comment`].
    pub fn as_raw(&self) -> &str {
        &self.0
    }

    /// The text for a lock comment ([`for_comment`]).
    pub fn for_comment(&self) -> Cow<'_, str> {
        for_comment(&self.0)
    }
}

impl fmt::Display for UntrustedText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&for_terminal(&self.0))
    }
}

impl fmt::Debug for UntrustedText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{}\"", for_terminal(&self.0))
    }
}

impl From<&str> for UntrustedText {
    fn from(text: &str) -> Self {
        Self::new(text)
    }
}

impl From<String> for UntrustedText {
    fn from(text: String) -> Self {
        Self::new(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Python's `str.splitlines()` boundaries: each would start a new requirements line.
    const PYTHON_LINE_BREAKS: [char; 10] = [
        '\n', '\r', '\u{0b}', '\u{0c}', '\u{1c}', '\u{1d}', '\u{1e}', '\u{85}', '\u{2028}',
        '\u{2029}',
    ];

    #[test]
    fn no_line_break_survives_a_comment() {
        for c in PYTHON_LINE_BREAKS {
            let text = format!("broken{c}evil==6.6.6 --hash=sha256:{}", "0".repeat(64));
            let comment = for_comment(&text);
            assert!(!comment.contains(PYTHON_LINE_BREAKS), "{c:?}: {comment}");
            assert!(comment.starts_with("broken\\"), "{comment}");
        }
    }

    #[test]
    fn ansi_and_bidi_are_shown_escaped() {
        assert_eq!(
            for_terminal("\u{1b}[31mred\u{1b}[0m"),
            "\\u{1b}[31mred\\u{1b}[0m"
        );
        assert_eq!(for_terminal("a\u{202e}b\tc"), "a\\u{202e}b\\tc");
        assert_eq!(for_terminal("\u{7f}\u{9b}"), "\\u{7f}\\u{9b}");
    }

    #[test]
    fn ordinary_text_is_left_alone() {
        let text = "security: CVE-2024-1 & more — déjà vu 🐍";
        assert!(matches!(for_terminal(text), Cow::Borrowed(_)));
        assert_eq!(UntrustedText::from(text).to_string(), text);
    }

    #[test]
    fn display_and_debug_escape() {
        let text = UntrustedText::from("a\nb");
        assert_eq!(text.to_string(), "a\\nb");
        assert_eq!(format!("{text:?}"), "\"a\\nb\"");
        assert_eq!(text.as_raw(), "a\nb");
    }
}

//! Credentials never leave the process: every URL shown to a person goes through [`RedactedUrl`].
//!
//! The masking follows pip's `redact_auth_from_url`: a password becomes `****`, and a user name
//! that stands alone (a token) is masked too, since it is then the secret.

use std::fmt;

use url::Url;

/// A URL that displays (and debug-prints) with its credentials masked.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct RedactedUrl(String);

impl RedactedUrl {
    /// Masks the credentials of `url`.
    pub fn new(url: &Url) -> Self {
        if url.username().is_empty() && url.password().is_none() {
            return Self(url.to_string());
        }
        let mut masked = url.clone();
        // Setting user info can only fail for URLs that cannot carry it (`cannot-be-a-base`),
        // and such URLs had none to begin with.
        if url.password().is_some() {
            let _ = masked.set_password(Some("****"));
        } else {
            let _ = masked.set_username("****");
        }
        Self(masked.to_string())
    }

    /// The masked text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&Url> for RedactedUrl {
    fn from(url: &Url) -> Self {
        Self::new(url)
    }
}

impl fmt::Display for RedactedUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for RedactedUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

/// `text` with the user information of everything in it that looks like a URL masked, parsed
/// or not: for messages that quote what a user typed (`http//user:s3cret@host`, a typo that no
/// URL parser accepts) or a line of a file.
///
/// For each `@`, the word it ends (back to whitespace, a quote or a backtick) is examined: after
/// the last `//` in it, or from its start when it has a `:` but no `//` (`user:pass@host`), the
/// text up to the `@` is masked, unless it holds a `/` (then the `@` is a path's, or a VCS
/// revision's as in `git+https://host/repo.git@v1`). A word like `pydantic[email]` or ` @ `
/// between a name and its URL has nothing masked.
pub fn redact_text(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains('@') {
        return std::borrow::Cow::Borrowed(text);
    }
    let is_boundary = |c: char| c.is_whitespace() || matches!(c, '`' | '\'' | '"' | '<' | '(');
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('@') {
        let before = &rest[..at];
        let word_start = before
            .char_indices()
            .rev()
            .find(|&(_, c)| is_boundary(c))
            .map_or(0, |(index, c)| index + c.len_utf8());
        let word = &before[word_start..];
        let secret_start = match word.rfind("//") {
            Some(slashes) => Some(word_start + slashes + 2),
            None if word.contains(':') => Some(word_start),
            None => None,
        };
        match secret_start.and_then(|start| secret_span(&before[start..]).map(|skip| start + skip))
        {
            Some(start) if start < at => {
                out.push_str(&before[..start]);
                out.push_str("****");
            }
            _ => out.push_str(before),
        }
        out.push('@');
        rest = &rest[at + 1..];
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

/// Where the secret starts in `region`, the text between a URL's `//` (or a word's start) and
/// an `@`. User information holds no `/`, so with one in it the `@` may be a path's or a VCS
/// revision's (`host/repo.git@v1`): only a `user:password` shape before the first `/` (a
/// password with a raw slash) or after the last one (`http:/user:pass@`) is masked.
fn secret_span(region: &str) -> Option<usize> {
    let (Some(first), Some(last)) = (region.find('/'), region.rfind('/')) else {
        return Some(0);
    };
    if region[..first].contains(':') {
        Some(0)
    } else if region[last + 1..].contains(':') {
        Some(last + 1)
    } else {
        None
    }
}

/// `url` without its user name and password, for sending on the wire and for cache keys.
pub fn strip_credentials(url: &Url) -> Url {
    let mut plain = url.clone();
    let _ = plain.set_username("");
    let _ = plain.set_password(None);
    plain
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redact(text: &str) -> String {
        RedactedUrl::new(&Url::parse(text).expect("test URL parses")).to_string()
    }

    #[test]
    fn masks_password_and_keeps_user() {
        assert_eq!(
            redact("https://alice:s3cret@index.example.com/simple/"),
            "https://alice:****@index.example.com/simple/"
        );
    }

    #[test]
    fn masks_lone_token() {
        assert_eq!(
            redact("https://tok3n@index.example.com/simple/"),
            "https://****@index.example.com/simple/"
        );
    }

    #[test]
    fn leaves_plain_urls_alone() {
        assert_eq!(
            redact("https://index.example.com/simple/"),
            "https://index.example.com/simple/"
        );
    }

    #[test]
    fn issue_9_credentials_in_text_are_masked_parsed_or_not() {
        for (text, masked) in [
            ("http//user:s3cret@host/simple", "http//****@host/simple"),
            ("http:/user:s3cret@host/simple", "****@host/simple"),
            ("user:s3cret@host", "****@host"),
            (
                "invalid `https://u:p@h/x`: bad",
                "invalid `https://****@h/x`: bad",
            ),
            (
                "alpha @ https://user:s3cret@host/a.whl",
                "alpha @ https://****@host/a.whl",
            ),
            (
                "git+https://user:s3cret@host/x.git#egg=alpha",
                "git+https://****@host/x.git#egg=alpha",
            ),
            (
                "pydantic[email]>=2 ; extra == 'x'",
                "pydantic[email]>=2 ; extra == 'x'",
            ),
            ("alpha @ file:///tmp/a.whl", "alpha @ file:///tmp/a.whl"),
            ("https://tok3n@host/simple", "https://****@host/simple"),
            (
                "git: https://example.invalid/checkout.git@0123abc",
                "git: https://example.invalid/checkout.git@0123abc",
            ),
            (
                "git+https://u:p@example.invalid/x.git@v1",
                "git+https://****@example.invalid/x.git@v1",
            ),
        ] {
            assert_eq!(redact_text(text), masked, "{text}");
        }
    }

    #[test]
    fn debug_is_masked_too() {
        let url = Url::parse("https://a:b@index.example.com/").expect("test URL parses");
        assert!(!format!("{:?}", RedactedUrl::new(&url)).contains(":b@"));
    }
}

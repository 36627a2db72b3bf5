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
    fn debug_is_masked_too() {
        let url = Url::parse("https://a:b@index.example.com/").expect("test URL parses");
        assert!(!format!("{:?}", RedactedUrl::new(&url)).contains(":b@"));
    }
}

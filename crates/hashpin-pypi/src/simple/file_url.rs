//! A file's URL, parsed when first used.

use std::fmt;
use std::ops::Deref;
use std::sync::OnceLock;

use url::Url;

/// Where a distribution file is: an absolute URL, kept as text and parsed the first time it is
/// used as a [`Url`] (through `Deref`).
///
/// A run unpacks every file of each version it looks at (a lock pins all their hashes) and
/// downloads from a few of them; parsing every URL as it was unpacked was a third of
/// unpacking. Text is only kept unparsed when it is in the form [`Url`] would serialize it to
/// (see `canonical_absolute`), so parsing it later gives the same URL and cannot fail.
#[derive(Clone)]
pub struct FileUrl {
    text: Box<str>,
    parsed: OnceLock<Url>,
}

impl FileUrl {
    /// `text`, unparsed when [`super::canonical_absolute`] vouches for it, parsed now
    /// otherwise; `None` when it is not a URL.
    pub(crate) fn parse(text: &str) -> Option<Self> {
        if super::canonical_absolute(text) == Some(text.len()) {
            return Some(Self {
                text: text.into(),
                parsed: OnceLock::new(),
            });
        }
        Url::parse(text).ok().map(Self::from)
    }

    /// The URL as text, without parsing it.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl From<Url> for FileUrl {
    fn from(url: Url) -> Self {
        Self {
            text: url.as_str().into(),
            parsed: OnceLock::from(url),
        }
    }
}

impl Deref for FileUrl {
    type Target = Url;

    fn deref(&self) -> &Url {
        self.parsed.get_or_init(|| {
            Url::parse(&self.text).expect("text in Url's own serialized form parses")
        })
    }
}

impl PartialEq for FileUrl {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Eq for FileUrl {}

impl std::hash::Hash for FileUrl {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.text.hash(state);
    }
}

impl fmt::Debug for FileUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.text, f)
    }
}

impl fmt::Display for FileUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unparsed_text_parses_to_itself() {
        for text in [
            "https://files.example/packages/ab/cd/alpha-1.0-py3-none-any.whl",
            "http://host/a%2Bb/alpha-1.0.tar.gz",
        ] {
            let url = FileUrl::parse(text).expect("a URL");
            assert!(url.parsed.get().is_none(), "{text} was parsed up front");
            assert_eq!(url.as_str(), text);
            assert_eq!(url.as_str(), Url::parse(text).expect("parses").as_str());
            assert_eq!(url.scheme(), &text[..text.find(':').expect("scheme")]);
        }
    }

    #[test]
    fn other_text_is_parsed_at_once() {
        let url = FileUrl::parse("HTTPS://Host:443/./a/../b.whl").expect("a URL");
        assert!(url.parsed.get().is_some());
        assert_eq!(url.as_str(), "https://host/b.whl");
        assert!(FileUrl::parse("not a url").is_none());
    }
}

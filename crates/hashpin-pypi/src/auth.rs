//! Credentials for indexes: from the index URLs themselves, else from `~/.netrc`.
//!
//! A credential is sent only to the origin (scheme, host and port) it belongs to: one given in
//! an index URL to that URL's origin, one from netrc (which names only a host) to the origins
//! of the configured indexes and find-links pages on that host. Files served from anywhere
//! else (a CDN, another port, plain `http` on an `https` host) get none. reqwest also drops
//! `Authorization` on redirects to another origin.

use std::path::{Path, PathBuf};

use url::Url;

use crate::config::IndexUrl;

/// A user name and password for one host.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Credential {
    pub(crate) username: String,
    pub(crate) password: Option<String>,
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Credential(****)")
    }
}

/// Credentials by origin.
#[derive(Debug, Clone, Default)]
pub(crate) struct Credentials {
    from_urls: Vec<(Origin, Credential)>,
    /// From the URLs of requirements by URL (`name @ https://user:pass@host/…`), learnt as
    /// they are read; shared by every copy of the client, so that a build downloading the
    /// same file again sends them too.
    direct: std::sync::Arc<std::sync::Mutex<Vec<(Origin, Credential)>>>,
    netrc: Vec<(Option<String>, Credential)>,
    /// The origins of the configured indexes and find-links pages: netrc credentials go only
    /// to these.
    configured: Vec<Origin>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Origin {
    scheme: String,
    host: String,
    port: Option<u16>,
}

impl Origin {
    fn of(url: &Url) -> Option<Self> {
        Some(Self {
            scheme: url.scheme().to_string(),
            host: url.host_str()?.to_ascii_lowercase(),
            port: url.port_or_known_default(),
        })
    }
}

impl Credentials {
    /// Collects credentials from index URLs and the netrc file (`$NETRC`, else `~/.netrc`).
    pub(crate) fn new<'a>(
        indexes: impl IntoIterator<Item = &'a IndexUrl>,
        netrc: Option<&Path>,
    ) -> Self {
        let indexes: Vec<&IndexUrl> = indexes.into_iter().collect();
        let configured = indexes
            .iter()
            .filter_map(|index| Origin::of(index.url()))
            .collect();
        let from_urls = indexes
            .iter()
            .filter_map(|index| {
                let url = index.url();
                if url.username().is_empty() && url.password().is_none() {
                    return None;
                }
                Some((
                    Origin::of(url)?,
                    Credential {
                        username: percent_decode(url.username()),
                        password: url.password().map(percent_decode),
                    },
                ))
            })
            .collect();
        // A netrc file is a few lines; one larger than this is not read.
        let netrc = netrc
            .and_then(|path| {
                std::fs::metadata(path)
                    .ok()
                    .filter(std::fs::Metadata::is_file)
                    .map(|_| path)
            })
            .and_then(|path| {
                use std::io::Read as _;
                let mut text = String::new();
                std::fs::File::open(path)
                    .ok()?
                    .take(1024 * 1024)
                    .read_to_string(&mut text)
                    .ok()?;
                Some(text)
            })
            .map(|text| parse_netrc(&text))
            .unwrap_or_default();
        Self {
            from_urls,
            direct: std::sync::Arc::default(),
            netrc,
            configured,
        }
    }

    /// The netrc file pip (through requests) would read.
    pub(crate) fn default_netrc_path() -> Option<PathBuf> {
        std::env::var_os("NETRC")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".netrc")))
    }

    /// Remembers the credential of a requirement's URL, for its origin only.
    pub(crate) fn add_direct(&self, url: &Url) {
        if url.username().is_empty() && url.password().is_none() {
            return;
        }
        let Some(origin) = Origin::of(url) else {
            return;
        };
        let credential = Credential {
            username: percent_decode(url.username()),
            password: url.password().map(percent_decode),
        };
        let mut direct = self
            .direct
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if !direct.iter().any(|(known, _)| *known == origin) {
            direct.push((origin, credential));
        }
    }

    /// The credential for a request to `url`, if any.
    pub(crate) fn for_url(&self, url: &Url) -> Option<Credential> {
        let origin = Origin::of(url)?;
        if let Some((_, credential)) = self.from_urls.iter().find(|(known, _)| *known == origin) {
            return Some(credential.clone());
        }
        if let Some((_, credential)) = self
            .direct
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .find(|(known, _)| *known == origin)
        {
            return Some(credential.clone());
        }
        if !self.configured.contains(&origin) {
            return None;
        }
        self.netrc
            .iter()
            .find(|(machine, _)| machine.as_deref() == Some(origin.host.as_str()))
            .map(|(_, credential)| credential.clone())
    }
}

/// Parses netrc `machine` entries with `login` and `password`. A `default` entry is parsed but
/// never used: it would send a password to every host, and hashpin sends a credential only to
/// the host it names.
pub(crate) fn parse_netrc(text: &str) -> Vec<(Option<String>, Credential)> {
    let mut entries = Vec::new();
    let mut tokens = text
        .lines()
        .filter(|line| !line.trim_start().starts_with('#'))
        .flat_map(str::split_whitespace);
    let mut current: Option<(Option<String>, Credential)> = None;
    while let Some(token) = tokens.next() {
        match token {
            "machine" | "default" => {
                entries.extend(current.take());
                let machine = if token == "machine" {
                    tokens.next().map(str::to_ascii_lowercase)
                } else {
                    None
                };
                current = Some((
                    machine,
                    Credential {
                        username: String::new(),
                        password: None,
                    },
                ));
            }
            "login" => {
                if let (Some((_, credential)), Some(value)) = (current.as_mut(), tokens.next()) {
                    credential.username = value.to_string();
                }
            }
            "password" => {
                if let (Some((_, credential)), Some(value)) = (current.as_mut(), tokens.next()) {
                    credential.password = Some(value.to_string());
                }
            }
            "account" => {
                tokens.next();
            }
            _ => {}
        }
    }
    entries.extend(current);
    entries
}

pub(crate) fn percent_decode(text: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", text.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_credentials_go_to_their_origin_only() {
        let index =
            IndexUrl::parse("https://al%40ice:p%2Bss@index.example.com/simple").expect("valid");
        let credentials = Credentials::new([&index], None);
        let same = Url::parse("https://index.example.com/files/a.whl").expect("valid");
        let credential = credentials.for_url(&same).expect("same origin");
        assert_eq!(credential.username, "al@ice");
        assert_eq!(credential.password.as_deref(), Some("p+ss"));
        for other in [
            "https://files.example.com/a.whl",
            "http://index.example.com/a.whl",
            "https://index.example.com:8443/a.whl",
        ] {
            assert!(
                credentials
                    .for_url(&Url::parse(other).expect("valid"))
                    .is_none(),
                "{other}"
            );
        }
    }

    #[test]
    fn netrc_machine_only() {
        let entries = parse_netrc(
            "machine index.example.com login bob password hunter2\n# c\ndefault login anon password x\n",
        );
        assert_eq!(entries.len(), 2);
        let index = IndexUrl::parse("https://index.example.com/simple").expect("valid");
        let credentials = Credentials {
            netrc: entries,
            configured: Origin::of(index.url()).into_iter().collect(),
            ..Credentials::default()
        };
        let url = Url::parse("https://INDEX.example.com/simple/").expect("valid");
        assert_eq!(credentials.for_url(&url).expect("found").username, "bob");
        let other = Url::parse("https://other.example.com/").expect("valid");
        assert!(credentials.for_url(&other).is_none());
    }

    #[test]
    fn issue_9_netrc_credentials_keep_to_the_configured_scheme_and_port() {
        let index = IndexUrl::parse("https://index.example.com/simple").expect("valid");
        let credentials = Credentials {
            netrc: parse_netrc("machine index.example.com login bob password hunter2\n"),
            configured: Origin::of(index.url()).into_iter().collect(),
            ..Credentials::default()
        };
        // A requirement URL's credential goes to its own origin only.
        credentials
            .add_direct(&Url::parse("https://al:pw@files.example.com/x.whl").expect("valid"));
        assert_eq!(
            credentials
                .for_url(&Url::parse("https://files.example.com/y.tar.gz").expect("valid"))
                .expect("found")
                .username,
            "al"
        );
        assert!(
            credentials
                .for_url(&Url::parse("http://files.example.com/y.tar.gz").expect("valid"))
                .is_none()
        );
        for other in [
            "http://index.example.com/files/a.whl",
            "http://index.example.com:443/files/a.whl",
            "https://index.example.com:8443/files/a.whl",
        ] {
            let url = Url::parse(other).expect("valid");
            assert!(credentials.for_url(&url).is_none(), "{other}");
        }
        let same = Url::parse("https://index.example.com:443/files/a.whl").expect("valid");
        assert!(credentials.for_url(&same).is_some());
    }
}

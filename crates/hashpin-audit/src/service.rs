//! Where advisories come from, and how each source is asked about a pin.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::str::FromStr as _;
use std::sync::Arc;

use hashpin_pypi::{IndexClient, Version, untrusted::for_terminal};
use serde::Deserialize;
use url::Url;

use crate::advisory::Advisory;
use crate::audit::Pin;
use crate::database::Database;

/// The largest answer read from a JSON API (a version's page carries its description) or an
/// OSV endpoint.
const MAX_ANSWER_BYTES: u64 = 16 * 1024 * 1024;
/// OSV's query-batch call takes at most this many queries.
const OSV_BATCH: usize = 1000;
/// Pages of one batch's results followed before giving up on the rest.
const OSV_PAGES: usize = 10;
/// At most this many advisories are read of one answer.
const MAX_VULNS: usize = 1024;

/// One place advisories come from.
#[derive(Debug, Clone)]
pub enum Source {
    /// An OSV database on disk.
    Database(Arc<Database>),
    /// The index's per-version JSON API: `<base><name>/<version>/json` for each base, in the
    /// order of the configured indexes.
    IndexApi {
        client: IndexClient,
        bases: Vec<Url>,
    },
    /// An OSV API (`<base>v1/querybatch`, `<base>v1/vulns/<id>`).
    Osv { client: IndexClient, base: Url },
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Database(database) => write!(f, "the OSV database {}", database.path.display()),
            Self::IndexApi { bases, .. } => match bases.as_slice() {
                [] => write!(f, "the index's JSON API"),
                [base] => write!(f, "the JSON API at {base}"),
                [first, ..] => write!(f, "the JSON API at {first} (and {} more)", bases.len() - 1),
            },
            Self::Osv { base, .. } => write!(f, "the OSV API at {base}"),
        }
    }
}

/// The JSON API beside a Simple index: the layout of the Python Package Index puts `/pypi/<name>/<version>/json`
/// beside `/simple/`, which is where pip-audit reads it. `None` for an index whose address
/// does not end in `/simple`: where its JSON API is, if it has one, is not known.
pub fn index_json_api(index: &Url) -> Option<Url> {
    let mut url = hashpin_pypi::strip_credentials(index);
    url.set_query(None);
    url.set_fragment(None);
    let path = url.path().trim_end_matches('/');
    let parent = path.strip_suffix("simple")?;
    if !parent.ends_with('/') {
        return None;
    }
    let base = format!("{parent}pypi/");
    url.set_path(&base);
    Some(url)
}

/// An advisory a source says applies to a pin, with the fixed versions it names.
#[derive(Debug, Clone)]
pub(crate) struct Hit {
    pub(crate) advisory: Arc<Advisory>,
    pub(crate) fixed: Vec<Version>,
}

/// What a source answered about one pin.
#[derive(Debug, Clone)]
pub(crate) enum Answer {
    Audited(Vec<Hit>),
    /// It could not answer, and why.
    NotAudited(String),
}

impl Source {
    /// This source's answer for every pin, in the order of `pins`.
    pub(crate) async fn ask(&self, pins: &[Pin]) -> Vec<Answer> {
        match self {
            Self::Database(database) => pins
                .iter()
                .map(|pin| Answer::Audited(from_database(database, pin)))
                .collect(),
            Self::IndexApi { client, bases } => index_api(client, bases, pins).await,
            Self::Osv { client, base } => osv(client, base, pins).await,
        }
    }
}

fn from_database(database: &Database, pin: &Pin) -> Vec<Hit> {
    database
        .about(&pin.name)
        .iter()
        .filter(|advisory| !advisory.withdrawn && advisory.affects(&pin.name, &pin.version))
        .map(|advisory| Hit {
            advisory: advisory.clone(),
            fixed: advisory.fixed(&pin.name),
        })
        .collect()
}

// The `vulnerabilities` of PyPI's JSON API, as pip-audit reads them.
#[derive(Deserialize)]
struct VersionPage {
    vulnerabilities: Option<Vec<ApiVulnerability>>,
}

#[derive(Deserialize)]
struct ApiVulnerability {
    id: String,
    #[serde(default)]
    aliases: Option<Vec<String>>,
    summary: Option<String>,
    details: Option<String>,
    #[serde(default)]
    fixed_in: Option<Vec<String>>,
    link: Option<String>,
    withdrawn: Option<String>,
}

async fn index_api(client: &IndexClient, bases: &[Url], pins: &[Pin]) -> Vec<Answer> {
    let mut asks = tokio::task::JoinSet::new();
    for (at, pin) in pins.iter().enumerate() {
        let (client, bases, pin) = (client.clone(), bases.to_vec(), pin.clone());
        asks.spawn(async move { (at, index_api_one(&client, &bases, &pin).await) });
    }
    let mut answers = vec![Answer::NotAudited("not asked".to_string()); pins.len()];
    while let Some(joined) = asks.join_next().await {
        if let Ok((at, answer)) = joined {
            answers[at] = answer;
        }
    }
    answers
}

async fn index_api_one(client: &IndexClient, bases: &[Url], pin: &Pin) -> Answer {
    if bases.is_empty() {
        return Answer::NotAudited(
            "no configured index has a JSON API address hashpin can derive (it ends in /simple)"
                .to_string(),
        );
    }
    let mut statuses = Vec::new();
    let mut urls = Vec::new();
    for base in bases {
        let Ok(url) = base.join(&format!("{}/{}/json", pin.name, pin.version)) else {
            continue;
        };
        let answer = match client.service(&url, None, MAX_ANSWER_BYTES).await {
            Ok(answer) => answer,
            Err(error) => return Answer::NotAudited(hashpin_pypi::error_chain(&error)),
        };
        match answer.status {
            200 => {}
            // Not on this index: the next one may have it.
            404 => {
                statuses.push(404);
                urls.push(url);
                continue;
            }
            status => return Answer::NotAudited(format!("{url} answered HTTP {status}")),
        }
        let page: VersionPage = match serde_json::from_slice(&answer.body) {
            Ok(page) => page,
            Err(error) => {
                return Answer::NotAudited(format!("{url} is not a JSON API answer: {error}"));
            }
        };
        let Some(vulnerabilities) = page.vulnerabilities else {
            return Answer::NotAudited(format!(
                "{url} answers without the `vulnerabilities` field: this index's JSON API reports none"
            ));
        };
        let hits = vulnerabilities
            .into_iter()
            .take(MAX_VULNS)
            .filter(|vulnerability| vulnerability.withdrawn.is_none())
            .map(api_hit)
            .collect();
        return Answer::Audited(hits);
    }
    Answer::NotAudited(match (bases, urls.as_slice()) {
        ([_], [url]) => format!("the index's JSON API answered HTTP 404 ({url})"),
        _ => format!(
            "the JSON APIs of {} indexes answered HTTP 404",
            statuses.len()
        ),
    })
}

/// A JSON API entry as an advisory: it has been matched to the version by the index, and
/// names its fixed versions itself.
fn api_hit(vulnerability: ApiVulnerability) -> Hit {
    let mut fixed: Vec<Version> = vulnerability
        .fixed_in
        .unwrap_or_default()
        .iter()
        .take(MAX_VULNS)
        .filter_map(|text| Version::from_str(text.trim()).ok())
        .collect();
    fixed.sort();
    fixed.dedup();
    let mut advisory = Advisory::bare(vulnerability.id);
    advisory.aliases = vulnerability.aliases.unwrap_or_default();
    advisory.aliases.truncate(MAX_VULNS);
    advisory.summary =
        crate::advisory::summary_of(vulnerability.summary, vulnerability.details.as_deref());
    advisory.url = vulnerability
        .link
        .filter(|link| link.starts_with("https://"));
    Hit {
        advisory: Arc::new(advisory),
        fixed,
    }
}

// OSV's query-batch call.
#[derive(Deserialize)]
struct BatchAnswer {
    #[serde(default)]
    results: Vec<BatchResult>,
}

#[derive(Deserialize)]
struct BatchResult {
    #[serde(default)]
    vulns: Vec<BatchVuln>,
    next_page_token: Option<String>,
}

#[derive(Deserialize)]
struct BatchVuln {
    id: String,
}

async fn osv(client: &IndexClient, base: &Url, pins: &[Pin]) -> Vec<Answer> {
    let mut ids: Vec<Result<BTreeSet<String>, String>> = Vec::with_capacity(pins.len());
    for chunk in pins.chunks(OSV_BATCH) {
        ids.extend(osv_batch(client, base, chunk).await);
    }
    // Each advisory once, however many pins it is about.
    let wanted: BTreeSet<&String> = ids.iter().flatten().flatten().collect();
    let mut fetches = tokio::task::JoinSet::new();
    for id in wanted {
        let (client, base, id) = (client.clone(), base.clone(), id.clone());
        fetches.spawn(async move {
            let advisory = osv_vuln(&client, &base, &id).await;
            (id, advisory)
        });
    }
    let mut advisories: HashMap<String, Result<Arc<Advisory>, String>> = HashMap::new();
    while let Some(joined) = fetches.join_next().await {
        if let Ok((id, advisory)) = joined {
            advisories.insert(id, advisory.map(Arc::new));
        }
    }
    pins.iter()
        .zip(ids)
        .map(|(pin, ids)| match ids {
            Err(why) => Answer::NotAudited(why),
            Ok(ids) => {
                let mut hits = Vec::new();
                for id in ids {
                    match advisories.get(&id) {
                        Some(Ok(advisory)) => {
                            if !advisory.withdrawn {
                                hits.push(Hit {
                                    advisory: advisory.clone(),
                                    fixed: advisory.fixed(&pin.name),
                                });
                            }
                        }
                        // The service said it applies; that stands without the details.
                        other => {
                            let why = match other {
                                Some(Err(why)) => why.as_str(),
                                _ => "not fetched",
                            };
                            log::warn!(
                                "the details of {} cannot be read: {why}",
                                for_terminal(&id)
                            );
                            let mut advisory = Advisory::bare(id);
                            advisory.summary = Some(
                                "(its details could not be fetched from the OSV API)".to_string(),
                            );
                            hits.push(Hit {
                                advisory: Arc::new(advisory),
                                fixed: Vec::new(),
                            });
                        }
                    }
                }
                Answer::Audited(hits)
            }
        })
        .collect()
}

/// The advisory ids OSV names for each pin of `chunk`, following result pages.
async fn osv_batch(
    client: &IndexClient,
    base: &Url,
    chunk: &[Pin],
) -> Vec<Result<BTreeSet<String>, String>> {
    let Ok(url) = base.join("v1/querybatch") else {
        return vec![Err(format!("{base} is not a base URL")); chunk.len()];
    };
    let mut found: Vec<Result<BTreeSet<String>, String>> = vec![Ok(BTreeSet::new()); chunk.len()];
    // Which pins still have pages to read, with their tokens (`None`: the first page).
    let mut pending: Vec<(usize, Option<String>)> = (0..chunk.len()).map(|at| (at, None)).collect();
    for _ in 0..OSV_PAGES {
        if pending.is_empty() {
            break;
        }
        let queries: Vec<serde_json::Value> = pending
            .iter()
            .map(|(at, token)| {
                let pin = &chunk[*at];
                let mut query = serde_json::json!({
                    "package": {"name": pin.name.to_string(), "ecosystem": "PyPI"},
                    "version": pin.version.to_string(),
                });
                if let Some(token) = token {
                    query["page_token"] = serde_json::Value::String(token.clone());
                }
                query
            })
            .collect();
        let body = serde_json::json!({ "queries": queries })
            .to_string()
            .into_bytes();
        let failed = |why: String, found: &mut Vec<Result<BTreeSet<String>, String>>| {
            for (at, _) in &pending {
                found[*at] = Err(why.clone());
            }
        };
        let answer = match client.service(&url, Some(body), MAX_ANSWER_BYTES).await {
            Ok(answer) if answer.status == 200 => answer,
            Ok(answer) => {
                failed(format!("{url} answered HTTP {}", answer.status), &mut found);
                return found;
            }
            Err(error) => {
                failed(hashpin_pypi::error_chain(&error), &mut found);
                return found;
            }
        };
        let batch = match serde_json::from_slice::<BatchAnswer>(&answer.body) {
            Ok(batch) if batch.results.len() == pending.len() => batch,
            Ok(_) => {
                failed(
                    format!("{url} answered for another number of queries"),
                    &mut found,
                );
                return found;
            }
            Err(error) => {
                failed(format!("{url} is not an OSV answer: {error}"), &mut found);
                return found;
            }
        };
        let mut next = Vec::new();
        for ((at, _), result) in pending.iter().zip(batch.results) {
            if let Ok(ids) = &mut found[*at] {
                ids.extend(result.vulns.into_iter().take(MAX_VULNS).map(|vuln| vuln.id));
            }
            if let Some(token) = result.next_page_token.filter(|token| !token.is_empty()) {
                next.push((*at, Some(token)));
            }
        }
        pending = next;
    }
    for (at, _) in pending {
        found[at] = Err(format!(
            "{url} had more pages of results than hashpin reads"
        ));
    }
    found
}

async fn osv_vuln(client: &IndexClient, base: &Url, id: &str) -> Result<Advisory, String> {
    let mut url = base.join("v1/vulns/").map_err(|error| error.to_string())?;
    url.path_segments_mut()
        .map_err(|()| format!("{base} is not a base URL"))?
        .pop_if_empty()
        .push(id);
    let answer = client
        .service(&url, None, MAX_ANSWER_BYTES)
        .await
        .map_err(|error| hashpin_pypi::error_chain(&error))?;
    if answer.status != 200 {
        return Err(format!("{url} answered HTTP {}", answer.status));
    }
    Advisory::parse(&answer.body).map_err(|error| error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derives_the_json_api_beside_a_simple_index() {
        let api = |index: &str| index_json_api(&Url::parse(index).unwrap()).map(String::from);
        assert_eq!(
            api("https://user:secret@mirror.example.invalid/root/simple/").as_deref(),
            Some("https://mirror.example.invalid/root/pypi/")
        );
        assert_eq!(
            api("http://127.0.0.1:8080/simple").as_deref(),
            Some("http://127.0.0.1:8080/pypi/")
        );
        assert_eq!(api("https://example.invalid/packages/"), None);
        assert_eq!(api("https://example.invalid/notsimple/"), None);
    }
}

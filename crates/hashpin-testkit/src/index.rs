//! The index model (projects and their files) and rendering of its pages.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::dist::Advertised;
use crate::server::{ServerOptions, TestIndex};
use crate::{Dist, normalize};

/// Projects keyed by normalized name.
#[derive(Debug, Clone, Default)]
pub(crate) struct Index {
    projects: BTreeMap<String, Project>,
}

#[derive(Debug, Clone)]
struct Project {
    /// As first given; the root listing shows it, pages use the normalized name.
    name: String,
    files: Vec<Dist>,
}

impl Index {
    pub(crate) fn add_project(&mut self, name: &str) -> &mut Vec<Dist> {
        let project = self
            .projects
            .entry(normalize(name))
            .or_insert_with(|| Project {
                name: name.to_owned(),
                files: Vec::new(),
            });
        &mut project.files
    }

    /// Add a file, replacing any file of the same name (file names are global on an index).
    pub(crate) fn add(&mut self, dist: Dist) {
        for project in self.projects.values_mut() {
            project.files.retain(|d| d.filename() != dist.filename());
        }
        let name = dist.name().to_owned();
        self.add_project(&name).push(dist);
    }

    pub(crate) fn find(&self, filename: &str) -> Option<&Dist> {
        self.projects
            .values()
            .flat_map(|p| &p.files)
            .find(|d| d.filename() == filename)
    }

    pub(crate) fn find_mut(&mut self, filename: &str) -> Option<&mut Dist> {
        self.projects
            .values_mut()
            .flat_map(|p| &mut p.files)
            .find(|d| d.filename() == filename)
    }

    pub(crate) fn dists(&self) -> Vec<Dist> {
        self.projects
            .values()
            .flat_map(|p| p.files.iter().cloned())
            .collect()
    }

    pub(crate) fn root_json(&self) -> String {
        let projects: Vec<Value> = self
            .projects
            .values()
            .map(|p| json!({"name": p.name}))
            .collect();
        json!({"meta": {"api-version": "1.1"}, "projects": projects}).to_string()
    }

    pub(crate) fn root_html(&self) -> String {
        let mut out = page_head("Simple index");
        for (normalized, p) in &self.projects {
            _ = writeln!(
                out,
                "<a href=\"{normalized}/\">{}</a><br />",
                escape(&p.name)
            );
        }
        out + "</body></html>\n"
    }

    /// The PEP 691 page of a project (by normalized name), if it exists.
    pub(crate) fn project_json(&self, normalized: &str, base_url: &str) -> Option<String> {
        let project = self.projects.get(normalized)?;
        // String order on purpose: real mirrors do not sort by PEP 440, so neither do we.
        let versions: BTreeSet<&str> = project.files.iter().map(Dist::version).collect();
        let files: Vec<Value> = project
            .files
            .iter()
            .map(|d| file_json(d, base_url))
            .collect();
        let page = json!({
            "meta": {"api-version": "1.1"},
            "name": normalized,
            "versions": versions,
            "files": files,
        });
        Some(page.to_string())
    }

    /// The PEP 503 page of a project (by normalized name), if it exists.
    pub(crate) fn project_html(&self, normalized: &str, base_url: &str) -> Option<String> {
        let project = self.projects.get(normalized)?;
        let mut out = page_head(&format!("Links for {normalized}"));
        for d in &project.files {
            let mut href = file_href(d, base_url);
            if d.flags.hash {
                _ = write!(href, "#sha256={}", d.sha256());
            }
            _ = write!(out, "<a href=\"{}\"", escape(&href));
            if let Some(rp) = d.advertised_requires_python() {
                _ = write!(out, " data-requires-python=\"{}\"", escape(rp));
            }
            match d.flags.yanked.as_deref() {
                Some("") => out.push_str(" data-yanked"),
                Some(reason) => _ = write!(out, " data-yanked=\"{}\"", escape(reason)),
                None => {}
            }
            match d.advertised_metadata() {
                Advertised::Sha256(hash) => {
                    _ = write!(
                        out,
                        " data-core-metadata=\"sha256={hash}\" data-dist-info-metadata=\"sha256={hash}\""
                    );
                }
                Advertised::WithoutHash => {
                    out.push_str(" data-core-metadata=\"true\" data-dist-info-metadata=\"true\"");
                }
                Advertised::No => {}
            }
            if d.flags.provenance.is_some() {
                _ = write!(
                    out,
                    " data-provenance=\"{}\"",
                    escape(&format!("{}.provenance", file_href(d, base_url)))
                );
            }
            _ = writeln!(out, ">{}</a><br />", escape(d.filename()));
        }
        Some(out + "</body></html>\n")
    }
}

fn page_head(title: &str) -> String {
    let title = escape(title);
    format!(
        "<!DOCTYPE html><html><head><meta name=\"pypi:repository-version\" content=\"1.1\">\
         <title>{title}</title></head><body><h1>{title}</h1>\n"
    )
}

fn file_json(d: &Dist, base_url: &str) -> Value {
    let hashes = if d.flags.hash {
        json!({"sha256": d.sha256()})
    } else {
        json!({})
    };
    let yanked = match d.flags.yanked.as_deref() {
        None => json!(false),
        Some("") => json!(true),
        Some(reason) => json!(reason),
    };
    let mut file = json!({
        "filename": d.filename(),
        "url": file_href(d, base_url),
        "hashes": hashes,
        "yanked": yanked,
        "size": d.bytes().len(),
    });
    let map = file.as_object_mut().expect("built as an object");
    if let Some(rp) = d.advertised_requires_python() {
        map.insert("requires-python".into(), json!(rp));
    }
    match d.advertised_metadata() {
        Advertised::Sha256(hash) => {
            map.insert("core-metadata".into(), json!({"sha256": hash}));
            map.insert("dist-info-metadata".into(), json!({"sha256": hash}));
        }
        Advertised::WithoutHash => {
            map.insert("core-metadata".into(), json!(true));
            map.insert("dist-info-metadata".into(), json!(true));
        }
        Advertised::No => {}
    }
    if let Some(time) = &d.flags.upload_time {
        map.insert("upload-time".into(), json!(time));
    }
    if d.flags.provenance.is_some() {
        map.insert(
            "provenance".into(),
            json!(format!("{}.provenance", file_href(d, base_url))),
        );
    }
    file
}

fn file_href(d: &Dist, base_url: &str) -> String {
    let name = percent_encode(d.filename());
    if d.flags.relative_url {
        format!("../../files/{name}")
    } else {
        format!("{base_url}/files/{name}")
    }
}

/// Encode everything but RFC 3986 unreserved characters (so `+` in local versions is `%2B`).
pub(crate) fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// Sets up a [`TestIndex`]: files, empty projects and server options.
#[derive(Debug, Clone, Default)]
pub struct IndexBuilder {
    pub(crate) index: Index,
    options: ServerOptions,
}

impl IndexBuilder {
    /// An empty index with default [`ServerOptions`].
    pub fn new() -> Self {
        Self::default()
    }

    /// Add a file; its project is the dist's name.
    #[must_use]
    pub fn dist(mut self, dist: Dist) -> Self {
        self.index.add(dist);
        self
    }

    /// Add every file of `dists`.
    #[must_use]
    pub fn dists(self, dists: impl IntoIterator<Item = Dist>) -> Self {
        dists.into_iter().fold(self, Self::dist)
    }

    /// Add a project with no files (its page exists and is empty).
    #[must_use]
    pub fn project(mut self, name: &str) -> Self {
        self.index.add_project(name);
        self
    }

    /// Serve with these options (they can also be changed later with
    /// [`TestIndex::set_options`]).
    #[must_use]
    pub fn options(mut self, options: ServerOptions) -> Self {
        self.options = options;
        self
    }

    /// Start serving on `127.0.0.1` on a random port.
    pub fn start(self) -> TestIndex {
        TestIndex::start(self.index, self.options)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_render_flags() {
        let index = IndexBuilder::new()
            .dist(
                Dist::wheel("Foo_Bar", "1.10")
                    .requires_python(">=3.8")
                    .yanked(Some("bad"))
                    .build(),
            )
            .dist(
                Dist::sdist("foo-bar", "1.9")
                    .yanked(Some(""))
                    .upload_time("2024-01-01T00:00:00Z")
                    .build(),
            )
            .dist(
                Dist::wheel("foo-bar", "1.2")
                    .hash(false)
                    .relative_url(true)
                    .corrupt_metadata_hash(true)
                    .build(),
            )
            .project("Empty")
            .index;
        let page: Value =
            serde_json::from_str(&index.project_json("foo-bar", "http://h").expect("page"))
                .expect("json");
        assert_eq!(page["name"], "foo-bar");
        assert_eq!(page["versions"], json!(["1.10", "1.2", "1.9"]));
        let files = page["files"].as_array().expect("files");
        let wheel = Dist::wheel("Foo_Bar", "1.10")
            .requires_python(">=3.8")
            .build();
        assert_eq!(
            files[0]["url"],
            format!("http://h/files/{}", wheel.filename())
        );
        assert_eq!(files[0]["hashes"]["sha256"], wheel.sha256());
        assert_eq!(files[0]["requires-python"], ">=3.8");
        assert_eq!(files[0]["yanked"], "bad");
        assert_eq!(files[0]["core-metadata"]["sha256"], wheel.metadata_sha256());
        assert_eq!(files[1]["yanked"], true);
        assert_eq!(files[1]["upload-time"], "2024-01-01T00:00:00Z");
        assert!(files[1].get("core-metadata").is_none());
        assert_eq!(files[2]["hashes"], json!({}));
        assert_eq!(files[2]["url"], "../../files/foo_bar-1.2-py3-none-any.whl");
        let good = Dist::wheel("foo-bar", "1.2").build();
        assert_ne!(files[2]["core-metadata"]["sha256"], good.metadata_sha256());

        let html = index.project_html("foo-bar", "http://h").expect("page");
        assert!(html.contains("<title>Links for foo-bar</title>"));
        let line = format!(
            "<a href=\"http://h/files/{0}#sha256={1}\" data-requires-python=\"&gt;=3.8\" data-yanked=\"bad\" \
             data-core-metadata=\"sha256={2}\" data-dist-info-metadata=\"sha256={2}\">{0}</a><br />",
            wheel.filename(),
            wheel.sha256(),
            wheel.metadata_sha256()
        );
        assert!(html.contains(&line), "{html}");
        assert!(
            html.contains(" data-yanked>foo_bar-1.9.tar.gz</a>"),
            "{html}"
        );
        assert_eq!(
            index
                .project_json("empty", "http://h")
                .map(|p| p.contains("\"files\":[]")),
            Some(true)
        );
        assert!(index.root_html().contains("<a href=\"empty/\">Empty</a>"));
    }
}

//! Index contents described in TOML, so resolver tests can state a world compactly.
//!
//! ```toml
//! projects = ["empty"]          # projects with no files
//!
//! [[dist]]
//! name = "foo"
//! version = "1.0"
//! kind = "wheel"                # or "sdist"; default wheel
//! requires-dist = ["bar>=1"]
//! requires-python = ">=3.8"
//! provides-extra = ["fast"]
//! yanked = "broken"             # string = reason, true = yanked without reason
//! upload-time = "2024-01-01T00:00:00Z"
//! tag = "py3-none-any"          # wheels only
//! advertise-metadata = true
//! ```

use serde::Deserialize;

use crate::{Dist, IndexBuilder};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Scenario {
    #[serde(default)]
    projects: Vec<String>,
    #[serde(default)]
    dist: Vec<DistSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct DistSpec {
    name: String,
    version: String,
    #[serde(default)]
    kind: Kind,
    #[serde(default)]
    requires_dist: Vec<String>,
    requires_python: Option<String>,
    #[serde(default)]
    provides_extra: Vec<String>,
    yanked: Option<Yanked>,
    upload_time: Option<String>,
    tag: Option<String>,
    advertise_metadata: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Kind {
    #[default]
    Wheel,
    Sdist,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Yanked {
    Flag(bool),
    Reason(String),
}

/// The builders share method names but no trait; apply the common fields to either.
macro_rules! apply_common {
    ($builder:expr, $spec:expr) => {{
        let mut b = $builder;
        for req in &$spec.requires_dist {
            b = b.requires_dist(req);
        }
        for extra in &$spec.provides_extra {
            b = b.provides_extra(extra);
        }
        if let Some(rp) = &$spec.requires_python {
            b = b.requires_python(rp);
        }
        match &$spec.yanked {
            Some(Yanked::Flag(true)) => b = b.yanked(Some("")),
            Some(Yanked::Reason(reason)) => b = b.yanked(Some(reason)),
            Some(Yanked::Flag(false)) | None => {}
        }
        if let Some(time) = &$spec.upload_time {
            b = b.upload_time(time);
        }
        if let Some(on) = $spec.advertise_metadata {
            b = b.advertise_metadata(on);
        }
        b.build()
    }};
}

impl IndexBuilder {
    /// An index described by a TOML scenario (see the format above).
    pub fn from_scenario(toml_text: &str) -> Result<IndexBuilder, String> {
        let scenario: Scenario = toml::from_str(toml_text).map_err(|e| e.to_string())?;
        let mut builder = scenario
            .projects
            .iter()
            .fold(IndexBuilder::new(), |b, p| b.project(p));
        for spec in &scenario.dist {
            let dist = match spec.kind {
                Kind::Wheel => {
                    let mut wheel = Dist::wheel(&spec.name, &spec.version);
                    if let Some(tag) = &spec.tag {
                        wheel = wheel.tag(tag);
                    }
                    apply_common!(wheel, spec)
                }
                Kind::Sdist if spec.tag.is_some() => {
                    return Err(format!(
                        "{} {}: an sdist has no tag",
                        spec.name, spec.version
                    ));
                }
                Kind::Sdist => apply_common!(Dist::sdist(&spec.name, &spec.version), spec),
            };
            builder = builder.dist(dist);
        }
        Ok(builder)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scenario_builds_the_index() {
        let builder = IndexBuilder::from_scenario(
            r#"
            projects = ["Empty"]
            [[dist]]
            name = "foo"
            version = "1.0"
            requires-dist = ["bar>=1"]
            requires-python = ">=3.8"
            yanked = "broken"
            upload-time = "2024-01-01T00:00:00Z"
            tag = "py2.py3-none-any"
            [[dist]]
            name = "foo"
            version = "1.0"
            kind = "sdist"
            yanked = true
            "#,
        )
        .expect("valid scenario");
        let dists = builder.index.dists();
        let files: Vec<&str> = dists.iter().map(Dist::filename).collect();
        assert_eq!(files, ["foo-1.0-py2.py3-none-any.whl", "foo-1.0.tar.gz"]);
        assert_eq!(dists[0].flags.yanked.as_deref(), Some("broken"));
        assert_eq!(dists[1].flags.yanked.as_deref(), Some(""));
        assert!(String::from_utf8_lossy(dists[0].metadata()).contains("Requires-Dist: bar>=1"));
        assert!(builder.index.project_json("empty", "").is_some());

        let err =
            IndexBuilder::from_scenario("[[dist]]\nname = \"x\"\nversion = \"1\"\ncolour = 1\n");
        assert!(err.expect_err("unknown field").contains("colour"));
    }
}

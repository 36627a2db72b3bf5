//! Resolution on the loopback test index: real wheels and sdists, the real index client.

mod basics;

use std::str::FromStr;

use hashpin_pypi::{ClientOptions, IndexClient, IndexConfig, IndexUrl, PackageName, Requirement};
use hashpin_resolver::{
    Manifest, Resolution, ResolveError, ResolverOptions, Tags, TargetEnvironment,
};
use hashpin_testkit::TestIndex;
use pep508_rs::{MarkerEnvironment, MarkerEnvironmentBuilder};

/// A Linux x86-64 `CPython` target.
pub(crate) fn linux(python: &str) -> TargetEnvironment {
    target(
        python,
        "linux",
        "Linux",
        "posix",
        "x86_64",
        &["manylinux_2_17_x86_64", "linux_x86_64"],
    )
}

/// A Windows x86-64 `CPython` target.
pub(crate) fn windows(python: &str) -> TargetEnvironment {
    target(python, "win32", "Windows", "nt", "AMD64", &["win_amd64"])
}

fn target(
    python: &str,
    sys_platform: &str,
    system: &str,
    os_name: &str,
    machine: &str,
    platforms: &[&str],
) -> TargetEnvironment {
    let full = python.to_string();
    let short: String = python.split('.').take(2).collect::<Vec<_>>().join(".");
    let cp = format!("cp{}", short.replace('.', ""));
    let markers = MarkerEnvironment::try_from(MarkerEnvironmentBuilder {
        implementation_name: "cpython",
        implementation_version: &full,
        os_name,
        platform_machine: machine,
        platform_python_implementation: "CPython",
        platform_release: "",
        platform_system: system,
        platform_version: "",
        python_full_version: &full,
        python_version: &short,
        sys_platform,
    })
    .expect("valid marker environment");
    let mut tags = Vec::new();
    for platform in platforms {
        tags.push((cp.clone(), cp.clone(), (*platform).to_string()));
        tags.push((cp.clone(), "abi3".into(), (*platform).to_string()));
    }
    for tag in [cp.as_str(), "py3"] {
        tags.push((tag.to_string(), "none".into(), "any".into()));
    }
    TargetEnvironment {
        markers,
        python_version: full.parse().expect("valid version"),
        tags: Tags::new(tags),
    }
}

pub(crate) fn requirements(texts: &[&str]) -> Vec<Requirement> {
    texts
        .iter()
        .map(|text| Requirement::from_str(text).expect("valid requirement"))
        .collect()
}

pub(crate) fn client(index: &TestIndex) -> IndexClient {
    let config = IndexConfig::with_index(IndexUrl::parse(&index.url()).expect("valid URL"));
    IndexClient::new(
        config,
        ClientOptions {
            netrc: None,
            ..ClientOptions::default()
        },
    )
    .expect("client builds")
}

/// Resolves `requirements` against `index` for `target` with `options`.
pub(crate) async fn lock_with(
    index: &TestIndex,
    manifest: Manifest,
    options: &ResolverOptions,
    target: &TargetEnvironment,
) -> Result<Resolution, ResolveError> {
    hashpin_resolver::resolve(&manifest, options, target, client(index)).await
}

/// Resolves plain requirements for Linux, Python 3.12.
pub(crate) async fn lock(index: &TestIndex, texts: &[&str]) -> Result<Resolution, ResolveError> {
    let manifest = Manifest {
        requirements: requirements(texts),
        ..Manifest::default()
    };
    lock_with(
        index,
        manifest,
        &ResolverOptions::default(),
        &linux("3.12.1"),
    )
    .await
}

/// `name==version` for every pin, sorted.
pub(crate) fn pins(resolution: &Resolution) -> Vec<String> {
    resolution
        .packages
        .values()
        .map(|package| format!("{}=={}", package.name, package.version))
        .collect()
}

pub(crate) fn name(text: &str) -> PackageName {
    text.parse().expect("valid name")
}

//! A smoke test against whatever index this machine's pip is configured for. Not hermetic, so
//! ignored by default: `cargo test -p hashpin-pypi --test it -- --ignored`.
//!
//! No index address is written here: like hashpin itself, the test takes it from pip's
//! configuration, or from pip's own default.

use std::path::Path;

use hashpin_pypi::{
    CacheMode, DistFilename, IndexClient, IndexConfig, IndexOptions, InterpreterInfo,
    PipEnvironment,
};

use crate::{error_chain, fetch_project, name, test_options};

#[tokio::test]
#[ignore = "uses the network and the machine's pip configuration; run with --ignored"]
async fn configured_index_serves_pip_and_its_metadata() {
    let python = Path::new("python3");
    let info = InterpreterInfo::query(python, None)
        .unwrap_or_else(|error| panic!("asking {}: {error}", python.display()));
    let environment = PipEnvironment::from_process(Some(info.prefix.clone()));
    let config = IndexConfig::load(&IndexOptions::default(), &environment, || {
        info.default_index(python)
    })
    .unwrap_or_else(|error| panic!("pip configuration: {error}"));
    assert!(config.indexes().count() > 0, "{config:?}");

    let cache = tempfile::tempdir().expect("a temporary directory");
    let mut options = test_options(Some(cache.path()), CacheMode::Normal);
    options.backoff = std::time::Duration::from_millis(250);
    let client =
        IndexClient::new(config, options).unwrap_or_else(|error| panic!("{}", error_chain(&error)));

    let project = fetch_project(&client, "pip").await;
    assert!(!project.files().is_empty());
    // Newest first: the first wheel the index serves that is not yanked.
    let files = project.files();
    let wheel = files
        .iter()
        .find(|file| {
            matches!(file.parsed, DistFilename::Wheel(_))
                && !file.yanked.is_yanked()
                && matches!(file.url.scheme(), "http" | "https")
        })
        .expect("pip publishes wheels");
    let metadata = client
        .metadata(wheel)
        .await
        .unwrap_or_else(|error| panic!("metadata of {}: {}", wheel.filename, error_chain(&error)));
    assert_eq!(metadata.name, name("pip"));
    assert_eq!(&metadata.version, wheel.version());
    assert!(metadata.requires_python.is_some(), "{metadata:?}");
}

//! What the packages that require a vulnerable one require of it: their pinned release's
//! `Requires-Dist`, from the metadata compile read (cached), else from the index.

use std::collections::BTreeSet;

use hashpin_formats::Lock;
use hashpin_pypi::{IndexClient, PackageName, error_chain};

use super::inputs::{Dependent, Dependents};

/// The requirements of the pinned releases of `names` in `lock`, all read at once.
pub(super) async fn read(
    client: &IndexClient,
    lock: &Lock,
    names: BTreeSet<PackageName>,
) -> Dependents {
    let mut reads = tokio::task::JoinSet::new();
    for name in names {
        let Some(version) = lock
            .packages
            .iter()
            .find(|package| package.name == name)
            .and_then(|package| package.version.clone())
        else {
            continue;
        };
        let client = client.clone();
        reads.spawn(async move {
            let read = one(&client, &name, &version).await;
            if let Err(why) = &read {
                log::info!("the requirements of {name} {version} cannot be read: {why}");
            }
            (name, read.map(|requires| Dependent { version, requires }))
        });
    }
    let mut dependents = Dependents::new();
    while let Some(joined) = reads.join_next().await {
        if let Ok((name, read)) = joined {
            dependents.insert(name, read);
        }
    }
    dependents
}

async fn one(
    client: &IndexClient,
    name: &PackageName,
    version: &hashpin_pypi::Version,
) -> Result<Vec<pep508_rs::Requirement>, String> {
    let project = client
        .project(name)
        .await
        .map_err(|error| error_chain(&error))?;
    let mut files = project
        .files_of(version)
        .map_err(|error| error_chain(&error))?;
    // A wheel's metadata is read by a range or two; an sdist's may need a build.
    files.sort_by_key(|file| !matches!(file.parsed, hashpin_pypi::DistFilename::Wheel(_)));
    let file = files
        .first()
        .ok_or_else(|| format!("the index lists no file of {name} {version}"))?;
    let metadata = client
        .metadata(file)
        .await
        .map_err(|error| error_chain(&error))?;
    Ok(metadata.requires_dist)
}

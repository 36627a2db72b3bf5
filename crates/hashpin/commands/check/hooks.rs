//! The startup-hook gate on a lock: every locked wheel of every pin is scanned, as `compile`
//! scans what it locks (see [`crate::startup_hooks`]).

use std::collections::HashMap;

use hashpin_pypi::{IndexClient, PackageName};

use super::finding::{Finding, Rule};
use super::index::Listing;
use super::local::Pin;
use crate::startup_hooks::{Allowance, Release, Scan};

/// Scans the files of each pin that the lock hashes, and finds the hooks no allowance covers.
pub(super) async fn check(
    client: &IndexClient,
    pins: &[Pin<'_>],
    listings: &HashMap<PackageName, Listing>,
    allowances: &[Allowance],
) -> anyhow::Result<(Vec<Finding>, Scan)> {
    let mut releases = Vec::new();
    for pin in pins {
        let Some(Listing::Found(project)) = listings.get(pin.name()) else {
            continue;
        };
        let locked: Vec<_> = pin.hashes().collect();
        let files = project
            .files_of(&pin.version)?
            .into_iter()
            .filter(|file| file.hashes.iter().any(|hash| locked.contains(&hash)))
            .collect();
        releases.push(Release {
            name: pin.name().clone(),
            version: pin.version.clone(),
            files,
        });
    }
    let scan = crate::startup_hooks::Scanner::new(client)
        .scan(releases)
        .await?;
    let pin_of = |name: &PackageName, version: &hashpin_pypi::Version| {
        pins.iter()
            .find(|pin| pin.name() == name && &pin.version == version)
    };
    let mut findings = Vec::new();
    for found in scan.refused(allowances) {
        if let Some(pin) = pin_of(&found.name, &found.version) {
            findings.push(pin.finding(
                Rule::StartupHook,
                format!(
                    "`{}` installs a startup hook that runs code at every interpreter start: {}; if it is expected, acknowledge it with --allow-startup-hook {}:{}",
                    pin.release(),
                    crate::startup_hooks::describe(found),
                    found.name,
                    hashpin_pypi::untrusted::for_terminal(found.hook.file_name())
                ),
            ));
        }
    }
    for (name, version, wheel, why) in scan.refused_unreadable(allowances) {
        if let Some(pin) = pin_of(name, version) {
            findings.push(pin.finding(
                Rule::StartupHook,
                format!(
                    "`{}`: {} cannot be scanned for startup hooks (not a readable zip: {})",
                    pin.release(),
                    hashpin_pypi::untrusted::for_terminal(wheel),
                    hashpin_pypi::untrusted::for_terminal(why)
                ),
            ));
        }
    }
    Ok((findings, scan))
}

//! The entry point of the fuzz target in `fuzz/` (`cargo fuzz`) and of the test that replays
//! its corpus: an OSV advisory, parsed and matched against versions around every bound it
//! names. It takes arbitrary bytes and must return without panicking. Not part of the API.

use std::str::FromStr as _;

use hashpin_pypi::Version;

use crate::advisory::Advisory;

/// One advisory's JSON.
pub fn advisory(bytes: &[u8]) {
    let Ok(advisory) = Advisory::parse(bytes) else {
        return;
    };
    let _ = advisory.is_malicious();
    let probes: Vec<Version> = ["0", "0.0.1a1", "1.0", "1.0.post1", "2!1.0", "999999"]
        .iter()
        .filter_map(|text| Version::from_str(text).ok())
        .collect();
    for entry in &advisory.affected {
        let mut versions: Vec<Version> = entry.fixed().cloned().collect();
        versions.extend(probes.iter().cloned());
        for version in &versions {
            let _ = advisory.affects(&entry.name, version);
        }
        let _ = advisory.fixed(&entry.name);
    }
}

#[cfg(test)]
mod tests {
    /// Replays the fuzz target's seeds and regressions (see `scripts/fuzz.sh`).
    #[test]
    fn osv_advisory_corpus() {
        for (_, bytes) in hashpin_testkit::fuzz_inputs("osv_advisory") {
            super::advisory(&bytes);
        }
    }
}

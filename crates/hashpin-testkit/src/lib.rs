//! Test support for hashpin: a Python package index served over loopback HTTP.
//!
//! Tests build real wheels and sdists in memory ([`Dist::wheel`], [`Dist::sdist`]),
//! put them on an index ([`IndexBuilder`]) and get a running server ([`TestIndex`])
//! that speaks the simple repository API the way real indexes do: PEP 503 HTML,
//! PEP 691 JSON, PEP 658/714 metadata files, range requests, `ETag`s, yanking,
//! basic auth and injected failures. It is good enough for real `pip install`.
//!
//! The server is std-only (a thread per connection), binds `127.0.0.1` on a random
//! port, logs every request, and stops when the [`TestIndex`] is dropped. Nothing
//! here talks to anything but loopback.
//!
//! This crate is only ever a dev-dependency: setup failures panic with a message,
//! because a test that cannot bind a socket or build a zip has nothing better to do.
#![warn(missing_docs)]
// Test support: panicking on broken setup (I/O, a test asking for a file that is not
// there) is the intended behaviour, and documenting each such panic would be noise.
#![allow(clippy::missing_panics_doc)]

mod dist;
mod index;
mod scenario;
mod server;

pub use dist::{Dist, InTreeBackend, SdistBuilder, WheelBuilder};
pub use index::IndexBuilder;
pub use server::{Canned, Failure, LAST_MODIFIED, Request, ServerOptions, TestIndex};

/// PEP 503 normalization: lowercase, and every run of `-`, `_` and `.` becomes one `-`.
pub fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_sep = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !in_sep {
                out.push('-');
            }
            in_sep = true;
        } else {
            out.push(c.to_ascii_lowercase());
            in_sep = false;
        }
    }
    out
}

/// A PEP 740 provenance document with one attestation bundle by a GitHub Trusted
/// Publisher, shaped as the public index serves them (the attestation itself is a placeholder: nothing
/// here signs).
pub fn provenance(repository: &str, workflow: &str) -> String {
    serde_json::json!({
        "version": 1,
        "attestation_bundles": [{
            "publisher": {
                "kind": "GitHub",
                "repository": repository,
                "workflow": workflow,
                "environment": null,
                "claims": null,
            },
            "attestations": [{"version": 1, "verification_material": {}, "envelope": {}}],
        }],
    })
    .to_string()
}

/// Every input of the fuzz target `target` that tests replay: its seeds and the inputs that
/// once found a bug (`fuzz/seeds/TARGET`, `fuzz/regressions/TARGET`; see `scripts/fuzz.sh`).
/// Panics when there are none, so a renamed target cannot pass by replaying nothing.
pub fn fuzz_inputs(target: &str) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let fuzz = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let mut inputs = Vec::new();
    for kind in ["seeds", "regressions"] {
        let Ok(entries) = std::fs::read_dir(fuzz.join(kind).join(target)) else {
            continue;
        };
        for entry in entries {
            let path = entry.expect("a readable directory entry").path();
            let bytes = std::fs::read(&path).expect("a readable input");
            inputs.push((path, bytes));
        }
    }
    assert!(
        !inputs.is_empty(),
        "no inputs for the fuzz target `{target}`"
    );
    inputs.sort();
    inputs
}

#[cfg(test)]
mod tests {
    #[test]
    fn normalizes_like_pep_503() {
        assert_eq!(super::normalize("Foo__Bar.-baz"), "foo-bar-baz");
        assert_eq!(super::normalize("zope.interface"), "zope-interface");
    }
}

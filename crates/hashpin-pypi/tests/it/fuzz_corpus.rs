//! The fuzz targets' seeds and every input a fuzzer ever found a bug with (`fuzz/seeds/`,
//! `fuzz/regressions/`), replayed through the same entry points on every test run, so that a
//! fixed crash stays fixed without nightly or `cargo fuzz` (see `scripts/fuzz.sh`).

use std::path::Path;

/// Runs `entry` on every file under `fuzz/{seeds,regressions}/{target}`; there must be some.
pub(crate) fn replay(target: &str, entry: fn(&[u8])) {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let mut inputs = 0;
    for kind in ["seeds", "regressions"] {
        let Ok(entries) = std::fs::read_dir(fuzz.join(kind).join(target)) else {
            continue;
        };
        for file in entries {
            let path = file.expect("a readable directory entry").path();
            let bytes = std::fs::read(&path).expect("a readable input");
            entry(&bytes);
            inputs += 1;
        }
    }
    assert!(inputs > 0, "no seeds for the fuzz target `{target}`");
}

#[test]
fn simple_json() {
    replay("simple_json", hashpin_pypi::fuzz::simple_json);
}

#[test]
fn simple_html() {
    replay("simple_html", hashpin_pypi::fuzz::simple_html);
}

#[test]
fn metadata() {
    replay("metadata", hashpin_pypi::fuzz::metadata);
}

#[test]
fn filename() {
    replay("filename", hashpin_pypi::fuzz::filename);
}

#[test]
fn wheel() {
    replay("wheel", hashpin_pypi::fuzz::wheel);
}

#[test]
fn sdist() {
    replay("sdist", hashpin_pypi::fuzz::sdist);
}

#[test]
fn netrc() {
    replay("netrc", hashpin_pypi::fuzz::netrc);
}

#[test]
fn pip_config() {
    replay("pip_config", hashpin_pypi::fuzz::pip_config);
}

#[test]
fn requirement() {
    replay("requirement", hashpin_pypi::fuzz::requirement);
}

//! The fuzz targets' seeds and every input a fuzzer ever found a bug with (`fuzz/seeds/`,
//! `fuzz/regressions/`), replayed through the same entry points on every test run, so that a
//! fixed crash stays fixed without nightly or `cargo fuzz` (see `scripts/fuzz.sh`).

/// Runs `entry` on every input of the fuzz target `target`.
fn replay(target: &str, entry: fn(&[u8])) {
    for (_, bytes) in hashpin_testkit::fuzz_inputs(target) {
        entry(&bytes);
    }
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

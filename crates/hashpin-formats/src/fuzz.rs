//! Entry points for the fuzz targets in `fuzz/` (`cargo fuzz`) and for the test that replays
//! their corpora: the requirements reader (which also reads locks, hashpin's, pip-compile's
//! and uv's) and the pyproject.toml reader. Each takes arbitrary bytes and must return
//! without panicking; no file is read. Not part of the API.

use std::path::Path;

use crate::lock::{Header, Lock, Package};
use crate::requirements::{Kind, Mode, Reader, RequirementsSet};
use crate::{PyProject, PyProjectSelection};

/// A requirements file or lock, read as `compile` and as `check` read it; what it pins is
/// then written as a lock and read back, which must give the same pins.
pub fn requirements(bytes: &[u8]) {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    let variable = |name: &str| (name == "TOKEN").then(|| "s3cret".to_string());
    for mode in [Mode::Strict, Mode::Audit] {
        let mut set = RequirementsSet::default();
        let mut reader = Reader {
            set: &mut set,
            variable: &variable,
            stack: Vec::new(),
            mode,
            includes: false,
        };
        if reader
            .text(
                Path::new("requirements.txt"),
                text,
                Path::new(""),
                Kind::Requirements,
            )
            .is_err()
        {
            continue;
        }
        round_trip(&set, text);
    }
}

/// What `set`'s text locks, written in both formats and read back: the same pins.
fn round_trip(_: &RequirementsSet, text: &str) {
    let Ok(read) = crate::lock::requirements_txt::read(&crate::Input::Text {
        name: "requirements.txt".into(),
        text: text.to_string(),
    }) else {
        return;
    };
    let mut lock = read.lock;
    let quoted: String = text.chars().take(200).collect();
    lock.header = Some(Header {
        command: quoted.clone(),
        notes: vec![quoted.clone()],
    });
    for package in &mut lock.packages {
        package.via.push(quoted.clone());
    }
    let rendered = crate::lock::requirements_txt::write(
        &lock,
        crate::lock::requirements_txt::WriteOptions::default(),
    );
    let back = crate::lock::requirements_txt::read(&crate::Input::Text {
        name: "lock.txt".into(),
        text: rendered.clone(),
    })
    .unwrap_or_else(|error| panic!("a lock hashpin wrote does not read back: {error}\n{rendered}"));
    assert_eq!(
        names(&lock),
        names(&back.lock),
        "a lock reads back other pins:\n{rendered}"
    );
    assert_eq!(
        crate::lock::requirements_txt::write(
            &back.lock,
            crate::lock::requirements_txt::WriteOptions::default()
        ),
        rendered,
        "a lock read back writes other bytes"
    );
    // A requirements file knows hashes, not files: only a lock whose files have names and
    // URLs (an export asks the index for them) can be a pylock.
    if lock
        .packages
        .iter()
        .flat_map(|package| &package.files)
        .any(|file| file.url.is_none())
    {
        return;
    }
    let pylock = crate::lock::pylock::write(&lock);
    let (read, _) = crate::lock::pylock::read(&pylock).unwrap_or_else(|error| {
        panic!("a pylock hashpin wrote does not read back: {error}\n{pylock}")
    });
    assert_eq!(
        names(&lock),
        names(&read),
        "a pylock reads back other pins:\n{pylock}"
    );
}

fn names(lock: &Lock) -> Vec<String> {
    let mut names: Vec<String> = lock
        .packages
        .iter()
        .filter(|package| {
            matches!(package.source, crate::Source::Index) && package.version.is_some()
                || matches!(package.source, crate::Source::Archive { .. })
        })
        .map(Package::release)
        .collect();
    names.sort();
    names.dedup();
    names
}

/// A `pylock.toml`: read, written, read again, written again; the second write must give
/// the first write's bytes.
pub fn pylock(bytes: &[u8]) {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    let Ok((lock, _)) = crate::lock::pylock::read(text) else {
        return;
    };
    let written = crate::lock::pylock::write(&lock);
    let (back, _) = crate::lock::pylock::read(&written).unwrap_or_else(|error| {
        panic!("a pylock hashpin wrote does not read back: {error}\n{written}")
    });
    assert_eq!(
        crate::lock::pylock::write(&back),
        written,
        "not deterministic"
    );
    let _ = crate::lock::requirements_txt::write(
        &back,
        crate::lock::requirements_txt::WriteOptions::default(),
    );
}

/// A pyproject.toml, with every extra and one group selected.
pub fn pyproject(bytes: &[u8]) {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    for selection in [
        PyProjectSelection::default(),
        PyProjectSelection {
            extras: Vec::new(),
            all_extras: true,
            groups: vec!["dev".into()],
        },
    ] {
        let _ = PyProject::parse(Path::new("pyproject.toml"), text, &selection);
    }
}

#[cfg(test)]
mod tests {
    /// Replays the fuzz target's seeds and regressions (see `scripts/fuzz.sh`).
    fn replay(target: &str, entry: fn(&[u8])) {
        for (_, bytes) in hashpin_testkit::fuzz_inputs(target) {
            entry(&bytes);
        }
    }

    #[test]
    fn requirements_corpus() {
        replay("requirements", super::requirements);
    }

    #[test]
    fn pylock_corpus() {
        replay("pylock", super::pylock);
    }

    #[test]
    fn pyproject_corpus() {
        replay("pyproject", super::pyproject);
    }
}

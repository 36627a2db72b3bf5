//! Entry points for the fuzz targets in `fuzz/` (`cargo fuzz`) and for the test that replays
//! their corpora: the requirements reader (which also reads locks, hashpin's, pip-compile's
//! and uv's) and the pyproject.toml reader. Each takes arbitrary bytes and must return
//! without panicking; no file is read. Not part of the API.

use std::path::Path;

use crate::lock::{Header, Lock, LockEntry};
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

/// The entries of `set` that are exact pins, as a lock whose header quotes `text`, read back.
fn round_trip(set: &RequirementsSet, text: &str) {
    let entries: Vec<LockEntry> = set
        .requirements
        .iter()
        .filter_map(|entry| {
            let pep508_rs::VersionOrUrl::VersionSpecifier(specifiers) =
                entry.requirement.version_or_url.as_ref()?
            else {
                return None;
            };
            let [specifier] = specifiers.iter().collect::<Vec<_>>()[..] else {
                return None;
            };
            (*specifier.operator() == pep508_rs::pep440_rs::Operator::Equal).then(|| LockEntry {
                name: entry.requirement.name.clone(),
                version: specifier.version().clone(),
                marker: None,
                hashes: entry.hashes.clone(),
                via: vec![text.chars().take(200).collect()],
                url: None,
            })
        })
        .collect();
    let lock = Lock {
        header: Some(Header {
            command: text.chars().take(200).collect(),
            notes: vec![text.chars().take(200).collect()],
        }),
        index_options: Vec::new(),
        entries,
    };
    let rendered = lock.render(true);
    let read = RequirementsSet::read(
        &[crate::Input::Text {
            name: "lock.txt".into(),
            text: rendered.clone(),
        }],
        |_| None,
    )
    .unwrap_or_else(|error| panic!("a lock hashpin wrote does not read back: {error}\n{rendered}"));
    let mut written: Vec<_> = lock
        .entries
        .iter()
        .map(|entry| entry.name.clone())
        .collect();
    let mut back: Vec<_> = read
        .requirements
        .iter()
        .map(|entry| entry.requirement.name.clone())
        .collect();
    written.sort();
    written.dedup();
    back.sort();
    back.dedup();
    assert_eq!(written, back, "a lock reads back other pins:\n{rendered}");
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
    fn pyproject_corpus() {
        replay("pyproject", super::pyproject);
    }
}

//! Round trips through both formats, and what each writer and reader promises.

use std::str::FromStr as _;

use hashpin_pypi::{HashAlgorithm, HashDigest, Publisher, Timestamp};

use super::*;

pub(crate) fn digest(c: char) -> HashDigest {
    HashDigest::new(HashAlgorithm::Sha256, &c.to_string().repeat(64)).expect("valid")
}

/// A package of an index whose files are known only by their hashes.
pub(crate) fn package(name: &str, version: &str, hashes: &[char]) -> Package {
    Package::new(
        name.parse().expect("valid name"),
        version.parse().expect("valid version"),
        hashes
            .iter()
            .map(|c| LockedFile::hash_only(digest(*c)))
            .collect(),
    )
}

fn file(name: &str, hash: char, uploaded: &str) -> LockedFile {
    LockedFile {
        filename: Some(name.into()),
        url: Some(format!("https://files.example.invalid/{name}")),
        size: Some(1234),
        upload_time: Some(Timestamp::from_str(uploaded).expect("a time")),
        hashes: vec![digest(hash)],
    }
}

/// A lock with everything both formats can say.
fn full_lock() -> Lock {
    let mut requests = Package::new(
        "requests".parse().expect("name"),
        "2.32.3".parse().expect("version"),
        vec![
            file(
                "requests-2.32.3-py3-none-any.whl",
                'a',
                "2024-05-29T15:37:47Z",
            ),
            file("requests-2.32.3.tar.gz", 'b', "2024-05-29T15:37:49.123456Z"),
        ],
    );
    requests.via = vec!["-r requirements.in".into()];
    requests.requires_python = Some(">=3.8".into());
    requests.index = Some("https://index.example.invalid/simple".into());
    requests.extras = vec!["socks".parse().expect("extra")];
    requests.attestation_identities = vec![Publisher {
        kind: "GitHub".into(),
        keys: [
            ("repository".to_string(), "psf/requests".to_string()),
            ("workflow".to_string(), "publish.yml".to_string()),
        ]
        .into(),
    }];
    let mut pywin32 = Package::new(
        "pywin32".parse().expect("name"),
        "306".parse().expect("version"),
        vec![file(
            "pywin32-306-cp311-cp311-win_amd64.whl",
            'c',
            "2023-03-26",
        )],
    );
    pywin32.marker = Some("sys_platform == \"win32\"".into());
    pywin32.via = vec!["-r requirements.in".into()];
    let mut old = Package::new(
        "old".parse().expect("name"),
        "1.0".parse().expect("version"),
        vec![file("old-1.0.tar.gz", 'd', "2020-01-01")],
    );
    old.yanked = Some(Yank {
        reason: Some("broken \"badly\"\nreally".into()),
    });
    old.facts
        .insert("startup-hooks".into(), vec!["old.pth".into()]);
    let mut direct = Package::new(
        "direct".parse().expect("name"),
        "0.1".parse().expect("version"),
        vec![LockedFile {
            filename: None,
            url: Some("https://forge.example.invalid/direct-0.1.tar.gz".into()),
            size: None,
            upload_time: None,
            hashes: vec![digest('e')],
        }],
    );
    direct.source = Source::Archive {
        url: "https://forge.example.invalid/direct-0.1.tar.gz".into(),
    };
    Lock {
        created_by: Some(CREATED_BY.into()),
        header: Some(Header {
            command: "hashpin compile requirements.in --exclude-newer=2024-06-01".into(),
            notes: vec!["old==1.0 is yanked (broken) and locked on purpose".into()],
        }),
        cutoff: Some(Timestamp::from_str("2024-06-01").expect("a date")),
        target: LockTarget {
            requires_python: Some("==3.11.*".into()),
            environments: vec!["sys_platform == 'linux' and python_version == '3.11'".into()],
        },
        index_options: Vec::new(),
        hash_scope: HashScope::EveryFile,
        selectable: Selectable {
            extras: vec!["socks".into()],
            dependency_groups: vec!["default".into(), "dev".into()],
            default_groups: vec!["default".into()],
        },
        packages: vec![requests, pywin32, old, direct],
    }
}

fn sorted(mut lock: Lock) -> Lock {
    lock.packages.sort_by(|a, b| a.name.cmp(&b.name));
    for package in &mut lock.packages {
        package.files.sort_by(|a, b| a.name().cmp(&b.name()));
        package.via.sort();
    }
    lock
}

#[test]
fn pylock_round_trip_is_identity() {
    let lock = full_lock();
    let text = pylock::write(&lock);
    let (read, lines) = pylock::read(&text).expect("reads its own output");
    assert_eq!(sorted(read.clone()), sorted(lock));
    assert_eq!(lines.len(), 4);
    // Deterministic: the same model, the same bytes, whatever the order it came in.
    let mut shuffled = read;
    shuffled.packages.reverse();
    assert_eq!(pylock::write(&shuffled), text);
}

#[test]
fn requirements_round_trip_is_identity_on_what_the_format_holds() {
    let lock = full_lock();
    let text = requirements_txt::write(&lock, requirements_txt::WriteOptions::default());
    let read = requirements_txt::read(&crate::Input::Text {
        name: "requirements.txt".into(),
        text: text.clone(),
    })
    .expect("reads its own output")
    .lock;
    // A requirements file holds hashes, not files; nothing of a target, a yank or a fact.
    let mut expected = sorted(lock);
    expected.target = LockTarget::default();
    expected.selectable = Selectable::default();
    for package in &mut expected.packages {
        package.requires_python = None;
        package.index = None;
        package.yanked = None;
        package.attestation_identities.clear();
        package.facts.clear();
        if package.source == Source::Index {
            package.files = package
                .hashes()
                .cloned()
                .map(LockedFile::hash_only)
                .collect();
        } else {
            for file in &mut package.files {
                file.size = None;
                file.upload_time = None;
            }
        }
    }
    assert_eq!(sorted(read.clone()), expected);
    assert_eq!(
        requirements_txt::write(&read, requirements_txt::WriteOptions::default()),
        text
    );
}

#[test]
fn pylock_strings_cannot_break_out() {
    let mut lock = full_lock();
    lock.packages[0].via = vec!["evil\"\n[[packages]]\nname = \"x\"\u{2028}".into()];
    let text = pylock::write(&lock);
    let (read, _) = pylock::read(&text).expect("still valid TOML");
    assert_eq!(read.packages.len(), 4);
    assert!(!text.contains("\nname = \"x\""));
}

#[test]
fn unsupported_lock_versions_and_invalid_packages_are_refused() {
    let error = pylock::read("lock-version = \"2.0\"\ncreated-by = \"x\"\n").expect_err("2.0");
    assert!(
        error
            .to_string()
            .contains("lock-version 2.0 is not supported"),
        "{error}"
    );
    let no_hash = "lock-version = \"1.0\"\ncreated-by = \"x\"\n[[packages]]\nname = \"a\"\nversion = \"1\"\nwheels = [{ url = \"https://x/a-1-py3-none-any.whl\" }]\n";
    let error = pylock::read(no_hash).expect_err("no hashes");
    assert!(error.to_string().contains("no hashes"), "{error}");
    let two_sources = "lock-version = \"1.0\"\ncreated-by = \"x\"\n[[packages]]\nname = \"a\"\ndirectory = { path = \".\" }\nvcs = { type = \"git\", url = \"https://x\", commit-id = \"abc\" }\n";
    assert!(pylock::read(two_sources).is_err());
    let unnormalized = "lock-version = \"1.0\"\ncreated-by = \"x\"\n[[packages]]\nname = \"Foo_Bar\"\ndirectory = { path = \".\" }\n";
    assert!(pylock::read(unnormalized).is_err());
}

#[test]
fn reads_pip_lock_tables_and_uv_inline_tables() {
    let pip = format!(
        "lock-version = \"1.0\"\ncreated-by = \"pip\"\n\n[[packages]]\nname = \"idna\"\nversion = \"3.7\"\n\n[[packages.wheels]]\nname = \"idna-3.7-py3-none-any.whl\"\nurl = \"https://files.example.invalid/idna-3.7-py3-none-any.whl\"\n\n[packages.wheels.hashes]\nsha256 = \"{}\"\n\n[[packages]]\nname = \"app\"\n\n[packages.directory]\npath = \".\"\neditable = true\n",
        "a".repeat(64)
    );
    let (lock, lines) = pylock::read(&pip).expect("pip's layout");
    assert_eq!(lock.created_by.as_deref(), Some("pip"));
    assert_eq!(lock.hash_scope, HashScope::ListedFiles);
    assert_eq!(lines, [4, 15]);
    assert_eq!(
        lock.packages[0].files[0].name(),
        Some("idna-3.7-py3-none-any.whl")
    );
    assert_eq!(
        lock.packages[1].source,
        Source::Directory {
            path: ".".into(),
            editable: true
        }
    );
    let uv = format!(
        "lock-version = \"1.0\"\ncreated-by = \"uv\"\nrequires-python = \">=3.11\"\n\n[[packages]]\nname = \"idna\"\nversion = \"3.7\"\nsdist = {{ url = \"https://files.example.invalid/idna-3.7.tar.gz\", upload-time = 2024-04-11T03:34:41Z, size = 189575, hashes = {{ sha256 = \"{}\" }} }}\n",
        "b".repeat(64)
    );
    let (lock, _) = pylock::read(&uv).expect("uv's layout");
    let file = &lock.packages[0].files[0];
    assert_eq!(file.name(), Some("idna-3.7.tar.gz"));
    assert_eq!(file.size, Some(189_575));
    assert_eq!(
        file.upload_time,
        Some(Timestamp::from_str("2024-04-11T03:34:41Z").expect("a time"))
    );
}

#[test]
fn pylock_names_follow_pep_751() {
    for (name, format) in [
        ("pylock.toml", LockFormat::Pylock),
        ("pylock.dev.toml", LockFormat::Pylock),
        ("pylock.a.b.toml", LockFormat::RequirementsTxt),
        ("pylock..toml", LockFormat::RequirementsTxt),
        ("requirements.txt", LockFormat::RequirementsTxt),
        ("locks/pylock.toml", LockFormat::Pylock),
    ] {
        assert_eq!(
            LockFormat::of_path(std::path::Path::new(name)),
            format,
            "{name}"
        );
    }
}

//! Cooldowns: `--exclude-newer 7 days` leaves out what was uploaded that recently, the lock
//! records the instant, and `--check` and `check` hold to it.

use hashpin_pypi::Timestamp;
use hashpin_testkit::{Dist, IndexBuilder, TestIndex};

use crate::compile::{Project, pin_list};
use crate::{hashpin, run};

const DAY: i64 = 86_400;

/// `days` days before now, as an upload time.
pub(crate) fn ago(days: i64) -> String {
    Timestamp::from_unix_seconds(Timestamp::now().unix_seconds() - days * DAY).to_string()
}

/// dep 1.0 uploaded ten days ago, dep 2.0 an hour ago (the release a cooldown holds back).
pub(crate) fn index() -> TestIndex {
    IndexBuilder::new()
        .dist(Dist::wheel("dep", "1.0").upload_time(&ago(10)).build())
        .dist(
            Dist::wheel("dep", "2.0")
                .upload_time(
                    &Timestamp::from_unix_seconds(Timestamp::now().unix_seconds() - 3600)
                        .to_string(),
                )
                .build(),
        )
        .start()
}

#[test]
fn a_cooldown_holds_back_a_fresh_release_and_the_lock_says_as_of_when() {
    let index = index();
    let project = Project::new("dep\n");
    for spelling in ["7 days", "1 week", "P7D", "168h"] {
        let lock = project.lock(&index, &["--exclude-newer", spelling]);
        assert_eq!(pin_list(&lock), "dep==1.0", "{spelling}: {lock}");
    }
    let lock = project.lock(&index, &["--exclude-newer", "30 minutes"]);
    assert_eq!(pin_list(&lock), "dep==2.0", "{lock}");

    let (done, _, stderr) = project.compile(
        &index,
        &["-o", "requirements.txt", "--exclude-newer", "7 days"],
    );
    assert!(done.status.success(), "{stderr}");
    let lock = project.read("requirements.txt");
    assert!(lock.contains(" --exclude-newer=P7D\n"), "{lock}");
    let note = lock
        .lines()
        .find(|line| line.starts_with("# --exclude-newer=P7D left out files uploaded after "))
        .unwrap_or_else(|| panic!("a note with the instant: {lock}"));
    let instant: Timestamp = note
        .rsplit(' ')
        .next()
        .and_then(|at| at.parse().ok())
        .expect("an instant");
    let expected = Timestamp::now().unix_seconds() - 7 * DAY;
    assert!((instant.unix_seconds() - expected).abs() < 600, "{note}");

    // --check compares with the lock as it was made, not with a cutoff of today.
    let (done, _, stderr) = project.compile(
        &index,
        &[
            "-o",
            "requirements.txt",
            "--exclude-newer",
            "7 days",
            "--check",
        ],
    );
    assert!(done.status.success(), "{stderr}");
    // check reads the recorded instant: dep 2.0 is no file the lock should have.
    let (done, stdout, stderr) = run(hashpin(project.cache.path())
        .current_dir(project.dir.path())
        .args(["check", "requirements.txt", "--index-url", &index.url()]));
    assert!(done.status.success(), "{stdout}{stderr}");

    // A pylock records the instant too.
    let (done, _, stderr) =
        project.compile(&index, &["-o", "pylock.toml", "--exclude-newer", "P7D"]);
    assert!(done.status.success(), "{stderr}");
    let pylock = project.read("pylock.toml");
    assert!(pylock.contains("--exclude-newer=P7D"), "{pylock}");
    let recorded: Timestamp = pylock
        .lines()
        .find_map(|line| line.strip_prefix("exclude-newer = "))
        .and_then(|at| at.parse().ok())
        .unwrap_or_else(|| panic!("[tool.hashpin] exclude-newer: {pylock}"));
    assert!((recorded.unix_seconds() - expected).abs() < 600, "{pylock}");
}

#[test]
fn durations_without_a_fixed_length_are_refused() {
    let project = Project::new("dep\n");
    let index = index();
    for (spelling, why) in [
        ("1 month", "months and years have no fixed length"),
        ("7", "a number has no unit"),
        ("2024-13-01", "is not an RFC 3339 timestamp"),
    ] {
        let (done, _, stderr) = project.compile(&index, &["--exclude-newer", spelling]);
        assert_eq!(done.status.code(), Some(2), "{spelling}: {stderr}");
        assert!(stderr.contains(why), "{spelling}: {stderr}");
    }
}

#[test]
fn one_project_can_have_its_own_cutoff_or_none() {
    let index = index();
    let project = Project::new("dep\n");
    let lock = project.lock(
        &index,
        &[
            "--exclude-newer",
            "7 days",
            "--exclude-newer-package",
            "dep=false",
        ],
    );
    assert_eq!(pin_list(&lock), "dep==2.0", "{lock}");
    assert!(
        lock.contains(" --exclude-newer=P7D --exclude-newer-package=dep=false"),
        "{lock}"
    );
    let lock = project.lock(
        &index,
        &[
            "--exclude-newer",
            "7 days",
            "--exclude-newer-package",
            "Dep=30 minutes",
        ],
    );
    assert_eq!(pin_list(&lock), "dep==2.0", "{lock}");
    assert!(lock.contains("--exclude-newer-package=dep=PT30M"), "{lock}");
    let lock = project.lock(&index, &["--exclude-newer-package", "dep=3 days"]);
    assert_eq!(pin_list(&lock), "dep==1.0", "{lock}");

    let (done, _, stderr) = project.compile(&index, &["--exclude-newer-package", "dep"]);
    assert_eq!(done.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("expected NAME=WHEN"), "{stderr}");
}

#[test]
fn check_holds_a_lock_to_a_minimum_age() {
    let index = index();
    let project = Project::new("dep\n");
    let (done, _, stderr) = project.compile(&index, &["-o", "requirements.txt"]);
    assert!(done.status.success(), "{stderr}");
    let check = |min_age: &str| {
        run(hashpin(project.cache.path())
            .current_dir(project.dir.path())
            .args(["check", "requirements.txt", "--min-age", min_age])
            .args(["--index-url", &index.url()]))
    };
    let (done, stdout, stderr) = check("7 days");
    assert_eq!(done.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stdout.contains("`dep==2.0` was uploaded 1 hour ago (")
            && stdout.contains("under --min-age 7 days")
            && stdout.contains("[too-new]"),
        "{stdout}"
    );
    let (done, stdout, stderr) = check("30 minutes");
    assert!(done.status.success(), "{stdout}{stderr}");
}

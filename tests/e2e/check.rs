//! `hashpin check`: every rule with a failing and a passing case, against locks that
//! `hashpin compile` wrote and against hand-written files; what changes on the index after
//! locking (a yank, a re-upload, a new wheel) is caught.

use std::process::{Command, Output};

use hashpin_testkit::{Dist, IndexBuilder, TestIndex};

use crate::compile::{Project, TARGET, closed_port_url};
use crate::{hashpin, run};

/// `app` needs `dep`; both have a wheel, `app` an sdist too.
fn app_index() -> TestIndex {
    IndexBuilder::new()
        .dist(Dist::wheel("app", "1.0").requires_dist("dep>=2").build())
        .dist(Dist::sdist("app", "1.0").requires_dist("dep>=2").build())
        .dist(Dist::wheel("dep", "2.1").build())
        .start()
}

/// A project whose `requirements.txt` is a fresh lock of `app` from `index`.
fn locked_app(index: &TestIndex, args: &[&str]) -> Project {
    let project = Project::new("app\n");
    let (output, _, stderr) = project.compile(index, &[&["-o", "requirements.txt"], args].concat());
    assert!(output.status.success(), "{stderr}");
    project
}

/// `hashpin check ARGS` in the project.
fn check_command(project: &Project, index_url: &str, args: &[&str]) -> Command {
    let mut command = hashpin(project.cache.path());
    command
        .current_dir(project.dir.path())
        .arg("check")
        .args(args)
        .args(["--index-url", index_url]);
    command
}

fn check(project: &Project, index: &TestIndex, args: &[&str]) -> (Output, String, String) {
    run(&mut check_command(project, &index.url(), args))
}

#[test]
fn a_fresh_lock_passes_every_rule() {
    let index = app_index();
    let project = locked_app(&index, &[]);
    let (output, stdout, stderr) = check(
        &project,
        &index,
        &[&["requirements.txt", "--complete"][..], &TARGET].concat(),
    );
    assert!(output.status.success(), "{stdout}{stderr}");
    assert_eq!(stdout, "");
    assert_eq!(
        stderr,
        "requirements.txt: 2 requirements, all pinned, hashed, matching the index, and complete\n"
    );
}

#[test]
fn local_rules_name_file_line_and_rule() {
    let sha = "a".repeat(64);
    let project = Project::new("");
    project.write(
        "requirements.txt",
        &format!(
            "\
# a hand-written lock
loose>=1.0 --hash=sha256:{sha}
nohash==1.0
weak==1.0 --hash=md5:{md5}
broken==1.0 --hash=sha256:xyz
-e ./src/thing
git+https://example.invalid/repo.git#egg=vcs
./local/project
remote @ https://example.invalid/remote-1.0.tar.gz
twice==1.0 --hash=sha256:{sha}
twice==1.1 --hash=sha256:{sha}
good==1.0 \\
    --hash=sha256:{sha}
archive @ https://example.invalid/archive-1.0-py3-none-any.whl --hash=sha256:{sha}
exact===1.0 --hash=sha384:{sha384}
-r more.txt
",
            md5 = "0".repeat(32),
            sha384 = "b".repeat(96)
        ),
    );
    project.write("more.txt", "\n\nwild==1.* --hash=sha256:0000000000000000000000000000000000000000000000000000000000000000\n");
    let (output, stdout, stderr) = run(&mut check_command(
        &project,
        &closed_port_url(),
        &["requirements.txt", "--offline"],
    ));
    assert_eq!(output.status.code(), Some(1), "{stdout}{stderr}");
    let rules: Vec<String> = stdout
        .lines()
        .map(|line| {
            let (location, rest) = line.split_once(": error: ").expect("an error line");
            let rule = rest
                .rsplit_once(" [")
                .expect("a rule")
                .1
                .trim_end_matches(']');
            format!("{location} {rule}")
        })
        .collect();
    assert_eq!(
        rules,
        [
            "more.txt:3 not-pinned",
            "requirements.txt:2 not-pinned",
            "requirements.txt:3 no-hash",
            "requirements.txt:4 weak-hash",
            "requirements.txt:5 malformed-hash",
            "requirements.txt:6 editable",
            "requirements.txt:7 vcs",
            "requirements.txt:8 directory",
            "requirements.txt:9 url-without-hash",
            "requirements.txt:11 duplicate",
        ],
        "{stdout}"
    );
    for message in [
        "requirements.txt:2: error: `loose>=1.0` is not pinned to one version; pin it as `loose==VERSION` [not-pinned]",
        "requirements.txt:3: error: `nohash==1.0` has no --hash; pip's --require-hashes mode refuses it [no-hash]",
        "requirements.txt:6: error: `-e ./src/thing` is an editable install: there is no release to pin and no file to hash [editable]",
        "requirements.txt:11: error: `twice` is required again (first at requirements.txt:10); pip refuses double requirements [duplicate]",
    ] {
        assert!(
            stdout.contains(&format!("{message}\n")),
            "{message}\n{stdout}"
        );
    }
    assert_eq!(
        stderr,
        "requirements.txt: 14 requirements; 10 errors\nerror: the check failed with 10 errors\n"
    );
}

#[test]
fn a_release_yanked_after_locking_fails_and_a_partial_yank_warns() {
    let index = app_index();
    let project = locked_app(&index, &[]);
    index.set_yanked("dep-2.1-py3-none-any.whl", Some("broken build"));
    let (output, stdout, stderr) = check(&project, &index, &["requirements.txt"]);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stdout.contains(": error: `dep==2.1` is yanked on the index (\"broken build\") [yanked]\n"),
        "{stdout}"
    );

    index.set_yanked("dep-2.1-py3-none-any.whl", None);
    index.set_yanked("app-1.0.tar.gz", Some(""));
    let (output, stdout, stderr) = check(&project, &index, &["requirements.txt"]);
    assert!(
        output.status.success(),
        "a partial yank is a warning: {stdout}{stderr}"
    );
    assert!(
        stdout.contains(": warning: 1 file of `app==1.0` is yanked on the index: app-1.0.tar.gz [partly-yanked]\n"),
        "{stdout}"
    );
    assert!(stderr.ends_with(", with 1 warning\n"), "{stderr}");
}

#[test]
fn a_reuploaded_file_fails_and_a_later_wheel_warns() {
    let index = app_index();
    let project = locked_app(&index, &[]);
    // The same filename with other contents: a tampered or re-uploaded file.
    index.add_dist(
        Dist::wheel("dep", "2.1")
            .file("dep/evil.py", "import os\n")
            .build(),
    );
    let (output, stdout, _) = check(&project, &index, &["requirements.txt"]);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("is not the hash of any file the index lists for `dep==2.1`: the file was re-uploaded or tampered with, or the lock was edited [unknown-hash]\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains(": warning: the index lists dep-2.1-py3-none-any.whl for `dep==2.1`, whose hash the lock lacks"),
        "{stdout}"
    );

    // --no-verify-hashes leaves hashes alone and checks the rest.
    let (output, stdout, stderr) = check(
        &project,
        &index,
        &["requirements.txt", "--no-verify-hashes"],
    );
    assert!(output.status.success(), "{stdout}{stderr}");
    assert!(
        stderr.ends_with("all pinned, hashed, and current on the index\n"),
        "{stderr}"
    );
}

#[test]
fn a_wheel_uploaded_after_the_cutoff_is_expected_to_be_missing() {
    let index = IndexBuilder::new()
        .dist(
            Dist::wheel("dep", "2.1")
                .upload_time("2024-01-10T12:00:00Z")
                .build(),
        )
        .start();
    let project = Project::new("dep\n");
    let (output, _, stderr) = project.compile(
        &index,
        &["-o", "requirements.txt", "--exclude-newer", "2024-03-01"],
    );
    assert!(output.status.success(), "{stderr}");
    index.add_dist(
        Dist::wheel("dep", "2.1")
            .tag("cp312-cp312-manylinux_2_17_x86_64")
            .upload_time("2024-06-01T00:00:00Z")
            .build(),
    );
    // The lock's header names the cutoff: the new wheel is not expected in it.
    let (output, stdout, stderr) = check(&project, &index, &["requirements.txt"]);
    assert!(output.status.success(), "{stdout}{stderr}");
    assert_eq!(stdout, "");
    // A later cutoff given on the command line expects it, and warns.
    let (output, stdout, _) = check(
        &project,
        &index,
        &["requirements.txt", "--exclude-newer", "2025-01-01"],
    );
    assert!(output.status.success(), "{stdout}");
    assert!(
        stdout.contains(
            "requirements.txt:6: warning: the index lists dep-2.1-cp312-cp312-manylinux_2_17_x86_64.whl for `dep==2.1`, whose hash the lock lacks: pip will refuse that file (was it uploaded after locking?) [missing-hash]\n"
        ),
        "{stdout}"
    );
}

#[test]
fn releases_and_projects_missing_from_the_index_fail() {
    let index = app_index();
    let project = Project::new("");
    let sha = Dist::wheel("dep", "2.1").build().sha256().to_string();
    project.write(
        "requirements.txt",
        &format!("dep==2.0 --hash=sha256:{sha}\nghost==1.0 --hash=sha256:{sha}\n"),
    );
    let (output, stdout, _) = check(&project, &index, &["requirements.txt"]);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains(
            "requirements.txt:1: error: `dep==2.0` is not on the index; the newest there is 2.1 [missing-version]\n"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("requirements.txt:2: error: `ghost` is not on the index (searched "),
        "{stdout}"
    );
}

#[test]
fn issue_10_complete_is_not_claimed_for_dependencies_that_need_a_build() {
    // `odd` has only an sdist whose dependencies are known only by building it.
    let odd = Dist::sdist("odd", "1.0")
        .requires_dist("anything")
        .dynamic("Requires-Dist")
        .pyproject_dynamic(&["dependencies"])
        .build();
    let index = IndexBuilder::new().dist(odd.clone()).start();
    let project = Project::new("");
    project.write(
        "requirements.txt",
        &format!("odd==1.0 --hash=sha256:{}\n", odd.sha256()),
    );
    let args = [
        &["requirements.txt", "--complete", "--format", "json"][..],
        &TARGET,
    ]
    .concat();
    let (output, stdout, stderr) = check(&project, &index, &args);
    assert_eq!(output.status.code(), Some(1), "{stdout}{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).expect("a JSON report");
    assert_eq!(report["complete"], false, "{stdout}");
    assert!(
        stdout.contains("unknown-dependencies") && stdout.contains("not known to be complete"),
        "{stdout}"
    );
    assert!(!stderr.contains("and complete"), "{stderr}");
}

#[test]
fn complete_requires_every_dependency_pinned_at_an_accepted_version() {
    let index = app_index();
    let project = locked_app(&index, &[]);
    let lock = project.read("requirements.txt");
    // Without dep, the lock is incomplete; pip --require-hashes would refuse it at install.
    let without_dep: String = lock
        .split_inclusive('\n')
        .scan(false, |in_dep, line| {
            if !line.starts_with(' ') {
                *in_dep = line.starts_with("dep==");
            }
            Some(if *in_dep { "" } else { line })
        })
        .collect();
    project.write("requirements.txt", &without_dep);
    let args = [&["requirements.txt", "--complete"][..], &TARGET].concat();
    let (output, stdout, _) = check(&project, &index, &args);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains(": error: `app==1.0` requires `dep>=2`, which is not pinned [unpinned]\n"),
        "{stdout}"
    );
    // Without --complete the same file passes: each pin on its own is fine.
    let (output, stdout, _) = check(&project, &index, &["requirements.txt"]);
    assert!(output.status.success(), "{stdout}");

    // dep pinned at a version app does not accept.
    index.add_dist(Dist::wheel("dep", "1.0").build());
    let old_dep = Dist::wheel("dep", "1.0").build();
    project.write(
        "requirements.txt",
        &format!("{without_dep}dep==1.0 --hash=sha256:{}\n", old_dep.sha256()),
    );
    let (output, stdout, _) = check(&project, &index, &args);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains(
            "error: `app==1.0` requires `dep>=2`, but `dep==1.0` is pinned (at requirements.txt:"
        ),
        "{stdout}"
    );
}

#[test]
fn json_reports_every_finding() {
    let index = app_index();
    let project = locked_app(&index, &[]);
    index.set_yanked("dep-2.1-py3-none-any.whl", Some("broken build"));
    let (output, stdout, _) = check(&project, &index, &["requirements.txt", "--format", "json"]);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    let report: serde_json::Value = serde_json::from_str(&stdout).expect("one JSON document");
    assert_eq!(report["errors"], 1, "{report}");
    assert_eq!(report["warnings"], 0, "{report}");
    assert_eq!(report["index_checked"], true, "{report}");
    let finding = &report["findings"][0];
    assert_eq!(finding["rule"], "yanked", "{report}");
    assert_eq!(finding["severity"], "error", "{report}");
    assert_eq!(finding["file"], "requirements.txt", "{report}");
    assert_eq!(finding["package"], "dep", "{report}");
    assert_eq!(finding["version"], "2.1", "{report}");
    assert!(
        finding["line"].as_u64().is_some_and(|line| line > 1),
        "{report}"
    );
}

#[test]
fn unreadable_input_and_an_unreachable_index_exit_2() {
    let project = Project::new("");
    let (output, stdout, stderr) = run(&mut check_command(
        &project,
        &closed_port_url(),
        &["missing.txt"],
    ));
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(stdout, "");
    assert!(
        stderr.starts_with("error: cannot read missing.txt\n"),
        "{stderr}"
    );

    project.write("requirements.txt", "-r nowhere.txt\n");
    let (output, _, stderr) = run(&mut check_command(
        &project,
        &closed_port_url(),
        &["requirements.txt"],
    ));
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.starts_with("error: requirements.txt:1: cannot read"),
        "{stderr}"
    );

    let sha = "a".repeat(64);
    project.write(
        "requirements.txt",
        &format!("ok==1.0 --hash=sha256:{sha}\n"),
    );
    let (output, stdout, stderr) = run(&mut check_command(
        &project,
        &closed_port_url(),
        &["requirements.txt"],
    ));
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(stdout, "");
    assert!(
        stderr.starts_with("error: cannot check `ok` on the index\n"),
        "{stderr}"
    );
}

#[test]
fn compile_check_passes_on_a_fresh_lock_and_fails_with_a_diff_after_an_input_changes() {
    let index = app_index();
    index.add_dist(Dist::wheel("extra-lib", "0.5").build());
    let project = locked_app(&index, &[]);
    let lock = project.read("requirements.txt");
    let (output, stdout, stderr) = project.compile(&index, &["-o", "requirements.txt", "--check"]);
    assert!(output.status.success(), "{stderr}");
    assert_eq!(stdout, "");
    assert_eq!(
        stderr,
        "requirements.txt is up to date with requirements.in\n"
    );

    project.write("requirements.in", "app\nextra-lib\n");
    let (output, stdout, stderr) = project.compile(&index, &["-o", "requirements.txt", "--check"]);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(stdout, "");
    assert!(
        stderr
            .starts_with("--- requirements.txt\n+++ requirements.txt (from requirements.in)\n@@ "),
        "{stderr}"
    );
    assert!(stderr.contains("\n+extra-lib==0.5 \\\n"), "{stderr}");
    // After the text diff, the changes as `hashpin diff` orders them.
    assert!(
        stderr.contains(
            "1 change (1 medium):\nmedium  extra-lib 0.5 (new): a project the lock did not have\n"
        ),
        "{stderr}"
    );
    assert!(
        stderr.ends_with(
            "error: requirements.txt is out of date with requirements.in; run the command without --check to update it\n"
        ),
        "{stderr}"
    );
    assert_eq!(
        project.read("requirements.txt"),
        lock,
        "--check never writes"
    );

    // A lock whose hashes were edited by hand is out of date too.
    project.write("requirements.in", "app\n");
    let dep = Dist::wheel("dep", "2.1").build();
    project.write(
        "requirements.txt",
        &lock.replace(dep.sha256(), &"0".repeat(64)),
    );
    let (output, _, stderr) = project.compile(&index, &["-o", "requirements.txt", "--check"]);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("\n+    --hash=sha256:{}", dep.sha256())),
        "{stderr}"
    );
    // Nothing tells a hand edit from a file uploaded again under its name: the verdict says so.
    assert!(stderr.contains("--allow-reupload dep==2.1"), "{stderr}");

    // No lock at all: nothing is up to date.
    std::fs::remove_file(project.path("requirements.txt")).expect("remove the lock");
    let (output, _, stderr) = project.compile(&index, &["-o", "requirements.txt", "--check"]);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(
        stderr,
        "error: requirements.txt does not exist; run the command without --check to create it\n"
    );
    assert!(!project.path("requirements.txt").exists());

    // Without an output file there is nothing to compare with: a usage error.
    let (output, _, stderr) = project.compile(&index, &["--check"]);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--output-file <FILE>"), "{stderr}");
}

//! Issue 9: a hostile index and bad input. Each test is named for the defect it pins down
//! (`issue_9_…`) and failed on the code before the fix.

use std::process::Stdio;

use hashpin_testkit::{Canned, Dist, IndexBuilder};

use crate::compile::Project;
use crate::{hashpin, run};

/// Python's `str.splitlines()` boundaries: where pip sees a new line in a requirements file.
const PYTHON_LINE_BREAKS: [char; 10] = [
    '\n', '\r', '\u{0b}', '\u{0c}', '\u{1c}', '\u{1d}', '\u{1e}', '\u{85}', '\u{2028}', '\u{2029}',
];

/// Every line of `lock` as pip splits it that is not a comment, a pin or a hash.
fn foreign_lines(lock: &str) -> Vec<String> {
    lock.split(PYTHON_LINE_BREAKS)
        .map(str::trim)
        .filter(|line| {
            !(line.is_empty()
                || line.starts_with('#')
                || line.starts_with("--hash=sha256:")
                || line.starts_with("alpha==1.0 "))
        })
        .map(str::to_string)
        .collect()
}

#[test]
fn issue_9_a_yank_reason_cannot_add_lines_to_the_lock() {
    let zeros = "0".repeat(64);
    let reason = format!(
        "broken\nevil==6.6.6 --hash=sha256:{zeros}\r--extra-index-url http://127.0.0.1:9/simple/\u{2028}\
         x\u{0c}y\u{1b}[2J\u{1b}]0;owned\u{7}"
    );
    let index = IndexBuilder::new()
        .dist(Dist::wheel("alpha", "1.0").yanked(Some(&reason)).build())
        .start();
    let project = Project::new("alpha==1.0\n");
    let (output, _, stderr) = project.compile(
        &index,
        &["--allow-yanked", "alpha==1.0", "-o", "requirements.txt"],
    );
    assert!(output.status.success(), "{stderr}");
    let lock = project.read("requirements.txt");
    assert_eq!(foreign_lines(&lock), Vec::<String>::new(), "{lock}");
    assert!(!lock.contains('\u{1b}'), "{lock}");
    assert!(
        lock.contains("# alpha==1.0 is yanked (broken\\nevil==6.6.6"),
        "the reason is kept, escaped: {lock}"
    );

    // hashpin's own lock reads back as one pin: the only finding is the yank itself.
    let (output, stdout, stderr) = run(hashpin(project.cache.path())
        .current_dir(project.dir.path())
        .args(["check", "requirements.txt", "--index-url", &index.url()]));
    assert_eq!(output.status.code(), Some(1), "{stdout}{stderr}");
    let findings: Vec<&str> = stdout.lines().collect();
    assert_eq!(findings.len(), 1, "{stdout}");
    assert!(findings[0].ends_with("[yanked]"), "{stdout}");
    for text in [&stdout, &stderr] {
        assert!(
            !text.contains('\u{1b}'),
            "an escape reached the terminal: {text:?}"
        );
        assert!(!text.contains('\r'), "{text:?}");
    }
    assert!(stdout.contains("\\u{1b}[2J"), "shown escaped: {stdout}");
}

#[test]
fn issue_9_escapes_in_a_yank_reason_are_shown_not_obeyed() {
    let index = IndexBuilder::new()
        .dist(
            Dist::wheel("alpha", "1.0")
                .yanked(Some("\u{1b}[31mred\u{1b}[0m\u{202e}gnp.exe"))
                .build(),
        )
        .start();
    let project = Project::new("alpha==1.0\n");
    let (output, stdout, stderr) = project.compile(&index, &[]);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(stdout, "");
    assert!(
        stderr.contains("(reason: \\u{1b}[31mred\\u{1b}[0m\\u{202e}gnp.exe)"),
        "{stderr}"
    );

    let (output, stdout, stderr) =
        run(hashpin(project.cache.path()).args(["show", "alpha", "--index-url", &index.url()]));
    assert!(output.status.success(), "{stderr}");
    assert!(
        !stdout.contains('\u{1b}') && !stdout.contains('\u{202e}'),
        "{stdout:?}"
    );
    assert!(stdout.contains("yanked: \\u{1b}[31mred"), "{stdout}");
}

#[test]
fn issue_9_a_filename_with_control_characters_is_skipped() {
    let index = IndexBuilder::new()
        .dist(Dist::wheel("alpha", "1.0").build())
        .start();
    let good = index.dists()[0].clone();
    let page = format!(
        "<html><body>\
         <a href=\"{url}#sha256={sha}\">{name}</a>\n\
         <a href=\"/files/alpha-2.0%1b%5b2J-py3-none-any.whl#sha256={sha}\">x</a>\n\
         <a href=\"/files/alpha-3.0-py3-none-any%0a.whl#sha256={sha}\">y</a>\n\
         </body></html>",
        url = index.file_url(good.filename()),
        sha = good.sha256(),
        name = good.filename(),
    );
    index.serve(
        "/simple/alpha/",
        Canned::new("text/html", page.into_bytes()),
    );
    let project = Project::new("alpha\n");
    let (output, lock, stderr) = project.compile(&index, &["-v"]);
    assert!(output.status.success(), "{stderr}");
    assert!(lock.contains("alpha==1.0 "), "{lock}");
    assert!(
        !stderr.contains('\u{1b}') && !lock.contains('\u{1b}'),
        "{stderr:?}"
    );
}

#[test]
fn issue_9_a_closed_pipe_ends_the_run_quietly() {
    let index = IndexBuilder::new()
        .dist(Dist::wheel("alpha", "1.0").build())
        .start();
    let project = Project::new("alpha\n");
    // `--dry-run | head -0`: stdout is closed before the lock is written.
    let mut child = project
        .command(&index.url(), &["--dry-run"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("hashpin starts");
    drop(child.stdout.take());
    let output = child.wait_with_output().expect("hashpin ends");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");

    // `--check 2>&1 | head -0`: stderr is closed before the diff is written.
    let mut child = project
        .command(&index.url(), &["--check", "-o", "requirements.txt"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("hashpin starts");
    drop(child.stderr.take());
    let status = child.wait().expect("hashpin ends");
    // The lock does not exist, so the answer is no; what matters is that it is not a panic.
    assert_eq!(status.code(), Some(1));
}

#[test]
fn issue_9_unverified_metadata_does_not_follow_the_wheel_to_another_index() {
    let wheel = Dist::wheel("alpha", "1.0").build();
    let evil = String::from_utf8(wheel.metadata().to_vec()).expect("METADATA is text")
        + "Requires-Dist: evil-dep\n";
    let hostile = IndexBuilder::new()
        .dist(
            wheel
                .clone()
                .advertise_metadata_without_hash()
                .serve_other_metadata(&evil),
        )
        .dist(Dist::wheel("evil-dep", "1.0").build())
        .start();
    let honest = IndexBuilder::new().dist(wheel.clone()).start();
    let project = Project::new("alpha\n");
    // The hostile index may lie about its own copy: nothing ties plain `true` to the wheel.
    let lock = project.lock(&hostile, &[]);
    assert!(lock.contains("evil-dep=="), "{lock}");
    // The honest index's copy has the same hash, and must not inherit the lie.
    for args in [&[][..], &["--refresh"]] {
        let lock = project.lock(&honest, args);
        assert!(!lock.contains("evil-dep"), "{lock}");
    }
    // Nor does the hostile index keep its lie past --refresh once it stops telling it.
    hostile.add_dist(wheel.advertise_metadata_without_hash());
    let lock = project.lock(&hostile, &["--refresh"]);
    assert!(!lock.contains("evil-dep"), "{lock}");
}

#[test]
fn issue_9_range_read_metadata_is_not_cached_under_the_file_hash() {
    let wheel = Dist::wheel("alpha", "1.0")
        .pad_bytes(200_000)
        .build()
        .advertise_metadata(false);
    let index = IndexBuilder::new().dist(wheel.clone()).start();
    let project = Project::new("alpha\n");
    project.lock(&index, &[]);
    let other = IndexBuilder::new().dist(wheel).start();
    other.clear_requests();
    project.lock(&other, &[]);
    // Range reads cannot be checked against the file's hash, so the second index is read
    // again rather than trusted on the first one's word.
    assert!(
        other
            .requests()
            .iter()
            .any(hashpin_testkit::Request::is_range),
        "{:?}",
        other.requests()
    );
}

/// Runs `command` to the end, failing the test if it takes longer than a minute (a hang).
fn run_with_deadline(command: &mut std::process::Command) -> (std::process::Output, String) {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("hashpin starts");
    let deadline = std::time::Instant::now() + std::time::Duration::from_mins(1);
    while child
        .try_wait()
        .expect("hashpin can be waited for")
        .is_none()
    {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("hashpin hung");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let output = child.wait_with_output().expect("hashpin ends");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output, stderr)
}

#[test]
fn issue_9_an_output_that_is_a_device_or_a_pipe_is_never_read() {
    let index = IndexBuilder::new()
        .dist(Dist::wheel("alpha", "1.0").build())
        .start();
    let project = Project::new("alpha\n");
    for device in ["/dev/stdout", "/dev/zero", "/dev/null"] {
        let (output, stderr) =
            run_with_deadline(&mut project.command(&index.url(), &["-o", device]));
        assert!(output.status.success(), "{device}: {stderr}");
        if device == "/dev/stdout" {
            assert!(String::from_utf8_lossy(&output.stdout).contains("alpha==1.0"));
        }
    }
    let (output, stderr) =
        run_with_deadline(&mut project.command(&index.url(), &["-o", "/dev/full"]));
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("cannot write /dev/full"), "{stderr}");

    let fifo = project.path("lock.fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    let reader = std::thread::spawn(move || std::fs::read_to_string(fifo).expect("read the pipe"));
    let (output, stderr) =
        run_with_deadline(&mut project.command(&index.url(), &["-o", "lock.fifo"]));
    assert!(output.status.success(), "{stderr}");
    assert!(reader.join().expect("reader").contains("alpha==1.0"));
}

#[test]
fn issue_9_the_output_cannot_be_an_input() {
    let index = IndexBuilder::new()
        .dist(Dist::wheel("alpha", "1.0").build())
        .start();
    let project = Project::new("alpha\n");
    std::os::unix::fs::symlink("requirements.in", project.path("link.txt")).expect("symlink");
    project.write("base.in", "-r requirements.in\n");
    for (inputs, output) in [
        (&["requirements.in"][..], "requirements.in"),
        (&["requirements.in"], "./requirements.in"),
        (&["requirements.in"], "link.txt"),
        (&["base.in"], "requirements.in"),
        (&["base.in", "-c", "requirements.in"], "requirements.in"),
    ] {
        let (result, stdout, stderr) =
            crate::run(&mut project.command(&index.url(), &[inputs, &["-o", output]].concat()));
        assert_eq!(
            result.status.code(),
            Some(2),
            "{inputs:?} -o {output}: {stderr}"
        );
        assert!(stderr.contains("is also an input"), "{stderr}");
        assert_eq!(stdout, "");
        assert_eq!(project.read("requirements.in"), "alpha\n");
    }
}

#[test]
fn issue_9_requirements_with_a_byte_order_mark_lock() {
    let index = IndexBuilder::new()
        .dist(Dist::wheel("alpha", "1.0").build())
        .start();
    let project = Project::new("\u{feff}alpha\n");
    let lock = project.lock(&index, &["requirements.in"]);
    assert!(lock.contains("alpha==1.0"), "{lock}");
}

#[test]
fn issue_9_deeply_nested_markers_are_an_error_not_an_abort() {
    let deep = |depth: usize| {
        format!(
            "beta ; {}python_version > '3'{}",
            "(".repeat(depth),
            ")".repeat(depth)
        )
    };
    let index = IndexBuilder::new()
        .dist(
            Dist::wheel("alpha", "1.0")
                .requires_dist(&deep(3000))
                .build(),
        )
        .dist(Dist::wheel("beta", "1.0").build())
        .start();
    let project = Project::new("alpha\n");
    let (output, stdout, stderr) = project.compile(&index, &[]);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(stdout, "");
    assert!(stderr.contains("alpha"), "{stderr}");
    assert!(stderr.contains("nest 3000 deep"), "{stderr}");
    assert!(
        stderr.len() < 2000,
        "the marker is not echoed whole: {stderr}"
    );

    let project = Project::new(&format!("# comment\n{}\n", deep(20_000)));
    let (output, _, stderr) = project.compile(&index, &[]);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("requirements.in:2"), "{stderr}");
    assert!(stderr.contains("nest 20000 deep"), "{stderr}");
}

#[test]
fn issue_9_a_page_too_large_names_the_url_the_limit_and_the_setting() {
    use std::io::Write as _;
    let index = IndexBuilder::new().project("alpha").start();
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder
        .write_all(&vec![b' '; 4 * 1024 * 1024])
        .expect("gzip in memory");
    let bomb = encoder.finish().expect("gzip in memory");
    index.serve(
        "/simple/alpha/",
        Canned::new("text/html", bomb).header("Content-Encoding", "gzip"),
    );
    let project = Project::new("alpha\n");
    let (output, _, stderr) = crate::run(
        project
            .command(&index.url(), &[])
            .env("HASHPIN_MAX_PAGE_MB", "1"),
    );
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("/simple/alpha/` is larger than the 1 MiB"),
        "{stderr}"
    );
    assert!(stderr.contains("hint: "), "{stderr}");
    assert!(stderr.contains("HASHPIN_MAX_PAGE_MB"), "{stderr}");

    let (output, _, stderr) = crate::run(
        project
            .command(&index.url(), &[])
            .env("HASHPIN_MAX_PAGE_MB", "lots"),
    );
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("invalid HASHPIN_MAX_PAGE_MB `lots`"),
        "{stderr}"
    );
}

#[test]
fn issue_9_a_remote_page_cannot_make_hashpin_read_local_files() {
    let local = tempfile::tempdir().expect("a directory");
    let wheel = Dist::wheel("alpha", "9.0").build();
    let path = local.path().join(wheel.filename());
    std::fs::write(&path, wheel.bytes()).expect("written");
    let good = Dist::wheel("alpha", "1.0").build();
    let index = IndexBuilder::new().dist(good.clone()).start();
    let page = format!(
        "<html><body>\
         <a href=\"file://{local}#sha256={sha9}\">{name9}</a>\n\
         <a href=\"javascript:alert(1)\">alpha-8.0-py3-none-any.whl</a>\n\
         <a href=\"data:application/zip;base64,AAAA\">alpha-7.0-py3-none-any.whl</a>\n\
         <a href=\"{url}#sha256={sha}\">{name}</a>\n\
         </body></html>",
        local = path.display(),
        sha9 = wheel.sha256(),
        name9 = wheel.filename(),
        url = index.file_url(good.filename()),
        sha = good.sha256(),
        name = good.filename(),
    );
    index.serve(
        "/simple/alpha/",
        Canned::new("text/html", page.into_bytes()),
    );
    let project = Project::new("alpha\n");
    let (output, lock, stderr) = project.compile(&index, &[]);
    assert!(output.status.success(), "{stderr}");
    assert!(lock.contains("alpha==1.0 "), "{lock}");
    assert!(!lock.contains("9.0"), "{lock}");
    assert!(stderr.contains("warning: skipped 1 link(s)"), "{stderr}");

    // A find-links directory the user names is read, as pip reads it.
    let (output, lock, stderr) = project.compile(
        &index,
        &["--find-links", &local.path().display().to_string()],
    );
    assert!(output.status.success(), "{stderr}");
    assert!(lock.contains("alpha==9.0 "), "{lock}");
}

#[test]
fn issue_9_credentials_in_bad_urls_are_never_printed() {
    const SECRET: &str = "s3cret";
    let typo = format!("http//user:{SECRET}@127.0.0.1:9/simple");
    let project = Project::new("alpha\n");
    project.write("pip.conf", &format!("[global]\nindex-url = {typo}\n"));
    project.write("options.in", &format!("--index-url {typo}\nalpha\n"));
    project.write(
        "direct.in",
        &format!("alpha @ https://user:{SECRET}@127.0.0.1:9/alpha-1.0-py3-none-any.whl\n"),
    );
    project.write(
        "typo-direct.in",
        &format!("alpha @ https//user:{SECRET}@127.0.0.1:9/alpha-1.0-py3-none-any.whl\n"),
    );
    project.write(
        "vcs.in",
        &format!("-e git+https://user:{SECRET}@127.0.0.1:9/x.git#egg=alpha\n"),
    );
    let index = "http://127.0.0.1:9/simple/";
    let runs: Vec<(&str, std::process::Command)> = vec![
        ("-i", {
            let mut command = project.bare(&["requirements.in", "-i", &typo]);
            command.args(crate::compile::TARGET);
            command
        }),
        ("PIP_INDEX_URL", {
            let mut command = project.bare(&["requirements.in"]);
            command
                .args(crate::compile::TARGET)
                .env("PIP_INDEX_URL", &typo);
            command
        }),
        ("pip.conf", {
            let mut command = project.bare(&["requirements.in"]);
            command
                .args(crate::compile::TARGET)
                .env("PIP_CONFIG_FILE", project.path("pip.conf"));
            command
        }),
        ("--index-url line", {
            let mut command = project.bare(&["options.in"]);
            command.args(crate::compile::TARGET);
            command
        }),
        ("direct URL", project.command(index, &["direct.in"])),
        (
            "direct URL typo",
            project.command(index, &["typo-direct.in"]),
        ),
        ("VCS", project.command(index, &["vcs.in"])),
    ];
    for (what, mut command) in runs {
        let (output, stdout, stderr) = crate::run(&mut command);
        assert_eq!(output.status.code(), Some(2), "{what}: {stderr}");
        assert!(!stderr.is_empty(), "{what}");
        for text in [&stdout, &stderr] {
            assert!(!text.contains(SECRET), "{what}: {text}");
        }
        assert!(stderr.contains("****@"), "{what}: {stderr}");
    }
    let (_, stdout, stderr) = crate::run(
        hashpin(project.cache.path())
            .current_dir(project.dir.path())
            .args(["check", "direct.in", "--offline", "--format", "json"]),
    );
    assert!(
        !stdout.contains(SECRET) && !stderr.contains(SECRET),
        "{stdout}{stderr}"
    );
}

#[test]
fn issue_9_a_file_uploaded_again_is_not_silently_re_pinned() {
    let first = Dist::wheel("alpha", "1.0").build();
    let index = IndexBuilder::new().dist(first.clone()).start();
    let project = Project::new("alpha\n");
    let args = ["-o", "requirements.txt"];
    let (output, _, stderr) = project.compile(&index, &args);
    assert!(output.status.success(), "{stderr}");
    let before = project.read("requirements.txt");

    // A new wheel for the same version is no re-upload.
    let extra = Dist::wheel("alpha", "1.0").tag("py312-none-any").build();
    index.add_dist(extra.clone());
    let (output, _, stderr) = project.compile(&index, &args);
    assert!(output.status.success(), "{stderr}");
    assert!(project.read("requirements.txt").contains(extra.sha256()));

    // The same filename with other bytes is.
    let again = Dist::wheel("alpha", "1.0").requires_dist("evil").build();
    assert_eq!(again.filename(), first.filename());
    assert_ne!(again.sha256(), first.sha256());
    index.add_dist(again.clone());
    index.add_dist(Dist::wheel("evil", "1.0").build());
    let locked = project.read("requirements.txt");
    let (output, stdout, stderr) = project.compile(&index, &args);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(stdout, "");
    assert!(stderr.contains(first.filename()), "{stderr}");
    assert!(stderr.contains(first.sha256()), "{stderr}");
    assert!(stderr.contains(again.sha256()), "{stderr}");
    assert!(stderr.contains("--allow-reupload alpha==1.0"), "{stderr}");
    assert_eq!(
        project.read("requirements.txt"),
        locked,
        "the lock is left alone"
    );
    assert_ne!(locked, before);

    let (output, _, stderr) = project.compile(
        &index,
        &["-o", "requirements.txt", "--allow-reupload", "alpha==1.0"],
    );
    assert!(output.status.success(), "{stderr}");
    let lock = project.read("requirements.txt");
    assert!(
        lock.contains(again.sha256()) && !lock.contains(first.sha256()),
        "{lock}"
    );
    assert!(lock.contains("--allow-reupload=alpha==1.0"), "{lock}");
}

#[test]
fn issue_9_check_reports_name_the_first_duplicate_and_blame_no_absent_flag() {
    let project = Project::new("");
    let hash = format!("--hash=sha256:{}", "a".repeat(64));
    project.write(
        "three.txt",
        &format!("alpha==1 {hash}\nalpha==1 {hash}\nalpha==1 {hash}\n"),
    );
    let (_, stdout, _) = crate::run(
        hashpin(project.cache.path())
            .current_dir(project.dir.path())
            .args(["check", "three.txt", "--offline"]),
    );
    assert_eq!(
        stdout.matches("(first at three.txt:1)").count(),
        2,
        "{stdout}"
    );

    project.write("empty.txt", "# nothing pinned yet\n");
    let (output, _, stderr) = crate::run(
        hashpin(project.cache.path())
            .current_dir(project.dir.path())
            .args([
                "check",
                "empty.txt",
                "--index-url",
                "http://127.0.0.1:9/simple/",
            ]),
    );
    assert!(output.status.success(), "{stderr}");
    assert!(!stderr.contains("--offline"), "{stderr}");
}

#[test]
fn issue_9_no_cache_wins_over_the_cache_directory_variable() {
    let index = IndexBuilder::new()
        .dist(Dist::wheel("alpha", "1.0").build())
        .start();
    let project = Project::new("alpha\n");
    // `hashpin` sets HASHPIN_CACHE_DIR for every test run.
    let (output, _, stderr) = project.compile(&index, &["--no-cache"]);
    assert!(output.status.success(), "{stderr}");
    let cached = std::fs::read_dir(project.cache.path())
        .expect("the cache directory")
        .count();
    assert_eq!(cached, 0, "nothing was cached");
}

#[test]
fn issue_9_bad_timeout_and_empty_ca_bundle_are_errors_not_ignored() {
    let project = Project::new("alpha\n");
    project.write("pip.conf", "[global]\ntimeout = abc\n");
    let (output, _, stderr) = crate::run(
        project
            .command("http://127.0.0.1:9/simple/", &[])
            .env("PIP_CONFIG_FILE", project.path("pip.conf")),
    );
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("pip.conf:2: invalid `timeout` value `abc`"),
        "{stderr}"
    );
    let (output, _, stderr) = crate::run(
        project
            .command("http://127.0.0.1:9/simple/", &[])
            .env("PIP_DEFAULT_TIMEOUT", "-3"),
    );
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("PIP_DEFAULT_TIMEOUT: invalid"), "{stderr}");

    project.write("empty.pem", "no certificate here\n");
    let (output, _, stderr) = crate::run(
        project
            .command("http://127.0.0.1:9/simple/", &[])
            .env("PIP_CERT", project.path("empty.pem")),
    );
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("holds no PEM certificate"), "{stderr}");
}

#[test]
fn issue_9_metadata_naming_another_project_is_refused() {
    let evil = "Metadata-Version: 2.1\nName: beta\nVersion: 6.6.6\nRequires-Dist: evil\n";
    let index = IndexBuilder::new()
        .dist(
            Dist::wheel("alpha", "1.0")
                .build()
                .serve_other_metadata(evil),
        )
        .dist(Dist::wheel("evil", "1.0").build())
        .start();
    let project = Project::new("alpha\n");
    let (output, stdout, stderr) = project.compile(&index, &[]);
    assert_ne!(output.status.code(), Some(0), "{stderr}");
    assert!(!stdout.contains("evil"), "{stdout}");
    assert!(stderr.contains("is for beta 6.6.6"), "{stderr}");
}

#[test]
fn issue_9_a_dependency_name_ending_in_a_dot_is_an_error_not_a_panic() {
    // Found by fuzzing: pep508_rs 0.9.2 panics on such names.
    let index = IndexBuilder::new()
        .dist(
            Dist::wheel("alpha", "1.0")
                .requires_dist("bee. (>=1)")
                .build(),
        )
        .start();
    let project = Project::new("alpha\n");
    let (output, _, stderr) = project.compile(&index, &[]);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        stderr.contains("`bee.` must end with a letter or digit"),
        "{stderr}"
    );
    project.write("requirements.in", "alpha-\n");
    let (output, _, stderr) = project.compile(&index, &[]);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("requirements.in:1"), "{stderr}");
}

/// An HTTPS server on 127.0.0.1 with a certificate from a CA of its own (made with `openssl`),
/// run by python3; answers 501 to everything. Returns the child, its port and the CA's path.
fn https_server(dir: &std::path::Path) -> (std::process::Child, u16, std::path::PathBuf) {
    let ca = dir.join("ca.pem");
    let cert = dir.join("cert.pem");
    let key = dir.join("key.pem");
    let extensions = dir.join("leaf.ext");
    std::fs::write(
        &extensions,
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n",
    )
    .expect("written");
    let openssl = |args: &[&std::ffi::OsStr]| {
        let made = std::process::Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("openssl runs (the TLS test needs it)");
        assert!(
            made.status.success(),
            "{}",
            String::from_utf8_lossy(&made.stderr)
        );
    };
    let os = |text: &'static str| std::ffi::OsStr::new(text);
    // A CA, and a server certificate it signs: rustls refuses a CA as the server's own.
    openssl(&[
        os("req"),
        os("-x509"),
        os("-newkey"),
        os("rsa:2048"),
        os("-nodes"),
        os("-days"),
        os("2"),
        os("-subj"),
        os("/CN=hashpin test CA"),
        os("-keyout"),
        os("ca.key"),
        os("-out"),
        ca.as_os_str(),
    ]);
    openssl(&[
        os("req"),
        os("-newkey"),
        os("rsa:2048"),
        os("-nodes"),
        os("-subj"),
        os("/CN=127.0.0.1"),
        os("-keyout"),
        key.as_os_str(),
        os("-out"),
        os("leaf.csr"),
    ]);
    openssl(&[
        os("x509"),
        os("-req"),
        os("-in"),
        os("leaf.csr"),
        os("-CA"),
        ca.as_os_str(),
        os("-CAkey"),
        os("ca.key"),
        os("-CAcreateserial"),
        os("-days"),
        os("2"),
        os("-extfile"),
        extensions.as_os_str(),
        os("-out"),
        cert.as_os_str(),
    ]);
    let script = "import http.server, ssl, sys\n\
        server = http.server.HTTPServer(('127.0.0.1', 0), http.server.BaseHTTPRequestHandler)\n\
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)\n\
        context.load_cert_chain(sys.argv[1], sys.argv[2])\n\
        server.socket = context.wrap_socket(server.socket, server_side=True)\n\
        print(server.server_address[1], flush=True)\n\
        server.serve_forever()\n";
    let mut child = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(&cert)
        .arg(&key)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("python3 runs");
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().expect("piped")),
        &mut line,
    )
    .expect("the server prints its port");
    let port = line.trim().parse().expect("a port");
    (child, port, ca)
}

#[test]
fn issue_9_an_untrusted_certificate_is_said_so_and_not_retried() {
    let project = Project::new("alpha\n");
    let (mut server, port, cert) = https_server(project.dir.path());
    let index = format!("https://127.0.0.1:{port}/simple/");
    let started = std::time::Instant::now();
    let (output, _, stderr) = crate::run(&mut project.command(&index, &[]));
    let took = started.elapsed();
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("TLS certificate"), "{stderr}");
    assert!(
        stderr.contains("is not trusted by the system's root certificates"),
        "{stderr}"
    );
    assert!(
        stderr.contains("hint: if a proxy intercepts TLS"),
        "{stderr}"
    );
    assert!(!stderr.contains("attempts"), "not retried: {stderr}");
    assert!(!stderr.contains("check the network"), "{stderr}");
    assert!(took < std::time::Duration::from_secs(10), "{took:?}");

    // Trusted through pip's `cert`, the same server answers (501: it serves nothing).
    let (output, _, stderr) = crate::run(project.command(&index, &[]).env("PIP_CERT", &cert));
    let _ = server.kill();
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("answered HTTP 501"), "{stderr}");
}

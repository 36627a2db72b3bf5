//! `hashpin show`.

use hashpin_testkit::{Dist, IndexBuilder, ServerOptions};

use crate::{hashpin, run};

fn index() -> hashpin_testkit::TestIndex {
    IndexBuilder::new()
        .dist(
            Dist::wheel("demo-pkg", "1.0")
                .requires_dist("dep>=2")
                .requires_python(">=3.8")
                .build(),
        )
        .dist(Dist::sdist("demo-pkg", "1.0").build())
        .dist(
            Dist::wheel("demo-pkg", "2.0")
                .yanked(Some("broken"))
                .build(),
        )
        .dist(Dist::wheel("demo-pkg", "1.5rc1").build())
        .start()
}

#[test]
fn shows_versions_files_and_dependencies() {
    let index = index();
    let cache = tempfile::tempdir().unwrap();
    let (output, stdout, stderr) =
        run(hashpin(cache.path()).args(["show", "Demo_Pkg", "--index-url", &index.url()]));
    assert!(output.status.success(), "{stderr}");
    assert!(stdout.starts_with("demo-pkg: 3 versions\n"), "{stdout}");
    assert!(
        stdout.contains("  2.0  1 file (yanked: broken)"),
        "{stdout}"
    );
    // The newest release that is neither yanked nor a pre-release is shown.
    assert!(stdout.contains("files of demo-pkg 1.0:"), "{stdout}");
    assert!(stdout.contains("demo_pkg-1.0-py3-none-any.whl"), "{stdout}");
    assert!(stdout.contains("demo_pkg-1.0.tar.gz"), "{stdout}");
    assert!(stdout.contains("Requires-Dist: dep>=2"), "{stdout}");
    assert!(stdout.contains("Requires-Python: >=3.8"), "{stdout}");
    assert_eq!(stderr, "");
}

#[test]
fn missing_project_is_a_clear_error() {
    let index = index();
    let cache = tempfile::tempdir().unwrap();
    let (output, stdout, stderr) =
        run(hashpin(cache.path()).args(["show", "nope", "--index-url", &index.url()]));
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(stdout, "");
    assert_eq!(
        stderr,
        format!("error: project `nope` was not found in `{}`\n", index.url())
    );
}

#[test]
fn credentials_never_reach_the_output() {
    let index = index();
    index.set_options(ServerOptions {
        basic_auth: Some(("user".into(), "right".into())),
        ..ServerOptions::default()
    });
    let cache = tempfile::tempdir().unwrap();
    let with_password = |password: &str| {
        index
            .url()
            .replace("http://", &format!("http://user:{password}@"))
    };

    let (output, stdout, stderr) = run(hashpin(cache.path()).args([
        "show",
        "demo-pkg",
        "--index-url",
        &with_password("right"),
    ]));
    assert!(output.status.success(), "{stderr}");
    assert!(!stdout.contains("right") && !stderr.contains("right"));

    let (output, _, stderr) = run(hashpin(cache.path()).args([
        "show",
        "demo-pkg",
        "--refresh",
        "-vv",
        "--index-url",
        &with_password("wrong-secret"),
    ]));
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr.contains("answered HTTP 401"), "{stderr}");
    assert!(stderr.contains("hint: "), "{stderr}");
    assert!(!stderr.contains("wrong-secret"), "{stderr}");
    for entry in walk(cache.path()) {
        let bytes = std::fs::read(&entry).unwrap();
        assert!(
            !String::from_utf8_lossy(&bytes).contains("right"),
            "{} holds the password",
            entry.display()
        );
    }
}

#[test]
fn offline_with_a_cold_cache_says_what_is_missing() {
    let index = index();
    let cache = tempfile::tempdir().unwrap();
    let (output, _, stderr) = run(hashpin(cache.path()).args([
        "show",
        "demo-pkg",
        "--offline",
        "--index-url",
        &index.url(),
    ]));
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr.contains("is not in the cache, and network access is disabled (--offline)"),
        "{stderr}"
    );
    assert!(index.requests().is_empty());

    // Warm the cache, then the same command works offline without a request.
    let (output, ..) =
        run(hashpin(cache.path()).args(["show", "demo-pkg", "--index-url", &index.url()]));
    assert!(output.status.success());
    index.clear_requests();
    let (output, _, stderr) = run(hashpin(cache.path()).args([
        "show",
        "demo-pkg",
        "--offline",
        "--index-url",
        &index.url(),
    ]));
    assert!(output.status.success(), "{stderr}");
    assert!(index.requests().is_empty());
}

#[test]
fn usage_errors_exit_2() {
    let cache = tempfile::tempdir().unwrap();
    let (output, _, stderr) = run(hashpin(cache.path()).args(["show"]));
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr.contains("Usage"), "{stderr}");
}

fn walk(directory: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(directory).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[test]
fn find_links_directory_and_file_index_work_without_a_server() {
    let wheel = Dist::wheel("local-pkg", "3.1").requires_dist("six").build();
    let root = tempfile::tempdir().unwrap();
    let wheels = root.path().join("wheels");
    std::fs::create_dir_all(&wheels).unwrap();
    std::fs::write(wheels.join(wheel.filename()), wheel.bytes()).unwrap();
    let cache = tempfile::tempdir().unwrap();

    let (output, stdout, stderr) = run(hashpin(cache.path()).args([
        "show",
        "local-pkg",
        "--no-index",
        "--find-links",
        wheels.to_str().unwrap(),
    ]));
    assert!(output.status.success(), "{stderr}");
    assert!(
        stdout.contains(&format!("sha256:{}", wheel.sha256())),
        "{stdout}"
    );
    assert!(stdout.contains("Requires-Dist: six"), "{stdout}");

    // A file: index laid out as PEP 503 directories with index.html pages.
    let page_dir = root.path().join("simple").join("local-pkg");
    std::fs::create_dir_all(&page_dir).unwrap();
    let href = format!(
        "../../wheels/{}#sha256={}",
        wheel.filename(),
        wheel.sha256()
    );
    std::fs::write(
        page_dir.join("index.html"),
        format!("<a href=\"{href}\">{}</a>", wheel.filename()),
    )
    .unwrap();
    let index_url = format!("file://{}/simple/", root.path().display());
    let (output, stdout, stderr) =
        run(hashpin(cache.path()).args(["show", "local-pkg", "--index-url", &index_url]));
    assert!(output.status.success(), "{stderr}");
    assert!(stdout.contains("Requires-Dist: six"), "{stdout}");
}

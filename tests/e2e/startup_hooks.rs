//! The startup-hook gate: a release whose wheel installs a `.pth` that runs code (the shape of
//! the litellm 1.82.8 case) is refused by `compile` and `check`, unless acknowledged; path
//! and namespace `.pth` files pass; an sdist-only release is named as not scanned.

use hashpin_testkit::{Dist, IndexBuilder};

use crate::compile::{Project, pin_list};
use crate::{hashpin, run};

/// A `.pth` that runs code at every interpreter start, harmless here.
const EXECUTABLE: &str = "import os; os.environ.get('HASHPIN_TEST_HOOK')\n";

fn app() -> Dist {
    Dist::wheel("app", "1.0").requires_dist("dep>=1").build()
}

#[test]
fn compile_refuses_a_new_release_with_an_executable_pth_and_keeps_the_lock() {
    let index = IndexBuilder::new()
        .dist(app())
        .dist(Dist::wheel("dep", "1.0").build())
        .start();
    let project = Project::new("app\n");
    let (done, _, stderr) = project.compile(&index, &["-o", "requirements.txt"]);
    assert!(done.status.success(), "{stderr}");
    assert!(
        !stderr.contains("startup hooks"),
        "nothing to tell: {stderr}"
    );
    let before = project.read("requirements.txt");

    // The next release of dep plants a hook.
    index.add_dist(
        Dist::wheel("dep", "1.1")
            .file("dep_init.pth", EXECUTABLE)
            .build(),
    );
    let (done, _, stderr) = project.compile(&index, &["-o", "requirements.txt", "--upgrade"]);
    assert_eq!(done.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(
            "dep==1.1: dep_init.pth (47 bytes, in dep-1.1-py3-none-any.whl): `import os; os.environ.get('HASHPIN_TEST_HOOK')`"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("acknowledge them with --allow-startup-hook dep:dep_init.pth"),
        "{stderr}"
    );
    assert_eq!(
        project.read("requirements.txt"),
        before,
        "the lock is untouched"
    );

    // Acknowledged, it is locked, and the status says so.
    let (done, _, stderr) = project.compile(
        &index,
        &[
            "-o",
            "requirements.txt",
            "--upgrade",
            "--allow-startup-hook",
            "dep:dep_init.pth",
        ],
    );
    assert!(done.status.success(), "{stderr}");
    assert!(stderr.contains("allowed: dep (dep_init.pth)"), "{stderr}");
    assert_eq!(
        pin_list(&project.read("requirements.txt")),
        "app==1.0 dep==1.1"
    );

    // A warm run scans nothing again: the scan is cached by the file's hash.
    index.clear_requests();
    let (done, _, stderr) = project.compile(
        &index,
        &["-o", "requirements.txt", "--allow-startup-hook", "dep"],
    );
    assert!(done.status.success(), "{stderr}");
    let wheel_reads: Vec<String> = index
        .requests()
        .into_iter()
        .filter(|request| request.path.contains("-py3-none-any.whl"))
        .map(|request| request.path)
        .collect();
    assert!(wheel_reads.is_empty(), "{wheel_reads:?}");
}

#[test]
fn path_and_namespace_pth_files_pass_and_hidden_or_other_hooks_do_not() {
    let nspkg = "import sys, types, os;has_mfs = sys.version_info > (3, 5);p = os.path.join(sys._getframe(1).f_locals['sitedir'], *('ns',));importlib = has_mfs and __import__('importlib.util');has_mfs and __import__('importlib.machinery');m = has_mfs and sys.modules.setdefault('ns', importlib.util.module_from_spec(importlib.machinery.PathFinder.find_spec('ns', [os.path.dirname(p)])));m = m or sys.modules.setdefault('ns', types.ModuleType('ns'));mp = (m or []) and m.__dict__.setdefault('__path__',[]);(p not in mp) and mp.append(p)\n";
    let index = IndexBuilder::new()
        .dist(
            Dist::wheel("ns-part", "1.0")
                .file("ns_part-1.0-py3.11-nspkg.pth", nspkg)
                .file("extra.pth", "# a path\nvendor\n")
                .file("ns_part/inner.pth", EXECUTABLE)
                .build(),
        )
        .dist(
            Dist::wheel("hidden", "1.0")
                .unrecorded_file("hidden.pth", EXECUTABLE)
                .build(),
        )
        .dist(
            Dist::wheel("custom", "1.0")
                .file("custom-1.0.data/purelib/sitecustomize.py", "print('hi')\n")
                .build(),
        )
        .dist(Dist::sdist("only-sdist", "1.0").build())
        .start();

    let project = Project::new("ns-part\nonly-sdist\n");
    let (done, stdout, stderr) = project.compile(&index, &[]);
    assert!(done.status.success(), "{stderr}");
    assert_eq!(pin_list(&stdout), "ns-part==1.0 only-sdist==1.0");
    assert!(
        stderr.contains(
            "Scanned 1 wheel for startup hooks; allowed: ns-part (namespace .pth, path .pth); not scanned: only-sdist==1.0 (no wheel)"
        ),
        "{stderr}"
    );

    let project = Project::new("hidden\ncustom\n");
    let (done, _, stderr) = project.compile(&index, &[]);
    assert_eq!(done.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("hidden==1.0: hidden.pth (47 bytes, in hidden-1.0-py3-none-any.whl; not in its RECORD, so an uninstall leaves it behind)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("custom==1.0: custom-1.0.data/purelib/sitecustomize.py (12 bytes"),
        "{stderr}"
    );
}

#[test]
fn check_applies_the_gate_to_any_lock() {
    let evil = Dist::wheel("dep", "1.1")
        .file("dep_init.pth", EXECUTABLE)
        .build();
    let index = IndexBuilder::new().dist(app()).dist(evil.clone()).start();
    let project = Project::new("");
    project.write(
        "requirements.txt",
        &format!("dep==1.1 \\\n    --hash=sha256:{}\n", evil.sha256()),
    );
    let check = |extra: &[&str]| {
        run(hashpin(project.cache.path())
            .current_dir(project.dir.path())
            .args(["check", "requirements.txt", "--index-url", &index.url()])
            .args(extra))
    };
    let (done, stdout, stderr) = check(&[]);
    assert_eq!(done.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stdout.contains("requirements.txt:1: error: `dep==1.1` installs a startup hook that runs code at every interpreter start: dep_init.pth (47 bytes")
            && stdout.contains("[startup-hook]"),
        "{stdout}"
    );
    let (done, stdout, stderr) = check(&["--allow-startup-hook", "dep"]);
    assert!(done.status.success(), "{stdout}{stderr}");
    assert!(stderr.contains("allowed: dep (dep_init.pth)"), "{stderr}");
}

#[test]
fn a_known_hook_that_is_new_or_changed_since_the_lock_is_refused_in_either_format() {
    let hook = |body: &str| format!("import sys; exec({body:?})\n");
    for output in ["requirements.txt", "pylock.toml"] {
        let index = IndexBuilder::new()
            .dist(
                Dist::wheel("coverage", "1.0")
                    .file("a1_coverage.pth", hook("pass"))
                    .build(),
            )
            .dist(Dist::wheel("setuptools", "1.0").build())
            .start();
        let project = Project::new("coverage\nsetuptools\n");
        let (done, _, stderr) = project.compile(&index, &["-o", output]);
        assert!(done.status.success(), "{output}: {stderr}");
        assert!(
            stderr.contains("allowed: coverage (a1_coverage.pth)"),
            "{stderr}"
        );
        let before = project.read(output);
        if output == "pylock.toml" {
            assert!(
                before.contains("startup-hooks = [\"a1_coverage.pth sha256:"),
                "a pylock records each hook: {before}"
            );
        }

        // The next releases: coverage's hook does something else, setuptools gains one.
        index.add_dist(
            Dist::wheel("coverage", "1.1")
                .file("a1_coverage.pth", hook("import os"))
                .build(),
        );
        index.add_dist(
            Dist::wheel("setuptools", "1.1")
                .file("distutils-precedence.pth", hook("import os"))
                .build(),
        );
        let (done, _, stderr) = project.compile(&index, &["-o", output, "--upgrade"]);
        assert_eq!(done.status.code(), Some(1), "{output}: {stderr}");
        assert!(
            stderr.contains("known startup hooks that are new or changed since the existing lock")
                && stderr
                    .contains("coverage 1.0 -> 1.1 changes its hook: a1_coverage.pth (30 bytes")
                && stderr.contains("setuptools 1.0 -> 1.1 adds a hook: distutils-precedence.pth ("),
            "{output}: {stderr}"
        );
        assert_eq!(project.read(output), before, "the lock is untouched");

        let (done, _, stderr) = project.compile(
            &index,
            &[
                "-o",
                output,
                "--upgrade",
                "--allow-startup-hook",
                "coverage:a1_coverage.pth,setuptools",
            ],
        );
        assert!(done.status.success(), "{output}: {stderr}");
        // Kept versions are not compared again.
        let (done, _, stderr) = project.compile(&index, &["-o", output]);
        assert!(done.status.success(), "{output}: {stderr}");
    }
}

#[test]
fn the_central_directory_read_for_metadata_is_scanned_without_asking_again() {
    // No PEP 658 metadata: the resolver reads the wheel's central directory by ranges.
    let dep = Dist::wheel("dep", "1.0")
        .pad_bytes(200_000)
        .advertise_metadata(false)
        .build();
    let index = IndexBuilder::new().dist(app()).dist(dep.clone()).start();
    let project = Project::new("app\n");
    project.lock(&index, &[]);
    let reads: Vec<String> = index
        .requests()
        .into_iter()
        .filter(|request| request.path.ends_with(dep.filename()))
        .filter_map(|request| request.header("range").map(str::to_string))
        .collect();
    assert!(!reads.is_empty(), "metadata by ranges");
    assert!(
        !reads.iter().any(|range| range == "bytes=-16384"),
        "the gate read the tail again: {reads:?}"
    );
}

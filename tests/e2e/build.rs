//! Sdists built for their metadata: an in-tree PEP 517 backend (so no backend is downloaded),
//! build requirements served by the loopback index and installed with hashes, the cache that
//! makes a warm run build nothing, failures, the time limit, isolation, and the controls.

use std::time::{Duration, Instant};

use hashpin_testkit::{Dist, InTreeBackend, IndexBuilder, TestIndex};

use crate::compile::{Project, pin_list, pip_install, require_pip};
use crate::run;

/// `built` 1.0: an sdist whose dependencies only its backend tells, built with `helper`
/// (declared) and `helper2` (from `get_requires_for_build_wheel`), both imported by it.
fn index_with(backend: InTreeBackend) -> TestIndex {
    IndexBuilder::new()
        .dist(
            Dist::sdist("built", "1.0")
                .requires_dist("dep>=1")
                .in_tree_backend(backend)
                .build(),
        )
        .dist(Dist::wheel("dep", "1.0").build())
        .dist(Dist::wheel("helper", "1.0").build())
        .dist(Dist::wheel("helper2", "2.0").build())
        .start()
}

fn full_backend() -> InTreeBackend {
    InTreeBackend {
        requires: vec!["helper".into()],
        extra_requires: vec!["helper2>=2".into()],
        imports: vec!["helper".into(), "helper2".into()],
        ..InTreeBackend::default()
    }
}

#[test]
fn an_sdist_is_built_for_its_dependencies_and_pip_installs_the_lock() {
    require_pip();
    let index = index_with(full_backend());
    let project = Project::new("built\n");
    let args = ["-o", "requirements.txt", "--index-url", &index.url()];
    let (output, _, stderr) = run(&mut project.bare(&args));
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("; built 1 sdist"), "{stderr}");
    let lock = project.read("requirements.txt");
    // The build requirements are not the project's requirements.
    assert_eq!(pin_list(&lock), "built==1.0 dep==1.0", "{lock}");
    assert!(lock.contains("    # via built\n"), "{lock}");

    // Warm: the metadata comes from the cache, keyed by the sdist's hash; nothing is built.
    let (output, _, stderr) = run(&mut project.bare(&args));
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("; 1 sdist built before\n"), "{stderr}");
    assert!(!stderr.contains("; built"), "{stderr}");
    assert_eq!(project.read("requirements.txt"), lock);

    // pip builds the sdist itself at install time, from the lock's hash-checked file.
    assert_pip_installs(&project, &index, &["built-1.0.dist-info", "dep"]);
}

/// Real pip installs the project's `requirements.txt` with `--require-hashes`, and these
/// paths are in what it installed.
fn assert_pip_installs(project: &Project, index: &TestIndex, installed: &[&str]) {
    let target = tempfile::tempdir().expect("an install directory");
    let (output, stdout, stderr) = pip_install(project, index, target.path());
    let lock = project.read("requirements.txt");
    assert!(
        output.status.success(),
        "pip refused the lock:\n{lock}\n{stdout}\n{stderr}"
    );
    for path in installed {
        assert!(target.path().join(path).exists(), "no {path}: {stdout}");
    }
}

#[test]
fn metadata_comes_from_build_wheel_when_the_backend_cannot_prepare_it() {
    let index = index_with(InTreeBackend {
        wheel_only: true,
        ..full_backend()
    });
    let project = Project::new("built\n");
    let lock = project.lock(&index, &[]);
    assert_eq!(pin_list(&lock), "built==1.0 dep==1.0", "{lock}");
}

#[test]
fn a_failing_build_names_the_release_and_ends_with_its_log_and_the_lock_is_kept() {
    let index = index_with(InTreeBackend {
        fail: true,
        ..full_backend()
    });
    let project = Project::new("built\n");
    project.write("requirements.txt", "# the old lock\n");
    let (output, _, stderr) = project.compile(&index, &["-o", "requirements.txt"]);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    for expected in [
        "cannot build `built` 1.0 for its metadata",
        "its build backend failed in prepare_metadata_for_build_wheel (exit code 1)",
        "  | compiling the thing",
        "RuntimeError: this backend always fails",
    ] {
        assert!(stderr.contains(expected), "{expected}:\n{stderr}");
    }
    assert_eq!(project.read("requirements.txt"), "# the old lock\n");
}

#[test]
fn a_build_past_its_time_limit_is_stopped() {
    let index = index_with(InTreeBackend {
        hang: true,
        ..full_backend()
    });
    let project = Project::new("built\n");
    let started = Instant::now();
    let (output, _, stderr) = project.compile(&index, &["--build-timeout", "2"]);
    assert!(!output.status.success(), "{stderr}");
    assert!(
        stderr.contains(
            "its build ran past the time limit of 2 s in prepare_metadata_for_build_wheel"
        ),
        "{stderr}"
    );
    assert!(started.elapsed() < Duration::from_mins(1), "{stderr}");
}

#[test]
fn the_build_sees_no_tokens_index_settings_or_python_path() {
    let index = index_with(InTreeBackend {
        check_isolation: true,
        ..full_backend()
    });
    let project = Project::new("built\n");
    let (output, _, stderr) = run(project
        .command(&index.url(), &[])
        .env("DEPLOY_TOKEN", "secret")
        .env("PYTHONPATH", "/nowhere"));
    assert!(output.status.success(), "{stderr}");
}

#[test]
fn no_build_passes_over_what_needs_a_build_and_says_so() {
    let index = index_with(full_backend());
    for flags in [&["--no-build"][..], &["--no-build-package", "built"]] {
        let project = Project::new("built\n");
        let (output, _, stderr) = project.compile(&index, flags);
        assert_eq!(output.status.code(), Some(1), "{stderr}");
        let flag = flags[0];
        assert!(
            stderr.contains(&format!(
                "no usable version of `built` exists (built 1.0 must be built to tell its dependencies, and {flag} forbids it)"
            )),
            "{stderr}"
        );
        assert!(
            stderr.contains(&format!("warning: skipped built 1.0: its dependencies are known only by building it, and {flag} forbids it")),
            "{stderr}"
        );
    }
}

#[test]
fn only_binary_and_no_binary_choose_which_files_are_locked() {
    let wheel = Dist::wheel("both", "1.0").build();
    let sdist = Dist::sdist("both", "1.0").build();
    let index = IndexBuilder::new()
        .dist(wheel.clone())
        .dist(sdist.clone())
        .dist(Dist::sdist("sdist-only", "1.0").build())
        .start();
    let project = Project::new("both\n");
    let hashes = |lock: &str| (lock.contains(wheel.sha256()), lock.contains(sdist.sha256()));
    assert_eq!(hashes(&project.lock(&index, &[])), (true, true));
    assert_eq!(
        hashes(&project.lock(&index, &["--only-binary", ":all:"])),
        (true, false)
    );
    assert_eq!(
        hashes(&project.lock(&index, &["--no-binary", "both"])),
        (false, true)
    );
    // A name beats :all: of the other flag, and a requirements file may say it too.
    project.write(
        "requirements.in",
        "--no-binary :all:\n--only-binary both\nboth\n",
    );
    assert_eq!(hashes(&project.lock(&index, &[])), (true, false));

    let project = Project::new("sdist-only\n");
    let (output, _, stderr) = project.compile(&index, &["--only-binary", ":all:"]);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("(sdist-only 1.0 has no file that --only-binary allows)"),
        "{stderr}"
    );
}

/// A stand-in for setuptools on the loopback index: its `build_meta.__legacy__` backend (the
/// one a project without `[build-system]` is built with) answers from a file of the project.
fn fake_setuptools() -> Dist {
    Dist::wheel("setuptools", "80.0")
        .file(
            "setuptools/build_meta.py",
            "import os\n\n\
             class _Legacy:\n\
             \x20   def get_requires_for_build_wheel(self, config_settings=None):\n\
             \x20       return []\n\n\
             \x20   def prepare_metadata_for_build_wheel(self, metadata_directory, config_settings=None):\n\
             \x20       assert os.path.exists('setup.py'), 'no setup.py here'\n\
             \x20       with open('metadata-for-test.txt', encoding='utf-8') as f:\n\
             \x20           text = f.read()\n\
             \x20       target = os.path.join(metadata_directory, 'legacy-0.1.dist-info')\n\
             \x20       os.makedirs(target)\n\
             \x20       with open(os.path.join(target, 'METADATA'), 'w', encoding='utf-8') as f:\n\
             \x20           f.write(text)\n\
             \x20       return 'legacy-0.1.dist-info'\n\n\
             __legacy__ = _Legacy()\n",
        )
        .build()
}

#[test]
fn a_setuptools_project_is_built_with_the_legacy_backend_for_its_dependencies() {
    let index = IndexBuilder::new()
        .dist(fake_setuptools())
        .dist(Dist::wheel("dep", "1.0").build())
        .dist(Dist::wheel("devtool", "2.0").build())
        .start();
    let project = Project::new("-e ./legacy[dev]\n");
    std::fs::create_dir_all(project.path("legacy")).expect("a directory");
    project.write("legacy/setup.py", "from setuptools import setup\nsetup()\n");
    project.write(
        "legacy/metadata-for-test.txt",
        "Metadata-Version: 2.1\nName: legacy\nVersion: 0.1\nRequires-Dist: dep\nProvides-Extra: dev\nRequires-Dist: devtool; extra == 'dev'\n",
    );
    let (output, lock, stderr) = project.compile(&index, &[]);
    assert!(output.status.success(), "{stderr}");
    assert_eq!(pin_list(&lock), "dep==1.0 devtool==2.0", "{lock}");
    assert!(lock.contains("# via legacy (legacy/setup.py)"), "{lock}");
    assert!(stderr.contains("; built 1 local project\n"), "{stderr}");
    assert!(
        lock.contains("run `pip install --no-deps -e './legacy[dev]'`"),
        "{lock}"
    );

    // Warm: nothing is built until one of the files that define the project changes.
    let (output, _, stderr) = project.compile(&index, &[]);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("; 1 local project built before\n"),
        "{stderr}"
    );
    project.write(
        "legacy/setup.py",
        "from setuptools import setup\nsetup(name='legacy')\n",
    );
    let (output, _, stderr) = project.compile(&index, &[]);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("; built 1 local project\n"), "{stderr}");
    // A file beside setup.py that it reads (here, the stand-in backend's answer) counts too;
    // --refresh builds again whatever the cache holds.
    project.write(
        "legacy/metadata-for-test.txt",
        "Metadata-Version: 2.1\nName: legacy\nVersion: 0.1\nRequires-Dist: dep\nRequires-Dist: devtool\nProvides-Extra: dev\n",
    );
    let (output, lock, stderr) = project.compile(&index, &[]);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("; built 1 local project\n"), "{stderr}");
    assert_eq!(pin_list(&lock), "dep==1.0 devtool==2.0", "{lock}");
    let (output, _, stderr) = project.compile(&index, &["--refresh"]);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("; built 1 local project\n"), "{stderr}");

    // setup.py as the input: the project's own dependencies, no extra unless asked.
    let (output, lock, stderr) = project.compile(&index, &["legacy/setup.py"]);
    assert!(output.status.success(), "{stderr}");
    assert_eq!(pin_list(&lock), "dep==1.0 devtool==2.0", "{lock}");

    let (output, _, stderr) = project.compile(&index, &["--no-build"]);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("requirements.in:1: `./legacy[dev]` can only be locked by building it, and --no-build forbids it"),
        "{stderr}"
    );
}

#[test]
fn a_local_project_with_dynamic_dependencies_is_built_with_its_own_backend() {
    let index = index_with(full_backend());
    // The same tree as the `built` sdist, unpacked where a project would be checked out.
    let sdist = Dist::sdist("mine", "0.3")
        .requires_dist("dep>=1")
        .provides_extra("test")
        .requires_dist("helper; extra == 'test'")
        .in_tree_backend(full_backend())
        .build();
    let project = Project::new("./mine\n");
    sdist.unpack_into(&project.path("mine"));
    let lock = project.lock(&index, &[]);
    assert_eq!(pin_list(&lock), "dep==1.0", "{lock}");
    project.write("requirements.in", "./mine[test]\n");
    let lock = project.lock(&index, &[]);
    assert_eq!(pin_list(&lock), "dep==1.0 helper==1.0", "{lock}");
    assert!(lock.contains("# via mine (mine/pyproject.toml)"), "{lock}");
}

#[test]
fn an_archive_by_url_is_locked_by_its_hash_and_pip_installs_it() {
    require_pip();
    let wheel = Dist::wheel("archive", "1.0").requires_dist("dep").build();
    let sdist = Dist::sdist("dynamic", "0.5")
        .requires_dist("dep")
        .in_tree_backend(full_backend())
        .build();
    let index = IndexBuilder::new()
        .dist(wheel.clone())
        .dist(sdist.clone())
        .dist(Dist::wheel("archive", "2.0").build())
        .dist(Dist::wheel("dep", "1.0").build())
        .dist(Dist::wheel("helper", "1.0").build())
        .dist(Dist::wheel("helper2", "2.0").build())
        .start();
    let wheel_url = index.file_url(wheel.filename());
    let sdist_url = index.file_url(sdist.filename());
    let project = Project::new(&format!(
        "archive @ {wheel_url}#sha256={}\ndynamic @ {sdist_url}\n",
        wheel.sha256()
    ));
    let args = ["-o", "requirements.txt", "--index-url", &index.url()];
    let (output, _, stderr) = run(&mut project.bare(&args));
    assert!(output.status.success(), "{stderr}");
    let lock = project.read("requirements.txt");
    assert!(
        lock.contains(&format!(
            "archive @ {wheel_url} \\\n    --hash=sha256:{}\n",
            wheel.sha256()
        )),
        "{lock}"
    );
    assert!(
        lock.contains(&format!(
            "dynamic @ {sdist_url} \\\n    --hash=sha256:{}\n",
            sdist.sha256()
        )),
        "{lock}"
    );
    assert!(lock.contains("dep==1.0"), "{lock}");
    assert!(stderr.contains("built 1 sdist"), "{stderr}");

    assert_pip_installs(
        &project,
        &index,
        &["archive-1.0.dist-info", "dynamic-0.5.dist-info"],
    );

    // A fragment or --hash that the file does not match is refused, naming the line.
    let wrong = "0".repeat(64);
    for line in [
        format!("archive @ {wheel_url}#sha256={wrong}\n"),
        format!("archive @ {wheel_url} --hash=sha256:{wrong}\n"),
    ] {
        project.write("requirements.in", &line);
        let (output, _, stderr) = project.compile(&index, &[]);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains("requirements.in:1: cannot lock `archive` by URL"),
            "{stderr}"
        );
        assert!(stderr.contains("hash"), "{stderr}");
    }
}

#[test]
fn credentials_in_an_archive_url_go_to_its_host_and_nowhere_else() {
    let wheel = Dist::wheel("archive", "1.0").build();
    let index = IndexBuilder::new().dist(wheel.clone()).start();
    let url = index.file_url(wheel.filename());
    let with_secret = url.replacen("http://", "http://user:s3cret@", 1);
    let project = Project::new(&format!("archive @ {with_secret}\n"));
    let (output, lock, stderr) = project.compile(&index, &["-v"]);
    assert!(output.status.success(), "{stderr}");
    assert!(lock.contains(&format!("archive @ {url} \\\n")), "{lock}");
    assert!(
        !lock.contains("s3cret") && !stderr.contains("s3cret"),
        "{lock}{stderr}"
    );
    let sent = index
        .requests()
        .into_iter()
        .find(|request| request.path.ends_with(wheel.filename()))
        .expect("the archive was fetched");
    assert!(
        sent.header("authorization")
            .is_some_and(|value| value.starts_with("Basic ")),
        "{sent:?}"
    );
}

/// Whether any process's command line mentions every one of `texts` (Linux: /proc).
fn any_process_mentions(texts: &[&str]) -> bool {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| std::fs::read(entry.path().join("cmdline")).ok())
        .any(|cmdline| {
            let cmdline = String::from_utf8_lossy(&cmdline);
            texts.iter().all(|text| cmdline.contains(text))
        })
}

#[cfg(target_os = "linux")]
#[test]
fn an_interrupted_run_stops_its_builds_and_removes_their_scratch() {
    let index = index_with(InTreeBackend {
        hang: true,
        ..full_backend()
    });
    let project = Project::new("built\n");
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let child = project
        .command(&index.url(), &[])
        .env("TMPDIR", tmp.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("hashpin starts");
    let marker = tmp.path().to_string_lossy().into_owned();
    let started = Instant::now();
    // Until the hook is running (its command line names the runner in the scratch directory).
    while !any_process_mentions(&[
        &format!("{marker}/hashpin-build-"),
        "hashpin_hook_runner.py",
    ]) {
        assert!(
            started.elapsed() < Duration::from_mins(1),
            "the build never started"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let output = child.wait_with_output().expect("hashpin ends");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    let left: Vec<_> = std::fs::read_dir(tmp.path())
        .expect("readable")
        .flatten()
        .map(|entry| entry.file_name())
        .collect();
    assert!(left.is_empty(), "{left:?}");
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        !any_process_mentions(&[&marker]),
        "a build outlived the run"
    );
}

#[test]
fn check_complete_builds_what_it_must_to_know_the_dependencies() {
    let index = index_with(full_backend());
    let project = Project::new("built\n");
    let sdist = index.dist("built-1.0.tar.gz").expect("served");
    project.write(
        "requirements.txt",
        &format!("built==1.0 --hash=sha256:{}\n", sdist.sha256()),
    );
    let check = |extra: &[&str]| {
        run(crate::hashpin(project.cache.path())
            .current_dir(project.dir.path())
            .args(["check", "requirements.txt", "--complete"])
            .args(extra)
            .args(crate::compile::TARGET)
            .args(["--index-url", &index.url()]))
    };
    let (output, stdout, stderr) = check(&[]);
    assert_eq!(output.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stdout.contains("`built==1.0` requires `dep>=1`, which is not pinned"),
        "{stdout}"
    );
    // Not allowed to build: the dependencies are unknown, and the lock is not complete.
    let (output, stdout, stderr) = check(&["--no-build"]);
    assert_eq!(output.status.code(), Some(1), "{stdout}{stderr}");
    assert!(stdout.contains("not known to be complete"), "{stdout}");
}

#[test]
fn show_marks_sdist_only_versions_and_builds_for_their_metadata() {
    let index = index_with(full_backend());
    let project = Project::new("");
    let (output, stdout, stderr) = run(crate::hashpin(project.cache.path())
        .current_dir(project.dir.path())
        .args(["show", "built", "--index-url", &index.url()]));
    assert!(output.status.success(), "{stderr}");
    assert!(stdout.contains("  1.0  1 file, sdist only"), "{stdout}");
    assert!(
        stdout.contains(
            "metadata of built 1.0 (from built-1.0.tar.gz, built):\n  Requires-Dist: dep>=1"
        ),
        "{stdout}"
    );
}

#[test]
fn build_constraints_pin_what_the_lock_s_sdists_build_with_by_hash() {
    let index = index_with(full_backend());
    let project = Project::new("built\n");
    let (output, lock, stderr) = project.compile(
        &index,
        &["--write-build-constraints", "build-constraints.txt"],
    );
    assert!(output.status.success(), "{stderr}");
    assert_eq!(pin_list(&lock), "built==1.0 dep==1.0", "{lock}");
    let constraints = project.read("build-constraints.txt");
    assert_eq!(
        pin_list(&constraints),
        "helper==1.0 helper2==2.0",
        "{constraints}"
    );
    for name in ["helper", "helper2"] {
        let wheel = index
            .dists()
            .into_iter()
            .find(|dist| dist.name() == name)
            .expect("served");
        assert!(
            constraints.contains(&format!("--hash=sha256:{}", wheel.sha256())),
            "{constraints}"
        );
    }
    assert!(
        constraints.contains("# via build of built==1.0"),
        "{constraints}"
    );
    assert!(
        constraints.contains("--write-build-constraints=build-constraints.txt"),
        "{constraints}"
    );

    // A lock of wheels only builds nothing at install: nothing to write.
    project.write("requirements.in", "dep\n");
    std::fs::remove_file(project.path("build-constraints.txt")).expect("removed");
    let (output, _, stderr) = project.compile(
        &index,
        &["--write-build-constraints", "build-constraints.txt"],
    );
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("no build constraints to write"), "{stderr}");
    assert!(!project.path("build-constraints.txt").exists());
}

#[test]
fn a_local_project_by_file_url_is_locked_without_its_absolute_path() {
    let index = IndexBuilder::new()
        .dist(Dist::wheel("dep", "1.0").build())
        .start();
    let project = Project::new("");
    std::fs::create_dir_all(project.path("libs/mine")).expect("a directory");
    project.write(
        "libs/mine/pyproject.toml",
        "[project]\nname = \"mine\"\nversion = \"1\"\ndependencies = [\"dep\"]\n",
    );
    let absolute = std::fs::canonicalize(project.path("libs/mine")).expect("exists");
    let url = url::Url::from_directory_path(&absolute).expect("a file URL");
    project.write("requirements.in", &format!("mine @ {url}\n"));
    let lock = project.lock(&index, &[]);
    assert_eq!(pin_list(&lock), "dep==1.0", "{lock}");
    assert!(
        lock.contains("run `pip install --no-deps libs/mine`"),
        "{lock}"
    );
    let home = absolute.to_string_lossy();
    assert!(
        !lock.contains(&*home),
        "an absolute path in the lock: {lock}"
    );
}

#[test]
fn an_upload_cutoff_does_not_apply_to_an_archive_by_url() {
    let wheel = Dist::wheel("archive", "1.0").requires_dist("dep").build();
    let index = IndexBuilder::new()
        .dist(wheel.clone())
        .dist(
            Dist::wheel("dep", "1.0")
                .upload_time("2024-01-01T00:00:00Z")
                .build(),
        )
        .start();
    let project = Project::new(&format!("archive @ {}\n", index.file_url(wheel.filename())));
    let lock = project.lock(&index, &["--exclude-newer", "2025-01-01"]);
    assert_eq!(pin_list(&lock), "dep==1.0", "{lock}");
    assert!(lock.contains("\narchive @ http"), "{lock}");
}

#[test]
fn a_local_project_satisfies_a_requirement_on_its_name_never_the_index() {
    // Dependency confusion: `app` requires `six`, which is also a local project here. The
    // index's `six` must not be locked in its place, nor even looked up.
    let index = IndexBuilder::new()
        .dist(Dist::wheel("six", "1.17.0").build())
        .dist(Dist::wheel("dep", "1.0").build())
        .start();
    let project = Project::new("./app\n./six_local\n");
    for (dir, text) in [
        (
            "app",
            "[project]\nname = \"app\"\nversion = \"1\"\ndependencies = [\"six>=1\"]\n",
        ),
        (
            "six_local",
            "[project]\nname = \"six\"\nversion = \"99.0\"\ndependencies = [\"dep\"]\n",
        ),
    ] {
        std::fs::create_dir_all(project.path(dir)).expect("a directory");
        project.write(&format!("{dir}/pyproject.toml"), text);
    }
    let lock = project.lock(&index, &[]);
    assert_eq!(pin_list(&lock), "dep==1.0", "{lock}");
    assert!(!lock.contains("six=="), "{lock}");
    assert!(
        !index
            .requests()
            .iter()
            .any(|request| request.path.contains("/six")),
        "the index was asked for six: {:?}",
        index.requests()
    );
    // A requirement the local project does not satisfy is an error, not the index's answer.
    project.write(
        "app/pyproject.toml",
        "[project]\nname = \"app\"\nversion = \"1\"\ndependencies = [\"six>=100\"]\n",
    );
    let (output, _, stderr) = project.compile(&index, &[]);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("six"), "{stderr}");
}

#[test]
fn a_project_whose_backend_keeps_its_dependencies_elsewhere_is_built() {
    // poetry's shape: no [project] table, a backend that reads its own table.
    let index = IndexBuilder::new()
        .dist(Dist::wheel("dep", "1.0").build())
        .start();
    let project = Project::new("-e ./poet\n");
    std::fs::create_dir_all(project.path("poet")).expect("a directory");
    project.write(
        "poet/pyproject.toml",
        "[tool.fake]\nname = \"poet\"\n\n[build-system]\nrequires = []\nbuild-backend = \"backend\"\nbackend-path = [\".\"]\n",
    );
    project.write(
        "poet/backend.py",
        "import os\n\ndef prepare_metadata_for_build_wheel(directory, config_settings=None):\n    os.makedirs(os.path.join(directory, 'poet-0.1.dist-info'))\n    with open(os.path.join(directory, 'poet-0.1.dist-info', 'METADATA'), 'w') as f:\n        f.write('Metadata-Version: 2.1\\nName: poet\\nVersion: 0.1\\nRequires-Dist: dep\\n')\n    return 'poet-0.1.dist-info'\n",
    );
    let lock = project.lock(&index, &[]);
    assert_eq!(pin_list(&lock), "dep==1.0", "{lock}");
    assert!(lock.contains("# via poet (poet/pyproject.toml)"), "{lock}");

    // Nothing to build at all: said plainly.
    project.write("poet/pyproject.toml", "[tool.fake]\nname = \"poet\"\n");
    let (output, _, stderr) = project.compile(&index, &[]);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("there is nothing to lock"), "{stderr}");
}

#[test]
fn an_archive_of_a_commit_is_built_for_its_version_and_locked_by_its_hash() {
    // What the VCS message suggests: a forge's archive of a commit, `COMMIT.tar.gz`, whose
    // name tells no version.
    let index = index_with(full_backend());
    let tree = Dist::sdist("forged", "3.1")
        .requires_dist("dep")
        .in_tree_backend(full_backend())
        .build();
    index.serve(
        "/owner/forged/archive/0e322af87745.tar.gz",
        hashpin_testkit::Canned::new("application/gzip", tree.bytes().to_vec()),
    );
    let url = format!(
        "{}/owner/forged/archive/0e322af87745.tar.gz",
        index.base_url()
    );
    let project = Project::new(&format!("forged @ {url}\n"));
    let (output, lock, stderr) = project.compile(&index, &[]);
    assert!(output.status.success(), "{stderr}");
    assert!(
        lock.contains(&format!(
            "forged @ {url} \\\n    --hash=sha256:{}\n",
            tree.sha256()
        )),
        "{lock}"
    );
    assert_eq!(pin_list(&lock), "dep==1.0", "{lock}");
    // Warm: built before.
    let (output, _, stderr) = project.compile(&index, &[]);
    assert!(output.status.success(), "{stderr}");
    assert!(!stderr.contains("; built"), "{stderr}");

    // It must be the project the line names.
    project.write("requirements.in", &format!("other @ {url}\n"));
    let (output, _, stderr) = project.compile(&index, &[]);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("the archive is a distribution of `forged`, not of `other`"),
        "{stderr}"
    );
}

#[test]
fn a_lock_elsewhere_names_local_projects_from_where_it_is() {
    let index = IndexBuilder::new()
        .dist(Dist::wheel("dep", "1.0").build())
        .start();
    let project = Project::new("-e ./libs/sub\n");
    std::fs::create_dir_all(project.path("libs/sub")).expect("a directory");
    project.write(
        "libs/sub/pyproject.toml",
        "[project]\nname = \"sub\"\nversion = \"1\"\ndependencies = [\"dep\"]\n",
    );
    // The lock's directory does not exist yet: it is made.
    let (output, _, stderr) = project.compile(&index, &["-o", "locks/linux/requirements.txt"]);
    assert!(output.status.success(), "{stderr}");
    let lock = project.read("locks/linux/requirements.txt");
    assert!(
        lock.contains("run `pip install --no-deps -e ../../libs/sub`"),
        "{lock}"
    );
    assert!(
        lock.contains("--output-file=locks/linux/requirements.txt"),
        "{lock}"
    );
}

#[test]
fn a_built_archive_behind_credentials_is_downloaded_again_with_them() {
    // The archive's server requires Basic auth, the index does not: the URL's credentials
    // must reach both the first download and the build's, and be shown nowhere.
    let sdist = Dist::sdist("dynamic", "0.5")
        .requires_dist("dep")
        .in_tree_backend(full_backend())
        .build();
    let files = IndexBuilder::new()
        .dist(sdist.clone())
        .options(hashpin_testkit::ServerOptions {
            basic_auth: Some(("user".into(), "s3cret".into())),
            ..hashpin_testkit::ServerOptions::default()
        })
        .start();
    let index = index_with(full_backend());
    let url = files.file_url(sdist.filename());
    let with_secret = url.replacen("http://", "http://user:s3cret@", 1);
    let project = Project::new(&format!("dynamic @ {with_secret}\n"));
    let (output, lock, stderr) = project.compile(&index, &[]);
    assert!(output.status.success(), "{stderr}");
    assert!(lock.contains(&format!("dynamic @ {url} \\\n")), "{lock}");
    assert!(stderr.contains("built 1 sdist"), "{stderr}");
    assert!(
        !lock.contains("s3cret") && !stderr.contains("s3cret"),
        "{lock}{stderr}"
    );
    let fetches = files
        .requests()
        .into_iter()
        .filter(|request| request.path.ends_with(sdist.filename()))
        .collect::<Vec<_>>();
    assert!(
        fetches.len() >= 2 && fetches.iter().all(|request| request.status == 200),
        "{fetches:?}"
    );
    assert!(
        index
            .requests()
            .iter()
            .all(|request| request.header("authorization").is_none()),
        "the credentials went to another origin"
    );
}

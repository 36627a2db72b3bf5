//! pylock.toml (PEP 751): written by `compile -o pylock.toml`, validated by `packaging`,
//! installed by pip and by uv (and refused by both once a hash is wrong); pylocks that uv and
//! `pip lock` write are read by `check`, `export` and `compile`.
//!
//! pip >= 26.1, packaging and uv come from `$HASHPIN_TEST_TOOLS`, the virtual environment
//! `scripts/test.sh` makes (README's test command). These tests are never skipped: without
//! the tools they fail, saying so.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use hashpin_testkit::{Dist, IndexBuilder, TestIndex};
use tempfile::TempDir;

use crate::compile::{Project, pin_list};
use crate::{hashpin, run};

/// The virtual environment of test tools.
pub(crate) fn tools() -> PathBuf {
    let dir = std::env::var_os("HASHPIN_TEST_TOOLS").map_or_else(|| {
        panic!(
            "these tests drive pip >= 26.1, packaging and uv: run the tests with scripts/test.sh, which installs them (or set HASHPIN_TEST_TOOLS to a virtual environment that has them)"
        )
    }, PathBuf::from);
    assert!(
        dir.join("bin/python").exists() && dir.join("bin/uv").exists(),
        "HASHPIN_TEST_TOOLS={} has no bin/python or bin/uv; scripts/test.sh makes it",
        dir.display()
    );
    dir
}

/// A tool of the tools' environment, isolated from the machine's pip and uv configuration.
fn tool(name: &str, dir: &Path) -> Command {
    let mut command = Command::new(tools().join("bin").join(name));
    for (variable, _) in std::env::vars_os() {
        let variable = variable.to_string_lossy();
        if variable.starts_with("PIP_") || variable.starts_with("UV_") {
            command.env_remove(&*variable);
        }
    }
    command
        .current_dir(dir)
        .env("PIP_CONFIG_FILE", "/dev/null")
        .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
        .env("UV_NO_CONFIG", "1")
        .env("UV_CACHE_DIR", dir.join(".uv-cache"))
        .env("UV_PYTHON_DOWNLOADS", "never");
    command
}

fn output(command: &mut Command) -> (Output, String) {
    let output = command.output().expect("the tool runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output, text)
}

/// packaging's PEP 751 validation of `name` in the project.
fn validate(project: &Project, name: &str) {
    let script = format!(
        "import tomllib, packaging.pylock as p\n\
         with open({name:?}, 'rb') as f:\n    p.Pylock.from_dict(tomllib.load(f))\n"
    );
    let (done, text) = output(tool("python", project.dir.path()).args(["-c", &script]));
    assert!(done.status.success(), "packaging refuses {name}:\n{text}");
}

/// `pip install -r FILE --target DIR`, with pip >= 26.1 (which reads pylock.toml).
fn pip_install(
    project: &Project,
    file: &str,
    target: &Path,
    index: &TestIndex,
) -> (Output, String) {
    output(
        tool("python", project.dir.path())
            .args([
                "-m",
                "pip",
                "install",
                "--no-cache-dir",
                "--isolated",
                "--no-deps",
            ])
            .args(["--index-url", &index.url(), "--target"])
            .arg(target)
            .args(["-r", file]),
    )
}

/// `uv pip sync FILE --target DIR`.
fn uv_sync(project: &Project, file: &str, target: &Path, index: &TestIndex) -> (Output, String) {
    output(
        tool("uv", project.dir.path())
            .args(["pip", "sync", file, "--index-url", &index.url(), "--python"])
            .arg(tools().join("bin/python"))
            .arg("--target")
            .arg(target),
    )
}

/// An installer of a lock file into a target directory, from the test index.
type Install = fn(&Project, &str, &Path, &TestIndex) -> (Output, String);

const INSTALLERS: [(&str, Install); 2] = [("pip", pip_install), ("uv", uv_sync)];

fn index() -> (TestIndex, Dist) {
    let dists = dists();
    let dep = dists[2].clone();
    (IndexBuilder::new().dists(dists).start(), dep)
}

/// app 1.0 (wheel and sdist) requiring dep>=2, and dep 2.1.
fn dists() -> Vec<Dist> {
    vec![
        Dist::wheel("app", "1.0")
            .requires_dist("dep>=2")
            .requires_python(">=3.8")
            .upload_time("2024-01-01T00:00:00Z")
            .build(),
        Dist::sdist("app", "1.0")
            .requires_dist("dep>=2")
            .requires_python(">=3.8")
            .upload_time("2024-01-01T00:00:00Z")
            .build(),
        Dist::wheel("dep", "2.1")
            .upload_time("2024-02-01T10:00:00.123456Z")
            .build(),
    ]
}

/// The test index of the PDM fixture (tests/e2e/fixtures/pdm): `dists()`, and one project
/// for Windows only, one for an extra and one for a dependency group.
fn pdm_dists() -> Vec<Dist> {
    let mut dists = dists();
    for name in ["winonly", "sockslib", "devtool"] {
        dists.push(
            Dist::wheel(name, "1.0")
                .upload_time("2024-03-01T00:00:00Z")
                .build(),
        );
    }
    dists
}

const PDM_FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/e2e/fixtures/pdm");

/// Remakes `tests/e2e/fixtures/pdm/pylock.toml` with PDM, against the test index of
/// `pdm_dists()` (whose files are byte-for-byte the same every run), with the file host
/// rewritten to a reserved name. By hand:
/// `PDM=/path/to/bin/pdm cargo test --test e2e remake_the_pdm_fixture -- --ignored`.
#[test]
#[ignore = "needs PDM and writes a committed fixture"]
fn remake_the_pdm_fixture() {
    let pdm = PathBuf::from(std::env::var_os("PDM").expect("PDM names the pdm program"));
    let index = IndexBuilder::new().dists(pdm_dists()).start();
    let dir = tempfile::tempdir().expect("a project directory");
    std::fs::copy(
        Path::new(PDM_FIXTURE).join("pyproject.toml"),
        dir.path().join("pyproject.toml"),
    )
    .expect("the fixture's project");
    for args in [
        &["lock", "--group", ":all"][..],
        &["export", "--format", "pylock", "--output", "pylock.toml"][..],
    ] {
        let (done, text) = output(
            Command::new(&pdm)
                .current_dir(dir.path())
                .args(args)
                .env("PDM_PYPI_URL", index.url())
                .env("PDM_HOME", dir.path().join(".pdm-home"))
                .env("PDM_CACHE_DIR", dir.path().join(".pdm-cache"))
                .env("PDM_CHECK_UPDATE", "false")
                .env("PDM_PYTHON", tools().join("bin/python")),
        );
        assert!(done.status.success(), "pdm {args:?}: {text}");
    }
    let (_, version) = output(Command::new(&pdm).arg("--version"));
    let lock = format!(
        "# Made by {} from pyproject.toml beside it (`pdm lock --group :all`, then\n\
         # `pdm export --format pylock`), against the test index of pdm_dists() in\n\
         # tests/e2e/pylock.rs, whose remake_the_pdm_fixture remakes it.\n{}",
        version.trim().replace(", version", ""),
        std::fs::read_to_string(dir.path().join("pylock.toml"))
            .expect("pdm wrote pylock.toml")
            .replace(&index.base_url(), "http://index.example.invalid")
    );
    std::fs::write(Path::new(PDM_FIXTURE).join("pylock.toml"), lock)
        .expect("the fixture is writable");
}

#[test]
fn a_pylock_is_valid_installs_with_pip_and_uv_and_a_wrong_hash_is_refused_by_both() {
    let (index, dep) = index();
    let project = Project::new("app\n");
    // The real python3 is the target: the tools' interpreter installs the lock.
    let (done, _, stderr) =
        run(&mut project.bare(&["-o", "pylock.toml", "--index-url", &index.url()]));
    assert!(done.status.success(), "{stderr}");
    let lock = project.read("pylock.toml");
    assert!(
        lock.starts_with("# This file was generated by hashpin."),
        "{lock}"
    );
    assert!(lock.contains("\nlock-version = \"1.0\"\n"), "{lock}");
    assert!(lock.contains("\ncreated-by = \"hashpin\"\n"), "{lock}");
    assert!(
        lock.contains("\nenvironments = [\"sys_platform == "),
        "{lock}"
    );
    assert!(
        lock.contains("upload-time = 2024-02-01T10:00:00.123456Z"),
        "{lock}"
    );
    assert!(
        lock.contains(&format!("sha256 = \"{}\"", dep.sha256())),
        "{lock}"
    );
    assert!(lock.contains("\nrequires-python = \">=3.8\"\n"), "{lock}");
    assert!(
        !lock.contains("--hash"),
        "requirements syntax in a pylock: {lock}"
    );
    validate(&project, "pylock.toml");

    for (installer, install) in INSTALLERS {
        let target = tempfile::tempdir().expect("a target");
        let (done, text) = install(&project, "pylock.toml", target.path(), &index);
        assert!(
            done.status.success(),
            "{installer} refused the pylock:\n{lock}\n{text}"
        );
        assert!(
            target.path().join("dep/__init__.py").exists()
                && target.path().join("app/__init__.py").exists(),
            "{installer} did not install the lock:\n{text}"
        );
    }

    let hash = dep.sha256();
    let mut flipped: Vec<char> = hash.chars().collect();
    flipped[0] = if flipped[0] == '0' { '1' } else { '0' };
    let flipped: String = flipped.into_iter().collect();
    project.write("pylock.toml", &lock.replace(hash, &flipped));
    for (installer, install) in INSTALLERS {
        let target = tempfile::tempdir().expect("a target");
        let (done, text) = install(&project, "pylock.toml", target.path(), &index);
        assert!(
            !done.status.success(),
            "{installer} installed a file whose hash is wrong:\n{text}"
        );
        assert!(!target.path().join("dep").exists(), "{installer}:\n{text}");
    }
    // check says which pin and line.
    let (done, stdout, stderr) = run(hashpin(project.cache.path())
        .current_dir(project.dir.path())
        .args(["check", "pylock.toml", "--index-url", &index.url()]));
    assert_eq!(done.status.code(), Some(1), "{stdout}{stderr}");
    assert!(stdout.contains("pylock.toml:"), "{stdout}");
    assert!(stdout.contains("[unknown-hash]"), "{stdout}");
}

#[test]
fn pylocks_by_uv_and_pip_lock_are_checked_exported_and_installed_by_old_pip() {
    let (index, _) = index();
    let project = Project::new("app\n");
    let (done, text) = output(
        tool("uv", project.dir.path())
            .args([
                "pip",
                "compile",
                "requirements.in",
                "-o",
                "pylock.toml",
                "--index-url",
            ])
            .arg(index.url())
            .arg("--python")
            .arg(tools().join("bin/python")),
    );
    assert!(done.status.success(), "uv pip compile: {text}");
    let (done, text) = output(
        tool("python", project.dir.path())
            .args([
                "-m",
                "pip",
                "lock",
                "-r",
                "requirements.in",
                "-o",
                "pylock.pip.toml",
            ])
            .args(["--isolated", "--no-cache-dir", "--index-url", &index.url()]),
    );
    assert!(done.status.success(), "pip lock: {text}");

    for (file, writer) in [("pylock.toml", "uv"), ("pylock.pip.toml", "pip")] {
        let lock = project.read(file);
        assert!(
            lock.contains(&format!("created-by = \"{writer}\"")),
            "{lock}"
        );
        let (done, stdout, stderr) = run(hashpin(project.cache.path())
            .current_dir(project.dir.path())
            .args(["check", file, "--complete", "--index-url", &index.url()]));
        assert!(
            done.status.success(),
            "check of {writer}'s pylock:\n{lock}\n{stdout}{stderr}"
        );
        assert!(stderr.contains("2 packages, all pinned"), "{stderr}");

        let exported = format!("{writer}-requirements.txt");
        let (done, _, stderr) = run(hashpin(project.cache.path())
            .current_dir(project.dir.path())
            .args(["export", file, "-o", &exported]));
        assert!(done.status.success(), "{stderr}");
        let requirements = project.read(&exported);
        assert_eq!(
            pin_list(&requirements),
            "app==1.0 dep==2.1",
            "{requirements}"
        );
        assert!(
            requirements.contains(&format!("# exported from {file}, written by {writer}")),
            "{requirements}"
        );
        // The machine's own pip (older than pylock support) installs the export.
        let (done, text, target) = old_pip_install(&project, &exported, &index);
        assert!(
            done.status.success(),
            "pip refused the export:\n{requirements}\n{text}"
        );
        assert!(target.path().join("dep/__init__.py").exists(), "{text}");
    }
}

#[test]
fn compile_keeps_a_pylocks_pins_and_export_round_trips_through_requirements() {
    let (index, _) = index();
    let project = Project::new("app\n");
    let compile = |args: &[&str]| {
        let (done, _, stderr) = project.compile(&index, args);
        assert!(done.status.success(), "{stderr}");
    };
    compile(&["-o", "pylock.toml"]);
    let first = project.read("pylock.toml");

    // A newer dep appears: the pylock's pin is kept, and --check agrees the lock is current.
    let newer = IndexBuilder::new()
        .dists(dists())
        .dist(Dist::wheel("dep", "2.2").build())
        .start();
    let (done, _, stderr) = project.compile(&newer, &["-o", "pylock.toml"]);
    assert!(done.status.success(), "{stderr}");
    assert!(
        project
            .read("pylock.toml")
            .contains("name = \"dep\"\nversion = \"2.1\"")
    );
    let (done, _, stderr) = project.compile(&newer, &["-o", "pylock.toml", "--check"]);
    assert!(done.status.success(), "{stderr}");
    let current = project.read("pylock.toml");

    // pylock -> requirements.txt -> pylock: the same packages and files.
    for args in [
        ["export", "pylock.toml", "-o", "requirements.txt"],
        ["export", "requirements.txt", "-o", "pylock.back.toml"],
    ] {
        let (done, _, stderr) = run(hashpin(project.cache.path())
            .current_dir(project.dir.path())
            .args(args)
            .args(["--index-url", &newer.url()]));
        assert!(done.status.success(), "{stderr}");
    }
    let requirements = project.read("requirements.txt");
    assert_eq!(
        pin_list(&requirements),
        "app==1.0 dep==2.1",
        "{requirements}"
    );
    let back = project.read("pylock.back.toml");
    let packages = |text: &str| {
        text[text.find("[[packages]]").expect("packages")
            ..text.find("[tool.hashpin]").expect("tool")]
            .to_string()
    };
    assert_eq!(packages(&back), packages(&current), "{back}");

    // The format follows --format whatever the name, and a wrong lock-version is refused.
    compile(&["-o", "lock.toml", "--format", "pylock.toml"]);
    assert!(project.read("lock.toml").contains("lock-version = \"1.0\""));
    project.write(
        "pylock.toml",
        &first.replace("lock-version = \"1.0\"", "lock-version = \"2.0\""),
    );
    let (done, _, stderr) = run(hashpin(project.cache.path())
        .current_dir(project.dir.path())
        .args(["check", "pylock.toml", "--offline"]));
    assert_eq!(done.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("lock-version 2.0 is not supported"),
        "{stderr}"
    );
}

/// Old pip's hash-checking install of a requirements file, from the test index.
fn old_pip_install(project: &Project, file: &str, index: &TestIndex) -> (Output, String, TempDir) {
    let target = tempfile::tempdir().expect("a target");
    let mut pip = Command::new("python3");
    pip.current_dir(project.dir.path())
        .env("PIP_CONFIG_FILE", "/dev/null")
        .args([
            "-m",
            "pip",
            "install",
            "--require-hashes",
            "--no-deps",
            "--isolated",
        ])
        .args(["--no-cache-dir", "--disable-pip-version-check"])
        .args(["--index-url", &index.url(), "--target"])
        .arg(target.path())
        .args(["-r", file]);
    let (done, text) = output(&mut pip);
    (done, text, target)
}

/// A project holding the PDM fixture as its pylock.toml, and the fixture's test index.
fn pdm_project() -> (TestIndex, Project) {
    let index = IndexBuilder::new().dists(pdm_dists()).start();
    let project = Project::new("");
    project.write(
        "pylock.toml",
        &std::fs::read_to_string(Path::new(PDM_FIXTURE).join("pylock.toml")).expect("the fixture"),
    );
    (index, project)
}

fn hashpin_at(project: &Project, index: &TestIndex, args: &[&str]) -> (Output, String, String) {
    run(hashpin(project.cache.path())
        .current_dir(project.dir.path())
        .args(args)
        .args(["--index-url", &index.url()]))
}

#[test]
fn a_pdm_pylock_with_groups_and_extras_is_checked_and_exported_for_a_selection() {
    let (index, project) = pdm_project();
    let hashpin_in = |args: &[&str]| hashpin_at(&project, &index, args);

    // What the default groups install on this machine is complete; the Windows-only, extra
    // and group packages are checked against the index all the same.
    let (done, stdout, stderr) = hashpin_in(&["check", "pylock.toml", "--complete"]);
    assert!(done.status.success(), "{stdout}{stderr}");
    assert!(
        stderr.contains("5 packages, all pinned, hashed, matching the index, and complete"),
        "{stderr}"
    );

    // By default: no extras, the default groups; markers pip cannot read are decided.
    let (done, _, stderr) = hashpin_in(&["export", "pylock.toml", "-o", "requirements.txt"]);
    assert!(done.status.success(), "{stderr}");
    let requirements = project.read("requirements.txt");
    assert_eq!(
        pin_list(&requirements),
        "app==1.0 dep==2.1 winonly==1.0",
        "{requirements}"
    );
    assert!(
        !requirements.contains("dependency_groups"),
        "{requirements}"
    );
    assert!(
        requirements.contains("winonly==1.0 ; sys_platform == 'win32'"),
        "{requirements}"
    );
    assert!(
        requirements.contains("# selected: extras none; dependency groups default (choose with --extra, --group, --no-default-groups)"),
        "{requirements}"
    );
    assert!(
        requirements.contains("# 2 packages of other extras or groups left out"),
        "{requirements}"
    );
    let (done, text, target) = old_pip_install(&project, "requirements.txt", &index);
    assert!(
        done.status.success(),
        "pip refused the export:\n{requirements}\n{text}"
    );
    assert!(target.path().join("dep/__init__.py").exists(), "{text}");
    assert!(
        !target.path().join("winonly/__init__.py").exists(),
        "{text}"
    );

    // Asked for: an extra and a group, besides or instead of the default groups.
    let (done, stdout, stderr) = hashpin_in(&[
        "export",
        "pylock.toml",
        "--extra",
        "SOCKS",
        "--group",
        "dev",
        "-o",
        "-",
    ]);
    assert!(done.status.success(), "{stderr}");
    assert_eq!(
        pin_list(&stdout),
        "app==1.0 dep==2.1 devtool==1.0 sockslib==1.0 winonly==1.0",
        "{stdout}"
    );
    assert!(
        stdout.contains("--extra=SOCKS --group=dev"),
        "the command remakes it:\n{stdout}"
    );
    assert!(!project.path("-").exists(), "`-o -` is standard output");
    let (done, stdout, stderr) = hashpin_in(&[
        "export",
        "pylock.toml",
        "--group",
        "dev",
        "--no-default-groups",
        "--format",
        "requirements.txt",
    ]);
    assert!(done.status.success(), "{stderr}");
    assert_eq!(pin_list(&stdout), "devtool==1.0", "{stdout}");

    // A group the lock does not have is an error that lists the ones it has.
    let (done, _, stderr) =
        hashpin_in(&["export", "pylock.toml", "--group", "docs", "-o", "x.txt"]);
    assert_eq!(done.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("pylock.toml has no dependency group `docs` (it has: default, dev)"),
        "{stderr}"
    );
    assert!(!project.path("x.txt").exists());
}

#[test]
fn a_pylock_marker_is_re_rendered_or_refused_never_copied() {
    let (index, project) = pdm_project();
    let hashpin_in = |args: &[&str]| hashpin_at(&project, &index, args);
    // No option rides into a requirements file on a marker.
    let fixture = project.read("pylock.toml");
    project.write(
        "pylock.toml",
        &fixture.replace(
            "marker = \"sys_platform == \\\"win32\\\" and",
            "marker = \"sys_platform == 'win32' --hash=sha256:0000 and",
        ),
    );
    assert_ne!(project.read("pylock.toml"), fixture);
    let (done, _, stderr) = hashpin_in(&["export", "pylock.toml", "-o", "x.txt"]);
    assert_eq!(done.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("`winonly` has a marker pip cannot read"),
        "{stderr}"
    );
    assert!(!project.path("x.txt").exists());
    let (done, stdout, stderr) = hashpin_in(&["check", "pylock.toml", "--offline"]);
    assert_eq!(done.status.code(), Some(1), "{stderr}");
    assert!(
        stdout.contains("`winonly` has a marker installers cannot read")
            && stdout.contains("[bad-marker]"),
        "{stdout}"
    );
}

#[test]
fn a_pylock_names_the_trusted_publishers_the_index_attests() {
    let mut dists = dists();
    dists[0] = Dist::wheel("app", "1.0")
        .requires_dist("dep>=2")
        .provenance(&hashpin_testkit::provenance("org/app", "release.yml"))
        .build();
    dists[1] = Dist::sdist("app", "1.0")
        .requires_dist("dep>=2")
        .provenance(&hashpin_testkit::provenance("org/app", "release.yml"))
        .build();
    dists[2] = Dist::wheel("dep", "2.1")
        .provenance("{\"version\": 1, \"attestation_bundles\": [{\"publisher\": {}}]}")
        .build();
    let index = IndexBuilder::new().dists(dists).start();
    let project = Project::new("app\n");

    // A requirements file cannot hold identities: nothing is fetched for it.
    project.lock(&index, &[]);
    assert!(
        !index
            .requests()
            .iter()
            .any(|request| request.path.ends_with(".provenance")),
        "provenance fetched for a requirements file"
    );

    let (done, _, stderr) = project.compile(&index, &["-o", "pylock.toml"]);
    assert!(done.status.success(), "{stderr}");
    let lock = project.read("pylock.toml");
    let app =
        &lock[lock.find("name = \"app\"").expect("app")..lock.find("name = \"dep\"").expect("dep")];
    assert!(
        app.contains(
            "attestation-identities = [\n    { kind = \"GitHub\", repository = \"org/app\", workflow = \"release.yml\" },\n]\n"
        ),
        "one identity for both files:\n{lock}"
    );
    validate(&project, "pylock.toml");
    // A provenance document that is not one is a warning; the lock names no publisher.
    assert!(
        stderr.contains("the provenance of `dep-2.1-py3-none-any.whl` cannot be read"),
        "{stderr}"
    );
    assert_eq!(lock.matches("attestation-identities").count(), 1, "{lock}");

    // Read back: check and export keep them.
    let (done, _, stderr) = run(hashpin(project.cache.path())
        .current_dir(project.dir.path())
        .args(["export", "pylock.toml", "-o", "pylock.copy.toml"]));
    assert!(done.status.success(), "{stderr}");
    assert!(
        project
            .read("pylock.copy.toml")
            .contains("repository = \"org/app\""),
        "{}",
        project.read("pylock.copy.toml")
    );
}

#[test]
fn files_of_a_local_find_links_directory_are_paths_relative_to_the_lock() {
    let (index, _) = index();
    let project = Project::new("app\nlocal\n");
    let wheels = project.path("wheels");
    std::fs::create_dir(&wheels).expect("a wheels directory");
    let local = Dist::wheel("local", "1.0").build();
    std::fs::write(wheels.join(local.filename()), local.bytes()).expect("a local wheel");
    std::fs::create_dir(project.path("locks")).expect("a locks directory");

    let absolute = wheels.display().to_string();
    // The real python3 is the target: the tools' interpreter installs the lock.
    let (done, _, stderr) = run(&mut project.bare(&[
        "-o",
        "locks/pylock.toml",
        "--find-links",
        &absolute,
        "--index-url",
        &index.url(),
    ]));
    assert!(done.status.success(), "{stderr}");
    let lock = project.read("locks/pylock.toml");
    assert!(
        lock.contains("path = \"../wheels/local-1.0-py3-none-any.whl\""),
        "{lock}"
    );
    assert!(!lock.contains("file://"), "{lock}");
    validate(&project, "locks/pylock.toml");
    for (installer, install) in INSTALLERS {
        let target = tempfile::tempdir().expect("a target");
        let (done, text) = install(&project, "locks/pylock.toml", target.path(), &index);
        assert!(done.status.success(), "{installer}: {text}");
        assert!(
            target.path().join("local/__init__.py").exists(),
            "{installer}: {text}"
        );
    }
}

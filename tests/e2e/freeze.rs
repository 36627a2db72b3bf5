//! `hashpin freeze`: real environments (virtual environments made by `python3 -m venv`,
//! filled by real pip from the loopback index), the lock they give, pip installing that lock
//! into a second environment, and every refusal.
//!
//! Environments are made `--without-pip` (a tenth of a second each) and filled by the outer
//! pip through `pip --python`. Installs pip cannot do offline (an editable build needs
//! setuptools from an index) are written by hand as pip writes them: a `.dist-info` with a PEP
//! 610 `direct_url.json`, or a legacy `.egg-link`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use hashpin_testkit::{Dist, IndexBuilder, TestIndex};
use tempfile::TempDir;

use crate::{hashpin, run};

/// A virtual environment in a temporary directory.
struct Venv {
    dir: TempDir,
}

impl Venv {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("a directory for the environment");
        let output = Command::new("python3")
            .args(["-m", "venv", "--without-pip"])
            .arg(dir.path())
            .output()
            .expect("this test needs python3 on PATH to make virtual environments");
        assert!(
            output.status.success(),
            "python3 -m venv failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        Self { dir }
    }

    fn python(&self) -> PathBuf {
        self.dir.path().join("bin/python")
    }

    /// The environment's site-packages, as its interpreter reports it.
    fn site_packages(&self) -> PathBuf {
        let output = Command::new(self.python())
            .args([
                "-c",
                "import sysconfig; print(sysconfig.get_paths()['purelib'])",
            ])
            .output()
            .expect("the environment's python runs");
        PathBuf::from(String::from_utf8_lossy(&output.stdout).trim())
    }

    /// `pip install ARGS` into the environment from `index` only, isolated from pip's
    /// configuration; fails the test when pip does.
    fn install(&self, index: &TestIndex, args: &[&str]) {
        let (output, stdout, stderr) = run(pip(&["--python"])
            .arg(self.python())
            .args(["install", "--index-url", &index.url()])
            .args(args));
        assert!(
            output.status.success(),
            "pip install {args:?} failed:\n{stdout}\n{stderr}"
        );
    }

    /// Writes a distribution's metadata directory by hand, with `direct_url.json` when given.
    fn write_dist_info(&self, name: &str, version: &str, direct_url: Option<&str>) {
        let info = self
            .site_packages()
            .join(format!("{name}-{version}.dist-info"));
        std::fs::create_dir_all(&info).expect("the site-packages is writable");
        std::fs::write(
            info.join("METADATA"),
            format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"),
        )
        .expect("write METADATA");
        if let Some(json) = direct_url {
            std::fs::write(info.join("direct_url.json"), json).expect("write direct_url.json");
        }
    }
}

/// `python3 -m pip ARGS`, isolated from pip's configuration and environment and from any
/// index but the one given.
fn pip(args: &[&str]) -> Command {
    let mut command = Command::new("python3");
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("PIP_") {
            command.env_remove(name);
        }
    }
    command
        .env("PIP_CONFIG_FILE", "/dev/null")
        .args([
            "-m",
            "pip",
            "--no-cache-dir",
            "--isolated",
            "--disable-pip-version-check",
        ])
        .args(args);
    command
}

/// `hashpin freeze --python VENV --index-url INDEX ARGS`, run in a scratch directory.
fn freeze(venv: &Venv, index: &TestIndex, cache: &Path, args: &[&str]) -> (Output, String, String) {
    run(hashpin(cache)
        .current_dir(venv.dir.path())
        .arg("freeze")
        .arg("--python")
        .arg(venv.python())
        .args(["--index-url", &index.url()])
        .args(args))
}

/// `name==version` of each pin, in the lock's order.
fn pins(lock: &str) -> Vec<String> {
    lock.lines()
        .filter(|line| !line.starts_with([' ', '#']) && line.contains("=="))
        .map(|line| line.trim_end_matches([' ', '\\']).to_string())
        .collect()
}

/// `app` needs `dep>=2` always, `speedups` with its `fast` extra, and `winonly` on Windows.
fn app_index() -> TestIndex {
    IndexBuilder::new()
        .dist(
            Dist::wheel("app", "1.0")
                .requires_dist("dep>=2")
                .requires_dist("speedups ; extra == 'fast'")
                .requires_dist("winonly ; sys_platform == 'win32'")
                .provides_extra("fast")
                .build(),
        )
        .dist(Dist::sdist("app", "1.0").requires_dist("dep>=2").build())
        .dist(Dist::wheel("dep", "2.0").build())
        .dist(Dist::wheel("dep", "2.1").build())
        .dist(Dist::wheel("speedups", "1.0").build())
        .dist(Dist::wheel("winonly", "1.0").build())
        .start()
}

#[test]
fn a_frozen_environment_installs_again_with_require_hashes() {
    let index = app_index();
    let cache = tempfile::tempdir().expect("a cache");
    let first = Venv::new();
    // An older dep than the newest: the freeze must keep what is installed.
    first.install(&index, &["app[fast]", "dep==2.0"]);

    let (output, stdout, stderr) =
        freeze(&first, &index, cache.path(), &["-o", "requirements.txt"]);
    assert!(output.status.success(), "{stderr}");
    assert_eq!(stdout, "");
    assert!(
        stderr.starts_with("Froze 3 packages with 4 hashes in "),
        "{stderr}"
    );
    let lock = std::fs::read_to_string(first.dir.path().join("requirements.txt"))
        .expect("the lock is written");
    let app = index.dist("app-1.0-py3-none-any.whl").expect("app's wheel");
    let sdist = index.dist("app-1.0.tar.gz").expect("app's sdist");
    let mut app_hashes = [app.sha256().to_string(), sdist.sha256().to_string()];
    app_hashes.sort();
    let dep = index.dist("dep-2.0-py3-none-any.whl").expect("dep's wheel");
    let speedups = index
        .dist("speedups-1.0-py3-none-any.whl")
        .expect("speedups' wheel");
    assert_eq!(
        lock,
        format!(
            "#\n# This file was generated by hashpin. To update it, run:\n#\n\
             #    hashpin freeze --output-file=requirements.txt\n#\n\
             app==1.0 \\\n    --hash=sha256:{} \\\n    --hash=sha256:{}\n\
             dep==2.0 \\\n    --hash=sha256:{}\n    # via app\n\
             speedups==1.0 \\\n    --hash=sha256:{}\n    # via app\n",
            app_hashes[0],
            app_hashes[1],
            dep.sha256(),
            speedups.sha256(),
        )
    );

    // The freeze passes check, dependencies included, for the environment it came from.
    let (output, stdout, stderr) = run(hashpin(cache.path())
        .current_dir(first.dir.path())
        .args(["check", "requirements.txt", "--complete", "--python"])
        .arg(first.python())
        .args(["--index-url", &index.url()]));
    assert!(output.status.success(), "{stdout}{stderr}");
    assert_eq!(
        stderr,
        "requirements.txt: 3 requirements, all pinned, hashed, matching the index, and complete\n"
    );

    let second = Venv::new();
    second.install(
        &index,
        &[
            "--require-hashes",
            "--no-deps",
            "-r",
            &first
                .dir
                .path()
                .join("requirements.txt")
                .display()
                .to_string(),
        ],
    );
    let (output, again, stderr) = freeze(&second, &index, cache.path(), &[]);
    assert!(output.status.success(), "{stderr}");
    assert_eq!(pins(&again), ["app==1.0", "dep==2.0", "speedups==1.0"]);
    assert_eq!(
        again.lines().skip(5).collect::<Vec<_>>(),
        lock.lines().skip(5).collect::<Vec<_>>(),
        "the second environment freezes to the same lock"
    );
}

#[test]
fn editable_url_path_and_vcs_installs_are_refused_by_name() {
    let index = IndexBuilder::new()
        .dist(Dist::wheel("fine", "1.0").build())
        .dist(Dist::wheel("remote", "2.0").build())
        .start();
    let files = tempfile::tempdir().expect("a directory for a wheel");
    let local = Dist::wheel("local", "1.5").build();
    let wheel = files.path().join(local.filename());
    std::fs::write(&wheel, local.bytes()).expect("write the wheel");
    let cache = tempfile::tempdir().expect("a cache");
    let venv = Venv::new();
    venv.install(
        &index,
        &[
            "fine",
            &wheel.display().to_string(),
            &index.file_url("remote-2.0-py3-none-any.whl"),
        ],
    );
    // pip writes these for `pip install -e DIR` (PEP 660), `pip install DIR` and
    // `pip install git+URL`; building them needs setuptools from an index, so they are
    // written the way pip writes them.
    venv.write_dist_info(
        "Dev_Project",
        "0.1",
        Some(r#"{"url": "file:///src/dev-project", "dir_info": {"editable": true}}"#),
    );
    venv.write_dist_info(
        "built",
        "0.2",
        Some(r#"{"url": "file:///src/built", "dir_info": {}}"#),
    );
    venv.write_dist_info(
        "checkout",
        "0.3",
        Some(
            r#"{"url": "https://token@example.invalid/checkout.git", "vcs_info": {"vcs": "git", "commit_id": "0123abc"}}"#,
        ),
    );
    // `setup.py develop`: an .egg-link to a project directory that has the .egg-info.
    let project = tempfile::tempdir().expect("a project directory");
    std::fs::create_dir(project.path().join("legacy.egg-info")).expect("mkdir");
    std::fs::write(
        project.path().join("legacy.egg-info/PKG-INFO"),
        "Metadata-Version: 1.0\nName: legacy\nVersion: 0.4\n",
    )
    .expect("write PKG-INFO");
    std::fs::write(
        venv.site_packages().join("legacy.egg-link"),
        format!("{}\n.\n", project.path().display()),
    )
    .expect("write the egg-link");

    let (output, stdout, stderr) = freeze(&venv, &index, cache.path(), &[]);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(stdout, "");
    assert_eq!(
        stderr,
        format!(
            "error: 6 installed distributions cannot be pinned from the index:\n  \
             `built==0.2` was installed from the directory /src/built\n  \
             `checkout==0.3` was installed from git: https://example.invalid/checkout.git@0123abc\n  \
             `dev-project==0.1` is an editable install of /src/dev-project\n  \
             `legacy==0.4` is an editable install of {}\n  \
             `local==1.5` was installed from the file {}\n  \
             `remote==2.0` was installed from the URL {}\n\
             hint: leave them out with --exclude NAME, or reinstall them by name from the index\n",
            project.path().display(),
            wheel.display(),
            index.file_url("remote-2.0-py3-none-any.whl"),
        )
    );

    let excluded = [
        "--exclude=built",
        "--exclude=checkout",
        "--exclude=Dev.Project",
        "--exclude=legacy",
        "--exclude=local",
        "--exclude=remote",
    ];
    let (output, lock, stderr) = freeze(&venv, &index, cache.path(), &excluded);
    assert!(output.status.success(), "{stderr}");
    assert_eq!(pins(&lock), ["fine==1.0"]);
    assert!(
        lock.contains(&format!("#    hashpin freeze {}\n", excluded.join(" "))),
        "{lock}"
    );
}

#[test]
fn versions_the_index_lacks_or_has_yanked_are_refused() {
    let installed_from = IndexBuilder::new()
        .dist(Dist::wheel("fine", "1.0").build())
        .dist(Dist::wheel("gone", "1.0").build())
        .dist(Dist::wheel("old", "1.0").build())
        .dist(Dist::wheel("absent", "1.0").build())
        .start();
    let venv = Venv::new();
    venv.install(&installed_from, &["fine", "gone", "old", "absent"]);
    let frozen_from = IndexBuilder::new()
        .dist(Dist::wheel("fine", "1.0").build())
        .dist(
            Dist::wheel("old", "1.0")
                .yanked(Some("broken build"))
                .build(),
        )
        .dists(["1.1", "2.0", "3.0", "4.0"].map(|version| Dist::wheel("gone", version).build()))
        .start();
    let cache = tempfile::tempdir().expect("a cache");
    let (output, stdout, stderr) = freeze(&venv, &frozen_from, cache.path(), &[]);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(stdout, "");
    assert_eq!(
        stderr,
        "error: 3 installed distributions cannot be pinned from the index:\n  \
         `absent==1.0` is not on the index: it has no such project\n  \
         `gone==1.0` is not on the index, which has 4.0, 3.0, 2.0, …\n  \
         `old==1.0` is yanked on the index (reason: broken build)\n\
         hint: leave them out with --exclude NAME, or reinstall them by name from the index\n"
    );
}

#[test]
fn pip_and_build_tools_are_left_out_as_pip_freeze_does_unless_all() {
    let index = IndexBuilder::new()
        .dist(Dist::wheel("pip", "23.2.1").build())
        .dist(Dist::wheel("setuptools", "65.5.0").build())
        .dist(Dist::wheel("app", "1.0").requires_dist("dep").build())
        .dist(Dist::wheel("dep", "1.0").build())
        .start();
    let venv = Venv::new();
    venv.install(&index, &["pip", "setuptools", "app"]);
    let cache = tempfile::tempdir().expect("a cache");
    let version = Command::new(venv.python())
        .args(["-c", "import sys; print(sys.version_info >= (3, 12))"])
        .output()
        .expect("the environment's python runs");
    let before_3_12 = String::from_utf8_lossy(&version.stdout).trim() == "False";

    let (output, lock, stderr) = freeze(&venv, &index, cache.path(), &[]);
    assert!(output.status.success(), "{stderr}");
    let expected: &[&str] = if before_3_12 {
        &["app==1.0", "dep==1.0"]
    } else {
        &["app==1.0", "dep==1.0", "setuptools==65.5.0"]
    };
    assert_eq!(pins(&lock), expected);

    let (output, lock, stderr) = freeze(&venv, &index, cache.path(), &["--all"]);
    assert!(output.status.success(), "{stderr}");
    assert_eq!(
        pins(&lock),
        ["app==1.0", "dep==1.0", "pip==23.2.1", "setuptools==65.5.0"]
    );

    // An excluded requester still explains why its dependency is there.
    let (output, lock, stderr) = freeze(
        &venv,
        &index,
        cache.path(),
        &["--exclude", "APP", "--exclude", "nothing-here"],
    );
    assert!(output.status.success(), "{stderr}");
    assert!(lock.contains("dep==1.0 \\\n"), "{lock}");
    assert!(lock.contains("    # via app\n"), "{lock}");
    assert!(!lock.contains("app==1.0"), "{lock}");
    assert!(
        stderr.contains("warning: --exclude `nothing-here`: no such distribution is installed\n"),
        "{stderr}"
    );
}

#[test]
fn path_reads_only_the_directories_given() {
    let index = app_index();
    let target = tempfile::tempdir().expect("an install directory");
    let (output, stdout, stderr) = run(&mut pip(&[
        "install",
        "--index-url",
        &index.url(),
        "--target",
        &target.path().display().to_string(),
        "dep==2.1",
    ]));
    assert!(output.status.success(), "{stdout}\n{stderr}");
    let cache = tempfile::tempdir().expect("a cache");
    let (output, lock, stderr) = run(hashpin(cache.path())
        .current_dir(target.path())
        .args(["freeze", "--path", "."])
        .args(["--index-url", &index.url()]));
    assert!(output.status.success(), "{stderr}");
    assert_eq!(pins(&lock), ["dep==2.1"], "python3's own packages stay out");
    assert!(
        lock.contains("#    hashpin freeze --path=.\n"),
        "issue 9: the header says --path: {lock}"
    );

    let (output, _, stderr) = run(hashpin(cache.path())
        .current_dir(target.path())
        .args(["freeze", "--path", "no-such-dir"])
        .args(["--index-url", &index.url()]));
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr, "error: --path no-such-dir: not a directory\n");
}

#[test]
fn startup_hooks_in_the_environment_are_refused_with_their_owner_or_none() {
    let index = IndexBuilder::new()
        .dist(
            Dist::wheel("hooked", "1.0")
                .file(
                    "hooked_init.pth",
                    "import os; os.environ.get('HASHPIN_TEST')\n",
                )
                .build(),
        )
        .start();
    let venv = Venv::new();
    venv.install(&index, &["hooked"]);
    let site = venv.site_packages();
    std::fs::write(site.join("left_behind.pth"), "import sys\n").expect("write a stray hook");
    std::fs::write(site.join("_virtualenv.pth"), "import _virtualenv\n").expect("write");
    std::fs::write(site.join("paths.pth"), "/somewhere\n").expect("write");
    let cache = tempfile::tempdir().expect("a cache");

    let (output, stdout, stderr) = freeze(&venv, &index, cache.path(), &[]);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(stdout, "");
    assert!(
        stderr.contains("hooked_init.pth (42 bytes; installed by hooked==1.0): `import os; os.environ.get('HASHPIN_TEST')`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("left_behind.pth (11 bytes; owned by no installed distribution: left behind by an uninstall, or put there by hand): `import sys`"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("_virtualenv.pth") && !stderr.contains("paths.pth"),
        "{stderr}"
    );
    assert!(
        stderr.contains("acknowledge them with --allow-startup-hook :left_behind.pth --allow-startup-hook hooked:hooked_init.pth"),
        "{stderr}"
    );

    let (output, stdout, stderr) = freeze(
        &venv,
        &index,
        cache.path(),
        &[
            "--allow-startup-hook",
            "hooked:hooked_init.pth,:left_behind.pth",
        ],
    );
    assert!(output.status.success(), "{stderr}");
    assert_eq!(pins(&stdout), ["hooked==1.0"]);
}

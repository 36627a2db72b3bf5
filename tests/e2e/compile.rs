//! `hashpin compile`: the lockfile format (golden files), determinism, preferences, every
//! error path, and real pip installing (and refusing) what it writes.
//!
//! Every run but one targets `--python-version 3.12 --python-platform linux`, so nothing
//! depends on this machine's interpreter; the pip test locks for the real `python3`, which
//! then installs the lock. Golden files live in `tests/e2e/golden/`; run with
//! `HASHPIN_UPDATE_GOLDEN=1` to rewrite them after an intended format change.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use hashpin_testkit::{Dist, Failure, IndexBuilder, ServerOptions, TestIndex};
use tempfile::TempDir;

use crate::{hashpin, run};

/// The fixed target: no dependence on the interpreter of the machine running the tests.
pub(crate) const TARGET: [&str; 4] = ["--python-version", "3.12", "--python-platform", "linux"];

/// A project directory with its own cache. hashpin runs inside it, so the paths it writes
/// into the lock are relative ones.
pub(crate) struct Project {
    pub(crate) dir: TempDir,
    pub(crate) cache: TempDir,
}

impl Project {
    /// A project whose `requirements.in` holds `requirements`.
    pub(crate) fn new(requirements: &str) -> Self {
        let project = Self {
            dir: tempfile::tempdir().expect("a project directory"),
            cache: tempfile::tempdir().expect("a cache directory"),
        };
        project.write("requirements.in", requirements);
        project
    }

    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub(crate) fn write(&self, name: &str, text: &str) {
        std::fs::write(self.path(name), text).expect("the project directory is writable");
    }

    pub(crate) fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name))
            .unwrap_or_else(|error| panic!("cannot read {name}: {error}"))
    }

    /// `hashpin compile ARGS` in the project, with nothing else on the command line.
    pub(crate) fn bare(&self, args: &[&str]) -> Command {
        let mut command = hashpin(self.cache.path());
        command
            .current_dir(self.dir.path())
            .arg("compile")
            .args(args);
        command
    }

    /// `hashpin compile ARGS` for the fixed target, from `index_url`.
    pub(crate) fn command(&self, index_url: &str, args: &[&str]) -> Command {
        let mut command = self.bare(args);
        command.args(TARGET).args(["--index-url", index_url]);
        command
    }

    /// Runs [`Project::command`] against `index`.
    pub(crate) fn compile(&self, index: &TestIndex, args: &[&str]) -> (Output, String, String) {
        run(&mut self.command(&index.url(), args))
    }

    /// Compiles to stdout and returns the lock, failing the test on any error.
    pub(crate) fn lock(&self, index: &TestIndex, args: &[&str]) -> String {
        let (output, stdout, stderr) = self.compile(index, args);
        assert!(output.status.success(), "{stderr}");
        stdout
    }

    /// The names of the files in the project directory.
    pub(crate) fn files(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.dir.path())
            .expect("the project directory is readable")
            .map(|entry| {
                entry
                    .expect("a directory entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        names.sort();
        names
    }
}

/// Compares `actual` with `tests/e2e/golden/NAME.txt`, or writes it there when
/// `HASHPIN_UPDATE_GOLDEN=1`.
fn assert_golden(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/e2e/golden")
        .join(format!("{name}.txt"));
    if std::env::var_os("HASHPIN_UPDATE_GOLDEN").is_some_and(|value| value == "1") {
        std::fs::create_dir_all(path.parent().expect("golden files have a directory"))
            .expect("the golden directory can be created");
        std::fs::write(&path, actual).expect("the golden file can be written");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|error| {
        panic!(
            "cannot read {}: {error}\nrun with HASHPIN_UPDATE_GOLDEN=1 to create it; the output was:\n{actual}",
            path.display()
        )
    });
    if expected != actual {
        let line = expected
            .lines()
            .zip(actual.lines())
            .position(|(expected, actual)| expected != actual)
            .unwrap_or_else(|| expected.lines().count().min(actual.lines().count()));
        panic!(
            "the output differs from {} from line {}; if the change is intended, rerun with \
             HASHPIN_UPDATE_GOLDEN=1\n--- expected\n{expected}--- actual\n{actual}",
            path.display(),
            line + 1
        );
    }
}

/// The lock's entries by project name: the pin line, its hashes and its `# via` lines.
fn blocks(lock: &str) -> BTreeMap<String, String> {
    let mut blocks = BTreeMap::new();
    let mut current: Option<(String, String)> = None;
    for line in lock.lines() {
        if line.starts_with(char::is_whitespace) {
            if let Some((_, block)) = &mut current {
                block.push_str(line);
                block.push('\n');
            }
            continue;
        }
        blocks.extend(current.take());
        if let Some((name, _)) = line
            .split_once("==")
            .filter(|_| !line.starts_with(['#', '-']))
        {
            current = Some((name.to_string(), format!("{line}\n")));
        }
    }
    blocks.extend(current);
    blocks
}

/// The lock's pins: project name to version.
pub(crate) fn pins(lock: &str) -> BTreeMap<String, String> {
    blocks(lock)
        .into_iter()
        .map(|(name, block)| {
            let version = block
                .split_once("==")
                .and_then(|(_, rest)| rest.split([' ', '\n']).next())
                .expect("a pin line has a version")
                .to_string();
            (name, version)
        })
        .collect()
}

/// The lock's pins as `name==version` words, in the lock's order.
pub(crate) fn pin_list(lock: &str) -> String {
    pins(lock)
        .into_iter()
        .map(|(name, version)| format!("{name}=={version}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Everything but the header comment.
fn body(lock: &str) -> String {
    lock.lines()
        .skip_while(|line| line.starts_with('#'))
        .flat_map(|line| [line, "\n"])
        .collect()
}

/// Words as a terminal shows them, however clap wrapped the lines.
fn words(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A diamond (`app` needs `left` and `right`, both need `base`), a project required with a
/// marker, one reached through an included file, and a second release of `base` that a
/// constraints file rules out. `pywin32` is only ever required on Windows.
fn diamond_index() -> TestIndex {
    IndexBuilder::new()
        .dist(
            Dist::wheel("app", "1.0")
                .requires_dist("left>=1")
                .requires_dist("right")
                .build(),
        )
        .dist(Dist::sdist("app", "1.0").requires_dist("left>=1").build())
        .dist(Dist::wheel("left", "1.2").requires_dist("base<3").build())
        .dist(Dist::wheel("right", "0.9").requires_dist("base>=1").build())
        .dist(Dist::wheel("base", "1.0").build())
        .dist(
            Dist::wheel("base", "1.0")
                .tag("cp312-cp312-manylinux_2_17_x86_64")
                .build(),
        )
        .dist(Dist::wheel("base", "2.0").build())
        .dist(Dist::wheel("marked", "4.1").build())
        .dist(Dist::wheel("included", "0.3").build())
        .start()
}

const DIAMOND_IN: &str = "\
# What the application needs.
app
left>=1.0
marked; python_version >= \"3.8\"
pywin32; sys_platform == \"win32\"
-r more.in
";

/// A project for [`diamond_index`], with a constraints file and an included file.
fn diamond_project() -> Project {
    let project = Project::new(DIAMOND_IN);
    project.write("more.in", "included\n");
    project.write("constraints.txt", "base<2\n");
    project
}

#[test]
fn golden_diamond_with_via_marker_constraint_and_include() {
    let index = diamond_index();
    let project = diamond_project();
    // An absolute constraints path still reads as a relative one in the lock.
    let constraints = project.path("constraints.txt");
    let (output, stdout, stderr) = project.compile(
        &index,
        &[
            "-c",
            constraints.to_str().expect("a UTF-8 path"),
            "-o",
            "requirements.txt",
        ],
    );
    assert!(output.status.success(), "{stderr}");
    assert_eq!(stdout, "", "the lock goes to the file only");
    assert!(
        stderr.starts_with("Locked 6 packages with 8 hashes in "),
        "{stderr}"
    );
    let lock = project.read("requirements.txt");
    assert_golden("diamond", &lock);
    // What the golden file shows, stated where it matters.
    assert!(lock.contains(
        "#    hashpin compile requirements.in --constraint=constraints.txt \
         --output-file=requirements.txt --python-version=3.12 --python-platform=linux\n"
    ));
    assert!(!lock.contains("127.0.0.1"), "no index address: {lock}");
    assert!(!lock.contains(&*project.dir.path().to_string_lossy()));
    assert!(lock.contains("marked==4.1 ; python_version >= \"3.8\" \\\n"));
    assert!(!lock.contains("pywin32"), "not needed on linux: {lock}");
    let blocks = blocks(&lock);
    assert!(
        blocks["base"]
            .ends_with("    # via\n    #   -c constraints.txt\n    #   left\n    #   right\n")
    );
    assert!(blocks["right"].ends_with("    # via app\n"));
    assert!(blocks["left"].ends_with("    # via\n    #   -r requirements.in\n    #   app\n"));
    assert!(blocks["included"].ends_with("    # via -r more.in\n"));
}

#[test]
fn golden_without_annotations_or_header_and_with_index_url() {
    let index = diamond_index();
    let project = diamond_project();

    let lock = project.lock(&index, &["-c", "constraints.txt", "--no-annotate"]);
    assert!(!lock.contains("# via"), "{lock}");
    assert_golden("no_annotate", &lock);

    let lock = project.lock(&index, &["-c", "constraints.txt", "--no-header"]);
    assert!(lock.starts_with("app==1.0 \\\n"), "{lock}");
    assert_golden("no_header", &lock);

    // Credentials in the index URL never reach the file; the port is the only variable part.
    let with_credentials = index.url().replace("http://", "http://alice:s3cret@");
    let (output, lock, stderr) = run(&mut project.command(
        &with_credentials,
        &["-c", "constraints.txt", "--emit-index-url"],
    ));
    assert!(output.status.success(), "{stderr}");
    assert!(
        lock.contains(&format!("\n--index-url {}\n\n", index.url())),
        "{lock}"
    );
    assert!(
        !lock.contains("alice") && !lock.contains("s3cret"),
        "{lock}"
    );
    assert!(!stderr.contains("s3cret"), "{stderr}");
    let port = format!(":{}/", index.addr().port());
    assert_golden("emit_index_url", &lock.replace(&port, ":<PORT>/"));
}

#[test]
fn same_inputs_give_the_same_bytes() {
    let index = diamond_index();
    let project = diamond_project();
    let args = ["-c", "constraints.txt"];
    let cold = project.lock(&index, &args);
    let warm = project.lock(&index, &args);
    assert_eq!(cold, warm);

    // The same requirements in another order, with comments and blank lines, in a new
    // project with a cold cache: the header names the same file, so every byte matches.
    let shuffled = diamond_project();
    shuffled.write(
        "requirements.in",
        "\n-r more.in\n\n# marked only where it applies\nmarked; python_version >= \"3.8\"  # why\n\
         \n   left>=1.0\npywin32 ; sys_platform == 'win32'\napp\n\n",
    );
    assert_eq!(shuffled.lock(&index, &args), cold);
}

#[test]
fn existing_pins_are_kept_until_upgraded() {
    let index = IndexBuilder::new()
        .dist(Dist::wheel("app", "1.0").requires_dist("dep>=1").build())
        .dist(Dist::wheel("dep", "1.0").build())
        .dist(Dist::wheel("dep", "1.5").build())
        .dist(Dist::wheel("other", "1.0").build())
        .dist(
            Dist::wheel("newcomer", "1.0")
                .requires_dist("helper")
                .build(),
        )
        .dist(Dist::wheel("helper", "0.1").build())
        .start();
    let project = Project::new("app\nother\n");
    let compile = |args: &[&str]| {
        let (output, stdout, stderr) =
            project.compile(&index, &[&["-o", "requirements.txt"], args].concat());
        assert!(output.status.success(), "{stderr}");
        assert_eq!(stdout, "");
        project.read("requirements.txt")
    };
    let first = compile(&[]);
    assert_eq!(pin_list(&first), "app==1.0 dep==1.5 other==1.0");

    // Newer releases appear, and a new requirement is added: the new requirement and its
    // dependency are locked, everything else stays exactly as it was.
    index.add_dist(Dist::wheel("dep", "2.0").build());
    index.add_dist(Dist::wheel("other", "2.0").build());
    project.write("requirements.in", "app\nother\nnewcomer\n");
    let second = compile(&[]);
    let mut added = blocks(&second);
    for (name, block) in blocks(&first) {
        assert_eq!(
            added.remove(&name),
            Some(block),
            "the entry of {name} changed"
        );
    }
    assert_eq!(
        added.keys().collect::<Vec<_>>(),
        ["helper", "newcomer"],
        "{second}"
    );
    let without_added: String = blocks(&second)
        .into_iter()
        .filter(|(name, _)| !added.contains_key(name))
        .map(|(_, block)| block)
        .collect();
    assert_eq!(
        format!(
            "{}{without_added}",
            second.split("app==").next().expect("a header")
        ),
        first
    );

    // One project upgraded: only it moves.
    let third = compile(&["--upgrade-package", "dep"]);
    assert_eq!(
        pin_list(&third),
        "app==1.0 dep==2.0 helper==0.1 newcomer==1.0 other==1.0"
    );

    // Everything upgraded.
    let fourth = compile(&["-U"]);
    assert_eq!(
        pin_list(&fourth),
        "app==1.0 dep==2.0 helper==0.1 newcomer==1.0 other==2.0"
    );

    // A kept pin that is yanked since is given up (only `==` in the inputs may hold a yanked
    // release), and only that one.
    index.set_yanked("dep-2.0-py3-none-any.whl", Some("bad"));
    let yanked = compile(&[]);
    assert_eq!(
        pin_list(&yanked),
        "app==1.0 dep==1.5 helper==0.1 newcomer==1.0 other==2.0"
    );
    index.set_yanked("dep-2.0-py3-none-any.whl", None);

    // One project moved to a given version, even an older one.
    let fifth = compile(&["--upgrade-package", "dep==1.0"]);
    assert_eq!(
        pin_list(&fifth),
        "app==1.0 dep==1.0 helper==0.1 newcomer==1.0 other==2.0"
    );
}

/// Real pip installs the lock with `--require-hashes`, and refuses it once one hash is wrong.
/// This is the one test that locks for the real `python3` (the default target): the same
/// interpreter then installs the lock.
#[test]
fn pip_installs_the_lock_and_refuses_a_wrong_hash() {
    require_pip();
    let dep_wheel = Dist::wheel("dep", "2.1").build();
    let index = IndexBuilder::new()
        .dist(Dist::wheel("app", "1.0").requires_dist("dep>=2").build())
        .dist(Dist::sdist("app", "1.0").requires_dist("dep>=2").build())
        .dist(dep_wheel.clone())
        .start();
    let project = Project::new("app\n");
    let (output, _, stderr) =
        run(&mut project.bare(&["-o", "requirements.txt", "--index-url", &index.url()]));
    assert!(output.status.success(), "{stderr}");
    let lock = project.read("requirements.txt");
    assert_eq!(pin_list(&lock), "app==1.0 dep==2.1", "{lock}");
    assert!(
        lock.contains("#    hashpin compile requirements.in --output-file=requirements.txt\n"),
        "the default target adds nothing to the command: {lock}"
    );

    let target = tempfile::tempdir().expect("an install directory");
    let (output, stdout, stderr) = pip_install(&project, &index, target.path());
    assert!(
        output.status.success(),
        "pip refused the lock:\n{lock}\n{stdout}\n{stderr}"
    );
    for installed in [
        "app/__init__.py",
        "app-1.0.dist-info",
        "dep/__init__.py",
        "dep-2.1.dist-info",
    ] {
        assert!(
            target.path().join(installed).exists(),
            "pip did not install {installed}:\n{stdout}"
        );
    }

    // One hex digit of dep's only hash flipped: pip must refuse to install anything.
    let hash = format!("--hash=sha256:{}", dep_wheel.sha256());
    let flipped = {
        let mut digits: Vec<char> = hash.chars().collect();
        let last = digits.len() - 1;
        digits[last] = if digits[last] == '0' { '1' } else { '0' };
        digits.into_iter().collect::<String>()
    };
    assert_eq!(lock.matches(&hash).count(), 1, "{lock}");
    project.write("requirements.txt", &lock.replace(&hash, &flipped));
    let target = tempfile::tempdir().expect("an install directory");
    let (output, stdout, stderr) = pip_install(&project, &index, target.path());
    assert!(
        !output.status.success(),
        "pip installed a file whose hash does not match:\n{stdout}"
    );
    assert!(
        stderr.contains("THESE PACKAGES DO NOT MATCH THE HASHES"),
        "{stderr}"
    );
    assert!(!target.path().join("dep").exists());
}

/// Fails the test, saying why, when `python3 -m pip` cannot run: this test is never skipped.
pub(crate) fn require_pip() {
    let output = Command::new("python3")
        .args(["-m", "pip", "--version"])
        .env("PIP_CONFIG_FILE", "/dev/null")
        .output()
        .unwrap_or_else(|error| {
            panic!("this test needs python3 with pip on PATH, and python3 cannot run: {error}")
        });
    assert!(
        output.status.success(),
        "this test needs python3 with pip on PATH; `python3 -m pip --version` failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// `python3 -m pip install --require-hashes --no-deps` of the project's `requirements.txt`,
/// isolated from pip's configuration and environment. Missing pip fails the test.
pub(crate) fn pip_install(
    project: &Project,
    index: &TestIndex,
    target: &Path,
) -> (Output, String, String) {
    let mut command = Command::new("python3");
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("PIP_") {
            command.env_remove(name);
        }
    }
    command
        .current_dir(project.dir.path())
        .env("PIP_CONFIG_FILE", "/dev/null")
        .args(["-m", "pip", "install", "--require-hashes", "--no-deps"])
        .args([
            "--no-cache-dir",
            "--isolated",
            "--disable-pip-version-check",
        ])
        .args(["--index-url", &index.url()])
        .arg("--target")
        .arg(target)
        .args(["-r", "requirements.txt"]);
    let output = command
        .output()
        .expect("python3 must be installed to run this test (it checks that pip accepts the lock)");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        !stderr.contains("No module named pip"),
        "pip must be installed for python3 to run this test: {stderr}"
    );
    (output, stdout, stderr)
}

#[test]
fn no_solution_exits_1_with_the_explanation() {
    let index = IndexBuilder::new()
        .dist(Dist::wheel("app", "1.0").requires_dist("dep>=5").build())
        .dist(Dist::wheel("dep", "1.0").build())
        .start();
    let project = Project::new("app\n");
    let (output, stdout, stderr) = project.compile(&index, &[]);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(stdout, "");
    assert!(
        stderr.starts_with("error: no set of versions satisfies the requirements:\n"),
        "{stderr}"
    );
    assert!(stderr.contains("dep>=5"), "{stderr}");
    assert!(stderr.contains("app"), "{stderr}");
}

#[test]
fn a_yanked_pin_exits_1_unless_allowed() {
    let index = IndexBuilder::new()
        .dist(
            Dist::wheel("old", "1.0")
                .yanked(Some("broken build"))
                .build(),
        )
        .dist(Dist::wheel("old", "1.1").build())
        .start();
    let project = Project::new("old==1.0\n");
    let (output, stdout, stderr) = project.compile(&index, &[]);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(stdout, "");
    assert_eq!(
        stderr,
        "error: `old==1.0` is pinned, but that release is yanked (reason: broken build)\n"
    );

    let (output, lock, stderr) = project.compile(&index, &["--allow-yanked", "old==1.0"]);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.starts_with("Locked 1 package with 1 hash in "),
        "{stderr}"
    );
    assert_eq!(pin_list(&lock), "old==1.0");
    assert!(
        lock.contains(" --allow-yanked=old==1.0\n#\n"),
        "the command records it: {lock}"
    );
    assert!(
        lock.contains(
            "\n# old==1.0 is yanked (broken build) and locked on purpose (--allow-yanked)\n"
        ),
        "the header notes it: {lock}"
    );
}

#[test]
fn unsupported_lines_exit_2_with_file_and_line() {
    let index = IndexBuilder::new()
        .dist(Dist::wheel("ok", "1.0").build())
        .start();
    let cases = [
        // Local projects are read for their dependencies; these have no pyproject.toml.
        (
            "-e ./x",
            "cannot lock the dependencies of the local project `./x`: there is no such directory",
        ),
        (
            "-e git+https://example.com/repo.git#egg=pkg",
            "editable requirement `git+https://example.com/repo.git#egg=pkg` cannot be locked with hashes",
        ),
        ("git+https://example.com/repo.git", "is a VCS requirement"),
        (
            "pkg @ git+https://example.com/repo.git",
            "is a VCS requirement",
        ),
        (
            "pkg @ file:///srv/pkg-1.0.tar.gz",
            "is a direct URL requirement; hashpin locks archives by http or https URL",
        ),
        (
            "./local/pkg",
            "cannot lock the dependencies of the local project `./local/pkg`",
        ),
        ("./local/pkg.tar.gz", "is a path or URL, not a requirement"),
        ("--frobnicate", "unsupported option `--frobnicate`"),
    ];
    for (line, message) in cases {
        let project = Project::new(&format!("# first\nok\n{line}\n"));
        let (output, stdout, stderr) = project.compile(&index, &[]);
        assert_eq!(output.status.code(), Some(2), "{line}: {stderr}");
        assert_eq!(stdout, "");
        assert!(
            stderr.starts_with("error: requirements.in:3: "),
            "{line}: {stderr}"
        );
        assert!(stderr.contains(message), "{line}: {stderr}");
    }
    // None of them needed the index.
    assert!(index.requests().is_empty());
}

#[test]
fn missing_inputs_exit_2() {
    let index = IndexBuilder::new()
        .dist(Dist::wheel("ok", "1.0").build())
        .start();
    let project = Project::new("ok\n");

    let (output, _, stderr) = project.compile(&index, &["nope.in"]);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.starts_with("error: cannot read nope.in\n"),
        "{stderr}"
    );

    // No input named, and neither default is there.
    std::fs::remove_file(project.path("requirements.in")).expect("remove requirements.in");
    let (output, _, stderr) = project.compile(&index, &[]);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(
        stderr,
        "error: no requirements.in or pyproject.toml here; name the files to lock\n"
    );

    project.write("requirements.in", "ok\n\n-r missing.in\n");
    let (output, _, stderr) = project.compile(&index, &[]);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.starts_with("error: requirements.in:3: cannot read `missing.in`"),
        "{stderr}"
    );

    project.write("requirements.in", "ok\n");
    let (output, _, stderr) = project.compile(&index, &["-c", "missing.txt"]);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.starts_with("error: cannot read missing.txt\n"),
        "{stderr}"
    );
    assert!(index.requests().is_empty());
}

#[test]
fn invalid_option_values_exit_2_naming_the_option() {
    let index = IndexBuilder::new()
        .dist(Dist::wheel("ok", "1.0").build())
        .start();
    let project = Project::new("ok\n");
    let cases: [(&[&str], &str); 5] = [
        (
            &["--exclude-newer", "yesterday"],
            "`yesterday` is not an RFC 3339 timestamp or a date (YYYY-MM-DD)",
        ),
        (
            &["--allow-yanked", "ok"],
            "invalid --allow-yanked `ok`: expected NAME==VERSION",
        ),
        (
            &["--allow-yanked", "ok>=1"],
            "invalid --allow-yanked `ok>=1`: expected NAME==VERSION",
        ),
        (
            &["--upgrade-package", "o k"],
            "invalid --upgrade-package `o k`",
        ),
        (&["--index-strategy", "fastest"], "invalid value 'fastest'"),
    ];
    for (args, message) in cases {
        let (output, stdout, stderr) = project.compile(&index, args);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stdout, "");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }

    // The target flags are checked with the target's other half given.
    let cases: [(&[&str], &str); 4] = [
        (
            &["--python-version", "three", "--python-platform", "linux"],
            "error: invalid --python-version\n  caused by: `three` is not a Python version such as `3.12` or `3.12.4`\n",
        ),
        (
            &["--python-version", "3", "--python-platform", "linux"],
            "error: invalid --python-version\n  caused by: `3` is not a Python version",
        ),
        (
            &["--python-version", "2.7", "--python-platform", "linux"],
            "error: invalid --python-version\n  caused by: `2.7` is not a Python version",
        ),
        (
            &["--python-version", "3.12", "--python-platform", "amiga"],
            "error: invalid --python-platform\n  caused by: unknown platform `amiga`; use `linux`, `macos`, `windows`, or one such as",
        ),
    ];
    for (args, message) in cases {
        let (output, stdout, stderr) = run(project.bare(args).args(["--index-url", &index.url()]));
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stdout, "");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
    assert!(index.requests().is_empty());
}

#[test]
fn network_failures_exit_2() {
    let index = IndexBuilder::new()
        .dist(Dist::wheel("ok", "1.0").build())
        .start();
    let project = Project::new("ok\n");
    index.fail_next("/simple/ok/", vec![Failure::Status(500); 10]);
    // Both wait out the retries, so they run side by side.
    let failing = spawn(&mut project.command(&index.url(), &[]));
    let closed = spawn(&mut project.command(&closed_port_url(), &[]));

    let (output, stdout, stderr) = finish(failing);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(stdout, "");
    assert_eq!(
        stderr,
        format!(
            "error: cannot list the files of `ok`\n  caused by: `{}` answered HTTP 500\n",
            index.project_url("ok")
        )
    );
    let statuses: Vec<u16> = index
        .requests()
        .iter()
        .map(|request| request.status)
        .collect();
    assert_eq!(statuses, [500; 4], "retried, then given up");

    let (output, stdout, stderr) = finish(closed);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(stdout, "");
    assert!(
        stderr.starts_with("error: cannot list the files of `ok`\n"),
        "{stderr}"
    );
    assert!(stderr.contains("failed after 4 attempts"), "{stderr}");
    assert!(stderr.contains("\nhint: check the network"), "{stderr}");
}

#[test]
fn an_index_that_wants_credentials_gets_a_hint() {
    let index = IndexBuilder::new()
        .dist(Dist::wheel("ok", "1.0").build())
        .options(ServerOptions {
            basic_auth: Some(("user".into(), "secret".into())),
            ..ServerOptions::default()
        })
        .start();
    let project = Project::new("ok\n");
    let (output, _, stderr) = project.compile(&index, &[]);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("answered HTTP 401"), "{stderr}");
    assert!(
        stderr.contains("\nhint: the index refused the request: give credentials"),
        "{stderr}"
    );

    let with_credentials = index.url().replace("http://", "http://user:secret@");
    let (output, lock, stderr) = run(&mut project.command(&with_credentials, &[]));
    assert!(output.status.success(), "{stderr}");
    assert!(!lock.contains("secret") && !stderr.contains("secret"));
}

#[test]
fn offline_with_a_cold_cache_exits_2_with_a_hint() {
    let index = IndexBuilder::new()
        .dist(Dist::wheel("ok", "1.0").build())
        .start();
    let project = Project::new("ok\n");
    let (output, _, stderr) = project.compile(&index, &["--offline"]);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("(--offline)"), "{stderr}");
    assert!(
        stderr.ends_with("\nhint: run once without --offline to fill the cache\n"),
        "{stderr}"
    );
    assert!(index.requests().is_empty());

    // Once warm, the same lock comes from the cache alone.
    let online = project.lock(&index, &[]);
    index.clear_requests();
    assert_eq!(project.lock(&index, &["--offline"]), online);
    assert!(index.requests().is_empty());
}

/// Flips the last byte of every cached page of `project` (in the last version's records,
/// which only their own check can tell), and returns how many there were.
fn damage_cached_pages(project: &Project) -> usize {
    let pages = project.cache.path().join("simple-v3");
    let mut damaged = 0;
    for index_dir in std::fs::read_dir(&pages).expect("the page cache") {
        for entry in std::fs::read_dir(index_dir.expect("an entry").path()).expect("a dir") {
            let path = entry.expect("an entry").path();
            let mut bytes = std::fs::read(&path).expect("a page entry");
            *bytes.last_mut().expect("not empty") ^= 1;
            std::fs::write(&path, bytes).expect("writable");
            damaged += 1;
        }
    }
    damaged
}

/// Damages the project's cached page, compiles again from the log-cleared `index`, and checks
/// that the lock is `online` again; the run's standard error.
fn relock_after_damage(project: &Project, index: &TestIndex, online: &str) -> String {
    assert_eq!(damage_cached_pages(project), 1);
    index.clear_requests();
    let (output, lock, stderr) = project.compile(index, &[]);
    assert!(output.status.success(), "{stderr}");
    assert_eq!(lock, online);
    stderr
}

/// The statuses of the requests for `name`'s page, in order.
fn page_statuses(index: &TestIndex, name: &str) -> Vec<u16> {
    let page = format!("/{name}/");
    index
        .requests()
        .into_iter()
        .filter(|request| request.path.ends_with(&page))
        .map(|request| request.status)
        .collect()
}

#[test]
fn a_page_found_damaged_in_the_cache_is_fetched_again() {
    // Fresh for a while, so that a warm run reads it without asking the index.
    let index = IndexBuilder::new()
        .dist(Dist::wheel("ok", "1.0").build())
        .options(ServerOptions {
            cache_control: Some("max-age=600".into()),
            ..ServerOptions::default()
        })
        .start();
    let project = Project::new("ok\n");
    let online = project.lock(&index, &[]);

    // Found when the version is read: the resolution is not built on what is left.
    let stderr = relock_after_damage(&project, &index, &online);
    assert_eq!(
        stderr.lines().next(),
        Some("warning: the cached page of `ok` was damaged and is discarded; resolving again"),
        "{stderr}"
    );
    assert_eq!(page_statuses(&index, "ok"), [200]);

    // Offline, there is nothing to fetch it from: said so, and no lock.
    assert_eq!(damage_cached_pages(&project), 1);
    let (output, _, stderr) = project.compile(&index, &["--offline"]);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("is not in the cache"), "{stderr}");
}

#[test]
fn a_damaged_page_the_index_says_is_unchanged_is_fetched_whole() {
    // Revalidated on every run (no cache headers): the index answers 304.
    let index = IndexBuilder::new()
        .dist(Dist::wheel("ok", "1.0").build())
        .start();
    let project = Project::new("ok\n");
    let online = project.lock(&index, &[]);
    let stderr = relock_after_damage(&project, &index, &online);
    assert!(!stderr.contains("warning"), "{stderr}");
    assert_eq!(page_statuses(&index, "ok"), [304, 200]);
    // The entry written from the second answer is sound.
    index.clear_requests();
    assert_eq!(project.lock(&index, &["--offline"]), online);
}

#[test]
fn issue_10_find_links_files_count_under_a_cutoff() {
    // On the index, dep 1.0 before the cutoff and 2.0 after it; in a find-links directory
    // beside the project, dep 3.0, which (as every find-links file) has no upload time.
    let index = dated_dep_index();
    let project = Project::new("dep\n");
    let wheels = project.path("wheels");
    std::fs::create_dir(&wheels).expect("a wheels directory");
    let local = Dist::wheel("dep", "3.0").build();
    std::fs::write(wheels.join(local.filename()), local.bytes()).expect("a local wheel");

    // Given as an absolute path, written into the header relative to where the command runs.
    let absolute = wheels.display().to_string();
    let (output, lock, stderr) = project.compile(
        &index,
        &["--exclude-newer", "2024-03-01", "--find-links", &absolute],
    );
    assert!(output.status.success(), "{stderr}");
    assert_eq!(pin_list(&lock), "dep==3.0");
    assert!(
        stderr.contains(
            "note: --exclude-newer does not apply to files from --find-links, which have no upload time: dep==3.0"
        ),
        "{stderr}"
    );
    assert!(lock.contains(" --find-links=wheels "), "{lock}");
    assert!(!lock.contains(&absolute), "{lock}");

    // Without the directory, the cutoff holds on the index.
    let (output, lock, stderr) = project.compile(&index, &["--exclude-newer", "2024-03-01"]);
    assert!(output.status.success(), "{stderr}");
    assert_eq!(pin_list(&lock), "dep==1.0");
    assert!(!stderr.contains("note:"), "{stderr}");
}

#[test]
fn issue_10_macos_targets_take_the_deployment_target() {
    // A current wheel for Apple silicon that needs macOS 14.
    let index = IndexBuilder::new()
        .dist(
            Dist::wheel("cv", "4.13")
                .tag("cp312-cp312-macosx_14_0_arm64")
                .build(),
        )
        .start();
    let project = Project::new("cv\n");
    let macos = ["--python-version", "3.12", "--python-platform", "macos"];
    // The default, macOS 13, is too old for it; the error says so.
    let mut command = project.bare(&macos);
    command.args(["--index-url", &index.url()]);
    let (output, _, stderr) = run(&mut command);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    // MACOSX_DEPLOYMENT_TARGET moves it, and the header names the version locked for.
    let mut command = project.bare(&macos);
    command
        .args(["--index-url", &index.url()])
        .env("MACOSX_DEPLOYMENT_TARGET", "14.0");
    let (output, lock, stderr) = run(&mut command);
    assert!(output.status.success(), "{stderr}");
    assert_eq!(pin_list(&lock), "cv==4.13");
    assert!(
        lock.contains(" --python-platform=arm64-macos_14_0"),
        "{lock}"
    );
    // Which runs again as it is, without the variable.
    let mut command = project.bare(&[
        "--python-version",
        "3.12",
        "--python-platform",
        "arm64-macos_14_0",
    ]);
    command.args(["--index-url", &index.url()]);
    let (output, again, stderr) = run(&mut command);
    assert!(output.status.success(), "{stderr}");
    assert_eq!(again, lock);

    let mut command = project.bare(&macos);
    command
        .args(["--index-url", &index.url()])
        .env("MACOSX_DEPLOYMENT_TARGET", "fourteen");
    let (output, _, stderr) = run(&mut command);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("invalid MACOSX_DEPLOYMENT_TARGET"),
        "{stderr}"
    );
}

#[test]
fn issue_10_local_projects_have_their_dependencies_locked() {
    let index = IndexBuilder::new()
        .dist(Dist::wheel("dep", "1.0").build())
        .dist(Dist::wheel("devtool", "2.0").build())
        .dist(Dist::wheel("other", "3.0").build())
        .start();
    let project = Project::new("-e .[dev]\n./libs/sub\n");
    project.write(
        "pyproject.toml",
        "[project]\nname = \"app\"\nversion = \"0.1\"\ndependencies = [\"dep\"]\n\n[project.optional-dependencies]\ndev = [\"devtool\"]\n",
    );
    std::fs::create_dir_all(project.path("libs/sub")).expect("a directory");
    project.write(
        "libs/sub/pyproject.toml",
        "[project]\nname = \"sub\"\nversion = \"1\"\ndependencies = [\"other\"]\n",
    );
    let lock = project.lock(&index, &[]);
    assert_eq!(pin_list(&lock), "dep==1.0 devtool==2.0 other==3.0");
    assert!(!lock.contains("\napp") && !lock.contains("\nsub"), "{lock}");
    assert!(
        lock.contains("# the local project . is not in this file (pip's hash-checking mode refuses it): after installing this file, run `pip install --no-deps -e '.[dev]'`\n"),
        "{lock}"
    );
    assert!(
        lock.contains("run `pip install --no-deps ./libs/sub`"),
        "{lock}"
    );

    // A directory with nothing to build is refused with what is wrong and where.
    project.write("requirements.in", "-e ./empty\n");
    std::fs::create_dir_all(project.path("empty")).expect("a directory");
    let (output, _, stderr) = project.compile(&index, &[]);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("requirements.in:1: cannot lock the dependencies of the local project `./empty`: there is no pyproject.toml, setup.py or setup.cfg there"),
        "{stderr}"
    );
}

/// Starts a command with its output captured.
fn spawn(command: &mut Command) -> std::process::Child {
    command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("hashpin starts")
}

/// Waits for a [`spawn`]ed command; its output as [`run`] gives it.
fn finish(child: std::process::Child) -> (Output, String, String) {
    let output = child.wait_with_output().expect("hashpin finishes");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output, stdout, stderr)
}

/// An index URL on a loopback port nothing listens on.
pub(crate) fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let port = listener.local_addr().expect("a local address").port();
    drop(listener);
    format!("http://127.0.0.1:{port}/simple/")
}

#[test]
fn a_failed_run_leaves_the_existing_lock_alone() {
    let index = IndexBuilder::new()
        .dist(Dist::wheel("app", "1.0").requires_dist("dep>=5").build())
        .dist(Dist::wheel("dep", "1.0").build())
        .start();
    let project = Project::new("app\n");
    let sentinel = "# a lock from before\napp==0.9 \\\n    --hash=sha256:0123\n";
    project.write("requirements.txt", sentinel);
    let files = project.files();
    let args = ["-o", "requirements.txt"];

    let (output, ..) = project.compile(&index, &args);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(project.read("requirements.txt"), sentinel);

    let (output, ..) = run(&mut project.command(&closed_port_url(), &args));
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(project.read("requirements.txt"), sentinel);

    project.write("requirements.in", "app\n-e .\n");
    let (output, ..) = project.compile(&index, &args);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(project.read("requirements.txt"), sentinel);
    // No temporary file was left beside it either.
    assert_eq!(project.files(), files);
}

#[test]
fn output_goes_to_stdout_without_a_file_or_with_dry_run() {
    let index = IndexBuilder::new()
        .dist(Dist::wheel("app", "1.0").requires_dist("dep").build())
        .dist(Dist::wheel("dep", "1.0").build())
        .start();
    let project = Project::new("app\n");

    let (output, lock, stderr) = project.compile(&index, &[]);
    assert!(output.status.success(), "{stderr}");
    assert_eq!(pin_list(&lock), "app==1.0 dep==1.0");
    assert!(lock.starts_with("#\n# This file was generated by hashpin."));
    assert!(lock.ends_with("    # via app\n"), "{lock}");
    let status = stderr
        .strip_prefix("Locked 2 packages with 2 hashes in ")
        .unwrap_or_default();
    assert!(
        status.ends_with("s\n") && status.lines().count() == 1,
        "the status line, and nothing else, is on stderr: {stderr}"
    );
    assert_eq!(project.files(), ["requirements.in"]);

    let (output, quiet, stderr) = project.compile(&index, &["-q"]);
    assert!(output.status.success());
    assert_eq!(stderr, "", "-q prints nothing but errors");
    assert_eq!(quiet, lock);

    // --dry-run prints what -o would write, and creates nothing.
    let (output, dry, stderr) = project.compile(&index, &["--dry-run", "-o", "requirements.txt"]);
    assert!(output.status.success(), "{stderr}");
    assert_eq!(project.files(), ["requirements.in"]);
    assert!(
        dry.contains("#    hashpin compile requirements.in --output-file=requirements.txt "),
        "{dry}"
    );
    assert_eq!(body(&dry), body(&lock));

    // ... and modifies nothing.
    project.write("requirements.txt", "# before\n");
    let (output, again, _) = project.compile(&index, &["--dry-run", "-o", "requirements.txt"]);
    assert!(output.status.success());
    assert_eq!(again, dry);
    assert_eq!(project.read("requirements.txt"), "# before\n");
}

/// Written through a temporary file, the lock still gets an ordinary file's mode (not the
/// temporary file's private 0600), and an existing lock keeps its mode.
#[cfg(unix)]
#[test]
fn the_lock_file_is_readable_like_any_other() {
    use std::os::unix::fs::PermissionsExt as _;
    let index = IndexBuilder::new()
        .dist(Dist::wheel("app", "1.0").build())
        .start();
    let project = Project::new("app\n");
    let mode = |name: &str| {
        let mode = std::fs::metadata(project.path(name))
            .expect("the file exists")
            .permissions()
            .mode()
            & 0o777;
        format!("{mode:o}")
    };
    let (output, _, stderr) = project.compile(&index, &["-o", "requirements.txt"]);
    assert!(output.status.success(), "{stderr}");
    // requirements.in was written by this process, under the same umask.
    assert_eq!(mode("requirements.txt"), mode("requirements.in"));

    std::fs::set_permissions(
        project.path("requirements.txt"),
        std::fs::Permissions::from_mode(0o640),
    )
    .expect("the lock's mode can be changed");
    let (output, _, stderr) = project.compile(&index, &["-o", "requirements.txt", "-U"]);
    assert!(output.status.success(), "{stderr}");
    assert_eq!(mode("requirements.txt"), "640");

    // A directory that is not there is made (as uv makes it); one that cannot be is an error,
    // not a panic.
    let (output, _, stderr) = project.compile(&index, &["-o", "locks/requirements.txt"]);
    assert!(output.status.success(), "{stderr}");
    let (output, _, stderr) = project.compile(&index, &["-o", "requirements.in/x.txt"]);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("error: cannot write requirements.in/x.txt\n"),
        "{stderr}"
    );
}

#[test]
fn a_file_without_a_hash_is_not_locked() {
    let index = IndexBuilder::new()
        .dist(Dist::wheel("app", "1.0").requires_dist("dep").build())
        .dist(Dist::wheel("dep", "1.0").build())
        .dist(Dist::sdist("dep", "1.0").hash(false).build())
        .start();
    let project = Project::new("app\n");
    project.write("requirements.txt", "# before\n");
    let (output, stdout, stderr) = project.compile(&index, &["-o", "requirements.txt"]);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(stdout, "");
    assert_eq!(
        stderr,
        "error: the index publishes no usable hash for `dep-1.0.tar.gz`; hashpin does not lock files it cannot verify\n"
    );
    assert_eq!(project.read("requirements.txt"), "# before\n");
}

/// `dep` 1.0, uploaded 2024-01-10, and 2.0, uploaded 2024-06-01.
fn dated_dep_index() -> TestIndex {
    IndexBuilder::new()
        .dist(
            Dist::wheel("dep", "1.0")
                .upload_time("2024-01-10T12:00:00Z")
                .build(),
        )
        .dist(
            Dist::wheel("dep", "2.0")
                .upload_time("2024-06-01T00:00:00.000000Z")
                .build(),
        )
        .start()
}

#[test]
fn exclude_newer_ignores_later_uploads() {
    let index = dated_dep_index();
    let project = Project::new("dep\n");
    assert_eq!(pin_list(&project.lock(&index, &[])), "dep==2.0");

    let lock = project.lock(&index, &["--exclude-newer", "2024-03-01"]);
    assert_eq!(pin_list(&lock), "dep==1.0");
    assert!(lock.contains(" --exclude-newer=2024-03-01\n"), "{lock}");

    // The same, once more with a warm cache, and with a full timestamp.
    let lock = project.lock(&index, &["--exclude-newer", "2024-05-31T23:59:59Z"]);
    assert_eq!(pin_list(&lock), "dep==1.0");

    // The pin of a warm run is checked against the index: yanked since, it is not locked.
    index.set_yanked("dep-1.0-py3-none-any.whl", Some("oops"));
    let (output, lock, stderr) = project.compile(&index, &["--exclude-newer", "2024-03-01"]);
    assert_eq!(output.status.code(), Some(1), "{lock}");
    assert!(
        stderr.starts_with(
            "dep==1.0 changed on the index since it was cached; resolving again with fresh pages\n"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("dep 1.0 is yanked (reason: oops)"),
        "{stderr}"
    );
    index.set_yanked("dep-1.0-py3-none-any.whl", None);

    // Nothing old enough: the explanation says so.
    let (output, _, stderr) = project.compile(&index, &["--exclude-newer", "2023-01-01"]);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("dep"), "{stderr}");
}

#[test]
fn a_cutoff_refetches_only_the_pages_used_from_the_cache() {
    let index = IndexBuilder::new()
        .dist(
            Dist::wheel("app", "1.0")
                .requires_dist("dep")
                .upload_time("2024-01-10T12:00:00Z")
                .build(),
        )
        .dist(
            Dist::wheel("dep", "1.0")
                .upload_time("2024-01-10T12:00:00Z")
                .build(),
        )
        .start();
    let project = Project::new("app\n");
    let pages = |index: &TestIndex| {
        let mut pages: Vec<String> = index
            .requests()
            .into_iter()
            .filter(|request| request.path.starts_with("/simple/"))
            .map(|request| request.path)
            .collect();
        pages.sort();
        pages
    };
    // Cold: each page once. A second round would only repeat what this run just fetched.
    let cold = project.lock(&index, &["--exclude-newer", "2024-03-01"]);
    assert_eq!(pages(&index), ["/simple/app/", "/simple/dep/"]);

    // Warm: the pages come from the cache, and the pinned projects' are checked once.
    index.clear_requests();
    assert_eq!(
        project.lock(&index, &["--exclude-newer", "2024-03-01"]),
        cold
    );
    assert_eq!(pages(&index), ["/simple/app/", "/simple/dep/"]);
}

#[test]
fn requirements_from_stdin() {
    let index = IndexBuilder::new()
        .dist(Dist::wheel("app", "1.0").requires_dist("dep").build())
        .dist(Dist::wheel("dep", "1.0").build())
        .start();
    // requirements.in is there, and not read: `-` is the only input.
    let project = Project::new("unused\n");
    let mut child = spawn(project.command(&index.url(), &["-"]).stdin(Stdio::piped()));
    child
        .stdin
        .take()
        .expect("a stdin pipe")
        .write_all(b"# from a pipe\napp\n")
        .expect("hashpin reads stdin");
    let (output, lock, stderr) = finish(child);
    assert!(output.status.success(), "{stderr}");
    assert_eq!(pin_list(&lock), "app==1.0 dep==1.0");
    assert!(
        lock.contains("#    hashpin compile - --python-version=3.12 --python-platform=linux\n"),
        "{lock}"
    );
    assert!(lock.contains("app==1.0 \\\n"), "{lock}");
    assert_eq!(blocks(&lock)["app"].lines().last(), Some("    # via -r -"));
}

#[test]
fn help_explains_the_python_version() {
    let cache = tempfile::tempdir().expect("a cache directory");
    let (output, stdout, _) = run(hashpin(cache.path()).args(["compile", "--help"]));
    assert!(output.status.success());
    let help = words(&stdout);
    assert!(help.contains("--python-version <VERSION>"), "{stdout}");
    assert!(
        help.contains("3.12 means 3.12.0, so the lock installs on every 3.12.x"),
        "{stdout}"
    );
}

#[test]
fn pip_compile_s_command_line_runs_as_it_is() {
    // A Makefile's `pip-compile --generate-hashes --allow-unsafe ...` line, with hashpin in
    // its place: the same lock as hashpin's own spelling, setuptools pinned and hashed.
    let index = IndexBuilder::new()
        .dist(
            Dist::wheel("tool", "1.0")
                .requires_dist("setuptools")
                .build(),
        )
        .dist(Dist::wheel("setuptools", "80.0").build())
        .start();
    let project = Project::new("tool\n");
    let plain = project.lock(&index, &[]);
    assert!(plain.contains("setuptools==80.0 \\"), "{plain}");
    let pip_compile = project.lock(
        &index,
        &[
            "--generate-hashes",
            "--allow-unsafe",
            "--strip-extras",
            "--annotate",
            "--header",
            "--no-emit-index-url",
            "--resolver",
            "backtracking",
            "--max-rounds",
            "10",
            "--reuse-hashes",
            "--build-isolation",
            "--rebuild",
            "-n",
        ],
    );
    assert_eq!(body(&pip_compile), body(&plain));
    // The opposites of hashpin's own flags undo them, last one winning, as in pip-compile.
    let annotated = project.lock(&index, &["--no-annotate", "--annotate"]);
    assert_eq!(body(&annotated), body(&plain));
    let (output, _, stderr) = project.compile(&index, &["--resolver", "legacy"]);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("backtracking"), "{stderr}");
}

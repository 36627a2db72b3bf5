//! `hashpin diff`: a lock update, riskiest change first, for people, as Markdown and as JSON.

use hashpin_testkit::Dist;

use crate::compile::Project;
use crate::cooldown::{ago, index};
use crate::{hashpin, run};

#[test]
fn diff_orders_a_lock_update_by_risk_in_three_formats() {
    let index = index();
    let project = Project::new("dep\n");
    let (done, _, stderr) = project.compile(
        &index,
        &["-o", "pylock.old.toml", "--exclude-newer", "7 days"],
    );
    assert!(done.status.success(), "{stderr}");
    index.add_dist(
        Dist::wheel("extra", "1.0")
            .file("extra_init.pth", "import os\n")
            .upload_time(&ago(1))
            .build(),
    );
    project.write("requirements.in", "dep\nextra\n");
    let (done, _, stderr) = project.compile(
        &index,
        &["-o", "pylock.new.toml", "--allow-startup-hook", "extra"],
    );
    assert!(done.status.success(), "{stderr}");

    let diff = |args: &[&str]| {
        run(hashpin(project.cache.path())
            .current_dir(project.dir.path())
            .args(["diff", "pylock.old.toml", "pylock.new.toml"])
            .args(args))
    };
    let (done, stdout, stderr) = diff(&[]);
    assert!(done.status.success(), "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(
        lines[0].starts_with("high    extra 1.0 (new): a project the lock did not have; startup hooks installed: extra_init.pth sha256:"),
        "{stdout}"
    );
    assert!(lines[0].contains("; uploaded 1 day ago ("), "{stdout}");
    assert!(
        lines[1].starts_with("medium  dep 1.0 -> 2.0: uploaded 1 hour ago"),
        "{stdout}"
    );
    assert!(stderr.contains("2 changes (1 high, 1 medium)"), "{stderr}");

    let (done, stdout, _) = diff(&["--format", "markdown"]);
    assert!(done.status.success());
    assert!(stdout.contains("| high | `extra` | 1.0 (new) | **new-dependency**: a project the lock did not have<br>**startup-hook**: "), "{stdout}");
    let (done, stdout, _) = diff(&["--format", "json"]);
    assert!(done.status.success());
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(json[0]["name"], "extra");
    assert_eq!(json[0]["risk"], "high");
    assert_eq!(json[1]["kind"], "upgraded");

    let (done, _, stderr) = diff(&["--fail-on", "high"]);
    assert_eq!(done.status.code(), Some(1), "{stderr}");
    let (done, _, _) = diff(&["--fail-on", "high", "--min-age", "1 minute"]);
    assert_eq!(done.status.code(), Some(1));
    // Hash-only requirements files diff too, with what they hold.
    for (from, to) in [
        ("pylock.old.toml", "old.txt"),
        ("pylock.new.toml", "new.txt"),
    ] {
        let (done, _, stderr) = run(hashpin(project.cache.path())
            .current_dir(project.dir.path())
            .args(["export", from, "-o", to]));
        assert!(done.status.success(), "{stderr}");
    }
    let (done, stdout, stderr) = run(hashpin(project.cache.path())
        .current_dir(project.dir.path())
        .args(["diff", "old.txt", "new.txt"]));
    assert!(done.status.success(), "{stderr}");
    assert_eq!(
        stdout,
        "medium  extra 1.0 (new): a project the lock did not have\nlow     dep 1.0 -> 2.0\n"
    );
}

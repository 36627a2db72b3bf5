//! `hashpin inventory`: licences of each kind, the file that installs on the target and its
//! size, depth and who requires each package, totals and the heaviest subtrees, in a table,
//! JSON and CSV.

use hashpin_testkit::{Dist, IndexBuilder, TestIndex};

use crate::compile::{Project, TARGET};
use crate::{hashpin, run};

/// app (MIT by expression) needs big (classifiers only, ambiguous) and small (License
/// field); big needs small too; small's licence is a formula-shaped text.
fn index() -> TestIndex {
    IndexBuilder::new()
        .dist(
            Dist::wheel("app", "1.0")
                .provenance(&hashpin_testkit::provenance("org/app", "release.yml"))
                .metadata_version("2.4")
                .header("License-Expression", "MIT")
                .requires_dist("big")
                .requires_dist("small")
                .build(),
        )
        .dist(
            Dist::wheel("big", "2.0")
                .header("Classifier", "License :: OSI Approved :: BSD License")
                .requires_dist("small")
                .pad_bytes(300_000)
                .build(),
        )
        .dist(Dist::sdist("big", "2.0").build())
        .dist(
            Dist::wheel("small", "0.1")
                .header("License", "Apache License, Version 2.0")
                .build(),
        )
        .dist(
            Dist::sdist("odd", "1.0")
                .header("License", "=cmd|' /C calc'!A0")
                .build(),
        )
        .start()
}

fn inventory(
    project: &Project,
    index: &TestIndex,
    args: &[&str],
) -> (std::process::Output, String, String) {
    run(hashpin(project.cache.path())
        .current_dir(project.dir.path())
        .args(["inventory", "requirements.txt", "--index-url", &index.url()])
        .args(TARGET)
        .args(args))
}

#[test]
fn licences_sizes_depths_and_the_heaviest_subtree() {
    let index = index();
    let project = Project::new("app\nodd\n");
    let (output, _, stderr) = project.compile(&index, &["-o", "requirements.txt"]);
    assert!(output.status.success(), "{stderr}");
    let (output, stdout, stderr) = inventory(&project, &index, &[]);
    assert!(output.status.success(), "{stdout}{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(
        lines[0].starts_with("package  version  licence"),
        "{stdout}"
    );
    let row = |name: &str| {
        lines
            .iter()
            .find(|line| line.starts_with(&format!("{name} ")))
            .map_or_else(
                || panic!("no row for {name}: {stdout}"),
                |line| line.split_whitespace().collect::<Vec<_>>().join(" "),
            )
    };
    assert!(row("app").starts_with("app 1.0 MIT "), "{stdout}");
    assert!(row("app").ends_with(" 1 -r requirements.in"), "{stdout}");
    // The wheel that installs on the target is counted, not the sdist beside it.
    assert!(
        row("big").starts_with("big 2.0 unknown (BSD License) 30"),
        "{stdout}"
    );
    assert!(row("big").ends_with(" 2 app"), "{stdout}");
    assert!(
        row("small").starts_with("small 0.1 Apache-2.0 "),
        "{stdout}"
    );
    assert!(row("small").ends_with(" 2 app, big"), "{stdout}");
    assert!(stderr.contains("4 packages, "), "{stderr}");
    assert!(
        stderr.contains(", at most 2 deep\nHeaviest: app ("),
        "{stderr}"
    );
    assert!(stderr.contains("3 packages), odd ("), "{stderr}");

    let (output, stdout, stderr) = inventory(&project, &index, &["--format", "json"]);
    assert!(output.status.success(), "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let big = report["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "big")
        .unwrap();
    assert_eq!(big["file"], "big-2.0-py3-none-any.whl");
    assert_eq!(big["licence"]["spdx"], serde_json::Value::Null);
    assert_eq!(big["licence"]["written"], "BSD License");
    assert_eq!(big["subtree"]["packages"], 2);
    assert_eq!(report["totals"]["packages"], 4);
    assert_eq!(report["totals"]["max_depth"], 2);
    assert_eq!(report["heaviest"][0]["name"], "app");
    // The publisher as the index's provenance names it: recorded, not verified.
    let app = report["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "app")
        .unwrap();
    assert_eq!(app["publishers"][0]["kind"], "GitHub");
    assert_eq!(app["publishers"][0]["keys"]["repository"], "org/app");
    assert_eq!(app["publishers_verified"], false);

    // A first line that names no licence is not quoted as one; what does reach the CSV
    // from a file (a `# via` entry) reaches no spreadsheet as a formula.
    let (output, stdout, stderr) = inventory(&project, &index, &["--format", "csv"]);
    assert!(output.status.success(), "{stderr}");
    assert!(stdout.starts_with("name,version,licence,licence_from,size,file,depth,required_by,subtree_bytes,subtree_packages,publishers\n"), "{stdout}");
    assert!(
        stdout.contains("\"odd\",\"1.0\",\"unknown\",\"License\","),
        "{stdout}"
    );
    assert!(
        stdout.lines().any(|line| line.starts_with("\"app\",")
            && line.ends_with(",\"GitHub org/app release.yml\"")),
        "{stdout}"
    );
    assert!(stdout.contains(",\"'-r requirements.in\","), "{stdout}");
}

#[test]
fn what_cannot_be_read_is_said() {
    let index = index();
    let project = Project::new("app\n");
    let (output, _, stderr) = project.compile(&index, &["-o", "requirements.txt"]);
    assert!(output.status.success(), "{stderr}");
    let closed = crate::compile::closed_port_url();
    let (output, stdout, stderr) = run(hashpin(project.cache.path())
        .current_dir(project.dir.path())
        .args(["inventory", "requirements.txt", "--index-url", &closed])
        .args(TARGET));
    assert!(output.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("app "), "{stdout}");
    assert!(
        stderr.contains("Not all is known of 3 packages: app (the index could not list it: "),
        "{stderr}"
    );
    assert!(
        stderr.contains("3 packages, 0 B (3 of unknown size)"),
        "{stderr}"
    );
}

#[test]
fn the_sbom_is_valid_cyclonedx_1_6_with_the_graph() {
    let index = index();
    let project = Project::new("app\nodd\n");
    let (output, _, stderr) = project.compile(&index, &["-o", "requirements.txt"]);
    assert!(output.status.success(), "{stderr}");
    let (output, stdout, stderr) = inventory(&project, &index, &["--format", "cyclonedx"]);
    assert!(output.status.success(), "{stderr}");
    let bom: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(bom["specVersion"], "1.6");
    assert_eq!(bom["metadata"]["tools"]["components"][0]["name"], "hashpin");
    let components = bom["components"].as_array().unwrap();
    let app = components.iter().find(|c| c["name"] == "app").unwrap();
    assert_eq!(app["purl"], "pkg:pypi/app@1.0");
    assert_eq!(app["licenses"][0]["expression"], "MIT");
    let big_wheel = index.dist("big-2.0-py3-none-any.whl").unwrap();
    let big = components.iter().find(|c| c["name"] == "big").unwrap();
    assert_eq!(big["hashes"][0]["content"], big_wheel.sha256());
    assert_eq!(big["licenses"][0]["license"]["name"], "BSD License");
    let depends = |of: &str| {
        bom["dependencies"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["ref"] == of)
            .map(|d| d["dependsOn"].clone())
            .unwrap()
    };
    assert_eq!(
        depends("lock"),
        serde_json::json!(["pkg:pypi/app@1.0", "pkg:pypi/odd@1.0"])
    );
    assert_eq!(
        depends("pkg:pypi/app@1.0"),
        serde_json::json!(["pkg:pypi/big@2.0", "pkg:pypi/small@0.1"])
    );
    // The CycloneDX project's own validator, from the test tools.
    let sbom = project.path("bom.json");
    std::fs::write(&sbom, &stdout).unwrap();
    crate::own_sbom::assert_valid_cyclonedx(&sbom, "V1_6");
}

#[test]
fn a_licence_policy_lists_what_breaks_it_and_exits_1() {
    let index = index();
    let project = Project::new("app\nodd\n");
    let (output, _, stderr) = project.compile(&index, &["-o", "requirements.txt"]);
    assert!(output.status.success(), "{stderr}");
    let (output, _, stderr) = inventory(
        &project,
        &index,
        &["--allow-licence", "MIT,Apache-*", "--format", "csv"],
    );
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("Against the licence policy:\n  big 2.0: unknown (BSD License) (its licence is unknown, and only the licences listed are allowed)\n  odd 1.0: unknown (its licence is unknown"),
        "{stderr}"
    );
    assert!(
        stderr.contains("error: 2 packages break the licence policy"),
        "{stderr}"
    );
    let (output, _, stderr) = inventory(&project, &index, &["--deny-licence", "MIT"]);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("  app 1.0: MIT (MIT is outside the policy, and no alternative avoids it)"),
        "{stderr}"
    );
    assert!(
        stderr
            .contains("Not checked against --deny-licence, their licence being unknown: big, odd"),
        "{stderr}"
    );
    let (output, _, stderr) = inventory(&project, &index, &["--deny-licence", "GPL-*"]);
    assert!(output.status.success(), "{stderr}");
    let (output, _, stderr) = inventory(&project, &index, &["--deny-licence", "GPL 3"]);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
}

#[test]
fn the_html_page_is_self_contained_and_escapes_what_it_quotes() {
    let index = index();
    let project = Project::new("app\nodd\n");
    let (output, _, stderr) = project.compile(&index, &["-o", "requirements.txt"]);
    assert!(output.status.success(), "{stderr}");
    let (output, page, stderr) = inventory(&project, &index, &["--format", "html"]);
    assert!(output.status.success(), "{stderr}");
    assert!(page.starts_with("<!doctype html>\n"), "{page}");
    assert!(
        page.contains("content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\""),
        "{page}"
    );
    // Nothing to fetch: no script, no link, no address but the SVG namespace.
    assert!(
        !page.contains("<script") && !page.contains("<link"),
        "{page}"
    );
    assert_eq!(
        page.matches("http").count(),
        page.matches("http://www.w3.org/2000/svg").count() + page.matches("http-equiv").count(),
        "{page}"
    );
    assert!(
        page.contains("<svg xmlns=\"http://www.w3.org/2000/svg\""),
        "{page}"
    );
    assert!(
        page.contains("<title>big 2.0: 301.1 kB</title>") || page.contains("<title>big 2.0: "),
        "{page}"
    );
    assert!(
        page.contains("<td>big</td><td>2.0</td><td>unknown (BSD License)</td>"),
        "{page}"
    );
    assert!(page.contains("<br>Heaviest: app ("), "{page}");
}

#[test]
fn two_locks_one_graph_and_a_lock_without_via() {
    let index = index();
    let project = Project::new("app\n");
    let (output, _, stderr) = project.compile(&index, &["-o", "requirements.txt"]);
    assert!(output.status.success(), "{stderr}");
    project.write("small.in", "small\n");
    let (output, _, stderr) = project.compile(
        &index,
        &[
            "small.in",
            "-o",
            "small-lock.toml",
            "--format",
            "pylock.toml",
        ],
    );
    assert!(output.status.success(), "{stderr}");
    // A pylock named otherwise than pylock.toml is told by its content.
    let (output, stdout, stderr) = run(hashpin(project.cache.path())
        .current_dir(project.dir.path())
        .args([
            "inventory",
            "requirements.txt",
            "small-lock.toml",
            "--format",
            "json",
            "--index-url",
            &index.url(),
        ])
        .args(TARGET));
    assert!(output.status.success(), "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let small = report["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "small")
        .unwrap();
    // Named by the second lock's input, required by packages of the first.
    assert_eq!(small["depth"], 1);
    assert_eq!(
        small["required_by"],
        serde_json::json!(["-r small.in", "app", "big"])
    );

    let (output, _, stderr) = project.compile(&index, &["-o", "bare.txt", "--no-annotate"]);
    assert!(output.status.success(), "{stderr}");
    let (output, _, stderr) = run(hashpin(project.cache.path())
        .current_dir(project.dir.path())
        .args(["inventory", "bare.txt", "--index-url", &index.url()])
        .args(TARGET));
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("The lock has no `# via` comments (written with --no-annotate?)"),
        "{stderr}"
    );
    assert!(!stderr.contains("Heaviest"), "{stderr}");
    let (output, _, stderr) = inventory(&project, &index, &["--allow-licence", ""]);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--allow-licence names no licence"),
        "{stderr}"
    );
}

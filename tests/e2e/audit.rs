//! `hashpin audit`: every source (a database on disk, the index's JSON API, an OSV API on
//! loopback), OSV's matching rules, "not audited" kept apart from clean, ignores, levels,
//! the three formats, and `compile --audit` leaving the old lock in place.

use std::path::Path;
use std::process::{Command, Output};

use hashpin_testkit::{Canned, Dist, IndexBuilder, TestIndex};

use crate::compile::{Project, closed_port_url};
use crate::{hashpin, run};

/// A lock written by hand: the audit reads names, versions, `# via` and lines, not hashes.
const LOCK: &str = "\
app==1.0 \\
    --hash=sha256:1111111111111111111111111111111111111111111111111111111111111111
    # via -r requirements.in
dep==1.5 \\
    --hash=sha256:2222222222222222222222222222222222222222222222222222222222222222
    # via
    #   -r requirements.in
    #   app
evil==1.0 \\
    --hash=sha256:3333333333333333333333333333333333333333333333333333333333333333
    # via -r requirements.in
";

/// What the lock was made from: `dep<2` keeps out a fix at 2.0.
const INPUT: &str = "app\ndep<2\nevil\n";

/// A project holding [`LOCK`] and its input.
fn project() -> Project {
    let project = Project::new(INPUT);
    project.write("requirements.txt", LOCK);
    project
}

fn affected(name: &str, body: &str) -> String {
    format!(r#""affected": [{{"package": {{"ecosystem": "PyPI", "name": "{name}"}}, {body}}}]"#)
}

/// An OSV database of every kind of entry the matching rules tell apart.
fn write_database(dir: &Path) {
    let fixed_at = |fixed: &str| {
        format!(
            r#""ranges": [{{"type": "ECOSYSTEM", "events": [{{"introduced": "0"}}, {{"fixed": "{fixed}"}}]}}]"#
        )
    };
    let advisories = [
        // A fix the input allows, named under two ids that share a CVE.
        (
            "PYSEC-T-1",
            format!(
                r#"{{"id": "PYSEC-T-1", "aliases": ["CVE-T-1"], "summary": "dep leaks", {}}}"#,
                affected("dep", &fixed_at("1.6"))
            ),
        ),
        (
            "GHSA-t1",
            format!(
                r#"{{"id": "GHSA-t1", "aliases": ["CVE-T-1"], "database_specific": {{"severity": "HIGH"}}, {}}}"#,
                affected("Dep", &fixed_at("1.6"))
            ),
        ),
        // A fix `dep<2` keeps out.
        (
            "PYSEC-T-2",
            format!(
                r#"{{"id": "PYSEC-T-2", "details": "dep\nfalls over", {}}}"#,
                affected("dep", &fixed_at("2.0"))
            ),
        ),
        // Withdrawn: not reported.
        (
            "PYSEC-T-3",
            format!(
                r#"{{"id": "PYSEC-T-3", "withdrawn": "2024-01-01T00:00:00Z", {}}}"#,
                affected("dep", &fixed_at("9"))
            ),
        ),
        // Another version's: not reported.
        (
            "PYSEC-T-4",
            format!(
                r#"{{"id": "PYSEC-T-4", {}}}"#,
                affected("app", r#""versions": ["0.9"]"#)
            ),
        ),
        // By an explicit version, rated critical by its CVSS vector.
        (
            "PYSEC-T-5",
            format!(
                r#"{{"id": "PYSEC-T-5", "severity": [{{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}}], {}}}"#,
                affected("app", r#""versions": ["1.0.0"]"#)
            ),
        ),
        (
            "MAL-T-1",
            format!(
                r#"{{"id": "MAL-T-1", "aliases": ["CVE-T-9"], "summary": "steals \u001b[31mkeys", {}}}"#,
                affected("evil", r#""versions": ["1.0"]"#)
            ),
        ),
    ];
    std::fs::create_dir_all(dir).unwrap();
    for (id, json) in advisories {
        std::fs::write(dir.join(format!("{id}.json")), json).unwrap();
    }
    // Not an advisory: skipped, not fatal.
    std::fs::write(dir.join("notes.json"), "{not json").unwrap();
}

/// `hashpin audit ARGS` in the project, pip's configuration pointing at a closed port.
fn audit_command(project: &Project, args: &[&str]) -> Command {
    let mut command = hashpin(project.cache.path());
    command
        .current_dir(project.dir.path())
        .arg("audit")
        .args(args)
        .env("PIP_INDEX_URL", closed_port_url());
    command
}

fn audit(project: &Project, args: &[&str]) -> (Output, String, String) {
    run(&mut audit_command(project, args))
}

#[test]
fn a_database_finds_what_applies_and_says_which_fixes_the_inputs_allow() {
    let project = project();
    write_database(&project.path("osv"));
    let (output, stdout, stderr) =
        audit(&project, &["requirements.txt", "--vulnerability-db", "osv"]);
    assert_eq!(output.status.code(), Some(1), "{stdout}{stderr}");
    assert_eq!(
        stdout,
        "\
app 1.0 (requirements.txt:1)
  PYSEC-T-5, severity critical
    no fixed version is known
dep 1.5 (requirements.txt:4)
  PYSEC-T-1 (CVE-T-1, GHSA-t1), severity high: dep leaks
    fixed in 1.6; the fix 1.6 is allowed by the lock's inputs; also required by app, whose own requirements were not read
  PYSEC-T-2, severity unknown: dep
    fixed in 2.0; requirements.in:2 (`dep<2`) excludes every fixed version
evil 1.0 (requirements.txt:9)
  MAL-T-1 (CVE-T-9), MALICIOUS release: steals \\u{1b}[31mkeys
    the release is the attack: remove it, and treat machines that installed it as compromised
"
    );
    assert!(
        stderr.contains("Audited 3 of 3 packages against the OSV database osv (7 advisories, of no known date; 1 file skipped as not an advisory (-v names it))\n4 known vulnerabilities found\n"),
        "{stderr}"
    );
    assert!(
        stderr.contains("error: the audit found 4 known vulnerabilities in 3 packages, 1 release of them reported as malicious"),
        "{stderr}"
    );
}

#[test]
fn ignores_and_levels_never_hide_a_malicious_release() {
    let project = project();
    write_database(&project.path("osv"));
    let base = ["requirements.txt", "--vulnerability-db", "osv"];
    // Above every rated finding: the unrated one and the malicious one still fail.
    let (output, stdout, stderr) = audit(
        &project,
        &[
            &base[..],
            &["--fail-on", "critical", "--ignore", "PYSEC-T-5"],
        ]
        .concat(),
    );
    assert_eq!(output.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stderr.contains("found 2 known vulnerabilities in 2 packages"),
        "{stderr}"
    );
    assert!(
        stderr.contains("1 ignored, 1 below --fail-on critical"),
        "{stderr}"
    );
    // An alias of a malicious report does not reach it; only its own id does.
    let ignores = [
        "--ignore-vuln",
        "CVE-T-1=not reachable: we never send proxies",
        "--ignore",
        "pysec-t-2",
        "--ignore",
        "PYSEC-T-5",
        "--ignore",
        "CVE-T-9",
    ];
    let (output, stdout, stderr) = audit(&project, &[&base[..], &ignores].concat());
    assert_eq!(output.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stdout.contains("    ignored: not reachable: we never send proxies\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("    ignored: --ignore-vuln pysec-t-2\n"),
        "{stdout}"
    );
    assert!(
        stderr.contains(
            "found 1 known vulnerability in 1 package, 1 release of them reported as malicious"
        ),
        "{stderr}"
    );
    let (output, stdout, stderr) = audit(
        &project,
        &[&base[..], &ignores, &["--ignore", "MAL-T-1"]].concat(),
    );
    assert!(output.status.success(), "{stdout}{stderr}");
    assert!(
        stderr.contains("4 known vulnerabilities found, 4 ignored"),
        "{stderr}"
    );
}

#[test]
fn json_and_sarif_carry_the_same_findings() {
    let project = project();
    write_database(&project.path("osv"));
    let base = [
        "requirements.txt",
        "--vulnerability-db",
        "osv",
        "--ignore",
        "PYSEC-T-2=accepted",
    ];
    let (output, stdout, stderr) = audit(&project, &[&base[..], &["--format", "json"]].concat());
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["packages"], 3);
    assert_eq!(report["audited"], 3);
    assert_eq!(report["failed"], true);
    let findings = report["findings"].as_array().unwrap();
    let ids: Vec<&str> = findings.iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["PYSEC-T-5", "PYSEC-T-1", "PYSEC-T-2", "MAL-T-1"]);
    assert_eq!(findings[1]["fix"]["verdict"], "allowed");
    assert_eq!(findings[1]["fix"]["version"], "1.6");
    assert_eq!(findings[1]["locations"][0], "requirements.txt:4");
    assert_eq!(findings[2]["ignored"], "accepted");
    assert_eq!(findings[2]["fails"], false);
    assert_eq!(findings[3]["malicious"], true);
    // Advisory text reaches no report raw.
    assert_eq!(findings[3]["summary"], "steals \\u{1b}[31mkeys");

    let (output, stdout, stderr) = audit(&project, &[&base[..], &["--format", "sarif"]].concat());
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let sarif: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "hashpin");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), 4);
    let critical = rules.iter().find(|rule| rule["id"] == "PYSEC-T-5").unwrap();
    // The CVSS score itself, where the advisory has a vector.
    assert_eq!(critical["properties"]["security-severity"], "9.8");
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 4);
    let ignored = results.iter().find(|r| r["ruleId"] == "PYSEC-T-2").unwrap();
    assert_eq!(ignored["suppressions"][0]["justification"], "accepted");
    assert_eq!(ignored["level"], "warning");
    let location = &results[1]["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "requirements.txt");
    assert_eq!(location["region"]["startLine"], 4);
    assert_eq!(run["invocations"][0]["executionSuccessful"], true);
}

#[test]
fn real_advisories_match_old_pins_and_skip_withdrawn_ones() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/e2e/fixtures/osv-pypa");
    let project = Project::new("requests==2.19.1\n");
    project.write(
        "requirements.txt",
        &format!(
            "requests==2.19.1 --hash=sha256:{a}\nurllib3==1.26.4 --hash=sha256:{a}\njinja2==2.11.3 --hash=sha256:{a}\nredis==4.5.4 --hash=sha256:{a}\n",
            a = "a".repeat(64)
        ),
    );
    let (output, stdout, stderr) = audit(
        &project,
        &[
            "requirements.txt",
            "--vulnerability-db",
            fixtures.to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let found: Vec<(String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["name"].as_str().unwrap().to_string(),
                f["id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let found: Vec<(&str, &str)> = found
        .iter()
        .map(|(n, i)| (n.as_str(), i.as_str()))
        .collect();
    // requests 2.19.1: before 2.20.0 and before 2.31.0. urllib3 1.26.4: before 1.26.5,
    // 1.26.17 (a range written out of order) and 1.26.18. jinja2 2.11.3 is the fix of
    // PYSEC-2019-217's successor and after its own. redis' advisory was withdrawn.
    assert_eq!(
        found,
        [
            ("requests", "PYSEC-2018-28"),
            ("requests", "PYSEC-2023-74"),
            ("urllib3", "PYSEC-2023-192"),
            ("urllib3", "PYSEC-2023-212"),
            ("urllib3", "PYSEC-2021-108"),
        ]
    );
    let urllib3 = &report["findings"][2];
    assert_eq!(urllib3["severity"], "high");
    assert_eq!(urllib3["fixed"], serde_json::json!(["1.26.17", "2.0.6"]));
    // The lock names no input: whether a fix is allowed is not known, and said so.
    assert_eq!(urllib3["fix"]["verdict"], "unknown");
}

/// A test index with no packages: only the services it is made to answer.
fn services() -> TestIndex {
    IndexBuilder::new().start()
}

fn json_api_page(vulnerabilities: &str) -> Canned {
    Canned::new(
        "application/json",
        format!(r#"{{"info": {{}}, "urls": [], "vulnerabilities": {vulnerabilities}}}"#)
            .into_bytes(),
    )
}

#[test]
fn the_index_json_api_answers_and_a_404_or_500_is_not_clean() {
    let project = project();
    let index = services();
    index.serve("/pypi/app/1.0/json", json_api_page("[]"));
    index.serve(
        "/pypi/dep/1.5/json",
        json_api_page(
            r#"[{"id": "PYSEC-T-1", "aliases": ["CVE-T-1"], "details": "dep leaks", "fixed_in": ["1.6"],
                 "link": "https://osv.example.invalid/PYSEC-T-1", "source": "osv", "withdrawn": null},
                {"id": "PYSEC-T-3", "aliases": [], "details": "gone", "fixed_in": [], "withdrawn": "2024-01-01T00:00:00Z"}]"#,
        ),
    );
    index.serve(
        "/pypi/evil/1.0/json",
        Canned::new("text/plain", &b"oops"[..]).status(500),
    );
    let (output, stdout, stderr) =
        audit(&project, &["requirements.txt", "--index-url", &index.url()]);
    assert_eq!(output.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stdout.starts_with(
            "dep 1.5 (requirements.txt:4)\n  PYSEC-T-1 (CVE-T-1), severity unknown: dep leaks\n    fixed in 1.6; the fix 1.6 is allowed by the lock's inputs; also required by app, whose own requirements were not read\n    https://osv.example.invalid/PYSEC-T-1\n"
        ),
        "{stdout}"
    );
    assert!(!stdout.contains("PYSEC-T-3"), "{stdout}");
    assert!(
        stdout.contains("Not audited (1 package): no source could answer\n  evil 1.0: "),
        "{stdout}"
    );
    assert!(stdout.contains("answered HTTP 500"), "{stdout}");
    assert!(
        stderr.contains("Audited 2 of 3 packages against the JSON API at http://127.0.0.1:"),
        "{stderr}"
    );
    assert!(stderr.contains("; 1 package not audited"), "{stderr}");

    // Nothing found where it could look, one package unasked: not clean, exit 2.
    index.serve("/pypi/dep/1.5/json", json_api_page("[]"));
    let (output, stdout, stderr) =
        audit(&project, &["requirements.txt", "--index-url", &index.url()]);
    assert_eq!(output.status.code(), Some(2), "{stdout}{stderr}");
    assert!(
        stderr.contains("error: 1 package of 3 could not be audited, so the lock is not known to be free of known vulnerabilities"),
        "{stderr}"
    );

    // An index without the JSON API (the mirror these machines reach answers 404): the
    // default audits nothing, and says so.
    let bare = services();
    let (output, stdout, stderr) =
        audit(&project, &["requirements.txt", "--index-url", &bare.url()]);
    assert_eq!(output.status.code(), Some(2), "{stdout}{stderr}");
    assert!(stdout.contains("Not audited (3 packages)"), "{stdout}");
    assert!(
        stdout.contains("app 1.0: the index's JSON API answered HTTP 404 (http://127.0.0.1:"),
        "{stdout}"
    );
    assert!(
        stderr.contains(
            "error: nothing was audited: no source could answer for any of the 3 packages"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("hint: give an OSV database"), "{stderr}");
    // A script reading the JSON sees the same verdict as the exit code.
    let (output, stdout, _) = audit(
        &project,
        &[
            "requirements.txt",
            "--index-url",
            &bare.url(),
            "--format",
            "json",
        ],
    );
    assert_eq!(output.status.code(), Some(2));
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        (report["failed"].clone(), report["complete"].clone()),
        (serde_json::json!(true), serde_json::json!(false))
    );
}

#[test]
fn an_osv_api_is_asked_in_one_batch_and_for_each_advisory_once() {
    let project = project();
    let osv = services();
    osv.serve(
        "/osv/v1/querybatch",
        Canned::new(
            "application/json",
            &br#"{"results": [{}, {"vulns": [{"id": "GHSA-t1", "modified": "2024-01-01T00:00:00Z"}]}, {"vulns": [{"id": "GHSA-t1"}]}]}"#[..],
        ),
    );
    osv.serve(
        "/osv/v1/vulns/GHSA-t1",
        Canned::new(
            "application/json",
            &br#"{"id": "GHSA-t1", "modified": "2024-01-01T00:00:00Z", "database_specific": {"severity": "MODERATE"}, "affected": [{"package": {"ecosystem": "PyPI", "name": "dep"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.6"}]}]}, {"package": {"ecosystem": "PyPI", "name": "evil"}, "versions": ["1.0"]}]}"#[..],
        ),
    );
    let url = format!("{}/osv/", osv.base_url());
    let (output, stdout, stderr) = audit(&project, &["requirements.txt", "--osv-url", &url]);
    assert_eq!(output.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stdout.contains(
            "dep 1.5 (requirements.txt:4)\n  GHSA-t1, severity medium\n    fixed in 1.6;"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("evil 1.0 (requirements.txt:9)\n  GHSA-t1, severity medium\n    no fixed version is known"), "{stdout}");
    assert!(
        stderr.contains(&format!(
            "Audited 3 of 3 packages against the OSV API at {url}"
        )),
        "{stderr}"
    );
    let requests = osv.requests();
    let batches: Vec<_> = requests
        .iter()
        .filter(|r| r.path == "/osv/v1/querybatch")
        .collect();
    assert_eq!(batches.len(), 1);
    assert_eq!(batches[0].method, "POST");
    let query: serde_json::Value = serde_json::from_slice(&batches[0].body).unwrap();
    assert_eq!(
        query["queries"][1],
        serde_json::json!({"package": {"name": "dep", "ecosystem": "PyPI"}, "version": "1.5"})
    );
    assert_eq!(
        requests
            .iter()
            .filter(|r| r.path == "/osv/v1/vulns/GHSA-t1")
            .count(),
        1
    );

    // An endpoint that fails is not a clean answer.
    osv.serve(
        "/osv/v1/querybatch",
        Canned::new("text/plain", &b"no"[..]).status(503),
    );
    let (output, _, stderr) = audit(&project, &["requirements.txt", "--osv-url", &url]);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("error: nothing was audited"), "{stderr}");
    assert!(
        stderr.contains("No package could be audited: 3 packages were asked of the OSV API at"),
        "{stderr}"
    );
    assert!(
        stderr.contains("(which could not answer for 3 packages: "),
        "{stderr}"
    );

    // A database beside a failing API answers; the API's failure is still said.
    write_database(&project.path("osv-db"));
    let (output, _, stderr) = audit(
        &project,
        &[
            "requirements.txt",
            "--osv-url",
            &url,
            "--vulnerability-db",
            "osv-db",
            "--format",
            "json",
        ],
    );
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("Audited 3 of 3 packages against the OSV database osv-db"),
        "{stderr}"
    );
    assert!(stderr.contains("and the OSV API at"), "{stderr}");
    assert!(
        stderr.contains("which could not answer for 3 packages"),
        "{stderr}"
    );
}

#[test]
fn a_pylock_and_packages_not_from_an_index() {
    let project = Project::new("");
    write_database(&project.path("osv"));
    project.write(
        "pylock.toml",
        r#"lock-version = "1.0"
created-by = "hand"

[[packages]]
name = "dep"
version = "1.5"
wheels = [{ name = "dep-1.5-py3-none-any.whl", url = "https://files.example.invalid/dep-1.5-py3-none-any.whl", hashes = { sha256 = "2222222222222222222222222222222222222222222222222222222222222222" } }]

[[packages]]
name = "mine"
directory = { path = "." }
"#,
    );
    let (output, stdout, stderr) = audit(
        &project,
        &[
            "pylock.toml",
            "--vulnerability-db",
            "osv",
            "--format",
            "json",
        ],
    );
    assert_eq!(output.status.code(), Some(1), "{stdout}{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["packages"], 1);
    assert_eq!(report["findings"].as_array().unwrap().len(), 2);
    assert_eq!(report["no_index_release"][0]["name"], "mine");
    assert_eq!(
        report["no_index_release"][0]["counts_as_not_audited"],
        false
    );
    assert!(
        stderr.contains("; 1 local or skipped package left out by design"),
        "{stderr}"
    );

    // From standard input, a pylock is told by its first key.
    let mut command = audit_command(&project, &["-", "--vulnerability-db", "osv"]);
    command.stdin(std::fs::File::open(project.path("pylock.toml")).unwrap());
    let (output, stdout, stderr) = run(&mut command);
    assert_eq!(output.status.code(), Some(1), "{stdout}{stderr}");
    assert!(stdout.starts_with("dep 1.5 (-:"), "{stdout}");
}

#[test]
fn lines_that_pin_no_release_are_not_audited_and_not_clean() {
    let project = Project::new("");
    write_database(&project.path("osv"));
    project.write(
        "requirements.txt",
        "app==1.0\nurllib3>=1.20\n-e ./src/mine\ngit+https://forge.example.invalid/x.git#egg=x\n",
    );
    let (output, stdout, stderr) = audit(
        &project,
        &[
            "requirements.txt",
            "--vulnerability-db",
            "osv",
            "--ignore",
            "PYSEC-T-5",
        ],
    );
    assert_eq!(output.status.code(), Some(2), "{stdout}{stderr}");
    assert!(
        stdout.contains("Not audited, with no index release to look up (2):\n  urllib3 (requirements.txt:2): not pinned with ==, so there is no one release to audit\n  git+https://forge.example.invalid/x.git#egg=x (requirements.txt:4): a VCS checkout, not an index release\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Not audited, by design (1):\n  -e ./src/mine (requirements.txt:3): a local project, not an index release\n"),
        "{stdout}"
    );
    assert!(
        stderr.contains("error: 2 packages of 3 could not be audited"),
        "{stderr}"
    );
    // What the user vouches for is left out on purpose; an unpinned line never is.
    project.write(
        "requirements.txt",
        "app==1.0\n-e ./src/mine\ngit+https://forge.example.invalid/x.git#egg=x\n",
    );
    let (output, stdout, stderr) = audit(
        &project,
        &[
            "requirements.txt",
            "--vulnerability-db",
            "osv",
            "--ignore",
            "PYSEC-T-5",
        ],
    );
    assert_eq!(output.status.code(), Some(2), "{stdout}{stderr}");
    project.write(
        "pylock.toml",
        "lock-version = \"1.0\"\n\n[[packages]]\nname = \"x\"\nvcs = { type = \"git\", url = \"https://forge.example.invalid/x.git\", commit-id = \"0123456789abcdef0123456789abcdef01234567\" }\n",
    );
    let (output, stdout, stderr) = audit(
        &project,
        &[
            "pylock.toml",
            "--vulnerability-db",
            "osv",
            "--skip-package",
            "x",
        ],
    );
    assert!(output.status.success(), "{stdout}{stderr}");
    assert!(
        stdout.contains("  x (pylock.toml:3): skipped (--skip-package)\n"),
        "{stdout}"
    );
}

#[test]
fn bounds_that_are_not_versions_are_said_and_idle_ignores_warned() {
    let project = Project::new("");
    std::fs::create_dir(project.path("osv")).unwrap();
    std::fs::write(
        project.path("osv/PYSEC-2019-125.json"),
        format!(
            r#"{{"id": "PYSEC-2019-125", "aliases": ["CVE-T-7"], {}}}"#,
            affected("steam", r#""ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2019-09-12"}]}]"#)
        ),
    )
    .unwrap();
    std::fs::write(project.path("osv/junk.json"), "[]").unwrap();
    project.write("requirements.txt", "steam==1.4.4\n");
    let (output, stdout, stderr) = audit(
        &project,
        &[
            "requirements.txt",
            "--vulnerability-db",
            "osv",
            "--ignore",
            "NOPE-1",
        ],
    );
    assert_eq!(output.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stdout.contains("    the advisory also names `2019-09-12`, not a version hashpin can compare: its range was read without it, so wider\n"),
        "{stdout}"
    );
    assert!(
        stderr.contains("--ignore-vuln NOPE-1 matched no finding"),
        "{stderr}"
    );
    assert!(
        stderr.contains("1 file skipped as not an advisory"),
        "{stderr}"
    );
}

#[test]
fn usage_and_input_errors_exit_2() {
    let project = project();
    let (output, _, stderr) = audit(
        &project,
        &["requirements.txt", "--vulnerability-db", "missing"],
    );
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "error: cannot read the vulnerability database missing\n  caused by: No such file"
        ),
        "{stderr}"
    );
    std::fs::create_dir(project.path("empty")).unwrap();
    let (output, _, stderr) = audit(
        &project,
        &["requirements.txt", "--vulnerability-db", "empty"],
    );
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("holds no OSV advisory"), "{stderr}");
    let (output, _, stderr) = audit(&project, &["requirements.txt", "--no-index-api"]);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("leaves no source of advisories"),
        "{stderr}"
    );
    let (output, _, stderr) = audit(
        &project,
        &["requirements.txt", "--osv-url", "ftp://x.invalid/"],
    );
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    let (output, _, stderr) = audit(&project, &["nothere.txt", "--vulnerability-db", "osv"]);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
}

#[test]
fn compile_audit_leaves_the_old_lock_when_the_new_one_fails() {
    let index = IndexBuilder::new()
        .dist(Dist::wheel("app", "1.0").requires_dist("dep").build())
        .dist(Dist::wheel("dep", "1.5").build())
        .start();
    let project = Project::new("app\n");
    project.write("requirements.txt", "# the old lock\n");
    write_database(&project.path("osv"));
    let audit_args = [
        "-o",
        "requirements.txt",
        "--audit",
        "--vulnerability-db",
        "osv",
    ];
    let (output, stdout, stderr) = project.compile(&index, &audit_args);
    assert_eq!(output.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stderr.contains("dep 1.5\n  PYSEC-T-1 (CVE-T-1, GHSA-t1), severity high: dep leaks\n"),
        "{stderr}"
    );
    assert!(
        stderr.contains("The lock was not written: requirements.txt is as it was."),
        "{stderr}"
    );
    assert_eq!(project.read("requirements.txt"), "# the old lock\n");

    let (output, _, stderr) = project.compile(
        &index,
        &[
            &audit_args[..],
            &[
                "--ignore",
                "CVE-T-1",
                "--ignore",
                "PYSEC-T-2",
                "--ignore",
                "PYSEC-T-5",
            ],
        ]
        .concat(),
    );
    assert!(output.status.success(), "{stderr}");
    assert!(project.read("requirements.txt").contains("dep==1.5"));
}

#[test]
fn the_malicious_release_gate_reports_in_the_same_audit() {
    // The litellm shape: a wheel whose .pth runs code at every interpreter start, uploaded
    // an hour ago.
    let now = hashpin_pypi::Timestamp::now().unix_seconds();
    let hour_ago = hashpin_pypi::Timestamp::from_unix_seconds(now - 3600).to_string();
    let evil = Dist::wheel("dep", "1.5")
        .file(
            "dep_init.pth",
            "import os; os.environ.get('HASHPIN_TEST_HOOK')\n",
        )
        .upload_time(&hour_ago)
        .build();
    let index = IndexBuilder::new().dist(evil.clone()).start();
    let project = Project::new("");
    write_database(&project.path("osv"));
    project.write(
        "requirements.txt",
        &format!("dep==1.5 \\\n    --hash=sha256:{}\n", evil.sha256()),
    );
    let args = [
        "requirements.txt",
        "--vulnerability-db",
        "osv",
        "--ignore",
        "CVE-T-1",
        "--ignore",
        "PYSEC-T-2",
        "--index-url",
    ];
    let mut command = audit_command(&project, &args);
    command.args([index.url().as_str(), "--min-age", "7 days"]);
    let (output, stdout, stderr) = run(&mut command);
    assert_eq!(output.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stdout.contains("Signs of a malicious release:\n  dep 1.5: installs a startup hook that runs code at every interpreter start: dep_init.pth (47 bytes, in dep-1.5-py3-none-any.whl): `import os; os.environ.get('HASHPIN_TEST_HOOK')`; if it is expected, acknowledge it with --allow-startup-hook dep:dep_init.pth [startup-hook]\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("  dep 1.5: was uploaded 1 hour ago (")
            && stdout.contains("under --min-age 7 days: a release this fresh has had no time to be found out [young-release]"),
        "{stdout}"
    );
    assert!(
        stderr.contains("error: the audit found 2 signs of a malicious release"),
        "{stderr}"
    );
    // Acknowledged, and without a cooldown: clean, with what was allowed said.
    let mut command = audit_command(&project, &args);
    command.args([index.url().as_str(), "--allow-startup-hook", "dep"]);
    let (output, stdout, stderr) = run(&mut command);
    assert!(output.status.success(), "{stdout}{stderr}");
    assert!(stderr.contains("allowed: dep (dep_init.pth)"), "{stderr}");
    // An index that cannot list the release: said, not passed for scanned.
    let (output, _, stderr) = audit(&project, &args[..args.len() - 1]);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains(
            "Not checked for startup hooks or release age, since the index could not list it: dep ("
        ),
        "{stderr}"
    );
}

#[test]
fn a_publisher_that_changed_or_vanished_since_the_previous_lock_is_a_sign() {
    // The previous lock, a pylock, records app's Trusted Publisher.
    let trusted = IndexBuilder::new()
        .dist(
            Dist::wheel("app", "1.0")
                .provenance(&hashpin_testkit::provenance("org/app", "release.yml"))
                .build(),
        )
        .start();
    let project = Project::new("app\n");
    let (output, _, stderr) = project.compile(&trusted, &["-o", "pylock.toml"]);
    assert!(output.status.success(), "{stderr}");
    assert!(
        project
            .read("pylock.toml")
            .contains("attestation-identities")
    );
    // The same release on another index: other files, another publisher, then none.
    for (dist, said) in [
        (
            Dist::wheel("app", "1.0")
                .pad_bytes(10)
                .provenance(&hashpin_testkit::provenance("someone/else", "ci.yml"))
                .build(),
            "app 1.0: is published by another Trusted Publisher than before: GitHub someone/else ci.yml (the previous lock names GitHub org/app release.yml) [publisher]",
        ),
        (
            Dist::wheel("app", "1.0").pad_bytes(20).build(),
            "app 1.0: is published without the attestations it had: the previous lock names GitHub org/app release.yml [publisher]",
        ),
    ] {
        let index = IndexBuilder::new().dist(dist.clone()).start();
        project.write(
            "requirements.txt",
            &format!("app==1.0 \\\n    --hash=sha256:{}\n", dist.sha256()),
        );
        let mut command = audit_command(
            &project,
            &[
                "requirements.txt",
                "--vulnerability-db",
                "osv",
                "--previous",
                "pylock.toml",
                "--ignore",
                "PYSEC-T-5",
            ],
        );
        command.args(["--index-url", &index.url()]);
        write_database(&project.path("osv"));
        let (output, stdout, stderr) = run(&mut command);
        assert_eq!(output.status.code(), Some(1), "{stdout}{stderr}");
        assert!(stdout.contains(said), "{stdout}");
        assert!(
            stderr.contains("the audit found 1 sign of a malicious release (startup hooks, fresh releases, publishers)"),
            "{stderr}"
        );
    }
    // The same publisher as before: nothing to say.
    let (output, stdout, stderr) = run(&mut audit_command(
        &project,
        &[
            "pylock.toml",
            "--vulnerability-db",
            "osv",
            "--previous",
            "pylock.toml",
            "--ignore",
            "PYSEC-T-5",
            "--index-url",
            &trusted.url(),
        ],
    ));
    assert!(output.status.success(), "{stdout}{stderr}");
}

#[test]
fn compile_audit_holds_the_new_lock_to_the_publishers_the_old_one_records() {
    let trusted = Dist::wheel("app", "1.0")
        .provenance(&hashpin_testkit::provenance("org/app", "release.yml"))
        .build();
    let index = IndexBuilder::new().dist(trusted).start();
    let project = Project::new("app\n");
    write_database(&project.path("osv"));
    let args = [
        "-o",
        "pylock.toml",
        "--audit",
        "--vulnerability-db",
        "osv",
        "--ignore",
        "PYSEC-T-5",
    ];
    let (output, _, stderr) = project.compile(&index, &args);
    assert!(output.status.success(), "{stderr}");
    let before = project.read("pylock.toml");
    // The next release comes from someone else.
    index.add_dist(
        Dist::wheel("app", "1.1")
            .provenance(&hashpin_testkit::provenance("someone/else", "ci.yml"))
            .build(),
    );
    let (output, _, stderr) = project.compile(&index, &[&args[..], &["--upgrade"]].concat());
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("app 1.1: is published by another Trusted Publisher than before: GitHub someone/else ci.yml (the previous lock names GitHub org/app release.yml) [publisher]"),
        "{stderr}"
    );
    assert!(
        stderr.contains("The lock was not written: pylock.toml is as it was."),
        "{stderr}"
    );
    assert_eq!(project.read("pylock.toml"), before);
}

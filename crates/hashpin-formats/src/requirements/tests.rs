use super::*;

fn read_text(text: &str) -> Result<RequirementsSet, FormatError> {
    RequirementsSet::read(
        &[Input::Text {
            name: "requirements.in".into(),
            text: text.into(),
        }],
        |name| (name == "TOKEN").then(|| "t0k".to_string()),
    )
}

fn error(text: &str) -> String {
    read_text(text).expect_err("invalid").to_string()
}

#[test]
fn requirements_options_and_hashes() {
    let sha = "a".repeat(64);
    let set = read_text(&format!(
        "requests[socks]>=2.0; python_version >= \"3.8\" \\\n    --hash=sha256:{sha} --hash sha256:{sha}\n-i https://u:${{TOKEN}}@index.example.com/simple\n--extra-index-url=https://extra.example.com/simple\n--pre\n--no-index\n-f ./wheels\n"
    ))
    .expect("valid");
    let entry = &set.requirements[0];
    assert_eq!(entry.requirement.name.to_string(), "requests");
    assert_eq!(entry.requirement.extras.len(), 1);
    assert_eq!(entry.hashes.len(), 2);
    assert_eq!(entry.location.to_string(), "requirements.in:1");
    let (index, location) = set.index_url.expect("set");
    assert_eq!(index, "https://u:t0k@index.example.com/simple");
    assert_eq!(location.line, 3);
    assert_eq!(
        set.extra_index_urls[0].0,
        "https://extra.example.com/simple"
    );
    assert_eq!(set.find_links[0].0, "./wheels");
    assert!(set.pre && set.no_index);
}

#[test]
fn unsupported_lines_name_file_and_line() {
    assert_eq!(
        error("flask\n-e git+https://example.com/repo.git#egg=x\n"),
        "requirements.in:2: editable requirement `git+https://example.com/repo.git#egg=x` cannot be locked with hashes (pip cannot check a VCS checkout or a URL's tree against one); lock an archive of the commit instead (`name @ https://host/owner/repo/archive/COMMIT.tar.gz`), or install it separately"
    );
    assert!(
        error("git+https://example.com/repo.git#egg=x\n")
            .starts_with("requirements.in:1: `git+https"),
        "VCS"
    );
    assert!(error("pkg @ git+https://example.com/repo.git\n").contains("VCS requirement"));
    assert!(error("./local/dir.tar.gz\n").contains("is a path or URL"));
    assert!(error("https://example.com/x-1.0.tar.gz\n").contains("is a path or URL"));
    assert!(error("x @ file:///srv/x-1.0.tar.gz\n").contains("direct URL requirement"));
    let set = RequirementsSet::read(
        &[Input::Text {
            name: "requirements.in".into(),
            text: "x @ https://example.com/x-1.0.tar.gz --hash=sha256:{}\n"
                .replace("{}", &"a".repeat(64)),
        }],
        |_| None,
    )
    .expect("an archive by URL is a requirement");
    assert_eq!(set.requirements[0].hashes.len(), 1);
    assert_eq!(
        error("\n\nfoo >>= 1\n")
            .split(':')
            .take(2)
            .collect::<Vec<_>>(),
        ["requirements.in", "3"]
    );
    assert_eq!(
        error("--frobnicate\n"),
        "requirements.in:1: unsupported option `--frobnicate`"
    );
    assert_eq!(
        error("foo --config-settings x=y\n"),
        "requirements.in:1: `--config-settings` is not supported after a requirement"
    );
    assert!(error("foo --hash=md5\n").contains("invalid --hash"));
    assert_eq!(error("-r\n"), "requirements.in:1: `-r` needs a value");
}

#[test]
fn includes_are_relative_and_constraints_propagate() {
    let dir = tempfile::tempdir().expect("temp dir");
    let sub = dir.path().join("sub");
    std::fs::create_dir(&sub).expect("mkdir");
    std::fs::write(
        dir.path().join("requirements.in"),
        "-r sub/base.in\n-c sub/constraints.txt\napp\n",
    )
    .expect("write");
    std::fs::write(sub.join("base.in"), "base-lib\n").expect("write");
    std::fs::write(sub.join("constraints.txt"), "urllib3<2\n-r more.txt\n").expect("write");
    std::fs::write(sub.join("more.txt"), "idna==3.4\n").expect("write");
    let set = RequirementsSet::read(&[Input::Path(dir.path().join("requirements.in"))], |_| None)
        .expect("valid");
    let names = |entries: &[Entry]| {
        entries
            .iter()
            .map(|entry| entry.requirement.name.to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(names(&set.requirements), ["base-lib", "app"]);
    assert_eq!(names(&set.constraints), ["urllib3", "idna"]);
    assert!(set.constraints[1].location.file.ends_with("sub/more.txt"));
}

#[test]
fn include_cycles_and_missing_includes_are_errors() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("a.in"), "-r b.in\n").expect("write");
    std::fs::write(dir.path().join("b.in"), "x\n-r a.in\n").expect("write");
    let error = RequirementsSet::read(&[Input::Path(dir.path().join("a.in"))], |_| None)
        .expect_err("cycle");
    let text = error.to_string();
    assert!(text.contains("b.in:2: include cycle:"), "{text}");

    std::fs::write(dir.path().join("c.in"), "-r missing.in\n").expect("write");
    let error = RequirementsSet::read(&[Input::Path(dir.path().join("c.in"))], |_| None)
        .expect_err("missing");
    assert!(error.to_string().contains("c.in:1: cannot read"), "{error}");

    let error = RequirementsSet::read(&[Input::Path(dir.path().join("nope.in"))], |_| None)
        .expect_err("missing");
    assert!(matches!(error, FormatError::Read { .. }));
}

#[test]
fn words_split_like_a_shell() {
    assert_eq!(
        split_words(r#"-i "a b" 'c d' e\ f"#).expect("valid"),
        ["-i", "a b", "c d", "e f"]
    );
    assert!(split_words("'open").is_err());
}

/// Character by character, as a shell reads: what the word-at-a-time splitter must agree with.
fn split_words_slowly(text: &str) -> Result<Vec<String>, &'static str> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => words.extend(word.take()),
            '\'' => {
                let word = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => word.push(c),
                        None => return Err("unclosed single quote"),
                    }
                }
            }
            '"' => {
                let word = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => word.push(chars.next().ok_or("unclosed double quote")?),
                        Some(c) => word.push(c),
                        None => return Err("unclosed double quote"),
                    }
                }
            }
            '\\' => {
                if let Some(next) = chars.next() {
                    word.get_or_insert_with(String::new).push(next);
                }
            }
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    Ok(words)
}

#[test]
fn words_split_a_word_at_a_time_as_a_character_at_a_time() {
    // Every string of up to four of these pieces.
    let pieces = ["a", " ", "'", "\"", "\\", "\u{a0}", "é", "\t", "--hash=x"];
    let mut texts = vec![String::new()];
    for _ in 0..4 {
        let longer: Vec<String> = texts
            .iter()
            .flat_map(|text| pieces.iter().map(move |piece| format!("{text}{piece}")))
            .collect();
        texts.extend(longer);
    }
    for text in &texts {
        assert_eq!(split_words(text), split_words_slowly(text), "{text:?}");
    }
}

#[test]
fn audit_keeps_unlockable_lines_with_their_locations() {
    let text = "\
-e ./local
git+https://example.invalid/repo.git#egg=thing
./src/project
pkg @ https://example.invalid/pkg-1.0-py3-none-any.whl --hash=sha256:0000000000000000000000000000000000000000000000000000000000000000
other @ https://example.invalid/other-1.0.tar.gz
fine==1.0 --hash=sha256:zz --hash=md5:00000000000000000000000000000000
";
    let set = RequirementsSet::read_for_audit(
        &[Input::Text {
            name: "requirements.txt".into(),
            text: text.into(),
        }],
        |_| None,
    )
    .expect("an audit reads every line");
    let kinds: Vec<(usize, &UnlockableKind)> = set
        .unlockable
        .iter()
        .map(|unlockable| (unlockable.location.line, &unlockable.kind))
        .collect();
    assert!(matches!(kinds[0], (1, UnlockableKind::Editable)));
    assert!(matches!(kinds[1], (2, UnlockableKind::Vcs)));
    assert!(matches!(kinds[2], (3, UnlockableKind::Directory)));
    assert!(matches!(kinds[3], (4, UnlockableKind::Archive { hashes }) if hashes.len() == 1));
    assert!(matches!(kinds[4], (5, UnlockableKind::Archive { hashes }) if hashes.is_empty()));
    assert!(matches!(
        kinds[5],
        (6, UnlockableKind::MalformedHash { .. })
    ));
    // The requirement with a malformed hash is still read, with the hashes that do parse.
    assert_eq!(set.requirements.len(), 1);
    assert_eq!(set.requirements[0].hashes.len(), 1);
    // The strict reader keeps the local projects (compile locks their dependencies) and
    // refuses the first of the others.
    let error = read_text(text).expect_err("compile refuses VCS references");
    assert!(
        error.to_string().starts_with("requirements.in:2: `git+"),
        "{error}"
    );
    let set = read_text("-e ./local[dev,test]\n./src/project\n").expect("local projects");
    let local: Vec<_> = set
        .local_projects
        .iter()
        .map(|local| {
            (
                local.path.display().to_string(),
                local.extras.clone(),
                local.editable,
                local.location.line,
            )
        })
        .collect();
    assert_eq!(
        local,
        [
            (
                "./local".to_string(),
                vec!["dev".to_string(), "test".to_string()],
                true,
                1
            ),
            ("./src/project".to_string(), Vec::new(), false, 2),
        ]
    );
    assert!(set.requirements.is_empty());
}

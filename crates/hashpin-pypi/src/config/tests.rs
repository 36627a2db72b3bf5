use super::*;

#[test]
fn ini_sections_continuations_and_comments() {
    let text = "# comment\n[global]\nindex_url = https://a.example.com/simple\n; other comment\n\n[INSTALL]\nextra-index-url =\n    https://b.example.com/simple\n    https://c.example.com/simple\n--find-links: /tmp/wheels\n";
    let entries = parse_ini(text, Path::new("pip.conf")).expect("parses");
    assert_eq!(
        entries,
        [
            (
                "global".into(),
                "index-url".into(),
                "https://a.example.com/simple".into(),
                3
            ),
            (
                "install".into(),
                "extra-index-url".into(),
                "https://b.example.com/simple\nhttps://c.example.com/simple".into(),
                7
            ),
            (
                "install".into(),
                "find-links".into(),
                "/tmp/wheels".into(),
                10
            ),
        ]
    );
}

#[test]
fn ini_errors_name_file_and_line() {
    let error =
        parse_ini("[global]\nindex-url\n", Path::new("/etc/pip.conf")).expect_err("no value");
    assert_eq!(error.to_string(), "/etc/pip.conf:2: expected `key = value`");
    let error = parse_ini("index-url = x\n", Path::new("p.conf")).expect_err("no section");
    assert_eq!(error.to_string(), "p.conf:1: option outside any [section]");
}

#[test]
fn index_urls_get_a_trailing_slash_and_hide_credentials() {
    let index = IndexUrl::parse("https://user:pw@index.example.com/simple").expect("valid");
    assert_eq!(
        index.to_string(),
        "https://user:****@index.example.com/simple/"
    );
    assert!(!format!("{index:?}").contains("pw"));
    let name: PackageName = "Foo.Bar".parse().expect("valid");
    assert_eq!(
        index.project_url(&name).as_str(),
        "https://index.example.com/simple/foo-bar/"
    );
    assert!(IndexUrl::parse("ftp://index.example.com/").is_err());
    let error = IndexUrl::parse("https://user:pw@[bad").expect_err("invalid");
    assert!(!error.to_string().contains("pw"), "{error}");
}

use super::*;
use crate::hash::HashAlgorithm;

const SHA: &str = "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae";

fn name(text: &str) -> PackageName {
    text.parse().expect("valid name")
}

fn page_url() -> Url {
    Url::parse("https://index.example.com/simple/foo/").expect("valid URL")
}

fn parse(content_type: &str, body: &str) -> ProjectPage {
    ProjectPage::parse(
        &name("foo"),
        &page_url(),
        Some(content_type),
        body.as_bytes(),
    )
    .expect("page parses")
}

fn file<'a>(page: &'a ProjectPage, filename: &str) -> &'a DistFile {
    page.files
        .iter()
        .find(|file| file.filename == filename)
        .unwrap_or_else(|| panic!("{filename} missing from {:?}", page.files))
}

#[test]
fn json_pages_read_in_one_pass_keep_what_entry_by_entry_reading_keeps() {
    let other = "00".repeat(32);
    let upper = SHA.to_ascii_uppercase();
    let entries = [
        format!(
            r#"{{"filename": "foo-1.0.tar.gz", "url": "foo-1.0.tar.gz", "yanked": "gone",
              "hashes": {{"sha256": "{other}", "md5": "zz", "sha256": "{upper}", "whirlpool": "00"}}}}"#
        ),
        format!(
            r#"{{"filename": "foo-1.0-py3-none-any.whl", "url": "foo-1.0-py3-none-any.whl",
              "hashes": {{"sha256": "{SHA}"}}, "yanked": false, "extra": [1, {{"a": null}}]}}"#
        ),
    ];
    let one_pass = parse(
        JSON_MEDIA_TYPE,
        &format!(r#"{{"files": [{}]}}"#, entries.join(",")),
    );
    // An entry of another shape sends the page to the slower, entry-by-entry reading.
    let entry_by_entry = parse(
        JSON_MEDIA_TYPE,
        &format!(
            r#"{{"files": [{}, {{"filename": "foo-2.0.tar.gz", "yanked": 1}}]}}"#,
            entries.join(",")
        ),
    );
    assert_eq!(one_pass, entry_by_entry);
    let sdist = file(&one_pass, "foo-1.0.tar.gz");
    // A name given twice keeps its last digest; the case of hex digits does not matter.
    assert_eq!(
        sdist.hashes,
        [HashDigest::new(HashAlgorithm::Sha256, SHA).expect("valid digest")]
    );
    assert_eq!(
        sdist.yanked.reason().map(UntrustedText::as_raw),
        Some("gone")
    );
    assert!(
        !file(&one_pass, "foo-1.0-py3-none-any.whl")
            .yanked
            .is_yanked()
    );
}

#[test]
fn json_page_with_real_world_oddities() {
    let body = format!(
        r#"{{
  "meta": {{"api-version": "1.1"}},
  "name": "foo",
  "versions": ["1.10", "1.9"],
  "files": [
    {{"filename": "foo-1.9-py3-none-any.whl", "url": "../../packages/ab/foo-1.9-py3-none-any.whl",
      "hashes": {{"sha256": "{SHA}", "blake2b_256": "zz"}}, "requires-python": ">=3.8",
      "yanked": "broken build", "core-metadata": {{"sha256": "{SHA}"}}, "size": 1234,
      "upload-time": "2024-01-02T03:04:05.678901Z"}},
    {{"filename": "foo-1.10.tar.gz", "url": "https://files.example.com/foo-1.10.tar.gz",
      "hashes": {{}}, "yanked": true, "dist-info-metadata": true}},
    {{"filename": "foo-1.10-py3-none-any.whl", "url": "/files/foo-1.10-py3-none-any.whl",
      "hashes": {{"sha256": "{SHA}"}}, "yanked": false, "requires-python": "not a specifier",
      "core-metadata": false, "dist-info-metadata": {{"sha256": "{SHA}"}}}},
    {{"filename": "foo-1.0.egg", "url": "foo-1.0.egg", "hashes": {{}}}},
    {{"filename": "bar-1.0.tar.gz", "url": "bar-1.0.tar.gz", "hashes": {{}}}},
    {{"filename": 42}},
    {{"filename": "foo-0.1.tar.gz", "url": "foo-0.1.tar.gz", "provenance": "foo-0.1.tar.gz.provenance"}}
  ]
}}"#
    );
    let page = parse(JSON_MEDIA_TYPE, &body);
    let names: Vec<&str> = page
        .files
        .iter()
        .map(|file| file.filename.as_str())
        .collect();
    // Newest first whatever the page's order; the egg, the other project and the malformed
    // entry are skipped.
    assert_eq!(
        names,
        [
            "foo-1.10-py3-none-any.whl",
            "foo-1.10.tar.gz",
            "foo-1.9-py3-none-any.whl",
            "foo-0.1.tar.gz"
        ]
    );

    let wheel = file(&page, "foo-1.9-py3-none-any.whl");
    assert_eq!(
        wheel.url.as_str(),
        "https://index.example.com/packages/ab/foo-1.9-py3-none-any.whl"
    );
    assert_eq!(wheel.hashes.len(), 1, "the unknown algorithm is dropped");
    assert_eq!(wheel.sha256().expect("sha256").digest(), SHA);
    assert_eq!(
        wheel.requires_python.as_ref().expect("parsed").to_string(),
        ">=3.8"
    );
    assert_eq!(
        wheel.yanked.reason().map(UntrustedText::as_raw),
        Some("broken build")
    );
    assert!(
        matches!(&wheel.core_metadata, MetadataAvailability::Advertised { hashes } if hashes.len() == 1)
    );
    assert_eq!(wheel.size, Some(1234));
    assert_eq!(
        wheel.upload_time.expect("parsed").to_string(),
        "2024-01-02T03:04:05.678901Z"
    );
    assert_eq!(
        wheel.metadata_url().as_str(),
        "https://index.example.com/packages/ab/foo-1.9-py3-none-any.whl.metadata"
    );

    let sdist = file(&page, "foo-1.10.tar.gz");
    assert!(sdist.hashes.is_empty());
    assert_eq!(sdist.yanked, Yanked::Yes { reason: None });
    assert_eq!(
        sdist.core_metadata,
        MetadataAvailability::Advertised { hashes: Vec::new() }
    );

    // `core-metadata: false` wins over the older spelling; a bad requires-python is ignored.
    let newest = file(&page, "foo-1.10-py3-none-any.whl");
    assert_eq!(newest.core_metadata, MetadataAvailability::NotAdvertised);
    assert_eq!(newest.requires_python, None);
    assert_eq!(
        newest.url.as_str(),
        "https://index.example.com/files/foo-1.10-py3-none-any.whl"
    );

    let old = file(&page, "foo-0.1.tar.gz");
    assert_eq!(
        old.provenance.as_ref().expect("resolved").as_str(),
        "https://index.example.com/simple/foo/foo-0.1.tar.gz.provenance"
    );
}

#[test]
fn html_page_with_real_world_oddities() {
    let body = format!(
        r#"<!DOCTYPE html>
<html><head><meta name="pypi:repository-version" content="1.0"><title>Links for foo</title></head>
<body><h1>Links for foo</h1>
<!-- <a href="foo-9.9.tar.gz">commented out</a> -->
<a href="../../packages/foo-1.0-py3-none-any.whl#sha256={SHA}" data-requires-python="&gt;=3.7,&lt;4" data-dist-info-metadata="sha256={SHA}">foo-1.0-py3-none-any.whl</a><br/>
<A HREF='https://files.example.com/foo-1.1.tar.gz#md5=d41d8cd98f00b204e9800998ecf8427e' data-yanked>foo-1.1.tar.gz</A>
<a data-yanked="" href="foo-1.2.zip">foo-1.2.zip</a>
<a href="foo-1.3.tar.gz" data-yanked="security: CVE &amp; more" data-core-metadata="true">foo-1.3.tar.gz</a>
<a href="foo-1.4%2Blocal-py3-none-any.whl">x</a>
<a href="setup.exe">setup.exe</a>
<a>no href</a>
</body></html>"#
    );
    let page = parse("text/html; charset=utf-8", &body);
    let names: Vec<&str> = page
        .files
        .iter()
        .map(|file| file.filename.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "foo-1.4+local-py3-none-any.whl",
            "foo-1.3.tar.gz",
            "foo-1.2.zip",
            "foo-1.1.tar.gz",
            "foo-1.0-py3-none-any.whl"
        ]
    );

    let wheel = file(&page, "foo-1.0-py3-none-any.whl");
    assert_eq!(
        wheel.url.as_str(),
        "https://index.example.com/packages/foo-1.0-py3-none-any.whl"
    );
    assert_eq!(
        wheel.url.fragment(),
        None,
        "the hash fragment is not part of the download URL"
    );
    assert_eq!(wheel.sha256().expect("from fragment").digest(), SHA);
    assert_eq!(
        wheel.requires_python.as_ref().expect("decoded").to_string(),
        ">=3.7, <4"
    );
    assert!(
        matches!(&wheel.core_metadata, MetadataAvailability::Advertised { hashes } if hashes.len() == 1)
    );
    assert!(!wheel.yanked.is_yanked());

    let md5 = file(&page, "foo-1.1.tar.gz");
    assert_eq!(md5.hashes[0].algorithm(), HashAlgorithm::Md5);
    assert_eq!(md5.yanked, Yanked::Yes { reason: None });
    assert_eq!(
        file(&page, "foo-1.2.zip").yanked,
        Yanked::Yes { reason: None }
    );

    let reason = file(&page, "foo-1.3.tar.gz");
    assert_eq!(
        reason.yanked.reason().map(UntrustedText::as_raw),
        Some("security: CVE & more")
    );
    assert_eq!(
        reason.core_metadata,
        MetadataAvailability::Advertised { hashes: Vec::new() }
    );
}

#[test]
fn html_base_href_moves_relative_links() {
    let body = r#"<html><head><base href="https://mirror.example.com/pool/"></head>
<body><a href="foo-1.0.tar.gz">foo-1.0.tar.gz</a></body></html>"#;
    let page = parse("text/html", body);
    assert_eq!(
        page.files[0].url.as_str(),
        "https://mirror.example.com/pool/foo-1.0.tar.gz"
    );
}

#[test]
fn parser_follows_content_type_not_the_request() {
    let html = r#"<a href="foo-1.0.tar.gz">foo-1.0.tar.gz</a>"#;
    assert_eq!(parse("text/html", html).files.len(), 1);
    assert_eq!(parse(HTML_MEDIA_TYPE, html).files.len(), 1);
    // No usable content type: sniffed.
    let json =
        r#"{"files": [{"filename": "foo-1.0.tar.gz", "url": "foo-1.0.tar.gz", "hashes": {}}]}"#;
    assert_eq!(parse("application/octet-stream", json).files.len(), 1);
    let error = ProjectPage::parse(&name("foo"), &page_url(), Some(JSON_MEDIA_TYPE), b"<html>")
        .expect_err("HTML labelled JSON is an error");
    assert!(matches!(error, PageError::Json(_)));
}

#[test]
fn versions_groups_files() {
    let body = r#"<a href="foo-1.0.tar.gz">.</a><a href="foo-1.0-py3-none-any.whl">.</a><a href="foo-2.0.tar.gz">.</a>"#;
    let page = parse("text/html", body);
    let versions = page.versions();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0].0.to_string(), "2.0");
    assert_eq!(
        versions
            .iter()
            .map(|(_, files)| files.len())
            .collect::<Vec<_>>(),
        [1, 2]
    );
}

#[test]
fn canonical_urls_skip_the_parser_only_where_it_would_change_nothing() {
    let base = page_url();
    let skipped = [
        "https://files.example.invalid/packages/ab/cd/0123abcd/foo-1.0-py3-none-any.whl",
        "https://files.example.invalid/packages/ab/cd/ef/foo-1.0.tar.gz#sha256=00",
        "http://a-b.c9.example.invalid/x/foo-1.0%2Blocal-py3-none-any.whl",
        "https://files.example.invalid/x/%2b~_.-+/foo",
        "https://files.example.invalid//double//slash",
        "https://files.example.invalid/",
    ];
    for text in skipped {
        let end = super::canonical_absolute(text).unwrap_or_else(|| panic!("{text}"));
        let mut parsed = base.join(text).expect("a valid URL");
        parsed.set_fragment(None);
        assert_eq!(&text[..end], parsed.as_str());
    }
    let left_to_the_parser = [
        "foo-1.0.tar.gz",
        "/packages/foo-1.0.tar.gz",
        "../foo-1.0.tar.gz",
        "https://Files.example.invalid/x",
        "https://127.0.0.1/x",
        "https://files.0x1/x",
        "https://files.example.invalid:443/x",
        "https://user@files.example.invalid/x",
        "https://files.example.invalid/a/../b",
        "https://files.example.invalid/a/%2E%2e/b",
        "https://files.example.invalid/x?y=1",
        "https://files.example.invalid/a b",
        "https://xn--bcher-kva.example.invalid/x",
        "https://-files.example.invalid/x",
        "https://files..example.invalid/x",
        "https://files.example.invalid",
        "https://files.example.invalid/%zz",
        "https://files.example.invalid/a%2",
        "https://files.example.invalid/x/.hidden",
        "https://files.example.invalid/.",
        "https://files.example.invalid/a/./b",
        "https://files.example.invalid./x",
        "https://files#example.invalid/x",
        "ftp://files.example.invalid/x",
    ];
    for text in left_to_the_parser {
        assert_eq!(super::canonical_absolute(text), None, "{text}");
    }
}

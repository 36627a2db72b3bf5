//! Entry points for the fuzz targets in `fuzz/` (`cargo fuzz`), one per parser of outside
//! input, and for the test that replays their corpora on every CI run.
//!
//! Each takes arbitrary bytes and must return without panicking, overflowing the stack or
//! allocating without bound; what the parser answers does not matter. Not part of the API.

use std::io::Cursor;

use pep508_rs::PackageName;
use url::Url;

use crate::body::Limits;
use crate::filename::{DistFilename, SdistFilename, SdistFormat, WheelFilename};
use crate::simple::{PackedFiles, ProjectPage};

fn project() -> PackageName {
    PackageName::new("alpha".to_string()).unwrap_or_else(|_| unreachable!("a valid name"))
}

fn page_url() -> Url {
    Url::parse("https://index.example.invalid/simple/alpha/")
        .unwrap_or_else(|_| unreachable!("valid"))
}

/// A Simple API page as `content_type`, then its packed form written and read back, as the
/// cache does; and the bytes read as a cache entry of their own.
fn page(bytes: &[u8], content_type: &str) {
    if let Ok(page) = ProjectPage::parse(&project(), &page_url(), Some(content_type), bytes) {
        let packed = PackedFiles::from_files(&page.files);
        let bytes = packed
            .to_bytes()
            .unwrap_or_else(|_| unreachable!("in memory"));
        let decoded = PackedFiles::decode(bytes.to_vec(), 0)
            .unwrap_or_else(|| panic!("a packed page does not read back"));
        let files: Vec<_> = (0..decoded.versions().len())
            .flat_map(|index| decoded.files_at(index, &project()))
            .collect();
        assert_eq!(files, page.files, "a packed page reads back different");
        // A URL kept as text parses, when used, to the same text (see `FileUrl`).
        for file in &files {
            assert_eq!(Url::as_str(&file.url), file.url.as_str());
            if let Some(provenance) = &file.provenance {
                assert_eq!(Url::as_str(provenance), provenance.as_str());
            }
        }
    }
    if let Some(packed) = PackedFiles::decode(bytes.to_vec(), 0) {
        for index in 0..packed.versions().len() {
            let _ = packed.files_at(index, &project());
        }
    }
}

/// A PEP 691 JSON page.
pub fn simple_json(bytes: &[u8]) {
    page(bytes, "application/vnd.pypi.simple.v1+json");
}

/// A PEP 503 HTML page.
pub fn simple_html(bytes: &[u8]) {
    page(bytes, "text/html");
}

/// `METADATA` or `PKG-INFO` text.
pub fn metadata(bytes: &[u8]) {
    let _ = crate::CoreMetadata::parse(bytes);
}

/// A wheel or sdist filename, alone and as a file of project `alpha`.
pub fn filename(bytes: &[u8]) {
    if let Ok(text) = std::str::from_utf8(bytes) {
        let _ = DistFilename::parse(text, None);
        let _ = DistFilename::parse(text, Some(&project()));
    }
}

/// A wheel's zip: its central directory, as read piece by piece and as a whole.
pub fn wheel(bytes: &[u8]) {
    let wheel = WheelFilename {
        name: project(),
        version: "1.0".parse().unwrap_or_else(|_| unreachable!("valid")),
        build: None,
        python_tags: vec!["py3".into()],
        abi_tags: vec!["none".into()],
        platform_tags: vec!["any".into()],
    };
    let limit = 1024 * 1024;
    let _ = crate::wheel::metadata_from_reader(Cursor::new(bytes), &wheel, limit);
    let mut sparse = crate::wheel::SparseFile::whole(bytes.to_vec());
    let _ = crate::wheel::read_metadata(&mut sparse, &wheel, limit);
}

/// An sdist archive, as `.tar.gz`, `.tar` and `.zip`.
pub fn sdist(bytes: &[u8]) {
    let limits = Limits {
        metadata_bytes: 1024 * 1024,
        file_bytes: 16 * 1024 * 1024,
        ..Limits::default()
    };
    for format in [SdistFormat::TarGz, SdistFormat::Tar, SdistFormat::Zip] {
        let sdist = SdistFilename {
            name: project(),
            version: "1.0".parse().unwrap_or_else(|_| unreachable!("valid")),
            format,
        };
        let _ = crate::sdist::metadata(Cursor::new(bytes), &sdist, &limits);
    }
}

/// A netrc file.
pub fn netrc(bytes: &[u8]) {
    if let Ok(text) = std::str::from_utf8(bytes) {
        let _ = crate::auth::parse_netrc(text);
    }
}

/// A pip configuration file.
pub fn pip_config(bytes: &[u8]) {
    if let Ok(text) = std::str::from_utf8(bytes) {
        let _ = crate::config::parse_ini(text, std::path::Path::new("pip.conf"));
    }
}

/// A PEP 508 requirement, and any text that should be redacted or escaped for a message.
pub fn requirement(bytes: &[u8]) {
    if let Ok(text) = std::str::from_utf8(bytes) {
        let _ = crate::parse_requirement(text);
        let redacted = crate::redact_text(text);
        let escaped = crate::untrusted::for_comment(&redacted);
        assert!(
            !escaped.contains([
                '\n', '\r', '\u{0b}', '\u{0c}', '\u{85}', '\u{2028}', '\u{2029}'
            ]),
            "a line break survives in a comment"
        );
    }
}

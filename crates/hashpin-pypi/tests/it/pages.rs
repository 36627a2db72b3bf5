//! Simple API pages: JSON and HTML read into the same files; projects across indexes.

use hashpin_pypi::{
    CacheMode, ClientOptions, DistFile, Error, IndexClient, IndexConfig, IndexStrategy,
    MetadataAvailability, Project, Yanked,
};
use hashpin_testkit::{Dist, IndexBuilder, ServerOptions, TestIndex};

use crate::{
    client_at, client_for, error_chain, fetch_project, file_named, file_requests, index_url, name,
    page_requests, statuses, test_options,
};

/// Not normalized on purpose: file names keep it (`Foo_Bar-…`), pages use `foo-bar`.
const PROJECT: &str = "Foo.Bar";
const UPLOAD_TIME: &str = "2024-01-02T03:04:05.123456Z";

/// One project exercising every per-file flag, listed in neither version nor string order.
fn foo_bar_dists() -> Vec<Dist> {
    vec![
        Dist::sdist(PROJECT, "0.9").hash(false).build(),
        Dist::wheel(PROJECT, "1.10")
            .requires_python(">=3.8")
            .upload_time(UPLOAD_TIME)
            .build(),
        Dist::wheel(PROJECT, "1.0")
            .yanked(Some("broken build"))
            .build(),
        Dist::wheel(PROJECT, "1.9").relative_url(true).build(),
        Dist::sdist(PROJECT, "1.0").yanked(Some("")).build(),
    ]
}

fn foo_bar_index(options: ServerOptions) -> TestIndex {
    IndexBuilder::new()
        .dists(foo_bar_dists())
        .options(options)
        .start()
}

/// What both page formats carry about a file, with the URL relative to the server (every
/// index runs on its own port).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Listed {
    filename: String,
    path: String,
    hashes: Vec<String>,
    requires_python: Option<String>,
    yanked: Yanked,
    metadata_hashes: Option<Vec<String>>,
}

impl Listed {
    fn of(file: &DistFile, index: &TestIndex) -> Self {
        let base = index.base_url();
        let path = file
            .url
            .as_str()
            .strip_prefix(base.as_str())
            .unwrap_or_else(|| panic!("{} is not an absolute URL on {base}", file.url));
        Self {
            filename: file.filename.clone(),
            path: path.to_owned(),
            hashes: file.hashes.iter().map(ToString::to_string).collect(),
            requires_python: file.requires_python.as_ref().map(ToString::to_string),
            yanked: file.yanked.clone(),
            metadata_hashes: match &file.core_metadata {
                MetadataAvailability::NotAdvertised => None,
                MetadataAvailability::Advertised { hashes } => {
                    Some(hashes.iter().map(ToString::to_string).collect())
                }
            },
        }
    }
}

/// What the page must say about the files of [`foo_bar_dists`], newest version first.
fn expected_foo_bar_files() -> Vec<Listed> {
    let dists = foo_bar_dists();
    let dist = |filename: &str| {
        dists
            .iter()
            .find(|dist| dist.filename() == filename)
            .unwrap_or_else(|| panic!("{filename} is built"))
    };
    let listed = |filename: &str, requires_python: Option<&str>, yanked: Yanked| {
        let dist = dist(filename);
        Listed {
            filename: filename.to_owned(),
            path: format!("/files/{filename}"),
            hashes: vec![format!("sha256:{}", dist.sha256())],
            requires_python: requires_python.map(str::to_owned),
            yanked,
            metadata_hashes: dist
                .is_wheel()
                .then(|| vec![format!("sha256:{}", dist.metadata_sha256())]),
        }
    };
    vec![
        listed("Foo_Bar-1.10-py3-none-any.whl", Some(">=3.8"), Yanked::No),
        listed("Foo_Bar-1.9-py3-none-any.whl", None, Yanked::No),
        listed(
            "Foo_Bar-1.0-py3-none-any.whl",
            None,
            Yanked::Yes {
                reason: Some("broken build".into()),
            },
        ),
        listed("Foo_Bar-1.0.tar.gz", None, Yanked::Yes { reason: None }),
        Listed {
            hashes: Vec::new(),
            ..listed("Foo_Bar-0.9.tar.gz", None, Yanked::No)
        },
    ]
}

async fn foo_bar_page(index: &TestIndex) -> Project {
    client_for(index)
        .page(&index_url(index), &name(PROJECT))
        .await
        .unwrap_or_else(|error| panic!("{}", error_chain(&error)))
        .expect("the project is on the index")
}

#[tokio::test]
async fn json_page_lists_every_field() {
    let index = foo_bar_index(ServerOptions::default());
    let page = foo_bar_page(&index).await;

    let requests = page_requests(&index, PROJECT);
    assert_eq!(statuses(&requests), [200]);
    let accept = requests[0].header("accept").expect("an Accept header");
    assert!(
        accept.starts_with("application/vnd.pypi.simple.v1+json"),
        "JSON is preferred: {accept}"
    );
    assert_eq!(page.name, name("foo-bar"));
    let listed: Vec<Listed> = page.files().iter().map(|f| Listed::of(f, &index)).collect();
    assert_eq!(listed, expected_foo_bar_files());

    // PEP 700 fields exist only in JSON.
    for dist in foo_bar_dists() {
        let files = page.files();
        let file = file_named(&files, dist.filename());
        assert_eq!(
            file.size,
            Some(u64::try_from(dist.bytes().len()).expect("fits")),
            "{}",
            file.filename
        );
    }
    let files = page.files();
    let newest = file_named(&files, "Foo_Bar-1.10-py3-none-any.whl");
    assert_eq!(
        newest.upload_time.map(|time| time.to_string()).as_deref(),
        Some(UPLOAD_TIME)
    );
    let files = page.files();
    let others_with_time = files
        .iter()
        .filter(|file| file.upload_time.is_some())
        .count();
    assert_eq!(others_with_time, 1);
}

#[tokio::test]
async fn html_pages_list_the_same_files_as_json() {
    let cases = [
        (
            "HTML only",
            ServerOptions {
                json: false,
                ..ServerOptions::default()
            },
        ),
        (
            "HTML answered to a JSON request",
            ServerOptions {
                html_for_json: true,
                ..ServerOptions::default()
            },
        ),
    ];
    for (case, options) in cases {
        let index = foo_bar_index(options);
        let page = foo_bar_page(&index).await;
        let listed: Vec<Listed> = page.files().iter().map(|f| Listed::of(f, &index)).collect();
        assert_eq!(listed, expected_foo_bar_files(), "{case}");
        // Read as HTML (which has no sizes), not as the JSON that was asked for.
        assert!(
            page.files().iter().all(|file| file.size.is_none()),
            "{case}"
        );
        assert!(
            page.files().iter().all(|file| file.upload_time.is_none()),
            "{case}"
        );
        assert_eq!(statuses(&page_requests(&index, PROJECT)), [200], "{case}");
    }
}

#[tokio::test]
async fn project_merges_and_orders_newest_first() {
    let index = foo_bar_index(ServerOptions::default());
    let project = fetch_project(&client_for(&index), PROJECT).await;
    assert_eq!(project.name, name("foo-bar"));
    let files = project.files();
    let filenames: Vec<&str> = files.iter().map(|file| file.filename.as_str()).collect();
    assert_eq!(
        filenames,
        [
            "Foo_Bar-1.10-py3-none-any.whl",
            "Foo_Bar-1.9-py3-none-any.whl",
            "Foo_Bar-1.0-py3-none-any.whl",
            "Foo_Bar-1.0.tar.gz",
            "Foo_Bar-0.9.tar.gz",
        ]
    );
}

#[tokio::test]
async fn relative_file_urls_resolve_against_the_page_and_download() {
    let wheel = Dist::wheel("rel", "1.0")
        .requires_dist("bar>=1")
        .relative_url(true)
        .advertise_metadata(false)
        .build();
    let with_metadata = Dist::wheel("rel", "2.0").relative_url(true).build();
    let index = IndexBuilder::new()
        .dist(wheel.clone())
        .dist(with_metadata.clone())
        .start();
    let client = client_for(&index);
    let project = fetch_project(&client, "rel").await;

    let files = project.files();

    let file = file_named(&files, wheel.filename());
    assert_eq!(file.url.as_str(), index.file_url(wheel.filename()));
    let metadata = client.metadata(file).await.expect("the wheel downloads");
    assert_eq!(metadata.requires_dist[0].name, name("bar"));
    assert_eq!(statuses(&file_requests(&index, wheel.filename())), [200]);

    let files = project.files();

    let file = file_named(&files, with_metadata.filename());
    assert_eq!(
        file.metadata_url().as_str(),
        format!("{}.metadata", index.file_url(with_metadata.filename()))
    );
    client
        .metadata(file)
        .await
        .expect("the metadata file downloads");
}

#[tokio::test]
async fn local_versions_survive_percent_encoded_urls() {
    // `+` is `%2B` in the URLs, and must be a `+` again in the file names.
    let wheel = Dist::wheel("loc", "1.0+local.1")
        .requires_dist("bar")
        .build();
    let sdist = Dist::sdist("loc", "1.0+local.1")
        .requires_dist("bar")
        .build();
    for json in [true, false] {
        let index = IndexBuilder::new()
            .dist(wheel.clone())
            .dist(sdist.clone())
            .options(ServerOptions {
                json,
                ..ServerOptions::default()
            })
            .start();
        let client = client_for(&index);
        let project = fetch_project(&client, "loc").await;
        for dist in [&wheel, &sdist] {
            let files = project.files();
            let file = file_named(&files, dist.filename());
            assert!(file.filename.contains('+'), "{}", file.filename);
            assert_eq!(file.version().to_string(), "1.0+local.1");
            assert_eq!(file.url.as_str(), index.file_url(dist.filename()));
            assert!(file.url.as_str().contains("%2B"), "{}", file.url);
            let metadata = client
                .metadata(file)
                .await
                .unwrap_or_else(|error| panic!("json {json}: {}", error_chain(&error)));
            assert_eq!(metadata.requires_dist[0].name, name("bar"));
        }
    }
}

#[tokio::test]
async fn file_without_a_hash_is_listed_and_read() {
    let sdist = Dist::sdist("nohash", "1.0")
        .requires_dist("bar")
        .hash(false)
        .build();
    let index = IndexBuilder::new().dist(sdist.clone()).start();
    let client = client_for(&index);
    let project = fetch_project(&client, "nohash").await;
    let files = project.files();
    let file = file_named(&files, sdist.filename());
    assert!(file.hashes.is_empty());
    assert_eq!(file.sha256(), None);
    let metadata = client.metadata(file).await.expect("read without a hash");
    assert_eq!(metadata.requires_dist[0].name, name("bar"));
}

#[tokio::test]
async fn missing_project_is_not_found() {
    let index = foo_bar_index(ServerOptions::default());
    let client = client_for(&index);

    let error = client
        .project(&name("nope"))
        .await
        .expect_err("not on the index");
    assert!(
        matches!(&error, Error::ProjectNotFound { name: missing, .. } if *missing == name("nope")),
        "{error:?}"
    );
    assert!(error.to_string().contains("`nope`"), "{error}");

    let page = client
        .page(&index_url(&index), &name("nope"))
        .await
        .expect("a 404 is an answer");
    assert_eq!(page, None);
    // Not retried: one 404 per call.
    assert_eq!(statuses(&page_requests(&index, "nope")), [404, 404]);
}

#[tokio::test]
async fn names_are_normalized_before_asking() {
    let index = foo_bar_index(ServerOptions::default());
    let project = fetch_project(&client_for(&index), "FOO__bar").await;
    assert_eq!(project.name, name("foo-bar"));
    assert_eq!(project.files().len(), 5);
    // Straight to the normalized page: no redirect from a spelling of the name.
    let paths: Vec<String> = index.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, ["/simple/foo-bar/"]);
}

#[tokio::test]
async fn index_url_without_trailing_slash_works() {
    let index = foo_bar_index(ServerOptions::default());
    let root = index.url();
    let client = client_at(
        root.trim_end_matches('/'),
        test_options(None, CacheMode::Normal),
    );
    let project = fetch_project(&client, PROJECT).await;
    assert_eq!(project.files().len(), 5);
    assert_eq!(statuses(&page_requests(&index, PROJECT)), [200]);
}

/// A client of `primary` then `extra`, with `strategy`.
fn two_index_client(
    primary: &TestIndex,
    extra: &TestIndex,
    strategy: IndexStrategy,
) -> IndexClient {
    let config = IndexConfig {
        extra_index_urls: vec![index_url(extra)],
        ..IndexConfig::with_index(index_url(primary))
    };
    let options = ClientOptions {
        index_strategy: strategy,
        ..test_options(None, CacheMode::Normal)
    };
    IndexClient::new(config, options).expect("the client builds")
}

#[tokio::test]
async fn first_index_with_the_project_is_the_only_source() {
    let shared = Dist::wheel("shared", "1.0").build();
    let primary = IndexBuilder::new().dist(shared.clone()).start();
    let extra = IndexBuilder::new()
        .dist(shared.clone())
        .dist(Dist::wheel("shared", "9.0").build())
        .dist(Dist::wheel("only-extra", "1.0").build())
        .start();
    let client = two_index_client(&primary, &extra, IndexStrategy::FirstIndex);

    let project = fetch_project(&client, "shared").await;
    let files = project.files();
    let urls: Vec<&str> = files.iter().map(|file| file.url.as_str()).collect();
    assert_eq!(
        urls,
        [primary.file_url(shared.filename())],
        "no 9.0 from the extra index"
    );
    assert_eq!(extra.requests(), [], "the extra index is not even asked");

    let project = fetch_project(&client, "only-extra").await;
    assert_eq!(project.files().len(), 1);
    assert_eq!(statuses(&page_requests(&primary, "only-extra")), [404]);
    assert_eq!(statuses(&page_requests(&extra, "only-extra")), [200]);
}

#[tokio::test]
async fn unsafe_best_match_merges_every_index() {
    let shared = Dist::wheel("shared", "1.0").build();
    let primary = IndexBuilder::new().dist(shared.clone()).start();
    let extra = IndexBuilder::new()
        .dist(shared.clone())
        .dist(Dist::wheel("shared", "9.0").build())
        .start();
    let client = two_index_client(&primary, &extra, IndexStrategy::UnsafeBestMatch);
    let project = fetch_project(&client, "shared").await;
    let urls: Vec<String> = project
        .files()
        .iter()
        .map(|file| file.url.to_string())
        .collect();
    // The same file (name and hash) on both is listed once, from the primary index.
    assert_eq!(
        urls,
        [
            extra.file_url("shared-9.0-py3-none-any.whl"),
            primary.file_url(shared.filename()),
        ]
    );
}

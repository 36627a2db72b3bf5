//! `Requires-Python`: from the index page, and from the metadata alone.

use hashpin_resolver::{ResolverOptions, TargetEnvironment};
use hashpin_testkit::{Dist, IndexBuilder, TestIndex};

use crate::{linux, lock_checked, manifest, pins, windows};

async fn check(
    index: &TestIndex,
    texts: &[&str],
    target: &TargetEnvironment,
) -> hashpin_resolver::Resolution {
    lock_checked(index, &manifest(texts), &ResolverOptions::default(), target).await
}

fn metadata_requests(index: &TestIndex, filename: &str) -> usize {
    index
        .requests()
        .iter()
        .filter(|request| request.path.contains(filename))
        .count()
}

#[tokio::test]
async fn the_page_rules_out_versions_for_an_older_python() {
    let index = IndexBuilder::new()
        .dist(Dist::wheel("lib", "2.0").requires_python(">=3.10").build())
        .dist(Dist::wheel("lib", "1.0").requires_python(">=3.7").build())
        .start();
    let old = check(&index, &["lib"], &windows("3.8.10")).await;
    assert_eq!(pins(&old), ["lib==1.0"]);
    // Known from the page: the newer version's metadata is not even fetched.
    assert_eq!(metadata_requests(&index, "lib-2.0-py3-none-any.whl"), 0);
    let new = check(&index, &["lib"], &linux("3.12.1")).await;
    assert_eq!(pins(&new), ["lib==2.0"]);
}

#[tokio::test]
async fn metadata_alone_rules_out_versions_for_an_older_python() {
    let index = IndexBuilder::new()
        .dist(
            Dist::wheel("lib", "2.0")
                .requires_python(">=3.10")
                .index_requires_python(None)
                .build(),
        )
        .dist(Dist::wheel("lib", "1.0").requires_python(">=3.7").build())
        .start();
    let old = check(&index, &["lib"], &windows("3.8.10")).await;
    assert_eq!(pins(&old), ["lib==1.0"]);
    assert!(metadata_requests(&index, "lib-2.0-py3-none-any.whl") > 0);
    let new = check(&index, &["lib"], &linux("3.12.1")).await;
    assert_eq!(pins(&new), ["lib==2.0"]);
}

#[tokio::test]
async fn the_full_python_version_counts() {
    let index = IndexBuilder::new()
        .dist(
            Dist::wheel("lib", "3.0")
                .requires_python(">=3.8.11")
                .build(),
        )
        .dist(Dist::wheel("lib", "2.0").requires_python("!=3.8.*").build())
        .dist(Dist::wheel("lib", "1.0").build())
        .start();
    let resolution = check(&index, &["lib"], &windows("3.8.10")).await;
    assert_eq!(pins(&resolution), ["lib==1.0"]);
    let resolution = check(&index, &["lib"], &windows("3.8.11")).await;
    assert_eq!(pins(&resolution), ["lib==3.0"]);
}

#[tokio::test]
async fn a_dependency_for_an_older_python_is_passed_over_with_its_dependent() {
    // `app` 2.0 needs `lib>=2`, and every `lib>=2` needs Python 3.10: on 3.8, `app` 1.0.
    let index = IndexBuilder::new()
        .dist(Dist::wheel("app", "2.0").requires_dist("lib>=2").build())
        .dist(Dist::wheel("app", "1.0").requires_dist("lib").build())
        .dist(
            Dist::wheel("lib", "2.0")
                .requires_python(">=3.10")
                .index_requires_python(None)
                .build(),
        )
        .dist(Dist::wheel("lib", "1.0").build())
        .start();
    let old = check(&index, &["app"], &windows("3.8.10")).await;
    assert_eq!(pins(&old), ["app==1.0", "lib==1.0"]);
    let new = check(&index, &["app"], &windows("3.12.1")).await;
    assert_eq!(pins(&new), ["app==2.0", "lib==2.0"]);
}

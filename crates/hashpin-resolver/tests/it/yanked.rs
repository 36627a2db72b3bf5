//! Yanked releases (PEP 592): passed over, refused when pinned, chosen when allowed.

use std::collections::HashSet;

use hashpin_resolver::{ResolveError, ResolverOptions};
use hashpin_testkit::{Dist, IndexBuilder, TestIndex};

use crate::{filenames, linux, lock, lock_checked, manifest, name, pins, version};

fn index() -> TestIndex {
    IndexBuilder::new()
        .dist(Dist::wheel("foo", "1.0").build())
        .dist(
            Dist::wheel("foo", "2.0")
                .yanked(Some("broken build"))
                .build(),
        )
        .dist(
            Dist::sdist("foo", "2.0")
                .yanked(Some("broken build"))
                .build(),
        )
        .dist(Dist::wheel("foo", "3.0").yanked(Some("")).build())
        .start()
}

#[tokio::test]
async fn yanked_releases_are_passed_over() {
    let index = index();
    let resolution = lock_checked(
        &index,
        &manifest(&["foo"]),
        &ResolverOptions::default(),
        &linux("3.12.1"),
    )
    .await;
    assert_eq!(pins(&resolution), ["foo==1.0"]);
}

#[tokio::test]
async fn a_pin_of_a_yanked_release_is_an_error_with_the_reason() {
    let index = index();
    let error = lock(&index, &["foo==2.0"]).await.expect_err("yanked");
    let ResolveError::YankedPin {
        package,
        version: pinned,
        reason,
    } = &error
    else {
        panic!("expected a yanked pin, got {error:?}");
    };
    assert_eq!((package, pinned), (&name("foo"), &version("2.0")));
    assert_eq!(
        reason.as_ref().map(hashpin_pypi::UntrustedText::as_raw),
        Some("broken build")
    );
    assert_eq!(
        error.to_string(),
        "`foo==2.0` is pinned, but that release is yanked (reason: broken build)"
    );
    let error = lock(&index, &["foo===3.0"]).await.expect_err("yanked");
    assert_eq!(
        error.to_string(),
        "`foo==3.0` is pinned, but that release is yanked"
    );
}

#[tokio::test]
async fn allow_yanked_lets_one_release_through() {
    let index = index();
    let options = ResolverOptions {
        allow_yanked: HashSet::from([(name("foo"), version("2.0"))]),
        ..ResolverOptions::default()
    };
    let resolution =
        lock_checked(&index, &manifest(&["foo==2.0"]), &options, &linux("3.12.1")).await;
    assert_eq!(pins(&resolution), ["foo==2.0"]);
    assert_eq!(
        filenames(&resolution, "foo"),
        ["foo-2.0-py3-none-any.whl", "foo-2.0.tar.gz"]
    );
    // Allowed, not preferred: an unpinned requirement still passes it over.
    let resolution = lock_checked(&index, &manifest(&["foo"]), &options, &linux("3.12.1")).await;
    assert_eq!(pins(&resolution), ["foo==1.0"]);
}

#[tokio::test]
async fn a_version_with_one_live_file_is_usable() {
    let index = IndexBuilder::new()
        .dist(Dist::wheel("foo", "1.0").yanked(Some("bad wheel")).build())
        .dist(Dist::sdist("foo", "1.0").build())
        .start();
    let resolution = lock_checked(
        &index,
        &manifest(&["foo"]),
        &ResolverOptions::default(),
        &linux("3.12.1"),
    )
    .await;
    assert_eq!(pins(&resolution), ["foo==1.0"]);
    assert_eq!(
        filenames(&resolution, "foo"),
        ["foo-1.0-py3-none-any.whl", "foo-1.0.tar.gz"]
    );
}

#[tokio::test]
async fn a_dependency_pinning_a_yanked_release_is_backtracked_over() {
    // `app` 2.0 pins a yanked `foo`; `app` 1.0 does not, so it is the answer.
    let index = index();
    index.add_dist(Dist::wheel("app", "2.0").requires_dist("foo==2.0").build());
    index.add_dist(Dist::wheel("app", "1.0").requires_dist("foo").build());
    let resolution = lock_checked(
        &index,
        &manifest(&["app"]),
        &ResolverOptions::default(),
        &linux("3.12.1"),
    )
    .await;
    assert_eq!(pins(&resolution), ["app==1.0", "foo==1.0"]);
}

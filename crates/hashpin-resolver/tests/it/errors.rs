//! Error kinds: "no" versus "could not answer".

use hashpin_resolver::{Manifest, ResolveError, ResolverOptions};
use hashpin_testkit::{Dist, Failure, IndexBuilder};

use crate::{
    assert_snapshot, linux, lock, lock_checked, lock_with, manifest, name, no_solution, pins,
    requirements, version,
};

#[tokio::test]
async fn a_missing_root_project_has_no_solution() {
    let index = IndexBuilder::new()
        .dist(Dist::wheel("foo", "1.0").build())
        .start();
    let text = no_solution(lock(&index, &["foo", "nothere>=1"]).await);
    assert!(
        text.contains("`nothere` was not found in the package index"),
        "{text}"
    );
}

#[tokio::test]
async fn a_missing_dependency_is_backtracked_over() {
    let index = IndexBuilder::new()
        .dist(Dist::wheel("app", "2.0").requires_dist("ghost").build())
        .dist(Dist::wheel("app", "1.0").build())
        .start();
    let resolution = lock_checked(
        &index,
        &manifest(&["app"]),
        &ResolverOptions::default(),
        &linux("3.12.1"),
    )
    .await;
    assert_eq!(pins(&resolution), ["app==1.0"]);
}

#[tokio::test]
async fn a_server_failure_is_a_fetch_error() {
    let index = IndexBuilder::new()
        .dist(Dist::wheel("app", "1.0").requires_dist("foo").build())
        .dist(Dist::wheel("foo", "1.0").build())
        .start();
    index.fail_next("/simple/foo/", vec![Failure::Status(500); 10]);
    let error = lock(&index, &["app"]).await.expect_err("the server fails");
    let ResolveError::Fetch { package, source } = &error else {
        panic!("expected a fetch error, got {error:?}");
    };
    assert_eq!(package, &name("foo"));
    assert!(
        matches!(**source, hashpin_pypi::Error::Status { status: 500, .. }),
        "{source:?}"
    );
    assert_eq!(error.to_string(), "cannot list the files of `foo`");
    // The client retried (three times by default) before giving up.
    let tries = index
        .requests()
        .iter()
        .filter(|request| request.path == "/simple/foo/")
        .count();
    assert_eq!(tries, 4);
}

#[tokio::test]
async fn a_dropped_connection_is_a_fetch_error() {
    let index = IndexBuilder::new()
        .dist(Dist::wheel("foo", "1.0").build())
        .start();
    index.fail_next("/simple/foo/", vec![Failure::Reset; 10]);
    let error = lock(&index, &["foo"]).await.expect_err("the server fails");
    assert!(
        matches!(&error, ResolveError::Fetch { package, .. } if package == &name("foo")),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_metadata_hash_mismatch_is_a_metadata_error() {
    let index = IndexBuilder::new()
        .dist(Dist::wheel("foo", "1.0").build())
        .dist(
            Dist::wheel("foo", "2.0")
                .corrupt_metadata_hash(true)
                .build(),
        )
        .start();
    let error = lock(&index, &["foo"]).await.expect_err("bad metadata");
    let ResolveError::Metadata {
        package,
        version: failed,
        source,
    } = &error
    else {
        panic!("expected a metadata error, got {error:?}");
    };
    assert_eq!((package, failed), (&name("foo"), &version("2.0")));
    assert!(
        matches!(**source, hashpin_pypi::Error::MetadataHashMismatch { .. }),
        "{source:?}"
    );
    assert_eq!(error.to_string(), "cannot get the metadata of `foo` 2.0");
}

/// An sdist whose `PKG-INFO` and `pyproject.toml` both leave the dependencies to the build.
fn dynamic_sdist(name: &str, version: &str) -> Dist {
    Dist::sdist(name, version)
        .requires_dist("anything")
        .dynamic("Requires-Dist")
        .pyproject_dynamic(&["dependencies"])
        .build()
}

#[tokio::test]
async fn an_sdist_with_dynamic_dependencies_is_passed_over() {
    let index = IndexBuilder::new()
        .dist(dynamic_sdist("foo", "2.0"))
        .dist(Dist::wheel("foo", "1.0").build())
        .dist(dynamic_sdist("only", "1.0"))
        .start();
    let resolution = lock_checked(
        &index,
        &manifest(&["foo"]),
        &ResolverOptions::default(),
        &linux("3.12.1"),
    )
    .await;
    assert_eq!(pins(&resolution), ["foo==1.0"]);

    let text = no_solution(lock(&index, &["only"]).await);
    assert_snapshot("dynamic_sdist", &text);
}

#[tokio::test]
async fn issue_10_a_final_release_that_needs_a_build_is_not_replaced_by_a_pre_release() {
    // pyhive's shape: the one final release is an sdist that needs a build, and a
    // pre-release before it has a wheel. pip would build the final; the pre-release must not
    // be locked in its place.
    let index = IndexBuilder::new()
        .dist(dynamic_sdist("hive", "0.7.0"))
        .dist(Dist::wheel("hive", "0.7.0.dev0").build())
        .start();
    let text = no_solution(lock(&index, &["hive"]).await);
    assert!(text.contains("build"), "{text}");
    // Asked for, the pre-release is there.
    let resolution = lock_checked(
        &index,
        &manifest(&["hive>=0.7.0.dev0"]),
        &ResolverOptions::default(),
        &linux("3.12.1"),
    )
    .await;
    assert_eq!(pins(&resolution), ["hive==0.7.0.dev0"]);
    // An older final release is taken, as before.
    let index = IndexBuilder::new()
        .dist(dynamic_sdist("hive", "0.7.0"))
        .dist(Dist::wheel("hive", "0.7.0.dev0").build())
        .dist(Dist::wheel("hive", "0.6.0").build())
        .start();
    let resolution = lock_checked(
        &index,
        &manifest(&["hive"]),
        &ResolverOptions::default(),
        &linux("3.12.1"),
    )
    .await;
    assert_eq!(pins(&resolution), ["hive==0.6.0"]);
}

#[tokio::test]
async fn direct_urls_cannot_be_locked() {
    let index = IndexBuilder::new()
        .dist(
            Dist::wheel("app", "2.0")
                .requires_dist("foo @ https://example.invalid/foo-1.0-py3-none-any.whl")
                .build(),
        )
        .dist(Dist::wheel("app", "1.0").build())
        .start();
    let error = lock(
        &index,
        &[
            "app",
            "foo @ https://example.invalid/foo-1.0-py3-none-any.whl",
        ],
    )
    .await
    .expect_err("a URL");
    assert!(
        matches!(&error, ResolveError::UnsupportedRequirement(text) if text.starts_with("foo @")),
        "{error:?}"
    );
    let constrained = Manifest {
        constraints: requirements(&["foo @ https://example.invalid/foo.whl"]),
        ..manifest(&["app"])
    };
    let error = lock_with(
        &index,
        constrained,
        &ResolverOptions::default(),
        &linux("3.12.1"),
    )
    .await
    .expect_err("a URL");
    assert!(
        matches!(&error, ResolveError::UnsupportedRequirement(_)),
        "{error:?}"
    );
    // A dependency by URL only rules out the version that declares it.
    let resolution = lock_checked(
        &index,
        &manifest(&["app"]),
        &ResolverOptions::default(),
        &linux("3.12.1"),
    )
    .await;
    assert_eq!(pins(&resolution), ["app==1.0"]);
}

#[tokio::test]
async fn a_failure_for_a_version_never_considered_does_not_matter() {
    // The prefetcher reads `foo` 2.0's metadata (the newest) before the solver knows that
    // only `foo<2` is wanted; its failure must not leak into the resolution.
    let index = IndexBuilder::new()
        .dist(Dist::wheel("foo", "1.0").build())
        .dist(
            Dist::wheel("foo", "2.0")
                .corrupt_metadata_hash(true)
                .build(),
        )
        .start();
    let resolution = lock_checked(
        &index,
        &manifest(&["foo<2"]),
        &ResolverOptions::default(),
        &linux("3.12.1"),
    )
    .await;
    assert_eq!(pins(&resolution), ["foo==1.0"]);
}

#[tokio::test]
async fn issue_10_a_dependency_whose_releases_all_need_a_build_names_who_requires_it() {
    // sqlitedict's shape: every release an sdist that must be built, required by another
    // package. The explanation says once why, over the versions, and names that package.
    let mut index =
        IndexBuilder::new().dist(Dist::wheel("app", "1.0").requires_dist("store>=1").build());
    for version in ["1.0", "1.1", "1.2", "2.0", "2.1"] {
        index = index.dist(dynamic_sdist("store", version));
    }
    let text = no_solution(lock(&index.start(), &["app"]).await);
    assert_snapshot("every_release_needs_a_build", &text);
    assert!(text.contains("`app==1.0` depends on `store>=1`"), "{text}");
    assert_eq!(text.matches("must be built").count(), 1, "{text}");
}

#[tokio::test]
async fn issue_10_a_wheel_for_another_platform_tells_the_dependencies_without_a_build() {
    // pandas 1.3.5 on a newer Python: wheels up to cp310, and an sdist that needs a build.
    // As uv does, the other wheel's static METADATA is read; nothing is built.
    let index = IndexBuilder::new()
        .dist(
            Dist::sdist("old", "1.0")
                .requires_dist("dep")
                .dynamic("Requires-Dist")
                .pyproject_dynamic(&["dependencies"])
                .build(),
        )
        .dist(
            Dist::wheel("old", "1.0")
                .tag("cp39-cp39-win_amd64")
                .requires_dist("dep")
                .build(),
        )
        .dist(Dist::wheel("dep", "1.0").build())
        .start();
    let resolution = lock_checked(
        &index,
        &manifest(&["old"]),
        &ResolverOptions::default(),
        &linux("3.12.1"),
    )
    .await;
    assert_eq!(pins(&resolution), ["dep==1.0", "old==1.0"]);
    let files = &resolution.packages[&"old".parse().expect("a name")].files;
    assert_eq!(
        files.len(),
        2,
        "the sdist and the wheel are both locked: {files:?}"
    );
}

//! `exclude_newer`: files uploaded after the cutoff, or not known to be older, do not exist.

use hashpin_resolver::ResolverOptions;
use hashpin_testkit::{Dist, IndexBuilder, TestIndex};

use crate::{filenames, linux, lock_checked, lock_with, manifest, no_solution, pins};

fn index() -> TestIndex {
    IndexBuilder::new()
        .dist(
            Dist::wheel("foo", "1.0")
                .upload_time("2023-06-01T00:00:00Z")
                .build(),
        )
        .dist(
            Dist::sdist("foo", "1.0")
                .upload_time("2024-06-01T00:00:00Z")
                .build(),
        )
        .dist(
            Dist::wheel("foo", "1.5")
                .upload_time("2024-01-01T00:00:00Z")
                .build(),
        )
        .dist(
            Dist::wheel("foo", "2.0")
                .upload_time("2024-01-01T00:00:01Z")
                .build(),
        )
        .dist(
            Dist::wheel("bar", "1.0")
                .upload_time("2023-06-01T00:00:00.123456Z")
                .build(),
        )
        // No upload time on the page: it cannot be shown to predate any cutoff.
        .dist(Dist::wheel("bar", "2.0").build())
        .start()
}

fn cutoff() -> ResolverOptions {
    ResolverOptions {
        exclude_newer: Some("2024-01-01T00:00:00Z".parse().expect("valid timestamp")),
        ..ResolverOptions::default()
    }
}

#[tokio::test]
async fn files_after_the_cutoff_do_not_exist() {
    let index = index();
    let resolution = lock_checked(
        &index,
        &manifest(&["foo", "bar"]),
        &cutoff(),
        &linux("3.12.1"),
    )
    .await;
    // 1.5 was uploaded at the cutoff itself: it counts.
    assert_eq!(pins(&resolution), ["bar==1.0", "foo==1.5"]);

    let resolution =
        lock_checked(&index, &manifest(&["foo<1.5"]), &cutoff(), &linux("3.12.1")).await;
    // The sdist came later: only the wheel is there to hash.
    assert_eq!(filenames(&resolution, "foo"), ["foo-1.0-py3-none-any.whl"]);

    let resolution = lock_checked(
        &index,
        &manifest(&["foo", "bar"]),
        &ResolverOptions::default(),
        &linux("3.12.1"),
    )
    .await;
    assert_eq!(pins(&resolution), ["bar==2.0", "foo==2.0"]);
}

#[tokio::test]
async fn a_version_without_files_before_the_cutoff_does_not_exist() {
    let index = index();
    let text =
        no_solution(lock_with(&index, manifest(&["foo==2.0"]), &cutoff(), &linux("3.12.1")).await);
    assert!(
        text.contains("no version of `foo==2.0` exists (the newest is 1.5)"),
        "{text}"
    );
    let text =
        no_solution(lock_with(&index, manifest(&["bar>=2"]), &cutoff(), &linux("3.12.1")).await);
    assert!(
        text.contains("no version of `bar>=2` exists (the newest is 1.0)"),
        "{text}"
    );
}

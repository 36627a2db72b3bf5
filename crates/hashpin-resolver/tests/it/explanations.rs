//! The explanations of failed resolutions, compared in full with golden files in
//! `tests/it/snapshots/` (`HASHPIN_UPDATE_SNAPSHOTS=1` rewrites them).

use hashpin_resolver::ResolverOptions;
use hashpin_testkit::{Dist, IndexBuilder, TestIndex};

use crate::{assert_snapshot, lock, lock_with, manifest, no_solution, windows};

async fn explain(index: &TestIndex, texts: &[&str]) -> String {
    no_solution(lock(index, texts).await)
}

#[tokio::test]
async fn direct_conflict() {
    let index = IndexBuilder::new()
        .dist(
            Dist::wheel("requests", "2.31.0")
                .requires_dist("urllib3>=1.21.1,<3")
                .build(),
        )
        .dist(Dist::wheel("urllib3", "1.20").build())
        .dist(Dist::wheel("urllib3", "2.0.0").build())
        .start();
    let text = explain(&index, &["requests==2.31.0", "urllib3<1.21"]).await;
    assert_snapshot("direct_conflict", &text);
}

#[tokio::test]
async fn transitive_conflict_after_backtracking() {
    // Every `web` needs an `orm` whose every version needs a `driver` the root forbids.
    let index = IndexBuilder::new()
        .dist(Dist::wheel("web", "2.0").requires_dist("orm>=2").build())
        .dist(Dist::wheel("web", "1.0").requires_dist("orm>=1,<2").build())
        .dist(Dist::wheel("orm", "2.1").requires_dist("driver>=3").build())
        .dist(Dist::wheel("orm", "2.0").requires_dist("driver>=2").build())
        .dist(
            Dist::wheel("orm", "1.0")
                .requires_dist("driver>=2,<3")
                .build(),
        )
        .dist(Dist::wheel("driver", "1.0").build())
        .dist(Dist::wheel("driver", "2.0").build())
        .dist(Dist::wheel("driver", "3.0").build())
        .start();
    let text = explain(&index, &["web", "driver<2"]).await;
    assert_snapshot("transitive_conflict", &text);
}

#[tokio::test]
async fn missing_project() {
    let index = IndexBuilder::new()
        .dist(Dist::wheel("app", "1.0").requires_dist("ghost>=1").build())
        .start();
    let text = explain(&index, &["nothere"]).await;
    assert_snapshot("missing_project", &text);
    let text = explain(&index, &["app"]).await;
    assert_snapshot("missing_dependency", &text);
}

#[tokio::test]
async fn no_version_exists() {
    let index = IndexBuilder::new()
        .dist(Dist::wheel("foo", "1.0").build())
        .dist(Dist::wheel("foo", "2.0").build())
        .project("empty")
        .start();
    let text = explain(&index, &["foo>=3"]).await;
    assert_snapshot("no_version_exists", &text);
    let text = explain(&index, &["empty"]).await;
    assert_snapshot("no_files", &text);
}

#[tokio::test]
async fn every_version_needs_a_newer_python() {
    let index = IndexBuilder::new()
        .dist(
            Dist::wheel("modern", "2.0")
                .requires_python(">=3.10")
                .build(),
        )
        .dist(
            Dist::wheel("modern", "1.0")
                .requires_python(">=3.9")
                .build(),
        )
        .dist(
            Dist::wheel("hidden", "1.0")
                .requires_python(">=3.11")
                .index_requires_python(None)
                .build(),
        )
        .start();
    let old = windows("3.8.10");
    let text = no_solution(
        lock_with(
            &index,
            manifest(&["modern"]),
            &ResolverOptions::default(),
            &old,
        )
        .await,
    );
    assert_snapshot("newer_python", &text);
    // Known only from the metadata.
    let text = no_solution(
        lock_with(
            &index,
            manifest(&["hidden"]),
            &ResolverOptions::default(),
            &old,
        )
        .await,
    );
    assert_snapshot("newer_python_metadata", &text);
}

#[tokio::test]
async fn yanked_only() {
    let index = IndexBuilder::new()
        .dist(Dist::wheel("foo", "1.0").build())
        .dist(
            Dist::wheel("foo", "2.0")
                .yanked(Some("broken build"))
                .build(),
        )
        .dist(Dist::wheel("foo", "2.1").yanked(Some("")).build())
        .start();
    let text = explain(&index, &["foo>=2"]).await;
    assert_snapshot("yanked_only", &text);
}

#[tokio::test]
async fn yanked_after_backtracking() {
    // Each `x` needs a narrower `b`, and every `b` is yanked: each version is given once.
    let index = IndexBuilder::new()
        .dist(Dist::wheel("x", "3.0").requires_dist("b>=3").build())
        .dist(Dist::wheel("x", "2.0").requires_dist("b>=2").build())
        .dist(Dist::wheel("x", "1.0").requires_dist("b>=1").build())
        .dist(Dist::wheel("b", "3.0").yanked(Some("no")).build())
        .dist(Dist::wheel("b", "2.0").yanked(Some("no")).build())
        .dist(Dist::wheel("b", "1.0").yanked(Some("no")).build())
        .start();
    let text = explain(&index, &["x"]).await;
    assert_snapshot("yanked_after_backtracking", &text);
}

#[tokio::test]
async fn only_other_platforms() {
    let index = IndexBuilder::new()
        .dist(
            Dist::wheel("winlib", "1.0")
                .tag("cp312-cp312-win_amd64")
                .build(),
        )
        .start();
    let text = explain(&index, &["winlib"]).await;
    assert_snapshot("other_platform", &text);
}

#[tokio::test]
async fn issue_10_many_releases_with_one_dependency_read_as_one_range() {
    // boto3 1.26.0 needs botocore 1.29.x, and every one of its 40 releases pins urllib3 below
    // what the root requires: one range, not 40 versions listed twice.
    let mut index = IndexBuilder::new()
        .dist(
            Dist::wheel("boto", "1.26.0")
                .requires_dist("botocore>=1.29.0,<1.30.0")
                .build(),
        )
        .dist(Dist::wheel("urllib3", "1.26.0").build())
        .dist(Dist::wheel("urllib3", "2.0.0").build())
        .dist(Dist::wheel("botocore", "1.30.0").build());
    for patch in 0..40 {
        index = index.dist(
            Dist::wheel("botocore", &format!("1.29.{patch}"))
                .requires_dist("urllib3>=1.25.4,<1.27")
                .build(),
        );
    }
    let text = explain(&index.start(), &["boto==1.26.0", "urllib3>=2"]).await;
    assert_snapshot("many_releases_one_range", &text);
    assert!(text.len() < 400, "{text}");
}

#[tokio::test]
async fn a_root_requirement_is_shown_as_written() {
    // `<=1.2.3` is the range below `1.2.3.post0.dev0` (local versions of 1.2.3 included);
    // the user wrote `<=1.2.3`, and that is what the explanation says.
    let index = IndexBuilder::new()
        .dist(Dist::wheel("a", "1.2.3").build())
        .dist(Dist::wheel("a", "2.0").build())
        .dist(Dist::wheel("b", "1.0").requires_dist("a>=2").build())
        .start();
    let text = explain(&index, &["a<=1.2.3", "b"]).await;
    assert!(text.contains("you require `a<=1.2.3`"), "{text}");
    assert!(!text.contains("post0"), "{text}");
}

#[tokio::test]
async fn two_root_pins_of_one_project_are_both_named() {
    let index = IndexBuilder::new()
        .dist(Dist::wheel("a", "1.0.0").build())
        .dist(Dist::wheel("a", "2.0.0").build())
        .start();
    let text = explain(&index, &["a==1.0.0", "a==2.0.0"]).await;
    assert!(text.contains("`a==1.0.0,==2.0.0`"), "{text}");
    assert!(!text.contains("no version of"), "{text}");
}

#[tokio::test]
async fn a_dependency_on_two_versions_at_once_is_named() {
    // `a` 1.0.0 requires `b==1.0.0` and `b==2.0.0`: "depends on no version of `b`" would hide
    // why.
    let index = IndexBuilder::new()
        .dist(
            Dist::wheel("a", "1.0.0")
                .requires_dist("b==1.0.0")
                .requires_dist("b==2.0.0")
                .build(),
        )
        .dist(Dist::wheel("b", "1.0.0").build())
        .dist(Dist::wheel("b", "2.0.0").build())
        .start();
    let text = explain(&index, &["a==1.0.0"]).await;
    assert!(text.contains("`b==1.0.0,==2.0.0`"), "{text}");
    assert!(!text.contains("no version of"), "{text}");
}

#[tokio::test]
async fn a_range_excluded_by_every_version_of_another_dependency() {
    // packse's dependency-excludes-range-of-compatible-versions.
    let mut index = IndexBuilder::new()
        .dist(Dist::wheel("a", "1.0.0").requires_dist("b==1.0.0").build())
        .dist(Dist::wheel("a", "3.0.0").requires_dist("b==3.0.0").build())
        .dist(Dist::wheel("c", "1.0.0").requires_dist("a<2.0.0").build())
        .dist(Dist::wheel("c", "2.0.0").requires_dist("a>=3.0.0").build());
    for version in ["2.0.0", "2.1.0", "2.2.0", "2.3.0"] {
        index = index.dist(Dist::wheel("a", version).requires_dist("b==2.0.0").build());
    }
    for version in ["1.0.0", "2.0.0", "3.0.0"] {
        index = index.dist(Dist::wheel("b", version).build());
    }
    let text = explain(&index.start(), &["a", "b>=2.0.0,<3.0.0", "c"]).await;
    assert_snapshot("dependency_excludes_a_range", &text);
}

//! Constraints (pip `-c`): they limit versions, and add nothing.

use hashpin_resolver::{Manifest, ResolverOptions};
use hashpin_testkit::{Dist, IndexBuilder, TestIndex};

use crate::{
    assert_snapshot, linux, lock_checked, lock_with, manifest, no_solution, pins, requirements,
};

fn index() -> TestIndex {
    IndexBuilder::new()
        .dist(Dist::wheel("app", "2.0").requires_dist("foo>=2").build())
        .dist(Dist::wheel("app", "1.0").requires_dist("foo").build())
        .dist(Dist::wheel("foo", "1.0").build())
        .dist(Dist::wheel("foo", "2.0").build())
        .dist(Dist::wheel("bar", "1.0").build())
        .start()
}

fn constrained(texts: &[&str], constraints: &[&str]) -> Manifest {
    Manifest {
        constraints: requirements(constraints),
        ..manifest(texts)
    }
}

#[tokio::test]
async fn constraints_limit_versions() {
    let index = index();
    let options = ResolverOptions::default();
    let target = linux("3.12.1");
    let direct = lock_checked(
        &index,
        &constrained(&["foo"], &["foo<2"]),
        &options,
        &target,
    )
    .await;
    assert_eq!(pins(&direct), ["foo==1.0"]);
    // A constraint on a dependency makes the dependent go back too.
    let transitive = lock_checked(
        &index,
        &constrained(&["app"], &["foo<2"]),
        &options,
        &target,
    )
    .await;
    assert_eq!(pins(&transitive), ["app==1.0", "foo==1.0"]);
    // Constraints on one project combine.
    let combined = lock_checked(
        &index,
        &constrained(&["foo"], &["foo>=1", "foo!=2.0"]),
        &options,
        &target,
    )
    .await;
    assert_eq!(pins(&combined), ["foo==1.0"]);
}

#[tokio::test]
async fn a_constraint_on_a_project_nobody_requires_adds_nothing() {
    let index = index();
    let resolution = lock_checked(
        &index,
        &constrained(&["foo"], &["bar==1.0", "missing>=1"]),
        &ResolverOptions::default(),
        &linux("3.12.1"),
    )
    .await;
    assert_eq!(pins(&resolution), ["foo==2.0"]);
    let requests = index.requests();
    assert!(
        !requests
            .iter()
            .any(|request| request.path.contains("bar") || request.path.contains("missing")),
        "{requests:#?}"
    );
}

#[tokio::test]
async fn a_constraint_against_a_requirement_is_explained() {
    let index = index();
    let text = no_solution(
        lock_with(
            &index,
            constrained(&["app==2.0"], &["foo<2"]),
            &ResolverOptions::default(),
            &linux("3.12.1"),
        )
        .await,
    );
    assert_snapshot("constraint_conflict", &text);
    let text = no_solution(
        lock_with(
            &index,
            constrained(&["foo>=2"], &["foo<2"]),
            &ResolverOptions::default(),
            &linux("3.12.1"),
        )
        .await,
    );
    assert_snapshot("constraint_conflict_root", &text);
}

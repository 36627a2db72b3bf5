//! Extras: what they add, how they combine, and extras nobody declared.

use hashpin_resolver::ResolverOptions;
use hashpin_testkit::{Dist, IndexBuilder, TestIndex};

use crate::{
    assert_snapshot, edges, extras, linux, lock, lock_checked, manifest, no_solution, pins,
};

/// `a` needs any `c`; its extra `x` needs `c<2`, its extra `y` needs `c>=1.5` and `d`.
fn index() -> TestIndex {
    IndexBuilder::new()
        .dist(
            Dist::wheel("a", "1.0")
                .provides_extra("x")
                .provides_extra("y")
                .provides_extra("all")
                .requires_dist("c")
                .requires_dist("c<2; extra == \"x\"")
                .requires_dist("c>=1.5; extra == \"y\"")
                .requires_dist("d; extra == \"y\"")
                .requires_dist("a[x,y]; extra == \"all\"")
                .build(),
        )
        .dist(Dist::wheel("c", "1.0").build())
        .dist(Dist::wheel("c", "1.6").build())
        .dist(Dist::wheel("c", "2.0").build())
        .dist(Dist::wheel("d", "1.0").build())
        .start()
}

async fn check(index: &TestIndex, texts: &[&str]) -> hashpin_resolver::Resolution {
    lock_checked(
        index,
        &manifest(texts),
        &ResolverOptions::default(),
        &linux("3.12.1"),
    )
    .await
}

#[tokio::test]
async fn an_extra_pulls_an_older_version() {
    let index = index();
    let plain = check(&index, &["a"]).await;
    assert_eq!(pins(&plain), ["a==1.0", "c==2.0"]);
    assert!(extras(&plain, "a").is_empty());

    let with_x = check(&index, &["a[x]"]).await;
    assert_eq!(pins(&with_x), ["a==1.0", "c==1.6"]);
    assert_eq!(extras(&with_x, "a"), ["x"]);
    assert_eq!(
        edges(&with_x, "c"),
        ["a: c", "a: c<2 ; extra == 'x'"],
        "both the base and the extra's requirement are recorded"
    );
}

#[tokio::test]
async fn two_extras_combine() {
    let index = index();
    let both = check(&index, &["a[x,y]"]).await;
    assert_eq!(pins(&both), ["a==1.0", "c==1.6", "d==1.0"]);
    assert_eq!(extras(&both, "a"), ["x", "y"]);

    // The same extras asked for in two requirements.
    let split = check(&index, &["a[x]", "a[y]"]).await;
    assert_eq!(pins(&split), pins(&both));
    assert_eq!(extras(&split, "a"), ["x", "y"]);

    // An extra that asks for the package's other extras.
    let all = check(&index, &["a[all]"]).await;
    assert_eq!(pins(&all), ["a==1.0", "c==1.6", "d==1.0"]);
    assert_eq!(extras(&all, "a"), ["all", "x", "y"]);
}

#[tokio::test]
async fn an_extra_asked_for_by_a_dependency() {
    let index = index();
    index.add_dist(Dist::wheel("app", "1.0").requires_dist("a[y]").build());
    let resolution = check(&index, &["app"]).await;
    assert_eq!(
        pins(&resolution),
        ["a==1.0", "app==1.0", "c==2.0", "d==1.0"]
    );
    assert_eq!(extras(&resolution, "a"), ["y"]);
    assert_eq!(edges(&resolution, "a"), ["app: a[y]"]);
    assert_eq!(edges(&resolution, "d"), ["a: d ; extra == 'y'"]);
}

#[tokio::test]
async fn an_undeclared_extra_resolves_the_base() {
    let index = index();
    let resolution = lock(&index, &["a[nope]"]).await.expect("resolves");
    assert_eq!(pins(&resolution), ["a==1.0", "c==2.0"]);
}

#[tokio::test]
async fn a_conflict_inside_an_extra_is_explained_by_the_extra() {
    let index = index();
    // Without the extra, `c>=2` is fine.
    let resolution = lock(&index, &["a", "c>=2"]).await.expect("resolves");
    assert_eq!(pins(&resolution), ["a==1.0", "c==2.0"]);
    let text = no_solution(lock(&index, &["a[x]", "c>=2"]).await);
    assert_snapshot("extra_conflict", &text);
}

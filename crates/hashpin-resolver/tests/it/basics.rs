//! Chains, diamonds and backtracking.

use hashpin_testkit::{Dist, IndexBuilder};

use crate::{lock, pins};

#[tokio::test]
async fn chain_and_diamond() {
    let index = IndexBuilder::new()
        .dist(
            Dist::wheel("app", "1.0")
                .requires_dist("left")
                .requires_dist("right")
                .build(),
        )
        .dist(Dist::wheel("left", "1.0").requires_dist("base>=1").build())
        .dist(Dist::wheel("right", "1.0").requires_dist("base<3").build())
        .dist(Dist::wheel("base", "1.0").build())
        .dist(Dist::wheel("base", "2.0").build())
        .dist(Dist::wheel("base", "3.0").build())
        .start();
    let resolution = lock(&index, &["app"]).await.expect("resolves");
    assert_eq!(
        pins(&resolution),
        ["app==1.0", "base==2.0", "left==1.0", "right==1.0"]
    );
}

#[tokio::test]
async fn backtracks_an_early_choice() {
    // The newest `a` needs `b>=2`, which needs `c>=2`, which the root forbids.
    let index = IndexBuilder::new()
        .dist(Dist::wheel("a", "1.0").requires_dist("b<2").build())
        .dist(Dist::wheel("a", "2.0").requires_dist("b>=2").build())
        .dist(Dist::wheel("b", "1.0").build())
        .dist(Dist::wheel("b", "2.0").requires_dist("c>=2").build())
        .dist(Dist::wheel("c", "1.0").build())
        .dist(Dist::wheel("c", "2.0").build())
        .start();
    let resolution = lock(&index, &["a", "c<2"]).await.expect("resolves");
    assert_eq!(pins(&resolution), ["a==1.0", "b==1.0", "c==1.0"]);
}

#[tokio::test]
async fn a_package_that_keeps_conflicting_is_decided_first() {
    // packse's wrong-backtracking-basic: every recent `b` needs the older `a`. Walking `b`
    // down past ten conflicts with the newest `a` would lock an ancient `b` (and the
    // `too-old` it needed); deciding `b` first gives the newest of both that agree.
    let mut index = IndexBuilder::new()
        .dist(Dist::wheel("a", "1.0.0").build())
        .dist(Dist::wheel("a", "2.0.0").build())
        .dist(Dist::wheel("too-old", "1.0.0").build())
        .dist(Dist::wheel("b", "1.0.0").requires_dist("too-old").build());
    for patch in 0..10 {
        index = index.dist(
            Dist::wheel("b", &format!("2.0.{patch}"))
                .requires_dist("a==1.0.0")
                .build(),
        );
    }
    let resolution = lock(&index.start(), &["a", "b"]).await.expect("resolves");
    assert_eq!(pins(&resolution), ["a==1.0.0", "b==2.0.9"]);
}

#[tokio::test]
async fn no_solution_is_explained() {
    let index = IndexBuilder::new()
        .dist(
            Dist::wheel("requests", "2.31.0")
                .requires_dist("urllib3>=1.21.1,<3")
                .build(),
        )
        .dist(Dist::wheel("urllib3", "1.20").build())
        .dist(Dist::wheel("urllib3", "2.0.0").build())
        .start();
    let error = lock(&index, &["requests==2.31.0", "urllib3<1.21"])
        .await
        .expect_err("conflict");
    let text = error.to_string();
    assert!(
        text.contains("`requests==2.31.0` depends on `urllib3>=1.21.1,<3`"),
        "{text}"
    );
    assert!(text.contains("you require `urllib3<1.21`"), "{text}");
}

#[tokio::test]
async fn a_diamond_whose_newest_branches_disagree() {
    // `left` 2.0 and `right` 2.0 want different `shared`; only `right` 1.0 agrees with
    // `left` 2.0, and the solver must give up `right` 2.0, which it tries first.
    let index = IndexBuilder::new()
        .dist(
            Dist::wheel("app", "1.0")
                .requires_dist("left")
                .requires_dist("right")
                .build(),
        )
        .dist(Dist::wheel("left", "1.0").requires_dist("shared<1").build())
        .dist(
            Dist::wheel("left", "2.0")
                .requires_dist("shared>=2")
                .build(),
        )
        .dist(Dist::wheel("right", "1.0").requires_dist("shared").build())
        .dist(
            Dist::wheel("right", "2.0")
                .requires_dist("shared<2")
                .build(),
        )
        .dist(Dist::wheel("shared", "1.0").build())
        .dist(Dist::wheel("shared", "2.0").build())
        .dist(Dist::wheel("shared", "3.0").build())
        .start();
    let resolution = crate::lock_checked(
        &index,
        &crate::manifest(&["app"]),
        &hashpin_resolver::ResolverOptions::default(),
        &crate::linux("3.12.1"),
    )
    .await;
    assert_eq!(
        pins(&resolution),
        ["app==1.0", "left==2.0", "right==1.0", "shared==3.0"]
    );
}

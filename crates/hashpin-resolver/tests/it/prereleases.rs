//! Pre-releases: pip's rule (only when named, or when nothing final satisfies), and `--pre`.

use hashpin_resolver::{PrereleaseMode, ResolverOptions};
use hashpin_testkit::{Dist, IndexBuilder, TestIndex};

use crate::{linux, lock, lock_checked, manifest, pins};

async fn check(index: &TestIndex, texts: &[&str], prerelease: PrereleaseMode) -> Vec<String> {
    let options = ResolverOptions {
        prerelease,
        ..ResolverOptions::default()
    };
    pins(&lock_checked(index, &manifest(texts), &options, &linux("3.12.1")).await)
}

async fn default(index: &TestIndex, texts: &[&str]) -> Vec<String> {
    check(index, texts, PrereleaseMode::IfNecessaryOrExplicit).await
}

fn index() -> TestIndex {
    IndexBuilder::new()
        .dist(Dist::wheel("foo", "1.0").build())
        .dist(Dist::wheel("foo", "1.0.post1").build())
        .dist(Dist::wheel("foo", "2.0b1").build())
        .dist(Dist::wheel("foo", "3.0.dev1").build())
        .dist(Dist::wheel("only", "1.0rc1").build())
        .dist(Dist::wheel("only", "0.9a1").build())
        .dist(
            Dist::wheel("needs", "1.0")
                .requires_dist("foo>=2.0b1")
                .build(),
        )
        .start()
}

#[tokio::test]
async fn not_chosen_by_default() {
    let index = index();
    assert_eq!(default(&index, &["foo"]).await, ["foo==1.0.post1"]);
    assert_eq!(default(&index, &["foo<3"]).await, ["foo==1.0.post1"]);
}

#[tokio::test]
async fn chosen_when_a_requirement_names_one() {
    let index = index();
    // Named by the root: the newest in range, pre-release or not.
    assert_eq!(default(&index, &["foo>=2.0b1"]).await, ["foo==3.0.dev1"]);
    assert_eq!(default(&index, &["foo>=2.0b1,<3"]).await, ["foo==2.0b1"]);
    assert_eq!(default(&index, &["foo==2.0b1"]).await, ["foo==2.0b1"]);
    // Named by a dependency.
    assert_eq!(
        default(&index, &["needs"]).await,
        ["foo==3.0.dev1", "needs==1.0"]
    );
}

#[tokio::test]
async fn chosen_when_no_final_release_satisfies() {
    let index = index();
    assert_eq!(default(&index, &["only"]).await, ["only==1.0rc1"]);
    assert_eq!(default(&index, &["foo>=2"]).await, ["foo==3.0.dev1"]);
    assert_eq!(default(&index, &["foo>1.5,<3"]).await, ["foo==2.0b1"]);
}

#[tokio::test]
async fn allow_picks_the_newest() {
    let index = index();
    let allow = PrereleaseMode::Allow;
    assert_eq!(check(&index, &["foo"], allow).await, ["foo==3.0.dev1"]);
    assert_eq!(check(&index, &["foo<3"], allow).await, ["foo==2.0b1"]);
    assert_eq!(check(&index, &["only"], allow).await, ["only==1.0rc1"]);
}

#[tokio::test]
async fn chosen_when_a_constraint_names_one() {
    // pip merges constraints into the requirement's specifier set, so a pre-release named
    // there allows pre-releases just as one named by a requirement does.
    let index = index();
    let mut manifest = manifest(&["foo"]);
    manifest.constraints = crate::requirements(&["foo>=1.0b1,<3"]);
    let resolution = lock_checked(
        &index,
        &manifest,
        &ResolverOptions::default(),
        &linux("3.12.1"),
    )
    .await;
    assert_eq!(pins(&resolution), ["foo==2.0b1"]);
}

#[tokio::test]
async fn a_rejected_version_lends_no_pre_release_permission() {
    // packse's transitive-prerelease-backtracks: `a` 2.0.0 names `c>=2.0.0b1`, whose only
    // match needs `d` 2.0.0 against the root's `d==1.0.0`, so `a` 2.0.0 is rejected. `a`
    // 1.0.0 asks for `c>=1.0.0`: a final release, as pip and uv choose, not the 1.5.0a1 that
    // the rejected requirement would have allowed.
    let index = IndexBuilder::new()
        .dist(Dist::wheel("a", "1.0.0").requires_dist("c>=1.0.0").build())
        .dist(
            Dist::wheel("a", "2.0.0")
                .requires_dist("c>=2.0.0b1")
                .build(),
        )
        .dist(Dist::wheel("c", "1.0.0").build())
        .dist(Dist::wheel("c", "1.5.0a1").build())
        .dist(
            Dist::wheel("c", "2.0.0b1")
                .requires_dist("d==2.0.0")
                .build(),
        )
        .dist(Dist::wheel("d", "1.0.0").build())
        .dist(Dist::wheel("d", "2.0.0").build())
        .start();
    let resolution = lock(&index, &["a", "d==1.0.0"]).await.expect("resolves");
    assert_eq!(pins(&resolution), ["a==1.0.0", "c==1.0.0", "d==1.0.0"]);
}

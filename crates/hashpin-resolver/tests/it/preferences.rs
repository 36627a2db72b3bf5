//! Preferences from an existing lock: kept when allowed, dropped by upgrades.

use std::collections::HashSet;

use hashpin_resolver::{Manifest, ResolverOptions, Upgrade};
use hashpin_testkit::{Dist, IndexBuilder, TestIndex};

use crate::{linux, lock_checked, manifest, name, pins, version};

fn index() -> TestIndex {
    IndexBuilder::new()
        .dist(Dist::wheel("foo", "1.0").build())
        .dist(Dist::wheel("foo", "2.0").build())
        .dist(Dist::wheel("foo", "3.0").build())
        .dist(Dist::wheel("bar", "1.0").build())
        .dist(Dist::wheel("bar", "2.0").build())
        .dist(Dist::wheel("bar", "2.1").yanked(Some("oops")).build())
        .dist(Dist::wheel("unused", "1.0").build())
        .start()
}

fn preferring(texts: &[&str], preferences: &[(&str, &str)]) -> Manifest {
    Manifest {
        preferences: preferences
            .iter()
            .map(|(project, preferred)| (name(project), version(preferred)))
            .collect(),
        ..manifest(texts)
    }
}

async fn check(index: &TestIndex, manifest: &Manifest, upgrade: Upgrade) -> Vec<String> {
    let options = ResolverOptions {
        upgrade,
        ..ResolverOptions::default()
    };
    pins(&lock_checked(index, manifest, &options, &linux("3.12.1")).await)
}

#[tokio::test]
async fn preferences_are_kept() {
    let index = index();
    let input = preferring(&["foo", "bar"], &[("foo", "2.0"), ("bar", "1.0")]);
    assert_eq!(
        check(&index, &input, Upgrade::Nothing).await,
        ["bar==1.0", "foo==2.0"]
    );
}

#[tokio::test]
async fn preferences_outside_the_requirements_or_unusable_are_ignored() {
    let index = index();
    let input = preferring(
        &["foo>=3", "bar"],
        &[("foo", "2.0"), ("bar", "2.1"), ("unused", "1.0")],
    );
    // `foo` 2.0 is excluded, `bar` 2.1 is now yanked, and `unused` is not required.
    assert_eq!(
        check(&index, &input, Upgrade::Nothing).await,
        ["bar==2.0", "foo==3.0"]
    );
}

#[tokio::test]
async fn upgrades_drop_preferences() {
    let index = index();
    let input = preferring(&["foo", "bar"], &[("foo", "2.0"), ("bar", "1.0")]);
    assert_eq!(
        check(&index, &input, Upgrade::All).await,
        ["bar==2.0", "foo==3.0"]
    );
    assert_eq!(
        check(
            &index,
            &input,
            Upgrade::Packages(HashSet::from([name("foo")]))
        )
        .await,
        ["bar==1.0", "foo==3.0"]
    );
}

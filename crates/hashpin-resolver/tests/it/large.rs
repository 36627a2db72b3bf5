//! A large resolution with deep backtracking finishes, and is correct.

use hashpin_resolver::ResolverOptions;
use hashpin_testkit::{Dist, IndexBuilder};

use crate::{linux, lock_checked, manifest};

const PROJECTS: usize = 200;

/// `p0` … `p199`, a chain in which version N of each needs version N of the next, with
/// side links between distant projects. `p199` 3.0 and 2.0 need a `blocker` that does not
/// exist, so every newest choice down the chain must be undone, back to `p0`.
fn chain() -> IndexBuilder {
    let mut builder = IndexBuilder::new().dist(Dist::wheel("blocker", "1.0").build());
    for i in 0..PROJECTS {
        for major in 1..=3 {
            let mut wheel = Dist::wheel(&format!("p{i}"), &format!("{major}.0"));
            if i + 1 < PROJECTS {
                wheel = wheel.requires_dist(&format!("p{}>={major},<{}", i + 1, major + 1));
            } else if major > 1 {
                wheel = wheel.requires_dist(&format!("blocker>={major}"));
            }
            if i % 5 == 0 {
                // A side link, sometimes backwards (cycles are fine in Python).
                let other = (i * 7 + 3) % PROJECTS;
                wheel = wheel.requires_dist(&format!("p{other}>=1"));
            }
            if i % 9 == 0 {
                wheel = wheel.requires_dist(&format!(
                    "p{}; python_version < \"3\"",
                    (i + 100) % PROJECTS
                ));
            }
            builder = builder.dist(wheel.build());
        }
    }
    builder
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deep_backtracking_over_two_hundred_projects() {
    let index = chain().start();
    let resolution = lock_checked(
        &index,
        &manifest(&["p0"]),
        &ResolverOptions::default(),
        &linux("3.12.1"),
    )
    .await;
    // The newest chain was followed to its end before being undone.
    let requests = index.requests();
    for tried in ["p0-3.0-", "p199-3.0-", "p199-2.0-"] {
        assert!(
            requests
                .iter()
                .any(|request| request.path.contains(tried) && request.path.ends_with(".metadata")),
            "{tried} was never considered"
        );
    }
    assert_eq!(resolution.packages.len(), PROJECTS);
    assert!(
        resolution
            .packages
            .values()
            .all(|package| package.version.to_string() == "1.0"),
        "{:?}",
        crate::pins(&resolution)
    );
}

//! The same input gives different results for different targets: markers, wheel tags.

use hashpin_resolver::{ResolverOptions, TargetEnvironment};
use hashpin_testkit::{Dist, IndexBuilder, TestIndex};

use crate::{edges, filenames, linux, lock_checked, manifest, pins, windows};

async fn check(
    index: &TestIndex,
    texts: &[&str],
    target: &TargetEnvironment,
) -> hashpin_resolver::Resolution {
    lock_checked(index, &manifest(texts), &ResolverOptions::default(), target).await
}

#[tokio::test]
async fn platform_markers_differ_between_targets() {
    let index = IndexBuilder::new()
        .dist(
            Dist::wheel("app", "1.0")
                .requires_dist("colorama; sys_platform == \"win32\"")
                .requires_dist("uvloop; sys_platform != \"win32\"")
                .requires_dist("common")
                .build(),
        )
        .dist(Dist::wheel("colorama", "0.4.6").build())
        .dist(Dist::wheel("uvloop", "0.19.0").build())
        .dist(Dist::wheel("common", "1.0").build())
        .start();
    let on_linux = check(&index, &["app"], &linux("3.12.1")).await;
    assert_eq!(
        pins(&on_linux),
        ["app==1.0", "common==1.0", "uvloop==0.19.0"]
    );
    assert_eq!(
        edges(&on_linux, "uvloop"),
        ["app: uvloop ; sys_platform != 'win32'"]
    );
    let on_windows = check(&index, &["app"], &windows("3.12.1")).await;
    assert_eq!(
        pins(&on_windows),
        ["app==1.0", "colorama==0.4.6", "common==1.0"]
    );
}

#[tokio::test]
async fn python_markers_differ_between_targets() {
    let index = IndexBuilder::new()
        .dist(
            Dist::wheel("app", "1.0")
                .requires_dist("backport; python_version < \"3.10\"")
                .build(),
        )
        .dist(Dist::wheel("backport", "1.0").build())
        .start();
    let old = check(&index, &["app"], &windows("3.8.10")).await;
    assert_eq!(pins(&old), ["app==1.0", "backport==1.0"]);
    index.clear_requests();
    let new = check(&index, &["app"], &linux("3.12.1")).await;
    assert_eq!(pins(&new), ["app==1.0"]);
    // Nothing is even fetched for a requirement that does not apply.
    let requests = index.requests();
    assert!(
        !requests
            .iter()
            .any(|request| request.path.contains("backport")),
        "{requests:#?}"
    );
}

#[tokio::test]
async fn root_requirements_and_constraints_follow_markers() {
    let index = IndexBuilder::new()
        .dist(Dist::wheel("winonly", "1.0").build())
        .dist(Dist::wheel("both", "1.0").build())
        .dist(Dist::wheel("both", "2.0").build())
        .start();
    let mut input = manifest(&["winonly; os_name == \"nt\"", "both"]);
    input.constraints = crate::requirements(&["both<2; sys_platform == \"win32\""]);
    let options = ResolverOptions::default();
    let on_linux = lock_checked(&index, &input, &options, &linux("3.12.1")).await;
    assert_eq!(pins(&on_linux), ["both==2.0"]);
    let on_windows = lock_checked(&index, &input, &options, &windows("3.12.1")).await;
    assert_eq!(pins(&on_windows), ["both==1.0", "winonly==1.0"]);
}

/// `native` 2.0 has only a Linux wheel; 1.0 has wheels for both platforms; `portable` 2.0 is
/// an sdist only (static metadata), and 1.0 a wheel; `winfirst` 2.0 has only a Windows wheel.
fn platform_index() -> TestIndex {
    IndexBuilder::new()
        .dist(
            Dist::wheel("native", "2.0")
                .tag("cp312-cp312-manylinux_2_17_x86_64")
                .build(),
        )
        .dist(
            Dist::wheel("native", "1.0")
                .tag("cp312-cp312-manylinux_2_17_x86_64")
                .build(),
        )
        .dist(
            Dist::wheel("native", "1.0")
                .tag("cp312-cp312-win_amd64")
                .build(),
        )
        .dist(
            Dist::sdist("portable", "2.0")
                .requires_dist("native")
                .build(),
        )
        .dist(Dist::wheel("portable", "1.0").build())
        .dist(
            Dist::wheel("winfirst", "2.0")
                .tag("cp312-cp312-win_amd64")
                .build(),
        )
        .dist(Dist::wheel("winfirst", "1.0").build())
        .start()
}

#[tokio::test]
async fn wheel_tags_decide_which_versions_exist() {
    let index = platform_index();
    let on_linux = check(&index, &["portable"], &linux("3.12.1")).await;
    assert_eq!(pins(&on_linux), ["native==2.0", "portable==2.0"]);
    let on_windows = check(&index, &["portable"], &windows("3.12.1")).await;
    assert_eq!(pins(&on_windows), ["native==1.0", "portable==2.0"]);
    // Every file of the chosen version is kept for hashing, other platforms' too.
    assert_eq!(
        filenames(&on_windows, "native"),
        [
            "native-1.0-cp312-cp312-manylinux_2_17_x86_64.whl",
            "native-1.0-cp312-cp312-win_amd64.whl"
        ]
    );
    assert_eq!(filenames(&on_linux, "portable"), ["portable-2.0.tar.gz"]);
    let on_linux = check(&index, &["winfirst"], &linux("3.12.1")).await;
    assert_eq!(pins(&on_linux), ["winfirst==1.0"]);
    let on_windows = check(&index, &["winfirst"], &windows("3.12.1")).await;
    assert_eq!(pins(&on_windows), ["winfirst==2.0"]);
    // Python 3.8 on Windows has no cp312 wheel at all.
    let error = crate::no_solution(
        crate::lock_with(
            &index,
            manifest(&["native"]),
            &ResolverOptions::default(),
            &windows("3.8.10"),
        )
        .await,
    );
    assert!(
        error.contains("has no wheel for the target platform and no sdist"),
        "{error}"
    );
}

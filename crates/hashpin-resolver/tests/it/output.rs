//! What a resolution records: every file of each version, who required it, and its extras.

use std::collections::BTreeSet;

use hashpin_resolver::{Edge, Requester, ResolverOptions};
use hashpin_testkit::{Dist, IndexBuilder};

use crate::{edges, extras, filenames, linux, lock_checked, manifest, name, pins, requirements};

#[tokio::test]
async fn files_edges_and_extras_are_recorded() {
    let index = IndexBuilder::new()
        .dist(
            Dist::wheel("app", "1.0")
                .requires_dist("lib[speed]>=1")
                .requires_dist("util; python_version >= \"3\"")
                .requires_dist("winonly; sys_platform == \"win32\"")
                .build(),
        )
        .dist(Dist::wheel("app", "0.1").build())
        .dist(
            Dist::wheel("lib", "1.0")
                .provides_extra("speed")
                .requires_dist("fast; extra == \"speed\"")
                .requires_dist("util>=1")
                .tag("cp312-cp312-manylinux_2_17_x86_64")
                .build(),
        )
        .dist(
            Dist::wheel("lib", "1.0")
                .provides_extra("speed")
                .requires_dist("fast; extra == \"speed\"")
                .requires_dist("util>=1")
                .tag("cp312-cp312-win_amd64")
                .build(),
        )
        .dist(
            Dist::wheel("lib", "1.0")
                .provides_extra("speed")
                .requires_dist("fast; extra == \"speed\"")
                .requires_dist("util>=1")
                .tag("cp312-cp312-macosx_11_0_arm64")
                .build(),
        )
        .dist(
            Dist::sdist("lib", "1.0")
                .provides_extra("speed")
                .requires_dist("fast; extra == \"speed\"")
                .requires_dist("util>=1")
                .build(),
        )
        .dist(Dist::wheel("lib", "0.9").build())
        .dist(Dist::wheel("fast", "1.0").build())
        .dist(Dist::wheel("util", "1.0").build())
        .dist(Dist::wheel("winonly", "1.0").build())
        .start();
    let resolution = lock_checked(
        &index,
        &manifest(&["app", "lib>=0.5"]),
        &ResolverOptions::default(),
        &linux("3.12.1"),
    )
    .await;
    assert_eq!(
        pins(&resolution),
        ["app==1.0", "fast==1.0", "lib==1.0", "util==1.0"]
    );

    assert_eq!(
        filenames(&resolution, "lib"),
        [
            "lib-1.0-cp312-cp312-macosx_11_0_arm64.whl",
            "lib-1.0-cp312-cp312-manylinux_2_17_x86_64.whl",
            "lib-1.0-cp312-cp312-win_amd64.whl",
            "lib-1.0.tar.gz",
        ]
    );
    for file in &resolution.packages[&name("lib")].files {
        let dist = index.dist(&file.filename).expect("on the index");
        let sha256 = file.sha256().expect("published");
        assert_eq!(sha256.digest(), dist.sha256(), "{}", file.filename);
        assert_eq!(file.url.as_str(), index.file_url(&file.filename));
    }

    let lib = &resolution.packages[&name("lib")];
    let expected: BTreeSet<Edge> = [
        (Requester::Root, "lib>=0.5"),
        (Requester::Project(name("app")), "lib[speed]>=1"),
    ]
    .into_iter()
    .map(|(from, text)| Edge {
        from,
        requirement: requirements(&[text]).remove(0),
    })
    .collect();
    assert_eq!(lib.required_by, expected);
    assert_eq!(extras(&resolution, "lib"), ["speed"]);
    assert!(extras(&resolution, "app").is_empty());
    assert_eq!(edges(&resolution, "app"), ["<root>: app"]);
    assert_eq!(
        edges(&resolution, "util"),
        ["app: util ; python_full_version >= '3'", "lib: util>=1"]
    );
    assert_eq!(edges(&resolution, "fast"), ["lib: fast ; extra == 'speed'"]);
}

use super::*;

fn tag_strings(target: &TargetEnvironment, wheels: &[&str]) -> Vec<bool> {
    wheels
        .iter()
        .map(|wheel| {
            target
                .tags
                .accepts(&hashpin_pypi::DistFilename::parse(wheel, None).expect("valid wheel name"))
        })
        .collect()
}

#[test]
fn cpython_tag_order_matches_packaging() {
    let platforms = vec![
        "manylinux_2_17_x86_64".to_string(),
        "linux_x86_64".to_string(),
    ];
    let tags = cpython_tags(3, 12, false, &platforms);
    let text: Vec<String> = tags
        .iter()
        .map(|(a, b, c)| format!("{a}-{b}-{c}"))
        .collect();
    assert_eq!(
        text[..8],
        [
            "cp312-cp312-manylinux_2_17_x86_64",
            "cp312-cp312-linux_x86_64",
            "cp312-abi3-manylinux_2_17_x86_64",
            "cp312-abi3-linux_x86_64",
            "cp312-none-manylinux_2_17_x86_64",
            "cp312-none-linux_x86_64",
            "cp311-abi3-manylinux_2_17_x86_64",
            "cp311-abi3-linux_x86_64",
        ]
    );
    assert!(text.contains(&"cp32-abi3-linux_x86_64".to_string()));
    assert!(!text.contains(&"cp31-abi3-linux_x86_64".to_string()));
    assert_eq!(text.last().map(String::as_str), Some("py30-none-any"));
    assert!(text.contains(&"cp312-none-any".to_string()));
    assert_eq!(text.len(), 2 * (3 + 10) + 2 * 14 + 1 + 14);
}

#[test]
fn free_threaded_builds_have_no_stable_abi() {
    let tags = cpython_tags(3, 13, true, &["linux_x86_64".to_string()]);
    assert!(tags.iter().all(|(_, abi, _)| abi != "abi3"));
    assert_eq!(tags[0].1, "cp313t");
}

#[test]
fn manylinux_tags_descend_with_legacy_aliases() {
    let platform: Platform = "x86_64-manylinux_2_28".parse().expect("known");
    let tags = platform.tags();
    assert_eq!(tags[0], "manylinux_2_28_x86_64");
    let position = |tag: &str| {
        tags.iter()
            .position(|t| t == tag)
            .unwrap_or_else(|| panic!("{tag} missing"))
    };
    assert_eq!(
        position("manylinux2014_x86_64"),
        position("manylinux_2_17_x86_64") + 1
    );
    assert!(position("manylinux1_x86_64") < position("linux_x86_64"));
    let arm: Platform = "aarch64-manylinux_2_17".parse().expect("known");
    assert_eq!(
        arm.tags(),
        [
            "manylinux_2_17_aarch64",
            "manylinux2014_aarch64",
            "linux_aarch64"
        ]
    );
}

#[test]
fn named_platforms() {
    let linux = TargetEnvironment::for_platform(
        &parse_python_version("3.12").expect("valid"),
        &"linux".parse().expect("known"),
    )
    .expect("builds");
    assert_eq!(linux.python_version.to_string(), "3.12.0");
    assert_eq!(linux.markers.sys_platform(), "linux");
    assert_eq!(
        tag_strings(
            &linux,
            &[
                "a-1-cp312-cp312-manylinux_2_28_x86_64.whl",
                "a-1-cp312-cp312-manylinux_2_34_x86_64.whl",
                "a-1-cp39-abi3-manylinux2014_x86_64.whl",
                "a-1-cp312-cp312-win_amd64.whl",
                "a-1-py3-none-any.whl",
            ]
        ),
        [true, false, true, false, true]
    );

    let windows = TargetEnvironment::for_platform(
        &parse_python_version("3.11.4").expect("valid"),
        &"windows".parse().expect("known"),
    )
    .expect("builds");
    assert_eq!(windows.markers.sys_platform(), "win32");
    assert_eq!(windows.markers.platform_machine(), "AMD64");
    assert_eq!(
        tag_strings(
            &windows,
            &["a-1-cp311-cp311-win_amd64.whl", "a-1-cp311-cp311-win32.whl"]
        ),
        [true, false]
    );

    let macos = TargetEnvironment::for_platform(
        &parse_python_version("3.13").expect("valid"),
        &"macos".parse().expect("known"),
    )
    .expect("builds");
    assert_eq!(macos.markers.platform_system(), "Darwin");
    assert_eq!(
        tag_strings(
            &macos,
            &[
                "a-1-cp313-cp313-macosx_11_0_arm64.whl",
                "a-1-cp313-cp313-macosx_10_9_universal2.whl",
                "a-1-cp313-cp313-macosx_13_0_arm64.whl",
                "a-1-cp313-cp313-macosx_14_0_arm64.whl",
                "a-1-cp313-cp313-macosx_10_9_x86_64.whl",
            ]
        ),
        [true, true, true, false, false]
    );
}

#[test]
fn macos_targets_default_to_13_and_take_a_version() {
    for (text, shown) in [
        ("macos", "arm64-macos_13_0"),
        ("aarch64-apple-darwin", "arm64-macos_13_0"),
        ("x86_64-apple-darwin", "x86_64-macos_13_0"),
        ("aarch64-macos_14_0", "arm64-macos_14_0"),
        ("arm64-macos_15_2", "arm64-macos_15_2"),
    ] {
        let platform: Platform = text.parse().expect("known");
        assert_eq!(platform.to_string(), shown, "{text}");
        // What Display writes reads back as the same platform.
        assert_eq!(shown.parse::<Platform>().expect("known"), platform);
    }
    let macos: Platform = "macos".parse().expect("known");
    for (version, shown) in [
        ("14.0", "arm64-macos_14_0"),
        ("15", "arm64-macos_15_0"),
        ("10.15", "arm64-macos_10_15"),
    ] {
        assert_eq!(
            macos
                .clone()
                .with_macos_version(version)
                .expect("valid")
                .to_string(),
            shown
        );
    }
    for bad in ["", "x", "14.x", "9.0"] {
        assert!(macos.clone().with_macos_version(bad).is_err(), "{bad}");
    }
    // Other platforms are left as they are.
    let linux: Platform = "linux".parse().expect("known");
    assert_eq!(
        linux.clone().with_macos_version("x").expect("ignored"),
        linux
    );
    assert!(!linux.is_macos() && macos.is_macos());
}

#[test]
fn python_versions_mean_the_lowest_patch() {
    assert_eq!(
        parse_python_version("3.11").expect("valid").to_string(),
        "3.11.0"
    );
    assert_eq!(
        parse_python_version("3.11.7").expect("valid").to_string(),
        "3.11.7"
    );
    for bad in ["3", "2.7", "3.11.7.1", "three", "3.11+local"] {
        assert!(parse_python_version(bad).is_err(), "{bad}");
    }
    assert!("sparc-solaris".parse::<Platform>().is_err());
}

#[test]
fn this_machines_interpreter_is_a_target() {
    let info =
        InterpreterInfo::query(std::path::Path::new("python3"), None).expect("python3 answers");
    let target = TargetEnvironment::from_interpreter(&info).expect("usable");
    assert_eq!(
        target.python_version.to_string(),
        info.markers["python_full_version"]
    );
    assert!(
        target.tags.accepts(
            &hashpin_pypi::DistFilename::parse("a-1-py3-none-any.whl", None).expect("valid")
        )
    );
    let older = TargetEnvironment::from_interpreter_with_python(
        &info,
        &parse_python_version("3.9").expect("valid"),
    )
    .expect("usable");
    assert_eq!(older.markers.python_version().to_string(), "3.9");
    assert_eq!(older.markers.sys_platform(), target.markers.sys_platform());
}

#[test]
fn legacy_manylinux_names_are_their_pep_600_tags() {
    for (legacy, pep_600) in [
        ("x86_64-manylinux2014", "x86_64-manylinux_2_17"),
        ("aarch64-manylinux2014", "aarch64-manylinux_2_17"),
        ("x86_64-manylinux2010", "x86_64-manylinux_2_12"),
        ("i686-manylinux1", "i686-manylinux_2_5"),
    ] {
        let legacy: Platform = legacy.parse().expect("known");
        assert_eq!(legacy, pep_600.parse().expect("known"));
    }
    let old = TargetEnvironment::for_platform(
        &parse_python_version("3.12").expect("valid"),
        &"x86_64-manylinux2014".parse().expect("known"),
    )
    .expect("builds");
    assert_eq!(
        tag_strings(
            &old,
            &[
                "a-1-cp312-cp312-manylinux2014_x86_64.whl",
                "a-1-cp312-cp312-manylinux_2_28_x86_64.whl",
            ]
        ),
        [true, false]
    );
    assert!("x86_64-manylinux2015".parse::<Platform>().is_err());
}

use super::*;

/// kindest/node's `/etc/containerd/config.toml` (kind's `images/base/files/`), the
/// same file the fake node ships: the version 2 layout, which containerd 2.x
/// migrates when it loads it.
const NODE_CONFIG: &str = include_str!("../../tests/fixtures/node/containerd-config.toml");

fn parse(text: &str) -> toml::Table {
    text.parse().unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn s(patches: &[&str]) -> Vec<String> {
    patches.iter().map(|p| p.to_string()).collect()
}

fn cri(table: &toml::Table) -> &toml::Value {
    &table["plugins"]["io.containerd.grpc.v1.cri"]
}

#[test]
fn no_patches_round_trips_the_values() {
    let out = patch_config(NODE_CONFIG, &[], &[]).unwrap();
    assert_eq!(parse(&out), parse(NODE_CONFIG));
    let table = parse(&out);
    assert_eq!(table["version"].as_integer(), Some(2));
    assert_eq!(cri(&table)["sandbox_image"].as_str(), Some("registry.k8s.io/pause:3.10"));
    assert_eq!(cri(&table)["restrict_oom_score_adj"].as_bool(), Some(false));
    assert_eq!(cri(&table)["containerd"]["runtimes"]["runc"]["options"]["SystemdCgroup"].as_bool(), Some(true));
    assert_eq!(table["proxy_plugins"]["fuse-overlayfs"]["type"].as_str(), Some("snapshot"));
}

#[test]
fn the_registry_mirror_patch_from_kinds_docs_applies() {
    // kind's "local registry" guide, as its users paste it.
    let patch = r#"[plugins."io.containerd.grpc.v1.cri".registry.mirrors."localhost:5001"]
  endpoint = ["http://kind-registry:5000"]"#;
    let report = patch_config_report(NODE_CONFIG, &s(&[patch]), &[]).unwrap();
    assert!(report.skipped.is_empty());
    let out = parse(&report.config);
    let endpoint = &cri(&out)["registry"]["mirrors"]["localhost:5001"]["endpoint"];
    assert_eq!(
        endpoint.as_array().unwrap().iter().map(|e| e.as_str().unwrap()).collect::<Vec<_>>(),
        ["http://kind-registry:5000"]
    );
    // Siblings survive a merge patch.
    assert_eq!(cri(&out)["sandbox_image"].as_str(), Some("registry.k8s.io/pause:3.10"));
    assert_eq!(cri(&out)["containerd"]["snapshotter"].as_str(), Some("overlayfs"));
    assert_eq!(out["version"].as_integer(), Some(2));
}

#[test]
fn the_certs_d_patch_from_kinds_registry_script_applies() {
    let patch = r#"[plugins."io.containerd.grpc.v1.cri".registry]
  config_path = "/etc/containerd/certs.d""#;
    let out = parse(&patch_config(NODE_CONFIG, &s(&[patch]), &[]).unwrap());
    assert_eq!(cri(&out)["registry"]["config_path"].as_str(), Some("/etc/containerd/certs.d"));
}

#[test]
fn merge_patches_apply_in_order_and_add_tables() {
    let patches = s(&[
        "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.kata]\nruntime_type = \"io.containerd.kata.v2\"\n",
        "[debug]\nlevel = \"debug\"\n",
        "[debug]\nlevel = \"trace\"\n",
    ]);
    let report = patch_config_report(NODE_CONFIG, &patches, &[]).unwrap();
    assert!(report.skipped.is_empty());
    let out = parse(&report.config);
    let runtimes = &cri(&out)["containerd"]["runtimes"];
    assert_eq!(runtimes["kata"]["runtime_type"].as_str(), Some("io.containerd.kata.v2"));
    assert_eq!(runtimes["runc"]["options"]["SystemdCgroup"].as_bool(), Some(true));
    assert_eq!(out["debug"]["level"].as_str(), Some("trace"));
}

#[test]
fn merge_patches_for_another_version_are_skipped() {
    // A containerd 2.x (version 3) patch: the node's config is version 2.
    let v3 = r#"version = 3
[plugins."io.containerd.cri.v1.images".registry]
  config_path = "/etc/containerd/certs.d"
"#;
    let v2 = "version = 2\n[debug]\nlevel = \"debug\"\n";
    let report = patch_config_report(NODE_CONFIG, &s(&[v3, v2]), &[]).unwrap();
    assert_eq!(report.skipped, [SkippedPatch { index: 0, patch_version: 3, config_version: 2 }]);
    let out = parse(&report.config);
    assert!(out["plugins"].get("io.containerd.cri.v1.images").is_none());
    assert_eq!(out["debug"]["level"].as_str(), Some("debug"));
    assert_eq!(out["version"].as_integer(), Some(2));
}

#[test]
fn json6902_patches_apply_after_merge_patches_regardless_of_version() {
    let merge = "version = 3\n[debug]\nlevel = \"debug\"\n";
    let ops = s(&[
        r#"[{"op": "add", "path": "/debug", "value": {"level": "warn"}}]"#,
        "- op: replace\n  path: /plugins/io.containerd.grpc.v1.cri/containerd/snapshotter\n  value: native\n",
        r#"[{"op": "remove", "path": "/plugins/io.containerd.grpc.v1.cri/containerd/runtimes/test-handler"}]"#,
        // `test` sees the merge patch result: the version 3 patch was skipped.
        r#"[{"op": "test", "path": "/debug/level", "value": "warn"}]"#,
    ]);
    let out = parse(&patch_config(NODE_CONFIG, &s(&[merge]), &ops).unwrap());
    assert_eq!(out["debug"]["level"].as_str(), Some("warn"));
    let containerd = &cri(&out)["containerd"];
    assert_eq!(containerd["snapshotter"].as_str(), Some("native"));
    assert!(containerd["runtimes"].get("test-handler").is_none());
    assert!(containerd["runtimes"].get("runc").is_some());
}

#[test]
fn json6902_can_change_the_version_and_set_numbers() {
    let ops = s(&[
        r#"[{"op": "add", "path": "/plugins/io.containerd.grpc.v1.cri/max_container_log_line_size", "value": 32768},
                     {"op": "replace", "path": "/version", "value": 3}]"#,
    ]);
    let out = parse(&patch_config(NODE_CONFIG, &[], &ops).unwrap());
    assert_eq!(out["version"].as_integer(), Some(3));
    assert_eq!(cri(&out)["max_container_log_line_size"].as_integer(), Some(32768));
}

#[test]
fn errors_name_the_patch() {
    let err = patch_config(NODE_CONFIG, &s(&["[debug]\nlevel = \"x\"\n", "[broken"]), &[]).unwrap_err();
    assert!(matches!(err, PatchError::Merge { index: 1, .. }), "{err:?}");
    assert!(err.to_string().starts_with("containerdConfigPatches[1]: not valid TOML"), "{err}");

    let err = patch_config(NODE_CONFIG, &s(&["version = \"2\""]), &[]).unwrap_err();
    assert!(err.to_string().starts_with("containerdConfigPatches[0]: `version` must be an integer"), "{err}");

    let err = patch_config(NODE_CONFIG, &[], &s(&["[]", r#"[{"op": "remove", "path": "/nope"}]"#])).unwrap_err();
    assert!(err.to_string().starts_with("containerdConfigPatchesJSON6902[1]: cannot apply: "), "{err}");

    let err = patch_config(NODE_CONFIG, &[], &s(&[r#"{"op": "remove"}"#])).unwrap_err();
    assert!(err.to_string().starts_with("containerdConfigPatchesJSON6902[0]: not a JSON 6902 list"), "{err}");

    let err =
        patch_config(NODE_CONFIG, &[], &s(&[r#"[{"op": "add", "path": "/proxy_plugins/x", "value": [1, null]}]"#]))
            .unwrap_err();
    assert!(matches!(err, PatchError::Write(_)), "{err:?}");

    let err = patch_config("[grpc]\naddress = \"x\"\n", &[], &[]).unwrap_err();
    assert_eq!(err, PatchError::NoVersion);
    assert!(matches!(patch_config("version = ", &[], &[]), Err(PatchError::Config(_))));
}

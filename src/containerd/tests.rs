use super::*;

/// A node image's containerd 2.x config, in the shape kindest/node ships.
const NODE_CONFIG: &str = r#"# containerd config for a kina node (containerd 2.x)
version = 3

[grpc]
  address = "/run/containerd/containerd.sock"
  max_recv_message_size = 16777216

[debug]
  level = "info"

[plugins]
  [plugins."io.containerd.cri.v1.images"]
    snapshotter = "overlayfs"
    discard_unpacked_layers = true
    image_pull_progress_timeout = "5m0s"

    [plugins."io.containerd.cri.v1.images".pinned_images]
      sandbox = "registry.k8s.io/pause:3.10"

    [plugins."io.containerd.cri.v1.images".registry]
      config_path = ""

  [plugins."io.containerd.cri.v1.runtime"]
    enable_selinux = false
    max_container_log_line_size = 16384
    tolerate_missing_hugetlb_controller = true
    cdi_spec_dirs = ["/etc/cdi", "/var/run/cdi"]

    [plugins."io.containerd.cri.v1.runtime".cni]
      bin_dirs = ["/opt/cni/bin"]
      conf_dir = "/etc/cni/net.d"

    [plugins."io.containerd.cri.v1.runtime".containerd]
      default_runtime_name = "runc"

      [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc]
        runtime_type = "io.containerd.runc.v2"
        base_runtime_spec = "/etc/containerd/cri-base.json"

        [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc.options]
          SystemdCgroup = true

      [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.test-handler]
        runtime_type = "io.containerd.runc.v2"

  [plugins."io.containerd.grpc.v1.cri"]
    stream_server_address = "127.0.0.1"
    stream_server_port = "0"

  [plugins."io.containerd.gc.v1.scheduler"]
    pause_threshold = 0.02
    deletion_threshold = 0
"#;

fn parse(text: &str) -> toml::Table {
    text.parse().unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn s(patches: &[&str]) -> Vec<String> {
    patches.iter().map(|p| p.to_string()).collect()
}

fn images(table: &toml::Table) -> &toml::Value {
    &table["plugins"]["io.containerd.cri.v1.images"]
}

#[test]
fn no_patches_round_trips_the_values() {
    let out = patch_config(NODE_CONFIG, &[], &[]).unwrap();
    assert_eq!(parse(&out), parse(NODE_CONFIG));
    let table = parse(&out);
    assert_eq!(table["version"].as_integer(), Some(3));
    assert_eq!(table["plugins"]["io.containerd.gc.v1.scheduler"]["pause_threshold"].as_float(), Some(0.02));
    assert_eq!(table["plugins"]["io.containerd.gc.v1.scheduler"]["deletion_threshold"].as_integer(), Some(0));
    assert_eq!(table["plugins"]["io.containerd.cri.v1.runtime"]["cni"]["bin_dirs"][0].as_str(), Some("/opt/cni/bin"));
}

#[test]
fn merge_patches_without_version_apply() {
    // The registry-mirror patch kind's docs show, in containerd 2.x form.
    let patch = r#"
[plugins."io.containerd.cri.v1.images".registry]
  config_path = "/etc/containerd/certs.d"
"#;
    let out = parse(&patch_config(NODE_CONFIG, &s(&[patch]), &[]).unwrap());
    assert_eq!(images(&out)["registry"]["config_path"].as_str(), Some("/etc/containerd/certs.d"));
    // Siblings survive a merge patch.
    assert_eq!(images(&out)["snapshotter"].as_str(), Some("overlayfs"));
    assert_eq!(images(&out)["pinned_images"]["sandbox"].as_str(), Some("registry.k8s.io/pause:3.10"));
}

#[test]
fn merge_patches_apply_in_order_and_add_tables() {
    let patches = s(&[
        "version = 3\n[plugins.\"io.containerd.cri.v1.runtime\".containerd.runtimes.kata]\nruntime_type = \"io.containerd.kata.v2\"\n",
        "[debug]\nlevel = \"debug\"\n",
        "[debug]\nlevel = \"trace\"\n",
    ]);
    let report = patch_config_report(NODE_CONFIG, &patches, &[]).unwrap();
    assert!(report.skipped.is_empty());
    let out = parse(&report.config);
    let runtimes = &out["plugins"]["io.containerd.cri.v1.runtime"]["containerd"]["runtimes"];
    assert_eq!(runtimes["kata"]["runtime_type"].as_str(), Some("io.containerd.kata.v2"));
    assert_eq!(runtimes["runc"]["options"]["SystemdCgroup"].as_bool(), Some(true));
    assert_eq!(out["debug"]["level"].as_str(), Some("trace"));
}

#[test]
fn merge_patches_for_another_version_are_skipped() {
    // A containerd 1.x (version 2) patch, common in older kind configs.
    let v2 = r#"version = 2
[plugins."io.containerd.grpc.v1.cri".registry.mirrors."localhost:5001"]
  endpoint = ["http://kind-registry:5000"]
"#;
    let v3 = "version = 3\n[debug]\nlevel = \"debug\"\n";
    let report = patch_config_report(NODE_CONFIG, &s(&[v2, v3]), &[]).unwrap();
    assert_eq!(report.skipped, [SkippedPatch { index: 0, patch_version: 2, config_version: 3 }]);
    let out = parse(&report.config);
    assert!(out["plugins"]["io.containerd.grpc.v1.cri"].get("registry").is_none());
    assert_eq!(out["debug"]["level"].as_str(), Some("debug"));
    assert_eq!(out["version"].as_integer(), Some(3));
}

#[test]
fn json6902_patches_apply_after_merge_patches_regardless_of_version() {
    let merge = "version = 2\n[debug]\nlevel = \"debug\"\n";
    let ops = s(&[
        r#"[{"op": "replace", "path": "/debug/level", "value": "warn"}]"#,
        "- op: add\n  path: /plugins/io.containerd.cri.v1.runtime/cni/bin_dirs/-\n  value: /usr/libexec/cni\n",
        r#"[{"op": "remove", "path": "/plugins/io.containerd.cri.v1.runtime/containerd/runtimes/test-handler"}]"#,
        // `test` sees the merge patch result: the version 2 patch was skipped.
        r#"[{"op": "test", "path": "/debug/level", "value": "warn"}]"#,
    ]);
    let out = parse(&patch_config(NODE_CONFIG, &s(&[merge]), &ops).unwrap());
    assert_eq!(out["debug"]["level"].as_str(), Some("warn"));
    let runtime = &out["plugins"]["io.containerd.cri.v1.runtime"];
    assert_eq!(
        runtime["cni"]["bin_dirs"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect::<Vec<_>>(),
        ["/opt/cni/bin", "/usr/libexec/cni"]
    );
    assert!(runtime["containerd"]["runtimes"].get("test-handler").is_none());
}

#[test]
fn json6902_can_change_the_version_and_set_numbers() {
    let ops =
        s(&[r#"[{"op": "add", "path": "/plugins/io.containerd.gc.v1.scheduler/startup_delay", "value": "100ms"},
                     {"op": "replace", "path": "/grpc/max_recv_message_size", "value": 33554432}]"#]);
    let out = parse(&patch_config(NODE_CONFIG, &[], &ops).unwrap());
    assert_eq!(out["grpc"]["max_recv_message_size"].as_integer(), Some(33554432));
    assert_eq!(out["plugins"]["io.containerd.gc.v1.scheduler"]["startup_delay"].as_str(), Some("100ms"));
}

#[test]
fn errors_name_the_patch() {
    let err = patch_config(NODE_CONFIG, &s(&["[debug]\nlevel = \"x\"\n", "[broken"]), &[]).unwrap_err();
    assert!(matches!(err, PatchError::Merge { index: 1, .. }), "{err:?}");
    assert!(err.to_string().starts_with("containerdConfigPatches[1]: not valid TOML"), "{err}");

    let err = patch_config(NODE_CONFIG, &s(&["version = \"3\""]), &[]).unwrap_err();
    assert!(err.to_string().starts_with("containerdConfigPatches[0]: `version` must be an integer"), "{err}");

    let err = patch_config(NODE_CONFIG, &[], &s(&["[]", r#"[{"op": "remove", "path": "/nope"}]"#])).unwrap_err();
    assert!(err.to_string().starts_with("containerdConfigPatchesJSON6902[1]: cannot apply: "), "{err}");

    let err = patch_config(NODE_CONFIG, &[], &s(&[r#"{"op": "remove"}"#])).unwrap_err();
    assert!(err.to_string().starts_with("containerdConfigPatchesJSON6902[0]: not a JSON 6902 list"), "{err}");

    let err = patch_config(NODE_CONFIG, &[], &s(&[r#"[{"op": "add", "path": "/debug/x", "value": [1, null]}]"#]))
        .unwrap_err();
    assert!(matches!(err, PatchError::Write(_)), "{err:?}");

    let err = patch_config("[grpc]\naddress = \"x\"\n", &[], &[]).unwrap_err();
    assert_eq!(err, PatchError::NoVersion);
    assert!(matches!(patch_config("version = ", &[], &[]), Err(PatchError::Config(_))));
}

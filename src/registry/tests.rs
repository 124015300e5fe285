use super::*;

#[test]
fn hosts_toml_sends_pulls_to_the_registry_vm_over_http() {
    let text = hosts_toml(&vm_endpoint("192.168.64.7".parse().unwrap()));
    assert_eq!(text, "[host.\"http://192.168.64.7:5000\"]\n  capabilities = [\"pull\", \"resolve\"]\n");
    assert_eq!(endpoint_in(&text).as_deref(), Some("192.168.64.7:5000"));
    assert_eq!(endpoint_in("server = \"https://x\"\n"), None);
    assert!(text.parse::<toml::Table>().is_ok());
    assert_eq!(hosts_dir(5001), "/etc/containerd/certs.d/localhost:5001");
}

#[test]
fn the_configmap_is_kep_1755s() {
    let text = configmap(5001);
    let value: serde_json::Value = crate::yaml::from_str(&text).unwrap();
    assert_eq!(value["metadata"]["name"], "local-registry-hosting");
    assert_eq!(value["metadata"]["namespace"], "kube-public");
    let hosting: serde_json::Value =
        crate::yaml::from_str(value["data"]["localRegistryHosting.v1"].as_str().unwrap()).unwrap();
    assert_eq!(hosting["host"], "localhost:5001");
    assert!(hosting["help"].as_str().unwrap().starts_with("https://"));
}

#[test]
fn the_containerd_patch_sets_config_path_on_kindest_nodes_config() {
    let config =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/node/containerd-config.toml"))
            .unwrap();
    let patched = crate::containerd::patch_config(&config, &[CONTAINERD_PATCH.to_string()], &[]).unwrap();
    let table: toml::Table = patched.parse().unwrap();
    assert_eq!(
        table["plugins"]["io.containerd.grpc.v1.cri"]["registry"]["config_path"].as_str(),
        Some("/etc/containerd/certs.d")
    );
    assert!(!patches_set_mirrors(&[CONTAINERD_PATCH.to_string()], &[]));
}

#[test]
fn a_mirrors_patch_is_found_whichever_way_it_is_written() {
    let mirror = "[plugins.\"io.containerd.grpc.v1.cri\".registry.mirrors.\"localhost:5000\"]\n  endpoint = [\"http://kind-registry:5000\"]\n";
    assert!(patches_set_mirrors(&[mirror.to_string()], &[]));
    let json6902 = r#"[{"op":"add","path":"/plugins/io.containerd.grpc.v1.cri/registry","value":{"mirrors":{"x":{"endpoint":["http://y"]}}}}]"#;
    assert!(patches_set_mirrors(&[], &[json6902.to_string()]));
    assert!(!patches_set_mirrors(&["[plugins.\"io.containerd.grpc.v1.cri\"]\n  enable_cdi = true\n".to_string()], &[]));
}

#[test]
fn the_push_command_names_plain_http() {
    assert_eq!(push_command(5001, "app:dev"), "container image push --scheme http localhost:5001/app:dev");
}

#[test]
fn the_in_node_registry_is_a_host_network_static_pod_on_the_published_port() {
    let pod: serde_json::Value = crate::yaml::from_str(&in_node::static_pod(5001)).unwrap();
    assert_eq!(pod["kind"], "Pod");
    assert_eq!(pod["spec"]["hostNetwork"], true);
    let container = &pod["spec"]["containers"][0];
    assert_eq!(container["image"], IMAGE);
    assert_eq!(container["env"][0]["name"], "REGISTRY_HTTP_ADDR");
    assert_eq!(container["env"][0]["value"], "0.0.0.0:5001");
    assert_eq!(container["volumeMounts"][0]["mountPath"], "/var/lib/registry");
    assert_eq!(pod["spec"]["volumes"][0]["hostPath"]["path"], in_node::DATA_IN_NODE);

    let mut spec = crate::provider::NodeSpec::bare_control_plane("kindest/node:v1.35.5");
    in_node::add_to_node(&mut spec, &in_node::InNode { name: "kina-registry".into(), port: 5001 });
    let argv = crate::provider::apple::run_args::run_args(
        &spec,
        crate::provider::apple::version::Features { clear_default_paths: true },
    )
    .join(" ");
    assert!(argv.contains("-l io.kina.registry=kina-registry -l io.kina.registry-port=5001"), "{argv}");
    assert!(argv.contains("-p 127.0.0.1:5001:5001/tcp"), "{argv}");
    assert!(argv.contains("-v kina-registry-data:/var/lib/kina-registry"), "{argv}");
}

#[test]
fn a_registry_keeps_its_networks_and_joins_the_clusters() {
    use super::lifecycle::networks_for_clusters;
    let on = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
    // No cluster of its own network: the runtime's default, named nowhere.
    assert!(networks_for_clusters(&[], &[]).is_empty());
    assert_eq!(networks_for_clusters(&[], &["kina-a"]), on(&["default", "kina-a"]));
    assert_eq!(networks_for_clusters(&on(&["default", "kina-a"]), &["kina-b"]), on(&["default", "kina-a", "kina-b"]));
    assert_eq!(networks_for_clusters(&on(&["default", "kina-a"]), &["kina-a"]), on(&["default", "kina-a"]));
}

//! `kina stop cluster` / `kina start cluster` of clusters on the runtime's
//! default network (macOS 15, `KINA_FIXED_ADDRESSES=off`, clusters made before
//! fixed addresses): the VMs come back with new addresses and kina heals
//! everything that pointed at the old ones. Fixed addresses: fixed_addresses.rs.

use crate::support::World;

fn on_default_network() -> World {
    let mut world = World::new();
    world.env("KINA_FIXED_ADDRESSES", "off");
    world
}

fn ip_of(world: &World, node: &str) -> String {
    let inspect: serde_json::Value = serde_json::from_str(&world.container(&["inspect", node]).stdout()).unwrap();
    inspect[0]["status"]["networks"][0]["ipv4Address"].as_str().unwrap_or("").split('/').next().unwrap().to_string()
}

fn node_file(world: &World, node: &str, path: &str) -> String {
    let run = world.container(&["exec", node, "cat", path]);
    run.success();
    run.stdout()
}

fn kubectl(world: &World, args: &[&str]) -> crate::support::Run {
    world.kubectl("kina-control-plane", args)
}

#[test]
fn a_single_node_survives_stop_and_start_with_a_new_address() {
    let world = on_default_network();
    world.kina(&["create", "cluster"]).success();
    let before = ip_of(&world, "kina-control-plane");
    let kubeconfig_before = std::fs::read_to_string(world.default_kubeconfig()).unwrap();

    world.kina(&["stop", "cluster"]).success().stdout_is("").stderr_has("Stopped nodes: [\"kina-control-plane\"]");
    let listed = world.kina(&["list"]).stdout();
    assert!(listed.lines().nth(1).unwrap().contains("stopped"), "{listed}");

    world
        .kina(&["start", "cluster"])
        .success()
        .stdout_is("")
        .stderr_has(" ✓ Starting nodes 📦 ")
        .stderr_has(" ✓ Healing control plane 🩹")
        .stderr_has(" ✓ Waiting ≤ 5m0s for nodes = Ready ⏳");
    let after = ip_of(&world, "kina-control-plane");
    assert_ne!(before, after, "the fake hands out a new address on start");

    let admin = node_file(&world, "kina-control-plane", "/etc/kubernetes/admin.conf");
    assert!(admin.contains(&format!("https://{after}:6443")), "{admin}");
    kubectl(&world, &["wait", "--for=condition=Ready", "node", "--all"]).success();
    let proxy = kubectl(&world, &["-n", "kube-system", "get", "configmap", "kube-proxy", "-o", "yaml"]).stdout();
    assert!(!proxy.contains(&format!("{before}:6443")), "{proxy}");
    // The Mac-side endpoint is the published port: the kubeconfig needs no change.
    assert_eq!(std::fs::read_to_string(world.default_kubeconfig()).unwrap(), kubeconfig_before);
    world.kina(&["get", "kubeconfig", "--internal"]).success().stdout_has(&format!("server: https://{after}:6443"));
    let listed = world.kina(&["list"]).stdout();
    assert!(listed.lines().nth(1).unwrap().contains("running"), "{listed}");
}

#[test]
fn workers_and_cluster_objects_follow_the_control_plane() {
    let world = on_default_network();
    world.kina(&["create", "cluster", "--workers", "1"]).success();
    let before = ip_of(&world, "kina-control-plane");
    world.kina(&["stop", "cluster"]).success().stderr_has("Stopped nodes: [\"kina-control-plane\" \"kina-worker\"]");
    let stops: Vec<String> = world.fake_calls().into_iter().filter(|c| c.starts_with("stop ")).collect();
    assert_eq!(stops, ["stop --time 30 kina-worker", "stop --time 30 kina-control-plane"], "workers first");

    world.kina(&["start", "cluster"]).success();
    let after = ip_of(&world, "kina-control-plane");
    assert_ne!(before, after);
    let kubelet = node_file(&world, "kina-worker", "/etc/kubernetes/kubelet.conf");
    assert!(kubelet.contains(&format!("https://{after}:6443")), "{kubelet}");
    for (ns, kind, name) in [
        ("kube-system", "configmap", "kube-proxy"),
        ("kube-public", "configmap", "cluster-info"),
        ("kube-system", "daemonset", "kindnet"),
    ] {
        let object = kubectl(&world, &["-n", ns, "get", kind, name, "-o", "yaml"]).stdout();
        assert!(object.contains(&format!("{after}:6443")), "{ns}/{name}:\n{object}");
        assert!(!object.contains(&format!("{before}:6443")), "{ns}/{name}:\n{object}");
    }
    kubectl(&world, &["wait", "--for=condition=Ready", "node", "--all"])
        .success()
        .stdout_is("node/kina-control-plane condition met\nnode/kina-worker condition met\n");
}

#[test]
fn start_is_idempotent_and_changes_nothing_on_a_healthy_cluster() {
    let world = on_default_network();
    world.kina(&["create", "cluster"]).success();
    world.clear_fake_log();
    world.kina(&["start", "cluster"]).success();
    let calls = world.fake_calls();
    assert!(
        !calls.iter().any(|c| c.starts_with("start ") || c.contains(" sed ") || c.contains("apply -f -")),
        "{calls:?}"
    );
}

#[test]
fn a_rebooted_mac_is_healed_by_start() {
    let world = on_default_network();
    world.kina(&["create", "cluster", "--workers", "1"]).success();
    // A reboot: the service stops every VM, and comes back without them running.
    world.container(&["system", "stop"]).success();
    world.container(&["system", "start", "--enable-kernel-install"]).success();
    world.kina(&["get", "kubeconfig"]).code_is(1).stderr_has("is not running");
    world.kina(&["start", "cluster"]).success();
    kubectl(&world, &["wait", "--for=condition=Ready", "node", "--all"]).success();
}

#[test]
fn stop_and_start_all_clusters() {
    let world = on_default_network();
    world.kina(&["create", "cluster", "-n", "one"]).success();
    world.kina(&["create", "cluster", "-n", "two"]).success();
    world
        .kina(&["stop", "cluster", "--all"])
        .success()
        .stderr_has("Stopping cluster \"one\"")
        .stderr_has("Stopping cluster \"two\"");
    world.kina(&["stop", "cluster", "-n", "one"]).success().stderr_has("Cluster \"one\" is already stopped");
    world.kina(&["start", "cluster", "--all"]).success();
    let json: serde_json::Value = serde_json::from_str(&world.kina(&["list", "-o", "json"]).stdout()).unwrap();
    assert!(json.as_array().unwrap().iter().all(|c| c["state"] == "running"), "{json}");
}

#[test]
fn unknown_clusters_and_failed_heals_are_clear_errors() {
    let mut world = on_default_network();
    world.kina(&["start", "cluster", "-n", "ghost"]).code_is(1).stderr_has("no nodes found for cluster \"ghost\"");
    world.kina(&["stop", "cluster", "-n", "ghost"]).code_is(1).stderr_has("no nodes found for cluster \"ghost\"");
    world.kina(&["create", "cluster"]).success();
    world.kina(&["stop", "cluster"]).success();
    world.env("KINA_FAKE_FAIL", "sed -i");
    world
        .kina(&["start", "cluster"])
        .code_is(1)
        .stderr_has(" ✗ Healing control plane 🩹")
        .stderr_has("failed to rewrite the API server address on kina-control-plane")
        .stderr_has("injected failure");
    assert_eq!(world.container_names(), ["kina-control-plane"], "a failed start deletes nothing");
    // Healing is safe to re-run.
    world.remove_env("KINA_FAKE_FAIL");
    world.kina(&["start", "cluster"]).success();
}

#[test]
fn a_start_cut_short_is_finished_by_the_next_one() {
    for failing in ["exec kina-control-plane systemctl restart kubelet", "exec kina-worker systemctl restart kubelet"] {
        let mut world = on_default_network();
        world.kina(&["create", "cluster", "--workers", "1"]).success();
        world.kina(&["stop", "cluster"]).success();
        world.env("KINA_FAKE_FAIL", failing);
        world.kina(&["start", "cluster"]).code_is(1).stderr_has("injected failure");
        world.remove_env("KINA_FAKE_FAIL");
        world.kina(&["start", "cluster"]).success();
        kubectl(&world, &["wait", "--for=condition=Ready", "node", "--all"]).success();
        let after = ip_of(&world, "kina-control-plane");
        for (node, file) in
            [("kina-control-plane", "/etc/kubernetes/admin.conf"), ("kina-worker", "/kind/kubeadm.conf")]
        {
            assert!(node_file(&world, node, file).contains(&format!("{after}:6443")), "{failing}: {node}:{file}");
        }
    }
}

#[test]
fn start_without_waiting() {
    let world = on_default_network();
    world.kina(&["create", "cluster"]).success();
    world.kina(&["stop", "cluster"]).success();
    let run = world.kina(&["start", "cluster", "--wait", "0s"]);
    run.success();
    assert!(!run.stderr().contains("Waiting"), "{}", run.stderr());
}

#[test]
fn a_start_cut_short_before_kube_proxy_restarts_is_finished_by_the_next() {
    let mut world = on_default_network();
    world.kina(&["create", "cluster"]).success();
    world.kina(&["stop", "cluster"]).success();
    // The ConfigMap gets the new address, then the restart fails.
    world.env("KINA_FAKE_FAIL", "rollout restart daemonset/kube-proxy");
    world.kina(&["start", "cluster"]).code_is(1).stderr_has("rollout restart daemonset/kube-proxy");
    world.remove_env("KINA_FAKE_FAIL");
    world.clear_fake_log();
    // The ConfigMap already looks healed; the re-run still restarts kube-proxy.
    world.kina(&["start", "cluster"]).success();
    let restarts = world.fake_calls().iter().filter(|c| c.contains("rollout restart daemonset/kube-proxy")).count();
    assert_eq!(restarts, 1, "{:#?}", world.fake_calls());
    let proxy = kubectl(&world, &["-n", "kube-system", "get", "configmap", "kube-proxy", "-o", "json"]).stdout();
    let proxy: serde_json::Value = serde_json::from_str(&proxy).unwrap();
    assert!(proxy["metadata"]["annotations"].get("kina.dev/restart-pending").is_none(), "the mark is cleared: {proxy}");
    // And a healthy cluster restarts nothing.
    world.clear_fake_log();
    world.kina(&["start", "cluster"]).success();
    assert!(!world.fake_calls().iter().any(|c| c.contains("rollout restart")), "{:#?}", world.fake_calls());
}

//! Fixed node addresses on macOS 26: a network per cluster, an address per node
//! added in the guest at every boot, and a start that heals nothing.

use crate::support::World;

fn inspect(world: &World, node: &str) -> serde_json::Value {
    serde_json::from_str::<serde_json::Value>(&world.container(&["inspect", node]).stdout()).unwrap()[0].clone()
}

fn runtime_ip(world: &World, node: &str) -> String {
    let record = inspect(world, node);
    record["status"]["networks"][0]["ipv4Address"].as_str().unwrap_or("").split('/').next().unwrap().to_string()
}

fn networks(world: &World) -> Vec<(String, String)> {
    let list: serde_json::Value =
        serde_json::from_str(&world.container(&["network", "list", "--format", "json"]).stdout()).unwrap();
    list.as_array()
        .unwrap()
        .iter()
        .map(|n| (n["id"].as_str().unwrap().to_string(), n["status"]["ipv4Subnet"].as_str().unwrap().to_string()))
        .collect()
}

fn node_file(world: &World, node: &str, path: &str) -> String {
    let run = world.container(&["exec", node, "cat", path]);
    run.success();
    run.stdout()
}

fn ready(world: &World) {
    world.kubectl("kina-control-plane", &["wait", "--for=condition=Ready", "node", "--all"]).success();
}

#[test]
fn create_makes_a_network_and_gives_each_node_a_fixed_address() {
    let world = World::new();
    world.kina(&["create", "cluster", "--workers", "1", "--wait", "1m"]).success();
    // The preflight's listing (can nodes reach each other?) is the one the subnet is picked from.
    let listings = world.fake_calls().iter().filter(|c| c.starts_with("network list")).count();
    assert_eq!(listings, 1, "{:#?}", world.fake_calls());
    assert!(networks(&world).contains(&("kina-kina".into(), "192.168.100.0/24".into())), "{:?}", networks(&world));
    for (node, address) in [("kina-control-plane", "192.168.100.254"), ("kina-worker", "192.168.100.253")] {
        let labels = &inspect(&world, node)["configuration"]["labels"];
        assert_eq!(labels["io.kina.network"], "kina-kina");
        assert_eq!(labels["io.kina.subnet"], "192.168.100.0/24");
        assert_eq!(labels["io.kina.address"], address);
        assert_eq!(inspect(&world, node)["configuration"]["networks"][0]["network"], "kina-kina");
        world.container(&["exec", node, "ip", "addr"]).success().stdout_has(&format!("inet {address}/24 "));
        world
            .container(&["exec", node, "systemctl", "is-enabled", "kina-node-address.service"])
            .success()
            .stdout_is("enabled\n");
    }
    let kubeadm = node_file(&world, "kina-control-plane", "/kind/kubeadm.conf");
    assert!(kubeadm.contains("advertiseAddress: \"192.168.100.254\""), "{kubeadm}");
    let flags = node_file(&world, "kina-worker", "/var/lib/kubelet/kubeadm-flags.env");
    assert!(flags.contains("--node-ip=192.168.100.253"), "{flags}");
    let nodes = world.kubectl("kina-control-plane", &["get", "nodes", "-o", "wide"]).stdout();
    assert!(nodes.contains("192.168.100.254") && nodes.contains("192.168.100.253"), "{nodes}");
    world.kina(&["get", "kubeconfig", "--internal"]).success().stdout_has("server: https://192.168.100.254:6443");
    world.kina(&["get", "nodes", "-o", "json"]).success().stdout_has("192.168.100.254");
}

#[test]
fn stop_and_start_keep_the_addresses_and_heal_nothing() {
    let world = World::new();
    world.kina(&["create", "cluster"]).success();
    let before = runtime_ip(&world, "kina-control-plane");
    let admin = node_file(&world, "kina-control-plane", "/etc/kubernetes/admin.conf");
    let kubeconfig = std::fs::read_to_string(world.default_kubeconfig()).unwrap();
    world.kina(&["stop", "cluster"]).success();
    world.clear_fake_log();
    let started = world.kina(&["start", "cluster"]);
    started.success().stderr_has(" ✓ Starting nodes 📦 ");
    let calls = world.fake_calls();
    assert!(!started.stderr().contains("Healing"), "{}", started.stderr());
    // What the runtime gives the VM changes; the node's own address does not.
    assert_ne!(runtime_ip(&world, "kina-control-plane"), before, "the fake hands out a new address on start");
    world.container(&["exec", "kina-control-plane", "ip", "addr"]).success().stdout_has("inet 192.168.100.254/24 ");
    ready(&world);
    assert_eq!(
        calls.iter().map(|c| c.split(" '").next().unwrap().to_string()).collect::<Vec<_>>(),
        [
            "--version",
            "system status --format json",
            "list --all --format json",
            "start kina-control-plane",
            "exec kina-control-plane sh -c",
            "inspect kina-control-plane",
            "exec kina-control-plane kubectl",
            // Whether a registry VM serves the cluster (registry::heal_cluster).
            "list --all --format json",
        ],
        "{calls:#?}"
    );
    assert!(calls.len() * 2 <= 21, "at most half the calls of a healing start (21)");
    assert!(!calls.iter().any(|c| c.contains("sed ") || c.contains("restart") || c.contains("apply")), "{calls:?}");
    assert_eq!(node_file(&world, "kina-control-plane", "/etc/kubernetes/admin.conf"), admin);
    assert_eq!(std::fs::read_to_string(world.default_kubeconfig()).unwrap(), kubeconfig);
}

#[test]
fn a_rebooted_mac_brings_the_addresses_back_from_the_unit() {
    let world = World::new();
    world.kina(&["create", "cluster", "--workers", "1"]).success();
    // A reboot: the service stops every VM, and comes back without them running.
    world.container(&["system", "stop"]).success();
    world.container(&["system", "start", "--enable-kernel-install"]).success();
    // Started by hand, the node has its address again: the unit runs at boot, not kina.
    world.container(&["start", "kina-worker"]).success();
    world.container(&["exec", "kina-worker", "ip", "addr"]).success().stdout_has("inet 192.168.100.253/24 ");
    world
        .container(&["exec", "kina-worker", "ethtool", "-k", "eth0"])
        .success()
        .stdout_has("segmentation-offload: off");
    let started = world.kina(&["start", "cluster"]);
    started.success();
    assert!(!started.stderr().contains("Healing"), "{}", started.stderr());
    ready(&world);
}

#[test]
fn an_address_added_by_hand_does_not_survive_a_restart() {
    // The fake's guest is strict: only a unit brings an address back at boot.
    let world = World::new();
    world.kina(&["create", "cluster"]).success();
    world.container(&["exec", "kina-control-plane", "ip", "addr", "add", "192.168.100.9/24", "dev", "eth0"]).success();
    world.container(&["exec", "kina-control-plane", "ip", "addr", "add", "192.168.100.9/24", "dev", "eth0"]).code_is(2);
    world.kina(&["stop", "cluster"]).success();
    world.kina(&["start", "cluster"]).success();
    let addresses = world.container(&["exec", "kina-control-plane", "ip", "addr"]).stdout();
    assert!(!addresses.contains("192.168.100.9/") && addresses.contains("192.168.100.254/"), "{addresses}");
}

#[test]
fn delete_removes_the_network_and_a_failed_create_its_own() {
    let mut world = World::new();
    world.kina(&["create", "cluster"]).success();
    // The runtime refuses to remove a network a container uses.
    world
        .container(&["network", "delete", "kina-kina"])
        .failure()
        .stderr_has("cannot delete subnet kina-kina with referring containers: kina-control-plane");
    world.kina(&["stop", "cluster"]).success();
    world.container(&["network", "delete", "kina-kina"]).failure().stderr_has("referring containers");
    world.kina(&["delete", "cluster"]).success().stderr_has("Deleted network: \"kina-kina\"");
    assert_eq!(networks(&world), [("default".to_string(), "192.168.64.0/24".to_string())]);

    world.env("KINA_FAKE_FAIL", "kubeadm init");
    world.kina(&["create", "cluster"]).code_is(1);
    assert!(world.container_names().is_empty());
    assert_eq!(networks(&world).len(), 1, "{:?}", networks(&world));
}

/// A delete whose nodes went but whose network did not (interrupted, or the network
/// delete failed): the re-run finds the network by its label and removes it.
#[test]
fn a_rerun_delete_removes_a_network_left_behind() {
    let world = World::new();
    world.kina(&["create", "cluster"]).success();
    world.container(&["delete", "--force", "kina-control-plane"]).success();
    world.kina(&["delete", "cluster"]).success().stderr_has("Deleted network: \"kina-kina\"");
    assert_eq!(networks(&world), [("default".to_string(), "192.168.64.0/24".to_string())]);
    // Nothing left: nothing to do, and a network of another cluster is not touched.
    world.kina(&["create", "cluster", "-n", "other"]).success();
    world.kina(&["delete", "cluster"]).success();
    assert!(networks(&world).iter().any(|(n, _)| n == "kina-other"));
}

#[test]
fn the_subnet_is_one_nothing_else_uses() {
    let world = World::new();
    world.container(&["network", "create", "--subnet", "192.168.100.0/24", "mine"]).success();
    world.kina(&["create", "cluster", "-n", "one"]).success();
    world.kina(&["create", "cluster", "-n", "two"]).success();
    let nets = networks(&world);
    assert!(nets.contains(&("kina-one".into(), "192.168.101.0/24".into())), "{nets:?}");
    assert!(nets.contains(&("kina-two".into(), "192.168.102.0/24".into())), "{nets:?}");
    // Separate clusters are separate networks: one cluster's nodes do not reach the other's.
    let two = world.kina(&["get", "kubeconfig", "-n", "two", "--internal"]).stdout();
    assert!(two.contains("server: https://192.168.102.254:6443"), "{two}");
    world.container_stdin(&["exec", "-i", "one-control-plane", "sh", "-c", "cat > /root/two.conf"], &two).success();
    world
        .container(&["exec", "one-control-plane", "kubectl", "--kubeconfig=/root/two.conf", "get", "nodes"])
        .failure()
        .stderr_has("dial tcp 192.168.102.254:6443: connect: no route to host");
    world.container_stdin(&["exec", "-i", "two-control-plane", "sh", "-c", "cat > /root/two.conf"], &two).success();
    world.container(&["exec", "two-control-plane", "kubectl", "--kubeconfig=/root/two.conf", "get", "nodes"]).success();
    // A cluster whose pod range lies in 192.168.0.0/16 gets a subnet clear of it.
    let config = "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnetworking:\n  podSubnet: 192.168.96.0/19\n";
    world.kina_stdin(&["create", "cluster", "-n", "three", "--config", "-"], config).success();
    assert!(networks(&world).contains(&("kina-three".into(), "192.168.128.0/24".into())), "{:?}", networks(&world));
}

#[test]
fn a_swapped_subnet_is_caught_and_a_restart_recovers() {
    let mut world = World::new();
    world.kina(&["create", "cluster"]).success();
    world.kina(&["stop", "cluster"]).success();
    world.env("KINA_FAKE_SUBNET_SWAP", "kina-kina");
    world.container(&["system", "stop"]).success();
    world.container(&["system", "start"]).success();
    world
        .kina(&["start", "cluster"])
        .code_is(1)
        .stderr_has("outside the subnet 192.168.100.0/24 kina recorded for network \"kina-kina\"")
        .stderr_has("hint: restart Apple container");
    // What the hint says: the runtime comes back with each network's own subnet.
    world.kina(&["stop", "cluster"]).success();
    world.container(&["system", "stop"]).success();
    world.container(&["system", "start"]).success();
    world.kina(&["start", "cluster"]).success();
    ready(&world);
}

#[test]
fn macos_15_and_the_opt_out_keep_the_default_network_and_heal() {
    for (key, value) in [("KINA_FAKE_MACOS", "15"), ("KINA_FIXED_ADDRESSES", "off")] {
        let mut world = World::new();
        world.env(key, value);
        world.kina(&["create", "cluster"]).success();
        assert!(!world.fake_calls().iter().any(|c| c.starts_with("network create")), "{key}");
        let labels = &inspect(&world, "kina-control-plane")["configuration"]["labels"];
        assert!(labels.get("io.kina.network").is_none(), "{key}: {labels}");
        world.kina(&["stop", "cluster"]).success();
        world.kina(&["start", "cluster"]).success().stderr_has(" ✓ Healing control plane 🩹");
        ready(&world);
        world.kina(&["delete", "cluster"]).success();
    }
}

/// The Mac's own networks (its LAN, a VPN) are never a cluster's subnet, and a
/// cluster whose network came to overlap one (the Mac joined another Wi-Fi) is
/// what `kina doctor` names.
#[test]
fn the_subnet_skips_the_macs_own_networks_and_doctor_names_a_clash() {
    let mut world = World::new();
    world.kina(&["create", "cluster", "-n", "home"]).success();
    world.env("KINA_HOST_NETWORKS", "192.168.101.23/24,10.8.0.2/32");
    world.kina(&["create", "cluster", "-n", "office"]).success();
    let nets = networks(&world);
    assert!(nets.contains(&("kina-home".into(), "192.168.100.0/24".into())), "{nets:?}");
    assert!(nets.contains(&("kina-office".into(), "192.168.102.0/24".into())), "{nets:?}");

    // The Mac now sits on a LAN with the home cluster's subnet.
    world.env("KINA_HOST_NETWORKS", "192.168.100.23/24");
    let run = world.kina(&["doctor", "-o", "json"]);
    let checks: serde_json::Value = serde_json::from_str(&run.stdout()).expect("doctor -o json");
    let clash: Vec<&serde_json::Value> =
        checks.as_array().unwrap().iter().filter(|c| c["message"].as_str().unwrap().contains("overlaps")).collect();
    assert_eq!(clash.len(), 1, "{checks:#}");
    assert_eq!(clash[0]["status"], "fail");
    assert_eq!(
        clash[0]["message"],
        "cluster \"home\"'s network kina-home (192.168.100.0/24) overlaps the Mac's network 192.168.100.0/24 \
         (KINA_HOST_NETWORKS): the Mac reaches only one of them"
    );

    // Nothing is free: the error names the Mac's networks that took the rest.
    world.env("KINA_HOST_NETWORKS", "192.168.0.0/16");
    world
        .kina(&["create", "cluster", "-n", "third"])
        .code_is(1)
        .stderr_has("no free /24 subnet in 192.168.100.0 to 192.168.254.0 for cluster \"third\"'s network (the Mac's own networks: 192.168.0.0/16 (KINA_HOST_NETWORKS))");
    assert!(!networks(&world).iter().any(|(n, _)| n == "kina-third"));
}

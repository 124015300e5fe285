//! Clusters with workers (macOS 26 only), through the real binary.

use crate::support::World;

fn kubectl_in_node(world: &World, args: &[&str]) -> String {
    let run = world.kubectl("kina-control-plane", args);
    run.success();
    run.stdout()
}

#[test]
fn one_control_plane_and_two_workers() {
    let world = World::new();
    let run = world.kina(&["create", "cluster", "--workers", "2", "--wait", "1m"]);
    run.success()
        .stderr_has(" ✓ Preparing nodes 📦 📦 📦 ")
        .stderr_has(" ✓ Joining worker nodes 🚜")
        .stderr_has("Ready after");
    world.kina(&["get", "nodes"]).success().stdout_is("kina-control-plane\nkina-worker\nkina-worker2\n");
    assert_eq!(
        kubectl_in_node(&world, &["get", "nodes", "-o", "name"]),
        "node/kina-control-plane\nnode/kina-worker\nnode/kina-worker2\n"
    );
    kubectl_in_node(&world, &["wait", "--for=condition=Ready", "node", "--all"]);

    // Workers are sized as workers, labelled, and joined with the pinned CA.
    let inspect: serde_json::Value =
        serde_json::from_str(&world.container(&["inspect", "kina-worker"]).stdout()).unwrap();
    let config = &inspect[0]["configuration"];
    assert_eq!(config["labels"]["io.kina.role"], "worker");
    assert_eq!(config["resources"]["cpus"], 2);
    assert_eq!(config["resources"]["memoryInBytes"], 2u64 << 30);
    assert_eq!(config["publishedPorts"], serde_json::json!([]));
    let join = world.container(&["exec", "kina-worker", "cat", "/kind/kubeadm.conf"]).stdout();
    assert!(join.contains("kind: JoinConfiguration") && join.contains("caCertHashes:"), "{join}");
    assert!(!join.contains("unsafeSkipCAVerification"), "{join}");

    // With workers the control plane keeps its taint, as in kind, and CoreDNS keeps two replicas.
    assert!(!world.fake_calls().iter().any(|c| c.contains("taint nodes")));
    let coredns = kubectl_in_node(&world, &["-n", "kube-system", "get", "deployment", "coredns", "-o", "json"]);
    let coredns: serde_json::Value = serde_json::from_str(&coredns).unwrap();
    assert_eq!(coredns["spec"]["replicas"], 2);

    world
        .kina(&["delete", "cluster"])
        .success()
        .stderr_has("Deleted nodes: [\"kina-control-plane\" \"kina-worker\" \"kina-worker2\"]");
    assert!(world.container_names().is_empty());
}

#[test]
fn vms_are_created_in_parallel() {
    let mut world = World::new();
    // The fake holds each `run`, each node's first boot probe (a script in the node) and
    // each worker's `kubeadm join` until all of them are under way at once: one after
    // another, the first would never see the others and fail. An exec meets its barrier
    // inside the fake with no lock held, so this also proves the fake runs the probes
    // and joins side by side rather than one at a time.
    world.env("KINA_FAKE_BARRIER", "3:run -d ;3:test -S /run/containerd;2:kubeadm join");
    world.kina(&["create", "cluster", "--workers", "2"]).success();
    let calls = world.fake_calls();
    let runs = calls.iter().filter(|c| c.starts_with("run ")).count();
    assert_eq!(runs, 3);
    // Every barrier matched its calls (a needle kina's calls never contain would prove nothing).
    for (index, at_least) in [(0, 3), (1, 3), (2, 2)] {
        let met = std::fs::read_dir(world.path(&format!("state/barriers/calls/{index}"))).map_or(0, |d| d.count());
        assert!(met >= at_least, "barrier {index}: {met} calls");
    }
}

#[test]
fn a_failing_worker_join_removes_every_node() {
    let mut world = World::new();
    std::fs::create_dir_all(world.home().join(".kube")).unwrap();
    std::fs::write(world.default_kubeconfig(), "apiVersion: v1\nkind: Config\nclusters: []\n").unwrap();
    world.env("KINA_FAKE_FAIL", "exec kina-worker2 kubeadm join");
    world
        .kina(&["create", "cluster", "--workers", "2"])
        .code_is(1)
        .stderr_has("failed to join node kina-worker2 with kubeadm")
        .stderr_has("injected failure")
        .stderr_has("container logs kina-worker2")
        .stderr_has("Deleted nodes:");
    assert!(world.container_names().is_empty(), "{:?}", world.container_names());
    assert_eq!(
        std::fs::read_to_string(world.default_kubeconfig()).unwrap(),
        "apiVersion: v1\nkind: Config\nclusters: []\n"
    );
}

#[test]
fn macos_15_refuses_workers_before_creating_anything() {
    let mut world = World::new();
    world.env("KINA_FAKE_MACOS", "15");
    world
        .kina(&["create", "cluster", "--workers", "1"])
        .code_is(1)
        .stderr_has("need macOS 26")
        .stderr_has("hint: create a single-node cluster");
    assert!(world.container_names().is_empty());
    assert!(!world.fake_calls().iter().any(|c| c.starts_with("run ")));
    // A single node still works there.
    world.kina(&["create", "cluster"]).success();
}

#[test]
fn cpus_and_memory_flags_size_every_node() {
    let world = World::new();
    world.kina(&["create", "cluster", "--workers", "1", "--cpus", "6", "--memory", "8G"]).success();
    for node in ["kina-control-plane", "kina-worker"] {
        let inspect: serde_json::Value = serde_json::from_str(&world.container(&["inspect", node]).stdout()).unwrap();
        assert_eq!(inspect[0]["configuration"]["resources"]["cpus"], 6, "{node}");
        assert_eq!(inspect[0]["configuration"]["resources"]["memoryInBytes"], 8u64 << 30, "{node}");
    }
    world.kina(&["create", "cluster", "-n", "bad", "--memory", "lots"]).code_is(1).stderr_has("invalid memory size");
}

#[test]
fn kina_api_version_sizes_nodes_and_patches_containerd() {
    let world = World::new();
    let kernel = world.path("vmlinux");
    std::fs::write(&kernel, "kernel").unwrap();
    let config = format!(
        "kind: Cluster
apiVersion: kina.dev/v1alpha1
containerdConfigPatches:
- |-
  [plugins.\"io.containerd.grpc.v1.cri\".registry.mirrors.\"localhost:5001\"]
    endpoint = [\"http://kind-registry:5000\"]
- |
  version = 3
  [plugins.'io.containerd.cri.v1.images'.registry]
    config_path = \"/etc/containerd/certs.d\"
nodes:
- role: control-plane
  cpus: 3
  memory: 3G
- role: worker
  memory: 3072M
  kernel: {}
",
        kernel.display()
    );
    world
        .kina_stdin(&["create", "cluster", "--config", "-"], &config)
        .success()
        .stderr_has("containerdConfigPatches[1] is for config version 3 but kina-control-plane runs version 2");
    let inspect = |node: &str| -> serde_json::Value {
        serde_json::from_str(&world.container(&["inspect", node]).stdout()).unwrap()
    };
    assert_eq!(inspect("kina-control-plane")[0]["configuration"]["resources"]["cpus"], 3);
    assert_eq!(inspect("kina-worker")[0]["configuration"]["resources"]["memoryInBytes"], 3u64 << 30);
    let run = world.fake_calls().into_iter().find(|c| c.starts_with("run -d --name kina-worker")).unwrap();
    assert!(run.contains(&format!("--kernel {}", kernel.display())), "{run}");
    for node in ["kina-control-plane", "kina-worker"] {
        let toml = world.container(&["exec", node, "cat", "/etc/containerd/config.toml"]).stdout();
        let table: toml::Table = toml.parse().unwrap();
        let cri = &table["plugins"]["io.containerd.grpc.v1.cri"];
        assert_eq!(
            cri["registry"]["mirrors"]["localhost:5001"]["endpoint"][0].as_str(),
            Some("http://kind-registry:5000")
        );
        assert_eq!(cri["sandbox_image"].as_str(), Some("registry.k8s.io/pause:3.10"), "{node}:\n{toml}");
        // The containerd 2.x (version 3) patch does not fit kindest/node's version 2 config.
        assert!(!toml.contains("certs.d"), "{node}:\n{toml}");
    }
}

#[test]
fn a_containerd_config_containerd_cannot_load_fails_the_create() {
    let world = World::new();
    let config = "kind: Cluster
apiVersion: kind.x-k8s.io/v1alpha4
containerdConfigPatchesJSON6902:
- '[{\"op\": \"replace\", \"path\": \"/version\", \"value\": 4}]'
";
    world
        .kina_stdin(&["create", "cluster", "--config", "-"], config)
        .code_is(1)
        .stderr_has("failed to write containerd config")
        .stderr_has("Job for containerd.service failed");
}

#[test]
fn a_three_node_config_maps_ports_per_node() {
    let world = World::new();
    let config = "kind: Cluster
apiVersion: kind.x-k8s.io/v1alpha4
nodes:
- role: control-plane
- role: worker
  labels:
    ingress-ready: \"true\"
  extraPortMappings:
  - containerPort: 80
    hostPort: 8080
- role: worker
";
    world.kina_stdin(&["create", "cluster", "--config", "-", "--image", "kindest/node:v1.36.1"], config).success();
    world.kina(&["get", "nodes"]).success().stdout_is("kina-control-plane\nkina-worker\nkina-worker2\n");
    let calls = world.fake_calls();
    let run_of = |node: &str| calls.iter().find(|c| c.starts_with(&format!("run -d --name {node} "))).unwrap().clone();
    assert!(run_of("kina-worker").contains("-p 0.0.0.0:8080:80/tcp"), "{}", run_of("kina-worker"));
    assert!(!run_of("kina-worker2").contains("-p "), "{}", run_of("kina-worker2"));
    assert!(run_of("kina-control-plane").contains(":6443/tcp"));
    let joins = calls.iter().filter(|c| c.contains("kubeadm join '--config=/kind/kubeadm.conf'")).count();
    assert_eq!(joins, 2);
    let worker_conf = world.container(&["exec", "kina-worker", "cat", "/kind/kubeadm.conf"]).stdout();
    assert!(worker_conf.contains("value: ingress-ready=true"), "{worker_conf}");
}

#[test]
fn kindnet_finds_the_api_server_from_every_node() {
    let world = World::new();
    world.kina(&["create", "cluster"]).success();
    world.kina(&["create", "cluster", "-n", "multi", "--workers", "1"]).success();
    let endpoint = |log: &str| -> String {
        log.lines().find(|l| l.contains("CONTROL_PLANE_ENDPOINT")).map(str::to_string).unwrap_or_default()
    };
    let single =
        world.kubectl("kina-control-plane", &["get", "daemonset", "kindnet", "-n", "kube-system", "-o", "yaml"]);
    let multi =
        world.kubectl("multi-control-plane", &["get", "daemonset", "kindnet", "-n", "kube-system", "-o", "yaml"]);
    let single = single.success().stdout();
    let multi = multi.success().stdout();
    assert!(single.contains("value: 127.0.0.1:6443"), "{}", endpoint(&single));
    let ip = crate::support::node_address(&world, "multi-control-plane");
    assert!(multi.contains(&format!("value: {ip}:6443")), "{multi}");
}

#[test]
fn registry_mirrors_beside_a_config_path_are_refused_before_anything_is_made() {
    // kind's registry-mirror patch and a certs.d config_path patch: containerd 2.x
    // refuses the CRI image config (`mirrors` cannot be set when `config_path` is
    // provided), so no kubelet could start; kina says so before any `container run`.
    let world = World::new();
    let config = "kind: Cluster
apiVersion: kind.x-k8s.io/v1alpha4
containerdConfigPatches:
- |-
  [plugins.\"io.containerd.grpc.v1.cri\".registry]
    config_path = \"/etc/containerd/certs.d\"
- |-
  [plugins.\"io.containerd.grpc.v1.cri\".registry.mirrors.\"localhost:5001\"]
    endpoint = [\"http://kind-registry:5000\"]
";
    world
        .kina_stdin(&["create", "cluster", "--config", "-"], config)
        .code_is(1)
        .stderr_has("ERROR: failed to create cluster")
        .stderr_has("invalid cri image config: `mirrors` cannot be set when `config_path` is provided")
        .stderr_has("hint: drop the `registry.mirrors` patch")
        .stderr_has("https://github.com/containerd/containerd/blob/main/docs/hosts.md");
    assert!(!world.fake_calls().iter().any(|call| call.contains(" run ")), "{:?}", world.fake_calls());
    assert!(world.container_names().is_empty());

    // The same from a JSON 6902 patch beside the mirror patch.
    let json6902 = format!(
        "{}containerdConfigPatchesJSON6902:\n- |\n  [{{\"op\": \"add\", \"path\": \"/plugins/io.containerd.grpc.v1.cri/registry/config_path\", \"value\": \"/etc/containerd/certs.d\"}}]\n",
        config.replace(
            "- |-\n  [plugins.\"io.containerd.grpc.v1.cri\".registry]\n    config_path = \"/etc/containerd/certs.d\"\n",
            ""
        )
    );
    world
        .kina_stdin(&["create", "cluster", "--config", "-"], &json6902)
        .code_is(1)
        .stderr_has("`mirrors` cannot be set");
    assert!(world.container_names().is_empty());

    // Either patch alone is fine.
    let mirror_only = config.split("- |-").take(1).chain(config.split("- |-").skip(2)).collect::<Vec<_>>().join("- |-");
    world.kina_stdin(&["create", "cluster", "--config", "-"], &mirror_only).success();

    // What a node does with both (the fake as a real node): containerd starts without its CRI.
    let node = "kina-control-plane";
    let both = format!(
        "{}\n[plugins.\"io.containerd.grpc.v1.cri\".registry]\nconfig_path = \"/etc/containerd/certs.d\"\n",
        world.container(&["exec", node, "cat", "/etc/containerd/config.toml"]).success().stdout()
    );
    world
        .container_stdin(
            &["exec", "-i", node, "sh", "-c", "cat > /etc/containerd/config.toml && systemctl restart containerd"],
            &both,
        )
        .success();
    world
        .container(&["exec", node, "journalctl", "-u", "containerd"])
        .success()
        .stdout_has("msg=\"failed to load plugin\" error=\"invalid cri image config: `mirrors` cannot be set when `config_path` is provided\"");
    world
        .container(&["exec", node, "crictl", "ps", "-a"])
        .code_is(1)
        .stderr_has("rpc error: code = Unimplemented desc = unknown service runtime.v1.RuntimeService");
}

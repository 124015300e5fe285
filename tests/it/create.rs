//! `kina create cluster` through the real binary against the fake `container`.

use crate::support::World;

fn kubeconfig_value(world: &World) -> serde_json::Value {
    let text = std::fs::read_to_string(world.default_kubeconfig()).expect("kubeconfig written");
    serde_saphyr::from_str(&text).expect("kubeconfig is YAML")
}

#[test]
fn default_cluster_end_to_end() {
    let world = World::new();
    let run = world.kina(&["create", "cluster"]);
    run.success().stdout_is("");
    let stderr = run.stderr();
    let expected_lines = [
        "Creating cluster \"kina\" ...",
        " ✓ Ensuring node image (kindest/node:v1.35.5) 🖼",
        " ✓ Preparing nodes 📦 ",
        " ✓ Writing configuration 📜",
        " ✓ Starting control-plane 🕹️",
        " ✓ Installing CNI 🔌",
        " ✓ Installing StorageClass 💾",
        "Set kubectl context to \"kina-kina\"",
        "kubectl cluster-info --context kina-kina",
    ];
    let mut rest = stderr.as_str();
    for line in expected_lines {
        let at = rest.find(line).unwrap_or_else(|| panic!("missing or out of order: {line:?}\n{stderr}"));
        rest = &rest[at + line.len()..];
    }

    // The node VM exists, labelled and published on 127.0.0.1 only.
    assert_eq!(world.container_names(), ["kina-control-plane"]);
    let inspect = world.container(&["inspect", "kina-control-plane"]);
    let node: serde_json::Value = serde_json::from_str(&inspect.stdout()).unwrap();
    let config = &node[0]["configuration"];
    assert_eq!(config["labels"]["io.kina.cluster"], "kina");
    assert_eq!(config["labels"]["io.kina.role"], "control-plane");
    assert_eq!(config["capAdd"], serde_json::json!(["ALL"]));
    assert_eq!(config["maskedPaths"], serde_json::json!([]));
    assert_eq!(config["readonlyPaths"], serde_json::json!([]));
    let port = &config["publishedPorts"][0];
    assert_eq!(port["hostAddress"], "127.0.0.1");
    assert_eq!(port["containerPort"], 6443);
    let host_port = port["hostPort"].as_u64().unwrap();

    // The kubeconfig: kina-kina everywhere, Mac-side endpoint, CA from the node.
    let kc = kubeconfig_value(&world);
    assert_eq!(kc["current-context"], "kina-kina");
    assert_eq!(kc["clusters"][0]["name"], "kina-kina");
    assert_eq!(kc["clusters"][0]["cluster"]["server"], format!("https://127.0.0.1:{host_port}"));
    assert!(kc["clusters"][0]["cluster"]["certificate-authority-data"].as_str().unwrap().len() > 20);
    assert!(kc["clusters"][0]["cluster"].get("insecure-skip-tls-verify").is_none());
    assert_eq!(kc["contexts"][0]["context"]["cluster"], "kina-kina");
    assert_eq!(kc["contexts"][0]["context"]["user"], "kina-kina");
    assert_eq!(kc["users"][0]["name"], "kina-kina");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(world.default_kubeconfig()).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    assert!(!world.home().join(".kube/config.lock").exists());

    // What the node was bootstrapped with.
    let kubeadm = world.container(&["exec", "kina-control-plane", "cat", "/kind/kubeadm.conf"]);
    let kubeadm = kubeadm.success().stdout();
    // kind's choice for v1.35: v1beta3 (v1beta4 from 1.36), so kind's patches match.
    assert!(kubeadm.contains("kubeadm.k8s.io/v1beta3"), "{kubeadm}");
    assert!(kubeadm.contains("kubernetesVersion: v1.35.5"), "{kubeadm}");
    // A single node runs one CoreDNS replica that reports ready every 2 s.
    let coredns =
        world.kubectl("kina-control-plane", &["-n", "kube-system", "get", "deployment", "coredns", "-o", "json"]);
    let coredns: serde_json::Value = serde_json::from_str(&coredns.success().stdout()).unwrap();
    assert_eq!(coredns["spec"]["replicas"], 1);
    assert_eq!(coredns["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["periodSeconds"], 2);
    // The CNI config is in place before kubeadm init, for the first node range.
    let conflist = world.container(&["exec", "kina-control-plane", "cat", "/etc/cni/net.d/10-kindnet.conflist"]);
    conflist.success().stdout_has("\"subnet\": \"10.244.0.0/24\"").stdout_has("\"mtu\": 1280");
    let wait = world.kubectl("kina-control-plane", &["wait", "--for=condition=Ready", "node/kina-control-plane"]);
    wait.success().stdout_has("condition met");
}

/// The exact calls of a create with the image present are pinned in snapshots.rs.
#[test]
fn only_the_first_create_pulls_the_node_image() {
    let world = World::new();
    world.kina(&["create", "cluster", "-n", "first"]).success();
    let pulls = world.fake_calls().iter().filter(|c| c.starts_with("image pull")).count();
    assert_eq!(pulls, 1, "the first create pulls the node image once");

    world.clear_fake_log();
    world.kina(&["create", "cluster", "--wait", "1m"]).success();
    let calls = world.fake_calls();
    assert!(!calls.iter().any(|c| c.starts_with("image pull")), "{}", calls.join("\n"));
}

#[test]
fn wait_reports_ready_or_warns_like_kind() {
    let mut world = World::new();
    world
        .kina(&["create", "cluster", "--wait", "2m"])
        .success()
        .stderr_has("Waiting ≤ 2m0s for control-plane = Ready ⏳")
        .stderr_has(" • Ready after ");

    world.env("KINA_FAKE_NOT_READY", "1");
    world
        .kina(&["create", "cluster", "-n", "slow", "--wait", "30s"])
        .success()
        .stderr_has(" ✗ Waiting ≤ 30s for control-plane = Ready ⏳")
        .stderr_has("WARNING: Timed out waiting for Ready");
    assert!(world.container_names().contains(&"slow-control-plane".to_string()));
}

#[test]
fn name_precedence_flag_env_config_default() {
    let mut world = World::new();
    world.env("KINA_CLUSTER_NAME", "fromenv");
    world.kina(&["create", "cluster"]).success().stderr_has("Creating cluster \"fromenv\"");
    world.kina(&["create", "cluster", "--name", "fromflag"]).success();
    let config = world.path("kind.yaml");
    std::fs::write(&config, "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nname: fromconfig\n").unwrap();
    // The env var still beats the config file.
    world
        .kina(&["create", "cluster", "--config", config.to_str().unwrap()])
        .failure()
        .stderr_has("node(s) already exist for a cluster with the name \"fromenv\"");
    world.remove_env("KINA_CLUSTER_NAME");
    world.kina(&["create", "cluster", "--config", config.to_str().unwrap()]).success();
    let mut names = world.container_names();
    names.sort();
    assert_eq!(names, ["fromconfig-control-plane", "fromenv-control-plane", "fromflag-control-plane"]);
}

#[test]
fn duplicate_name_fails_before_creating_anything() {
    let world = World::new();
    world.kina(&["create", "cluster"]).success();
    world.clear_fake_log();
    world
        .kina(&["create", "cluster"])
        .code_is(1)
        .stderr_has(
            "ERROR: failed to create cluster\n  Caused by: node(s) already exist for a cluster with the name \"kina\"",
        )
        .stderr_has("hint: pick another name with --name");
    let calls = world.fake_calls();
    assert!(!calls.iter().any(|c| c.starts_with("run")), "{calls:?}");
    assert_eq!(world.container_names(), ["kina-control-plane"]);
}

#[test]
fn a_foreign_container_with_the_node_name_is_never_removed() {
    let world = World::new();
    world.container(&["run", "-d", "--name", "kina-control-plane", "alpine:latest"]).success();
    world.clear_fake_log();
    world
        .kina(&["create", "cluster"])
        .code_is(1)
        .stderr_has("a container named \"kina-control-plane\" already exists, and kina did not make it")
        .stderr_has("hint: pick another cluster name with --name");
    assert_eq!(world.container_names(), ["kina-control-plane"], "not kina's to delete");
    assert!(!world.fake_calls().iter().any(|c| c.starts_with("delete")));
    // Found before anything was made: no image pull, no run.
    assert!(
        !world.fake_calls().iter().any(|c| c.starts_with("run") || c.starts_with("image")),
        "{:#?}",
        world.fake_calls()
    );
    // A worker's name counts too; another cluster name works.
    world.container(&["run", "-d", "--name", "dev-worker", "alpine:latest"]).success();
    world
        .kina(&["create", "cluster", "--name", "dev", "--workers", "1"])
        .code_is(1)
        .stderr_has("a container named \"dev-worker\" already exists");
    world.kina(&["create", "cluster", "--name", "other"]).success();
}

#[test]
fn newer_major_releases_get_a_warning_not_a_refusal() {
    let mut world = World::new();
    world.env("KINA_FAKE_VERSION", "2.0.0");
    world
        .kina(&["create", "cluster"])
        .success()
        .stderr_has("WARNING: Apple container 2.0.0 is newer than the 1.x releases kina knows");
}

#[test]
fn invalid_names_use_kinds_message_and_touch_nothing() {
    let world = World::new();
    world
        .kina(&["create", "cluster", "--name", "Foo"])
        .code_is(1)
        .stderr_has("'Foo' is not a valid cluster name, cluster names must match `^[a-z0-9.-]+$`");
    world.kina(&["create", "cluster", "--name", "a.b"]).code_is(1).stderr_has("domain name");
    assert!(world.fake_calls().is_empty());
}

#[test]
fn image_flag_overrides_and_missing_images_fail_clearly() {
    let world = World::new();
    world
        .kina(&["create", "cluster", "--image", "kindest/node:v1.34.1"])
        .success()
        .stderr_has("Ensuring node image (kindest/node:v1.34.1)");
    let kubeadm = world.container(&["exec", "kina-control-plane", "cat", "/kind/kubeadm.conf"]);
    kubeadm.success().stdout_has("kubernetesVersion: v1.34.1");

    world
        .kina(&["create", "cluster", "-n", "bad", "--image", "example.com/does-not-exist/node:v1"])
        .code_is(1)
        .stderr_has("failed to pull image")
        .stderr_has("container image pull");
    assert!(!world.container_names().contains(&"bad-control-plane".to_string()));
    // A hint's command is pasted into a shell: the reference is quoted.
    world
        .kina(&["create", "cluster", "-n", "odd", "--image", "example.com/node:$(touch pwned)"])
        .code_is(1)
        .stderr_has("then try `container image pull 'example.com/node:$(touch pwned)'`");
}

#[test]
fn config_file_from_stdin_sets_networking() {
    let world = World::new();
    let config = "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnetworking:\n  podSubnet: 10.200.0.0/16\n  apiServerPort: 6553\n";
    world.kina_stdin(&["create", "cluster", "--config", "-"], config).success();
    let kubeadm = world.container(&["exec", "kina-control-plane", "cat", "/kind/kubeadm.conf"]).stdout();
    assert!(kubeadm.contains("podSubnet: 10.200.0.0/16"), "{kubeadm}");
    let text = std::fs::read_to_string(world.default_kubeconfig()).unwrap();
    assert!(text.contains("server: https://127.0.0.1:6553"), "{text}");
    let conflist = world.container(&["exec", "kina-control-plane", "cat", "/etc/cni/net.d/10-kindnet.conflist"]);
    conflist.success().stdout_has("10.200.0.0/24");
    let applied = world.kubectl("kina-control-plane", &["wait", "--for=condition=Ready", "node/kina-control-plane"]);
    applied.success();
}

#[test]
fn disable_default_cni_skips_the_cni_step() {
    let world = World::new();
    let config = "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnetworking:\n  disableDefaultCNI: true\n";
    let run = world.kina_stdin(&["create", "cluster", "--config", "-"], config);
    run.success();
    assert!(!run.stderr().contains("Installing CNI"), "{}", run.stderr());
    assert!(!world.fake_calls().iter().any(|c| c.ends_with("cat /kind/manifests/default-cni.yaml")));
    world
        .container(&["exec", "kina-control-plane", "cat", "/etc/cni/net.d/10-kindnet.conflist"])
        .failure()
        .stderr_has("No such file or directory");
}

#[test]
fn unsupported_config_is_refused_before_any_change() {
    let world = World::new();
    let head = "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\n";
    let cases = [
        (format!("{head}networking:\n  ipFamily: ipv6\n"), "ipv6 is not possible on Apple container"),
        (
            format!(
                "{head}nodes:\n- role: control-plane\n  extraPortMappings:\n  - containerPort: 80\n    protocol: SCTP\n"
            ),
            "SCTP",
        ),
        (format!("{head}nodes:\n- role: control-plane\n- role: control-plane\n"), "several control-plane nodes"),
        (format!("{head}bogus: 1\n"), "line 3: field bogus not found in type v1alpha4.Cluster"),
        (format!("{head}nodes:\n- role: control-plane\n  cpus: 2\n"), "kina.dev/v1alpha1"),
    ];
    for (config, says) in cases {
        world
            .kina_stdin(&["create", "cluster", "--config", "-"], &config)
            .code_is(1)
            .stderr_has("ERROR: failed to create cluster")
            .stderr_has(says);
    }
    world
        .kina(&["create", "cluster", "--config", "/nonexistent.yaml"])
        .code_is(1)
        .stderr_has("error reading file: open /nonexistent.yaml");
    assert!(world.fake_calls().is_empty());
}

#[test]
fn kind_fields_reach_the_node() {
    let world = World::new();
    let data = world.path("data");
    std::fs::create_dir_all(&data).unwrap();
    let config = format!(
        "kind: Cluster
apiVersion: kind.x-k8s.io/v1alpha4
featureGates:
  InPlacePodVerticalScaling: true
runtimeConfig:
  api/alpha: \"false\"
networking:
  kubeProxyMode: nftables
  dnsSearch: [corp.example]
kubeadmConfigPatches:
- |
  kind: ClusterConfiguration
  apiServer:
    extraArgs:
      enable-admission-plugins: NodeRestriction
- |
  kind: JoinConfiguration
  nodeRegistration:
    name: nobody-joins
nodes:
- role: control-plane
  labels:
    tier: frontend
  extraPortMappings:
  - containerPort: 80
    hostPort: 8080
  - containerPort: 53
    hostPort: 5353
    listenAddress: 127.0.0.1
    protocol: udp
  extraMounts:
  - hostPath: {}
    containerPath: /data
    readOnly: true
",
        data.display()
    );
    // A 1.36 image: kubeadm v1beta4, whose extra arguments are name/value lists.
    let created = world.kina_stdin(&["create", "cluster", "--config", "-", "--image", "kindest/node:v1.36.1"], &config);
    created
        .success()
        .stderr_has("WARNING: kubeadmConfigPatches[1] (kind JoinConfiguration) matches no kubeadm config document");
    let run = world.fake_calls().into_iter().find(|c| c.starts_with("run ")).unwrap();
    assert!(run.contains("-p 0.0.0.0:8080:80/tcp -p 127.0.0.1:5353:53/udp"), "{run}");
    assert!(run.contains(&format!("-v {}:/data:ro", data.display())), "{run}");
    assert!(run.contains("-e 'KIND_DNS_SEARCH=corp.example'"), "{run}");
    let kubeadm = world.container(&["exec", "kina-control-plane", "cat", "/kind/kubeadm.conf"]).stdout();
    for expected in [
        "value: InPlacePodVerticalScaling=true",
        "value: api/alpha=false",
        "mode: nftables",
        "value: tier=frontend",
        "name: enable-admission-plugins",
    ] {
        assert!(kubeadm.contains(expected), "{expected} missing:\n{kubeadm}");
    }
}

#[test]
fn quiet_silences_stderr() {
    let world = World::new();
    let run = world.kina(&["-q", "create", "cluster"]);
    run.success().stdout_is("");
    assert_eq!(run.stderr(), "");
}

#[test]
fn explicit_kubeconfig_is_used_and_named_in_the_hint() {
    let world = World::new();
    let path = world.path("custom dir/config");
    world
        .kina(&["create", "cluster", "--kubeconfig", path.to_str().unwrap()])
        .success()
        .stderr_has(&format!("kubectl cluster-info --context kina-kina --kubeconfig '{}'", path.display()));
    assert!(path.exists());
    assert!(!world.default_kubeconfig().exists());
}

#[test]
fn verbose_logs_copy_pasteable_container_commands() {
    let world = World::new();
    let run = world.kina(&["create", "cluster", "-v", "1"]);
    run.success();
    let stderr = run.stderr();
    let fake = crate::support::FAKE;
    assert!(stderr.contains(&format!("+ {fake} run -d --name kina-control-plane --cap-add ALL")), "{stderr}");
    assert!(
        stderr.contains(&format!("+ {fake} exec -i kina-control-plane cp /dev/stdin /kind/kubeadm.conf")),
        "{stderr}"
    );
}

#[test]
fn disable_default_storage_skips_the_storage_class() {
    let world = World::new();
    // Without the field, kind's default StorageClass is applied.
    world.kina(&["create", "cluster", "-n", "plain"]).success().stderr_has("Installing StorageClass 💾");
    let applies_default_storage = |calls: &[String]| calls.iter().any(|c| c.contains("default-storage.yaml"));
    assert!(applies_default_storage(&world.fake_calls()), "{:?}", world.fake_calls());

    world.clear_fake_log();
    let config = "kind: Cluster\napiVersion: kina.dev/v1alpha1\ndisableDefaultStorage: true\n";
    let run = world.kina_stdin(&["create", "cluster", "--config", "-"], config);
    run.success().stderr_has("Installing CNI 🔌");
    assert!(!run.stderr().contains("Installing StorageClass"), "{}", run.stderr());
    let calls = world.fake_calls();
    assert!(calls.iter().any(|c| c.starts_with("run ")), "the cluster was created: {calls:?}");
    assert!(!applies_default_storage(&calls), "{calls:?}");
    assert!(world.container_names().contains(&"kina-control-plane".to_string()));
}

#[test]
fn disable_default_storage_is_refused_under_kinds_api_version() {
    let world = World::new();
    let config = "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\ndisableDefaultStorage: true\n";
    world
        .kina_stdin(&["create", "cluster", "--config", "-"], config)
        .code_is(1)
        .stderr_has("ERROR: failed to create cluster")
        .stderr_has("line 3: field disableDefaultStorage not found in type v1alpha4.Cluster")
        .stderr_has("`disableDefaultStorage` is a kina setting: use `apiVersion: kina.dev/v1alpha1`");
    assert!(world.fake_calls().is_empty(), "{:?}", world.fake_calls());
}

#[test]
fn a_pre_release_image_gets_kinds_kubeadm_api() {
    // kind compares in semver order: v1.36.0-rc.1 is below v1.36.0, so v1beta3.
    let world = World::new();
    world.kina(&["create", "cluster", "--image", "kindest/node:v1.36.0-rc.1"]).success();
    let conf = world.container(&["exec", "kina-control-plane", "cat", "/kind/kubeadm.conf"]);
    conf.success().stdout_has("apiVersion: kubeadm.k8s.io/v1beta3").stdout_has("kubernetesVersion: v1.36.0-rc.1");
    assert!(!conf.stdout().contains("v1beta4"), "{}", conf.stdout());
}

#[test]
fn a_colon_in_a_mount_path_is_refused_not_reinterpreted() {
    // `-v /mnt/x:ro:/data` would mount /mnt/x read-only at a different path.
    let world = World::new();
    let odd = world.path("x:ro");
    std::fs::create_dir_all(&odd).unwrap();
    let config = format!(
        "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- role: control-plane\n  extraMounts:\n  \
         - hostPath: {}\n    containerPath: /data\n  - hostPath: {}\n    containerPath: /opt/a:b\n",
        odd.display(),
        world.path("").display()
    );
    world
        .kina_stdin(&["create", "cluster", "--config", "-"], &config)
        .code_is(1)
        .stderr_has("nodes[0].extraMounts[0].hostPath: ")
        .stderr_has("contains ':', which Apple container's mount syntax (SRC:DST[:OPTS]) reads as a separator")
        .stderr_has("nodes[0].extraMounts[1].containerPath: \"/opt/a:b\" contains ':'");
    assert!(world.fake_calls().iter().all(|c| !c.contains(" run ")), "{:#?}", world.fake_calls());
}

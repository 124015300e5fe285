//! Every failure path of `create`: clear error, nothing left behind, the
//! kubeconfig byte-for-byte as it was.

use crate::support::World;

const EXISTING_KUBECONFIG: &str = "apiVersion: v1
kind: Config
clusters:
- name: prod
  cluster:
    server: https://prod.example.com
    certificate-authority-data: cHJvZA==
contexts:
- name: prod
  context:
    cluster: prod
    user: prod
current-context: prod
users:
- name: prod
  user:
    token: secret
";

fn world_with_kubeconfig() -> World {
    let world = World::new();
    std::fs::create_dir_all(world.home().join(".kube")).unwrap();
    std::fs::write(world.default_kubeconfig(), EXISTING_KUBECONFIG).unwrap();
    world
}

fn assert_untouched(world: &World) {
    let text = std::fs::read_to_string(world.default_kubeconfig()).unwrap();
    assert_eq!(text, EXISTING_KUBECONFIG, "kubeconfig changed");
    let leftovers: Vec<_> = std::fs::read_dir(world.home().join(".kube"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n != "config")
        .collect();
    assert!(leftovers.is_empty(), "left behind in ~/.kube: {leftovers:?}");
}

/// (injected failure, what the error must say)
const STEPS: &[(&str, &str)] = &[
    ("run -d --name kina-control-plane", "failed to create node VM"),
    ("sysctl -w net.ipv4.ip_forward=1", "failed to prepare node"),
    ("cp /dev/stdin /kind/kubeadm.conf", "failed to copy kubeadm config to node"),
    ("kubeadm init", "failed to init node with kubeadm"),
    ("taint nodes", "failed to remove control plane taint"),
    ("exec kina-control-plane cat /kind/manifests/default-cni.yaml", "failed to read CNI manifest"),
    ("apply -f -", "failed to apply overlay network"),
    ("default-storage.yaml", "failed to add default storage class"),
    ("cat /etc/kubernetes/admin.conf", "failed to get cluster internal kubeconfig"),
];

#[test]
fn each_failing_step_cleans_up_and_names_the_command() {
    for (pattern, message) in STEPS {
        let mut world = world_with_kubeconfig();
        world.env("KINA_FAKE_FAIL", *pattern);
        let run = world.kina(&["create", "cluster"]);
        run.code_is(1)
            .stderr_has("ERROR: failed to create cluster")
            .stderr_has(message)
            .stderr_has("Caused by: command \"")
            .stderr_has(pattern)
            .stderr_has("injected failure");
        // --retain is suggested only where it keeps something to look at.
        if pattern.starts_with("run -d") {
            run.stderr_has("hint: no node VM was made: fix what the runtime says above");
            assert!(!run.stderr().contains("--retain"), "{}", run.stderr());
        } else {
            run.stderr_has("hint: re-run with --retain");
        }
        assert!(world.container_names().is_empty(), "{pattern}: nodes left behind");
        assert_untouched(&world);
    }
}

#[test]
fn retain_keeps_the_node_for_debugging() {
    let mut world = world_with_kubeconfig();
    world.env("KINA_FAKE_FAIL", "kubeadm init");
    world
        .kina(&["create", "cluster", "--retain"])
        .code_is(1)
        .stderr_has("Keeping nodes of cluster \"kina\" (--retain)")
        .stderr_has("container logs kina-control-plane");
    assert_eq!(world.container_names(), ["kina-control-plane"]);
    assert_untouched(&world);
    world.remove_env("KINA_FAKE_FAIL");
    world.kina(&["delete", "cluster"]).success();
    assert!(world.container_names().is_empty());
    // A node the runtime refused to make is not said to be kept.
    world.env("KINA_FAKE_FAIL", "run -d --name kina-control-plane");
    let refused = world.kina(&["create", "cluster", "--retain"]);
    refused.code_is(1).stderr_has("hint: no node VM was made");
    assert!(!refused.stderr().contains("the node was kept"), "{}", refused.stderr());
    assert!(world.container_names().is_empty());
}

#[test]
fn a_refused_worker_points_the_hint_at_a_node_that_was_made() {
    let mut world = world_with_kubeconfig();
    world.env("KINA_FAKE_FAIL", "run -d --name kina-worker");
    let run = world.kina(&["create", "cluster", "--workers", "1"]);
    run.code_is(1)
        .stderr_has("failed to create node VM kina-worker")
        .stderr_has("hint: re-run with --retain to keep the node for debugging (`container logs kina-control-plane`");
    assert!(world.container_names().is_empty());
    assert_untouched(&world);
}

#[test]
fn a_held_kubeconfig_lock_fails_cleanly_and_is_left_alone() {
    let world = world_with_kubeconfig();
    let lock = world.home().join(".kube/config.lock");
    std::fs::write(&lock, "").unwrap();
    world
        .kina(&["create", "cluster"])
        .code_is(1)
        .stderr_has("failed to lock config file: open")
        .stderr_has("config.lock: file exists");
    assert!(lock.exists(), "someone else's lock must stay");
    std::fs::remove_file(&lock).unwrap();
    assert!(world.container_names().is_empty());
    assert_untouched(&world);
}

#[test]
fn an_unparsable_kubeconfig_is_never_overwritten() {
    let world = World::new();
    std::fs::create_dir_all(world.home().join(".kube")).unwrap();
    let garbage = "clusters: [unclosed\n";
    std::fs::write(world.default_kubeconfig(), garbage).unwrap();
    world.kina(&["create", "cluster"]).code_is(1).stderr_has("failed to parse kubeconfig");
    assert_eq!(std::fs::read_to_string(world.default_kubeconfig()).unwrap(), garbage);
    assert!(world.container_names().is_empty());
}

#[test]
fn a_node_that_dies_while_booting_is_reported() {
    let mut world = World::new();
    world.env("KINA_FAKE_BOOT_POLLS", "2");
    world.kina(&["create", "cluster"]).success();
    // Booting took two failed probes; backoff polled again instead of failing.
    let probes = world.fake_calls().iter().filter(|c| c.contains("test -S /run/containerd/containerd.sock")).count();
    assert_eq!(probes, 3);
}

#[test]
fn ctrl_c_during_kubeadm_init_removes_the_node() {
    let mut world = world_with_kubeconfig();
    world.env("KINA_FAKE_HANG", "kubeadm init");
    let child = world
        .kina_command(&["create", "cluster"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    world.wait_for_hang("kubeadm init");
    let pid = child.id().to_string();
    assert!(std::process::Command::new("kill").args(["-INT", &pid]).status().unwrap().success());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("Deleted nodes: [\"kina-control-plane\"]"), "{stderr}");
    assert!(stderr.contains("ERROR: interrupted"), "{stderr}");
    world.remove_env("KINA_FAKE_HANG");
    assert!(world.container_names().is_empty());
    assert_untouched(&world);
}

#[test]
fn an_exec_that_always_fails_is_not_taken_for_a_booting_node() {
    let mut world = World::new();
    world.env("KINA_FAKE_FAIL", "test -S /run/containerd/containerd.sock");
    world
        .kina(&["create", "cluster"])
        .code_is(1)
        .stderr_has("node kina-control-plane is running but cannot run commands")
        .stderr_has("failed 3 times with: ")
        .stderr_has("injected failure");
    let probes = world.fake_calls().iter().filter(|c| c.contains("test -S /run/containerd/containerd.sock")).count();
    assert_eq!(probes, 3, "{:#?}", world.fake_calls());
    assert!(world.container_names().is_empty(), "the node this create made is removed");
}

//! Pins the fake `container` CLI to the real 1.x behaviour
//! (https://github.com/apple/container, at its release tags): outputs, errors, exit codes, and the
//! emulated kindest/node that kina bootstraps through `container exec`.

use crate::support::{FAKE, Run, World};
use serde_json::Value;
use std::process::{Command, Stdio};

const NODE_IMAGE: &str = "kindest/node:v1.35.5";

fn json(run: &Run) -> Value {
    serde_json::from_str(&run.success().stdout()).unwrap_or_else(|e| panic!("not JSON ({e}): {}", run.stdout()))
}

/// Every object's keys appear in sorted order in the raw text.
fn assert_sorted_keys(v: &Value) {
    match v {
        Value::Object(map) => {
            let keys: Vec<&String> = map.keys().collect();
            let mut sorted = keys.clone();
            sorted.sort();
            assert_eq!(keys, sorted, "keys not sorted");
            map.values().for_each(assert_sorted_keys);
        }
        Value::Array(items) => items.iter().for_each(assert_sorted_keys),
        _ => {}
    }
}

/// A kind-style node as kina creates it on 1.2.1+, its API server on a host port of its
/// own (two VMs cannot publish the same one).
fn run_node(world: &World, name: &str) -> Run {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let publish = format!("127.0.0.1:{port}:6443");
    let run = world.container(&[
        "run",
        "-d",
        "--name",
        name,
        "--cap-add",
        "ALL",
        "--masked-path",
        "NONE",
        "--read-only-path",
        "NONE",
        "-c",
        "4",
        "-m",
        "4g",
        "-l",
        "io.kina.cluster=kina",
        "-p",
        &publish,
        "--progress",
        "none",
        NODE_IMAGE,
    ]);
    run.success().stdout_is(&format!("{name}\n"));
    run
}

fn ip_of(world: &World, name: &str) -> String {
    let v = json(&world.container(&["inspect", name]));
    let cidr = v[0]["status"]["networks"][0]["ipv4Address"].as_str().expect("running node has an IP").to_string();
    cidr.trim_end_matches("/24").to_string()
}

fn exec(world: &World, name: &str, argv: &[&str]) -> Run {
    let mut args = vec!["exec", name];
    args.extend_from_slice(argv);
    world.container(&args)
}

/// `container exec -i <name> <argv>` with `input` on stdin.
fn exec_stdin(world: &World, name: &str, argv: &[&str], input: &str) -> Run {
    let mut args = vec!["exec", "-i", name];
    args.extend_from_slice(argv);
    world.container_stdin(&args, input)
}

fn kubectl(world: &World, name: &str, argv: &[&str]) -> Run {
    world.kubectl(name, argv)
}

fn kubeadm_config(ip: &str, version: &str, pod_subnet: &str) -> String {
    format!(
        "apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nclusterName: kina\nkubernetesVersion: {version}\n\
         apiServer:\n  certSANs: [localhost, \"127.0.0.1\"]\n  extraArgs:\n    - name: runtime-config\n      value: \"\"\n\
         networking:\n  podSubnet: {pod_subnet}\n  serviceSubnet: 10.96.0.0/16\n---\n\
         apiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\nlocalAPIEndpoint:\n  advertiseAddress: {ip}\n  bindPort: 6443\n\
         nodeRegistration:\n  criSocket: unix:///run/containerd/containerd.sock\n  kubeletExtraArgs:\n    - name: node-ip\n      value: {ip}\n\
         skipPhases: [preflight]\n---\napiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncgroupDriver: systemd\n"
    )
}

fn write_config(world: &World, name: &str, text: &str) {
    exec_stdin(world, name, &["cp", "/dev/stdin", "/kind/kubeadm.conf"], text).success();
}

fn init(world: &World, name: &str) -> Run {
    exec(world, name, &["kubeadm", "init", "--config=/kind/kubeadm.conf", "--skip-token-print", "--v=6"])
}

/// The default CNI manifest with the pod subnet filled in, applied like kind does.
fn install_cni(world: &World, name: &str, subnet: &str) {
    let manifest = exec(world, name, &["cat", "/kind/manifests/default-cni.yaml"]).success().stdout();
    let rendered = manifest.replace("{{ .PodSubnet }}", subnet);
    exec_stdin(world, name, &["kubectl", "create", "--kubeconfig=/etc/kubernetes/admin.conf", "-f", "-"], &rendered)
        .success()
        .stdout_has("daemonset.apps/kindnet created");
}

/// A node that `kubeadm init` succeeded on (config written to /kind/kubeadm.conf).
fn init_node(world: &World, name: &str) -> String {
    run_node(world, name);
    let ip = ip_of(world, name);
    write_config(world, name, &kubeadm_config(&ip, "v1.35.5", "10.244.0.0/16"));
    init(world, name).success().stdout_has("Your Kubernetes control-plane has initialized successfully!");
    ip
}

#[test]
fn version_line_follows_kina_fake_version() {
    let mut world = World::new();
    world
        .container(&["--version"])
        .success()
        .stdout_is("container CLI version 1.2.2 (build: release, commit: 0190097)\n");
    world.env("KINA_FAKE_VERSION", "1.1.0");
    world
        .container(&["--version"])
        .success()
        .stdout_is("container CLI version 1.1.0 (build: release, commit: 0190097)\n");
    let versions = json(&world.container(&["system", "version", "--format", "json"]));
    assert_eq!(versions[0]["version"], "1.1.0");
    assert_eq!(versions.as_array().unwrap().len(), 2, "API server answers");
}

#[test]
fn system_status_reports_each_apiserver_state() {
    let mut world = World::new();
    world.container(&["system", "status"]).success().stdout_has("status").stdout_has("running");
    world.env("KINA_FAKE_APISERVER", "down");
    world.container(&["system", "status"]).code_is(1).stdout_is("apiserver is not running\n");
    let status = world.container(&["system", "status", "--format", "json"]);
    status.code_is(1);
    assert_eq!(serde_json::from_str::<Value>(&status.stdout()).unwrap()["status"], "not running");
    world.env("KINA_FAKE_APISERVER", "unregistered");
    world
        .container(&["system", "status"])
        .code_is(1)
        .stdout_is("apiserver is not running and not registered with launchd\n");
}

#[test]
fn a_down_apiserver_fails_every_other_command_with_the_xpc_error() {
    let mut world = World::new();
    world.env("KINA_FAKE_APISERVER", "down");
    let hint = "Ensure container system service has been started with `container system start`.";
    world
        .container(&["list", "--all", "--format", "json"])
        .code_is(1)
        .stderr_has("Error: internalError: \"failed to list containers\" (cause: \"interrupted: \"XPC connection error: Connection invalid\"\")")
        .stderr_has(hint);
    for args in [
        &["inspect", "x"][..],
        &["run", "-d", "--name", "x", "alpine"],
        &["image", "inspect", "alpine"],
        &["exec", "x", "true"],
    ] {
        world
            .container(args)
            .code_is(1)
            .stderr_has("Error: interrupted: \"XPC connection error: Connection invalid\"")
            .stderr_has(hint);
    }
    world.container(&["--version"]).success();
    world.container(&["run", "--help"]).success().stdout_has("--cap-add");
    let versions = json(&world.container(&["system", "version", "--format", "json"]));
    assert_eq!(versions.as_array().unwrap().len(), 1, "only the CLI entry while the server is down");
    // `system start` brings it up for later invocations.
    world.container(&["system", "start", "--enable-kernel-install"]).success();
    world.container(&["list", "--all", "--format", "json"]).success().stdout_is("[]\n");
}

#[test]
fn list_and_inspect_emit_the_1x_shapes() {
    let world = World::new();
    run_node(&world, "kina-control-plane");
    world
        .container(&[
            "run",
            "-d",
            "--name",
            "web",
            "-p",
            "8080:80",
            "-p",
            "[::1]:9000-9001:90-91/udp",
            "-e",
            "A=1",
            "alpine",
        ])
        .success();
    world.container(&["create", "--name", "idle", "--progress", "none", "alpine"]).success().stdout_is("idle\n");

    let list = world.container(&["list", "--format", "json"]);
    assert_eq!(list.stdout().lines().count(), 1, "list JSON is compact");
    let items = json(&list);
    assert_sorted_keys(&items);
    let ids: Vec<&str> = items.as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["kina-control-plane", "web"], "running only without --all");

    let node = &items[0];
    assert_eq!(node["configuration"]["id"], "kina-control-plane");
    assert_eq!(node["status"]["state"], "running");
    assert_eq!(node["status"]["networks"][0]["ipv4Address"], "192.168.64.2/24");
    assert_eq!(node["status"]["networks"][0]["ipv4Gateway"], "192.168.64.1");
    assert_eq!(node["status"]["networks"][0]["mtu"], 1280);
    assert_eq!(node["status"]["networks"][0]["variant"], "reserved");
    assert!(node["status"]["networks"][0]["macAddress"].as_str().unwrap().starts_with("f2:"));
    assert!(node["status"]["startedDate"].as_str().unwrap().ends_with('Z'));
    let config = &node["configuration"];
    assert_eq!(config["labels"]["io.kina.cluster"], "kina");
    assert_eq!(config["image"]["reference"], "docker.io/kindest/node:v1.35.5");
    assert_eq!(config["capAdd"], serde_json::json!(["ALL"]));
    assert_eq!(config["maskedPaths"], serde_json::json!([]));
    assert_eq!(config["readonlyPaths"], serde_json::json!([]));
    assert_eq!(config["resources"]["memoryInBytes"], 4u64 << 30);
    assert_eq!(config["stopSignal"], "SIGRTMIN+3");
    let host_port = config["publishedPorts"][0]["hostPort"].as_u64().unwrap();
    assert_eq!(
        config["publishedPorts"],
        serde_json::json!([{"containerPort": 6443, "count": 1, "hostAddress": "127.0.0.1", "hostPort": host_port, "proto": "tcp"}])
    );
    let web = &items[1]["configuration"];
    assert_eq!(web["publishedPorts"][0]["hostAddress"], "0.0.0.0");
    assert_eq!(
        web["publishedPorts"][1],
        serde_json::json!({"containerPort": 90, "count": 2, "hostAddress": "::1", "hostPort": 9000, "proto": "udp"})
    );
    assert!(web.get("maskedPaths").is_none() && web.get("readonlyPaths").is_none(), "absent flags leave the keys out");
    assert_eq!(web["resources"]["cpus"], 4);
    assert_eq!(web["resources"]["memoryInBytes"], 1u64 << 30);

    let all = json(&world.container(&["list", "--all", "--format", "json"]));
    let idle = all.as_array().unwrap().iter().find(|c| c["id"] == "idle").unwrap();
    assert_eq!(idle["status"]["state"], "stopped");
    assert_eq!(idle["status"]["networks"], serde_json::json!([]));
    assert!(idle["status"].get("startedDate").is_none(), "never started");
    world.container(&["ls", "-q"]).success().stdout_is("kina-control-plane\nweb\n");

    let inspect = world.container(&["inspect", "idle", "web"]);
    inspect.stdout_has("\"id\" : \"idle\"");
    assert!(inspect.stdout().lines().count() > 50, "inspect is pretty-printed");
    let both = json(&inspect);
    assert_sorted_keys(&both);
    assert_eq!(both.as_array().unwrap().len(), 2);
}

#[test]
fn errors_and_exit_codes_match_the_real_cli() {
    let mut world = World::new();
    world.container(&["run", "-d", "--name", "n1", "--progress", "none", "alpine"]).success();
    world
        .container(&["run", "-d", "--name", "n1", "alpine"])
        .code_is(1)
        .stderr_has("Error: container with id n1 already exists");
    world.container(&["create", "--name", "n1", "alpine"]).code_is(1).stderr_has("Error: container already exists: n1");
    world.container(&["inspect", "missing", "gone"]).code_is(1).stderr_has("Error: container not found: missing, gone");
    world
        .container(&["exec", "missing", "true"])
        .code_is(1)
        .stderr_has("Error: get failed: container missing not found");
    world.container(&["start", "missing"]).code_is(1).stderr_has("Error: get failed: container missing not found");
    world
        .container(&["delete", "missing"])
        .code_is(1)
        .stderr_has("Error: internalError: \"failed to delete container\" (cause: \"notFound: \"container with ID missing not found\"\")");
    world
        .container(&["rm", "n1"])
        .code_is(1)
        .stderr_has("(cause: \"invalidState: \"container n1 is running and can not be deleted\"\")");
    world
        .container(&["stop", "missing"])
        .code_is(1)
        .stderr_has("Error: internalError: \"failed to stop container\" (cause: \"notFound: \"container with ID missing not found\"\")");
    world
        .container(&["run", "-d", "--name", "bad/name", "alpine"])
        .code_is(1)
        .stderr_has("Error: container ID bad/name is not a valid container ID");
    world
        .container(&["run", "-d", "--name", "n2", "-l", "a=b=c", "alpine"])
        .code_is(1)
        .stderr_has("Error: invalid label format a=b=c");
    world
        .container(&["run", "-d", "--name", "n2", "-m", "100m", "alpine"])
        .code_is(1)
        .stderr_has("Error: minimum memory amount allowed is 200 MiB");
    world.container(&["create", "--name", "n2", "alpine"]).success();
    world.container(&["exec", "n2", "true"]).code_is(1).stderr_has("Error: container n2 is not running");
    world.container(&["logs", "n2"]).success();

    // ArgumentParser-style usage errors exit 64.
    world
        .container(&["run", "-d", "--privileged", "alpine"])
        .code_is(64)
        .stderr_has("Error: Unknown option '--privileged'")
        .stderr_has("Usage: container run [<options>] <image> [<arguments> ...]");
    world.container(&["run", "-d"]).code_is(64).stderr_has("Error: Missing expected argument '<image>'");
    world.env("KINA_FAKE_VERSION", "1.1.0");
    world
        .container(&["run", "-d", "--name", "n3", "--masked-path", "NONE", "alpine"])
        .code_is(64)
        .stderr_has("Error: Unknown option '--masked-path'");
    let help = world.container(&["run", "--help"]);
    help.success().stdout_has("--cap-add");
    assert!(!help.stdout().contains("--masked-path"), "1.1.0 has no --masked-path");
    world.env("KINA_FAKE_VERSION", "0.11.0");
    world
        .container(&["run", "-d", "--name", "n3", "--cap-add", "ALL", "alpine"])
        .code_is(64)
        .stderr_has("Error: Unknown option '--cap-add'");
    world.env("KINA_FAKE_VERSION", "1.2.1");
    world.container(&["run", "--help"]).success().stdout_has("--masked-path").stdout_has("--read-only-path");
    assert_eq!(world.container_names(), ["n1", "n2"], "failed runs leave nothing behind");
}

#[test]
fn restarted_containers_get_a_new_ip_from_the_rotating_allocator() {
    let world = World::new();
    for n in ["a", "b"] {
        world.container(&["run", "-d", "--name", &format!("node-{n}"), "--progress", "none", "alpine"]).success();
    }
    assert_eq!(ip_of(&world, "node-a"), "192.168.64.2");
    assert_eq!(ip_of(&world, "node-b"), "192.168.64.3");
    world.container(&["stop", "node-a"]).success().stdout_is("node-a\n");
    let stopped = json(&world.container(&["inspect", "node-a"]));
    assert_eq!(stopped[0]["status"]["state"], "stopped");
    assert_eq!(stopped[0]["status"]["networks"], serde_json::json!([]));
    assert!(stopped[0]["status"]["startedDate"].is_string(), "startedDate survives stop");
    world.container(&["start", "node-a"]).success().stdout_is("node-a\n");
    assert_eq!(ip_of(&world, "node-a"), "192.168.64.4", "released .2 went to the back of the queue");
    world.container(&["start", "node-a"]).success().stdout_is("node-a\n");
    assert_eq!(ip_of(&world, "node-a"), "192.168.64.4", "start is idempotent");
    world.container(&["kill", "node-b"]).success().stdout_is("node-b\n");
    world.container(&["delete", "--all"]).success().stdout_is("node-b\n");
    world.container(&["delete", "--force", "node-a"]).success().stdout_is("node-a\n");
    assert!(world.container_names().is_empty());
}

#[test]
fn images_are_normalised_pulled_and_inspected() {
    let world = World::new();
    world.container(&["image", "inspect", "alpine"]).code_is(1).stderr_has("Error: image not found: alpine");
    world.container(&["image", "pull", "alpine"]).success().stderr_has("docker.io/library/alpine:latest");
    world.container(&["image", "pull", "--progress", "none", "kindest/node:v1.35.5"]).success().stdout_is("");
    let inspect = json(&world.container(&["image", "inspect", "docker.io/library/alpine:latest"]));
    assert_eq!(inspect[0]["configuration"]["name"], "docker.io/library/alpine:latest");
    world.container(&["image", "inspect", "docker.io/kindest/node:v1.35.5"]).success();

    // Only the digest kina pins exists for that tag; other tags and repositories do not.
    let wrong = format!("kindest/node:v1.35.5@sha256:{}", "ce977ae6".repeat(8));
    world
        .container(&["image", "pull", "--progress", "none", &wrong])
        .code_is(1)
        .stderr_has(&format!("Error: HTTP request to https://registry-1.docker.io/v2/kindest/node/manifests/sha256:{} failed with response: 404 Not Found", "ce977ae6".repeat(8)));
    world.container(&["image", "pull", "--progress", "none", "kindest/node:v1.35.99"]).code_is(1).stderr_has(
        "https://registry-1.docker.io/v2/kindest/node/manifests/v1.35.99 failed with response: 404 Not Found",
    );
    let digest = "sha256:ce977ae6d65918d0b58a5f8b5e940429c2ce42fa3a5619ec2bbc60b949c0ac95";
    let pinned = format!("kindest/node:v1.35.5@{digest}");
    world.container(&["image", "pull", "--progress", "none", &pinned]).success();
    let img = json(&world.container(&["image", "inspect", &pinned]));
    assert_eq!(img[0]["configuration"]["name"], format!("docker.io/{pinned}"));
    assert_eq!(img[0]["configuration"]["descriptor"]["digest"], digest);

    world
        .container(&["image", "pull", "--progress", "none", "example/does-not-exist:v1"])
        .code_is(1)
        .stderr_has("401 Unauthorized");
    world.container(&["run", "-d", "--name", "bb", "--progress", "none", "busybox:1.37"]).success();
    world.container(&["image", "inspect", "busybox:1.37"]).success();
    let names: Vec<String> = json(&world.container(&["image", "list", "--format", "json"]))
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["configuration"]["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names.len(), 4, "{names:?}");
    world.container(&["image", "load", "-i", "/tmp/x.tar"]).code_is(1).stderr_has("not emulated");
}

#[test]
fn injected_failures_change_nothing() {
    let mut world = World::new();
    world.env("KINA_FAKE_FAIL", "run -d --name doomed;kubeadm init");
    world
        .container(&["run", "-d", "--name", "doomed", "alpine"])
        .code_is(1)
        .stderr_has("Error: injected failure: run -d --name doomed");
    assert!(world.container_names().is_empty());

    run_node(&world, "cp");
    let ip = ip_of(&world, "cp");
    write_config(&world, "cp", &kubeadm_config(&ip, "v1.35.5", "10.244.0.0/16"));
    init(&world, "cp").code_is(1).stderr_has("injected failure").stderr_has("error execution phase");
    world.remove_env("KINA_FAKE_FAIL");
    init(&world, "cp").success();
}

#[test]
fn invocations_are_logged_with_their_duration() {
    let mut world = World::new();
    world.env("KINA_FAKE_LATENCY_MS", "40");
    world.container(&["--version"]).success();
    world.container(&["run", "-d", "--name", "node1", "--progress", "none", "alpine"]).success();
    world.container(&["exec", "node1", "sh", "-c", "echo 'a b'"]).success().stdout_is("a b\n");
    let calls = world.fake_log_lines();
    assert_eq!(calls.len(), 3, "{calls:?}");
    let (argv, micros) = calls[2].split_once('\t').unwrap();
    assert_eq!(argv, "exec node1 sh -c 'echo '\\''a b'\\'''");
    assert!(micros.parse::<u64>().unwrap() >= 40_000, "latency counts: {micros}");
    assert!(calls[0].starts_with("--version\t"));
}

#[test]
fn a_hanging_invocation_does_not_block_others() {
    let world = World::new();
    let mut child = Command::new(FAKE)
        .args(["list", "--all"])
        .env_clear()
        .env("KINA_FAKE_STATE", world.path("state"))
        .env("KINA_FAKE_HANG", "list --all")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    world.wait_for_hang("list --all");
    // Would block for the hour the other call hangs if it held the state lock.
    let mut free = world
        .command_for(FAKE, &["run", "-d", "--name", "free", "--progress", "none", "alpine"])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    crate::support::wait_until("a run beside a hanging call", || free.try_wait().unwrap().is_some());
    assert!(free.wait().unwrap().success());
    assert!(child.try_wait().unwrap().is_none(), "still hanging");
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn concurrent_runs_keep_the_state_consistent() {
    let world = World::new();
    world.container(&["image", "pull", "--progress", "none", "alpine"]).success();
    std::thread::scope(|s| {
        for i in 0..8 {
            let world = &world;
            s.spawn(move || {
                world.container(&["run", "-d", "--name", &format!("c{i}"), "alpine"]).success().stdout().len()
            });
        }
    });
    assert_eq!(world.container_names().len(), 8);
    let mut ips: Vec<String> = (0..8).map(|i| ip_of(&world, &format!("c{i}"))).collect();
    ips.sort();
    ips.dedup();
    assert_eq!(ips.len(), 8, "every container got its own address");
}

#[test]
fn boot_polls_and_readiness_probes() {
    let mut world = World::new();
    world.env("KINA_FAKE_BOOT_POLLS", "2");
    run_node(&world, "node1");
    let probe = ["test", "-S", "/run/containerd/containerd.sock"];
    exec(&world, "node1", &probe).code_is(1);
    exec(&world, "node1", &["systemctl", "is-active", "containerd"]).code_is(3).stdout_is("activating\n");
    exec(&world, "node1", &probe).success();
    exec(&world, "node1", &["sh", "-c", "test -S /run/containerd/containerd.sock"]).success();
    exec(&world, "node1", &["systemctl", "is-active", "containerd"]).success().stdout_is("active\n");
    exec(&world, "node1", &["cat", "/kind/version"]).success().stdout_is("v1.35.5\n");
    exec(&world, "node1", &["kubeadm", "version", "-o", "short"]).success().stdout_is("v1.35.5\n");
    exec(&world, "node1", &["cat", "/kind/nope", "/kind/version"])
        .code_is(1)
        .stderr_has("cat: /kind/nope: No such file or directory")
        .stdout_has("v1.35.5");
    exec(&world, "node1", &["helm", "version"]).code_is(127).stderr_has("executable file not found in $PATH");
    exec(&world, "node1", &["crictl", "ps", "-a"]).success().stdout_has("CONTAINER");
    world.container(&["logs", "node1"]).success().stdout_has("containerd");
    world.container(&["logs", "--boot", "node1"]).success().stdout_has("vminitd");
}

#[test]
fn node_scripts_run_in_dash_with_the_real_tools() {
    let world = World::new();
    run_node(&world, "node1");
    exec_stdin(
        &world,
        "node1",
        &["sh", "-c", "set -e; mkdir -p /etc/x && cp /dev/stdin /etc/x/y\ncat /etc/x/y"],
        "hello\n",
    )
    .success()
    .stdout_is("hello\n");
    // What a script wrote is in the node afterwards, for any later command.
    exec(&world, "node1", &["cat", "/etc/x/y"]).success().stdout_is("hello\n");
    exec(&world, "node1", &["sh", "-c", "false || true"]).success();
    exec(&world, "node1", &["sh", "-c", "set -e; false; echo unreachable"]).code_is(1).stdout_is("");
    exec(&world, "node1", &["sh", "-c", "false; echo reached"]).success().stdout_is("reached\n");
    exec(&world, "node1", &["sh", "-c", "cat /missing 2>/dev/null || echo fallback"])
        .success()
        .stdout_is("fallback\n")
        .stderr_has("");
    exec(&world, "node1", &["sh", "-c", "echo data > /tmp/f && cat /tmp/f"]).success().stdout_is("data\n");
    // The node's /bin/sh is dash: no pipefail, but functions, here-documents and expansions.
    exec(&world, "node1", &["sh", "-c", "set -o pipefail; echo never"])
        .code_is(2)
        .stdout_is("")
        .stderr_has("sh: 1: set: Illegal option -o pipefail");
    exec(&world, "node1", &["sh", "-c", "f() { echo \"<$1>\"; }; f \"$HOME\"; cat <<EOF\n$(hostname)\nEOF"])
        .success()
        .stdout_is("</root>\nnode1\n");
    exec(&world, "node1", &["sh", "-c", "cat /kind/version | head -1"]).success().stdout_is("v1.35.5\n");
    exec(&world, "node1", &["sh", "-c", "cat /kind/version | sed 's/^v/V/' | cat"]).success().stdout_is("V1.35.5\n");
    exec(&world, "node1", &["sh", "-c", "cat /missing | cat"])
        .success()
        .stderr_has("cat: /missing: No such file or directory");
    exec(&world, "node1", &["sh", "-c", "! true | cat"]).code_is(1);
    exec(&world, "node1", &["sh", "-c", "nosuchtool"]).code_is(127).stderr_has("sh: 1: nosuchtool: not found");
    // The node's own tools, called from a script, are the emulated ones, as strict.
    exec(&world, "node1", &["sh", "-c", "kubectl get nodes --timout=5s"])
        .code_is(1)
        .stderr_has("error: unknown flag: --timout");
    exec(&world, "node1", &["sh", "-c", "/usr/bin/systemctl --bogus || echo refused"])
        .success()
        .stdout_is("refused\n")
        .stderr_has("systemctl: unrecognized option '--bogus'");
    exec(&world, "node1", &["sh", "-c", "sysctl -w net.ipv4.ip_forward=1 && sysctl -n net.ipv4.ip_forward"])
        .success()
        .stdout_is("net.ipv4.ip_forward = 1\n1\n");
    // A script never reaches the machine running the tests: its root is private, and
    // the machine's own files, mounted read-only for the real programs, cannot change.
    let marker = format!("/etc/kina-fake-probe-{}", std::process::id());
    exec(&world, "node1", &["sh", "-c", &format!("echo node > {marker} && cat {marker}")])
        .success()
        .stdout_is("node\n");
    assert!(!std::path::Path::new(&marker).exists(), "a node script wrote {marker} on the test machine");
    exec(&world, "node1", &["sh", "-c", "touch /.host/tmp/kina-fake-escape"])
        .code_is(1)
        .stderr_has("Read-only file system");
    assert!(!std::path::Path::new("/tmp/kina-fake-escape").exists());
    exec(&world, "node1", &["cp", "/dev/stdin", "/no/such/dir/f"]).code_is(1).stderr_has("No such file or directory");
    exec(
        &world,
        "node1",
        &["iptables-nft", "-t", "mangle", "-C", "OUTPUT", "-p", "tcp", "-j", "TCPMSS", "--set-mss", "1220"],
    )
    .code_is(1)
    .stderr_has("iptables: Bad rule (does a matching rule exist in that chain?).");
    exec(
        &world,
        "node1",
        &["iptables-nft", "-t", "mangle", "-A", "OUTPUT", "-p", "tcp", "-j", "TCPMSS", "--set-mss", "1220"],
    )
    .success();
    exec(
        &world,
        "node1",
        &["iptables-nft", "-t", "mangle", "-C", "OUTPUT", "-p", "tcp", "-j", "TCPMSS", "--set-mss", "1220"],
    )
    .success();
    exec(&world, "node1", &["ethtool", "-K", "eth0", "tso", "off", "gso", "off"]).success();
    exec(&world, "node1", &["ip", "-4", "route", "show", "default"])
        .success()
        .stdout_has("default via 192.168.64.1 dev eth0");
}

#[test]
fn proc_sys_is_read_only_from_1_2_0_unless_cleared() {
    let mut world = World::new();
    let sysctl = ["sysctl", "-w", "net.ipv4.ip_forward=1"];
    run_node(&world, "cleared");
    exec(&world, "cleared", &sysctl).success().stdout_is("net.ipv4.ip_forward = 1\n");
    world
        .container(&["run", "-d", "--name", "defaults", "--cap-add", "ALL", "--progress", "none", NODE_IMAGE])
        .success();
    exec(&world, "defaults", &sysctl)
        .code_is(255)
        .stderr_has("sysctl: permission denied on key \"net.ipv4.ip_forward\"");
    world.env("KINA_FAKE_VERSION", "1.2.0");
    world.container(&["run", "-d", "--name", "v120", "--cap-add", "ALL", NODE_IMAGE]).success();
    exec(&world, "v120", &sysctl).code_is(255).stderr_has("permission denied");
    world.env("KINA_FAKE_VERSION", "1.1.0");
    world.container(&["run", "-d", "--name", "v110", "--cap-add", "ALL", NODE_IMAGE]).success();
    exec(&world, "v110", &sysctl).success();
}

#[test]
fn kubeadm_flow_reaches_ready_only_with_a_matching_cni() {
    let mut world = World::new();
    let ip = init_node(&world, "kina-control-plane");
    let admin = exec(&world, "kina-control-plane", &["cat", "/etc/kubernetes/admin.conf"]).success().stdout();
    let kc: Value = serde_saphyr::from_str(&admin).unwrap();
    assert_eq!(kc["kind"], "Config");
    assert_eq!(kc["clusters"][0]["name"], "kina");
    assert_eq!(kc["clusters"][0]["cluster"]["server"], format!("https://{ip}:6443"));
    assert!(kc["clusters"][0]["cluster"]["certificate-authority-data"].as_str().unwrap().len() > 100);
    assert_eq!(kc["current-context"], "kubernetes-admin@kina");
    assert_eq!(kc["users"][0]["name"], "kubernetes-admin");
    assert!(kc["users"][0]["user"]["client-key-data"].is_string());
    exec(&world, "kina-control-plane", &["cat", "/etc/kubernetes/manifests/kube-apiserver.yaml"])
        .success()
        .stdout_has(&format!("--advertise-address={ip}"));

    // No kubeconfig → kubectl's localhost:8080 error.
    exec(&world, "kina-control-plane", &["kubectl", "get", "nodes"]).code_is(1).stderr_has(
        "The connection to the server localhost:8080 was refused - did you specify the right host or port?",
    );
    kubectl(&world, "kina-control-plane", &["taint", "nodes", "--all", "node-role.kubernetes.io/control-plane-"])
        .success()
        .stdout_is("node/kina-control-plane untainted\n");
    kubectl(&world, "kina-control-plane", &["taint", "nodes", "--all", "node-role.kubernetes.io/control-plane-"])
        .code_is(1)
        .stderr_has("error: taint \"node-role.kubernetes.io/control-plane\" not found");
    kubectl(
        &world,
        "kina-control-plane",
        &["label", "nodes", "--all", "node.kubernetes.io/exclude-from-external-load-balancers-"],
    )
    .success()
    .stdout_is("node/kina-control-plane unlabeled\n");

    let wait = ["wait", "--for=condition=Ready", "node", "--all", "--timeout=5m"];
    kubectl(&world, "kina-control-plane", &wait)
        .code_is(1)
        .stderr_has("error: timed out waiting for the condition on nodes/kina-control-plane");

    let kubectl_apply = ["kubectl", "apply", "--kubeconfig=/etc/kubernetes/admin.conf", "-f", "-"];
    let kubectl_create = ["kubectl", "create", "--kubeconfig=/etc/kubernetes/admin.conf", "-f", "-"];
    // The unrendered template is valid YAML but not a CIDR: still not Ready.
    let raw = exec(&world, "kina-control-plane", &["cat", "/kind/manifests/default-cni.yaml"]).success().stdout();
    assert!(raw.contains("# would you kindly template this file") && raw.contains("{{ .PodSubnet }}"));
    exec_stdin(&world, "kina-control-plane", &kubectl_apply, &raw)
        .success()
        .stdout_has("daemonset.apps/kindnet created");
    kubectl(&world, "kina-control-plane", &wait).code_is(1);

    // kind's way: create the rendered manifest; create again is AlreadyExists.
    let rendered = raw.replace("{{ .PodSubnet }}", "10.244.0.0/16");
    exec_stdin(&world, "kina-control-plane", &kubectl_apply, &rendered)
        .success()
        .stdout_has("serviceaccount/kindnet unchanged")
        .stdout_has("daemonset.apps/kindnet configured");
    exec_stdin(&world, "kina-control-plane", &kubectl_create, &rendered)
        .code_is(1)
        .stderr_has("Error from server (AlreadyExists)");
    kubectl(&world, "kina-control-plane", &wait).success().stdout_is("node/kina-control-plane condition met\n");
    kubectl(&world, "kina-control-plane", &["wait", "--for=condition=Ready", "node/kina-control-plane"]).success();
    kubectl(&world, "kina-control-plane", &["get", "nodes", "-o", "name"])
        .success()
        .stdout_is("node/kina-control-plane\n");

    let storage =
        exec(&world, "kina-control-plane", &["cat", "/kind/manifests/default-storage.yaml"]).success().stdout();
    exec_stdin(
        &world,
        "kina-control-plane",
        &["kubectl", "--kubeconfig=/etc/kubernetes/admin.conf", "apply", "-f", "-"],
        &storage,
    )
    .success()
    .stdout_has("namespace/local-path-storage created")
    .stdout_has("deployment.apps/local-path-provisioner created")
    .stdout_has("storageclass.storage.k8s.io/standard created");

    world.env("KINA_FAKE_NOT_READY", "1");
    kubectl(&world, "kina-control-plane", &wait).code_is(1);
}

#[test]
fn kubeadm_init_rejects_what_real_kubeadm_rejects() {
    let world = World::new();
    run_node(&world, "node1");
    let ip = ip_of(&world, "node1");
    init(&world, "node1").code_is(1).stderr_has("unable to read config from \"/kind/kubeadm.conf\"");

    let map_args = kubeadm_config(&ip, "v1.35.5", "10.244.0.0/16").replace(
        "  extraArgs:\n    - name: runtime-config\n      value: \"\"\n",
        "  extraArgs:\n    runtime-config: \"\"\n",
    );
    write_config(&world, "node1", &map_args);
    init(&world, "node1").code_is(1).stderr_has(
        "cannot unmarshal object into Go struct field ClusterConfiguration.apiServer.extraArgs of type []v1beta4.Arg",
    );

    write_config(
        &world,
        "node1",
        &kubeadm_config(&ip, "v1.35.5", "10.244.0.0/16").replace("kubeadm.k8s.io/v1beta4", "kubeadm.k8s.io/v1beta2"),
    );
    init(&world, "node1").code_is(1).stderr_has("old API spec");

    write_config(&world, "node1", &kubeadm_config(&ip, "v1.34.0", "10.244.0.0/16"));
    init(&world, "node1").code_is(1).stderr_has("registry.k8s.io/kube-apiserver:v1.34.0");

    write_config(&world, "node1", &kubeadm_config("192.168.64.99", "v1.35.5", "10.244.0.0/16"));
    init(&world, "node1").code_is(1).stderr_has("error execution phase wait-control-plane");

    // Without skipPhases: [preflight], ip_forward must be 1 first.
    let preflight = kubeadm_config(&ip, "v1.35.5", "10.244.0.0/16").replace("skipPhases: [preflight]\n", "");
    write_config(&world, "node1", &preflight);
    init(&world, "node1").code_is(1).stderr_has("/proc/sys/net/ipv4/ip_forward contents are not set to 1");
    exec(&world, "node1", &["sysctl", "-w", "net.ipv4.ip_forward=1"]).success();
    init(&world, "node1").success();
    init(&world, "node1").code_is(1).stderr_has("already exists");
}

#[test]
fn restart_rewrites_the_node_ip_or_dies_without_kubeadm_conf() {
    let world = World::new();
    let old = init_node(&world, "cp");
    world.container(&["run", "-d", "--name", "other", "--progress", "none", "alpine"]).success();
    world.container(&["stop", "cp"]).success();
    world.container(&["start", "cp"]).success().stdout_is("cp\n");
    let new = ip_of(&world, "cp");
    assert_ne!(old, new);
    exec(&world, "cp", &["cat", "/kind/kubeadm.conf"]).success().stdout_has(&format!("advertiseAddress: {new}"));
    exec(&world, "cp", &["cat", "/etc/kubernetes/manifests/etcd.yaml"]).success().stdout_has(&new);
    exec(&world, "cp", &["cat", "/etc/kubernetes/kubelet.conf"])
        .success()
        .stdout_has(&format!("server: https://{new}:6443"));
    exec(&world, "cp", &["cat", "/etc/kubernetes/admin.conf"])
        .success()
        .stdout_has(&format!("server: https://{old}:6443"));
    kubectl(&world, "cp", &["get", "nodes"]).code_is(1).stderr_has("Unable to connect to the server");

    // An initialised node without /kind/kubeadm.conf dies on the boot after an IP change.
    exec(&world, "cp", &["rm", "-f", "/kind/kubeadm.conf"]).success();
    world.container(&["stop", "cp"]).success();
    world.container(&["start", "cp"]).success().stdout_is("cp\n");
    let after = json(&world.container(&["inspect", "cp"]));
    assert_eq!(after[0]["status"]["state"], "stopped");
    world.container(&["logs", "cp"]).success().stdout_has("/kind/kubeadm.conf");
}

#[test]
fn macos_15_has_no_network_command_and_allocation_only_attachments() {
    let mut world = World::new();
    world.env("KINA_FAKE_MACOS", "15");
    world.container(&["network", "list"]).code_is(1).stderr_has("Error: Plugin 'container-network' not found");
    world.container(&["run", "-d", "--name", "node1", "--progress", "none", "alpine"]).success();
    let v = json(&world.container(&["inspect", "node1"]));
    assert_eq!(v[0]["status"]["networks"][0]["variant"], "allocationOnly");
    world
        .container(&["run", "-d", "--name", "node2", "--network", "kina", "alpine"])
        .code_is(1)
        .stderr_has("requires macOS 26");
}

#[test]
fn workers_join_by_ip_or_by_a_name_from_etc_hosts() {
    let world = World::new();
    let cp_ip = init_node(&world, "kina-control-plane");
    world
        .container(&[
            "run",
            "-d",
            "--name",
            "kina-worker",
            "--cap-add",
            "ALL",
            "--read-only-path",
            "NONE",
            "--progress",
            "none",
            NODE_IMAGE,
        ])
        .success();
    exec(&world, "kina-worker", &["sysctl", "-w", "net.ipv4.ip_forward=1"]).success();
    let token =
        exec(&world, "kina-control-plane", &["kubeadm", "token", "create", "--print-join-command"]).success().stdout();
    assert!(token.starts_with(&format!("kubeadm join {cp_ip}:6443 --token abcdef.0123456789abcdef")), "{token}");

    let by_name = [
        "kubeadm",
        "join",
        "kina-control-plane:6443",
        "--token",
        "abcdef.0123456789abcdef",
        "--discovery-token-unsafe-skip-ca-verification",
    ];
    exec(&world, "kina-worker", &by_name)
        .code_is(1)
        .stderr_has("lookup kina-control-plane on 192.168.64.1:53: no such host");
    exec(&world, "kina-worker", &["sh", "-c", &format!("echo '{cp_ip} kina-control-plane' >> /etc/hosts")]).success();
    exec(
        &world,
        "kina-worker",
        &[
            "kubeadm",
            "join",
            "kina-control-plane:6443",
            "--token",
            "wrong0.0123456789abcdef",
            "--discovery-token-unsafe-skip-ca-verification",
        ],
    )
    .code_is(1)
    .stderr_has("token ID \"wrong0\"");
    // Token discovery needs the CA pinned (or an explicit opt-out), and the right CA.
    let unpinned = ["kubeadm", "join", "kina-control-plane:6443", "--token", "abcdef.0123456789abcdef"];
    exec(&world, "kina-worker", &unpinned).code_is(1).stderr_has("without caCertHashes can be unsafe");
    let wrong_ca = [&unpinned[..], &["--discovery-token-ca-cert-hash", "sha256:0000"]].concat();
    exec(&world, "kina-worker", &wrong_ca).code_is(1).stderr_has("are pinned");
    let hash = token.split_whitespace().skip_while(|w| *w != "--discovery-token-ca-cert-hash").nth(1).unwrap();
    let pinned = [&unpinned[..], &["--discovery-token-ca-cert-hash", hash]].concat();
    exec(&world, "kina-worker", &pinned).success().stdout_has("This node has joined the cluster");
    kubectl(&world, "kina-control-plane", &["get", "nodes", "-o", "name"])
        .success()
        .stdout_is("node/kina-control-plane\nnode/kina-worker\n");

    install_cni(&world, "kina-control-plane", "10.244.0.0/16");
    kubectl(&world, "kina-control-plane", &["wait", "--for=condition=Ready", "nodes", "--all"])
        .success()
        .stdout_is("node/kina-control-plane condition met\nnode/kina-worker condition met\n");
    // A stopped worker is NotReady.
    world.container(&["stop", "kina-worker"]).success();
    kubectl(&world, "kina-control-plane", &["wait", "--for=condition=Ready", "node/kina-worker"]).code_is(1);
}

#[test]
fn on_macos_15_vms_cannot_reach_each_other() {
    let mut world = World::new();
    world.env("KINA_FAKE_MACOS", "15");
    let cp_ip = init_node(&world, "kina-control-plane");
    world.container(&["run", "-d", "--name", "kina-worker", "--progress", "none", NODE_IMAGE]).success();
    exec(
        &world,
        "kina-worker",
        &[
            "kubeadm",
            "join",
            &format!("{cp_ip}:6443"),
            "--token",
            "abcdef.0123456789abcdef",
            "--discovery-token-unsafe-skip-ca-verification",
            "--ignore-preflight-errors=all",
        ],
    )
    .code_is(1)
    .stderr_has("no route to host");
    world
        .container(&["network", "list", "--format", "json"])
        .code_is(1)
        .stderr_has("Plugin 'container-network' not found");
}

/// The fake's persisted view of one container's node (for counters no CLI shows).
fn node_state(world: &World, name: &str) -> Value {
    let text = std::fs::read_to_string(world.path("state").join("state.json")).unwrap();
    let state: Value = serde_json::from_str(&text).unwrap();
    state["containers"][name]["node"].clone()
}

/// A worker joined to `cp` with token discovery (CA verification skipped).
fn join_worker(world: &World, name: &str, cp_ip: &str) -> Run {
    world
        .container(&[
            "run",
            "-d",
            "--name",
            name,
            "--cap-add",
            "ALL",
            "--read-only-path",
            "NONE",
            "--progress",
            "none",
            NODE_IMAGE,
        ])
        .success();
    exec(world, name, &["sysctl", "-w", "net.ipv4.ip_forward=1"]).success();
    exec(
        world,
        name,
        &[
            "kubeadm",
            "join",
            &format!("{cp_ip}:6443"),
            "--token",
            "abcdef.0123456789abcdef",
            "--discovery-token-unsafe-skip-ca-verification",
        ],
    )
}

#[test]
fn sed_substitutes_in_place_like_gnu_sed() {
    let world = World::new();
    run_node(&world, "node1");
    let conf = "server: https://192.168.64.2:6443\nnot-me: 192.168.64.25\nname: kina\n";
    exec_stdin(&world, "node1", &["cp", "/dev/stdin", "/etc/a.conf"], conf).success();
    exec_stdin(&world, "node1", &["cp", "/dev/stdin", "/etc/b.conf"], conf).success();
    // `\b` keeps 192.168.64.25 intact; a missing file is exit 2 but the others are still edited.
    exec(
        &world,
        "node1",
        &[
            "sed",
            "-i",
            "-e",
            r"s#\b192\.168\.64\.2\b#192.168.64.9#g",
            "/etc/a.conf",
            "/etc/missing.conf",
            "/etc/b.conf",
        ],
    )
    .code_is(2)
    .stdout_is("")
    .stderr_has("sed: can't read /etc/missing.conf: No such file or directory\n");
    let edited = "server: https://192.168.64.9:6443\nnot-me: 192.168.64.25\nname: kina\n";
    exec(&world, "node1", &["cat", "/etc/a.conf"]).success().stdout_is(edited);
    exec(&world, "node1", &["cat", "/etc/b.conf"]).success().stdout_is(edited);
    // The expression as the first operand, several -e, -E, other delimiters, `&`, `^`/`$`.
    exec(&world, "node1", &["sed", "-i", "s/kina/&-x/", "/etc/a.conf"]).success();
    exec(&world, "node1", &["sed", "-E", "-i", "-e", "s|^name|NAME|", "-e", "s/x$/y/g", "/etc/a.conf"]).success();
    exec(&world, "node1", &["cat", "/etc/a.conf"]).success().stdout_has("NAME: kina-y\n");
    // Without -i the result goes to stdout; the file stays; stdin when no file is given.
    exec(&world, "node1", &["sed", "s/not-me/other/", "/etc/b.conf"]).success().stdout_has("other: 192.168.64.25");
    exec(&world, "node1", &["cat", "/etc/b.conf"]).success().stdout_is(edited);
    exec_stdin(&world, "node1", &["sed", "-e", "s/a/b/g"], "aaa\n").success().stdout_is("bbb\n");
    exec(&world, "node1", &["sed", "-i.bak", "s/kina/k/", "/etc/b.conf"]).success();
    exec(&world, "node1", &["cat", "/etc/b.conf.bak"]).success().stdout_is(edited);
    // GNU sed's own errors.
    exec(&world, "node1", &["sed", "-i", "s/a/b", "/etc/a.conf"])
        .code_is(1)
        .stderr_has("sed: -e expression #1, char 5: unterminated `s' command");
    exec(&world, "node1", &["sed", "-e", "s/a/b/", "-e", "s/a/b/x", "/etc/a.conf"])
        .code_is(1)
        .stderr_has("sed: -e expression #2, char 7: unknown option to `s'");
    exec(&world, "node1", &["sed", "-i", "s/a/b/"]).code_is(4).stderr_has("sed: no input files");
    exec(&world, "node1", &["sed", "-i", "s/a/b/", "/etc"])
        .code_is(4)
        .stderr_has("couldn't edit /etc: not a regular file");
    // It is the real GNU sed: groups, classes, -n and p all work.
    exec(&world, "node1", &["sed", "-i", "-E", r"s#(server: https://)[0-9.]+(:6443)#\1x\2#", "/etc/a.conf"]).success();
    exec(&world, "node1", &["sed", "-n", "s/^server: //p", "/etc/a.conf"]).success().stdout_is("https://x:6443\n");
    // In a pipeline.
    exec(&world, "node1", &["sh", "-c", r"cat /etc/a.conf | sed 's/\bkina\b/KINA/' > /tmp/out; cat /tmp/out"])
        .success()
        .stdout_has("NAME: KINA-y");
}

#[test]
fn kubeadm_init_stores_kube_proxy_and_cluster_info_objects() {
    let world = World::new();
    let ip = init_node(&world, "cp");
    let server = format!("server: https://{ip}:6443");
    let proxy_yaml = kubectl(&world, "cp", &["-n", "kube-system", "get", "configmap", "kube-proxy", "-o", "yaml"])
        .success()
        .stdout();
    let proxy: Value = serde_saphyr::from_str(&proxy_yaml).unwrap();
    assert_eq!(proxy["kind"], "ConfigMap");
    assert_eq!(proxy["metadata"]["namespace"], "kube-system");
    assert!(proxy["data"]["kubeconfig.conf"].as_str().unwrap().contains(&server), "{proxy_yaml}");
    assert!(proxy["data"]["config.conf"].as_str().unwrap().contains("clusterCIDR: 10.244.0.0/16"));
    assert!(proxy["metadata"]["resourceVersion"].is_string() && proxy["metadata"]["uid"].is_string());
    let as_json =
        json(&kubectl(&world, "cp", &["get", "configmap", "kube-proxy", "--namespace=kube-system", "-o", "json"]));
    assert_eq!(as_json["data"], proxy["data"]);
    let info = kubectl(&world, "cp", &["-n", "kube-public", "get", "configmap", "cluster-info", "-o", "yaml"])
        .success()
        .stdout();
    let info: Value = serde_saphyr::from_str(&info).unwrap();
    assert!(info["data"]["kubeconfig"].as_str().unwrap().contains(&server));
    let jws = info["data"]["jws-kubeconfig-abcdef"].as_str().unwrap().to_string();
    kubectl(&world, "cp", &["get", "ds", "-n", "kube-system", "-o", "name"])
        .success()
        .stdout_is("daemonset.apps/kube-proxy\n");
    // The namespace matters; --ignore-not-found turns NotFound into nothing.
    kubectl(&world, "cp", &["get", "configmap", "kube-proxy", "-o", "yaml"])
        .code_is(1)
        .stderr_has("Error from server (NotFound): configmaps \"kube-proxy\" not found");
    kubectl(&world, "cp", &["get", "cm", "kube-proxy", "--ignore-not-found", "-o", "yaml"]).success().stdout_is("");
    kubectl(&world, "cp", &["get", "widgets"])
        .code_is(1)
        .stderr_has("the server doesn't have a resource type \"widgets\"");

    // get | edit | apply: configured (with kubectl's warning for an object kubectl never applied), then unchanged.
    let apply = ["kubectl", "--kubeconfig=/etc/kubernetes/admin.conf", "-n", "kube-system", "apply", "-f", "-"];
    let moved = proxy_yaml.replace(&format!("{ip}:6443"), "192.168.64.200:6443");
    exec_stdin(&world, "cp", &apply, &moved)
        .success()
        .stdout_is("configmap/kube-proxy configured\n")
        .stderr_has("Warning: resource configmaps/kube-proxy is missing the kubectl.kubernetes.io/last-applied-configuration annotation");
    let now = kubectl(&world, "cp", &["-n", "kube-system", "get", "configmap", "kube-proxy", "-o", "yaml"])
        .success()
        .stdout();
    assert!(now.contains("server: https://192.168.64.200:6443"), "{now}");
    exec_stdin(&world, "cp", &apply, &now).success().stdout_is("configmap/kube-proxy unchanged\n");
    // A stale resourceVersion is a conflict; a namespace other than -n is refused.
    exec_stdin(&world, "cp", &apply, &moved).code_is(1).stderr_has("Error from server (Conflict)");
    let in_default = ["kubectl", "--kubeconfig=/etc/kubernetes/admin.conf", "-n", "default", "apply", "-f", "-"];
    exec_stdin(&world, "cp", &in_default, &now).code_is(1).stderr_has(
        "error: the namespace from the provided object \"kube-system\" does not match the namespace \"default\". You must pass '--namespace=kube-system' to perform this operation.",
    );
    // Without -n the manifest's own namespace counts.
    let no_ns = ["kubectl", "--kubeconfig=/etc/kubernetes/admin.conf", "apply", "-f", "-"];
    exec_stdin(&world, "cp", &no_ns, &now).success().stdout_is("configmap/kube-proxy unchanged\n");

    // The bootstrap signer re-signs cluster-info after it changes.
    let info_yaml =
        kubectl(&world, "cp", &["-n", "kube-public", "get", "cm", "cluster-info", "-o", "yaml"]).success().stdout();
    let info_apply = ["kubectl", "--kubeconfig=/etc/kubernetes/admin.conf", "-n", "kube-public", "apply", "-f", "-"];
    exec_stdin(&world, "cp", &info_apply, &info_yaml.replace(&format!("{ip}:6443"), "192.168.64.200:6443"))
        .success()
        .stdout_is("configmap/cluster-info configured\n");
    let info: Value = serde_saphyr::from_str(
        &kubectl(&world, "cp", &["-n", "kube-public", "get", "cm", "cluster-info", "-o", "yaml"]).success().stdout(),
    )
    .unwrap();
    assert!(info["data"]["kubeconfig"].as_str().unwrap().contains("server: https://192.168.64.200:6443"));
    assert_ne!(info["data"]["jws-kubeconfig-abcdef"].as_str().unwrap(), jws);

    // skipPhases: [addon/kube-proxy] leaves the kube-proxy objects out.
    run_node(&world, "cp2");
    let ip2 = ip_of(&world, "cp2");
    let config = kubeadm_config(&ip2, "v1.35.5", "10.244.0.0/16")
        .replace("skipPhases: [preflight]", "skipPhases: [preflight, addon/kube-proxy]");
    write_config(&world, "cp2", &config);
    let out = init(&world, "cp2").success().stdout();
    assert!(out.contains("[addons] Applied essential addon: CoreDNS") && !out.contains("addon: kube-proxy"), "{out}");
    kubectl(&world, "cp2", &["-n", "kube-system", "get", "configmap", "kube-proxy"]).code_is(1).stderr_has("not found");
    kubectl(&world, "cp2", &["-n", "kube-system", "get", "daemonset", "kube-proxy"])
        .code_is(1)
        .stderr_has("daemonsets.apps \"kube-proxy\" not found");
    kubectl(&world, "cp2", &["-n", "kube-public", "get", "configmap", "cluster-info", "-o", "name"])
        .success()
        .stdout_is("configmap/cluster-info\n");
}

#[test]
fn kubectl_get_raw_readyz_follows_the_api_server() {
    let world = World::new();
    let ip = init_node(&world, "cp");
    for path in ["/readyz", "/livez", "/healthz"] {
        kubectl(&world, "cp", &["get", "--raw", path]).success().stdout_is("ok");
    }
    kubectl(&world, "cp", &["get", "--raw=/readyz"]).success().stdout_is("ok");
    kubectl(&world, "cp", &["get", "--raw", "/readyz?verbose"]).success().stdout_has("readyz check passed");
    kubectl(&world, "cp", &["get", "--raw", "/nope"])
        .code_is(1)
        .stderr_has("the server could not find the requested resource");
    exec(&world, "cp", &["kubectl", "get", "--raw", "/readyz"]).code_is(1).stderr_has("localhost:8080 was refused");
    // No serving certificate: the API server is down.
    exec(&world, "cp", &["rm", "-f", "/etc/kubernetes/pki/apiserver.crt", "/etc/kubernetes/pki/apiserver.key"])
        .success();
    kubectl(&world, "cp", &["get", "--raw", "/readyz"]).code_is(1).stdout_is("").stderr_has(&format!(
        "The connection to the server {ip}:6443 was refused - did you specify the right host or port?"
    ));
    exec(&world, "cp", &["kubeadm", "init", "phase", "certs", "apiserver", "--config", "/kind/kubeadm.conf"]).success();
    kubectl(&world, "cp", &["get", "--raw", "/readyz"]).success().stdout_is("ok");
    // A name the certificate does not cover.
    exec(&world, "cp", &["sh", "-c", &format!("echo '{ip} api.example' >> /etc/hosts")]).success();
    exec(&world, "cp", &["sed", "-i", &format!("s#{ip}:6443#api.example:6443#"), "/etc/kubernetes/admin.conf"])
        .success();
    kubectl(&world, "cp", &["get", "--raw", "/readyz"])
        .code_is(1)
        .stderr_has("x509: certificate is valid for kubernetes, kubernetes.default")
        .stderr_has("not api.example");
}

#[test]
fn rollout_restart_marks_the_pod_template() {
    let world = World::new();
    init_node(&world, "cp");
    kubectl(&world, "cp", &["-n", "kube-system", "rollout", "restart", "daemonset/kube-proxy"])
        .success()
        .stdout_is("daemonset.apps/kube-proxy restarted\n");
    let ds = json(&kubectl(&world, "cp", &["-n", "kube-system", "get", "daemonset", "kube-proxy", "-o", "json"]));
    assert!(ds["spec"]["template"]["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"].is_string());
    assert_eq!(ds["metadata"]["generation"], 2);
    kubectl(&world, "cp", &["rollout", "restart", "daemonset/kube-proxy"])
        .code_is(1)
        .stderr_has("Error from server (NotFound): daemonsets.apps \"kube-proxy\" not found");
    kubectl(&world, "cp", &["-n", "kube-system", "rollout", "restart", "daemonset", "nope"])
        .code_is(1)
        .stderr_has("Error from server (NotFound): daemonsets.apps \"nope\" not found");
    install_cni(&world, "cp", "10.244.0.0/16");
    kubectl(&world, "cp", &["rollout", "restart", "ds", "kindnet", "--namespace", "kube-system"])
        .success()
        .stdout_is("daemonset.apps/kindnet restarted\n");
    let ds = json(&kubectl(&world, "cp", &["-n", "kube-system", "get", "ds", "kindnet", "-o", "json"]));
    assert_eq!(ds["metadata"]["generation"], 2);
    kubectl(&world, "cp", &["-n", "kube-system", "rollout", "status", "ds/kindnet"])
        .success()
        .stdout_is("daemon set \"kindnet\" successfully rolled out\n");
}

#[test]
fn systemctl_restarts_the_kubelet() {
    let world = World::new();
    run_node(&world, "cp");
    exec(&world, "cp", &["systemctl", "is-active", "kubelet"]).code_is(3).stdout_is("activating\n");
    let ip = ip_of(&world, "cp");
    write_config(&world, "cp", &kubeadm_config(&ip, "v1.35.5", "10.244.0.0/16"));
    init(&world, "cp").success();
    install_cni(&world, "cp", "10.244.0.0/16");
    exec(&world, "cp", &["systemctl", "is-active", "kubelet"]).success().stdout_is("active\n");
    assert_eq!(node_state(&world, "cp")["kubelet_restarts"], 0);
    exec(&world, "cp", &["systemctl", "restart", "kubelet"]).success().stdout_is("");
    world.container(&["logs", "cp"]).success().stdout_has("[  OK  ] Stopped kubelet.service");
    exec(&world, "cp", &["systemctl", "stop", "kubelet.service"]).success();
    exec(&world, "cp", &["systemctl", "is-active", "--quiet", "kubelet"]).code_is(3).stdout_is("");
    kubectl(&world, "cp", &["wait", "--for=condition=Ready", "node/cp"]).code_is(1);
    exec(&world, "cp", &["systemctl", "start", "kubelet"]).success();
    kubectl(&world, "cp", &["wait", "--for=condition=Ready", "node/cp"]).success();
    assert_eq!(node_state(&world, "cp")["kubelet_restarts"], 2);
    exec(&world, "cp", &["systemctl", "restart", "nosuch"])
        .code_is(5)
        .stderr_has("Failed to restart nosuch.service: Unit nosuch.service not found.");
    exec(&world, "cp", &["systemctl", "restart", "containerd"]).success();
}

#[test]
fn certs_phase_keeps_a_valid_certificate_and_issues_a_missing_one() {
    let world = World::new();
    let ip = init_node(&world, "cp");
    let phase = ["kubeadm", "init", "phase", "certs", "apiserver", "--config", "/kind/kubeadm.conf"];
    let crt = |w: &World| exec(w, "cp", &["cat", "/etc/kubernetes/pki/apiserver.crt"]).success().stdout();
    let before = crt(&world);
    exec(&world, "cp", &phase).success().stdout_is("[certs] Using the existing \"apiserver\" certificate and key\n");
    assert_eq!(crt(&world), before);
    // A SAN the existing certificate lacks: kubeadm refuses rather than re-issuing.
    let more = kubeadm_config(&ip, "v1.35.5", "10.244.0.0/16")
        .replace("certSANs: [localhost, \"127.0.0.1\"]", "certSANs: [localhost, \"127.0.0.1\", \"10.9.9.9\"]");
    write_config(&world, "cp", &more);
    exec(&world, "cp", &phase).code_is(1).stderr_has(&format!(
        "error execution phase certs/apiserver: certificate apiserver is invalid: x509: certificate is valid for 10.96.0.1, {ip}, 127.0.0.1, not 10.9.9.9"
    ));
    exec(&world, "cp", &["rm", "-f", "/etc/kubernetes/pki/apiserver.key"]).success();
    exec(&world, "cp", &phase).code_is(1).stderr_has("failure loading apiserver key");
    exec(&world, "cp", &["rm", "-f", "/etc/kubernetes/pki/apiserver.crt", "/etc/kubernetes/pki/apiserver.key"])
        .success();
    exec(&world, "cp", &phase)
        .success()
        .stdout_has("[certs] Generating \"apiserver\" certificate and key\n")
        .stdout_has(&format!(
            "[certs] apiserver serving cert is signed for DNS names [kubernetes kubernetes.default kubernetes.default.svc kubernetes.default.svc.cluster.local cp localhost] and IPs [10.96.0.1 {ip} 127.0.0.1 10.9.9.9]"
        ));
    assert_ne!(crt(&world), before);
    exec(&world, "cp", &phase).success().stdout_is("[certs] Using the existing \"apiserver\" certificate and key\n");
    kubectl(&world, "cp", &["get", "--raw", "/readyz"]).success();
}

#[test]
fn a_restarted_cluster_heals_by_hand() {
    let world = World::new();
    let old = init_node(&world, "kina-control-plane");
    join_worker(&world, "kina-worker", &old).success();
    install_cni(&world, "kina-control-plane", "10.244.0.0/16");
    let wait = ["wait", "--for=condition=Ready", "nodes", "--all"];
    kubectl(&world, "kina-control-plane", &wait).success();

    world.container(&["stop", "kina-worker", "kina-control-plane"]).success();
    world.container(&["start", "kina-control-plane"]).success();
    world.container(&["start", "kina-worker"]).success();
    let new = ip_of(&world, "kina-control-plane");
    assert_ne!(old, new);
    let sed = format!(r"s#\b{}\b#{new}#g", old.replace('.', r"\."));

    // The entrypoint rewrote the control plane's own files and certificate, not admin.conf.
    exec(&world, "kina-control-plane", &["cat", "/etc/kubernetes/admin.conf"])
        .success()
        .stdout_has(&format!("server: https://{old}:6443"));
    kubectl(&world, "kina-control-plane", &["get", "--raw", "/readyz"])
        .code_is(1)
        .stderr_has(&format!("Unable to connect to the server: dial tcp {old}:6443: connect: no route to host"));
    exec(&world, "kina-control-plane", &["kubeadm", "token", "create", "--print-join-command"])
        .code_is(1)
        .stderr_has(&format!("failed to create or update bootstrap token with name bootstrap-token-abcdef: unable to create Secret: Post \"https://{old}:6443/api/v1/namespaces/kube-system/secrets?timeout=10s\""));
    let by_cm = ["kubectl", "--kubeconfig=/etc/kubernetes/controller-manager.conf", "get", "nodes"];
    let nodes = exec(&world, "kina-control-plane", &by_cm).success().stdout();
    assert!(nodes.contains("kina-control-plane   Ready") && nodes.contains("kina-worker          NotReady"), "{nodes}");

    // Control plane: the files the entrypoint leaves, a fresh certificate, the kubelet.
    let cp_files = [
        "/etc/kubernetes/admin.conf",
        "/etc/kubernetes/super-admin.conf",
        "/etc/kubernetes/kubelet.conf",
        "/etc/kubernetes/manifests/kube-apiserver.yaml",
        "/kind/kubeadm.conf",
        "/etc/kubernetes/no-such.conf",
    ];
    let mut argv = vec!["sed", "-i", "-e", sed.as_str()];
    argv.extend(cp_files);
    exec(&world, "kina-control-plane", &argv).code_is(2).stderr_has("can't read /etc/kubernetes/no-such.conf");
    let reissue = "set -e\nrm -f /etc/kubernetes/pki/apiserver.crt /etc/kubernetes/pki/apiserver.key\nkubeadm init phase certs apiserver --config /kind/kubeadm.conf\nsystemctl restart kubelet\n";
    exec(&world, "kina-control-plane", &["sh", "-c", reissue])
        .success()
        .stdout_has("[certs] Generating \"apiserver\" certificate and key");
    kubectl(&world, "kina-control-plane", &["get", "--raw", "/readyz"]).success().stdout_is("ok");
    exec(&world, "kina-control-plane", &["kubeadm", "token", "create", "--print-join-command"])
        .success()
        .stdout_has(&format!("kubeadm join {new}:6443 --token abcdef.0123456789abcdef"));

    // A new worker cannot join yet: cluster-info still names the old address.
    let joined = join_worker(&world, "kina-worker2", &new);
    joined.code_is(1).stderr_has(&format!(
        "unable to fetch the kubeadm-config ConfigMap: failed to get config map: Get \"https://{old}:6443/api/v1/namespaces/kube-system/configmaps/kubeadm-config?timeout=10s\": dial tcp {old}:6443: connect: no route to host"
    ));

    // Worker: a rewritten kubelet.conf counts only once the kubelet restarts.
    exec(&world, "kina-worker", &["sed", "-i", "-e", &sed, "/etc/kubernetes/kubelet.conf", "/kind/kubeadm.conf"])
        .code_is(2)
        .stderr_has("sed: can't read /kind/kubeadm.conf: No such file or directory");
    kubectl(&world, "kina-control-plane", &["wait", "--for=condition=Ready", "node/kina-worker"]).code_is(1);
    exec(&world, "kina-worker", &["systemctl", "restart", "kubelet"]).success();
    kubectl(&world, "kina-control-plane", &["wait", "--for=condition=Ready", "node/kina-worker"]).success();

    // The objects that carry the address: get | sed | apply, then restart kube-proxy.
    for (ns, name) in [("kube-system", "kube-proxy"), ("kube-public", "cluster-info")] {
        let kc = "--kubeconfig=/etc/kubernetes/admin.conf";
        let script = format!(
            "kubectl {kc} -n {ns} get configmap {name} -o yaml | sed -e '{sed}' | kubectl {kc} -n {ns} apply -f -"
        );
        exec(&world, "kina-control-plane", &["sh", "-c", &script])
            .success()
            .stdout_is(&format!("configmap/{name} configured\n"));
        kubectl(&world, "kina-control-plane", &["-n", ns, "get", "configmap", name, "-o", "yaml"])
            .success()
            .stdout_has(&format!("https://{new}:6443"));
    }
    kubectl(&world, "kina-control-plane", &["-n", "kube-system", "rollout", "restart", "daemonset", "kube-proxy"])
        .success()
        .stdout_is("daemonset.apps/kube-proxy restarted\n");

    // Joins work again, and a joined kubelet talks to the address cluster-info names.
    exec(
        &world,
        "kina-worker2",
        &[
            "kubeadm",
            "join",
            &format!("{new}:6443"),
            "--token",
            "abcdef.0123456789abcdef",
            "--discovery-token-unsafe-skip-ca-verification",
        ],
    )
    .success();
    exec(&world, "kina-worker2", &["cat", "/etc/kubernetes/kubelet.conf"])
        .success()
        .stdout_has(&format!("server: https://{new}:6443"));
    kubectl(&world, "kina-control-plane", &wait).success().stdout_is(
        "node/kina-control-plane condition met\nnode/kina-worker condition met\nnode/kina-worker2 condition met\n",
    );
    assert_eq!(node_state(&world, "kina-worker")["kubelet_restarts"], 1);
    assert_eq!(node_state(&world, "kina-control-plane")["kubelet_restarts"], 1);
}

// ---- Addons: what `kina install` drives through the control plane's kubectl ----

/// A control plane that is Ready (kindnet with the pod subnet applied).
fn ready_cluster(world: &World) -> String {
    let ip = init_node(world, "cp");
    install_cni(world, "cp", "10.244.0.0/16");
    ip
}

const ADMIN: &str = "--kubeconfig=/etc/kubernetes/admin.conf";

fn apply(world: &World, manifest: &str, extra: &[&str]) -> Run {
    let mut argv = vec!["kubectl", ADMIN, "apply", "-f", "-"];
    argv.extend_from_slice(extra);
    exec_stdin(world, "cp", &argv, manifest)
}

const GATEWAY_CRDS: &str = r#"apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gatewayclasses.gateway.networking.k8s.io
spec:
  group: gateway.networking.k8s.io
  scope: Cluster
  names: {kind: GatewayClass, plural: gatewayclasses, singular: gatewayclass, shortNames: [gc], listKind: GatewayClassList}
  versions: [{name: v1, served: true, storage: true}]
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gateways.gateway.networking.k8s.io
spec:
  group: gateway.networking.k8s.io
  scope: Namespaced
  names: {kind: Gateway, plural: gateways, singular: gateway, shortNames: [gtw], listKind: GatewayList}
  versions: [{name: v1, served: true, storage: true}]
"#;

const GATEWAY: &str = r#"apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata:
  name: eg
spec:
  controllerName: gateway.envoyproxy.io/gatewayclass-controller
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: eg
  namespace: default
spec:
  gatewayClassName: eg
  listeners:
  - {name: http, protocol: HTTP, port: 80}
"#;

fn deployment(ns: &str, name: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  namespace: {ns}\n\
         spec:\n  selector: {{matchLabels: {{app: {name}}}}}\n  template:\n    metadata: {{labels: {{app: {name}}}}}\n\
         \x20   spec: {{containers: [{{name: c, image: registry.k8s.io/pause:3.10}}]}}\n"
    )
}

#[test]
fn apply_maps_kinds_through_crds_and_namespaces_like_the_api_server() {
    let world = World::new();
    ready_cluster(&world);
    // A custom resource before its CRD, and an object in a namespace that does not exist.
    apply(&world, GATEWAY, &[]).code_is(1).stderr_has(
        "error: resource mapping not found for name: \"eg\" namespace: \"\" from \"STDIN\": no matches for kind \"GatewayClass\" in version \"gateway.networking.k8s.io/v1\"\nensure CRDs are installed first",
    );
    apply(&world, &deployment("demo", "web"), &[])
        .code_is(1)
        .stderr_has("Error from server (NotFound): error when creating \"STDIN\": namespaces \"demo\" not found");
    apply(&world, &deployment("demo", "web"), &["--server-side"])
        .code_is(1)
        .stderr_has("Error from server (NotFound): namespaces \"demo\" not found");
    // CRDs with their custom resources in one manifest: the CRDs apply, the CRs wait for the next apply.
    let both = format!("{GATEWAY_CRDS}---\n{GATEWAY}");
    apply(&world, &both, &[])
        .code_is(1)
        .stdout_is("customresourcedefinition.apiextensions.k8s.io/gatewayclasses.gateway.networking.k8s.io created\ncustomresourcedefinition.apiextensions.k8s.io/gateways.gateway.networking.k8s.io created\n")
        .stderr_has("no matches for kind \"Gateway\" in version \"gateway.networking.k8s.io/v1\"");
    kubectl(
        &world,
        "cp",
        &["wait", "--for=condition=Established", "crd/gateways.gateway.networking.k8s.io", "--timeout=60s"],
    )
    .success()
    .stdout_is("customresourcedefinition.apiextensions.k8s.io/gateways.gateway.networking.k8s.io condition met\n");
    apply(&world, &both, &["--server-side", "--force-conflicts", "--field-manager=kina"]).success().stdout_is(
        "customresourcedefinition.apiextensions.k8s.io/gatewayclasses.gateway.networking.k8s.io serverside-applied\n\
         customresourcedefinition.apiextensions.k8s.io/gateways.gateway.networking.k8s.io serverside-applied\n\
         gatewayclass.gateway.networking.k8s.io/eg serverside-applied\ngateway.gateway.networking.k8s.io/eg serverside-applied\n",
    );
    // Kinds from CRDs answer to their plural, singular and short names; scope follows the CRD.
    kubectl(&world, "cp", &["get", "gc", "-o", "name"])
        .success()
        .stdout_is("gatewayclass.gateway.networking.k8s.io/eg\n");
    kubectl(
        &world,
        "cp",
        &["get", "gateways.gateway.networking.k8s.io", "-A", "-o", "jsonpath={.items[*].metadata.namespace}"],
    )
    .success()
    .stdout_is("default");
    // Namespace, Deployment: created, then unchanged.
    let app = format!("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: demo\n---\n{}", deployment("demo", "web"));
    apply(&world, &app, &[]).success().stdout_is("namespace/demo created\ndeployment.apps/web created\n");
    apply(&world, &app, &[]).success().stdout_is("namespace/demo unchanged\ndeployment.apps/web unchanged\n");
    // Several types make a List whose items keep their kind.
    let list = json(&kubectl(&world, "cp", &["get", "deploy,ns", "-A", "-o", "json"]));
    let kinds: Vec<&str> = list["items"].as_array().unwrap().iter().map(|i| i["kind"].as_str().unwrap()).collect();
    assert!(kinds.contains(&"Deployment") && kinds.contains(&"Namespace"), "{list}");
    let one = json(&kubectl(&world, "cp", &["get", "deployment", "web", "-n", "demo", "-o", "json"]));
    assert_eq!(one["status"]["conditions"][0]["type"], "Available", "{one}");
    assert_eq!(one["status"]["conditions"][0]["status"], "True", "{one}");
}

#[test]
fn delete_cascades_and_waits_report_like_kubectl() {
    let mut world = World::new();
    ready_cluster(&world);
    let app = format!("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: demo\n---\n{}", deployment("demo", "web"));
    apply(&world, &app, &[]).success();
    apply(&world, &format!("{GATEWAY_CRDS}---\n{GATEWAY}"), &[]).code_is(1);
    apply(&world, GATEWAY, &[]).success();
    kubectl(&world, "cp", &["wait", "--for=condition=Available", "deployment/web", "-n", "demo", "--timeout=30s"])
        .success()
        .stdout_is("deployment.apps/web condition met\n");
    kubectl(&world, "cp", &["rollout", "status", "deployment/web", "--namespace=demo", "--timeout=30s"])
        .success()
        .stdout_is("deployment \"web\" successfully rolled out\n");
    kubectl(&world, "cp", &["wait", "--for=condition=Available", "deployment/nope", "-n", "demo"])
        .code_is(1)
        .stderr_has("Error from server (NotFound): deployments.apps \"nope\" not found");
    // KINA_FAKE_UNAVAILABLE: the workload never becomes ready; waits time out at once.
    world.env("KINA_FAKE_UNAVAILABLE", "demo/*");
    kubectl(&world, "cp", &["wait", "--for=condition=Available", "deployment/web", "-n", "demo", "--timeout=1s"])
        .code_is(1)
        .stderr_has("error: timed out waiting for the condition on deployments/web");
    kubectl(&world, "cp", &["rollout", "status", "deployment/web", "-n", "demo", "--timeout=1s"])
        .code_is(1)
        .stdout_has("Waiting for deployment \"web\" rollout to finish: 0 of 1 updated replicas are available...")
        .stderr_has("error: timed out waiting for the condition");
    world.remove_env("KINA_FAKE_UNAVAILABLE");
    // Deleting a Namespace deletes what is in it; a CRD its custom resources.
    kubectl(&world, "cp", &["delete", "namespace", "demo"]).success().stdout_is("namespace \"demo\" deleted\n");
    kubectl(&world, "cp", &["get", "deployments", "-A", "-o", "name"]).success().stdout_is("deployment.apps/coredns\n");
    let delete = ["kubectl", ADMIN, "delete", "-f", "-", "--ignore-not-found", "--wait=true", "--timeout=300s"];
    exec_stdin(&world, "cp", &delete, GATEWAY_CRDS).success().stdout_is(
        "customresourcedefinition.apiextensions.k8s.io \"gatewayclasses.gateway.networking.k8s.io\" deleted\n\
         customresourcedefinition.apiextensions.k8s.io \"gateways.gateway.networking.k8s.io\" deleted\n",
    );
    kubectl(&world, "cp", &["get", "gateways"])
        .code_is(1)
        .stderr_has("the server doesn't have a resource type \"gateways\"");
    exec_stdin(&world, "cp", &delete, &deployment("default", "web")).success().stdout_is("");
    exec_stdin(&world, "cp", &["kubectl", ADMIN, "delete", "-f", "-"], &deployment("default", "web"))
        .code_is(1)
        .stderr_has("Error from server (NotFound): error when deleting \"STDIN\": deployments.apps \"web\" not found");
    apply(&world, &deployment("default", "web"), &[]).success();
    kubectl(&world, "cp", &["delete", "deploy", "web"])
        .success()
        .stdout_is("deployment.apps \"web\" deleted from default namespace\n");
    kubectl(&world, "cp", &["delete", "svc", "web", "--ignore-not-found"]).success().stdout_is("");
    kubectl(&world, "cp", &["delete", "svc", "web"])
        .code_is(1)
        .stderr_has("Error from server (NotFound): services \"web\" not found");
}

/// kina's real kina-lb script, assembled as `load_balancer::script()` does.
fn kina_lb_script() -> String {
    include_str!("../../src/addons/load_balancer/kina-lb.sh")
        .replace("@QUERY@", include_str!("../../src/addons/load_balancer/query.jsonpath").trim_end())
        .replace("@ASSIGN@", include_str!("../../src/addons/load_balancer/assign.awk").trim_end())
}

fn install_kina_lb(world: &World) {
    exec_stdin(world, "cp", &["cp", "/dev/stdin", "/usr/local/bin/kina-lb"], &kina_lb_script()).success();
    exec(world, "cp", &["chmod", "0755", "/usr/local/bin/kina-lb"]).success();
    let unit = include_str!("../../src/addons/load_balancer/kina-lb.service");
    exec_stdin(world, "cp", &["cp", "/dev/stdin", "/etc/systemd/system/kina-lb.service"], unit).success();
    exec(world, "cp", &["systemctl", "daemon-reload"]).success();
    exec(world, "cp", &["systemctl", "enable", "--now", "kina-lb.service"]).success().stderr_has(
        "Created symlink '/etc/systemd/system/multi-user.target.wants/kina-lb.service' → '/etc/systemd/system/kina-lb.service'.",
    );
}

fn lb_ip(world: &World, ns: &str, name: &str) -> String {
    kubectl(world, "cp", &["get", "service", name, "-n", ns, "-o=jsonpath={.status.loadBalancer.ingress[0].ip}"])
        .success()
        .stdout()
}

#[test]
fn systemd_units_kina_writes_are_tracked_across_restarts() {
    let world = World::new();
    ready_cluster(&world);
    exec(&world, "cp", &["systemctl", "enable", "--now", "kina-lb.service"])
        .code_is(1)
        .stderr_has("Failed to enable unit: Unit file kina-lb.service does not exist.");
    exec(&world, "cp", &["systemctl", "is-enabled", "kina-lb.service"])
        .code_is(1)
        .stderr_has("Failed to get unit file state for kina-lb.service: No such file or directory");
    exec(&world, "cp", &["systemctl", "stop", "kina-lb"]).code_is(5).stderr_has("Unit kina-lb.service not loaded.");
    exec(&world, "cp", &["/usr/local/bin/kina-lb", "once"]).code_is(127).stderr_has("executable file not found");
    exec(&world, "cp", &["sh", "-c", "kina-lb once"]).code_is(127).stderr_has("sh: 1: kina-lb: not found");
    install_kina_lb(&world);
    exec(&world, "cp", &["systemctl", "is-enabled", "kina-lb.service"]).success().stdout_is("enabled\n");
    exec(&world, "cp", &["systemctl", "is-active", "kina-lb"]).success().stdout_is("active\n");
    exec(&world, "cp", &["systemctl", "stop", "kina-lb.service"]).success();
    exec(&world, "cp", &["systemctl", "is-active", "kina-lb.service"]).code_is(3).stdout_is("inactive\n");
    // An enabled unit starts again with its node.
    world.container(&["stop", "cp"]).success();
    world.container(&["start", "cp"]).success();
    exec(&world, "cp", &["systemctl", "is-active", "kina-lb.service"]).success().stdout_is("active\n");
    exec(&world, "cp", &["systemctl", "disable", "--now", "kina-lb.service"])
        .success()
        .stderr_has("Removed '/etc/systemd/system/multi-user.target.wants/kina-lb.service'.");
    exec(&world, "cp", &["systemctl", "is-enabled", "kina-lb.service"]).code_is(1).stdout_is("disabled\n");
    world.container(&["stop", "cp"]).success();
    world.container(&["start", "cp"]).success();
    exec(&world, "cp", &["systemctl", "is-active", "kina-lb.service"]).code_is(3);
}

#[test]
fn kina_lb_and_envoy_gateway_give_load_balancer_addresses() {
    let world = World::new();
    let ip = ready_cluster(&world);
    let svc = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: default\nspec:\n  type: LoadBalancer\n  selector: {app: web}\n  ports:\n  - {port: 8080}\n";
    apply(&world, svc, &[]).success().stdout_is("service/web created\n");
    assert_eq!(lb_ip(&world, "default", "web"), "", "no controller yet");
    // Installed like kina does: the service's first turn assigns the node address.
    install_kina_lb(&world);
    assert_eq!(lb_ip(&world, "default", "web"), ip);
    exec(&world, "cp", &["journalctl", "-u", "kina-lb"]).success().stdout_has(&format!("default/web: {ip}"));
    // A second Service on the same port has no free node address: pending.
    apply(&world, &svc.replace("name: web", "name: web2"), &[]).success();
    assert_eq!(lb_ip(&world, "default", "web2"), "");
    exec(&world, "cp", &["/usr/local/bin/kina-lb", "once"])
        .success()
        .stdout_is("default/web2: pending (its ports are taken on every node)\n");
    kubectl(&world, "cp", &["delete", "service", "web2"]).success();

    // Envoy Gateway: the class is Accepted once its controller runs; each Gateway gets a
    // LoadBalancer Service in envoy-gateway-system and is Programmed with its address.
    // Its proxy pod needs a node that takes pods (the Service is externalTrafficPolicy: Local).
    kubectl(&world, "cp", &["taint", "nodes", "--all", "node-role.kubernetes.io/control-plane-"]);
    apply(&world, GATEWAY_CRDS, &[]).success();
    apply(&world, GATEWAY, &[]).success();
    kubectl(&world, "cp", &["wait", "--for=condition=Accepted", "gatewayclass/eg", "--timeout=5s"])
        .code_is(1)
        .stderr_has("error: timed out waiting for the condition on gatewayclasses/eg");
    let ns = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: envoy-gateway-system\n---\n";
    apply(&world, &format!("{ns}{}", deployment("envoy-gateway-system", "envoy-gateway")), &[]).success();
    kubectl(&world, "cp", &["wait", "--for=condition=Accepted", "gatewayclass/eg", "--timeout=5s"])
        .success()
        .stdout_is("gatewayclass.gateway.networking.k8s.io/eg condition met\n");
    let proxy = kubectl(
        &world,
        "cp",
        &[
            "get",
            "svc",
            "-n",
            "envoy-gateway-system",
            "-l",
            "gateway.envoyproxy.io/owning-gateway-name=eg",
            "-o",
            "name",
        ],
    )
    .success()
    .stdout();
    // sha256("default/eg") starts with e41e7b31.
    assert_eq!(proxy, "service/envoy-default-eg-e41e7b31\n");
    // The web Service holds port 8080 on the only node; the proxy's port 80 is free there.
    assert_eq!(lb_ip(&world, "envoy-gateway-system", "envoy-default-eg-e41e7b31"), ip);
    kubectl(&world, "cp", &["wait", "--for=condition=Programmed", "gateway/eg", "-n", "default", "--timeout=5s"])
        .success()
        .stdout_is("gateway.gateway.networking.k8s.io/eg condition met\n");
    kubectl(&world, "cp", &["get", "gateway", "eg", "-o=jsonpath={.status.addresses[0].value}"])
        .success()
        .stdout_is(&ip);
    // clear takes back every address; the loop then gives them again on the next change.
    let cleared = exec(&world, "cp", &["/usr/local/bin/kina-lb", "clear"]).success().stdout();
    assert!(
        cleared.contains("default/web: cleared") && cleared.contains("envoy-default-eg-e41e7b31: cleared"),
        "{cleared}"
    );
    // Deleting the Gateway deletes its proxy Service.
    kubectl(&world, "cp", &["delete", "gateway", "eg"]).success();
    kubectl(&world, "cp", &["get", "svc", "-n", "envoy-gateway-system", "-o", "name"]).success().stdout_is("");
    // A status patch, as kina-lb's script sends it.
    kubectl(
        &world,
        "cp",
        &[
            "patch",
            "service",
            "web",
            "--namespace=default",
            "--subresource=status",
            "--type=merge",
            "-p",
            r#"{"status":{"loadBalancer":{"ingress":[{"ip":"10.1.2.3"}]}}}"#,
        ],
    )
    .success()
    .stdout_is("service/web patched\n");
}

#[test]
fn kernel_features_tokens_and_metrics() {
    let mut world = World::new();
    ready_cluster(&world);
    let vxlan = ["ip", "link", "add", "kina-probe", "type", "vxlan", "id", "42", "dstport", "4789", "dev", "eth0"];
    // The default is today's recommended kernel: VXLAN, br_netfilter, BPF, IP sets and IPVS, no dummy links.
    exec(&world, "cp", &["ip", "link", "add", "d0", "type", "dummy"])
        .code_is(2)
        .stderr_has("Error: Unknown device type.");
    exec(&world, "cp", &["test", "-e", "/proc/net/ip_vs"]).success();
    // A host still on an old kernel.
    world.env("KINA_FAKE_KERNEL_FEATURES", "none");
    exec(&world, "cp", &vxlan).code_is(2).stderr_has("Error: Unknown device type.");
    exec(&world, "cp", &["test", "-d", "/proc/sys/net/bridge"]).code_is(1);
    exec(&world, "cp", &["test", "-d", "/sys/fs/bpf"]).code_is(1);
    exec(&world, "cp", &["test", "-e", "/proc/net/ip_vs"]).code_is(1);
    world.env("KINA_FAKE_KERNEL_FEATURES", "vxlan,br_netfilter,bpf,ip_set,dummy");
    exec(&world, "cp", &["ip", "link", "add", "d0", "type", "dummy"]).success();
    exec(&world, "cp", &vxlan).success();
    exec(&world, "cp", &vxlan).code_is(2).stderr_has("RTNETLINK answers: File exists");
    exec(&world, "cp", &["ip", "link", "del", "kina-probe"]).success();
    exec(&world, "cp", &["ip", "link", "del", "kina-probe"]).code_is(1).stderr_has("Cannot find device \"kina-probe\"");
    exec(&world, "cp", &["test", "-d", "/proc/sys/net/bridge"]).success();
    exec(&world, "cp", &["test", "-d", "/sys/fs/bpf"]).success();
    exec(&world, "cp", &["ip", "route"]).success().stdout_has("default via");

    let token =
        kubectl(&world, "cp", &["create", "token", "default", "-n", "kube-system", "--duration=1h"]).success().stdout();
    assert_eq!(token.trim().split('.').count(), 3, "{token}");
    kubectl(&world, "cp", &["create", "token", "headlamp", "-n", "kube-system"])
        .code_is(1)
        .stderr_has("error: failed to create token: serviceaccounts \"headlamp\" not found");
    let sa = "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: headlamp\n  namespace: kube-system\n";
    apply(&world, sa, &[]).success();
    kubectl(&world, "cp", &["create", "token", "headlamp", "-n", "kube-system"]).success().stdout_has("eyJ");

    kubectl(&world, "cp", &["top", "nodes"]).code_is(1).stderr_has("error: Metrics API not available");
    let metrics = "apiVersion: v1\nkind: Service\nmetadata:\n  name: metrics-server\n  namespace: kube-system\nspec:\n  selector: {app: metrics-server}\n  ports:\n  - {name: https, port: 443}\n---\napiVersion: apiregistration.k8s.io/v1\nkind: APIService\nmetadata:\n  name: v1beta1.metrics.k8s.io\nspec:\n  group: metrics.k8s.io\n  version: v1beta1\n  service: {name: metrics-server, namespace: kube-system}\n";
    apply(&world, &format!("{metrics}---\n{}", deployment("kube-system", "metrics-server")), &[]).success();
    kubectl(&world, "cp", &["wait", "--for=condition=Available", "apiservice/v1beta1.metrics.k8s.io"])
        .success()
        .stdout_is("apiservice.apiregistration.k8s.io/v1beta1.metrics.k8s.io condition met\n");
    kubectl(&world, "cp", &["top", "nodes"]).success().stdout_has("CPU(cores)").stdout_has("cp ");
    world.env("KINA_FAKE_UNAVAILABLE", "kube-system/metrics-server");
    kubectl(&world, "cp", &["wait", "--for=condition=Available", "apiservice/v1beta1.metrics.k8s.io"])
        .code_is(1)
        .stderr_has("timed out waiting for the condition on apiservices/v1beta1.metrics.k8s.io");
    kubectl(&world, "cp", &["top", "nodes"]).code_is(1).stderr_has("error: Metrics API not available");
}

#[test]
fn nodes_are_objects_for_jsonpath() {
    let world = World::new();
    let ip = ready_cluster(&world);
    let path = r#"jsonpath={range .items[*]}{.metadata.name}{"\t"}{.status.addresses[?(@.type=="InternalIP")].address}{"\t"}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}"#;
    kubectl(&world, "cp", &["get", "nodes", "-o", path]).success().stdout_is(&format!("cp\t{ip}\tTrue\n"));
    let node = json(&kubectl(&world, "cp", &["get", "node", "cp", "-o", "json"]));
    assert_eq!(node["kind"], "Node");
    assert_eq!(node["metadata"]["labels"]["kubernetes.io/hostname"], "cp");
    kubectl(&world, "cp", &["get", "nodes"]).success().stdout_has("cp     Ready    control-plane");
    kubectl(&world, "cp", &["get", "nodes", "-o", "name"]).success().stdout_is("node/cp\n");
}

#[test]
fn a_node_without_every_capability_never_gets_a_containerd_socket() {
    let world = World::new();
    let socket = ["test", "-S", "/run/containerd/containerd.sock"];
    let run = |name: &str, caps: &[&str]| {
        let mut argv = vec!["run", "-d", "--name", name];
        argv.extend_from_slice(caps);
        argv.extend(["--progress", "none", NODE_IMAGE]);
        world.container(&argv).success();
    };
    run("plain", &[]);
    run("some-caps", &["--cap-add", "SYS_ADMIN", "--cap-add", "NET_ADMIN"]);
    run("privileged", &["--cap-add", "ALL"]);
    for _ in 0..3 {
        for name in ["plain", "some-caps"] {
            let mut argv = vec!["exec", name];
            argv.extend_from_slice(&socket);
            world.container(&argv).code_is(1);
        }
    }
    let mut argv = vec!["exec", "privileged"];
    argv.extend_from_slice(&socket);
    world.container(&argv).success();
}

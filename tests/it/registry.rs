//! kina's local registry against a real one: the fake runs Debian's `docker-registry`
//! (the distribution registry) for the registry VM, `container image push` really
//! pushes with `skopeo`, and a node's `crictl pull localhost:<port>/…` fetches the
//! manifest through the `hosts.toml` endpoint kina wrote (tests/fake/registry.rs,
//! tests/fake/node/registry_pull.rs). `scripts/test` installs both programs.

use crate::snapshots::{settings, shown};
use crate::support::{Run, World};

/// A world whose registry processes are stopped when the test ends, pass or fail.
struct RegistryWorld {
    world: World,
}

impl Drop for RegistryWorld {
    fn drop(&mut self) {
        let dir = self.world.path("state").join("registries");
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            if entry.path().extension().is_some_and(|e| e == "pids") {
                for pid in std::fs::read_to_string(entry.path()).unwrap_or_default().lines() {
                    let _ = std::process::Command::new("kill").arg(pid.trim()).status();
                }
            }
        }
    }
}

impl std::ops::Deref for RegistryWorld {
    type Target = World;
    fn deref(&self) -> &World {
        &self.world
    }
}

fn registry_world() -> RegistryWorld {
    for program in ["docker-registry", "skopeo"] {
        let found = std::process::Command::new("sh")
            .args(["-c", &format!("command -v {program}")])
            .output()
            .is_ok_and(|o| o.status.success());
        assert!(found, "{program} is missing: scripts/test installs it (apt-get install docker-registry skopeo)");
    }
    RegistryWorld { world: World::new() }
}

/// A port nothing listens on now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn node_file(world: &World, path: &str) -> Run {
    world.container(&["exec", "kina-control-plane", "cat", path])
}

fn registry_ip(world: &World) -> String {
    let listed: serde_json::Value =
        serde_json::from_str(&world.kina(&["get", "registries", "-o", "json"]).stdout()).unwrap();
    listed[0]["ip"].as_str().expect("a running registry has an address").to_string()
}

/// The registry VM's address on `network`, as `container inspect` reports it.
fn registry_ip_on(world: &World, network: &str) -> String {
    let inspected: serde_json::Value =
        serde_json::from_str(&world.container(&["inspect", "kina-registry"]).success().stdout()).unwrap();
    let attached = inspected[0]["status"]["networks"].as_array().cloned().unwrap_or_default();
    let on =
        attached.iter().find(|a| a["network"] == network).unwrap_or_else(|| panic!("not on {network}: {inspected}"));
    on["ipv4Address"].as_str().unwrap().split('/').next().unwrap().to_string()
}

/// The networks the registry VM is configured on.
fn registry_networks(world: &World) -> Vec<String> {
    let inspected: serde_json::Value =
        serde_json::from_str(&world.container(&["inspect", "kina-registry"]).success().stdout()).unwrap();
    let configured = inspected[0]["configuration"]["networks"].as_array().cloned().unwrap_or_default();
    configured.iter().filter_map(|n| n["network"].as_str().map(str::to_string)).collect()
}

/// What a real client sees in the registry on the Mac side.
fn skopeo_inspect(port: u16, image: &str) -> std::process::Output {
    std::process::Command::new("skopeo")
        .args(["inspect", "--tls-verify=false", "--raw", &format!("docker://127.0.0.1:{port}/{image}")])
        .output()
        .unwrap()
}

/// `kina doctor`'s registry check: (status, message).
fn doctor_registry(world: &World) -> (String, String) {
    let run = world.kina(&["doctor", "-o", "json"]);
    let checks: serde_json::Value = serde_json::from_str(&run.stdout()).expect("doctor -o json");
    let check = checks.as_array().unwrap().iter().find(|c| c["check"] == "registry").expect("a registry check");
    (check["status"].as_str().unwrap().to_string(), check["message"].as_str().unwrap().to_string())
}

fn kubectl(world: &World, args: &[&str]) -> Run {
    world.kubectl("kina-control-plane", args)
}

fn apply(world: &World, manifest: &str) {
    let argv =
        ["exec", "-i", "kina-control-plane", "kubectl", "--kubeconfig=/etc/kubernetes/admin.conf", "apply", "-f", "-"];
    world.container_stdin(&argv, manifest).success();
}

fn deployment(name: &str, image: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  replicas: 1\n  selector:\n    matchLabels: {{app: {name}}}\n  template:\n    metadata:\n      labels: {{app: {name}}}\n    spec:\n      containers:\n      - name: {name}\n        image: {image}\n"
    )
}

fn kina_config(port: u16) -> String {
    format!("kind: Cluster\napiVersion: kina.dev/v1alpha1\nregistry:\n  port: {port}\n")
}

#[test]
fn build_push_pull_survives_stop_and_start_and_delete_removes_it() {
    let world = registry_world();
    let port = free_port();
    let config = world.path("kina.yaml");
    std::fs::write(&config, kina_config(port)).unwrap();
    world
        .kina(&["create", "cluster", "--registry", "--config", config.to_str().unwrap()])
        .success()
        .stderr_has(&format!("Creating registry \"kina-registry\" on localhost:{port}"))
        .stderr_has(&format!("container image push --scheme http localhost:{port}/<image>:<tag>"))
        .stderr_has(" ✓ Connecting registry \"kina-registry\"");
    // The cluster has its network and fixed addresses like any other, and the registry
    // VM joins that network (keeping the default one, for clusters on it).
    let node: serde_json::Value =
        serde_json::from_str(&world.container(&["inspect", "kina-control-plane"]).stdout()).unwrap();
    assert_eq!(node[0]["configuration"]["labels"]["io.kina.address"], "192.168.100.254");
    assert_eq!(registry_networks(&world), ["default", "kina-kina"]);

    // Every node reads certs.d, and localhost:<port> goes to the registry VM.
    let containerd = node_file(&world, "/etc/containerd/config.toml");
    assert!(
        containerd.success().stdout().contains("config_path = \"/etc/containerd/certs.d\""),
        "{}",
        containerd.stdout()
    );
    let hosts = format!("/etc/containerd/certs.d/localhost:{port}/hosts.toml");
    let on_cluster_network = registry_ip_on(&world, "kina-kina");
    assert!(on_cluster_network.starts_with("192.168.100."), "{on_cluster_network}");
    node_file(&world, &hosts).success().stdout_has(&format!("[host.\"http://{on_cluster_network}:5000\"]"));
    let hosting = world.kubectl(
        "kina-control-plane",
        &[
            "get",
            "configmap",
            "-n",
            "kube-public",
            "local-registry-hosting",
            "-o",
            "jsonpath={.data.localRegistryHosting\\.v1}",
        ],
    );
    hosting.success().stdout_has(&format!("host: \"localhost:{port}\""));

    // The Mac side: build, then push. Without --scheme http the push speaks HTTPS and fails.
    world.container(&["image", "pull", "--progress", "none", "alpine:3.22"]).success();
    let image = format!("localhost:{port}/app:dev");
    world.container(&["image", "tag", "alpine:3.22", &image]).success();
    world.container(&["image", "push", &image]).failure().stderr_has("server gave HTTP response to HTTPS client");
    world.container(&["image", "push", "--scheme", "http", &image]).success();
    assert!(skopeo_inspect(port, "app:dev").status.success(), "the push landed in the real registry");

    // The node pulls it by localhost:<port>, through hosts.toml.
    let pull = world.container(&["exec", "kina-control-plane", "crictl", "pull", &image]);
    pull.success().stdout_has("Image is up to date for sha256:");
    world
        .container(&["exec", "kina-control-plane", "crictl", "images"])
        .success()
        .stdout_has(&format!("localhost:{port}/app"));
    world
        .container(&["exec", "kina-control-plane", "crictl", "pull", &format!("localhost:{port}/app:missing")])
        .failure()
        .stderr_has("not found");

    // A workload by localhost:<port> runs; one whose image was never pushed does not.
    apply(&world, &deployment("app", &image));
    kubectl(&world, &["rollout", "status", "deployment/app", "--timeout=10s"]).success();
    let missing = format!("localhost:{port}/app:missing");
    apply(
        &world,
        &format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: broken\nspec:\n  containers:\n  - name: app\n    image: {missing}\n"
        ),
    );
    let reason = kubectl(
        &world,
        &["get", "pod", "broken", "-o", "jsonpath={.status.containerStatuses[0].state.waiting.reason}"],
    );
    reason.success().stdout_is("ErrImagePull");

    let (status, message) = doctor_registry(&world);
    assert_eq!(status, "ok", "{message}");

    // The registry VM restarted on its own: a new address, which doctor notices.
    world.container(&["stop", "kina-registry"]).success();
    let (status, message) = doctor_registry(&world);
    assert_eq!((status.as_str(), message.contains("is stopped")), ("warn", true), "{message}");
    world.container(&["start", "kina-registry"]).success();
    let (status, message) = doctor_registry(&world);
    assert_eq!(
        (status.as_str(), message.contains("still pull from an address it no longer has")),
        ("fail", true),
        "{message}"
    );
    // A new image now pulls from the old address, and fails.
    let v2 = format!("localhost:{port}/app:v2");
    world.container(&["image", "tag", "alpine:3.22", &v2]).success();
    world.container(&["image", "push", "--scheme", "http", &v2]).success();
    apply(&world, &deployment("app", &v2));
    kubectl(&world, &["rollout", "status", "deployment/app", "--timeout=2s"]).failure();

    // Stop everything (a reboot): the registry VM comes back with a new address and
    // `kina start` points the nodes at it.
    world.kina(&["stop", "cluster"]).success();
    world.container(&["stop", "kina-registry"]).success();
    let before = node_file(&world, &hosts).stdout();
    let started = world.kina(&["start", "cluster"]);
    started.success().stderr_has("Starting registry \"kina-registry\" for cluster \"kina\"");
    // Fixed node addresses: nothing of the cluster itself is healed, only the endpoint.
    assert!(!started.stderr().contains("Healing"), "{}", started.stderr());
    let after = node_file(&world, &hosts);
    assert_ne!(after.stdout(), before, "the endpoint was healed");
    after.stdout_has(&format!("[host.\"http://{}:5000\"]", registry_ip_on(&world, "kina-kina")));
    world.container(&["exec", "kina-control-plane", "crictl", "pull", &image]).success();
    assert_eq!(doctor_registry(&world).0, "ok");
    apply(&world, &deployment("app", &v2));
    kubectl(&world, &["rollout", "status", "deployment/app", "--timeout=10s"]).success();

    // export logs has the registry's own log.
    let logs = world.path("logs");
    world.kina(&["export", "logs", logs.to_str().unwrap()]).success();
    let log = std::fs::read_to_string(logs.join("registries/kina-registry/registry.log")).unwrap();
    assert!(log.contains("/v2/app/manifests/dev"), "{log}");

    // Images outlive the cluster, which takes its network along: the registry is made
    // again without it first (the runtime refuses to delete a network a VM names).
    world
        .kina(&["delete", "cluster"])
        .success()
        .stderr_has("Recreating registry \"kina-registry\" without network \"kina-kina\"")
        .stderr_has("Deleted network: \"kina-kina\"");
    assert_eq!(registry_networks(&world), ["default"]);
    assert!(!world.container(&["network", "list", "-q"]).stdout().contains("kina-kina"));
    assert!(skopeo_inspect(port, "app:dev").status.success());
    world.kina(&["delete", "registry"]).success().stderr_has("Deleted registry \"kina-registry\" and its images");
    assert!(!world.container_names().contains(&"kina-registry".to_string()));
    world.container(&["volume", "list", "-q"]).success().stdout_is("");
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err(), "nothing listens on the port any more");
    world.kina(&["delete", "registry"]).success().stderr_has("No registry named \"kina-registry\".");
}

/// Pushes `alpine:3.22` as `localhost:<port>/<name>` from the Mac side.
fn push(world: &World, port: u16, name: &str) -> String {
    let image = format!("localhost:{port}/{name}");
    world.container(&["image", "pull", "--progress", "none", "alpine:3.22"]).success();
    world.container(&["image", "tag", "alpine:3.22", &image]).success();
    world.container(&["image", "push", "--scheme", "http", &image]).success();
    image
}

fn crictl_pull(world: &World, node: &str, image: &str) -> Run {
    world.container(&["exec", node, "crictl", "pull", image])
}

#[test]
fn a_second_cluster_reuses_the_registry_each_on_its_own_network() {
    let world = registry_world();
    let port = free_port();
    world.kina(&["create", "registry", "--port", &port.to_string()]).success();
    assert_eq!(registry_networks(&world), ["default"]);
    world
        .kina(&["create", "cluster", "--registry"])
        .success()
        .stderr_has("Recreating registry \"kina-registry\" to join the cluster's network");
    // Stopped, the registry is made again for the next cluster, on both clusters'
    // networks: new addresses, which the first cluster's nodes follow too.
    world.container(&["stop", "kina-registry"]).success();
    world.kina(&["create", "cluster", "--name", "two", "--registry", "kina-registry"]).success();
    assert_eq!(registry_networks(&world), ["default", "kina-kina", "kina-two"]);
    let hosts = format!("/etc/containerd/certs.d/localhost:{port}/hosts.toml");
    let endpoint_on = |network: &str| format!("[host.\"http://{}:5000\"]", registry_ip_on(&world, network));
    assert_ne!(endpoint_on("kina-kina"), endpoint_on("kina-two"));
    // `get registries` shows its address on the default network.
    assert_eq!(registry_ip(&world), registry_ip_on(&world, "default"));
    world.container(&["exec", "kina-control-plane", "cat", &hosts]).success().stdout_has(&endpoint_on("kina-kina"));
    world.container(&["exec", "two-control-plane", "cat", &hosts]).success().stdout_has(&endpoint_on("kina-two"));
    // Each cluster pulls through its own network's address.
    let image = push(&world, port, "app:dev");
    crictl_pull(&world, "kina-control-plane", &image).success();
    crictl_pull(&world, "two-control-plane", &image).success();
    assert_eq!(doctor_registry(&world).0, "ok");
    // One VM for both clusters.
    let registries = world.kina(&["get", "registries"]);
    registries.success();
    assert_eq!(registries.stdout().lines().count(), 2, "{}", registries.stdout());
    // Deleted while clusters use it, then made again on its port: it joins their
    // networks and they follow it.
    world.kina(&["delete", "registry"]).success().stderr_has("clusters [\"kina\" \"two\"] still send localhost:");
    world.kina(&["create", "registry", "--port", &port.to_string()]).success();
    assert_eq!(registry_networks(&world), ["default", "kina-kina", "kina-two"]);
    world.container(&["exec", "kina-control-plane", "cat", &hosts]).success().stdout_has(&endpoint_on("kina-kina"));
    world.container(&["exec", "two-control-plane", "cat", &hosts]).success().stdout_has(&endpoint_on("kina-two"));
    let image = push(&world, port, "app:v2");
    crictl_pull(&world, "two-control-plane", &image).success();

    // Deleting one cluster removes its network; the registry keeps serving the other.
    world
        .kina(&["delete", "cluster", "--name", "two"])
        .success()
        .stderr_has("Recreating registry \"kina-registry\" without network \"kina-two\"")
        .stderr_has("Deleted network: \"kina-two\"");
    assert!(!world.container(&["network", "list", "-q"]).stdout().contains("kina-two"));
    assert_eq!(registry_networks(&world), ["default", "kina-kina"]);
    world.container(&["exec", "kina-control-plane", "cat", &hosts]).success().stdout_has(&endpoint_on("kina-kina"));
    crictl_pull(&world, "kina-control-plane", &push(&world, port, "app:v3")).success();
    assert!(skopeo_inspect(port, "app:v2").status.success(), "the images stay");

    // A different port for the same registry is refused before anything is made.
    let other = world.kina_stdin(
        &["create", "cluster", "--name", "three", "--registry", "--config", "-"],
        &kina_config(port.wrapping_add(1).max(1)),
    );
    other.failure().stderr_has(&format!("registry \"kina-registry\" is on port {port}"));
    assert!(!world.container_names().iter().any(|n| n.starts_with("three")));

    // Deleted while a cluster uses it, then made again by the next cluster's create:
    // it joins every cluster's network, so the first cluster follows it too.
    world.kina(&["delete", "registry"]).success();
    world
        .kina_stdin(&["create", "cluster", "--name", "three", "--registry", "--config", "-"], &kina_config(port))
        .success();
    assert_eq!(registry_networks(&world), ["default", "kina-kina", "kina-three"]);
    world.container(&["exec", "kina-control-plane", "cat", &hosts]).success().stdout_has(&endpoint_on("kina-kina"));
    crictl_pull(&world, "kina-control-plane", &push(&world, port, "app:v4")).success();
    crictl_pull(&world, "three-control-plane", &push(&world, port, "app:v4")).success();
}

/// A recreate that fails runs the registry again as it was; one that cannot says how
/// to make it again, and that makes it again with its images.
#[test]
fn a_failed_recreate_leaves_the_registry_as_it_was_or_says_how_to_get_it_back() {
    let mut world = registry_world();
    let port = free_port();
    world.kina(&["create", "registry", "--port", &port.to_string()]).success();
    world.kina(&["create", "cluster", "--registry"]).success();
    let image = push(&world, port, "app:dev");

    // Only the run that adds the new cluster's network fails (it is the last one).
    world.world.env("KINA_FAKE_FAIL", "--network kina-two --progress");
    world
        .kina(&["create", "cluster", "--name", "two", "--registry"])
        .failure()
        .stderr_has("could not run registry \"kina-registry\" again on other networks")
        .stderr_has("it runs as it did before")
        .stderr_has("hint: fix what the runtime says above");
    assert_eq!(registry_networks(&world), ["default", "kina-kina"]);
    assert!(!world.container_names().iter().any(|n| n.starts_with("two")));
    assert!(!world.container(&["network", "list", "-q"]).stdout().contains("kina-two"));
    crictl_pull(&world, "kina-control-plane", &image).success();

    // Every run of the registry fails: it is gone, its volume is not, and the hint's
    // command brings it back with its images.
    world.world.env("KINA_FAKE_FAIL", "kina-registry-data:/var/lib/registry");
    let lost = world.kina(&["create", "cluster", "--name", "two", "--registry"]);
    lost.failure()
        .stderr_has(
            "registry \"kina-registry\" was removed to be run again on other networks and could not be run again",
        )
        .stderr_has("its images are on volume kina-registry-data");
    let hint = format!("hint: `kina create registry --name kina-registry --port {port}`");
    lost.stderr_has(&hint);
    assert!(!world.container_names().contains(&"kina-registry".to_string()));
    world.world.remove_env("KINA_FAKE_FAIL");
    world.kina(&["create", "registry", "--name", "kina-registry", "--port", &port.to_string()]).success();
    assert_eq!(registry_networks(&world), ["default", "kina-kina"]);
    assert!(skopeo_inspect(port, "app:dev").status.success(), "the images stay");
    crictl_pull(&world, "kina-control-plane", &image).success();
}

#[test]
fn a_node_on_a_network_the_registry_is_not_on_cannot_pull_from_it() {
    // The fake is as strict as the VM network: a registry VM is reached only on a
    // network it shares with the node, whatever hosts.toml says.
    let world = registry_world();
    let port = free_port();
    world.kina_stdin(&["create", "cluster", "--registry", "--config", "-"], &kina_config(port)).success();
    // A cluster of its own network whose containerd reads certs.d, as kind's recipe patches it.
    let reads_certs_d = "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\ncontainerdConfigPatches:\n- |-\n  \
                         [plugins.\"io.containerd.grpc.v1.cri\".registry]\n    config_path = \"/etc/containerd/certs.d\"\n";
    world.kina_stdin(&["create", "cluster", "--name", "other", "--config", "-"], reads_certs_d).success();
    let image = push(&world, port, "app:dev");
    crictl_pull(&world, "kina-control-plane", &image).success();
    // Node of `other` (on kina-other only) told to use the registry's kina-kina address.
    let dir = format!("/etc/containerd/certs.d/localhost:{port}");
    world.container(&["exec", "other-control-plane", "mkdir", "-p", &dir]).success();
    let endpoint = format!("{}:5000", registry_ip_on(&world, "kina-kina"));
    let hosts = format!("[host.\"http://{endpoint}\"]\n  capabilities = [\"pull\", \"resolve\"]\n");
    world
        .container_stdin(
            &["exec", "-i", "other-control-plane", "cp", "/dev/stdin", &format!("{dir}/hosts.toml")],
            &hosts,
        )
        .success();
    crictl_pull(&world, "other-control-plane", &image)
        .failure()
        .stderr_has(&format!("dial tcp {endpoint}: connect: no route to host"));
    // doctor says why, and that a stop and start of that cluster has the registry join it.
    let (status, message) = doctor_registry(&world);
    assert_eq!(
        (status.as_str(), message.as_str()),
        (
            "fail",
            "registry \"kina-registry\" is not on network \"kina-other\" of cluster \"other\", so its nodes cannot reach it"
        )
    );
    // The same file on a node of the registry's network pulls.
    world
        .container_stdin(
            &["exec", "-i", "kina-control-plane", "cp", "/dev/stdin", &format!("{dir}/hosts.toml")],
            &hosts,
        )
        .success();
    crictl_pull(&world, "kina-control-plane", &image).success();
    // What doctor's hint says: stop and start `other`, and the registry joins its network.
    world.kina(&["stop", "cluster", "--name", "other"]).success();
    world
        .kina(&["start", "cluster", "--name", "other"])
        .success()
        .stderr_has("Recreating registry \"kina-registry\" to join the network of cluster \"other\"");
    assert_eq!(registry_networks(&world), ["default", "kina-kina", "kina-other"]);
    let on_other = format!("[host.\"http://{}:5000\"]", registry_ip_on(&world, "kina-other"));
    world
        .container(&["exec", "other-control-plane", "cat", &format!("{dir}/hosts.toml")])
        .success()
        .stdout_has(&on_other);
    // The registry's images stay, and the cluster it left running follows its new address.
    crictl_pull(&world, "other-control-plane", &image).success();
    let on_kina = format!("[host.\"http://{}:5000\"]", registry_ip_on(&world, "kina-kina"));
    world
        .container(&["exec", "kina-control-plane", "cat", &format!("{dir}/hosts.toml")])
        .success()
        .stdout_has(&on_kina);
    crictl_pull(&world, "kina-control-plane", &push(&world, port, "app:v2")).success();
    assert_eq!(doctor_registry(&world).0, "ok");
}

/// A registry is on the networks of the clusters that use it, no others: deleting
/// another cluster leaves it as it is, and a cluster that was stopped while the registry
/// was made again joins it at its start.
#[test]
fn a_registry_joins_only_the_networks_of_clusters_that_use_it() {
    let mut world = registry_world();
    let port = free_port();
    world.kina(&["create", "cluster", "--name", "plain"]).success();
    world.kina(&["create", "registry", "--port", &port.to_string()]).success();
    assert_eq!(registry_networks(&world), ["default"]);
    let deleted = world.kina(&["delete", "cluster", "--name", "plain"]);
    deleted.success().stderr_has("Deleted network: \"kina-plain\"");
    assert!(!deleted.stderr().contains("Recreating registry"), "{}", deleted.stderr());

    world.kina(&["create", "cluster", "--registry"]).success();
    assert_eq!(registry_networks(&world), ["default", "kina-kina"]);
    world.kina(&["stop", "cluster"]).success();
    world.kina(&["delete", "registry"]).success();
    world.kina(&["create", "registry", "--port", &port.to_string()]).success();
    assert_eq!(registry_networks(&world), ["default"], "a stopped cluster is not asked");
    let image = push(&world, port, "app:dev");
    // A start interrupted while it recreates the registry on the cluster's network runs
    // the registry again as it was.
    world.world.env("KINA_FAKE_HANG", "--network kina-kina");
    let mut start = world.kina_command(&["start", "cluster"]);
    let interrupted = start.stdout(std::process::Stdio::null()).stderr(std::process::Stdio::piped()).spawn().unwrap();
    world.wait_for_hang("--network kina-kina");
    world.world.remove_env("KINA_FAKE_HANG");
    assert!(
        std::process::Command::new("kill").args(["-INT", &interrupted.id().to_string()]).status().unwrap().success()
    );
    let interrupted = interrupted.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&interrupted.stderr);
    assert_eq!(interrupted.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("Running registry \"kina-registry\" again as it was"), "{stderr}");
    assert_eq!(registry_networks(&world), ["default"]);
    assert!(skopeo_inspect(port, "app:dev").status.success(), "the images stay");
    world
        .kina(&["start", "cluster"])
        .success()
        .stderr_has("Recreating registry \"kina-registry\" to join the network of cluster \"kina\"");
    assert_eq!(registry_networks(&world), ["default", "kina-kina"]);
    let hosts = format!("/etc/containerd/certs.d/localhost:{port}/hosts.toml");
    let endpoint = format!("[host.\"http://{}:5000\"]", registry_ip_on(&world, "kina-kina"));
    world.container(&["exec", "kina-control-plane", "cat", &hosts]).success().stdout_has(&endpoint);
    crictl_pull(&world, "kina-control-plane", &image).success();
    assert_eq!(doctor_registry(&world).0, "ok");
}

/// Two creates that change the registry at once take turns: the second waits while the
/// first recreates it, and neither loses the other's network.
#[test]
fn creates_that_change_the_registry_take_turns() {
    let mut world = registry_world();
    let port = free_port();
    world
        .kina_stdin(&["create", "cluster", "--name", "one", "--registry", "--config", "-"], &kina_config(port))
        .success();
    let image = push(&world, port, "app:dev");

    // The first holds the registry lock while it recreates the registry for its network.
    world.world.env("KINA_FAKE_HANG", "--network kina-two --progress");
    let mut first = world.kina_command(&["create", "cluster", "--name", "two", "--registry"]);
    let first = first.stdout(std::process::Stdio::null()).stderr(std::process::Stdio::piped()).spawn().unwrap();
    world.wait_for_hang("--network kina-two --progress");
    world.world.remove_env("KINA_FAKE_HANG");

    let waiting = world.path("second.stderr");
    let second = world
        .kina_command(&["create", "cluster", "--name", "three", "--registry"])
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&waiting).unwrap())
        .spawn()
        .unwrap();
    crate::support::wait_until("the second create to wait for the registry", || {
        std::fs::read_to_string(&waiting)
            .unwrap_or_default()
            .contains("Waiting for another kina command that is changing a registry")
    });

    // Interrupted, the first puts the registry back as it was (or the second makes it
    // again, whichever gets the lock first); the second then adds its network.
    assert!(std::process::Command::new("kill").args(["-INT", &first.id().to_string()]).status().unwrap().success());
    let first = first.wait_with_output().unwrap();
    assert_eq!(first.status.code(), Some(130), "{}", String::from_utf8_lossy(&first.stderr));
    let second = second.wait_with_output().unwrap();
    assert!(second.status.success(), "{}", std::fs::read_to_string(&waiting).unwrap());

    assert_eq!(registry_networks(&world), ["default", "kina-one", "kina-three"]);
    assert!(!world.container_names().iter().any(|n| n.starts_with("two-")));
    let hosts = format!("/etc/containerd/certs.d/localhost:{port}/hosts.toml");
    for (node, network) in [("one-control-plane", "kina-one"), ("three-control-plane", "kina-three")] {
        let endpoint = format!("[host.\"http://{}:5000\"]", registry_ip_on(&world, network));
        world.container(&["exec", node, "cat", &hosts]).success().stdout_has(&endpoint);
        crictl_pull(&world, node, &image).success();
    }
}

/// A create that made the registry and then fails leaves it to a cluster that took it
/// up meanwhile.
#[test]
fn a_failed_create_keeps_a_registry_another_cluster_took_up() {
    let mut world = registry_world();
    let port = free_port();
    world.world.env("KINA_FAKE_HANG", "kubeadm init");
    let mut first = world.kina_command(&["create", "cluster", "--registry", "--config", "-"]);
    let mut first = first
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    first.stdin.take().unwrap().write_all(kina_config(port).as_bytes()).unwrap();
    world.wait_for_hang("kubeadm init");
    world.world.remove_env("KINA_FAKE_HANG");
    world.kina(&["create", "cluster", "--name", "two", "--registry"]).success();

    assert!(std::process::Command::new("kill").args(["-INT", &first.id().to_string()]).status().unwrap().success());
    let first = first.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&first.stderr);
    assert_eq!(first.status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains("Keeping registry \"kina-registry\", which this create made: clusters [\"two\"] use it now"),
        "{stderr}"
    );
    assert_eq!(registry_networks(&world), ["default", "kina-two"]);
    crictl_pull(&world, "two-control-plane", &push(&world, port, "app:dev")).success();
}

#[test]
fn refusals_come_before_anything_is_made() {
    let world = registry_world();
    // A port a program on the Mac holds.
    let held = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = held.local_addr().unwrap().port().to_string();
    world
        .kina(&["create", "registry", "--port", &port])
        .failure()
        .stderr_has(&format!("host port 127.0.0.1:{port} is in use by "))
        .stderr_has(&format!(" (pid {}) on this Mac", std::process::id()))
        .stderr_has("hint: stop that program, or pick another --port");
    assert!(world.container_names().is_empty());

    // The runtime refuses the registry's `run`: its command, its stderr and a hint.
    let mut failing = World::new();
    failing.env("KINA_FAKE_FAIL", "io.kina.registry=kina-registry");
    failing
        .kina(&["create", "registry", "--port", &free_port().to_string()])
        .failure()
        .stderr_has("Caused by: could not run the registry VM \"kina-registry\"")
        .stderr_has("run -d --name kina-registry")
        .stderr_has("Command Output: Error: injected failure")
        .stderr_has("hint: the runtime's error is above");

    // containerd refuses `registry.mirrors` next to `config_path`.
    let mirrors = "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\ncontainerdConfigPatches:\n- |-\n  [plugins.\"io.containerd.grpc.v1.cri\".registry.mirrors.\"localhost:5000\"]\n    endpoint = [\"http://kind-registry:5000\"]\n";
    world
        .kina_stdin(&["create", "cluster", "--registry", "--config", "-"], mirrors)
        .failure()
        .stderr_has("`mirrors` cannot be set when `config_path` is provided")
        .stderr_has("hosts.toml");
    assert!(world.container_names().is_empty());
    drop(held);
}

#[test]
fn a_create_refused_or_failed_leaves_no_registry_it_made() {
    let mut world = registry_world();
    let port = free_port();
    let config = world.path("kina.yaml");
    std::fs::write(&config, kina_config(port)).unwrap();
    let config = config.to_str().unwrap().to_string();

    // A foreign VM holds the node's name: refused before the registry is made.
    world.container(&["run", "-d", "--name", "kina-control-plane", "alpine:latest"]).success();
    world
        .kina(&["create", "cluster", "--registry", "--config", &config])
        .failure()
        .stderr_has("a container named \"kina-control-plane\" already exists, and kina did not make it");
    assert_eq!(world.container_names(), ["kina-control-plane"]);
    assert!(!world.fake_calls().iter().any(|c| c.contains("io.kina.registry=")), "{:?}", world.fake_calls());
    world.container(&["delete", "--force", "kina-control-plane"]).success();

    // A port a program on the Mac holds: refused, and nothing said about a deleted registry.
    let held = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let held_port = held.local_addr().unwrap().port();
    let refused = world.kina_stdin(&["create", "cluster", "--registry", "--config", "-"], &kina_config(held_port));
    refused.failure().stderr_has(&format!("host port 127.0.0.1:{held_port} is in use by "));
    assert!(!refused.stderr().contains("Deleted registry"), "{}", refused.stderr());
    assert!(world.container_names().is_empty());
    drop(held);

    // The cluster's own extraPortMappings would take the registry's port.
    let clashing = format!(
        "{}nodes:\n- role: control-plane\n  extraPortMappings:\n  - containerPort: 80\n    hostPort: {port}\n",
        kina_config(port)
    );
    world
        .kina_stdin(&["create", "cluster", "--registry", "--config", "-"], &clashing)
        .failure()
        .stderr_has(&format!(
            "node \"kina-control-plane\" would publish host port {port}/tcp, which registry \"kina-registry\" publishes on this Mac"
        ))
        .stderr_has("hint: choose another hostPort");
    assert!(world.container_names().is_empty());

    // kubeadm fails after the registry was made: the create removes it and its new volume.
    world.world.env("KINA_FAKE_FAIL", "kubeadm init");
    world
        .kina(&["create", "cluster", "--registry", "--config", &config])
        .failure()
        .stderr_has("Deleted registry \"kina-registry\" (this create made it)");
    assert!(world.container_names().is_empty(), "{:?}", world.container_names());
    world.container(&["volume", "list", "-q"]).success().stdout_is("");
    world.container(&["network", "list", "-q"]).success().stdout_is("default\n");

    // A registry that was there before stays, with its images, and leaves the failed
    // cluster's network so that network can go.
    world.world.remove_env("KINA_FAKE_FAIL");
    world.kina(&["create", "registry", "--port", &port.to_string()]).success();
    world.world.env("KINA_FAKE_FAIL", "kubeadm init");
    world
        .kina(&["create", "cluster", "--registry", "--config", &config])
        .failure()
        .stderr_has("Recreating registry \"kina-registry\" without network \"kina-kina\"");
    assert_eq!(world.container_names(), ["kina-registry"]);
    assert_eq!(registry_networks(&world), ["default"]);
    world.container(&["network", "list", "-q"]).success().stdout_is("default\n");
    world.world.remove_env("KINA_FAKE_FAIL");
    world.kina(&["get", "registries", "-o", "json"]).success().stdout_has("\"state\": \"running\"");
}

#[test]
fn on_macos_15_the_registry_runs_inside_the_node_and_keeps_its_images() {
    let mut world = registry_world();
    world.world.env("KINA_FAKE_MACOS", "15");
    world.kina(&["create", "registry"]).failure().stderr_has("on macOS 15 a registry runs inside a cluster's node");
    assert!(world.container_names().is_empty());

    let port = free_port();
    let config = world.path("kina.yaml");
    std::fs::write(&config, kina_config(port)).unwrap();
    let config = config.to_str().unwrap().to_string();
    world
        .kina(&["create", "cluster", "--registry", "--config", &config])
        .success()
        .stderr_has(&format!(" ✓ Starting registry \"kina-registry\" in the node (localhost:{port})"));
    let hosts = format!("/etc/containerd/certs.d/localhost:{port}/hosts.toml");
    node_file(&world, &hosts).success().stdout_has(&format!("[host.\"http://127.0.0.1:{port}\"]"));
    let listed: serde_json::Value =
        serde_json::from_str(&world.kina(&["get", "registries", "-o", "json"]).success().stdout()).unwrap();
    assert_eq!((listed[0]["cluster"].as_str(), listed[0]["ip"].as_str()), (Some("kina"), None), "{listed}");

    // Push from the Mac through the node's published port; the node pulls from itself.
    world.container(&["image", "pull", "--progress", "none", "alpine:3.22"]).success();
    let image = format!("localhost:{port}/app:dev");
    world.container(&["image", "tag", "alpine:3.22", &image]).success();
    world.container(&["image", "push", "--scheme", "http", &image]).success();
    apply(&world, &deployment("app", &image));
    kubectl(&world, &["rollout", "status", "deployment/app", "--timeout=10s"]).success();
    assert_eq!(doctor_registry(&world).0, "ok");

    // Stop and start: the static pod comes back with the node.
    world.kina(&["stop", "cluster"]).success();
    world.kina(&["start", "cluster"]).success();
    world.container(&["exec", "kina-control-plane", "crictl", "pull", &image]).success();

    // One cluster at a time; the images outlive the cluster.
    world
        .kina(&["create", "cluster", "--name", "two", "--registry"])
        .failure()
        .stderr_has("registry \"kina-registry\" runs inside the node of cluster \"kina\"");
    world.kina(&["delete", "registry"]).failure().stderr_has("kina delete cluster --name kina");
    world.kina(&["delete", "cluster"]).success();
    assert!(!skopeo_inspect(port, "app:dev").status.success(), "nothing serves it while no cluster runs");
    world.kina(&["create", "cluster", "--registry", "--config", &config]).success();
    assert!(skopeo_inspect(port, "app:dev").status.success(), "the images came back with the volume");
    world.kina(&["delete", "cluster"]).success();
    world.kina(&["delete", "registry"]).success().stderr_has("Deleted the images of registry \"kina-registry\"");
    world.container(&["volume", "list", "-q"]).success().stdout_is("");
}

#[test]
fn what_users_see() {
    let world = registry_world();
    let port = free_port().to_string();
    let created = world.kina(&["create", "registry", "--port", &port]);
    let mut settings = settings();
    settings.add_filter(r"localhost:\d+", "localhost:[PORT]");
    settings.add_filter(r#"(--port |\(port |"port": )\d+"#, "$1[PORT]");
    settings.add_filter(r"192\.168\.64\.\d+", "[VM-IP]");
    settings.bind(|| {
        insta::assert_snapshot!("registry_create", shown(&world, &created));
        insta::assert_snapshot!("registry_get", shown(&world, &world.kina(&["get", "registries"])));
        insta::assert_snapshot!("registry_get_json", shown(&world, &world.kina(&["get", "registries", "-o", "json"])));
        insta::assert_snapshot!(
            "registry_error_exists",
            shown(&world, &world.kina(&["create", "registry", "--port", &port]))
        );
        insta::assert_snapshot!("registry_delete", shown(&world, &world.kina(&["delete", "registry"])));
    });
    let mut mac15 = World::new();
    mac15.env("KINA_FAKE_MACOS", "15");
    settings.bind(|| {
        insta::assert_snapshot!("registry_error_macos_15", shown(&mac15, &mac15.kina(&["create", "registry"])))
    });
}

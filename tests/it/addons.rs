//! `kina install` / `uninstall` through the real binary: manifests come from
//! tests/fixtures/addons (a directory or HTTP mirror), the fake `container`
//! applies them in the control-plane node and emulates what would run there.

use crate::http_mirror::HttpMirror;
use crate::support::{Run, World};

const CP: &str = "kina-control-plane";

fn fixtures() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/addons")
}

/// A world whose addon downloads come from the fixture directory.
fn world() -> World {
    let mut world = World::new();
    world.env("KINA_ADDON_MIRROR", fixtures().display().to_string());
    world
}

fn cluster(world: &World) {
    world.kina(&["create", "cluster"]).success();
}

fn ip_of(world: &World, node: &str) -> String {
    crate::support::node_address(world, node)
}

fn kubectl(world: &World, args: &[&str]) -> Run {
    world.kubectl(CP, args)
}

fn jsonpath(world: &World, args: &[&str], path: &str) -> String {
    let mut argv = args.to_vec();
    let flag = format!("-o=jsonpath={path}");
    argv.push(&flag);
    let run = kubectl(world, &argv);
    run.success();
    run.stdout().trim().to_string()
}

fn applied(world: &World) -> Vec<String> {
    world.fake_calls().into_iter().filter(|c| c.contains(" apply -f -")).collect()
}

const WEB_SERVICE: &str = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: default\nspec:\n  type: LoadBalancer\n  selector:\n    app: web\n  ports:\n  - port: 8080\n    protocol: TCP\n";

#[test]
fn list_shows_every_addon_and_what_the_cluster_has() {
    let world = world();
    let run = world.kina(&["install", "--list"]);
    run.success().stderr_has("Not showing what is installed");
    let out = run.stdout();
    assert!(out.starts_with("NAME "), "{out}");
    for name in [
        "load-balancer",
        "gateway",
        "ingress-nginx",
        "metrics-server",
        "local-path-storage",
        "headlamp",
        "kindnet",
        "calico",
    ] {
        assert!(out.lines().any(|l| l.starts_with(name)), "{name} missing:\n{out}");
    }
    assert!(out.contains("v1.15.1"), "{out}");

    cluster(&world);
    let out = world.kina(&["install", "--list"]).success().stdout();
    let row = |name: &str| out.lines().find(|l| l.starts_with(&format!("{name} "))).unwrap().to_string();
    assert!(row("load-balancer").contains("   no   "), "{out}");
    // Kind's default CNI and storage come with every cluster.
    assert!(row("kindnet").contains("   yes   "), "{out}");
    assert!(row("local-path-storage").contains("   node image   "), "{out}");
    world.kina(&["install", "load-balancer"]).success();
    let out = world.kina(&["install", "--list"]).success().stdout();
    assert!(out.lines().any(|l| l.starts_with("load-balancer") && l.contains("   yes   ")), "{out}");
}

#[test]
fn unknown_addons_and_missing_clusters_are_clear_errors() {
    let world = world();
    world
        .kina(&["install", "traefik"])
        .code_is(1)
        .stderr_has("ERROR: unknown addon \"traefik\" (known addons: load-balancer (lb), gateway (envoy-gateway), ingress-nginx (ingress)")
        .stderr_has("hint: see what kina offers with `kina install --list`");
    world.kina(&["install", "metrics-server"]).code_is(1).stderr_has("unknown cluster \"kina\"");
    world.kina(&["install", "load-balancer", "--version", "v2"]).code_is(1).stderr_has("has no version to choose");
    world.kina(&["install", "metric-server"]).code_is(1).stderr_has("did you mean metrics-server?");
}

#[test]
fn load_balancer_gives_services_a_node_address_and_uninstalls_cleanly() {
    let world = world();
    cluster(&world);
    let ip = ip_of(&world, CP);
    world
        .kina(&["install", "load-balancer"])
        .success()
        .stdout_is("")
        .stderr_has(" ✓ Installing load-balancer 🧩")
        .stderr_has(" ✓ Waiting ≤ 5m0s for load-balancer to be ready ⏳")
        .stderr_has("Services of type LoadBalancer now get a node address");
    let script = world.container(&["exec", CP, "cat", "/usr/local/bin/kina-lb"]).success().stdout();
    assert!(script.starts_with("#!/bin/sh"), "{script}");
    world.container(&["exec", CP, "systemctl", "is-active", "kina-lb.service"]).success();

    // A Service created afterwards gets the node's address from the running loop.
    world
        .container_stdin(
            &["exec", "-i", CP, "kubectl", "--kubeconfig=/etc/kubernetes/admin.conf", "apply", "-f", "-"],
            WEB_SERVICE,
        )
        .success();
    assert_eq!(jsonpath(&world, &["get", "service", "web"], "{.status.loadBalancer.ingress[0].ip}"), ip);

    // Installing again changes nothing and is fine.
    world.kina(&["install", "lb"]).success();
    assert_eq!(jsonpath(&world, &["get", "service", "web"], "{.status.loadBalancer.ingress[0].ip}"), ip);

    world.kina(&["uninstall", "load-balancer"]).success().stderr_has(" ✓ Removing load-balancer 🧹");
    assert_eq!(jsonpath(&world, &["get", "service", "web"], "{.status.loadBalancer.ingress}"), "");
    world.container(&["exec", CP, "test", "-e", "/usr/local/bin/kina-lb"]).failure();
    world.container(&["exec", CP, "test", "-e", "/etc/systemd/system/kina-lb.service"]).failure();
    world.kina(&["uninstall", "load-balancer"]).success();
}

#[test]
fn services_follow_the_node_after_a_restart_with_a_new_address() {
    // On the default network the node comes back with a new address.
    let mut world = world();
    world.env("KINA_FIXED_ADDRESSES", "off");
    cluster(&world);
    world.kina(&["install", "load-balancer"]).success();
    world
        .container_stdin(
            &["exec", "-i", CP, "kubectl", "--kubeconfig=/etc/kubernetes/admin.conf", "apply", "-f", "-"],
            WEB_SERVICE,
        )
        .success();
    let before = ip_of(&world, CP);
    world.kina(&["stop", "cluster"]).success();
    world.kina(&["start", "cluster"]).success();
    let after = ip_of(&world, CP);
    assert_ne!(before, after);
    assert_eq!(jsonpath(&world, &["get", "service", "web"], "{.status.loadBalancer.ingress[0].ip}"), after);
    // `kina start` also runs one pass itself, in the same call whether or not kina-lb is there.
    let refresh = "[ ! -x /usr/local/bin/kina-lb ] || exec /usr/local/bin/kina-lb once";
    assert!(world.fake_calls().iter().any(|c| c.contains(refresh)), "{:#?}", world.fake_calls());
}

#[test]
fn gateway_installs_its_dependency_and_answers_at_the_gateway_address() {
    let world = world();
    cluster(&world);
    let ip = ip_of(&world, CP);
    let run = world.kina(&["install", "gateway"]);
    run.success()
        .stderr_has("gateway needs load-balancer; installing it first")
        .stderr_has(" ✓ Installing load-balancer 🧩")
        .stderr_has(" ✓ Installing gateway v1.9.0 🧩")
        .stderr_has(" ✓ Waiting ≤ 5m0s for gateway to be ready ⏳")
        .stderr_has(&format!("answers at http://{ip}/"));
    assert_eq!(jsonpath(&world, &["get", "gateway", "kina"], "{.status.addresses[0].value}"), ip);
    kubectl(&world, &["get", "crd", "httproutes.gateway.networking.k8s.io"]).success();
    // The experimental CRDs Envoy Gateway's install.yaml bundles are not applied.
    kubectl(&world, &["get", "crd", "xmeshes.gateway.networking.x-k8s.io"]).failure();
    kubectl(&world, &["get", "crd", "envoyproxies.gateway.envoyproxy.io"]).success();
    // Envoy Gateway as its release has it, made from the chart's tracked test render.
    let deployment = ["get", "deployment", "envoy-gateway", "-n", "envoy-gateway-system"];
    let image = "{.spec.template.spec.containers[0].image} {.spec.template.spec.containers[0].imagePullPolicy}";
    assert_eq!(jsonpath(&world, &deployment, image), "envoyproxy/gateway:v1.9.0 IfNotPresent");
    assert_eq!(jsonpath(&world, &deployment, "{.spec.selector.matchLabels.app\\.kubernetes\\.io/instance}"), "eg");
    kubectl(&world, &["get", "job", "eg-gateway-helm-certgen", "-n", "envoy-gateway-system"]).success();
    assert!(applied(&world).iter().any(|c| c.contains("--server-side")), "{:?}", applied(&world));

    world.kina(&["install", "gateway"]).success();
    world.kina(&["uninstall", "gateway"]).success().stderr_has("deletes every Gateway and HTTPRoute");
    kubectl(&world, &["get", "crd", "gateways.gateway.networking.k8s.io"]).failure();
    kubectl(&world, &["get", "deployment", "envoy-gateway", "-n", "envoy-gateway-system"]).failure();
}

#[test]
fn ingress_nginx_over_http_warns_of_its_retirement_and_prints_its_address() {
    let world = {
        let mut w = World::new();
        w.env("KINA_ADDON_MIRROR", "");
        w
    };
    let mirror = HttpMirror::serve(fixtures());
    cluster(&world);
    let ip = ip_of(&world, CP);
    world
        .kina(&["install", "ingress-nginx", "--version", "v1.15.0", "--mirror", &mirror.base])
        .success()
        .stderr_has("ingress-nginx is retired upstream")
        .stderr_has("kina install gateway")
        .stderr_has(&format!("Ingress objects answer at http://{ip}/"))
        .stderr_has("extraPortMappings");
    assert!(
        mirror
            .requests()
            .contains(&"/raw.githubusercontent.com/kubernetes/ingress-nginx/controller-v1.15.0/deploy/static/provider/kind/deploy.yaml".to_string()),
        "{:?}",
        mirror.requests()
    );
    let requests = mirror.requests().len();
    // The second install reads the cache.
    world.kina(&["install", "ingress-nginx", "--version", "v1.15.0", "--mirror", &mirror.base]).success();
    assert_eq!(mirror.requests().len(), requests);
    world.kina(&["uninstall", "ingress-nginx"]).success();
    kubectl(&world, &["get", "namespace", "ingress-nginx"]).failure();
}

#[test]
fn a_pinned_manifest_that_fails_its_checksum_is_refused() {
    let world = world();
    cluster(&world);
    world
        .kina(&["install", "ingress-nginx"])
        .code_is(1)
        .stderr_has("does not match the checksum kina recorded (expected sha256 2a3ae008")
        .stderr_has("hint: the download was changed or truncated");
    kubectl(&world, &["get", "namespace", "ingress-nginx"]).failure();
}

#[test]
fn a_failed_download_names_the_url_and_the_mirror() {
    let mut world = World::new();
    world.env("KINA_ADDON_MIRROR", "http://127.0.0.1:9/");
    cluster(&world);
    world
        .kina(&["install", "metrics-server"])
        .code_is(1)
        .stderr_has("failed to download https://raw.githubusercontent.com/kubernetes-sigs/metrics-server/v0.9.0/manifests/base/rbac.yaml (mirror http://127.0.0.1:9)")
        .stderr_has("hint: check that the mirror serves <host>/<path> of the URL");
    assert!(applied(&world).iter().all(|c| !c.contains("metrics")), "nothing was applied");
}

#[test]
fn metrics_server_skips_kubelet_certificate_checks_and_serves_top() {
    let world = world();
    cluster(&world);
    kubectl(&world, &["top", "nodes"]).failure();
    world.kina(&["install", "metrics-server"]).success().stderr_has("top nodes");
    let args = jsonpath(
        &world,
        &["get", "deployment", "metrics-server", "-n", "kube-system"],
        "{.spec.template.spec.containers[0].args}",
    );
    assert!(args.contains("--kubelet-insecure-tls"), "{args}");
    kubectl(&world, &["top", "nodes"]).success().stdout_has(CP);

    // Reused offline: the mirror is gone, the cache is not.
    let mut offline = world;
    offline.env("KINA_ADDON_MIRROR", "/nonexistent");
    offline.kina(&["uninstall", "metrics-server"]).success();
    offline.kina(&["install", "metrics-server"]).success();
}

#[test]
fn an_addon_that_never_becomes_ready_says_what_and_how_to_look() {
    let mut world = world();
    world.env("KINA_FAKE_UNAVAILABLE", "kube-system/metrics-server");
    cluster(&world);
    let run = world.kina(&["install", "metrics-server", "--wait", "3s"]);
    // The time left of --wait when the rollout wait began: 3s, or less on a busy machine.
    let within = run.stderr();
    let within = within
        .split("ERROR: metrics-server is not ready: deployment kube-system/metrics-server did not finish rolling out within ")
        .nth(1)
        .and_then(|rest| rest.lines().next())
        .unwrap_or_else(|| panic!("no rollout error:\n{within}"))
        .to_string();
    assert!(["1s", "2s", "3s"].contains(&within.as_str()), "{within}");
    run.code_is(1).stderr_has(
        "hint: look with `kubectl --context kina-kina --namespace kube-system describe deployment metrics-server`",
    );
    // Without waiting it reports that it did not wait.
    world.kina(&["install", "metrics-server", "--wait", "0"]).success().stderr_has("Not waiting for metrics-server");
}

#[test]
fn local_path_storage_is_the_default_class_when_the_cluster_has_none() {
    let world = world();
    cluster(&world);
    world
        .kina(&["install", "local-path-storage", "--version", "v0.0.36"])
        .success()
        .stderr_has("already has local-path storage from the node image");
    kubectl(&world, &["get", "storageclass", "local-path"]).failure();

    let bare = world_without_default_storage();
    bare.kina(&["install", "local-path", "--version", "v0.0.36"]).success().stderr_has("StorageClass local-path");
    let default = jsonpath(
        &bare,
        &["get", "storageclass", "local-path"],
        "{.metadata.annotations.storageclass\\.kubernetes\\.io/is-default-class}",
    );
    assert_eq!(default, "true");
    bare.kina(&["uninstall", "local-path-storage", "--version", "v0.0.36"]).success();
    kubectl(&bare, &["get", "storageclass", "local-path"]).failure();
}

fn world_without_default_storage() -> World {
    let world = world();
    let config = world.path("kina.yaml");
    std::fs::write(&config, "kind: Cluster\napiVersion: kina.dev/v1alpha1\ndisableDefaultStorage: true\n").unwrap();
    world.kina(&["create", "cluster", "--config", config.to_str().unwrap()]).success();
    world
}

#[test]
fn headlamp_is_reachable_with_a_login_token() {
    let world = world();
    cluster(&world);
    let ip = ip_of(&world, CP);
    world
        .kina(&["install", "dashboard", "--version", "v0.44.0"])
        .success()
        .stderr_has(&format!("Headlamp: http://{ip}:4466/"))
        .stderr_has("create token headlamp-admin --namespace kube-system");
    kubectl(&world, &["create", "token", "headlamp-admin", "-n", "kube-system"]).success();
    let image = jsonpath(
        &world,
        &["get", "deployment", "headlamp", "-n", "kube-system"],
        "{.spec.template.spec.containers[0].image}",
    );
    assert_eq!(image, "ghcr.io/headlamp-k8s/headlamp:v0.44.0");
    let list = world.kina(&["install", "--list"]).success().stdout();
    assert!(list.lines().any(|l| l.starts_with("headlamp") && l.contains("v0.44.0 (pinned v0.45.0)")), "{list}");
    // The version installed is remembered: no --version needed to remove it.
    world.kina(&["uninstall", "dashboard"]).success();
    kubectl(&world, &["get", "deployment", "headlamp", "-n", "kube-system"]).failure();
}

fn world_without_cni(kernel_features: Option<&str>) -> World {
    let mut world = world();
    if let Some(features) = kernel_features {
        world.env("KINA_FAKE_KERNEL_FEATURES", features);
    }
    let config = world.path("kind.yaml");
    std::fs::write(
        &config,
        "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnetworking:\n  disableDefaultCNI: true\n",
    )
    .unwrap();
    world.kina(&["create", "cluster", "--config", config.to_str().unwrap()]).success();
    world
}

#[test]
fn kindnet_networks_a_cluster_created_without_a_cni() {
    let world = world_without_cni(None);
    kubectl(&world, &["wait", "--for=condition=Ready", "node", "--all", "--timeout=1s"]).failure();
    world.kina(&["install", "cni"]).success().stderr_has(" ✓ Installing kindnet 🧩");
    kubectl(&world, &["wait", "--for=condition=Ready", "node", "--all", "--timeout=1s"]).success();
    world
        .kina(&["install", "calico", "--version", "v3.32.0"])
        .code_is(1)
        .stderr_has("the cluster already runs a CNI (kindnet)");
}

#[test]
fn calico_checks_the_kernel_first() {
    // A host that upgraded Apple container but still boots an old kernel.
    let world = world_without_cni(Some("none"));
    world
        .kina(&["install", "calico", "--version", "v3.32.0"])
        .code_is(1)
        .stderr_has("calico needs kernel features the node kina-control-plane lacks: VXLAN (CONFIG_VXLAN; `ip link add … type vxlan` said: Error: Unknown device type.)")
        .stderr_has("nodes[].kernel");
    assert!(applied(&world).iter().all(|c| !c.contains("calico")));

    let world = world_without_cni(Some("vxlan,ip_set"));
    world.kina(&["install", "calico", "--version", "v3.32.0"]).success();
    let env = jsonpath(
        &world,
        &["get", "daemonset", "calico-node", "-n", "kube-system"],
        "{.spec.template.spec.containers[0].env[?(@.name==\"CALICO_IPV4POOL_CIDR\")].value}",
    );
    assert_eq!(env, "10.244.0.0/16");
    kubectl(&world, &["wait", "--for=condition=Ready", "node", "--all", "--timeout=1s"]).success();
}

fn apply(world: &World, manifest: &str) {
    let argv = ["exec", "-i", CP, "kubectl", "--kubeconfig=/etc/kubernetes/admin.conf", "apply", "-f", "-"];
    world.container_stdin(&argv, manifest).success();
}

fn service(name: &str, port: u16) -> String {
    format!(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\n  namespace: default\nspec:\n  type: LoadBalancer\n  ports:\n  - port: {port}\n    protocol: TCP\n"
    )
}

#[test]
fn services_sharing_a_port_land_on_different_nodes() {
    let world = world();
    world.kina(&["create", "cluster", "--workers", "1"]).success();
    let (cp, worker) = (ip_of(&world, CP), ip_of(&world, "kina-worker"));
    world.kina(&["install", "load-balancer"]).success();
    apply(&world, &service("one", 80));
    apply(&world, &service("two", 80));
    apply(&world, &service("three", 80));
    let ip = |name: &str| jsonpath(&world, &["get", "service", name], "{.status.loadBalancer.ingress[0].ip}");
    let mut given = vec![ip("one"), ip("two")];
    given.sort();
    let mut nodes = vec![cp.clone(), worker.clone()];
    nodes.sort();
    assert_eq!(given, nodes);
    // Both nodes serve port 80 already: the third waits, and gets an address when one frees up.
    assert_eq!(ip("three"), "");
    let once = world.container(&["exec", CP, "/usr/local/bin/kina-lb", "once"]).success().stdout();
    assert!(once.contains("default/three: pending"), "{once}");
    kubectl(&world, &["delete", "service", "one"]).success();
    assert!(!ip("three").is_empty());
}

#[test]
fn ingress_nginx_runs_on_the_node_kind_users_label_ingress_ready() {
    let world = world();
    let config = world.path("kind.yaml");
    std::fs::write(
        &config,
        "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- role: control-plane\n- role: worker\n  labels:\n    ingress-ready: \"true\"\n  extraPortMappings:\n  - containerPort: 80\n    hostPort: 8080\n",
    )
    .unwrap();
    world.kina(&["create", "cluster", "--config", config.to_str().unwrap()]).success();
    world
        .kina(&["install", "ingress-nginx", "--version", "v1.15.0"])
        .success()
        .stderr_has(&format!("Ingress objects answer at http://{}/", ip_of(&world, "kina-worker")))
        .stderr_has("and on this Mac at http://localhost:8080/");
    let selector = jsonpath(
        &world,
        &["get", "deployment", "ingress-nginx-controller", "-n", "ingress-nginx"],
        "{.spec.template.spec.nodeSelector.ingress-ready}",
    );
    assert_eq!(selector, "true");
}

#[test]
fn installs_wait_on_what_makes_each_addon_work() {
    let world = world();
    cluster(&world);
    world.kina(&["install", "gateway"]).success().stderr_has(" • gateway ready after ");
    world.kina(&["install", "metrics-server"]).success();
    let waits: Vec<String> = world
        .fake_calls()
        .into_iter()
        .map(|c| c.replace('\'', ""))
        .filter(|c| c.contains(" wait ") || c.contains(" rollout status "))
        .collect();
    for expected in [
        "wait --for=condition=Established crd/gateways.gateway.networking.k8s.io",
        "rollout status deployment/envoy-gateway --timeout=Ns --namespace=envoy-gateway-system",
        "wait --for=condition=Accepted gatewayclass/kina",
        "wait --for=condition=Programmed gateway/kina --timeout=Ns --namespace=default",
        "rollout status deployment/metrics-server --timeout=Ns --namespace=kube-system",
        "wait --for=condition=Available apiservice/v1beta1.metrics.k8s.io",
    ] {
        assert!(waits.iter().any(|w| without_seconds(w).contains(expected)), "no {expected:?} in {waits:#?}");
    }
    // Each wait gets the time left of the default 5m --wait: never more, never
    // nothing (how much is left depends on how busy the machine is).
    for wait in &waits {
        let seconds = wait
            .split_whitespace()
            .find_map(|arg| arg.strip_prefix("--timeout=")?.strip_suffix('s')?.parse::<u64>().ok())
            .unwrap_or_else(|| panic!("no --timeout=<seconds>s in {wait:?}"));
        assert!((1..=300).contains(&seconds), "{wait:?} waits {seconds}s");
    }
}

/// `--timeout=123s` as `--timeout=Ns`.
fn without_seconds(call: &str) -> String {
    let words: Vec<String> = call
        .split(' ')
        .map(|word| match word.strip_prefix("--timeout=") {
            Some(value) if value.ends_with('s') && value[..value.len() - 1].parse::<u64>().is_ok() => {
                "--timeout=Ns".to_string()
            }
            _ => word.to_string(),
        })
        .collect();
    words.join(" ")
}

#[test]
fn cnis_uninstall_and_the_nodes_lose_their_network() {
    let world = world_without_cni(Some("vxlan"));
    world.kina(&["install", "calico", "--version", "v3.32.0"]).success();
    world.kina(&["uninstall", "calico", "--version", "v3.32.0"]).success();
    kubectl(&world, &["get", "daemonset", "calico-node", "-n", "kube-system"]).failure();
    world.kina(&["install", "kindnet"]).success();
    world
        .kina(&["uninstall", "cni"])
        .success()
        .stderr_has("WARNING: removing kindnet leaves the cluster without a pod network");
    kubectl(&world, &["get", "daemonset", "kindnet", "-n", "kube-system"]).failure();
    kubectl(&world, &["wait", "--for=condition=Ready", "node", "--all", "--timeout=1s"]).failure();
}

#[test]
fn a_stopped_cluster_is_started_first() {
    let world = world();
    cluster(&world);
    world.kina(&["stop", "cluster"]).success();
    world
        .kina(&["install", "load-balancer"])
        .code_is(1)
        .stderr_has("node \"kina-control-plane\" of cluster \"kina\" is not running (state: stopped)")
        .stderr_has("hint: start the cluster with `kina start cluster --name kina`");
}

/// "At once", from the calls rather than the clock: kina read the LoadBalancer address
/// and asked kina-lb once, instead of polling until `--wait` ran out.
#[track_caller]
fn address_polled_once(world: &World) {
    let calls = world.fake_calls();
    let polls = calls.iter().filter(|c| c.contains(".status.loadBalancer.ingress")).count();
    let asked = calls.iter().filter(|c| c.contains("/usr/local/bin/kina-lb once")).count();
    assert_eq!((polls, asked), (1, 1), "{calls:#?}");
}

#[test]
fn a_port_taken_on_every_node_fails_at_once_and_says_by_what() {
    let world = world();
    cluster(&world);
    world.kina(&["install", "gateway"]).success();
    world.clear_fake_log();
    world
        .kina(&["install", "ingress-nginx", "--version", "v1.15.0"])
        .code_is(1)
        .stderr_has("service ingress-nginx/ingress-nginx-controller cannot get a LoadBalancer address: its ports are taken on every node")
        .stderr_has("ERROR: ingress-nginx's service ingress-nginx/ingress-nginx-controller cannot get")
        .stderr_has("hint: see who holds the ports with `kubectl --context kina-kina get services,pods --all-namespaces -o wide`; on a single node, use one or the other")
        .stderr_has("`kina uninstall ingress-nginx` removes what this install applied");
    address_polled_once(&world);
}

#[test]
fn a_failed_download_installs_no_dependency_either() {
    let mut world = World::new();
    world.env("KINA_ADDON_MIRROR", world.path("empty-mirror").display().to_string());
    cluster(&world);
    world.kina(&["install", "headlamp"]).code_is(1).stderr_has("failed to download");
    world.container(&["exec", CP, "test", "-e", "/usr/local/bin/kina-lb"]).failure();
}

#[test]
fn versions_are_plain_tags_and_uninstalling_what_is_absent_is_a_no_op() {
    let mut world = World::new();
    world.env("KINA_ADDON_MIRROR", "http://127.0.0.1:9");
    cluster(&world);
    world
        .kina(&["install", "metrics-server", "--version", "../../etc/passwd"])
        .code_is(1)
        .stderr_has("invalid version \"../../etc/passwd\"");
    world
        .kina(&["uninstall", "metrics-server"])
        .success()
        .stderr_has("metrics-server is not installed on cluster \"kina\"; nothing to remove");
}

#[test]
fn every_addon_can_be_installed_twice() {
    let world = world_without_default_storage();
    for args in [
        &["install", "metrics-server"][..],
        &["install", "headlamp", "--version", "v0.44.0"],
        &["install", "local-path-storage", "--version", "v0.0.36"],
        &["install", "gateway"],
    ] {
        world.kina(args).success();
        let objects =
            kubectl(&world, &["get", "deployments,services,storageclasses", "-A", "-o", "name"]).success().stdout();
        world.kina(args).success();
        let again =
            kubectl(&world, &["get", "deployments,services,storageclasses", "-A", "-o", "name"]).success().stdout();
        assert_eq!(objects, again, "{args:?} changed what exists");
    }
    let cni = world_without_cni(None);
    cni.kina(&["install", "kindnet"]).success();
    cni.kina(&["install", "kindnet"]).success();
}

#[test]
fn ipvs_clusters_are_warned_about() {
    let world = world();
    let config = world.path("ipvs.yaml");
    std::fs::write(&config, "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnetworking:\n  kubeProxyMode: ipvs\n")
        .unwrap();
    world.kina(&["create", "cluster", "--config", config.to_str().unwrap()]).success();
    world.kina(&["install", "load-balancer"]).success().stderr_has("WARNING: kube-proxy runs in IPVS mode");
    let plain = world_without_cni(None);
    assert!(!plain.kina(&["install", "load-balancer"]).success().stderr().contains("IPVS"));
}

#[test]
fn gateway_after_ingress_nginx_on_one_node_fails_at_once() {
    let world = world();
    cluster(&world);
    world.kina(&["install", "ingress-nginx", "--version", "v1.15.0"]).success();
    world.clear_fake_log();
    world
        .kina(&["install", "gateway"])
        .code_is(1)
        .stderr_has("cannot get a LoadBalancer address: its ports are taken on the nodes that run its endpoints")
        .stderr_has("hint: see who holds the ports")
        .stderr_has("`kina uninstall gateway` removes what this install applied");
    address_polled_once(&world);
}

#[test]
fn uninstall_cleans_up_after_an_install_that_never_finished() {
    let mut world = world();
    cluster(&world);
    world.kina(&["install", "gateway"]).success();
    // As if the install stopped before Envoy Gateway's Deployment: the CRDs stay.
    kubectl(&world, &["delete", "deployment", "envoy-gateway", "-n", "envoy-gateway-system"]).success();
    world.kina(&["install", "--list"]).success().stdout_has("gateway ");
    // The manifests are in the cache: uninstall removes the rest without downloading.
    world.env("KINA_ADDON_MIRROR", "http://127.0.0.1:9");
    world.kina(&["uninstall", "gateway"]).success();
    kubectl(&world, &["get", "crd", "gateways.gateway.networking.k8s.io"]).failure();
    kubectl(&world, &["get", "namespace", "envoy-gateway-system"]).failure();
}

#[test]
fn ctrl_c_during_an_install_stops_it_and_its_commands() {
    let mut world = world();
    cluster(&world);
    world.env("KINA_FAKE_HANG", "rollout status deployment/metrics-server");
    let child = world
        .kina_command(&["install", "metrics-server"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    world.wait_for_hang("rollout status deployment/metrics-server");
    let pid = child.id().to_string();
    assert!(std::process::Command::new("kill").args(["-INT", &pid]).status().unwrap().success());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("ERROR: kina install metrics-server was interrupted"), "{stderr}");
    assert!(stderr.contains("Caused by: interrupted"), "{stderr}");
    // The hanging `container exec` was stopped with it (this world's, by its state dir).
    // SIGKILL lands asynchronously: wait for it.
    let state = world.path("state").display().to_string();
    let running = || {
        std::fs::read_dir("/proc").unwrap().flatten().any(|p| {
            let cmdline = std::fs::read(p.path().join("cmdline")).unwrap_or_default();
            let environ = std::fs::read(p.path().join("environ")).unwrap_or_default();
            String::from_utf8_lossy(&cmdline).contains("rollout")
                && String::from_utf8_lossy(&environ).contains(&format!("KINA_FAKE_STATE={state}"))
        })
    };
    crate::support::wait_until("the hanging container exec to end with kina", || !running());
}

#[test]
fn list_as_json_for_scripts() {
    let world = world();
    let offline: serde_json::Value =
        serde_json::from_str(&world.kina(&["install", "--list", "-o", "json"]).success().stdout()).unwrap();
    assert_eq!(offline[0]["name"], "load-balancer");
    assert_eq!(offline[0]["installed"], serde_json::Value::Null, "no cluster: not known");
    cluster(&world);
    world.kina(&["install", "headlamp", "--version", "v0.44.0"]).success();
    let list: serde_json::Value =
        serde_json::from_str(&world.kina(&["install", "--list", "--output", "json"]).success().stdout()).unwrap();
    let headlamp = list.as_array().unwrap().iter().find(|a| a["name"] == "headlamp").unwrap();
    assert_eq!(headlamp["installed"], "yes");
    assert_eq!(headlamp["installedVersion"], "v0.44.0");
    assert_eq!(headlamp["pinnedVersion"], "v0.45.0");
    assert_eq!(headlamp["aliases"], serde_json::json!(["dashboard"]));
    assert_eq!(headlamp["requires"], serde_json::json!(["load-balancer"]));
    let storage = list.as_array().unwrap().iter().find(|a| a["name"] == "local-path-storage").unwrap();
    assert_eq!(storage["installed"], "node image");
    world.kina(&["install", "gateway", "-o", "json"]).code_is(1).stderr_has("--list");
}

#[test]
fn list_marks_what_it_could_not_check_and_takes_every_output_format() {
    let mut world = world();
    cluster(&world);
    world.env("KINA_FAKE_FAIL", "get deployment metrics-server");
    let run = world.kina(&["install", "--list"]);
    run.success().stderr_has("Could not check whether metrics-server is installed");
    let line = run.stdout().lines().find(|l| l.starts_with("metrics-server ")).unwrap().to_string();
    assert!(line.contains("   ?   "), "{line}");
    let json: serde_json::Value =
        serde_json::from_str(&world.kina(&["install", "--list", "-o", "json"]).success().stdout()).unwrap();
    let metrics = json.as_array().unwrap().iter().find(|a| a["name"] == "metrics-server").unwrap();
    assert_eq!(metrics["installed"], serde_json::Value::Null, "unknown");
    world.remove_env("KINA_FAKE_FAIL");
    let yaml = world.kina(&["install", "--list", "-o", "yaml"]).success().stdout();
    assert!(yaml.starts_with("- name: load-balancer\n"), "{yaml}");
    world.kina(&["install", "--list", "-o", "wide"]).success().stdout_has("NAME ");
}

#[test]
fn downloads_are_https_only_and_unpinned_files_are_said() {
    let mut world = World::new();
    world.env("KINA_ADDON_MIRROR", "http://mirror.example.com/kina");
    cluster(&world);
    world
        .kina(&["install", "metrics-server"])
        .code_is(1)
        .stderr_has("the mirror http://mirror.example.com/kina is plain http")
        .stderr_has("hint: use an https:// mirror or a directory, or pass --allow-http");
    assert!(applied(&world).iter().all(|c| !c.contains("metrics")), "nothing was applied");

    // Pinned files are applied without a word; one without a recorded checksum with a warning.
    world.env("KINA_ADDON_MIRROR", fixtures().display().to_string());
    let pinned = world.kina(&["install", "metrics-server"]);
    assert!(!pinned.success().stderr().contains("checksum"), "{}", pinned.stderr());
    world.kina(&["uninstall", "metrics-server"]).success();
    // Envoy Gateway is pinned too: files tracked at its tag.
    let gateway = world.kina(&["install", "gateway"]);
    assert!(!gateway.success().stderr().contains("checksum"), "{}", gateway.stderr());
    world.kina(&["uninstall", "gateway"]).success();
    // Allowed, plain http is said out loud (the file comes from the cache: no network here).
    world.env("KINA_ADDON_MIRROR", "http://mirror.example.com/kina");
    world
        .kina(&["install", "metrics-server", "--allow-http"])
        .success()
        .stderr_has("WARNING: downloading over plain http from http://mirror.example.com/kina (--allow-http)");
    world.env("KINA_ADDON_MIRROR", fixtures().display().to_string());
    world
        .kina(&["install", "ingress-nginx", "--version", "v1.15.0"])
        .success()
        .stderr_has("is not the pinned version: kina has no checksum for it");
}

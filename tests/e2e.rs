//! End to end on a real Mac with Apple `container` (never on Linux CI).
//!
//! Run on Apple silicon with `container system start` done:
//!     KINA_E2E=1 cargo test --test e2e -- --ignored --nocapture
//! Needs `kubectl` on PATH. Uses its own cluster name and kubeconfig file,
//! and deletes the cluster even when an assertion fails. With `KINA_E2E_LOGS=DIR`
//! it runs `kina export logs DIR` first (what .github/workflows/e2e-mac.yml uploads).
//!
//! Covers: create → nodes Ready → CoreDNS → a pod runs → load an image from
//! Apple container's store and run it with `imagePullPolicy: Never` behind a
//! Service, reached from another pod → `kina install load-balancer` and reach
//! the workload from the Mac at its LoadBalancer address → `kina install names`
//! and `curl` it by name (with passwordless sudo) → `kina install
//! gateway` and reach it through an HTTPRoute → stop → start → nodes Ready, the
//! workload reachable again, also from the Mac at the node's address (on macOS 26
//! the same fixed address, with no healing) → delete.
//! And the local registry (a VM on macOS 26, inside the node on macOS 15): create a
//! cluster with `--registry`, build an image on the Mac, push it, a pod pulls it by
//! `localhost:<port>`, stop → start, push and pull again, `kina doctor` says the
//! registry answers; then delete both.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

const KINA: &str = env!("CARGO_BIN_EXE_kina");
const CLUSTER: &str = "kina-e2e";

fn enabled() -> bool {
    let on = std::env::var("KINA_E2E").is_ok_and(|v| v == "1");
    if on && std::env::consts::OS != "macos" {
        panic!("KINA_E2E=1 needs macOS with Apple container");
    }
    on
}

fn run(program: &str, args: &[&str], kubeconfig: &PathBuf) -> Output {
    // KINA_RESOLVER: `kina delete cluster` removes the resolver file of names with sudo.
    let output = Command::new(program)
        .args(args)
        .env("KUBECONFIG", kubeconfig)
        .env("KINA_RESOLVER", "sudo")
        .output()
        .expect("spawn");
    eprintln!(
        "$ {program} {}\n{}{}",
        args.join(" "),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// `run` with `input` on stdin (`kubectl apply -f -`).
fn run_stdin(program: &str, args: &[&str], input: &str, kubeconfig: &PathBuf) -> Output {
    let mut child = Command::new(program)
        .args(args)
        .env("KUBECONFIG", kubeconfig)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("write stdin");
    let output = child.wait_with_output().expect("wait");
    eprintln!(
        "$ {program} {} <<EOF\n{input}EOF\n{}{}",
        args.join(" "),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Exports the cluster's logs (when `KINA_E2E_LOGS` is set) and deletes it when
/// the test ends, pass or fail.
struct Cleanup(PathBuf);

impl Drop for Cleanup {
    fn drop(&mut self) {
        if let Some(dir) = std::env::var_os("KINA_E2E_LOGS") {
            let dir = dir.to_string_lossy().into_owned();
            run(KINA, &["export", "logs", &dir, "--name", CLUSTER], &self.0);
        }
        run(KINA, &["delete", "cluster", "--name", CLUSTER], &self.0);
    }
}

/// An image the node cannot have pulled itself: it only gets there through
/// `kina load docker-image`, and the workload uses `imagePullPolicy: Never`.
const LOADED_IMAGE: &str = "docker.io/library/busybox:1.37";

/// A web server from the loaded image, behind a Service.
const WORKLOAD: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: e2e-web
spec:
  replicas: 1
  selector:
    matchLabels: {app: e2e-web}
  template:
    metadata:
      labels: {app: e2e-web}
    spec:
      containers:
      - name: web
        image: docker.io/library/busybox:1.37
        imagePullPolicy: Never
        command: ["sh", "-c", "mkdir -p /www && echo hello-from-loaded-image > /www/index.html && exec httpd -f -p 8080 -h /www"]
        ports:
        - containerPort: 8080
        readinessProbe:
          tcpSocket: {port: 8080}
          periodSeconds: 2
---
apiVersion: v1
kind: Service
metadata:
  name: e2e-web
spec:
  selector: {app: e2e-web}
  ports:
  - port: 8080
    targetPort: 8080
"#;

/// A pod that reaches the workload through its Service name (CoreDNS,
/// kube-proxy and the CNI all have to work), retrying while they settle.
const CLIENT: &str = r#"apiVersion: v1
kind: Pod
metadata:
  name: e2e-client
spec:
  restartPolicy: Never
  containers:
  - name: client
    image: docker.io/library/busybox:1.37
    imagePullPolicy: Never
    command: ["sh", "-c", "for i in $(seq 1 60); do wget -qO- -T 5 http://e2e-web:8080/ && exit 0; sleep 2; done; exit 1"]
"#;

fn kubectl(context: &str, args: &[&str], kubeconfig: &PathBuf) -> Output {
    let mut all = vec!["--context", context];
    all.extend_from_slice(args);
    run("kubectl", &all, kubeconfig)
}

/// Every node of the cluster is listed and Ready.
fn assert_nodes_ready(context: &str, kubeconfig: &PathBuf) {
    let wait = kubectl(context, &["wait", "--for=condition=Ready", "nodes", "--all", "--timeout=5m"], kubeconfig);
    assert!(wait.status.success(), "nodes did not become Ready");
    let nodes = kubectl(context, &["get", "nodes", "--no-headers"], kubeconfig);
    assert!(nodes.status.success());
    let text = String::from_utf8_lossy(&nodes.stdout);
    assert!(text.contains(&format!("{CLUSTER}-control-plane")), "{text}");
    assert!(text.lines().all(|l| l.split_whitespace().nth(1) == Some("Ready")), "{text}");
}

/// The workload answers a pod that reaches it through its Service.
fn assert_workload_reachable(context: &str, kubeconfig: &PathBuf) {
    let rollout = kubectl(context, &["rollout", "status", "deployment/e2e-web", "--timeout=5m"], kubeconfig);
    assert!(rollout.status.success(), "the loaded image's deployment did not become available");
    kubectl(context, &["delete", "pod", "e2e-client", "--ignore-not-found", "--wait=true"], kubeconfig);
    let apply = run_stdin("kubectl", &["--context", context, "apply", "-f", "-"], CLIENT, kubeconfig);
    assert!(apply.status.success());
    let done = kubectl(
        context,
        &["wait", "--for=jsonpath={.status.phase}=Succeeded", "pod/e2e-client", "--timeout=5m"],
        kubeconfig,
    );
    assert!(done.status.success(), "the client pod could not reach the workload");
    let logs = kubectl(context, &["logs", "e2e-client"], kubeconfig);
    assert!(String::from_utf8_lossy(&logs.stdout).contains("hello-from-loaded-image"));
}

/// The workload as a LoadBalancer Service, and an HTTPRoute on kina's Gateway.
const LB_SERVICE: &str = r#"apiVersion: v1
kind: Service
metadata:
  name: e2e-web-lb
spec:
  type: LoadBalancer
  selector: {app: e2e-web}
  ports:
  - port: 8080
    targetPort: 8080
"#;

const ROUTE: &str = r#"apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: e2e-web
spec:
  parentRefs: [{name: kina, namespace: default}]
  rules:
  - backendRefs: [{name: e2e-web, port: 8080}]
"#;

/// A plain HTTP GET from the Mac, retried for a minute while routes settle.
fn http_get_with_retries(address: &str, path: &str) -> String {
    use std::io::Read;
    let mut last = String::new();
    for _ in 0..30 {
        if let Ok(mut stream) = std::net::TcpStream::connect(address) {
            let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(5)));
            let request = format!("GET {path} HTTP/1.0\r\nHost: e2e\r\n\r\n");
            if stream.write_all(request.as_bytes()).is_ok() {
                let mut body = String::new();
                let _ = stream.read_to_string(&mut body);
                if body.starts_with("HTTP/1.") && body.contains(" 200 ") {
                    return body;
                }
                last = body;
            }
        }
        std::thread::sleep(std::time::Duration::from_secs(2));
    }
    panic!("http://{address}{path} did not answer 200 from the Mac; last answer: {last}");
}

/// The LoadBalancer Service has a node address, and the Mac reaches the workload there.
fn assert_reachable_from_the_mac(context: &str, kubeconfig: &PathBuf) {
    let mut ip = String::new();
    for _ in 0..30 {
        let out = kubectl(
            context,
            &["get", "service", "e2e-web-lb", "-o", "jsonpath={.status.loadBalancer.ingress[0].ip}"],
            kubeconfig,
        );
        ip = String::from_utf8_lossy(&out.stdout).trim().to_string();
        if !ip.is_empty() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_secs(1));
    }
    assert!(!ip.is_empty(), "the LoadBalancer Service got no address");
    assert!(http_get_with_retries(&format!("{ip}:8080"), "/").contains("hello-from-loaded-image"));
}

/// `kina install names`, then the LoadBalancer Service by name from the Mac:
/// curl resolves through macOS's resolver and the `/etc/resolver` file kina
/// wrote. kina runs `sudo` itself (`--resolver sudo`), so this needs sudo
/// without a password (a self-hosted runner's sudoers); without it the step
/// says so and is skipped.
fn reachable_by_name(kubeconfig: &PathBuf) {
    let passwordless = Command::new("sudo").args(["-n", "true"]).stdin(Stdio::null()).status();
    if !passwordless.is_ok_and(|s| s.success()) {
        eprintln!(
            "skipping names: sudo needs a password here (kina writes /etc/resolver/{CLUSTER}.kina.internal with sudo)"
        );
        return;
    }
    let names = run(KINA, &["install", "names", "--name", CLUSTER, "--resolver", "sudo"], kubeconfig);
    assert!(names.status.success(), "kina install names failed");
    let url = format!("http://e2e-web-lb.default.{CLUSTER}.kina.internal:8080/");
    let mut last = String::new();
    for _ in 0..30 {
        let out = Command::new("curl").args(["-sS", "--max-time", "5", &url]).output().expect("curl");
        last = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        if out.status.success() && last.contains("hello-from-loaded-image") {
            let list = run(KINA, &["list", "-o", "wide"], kubeconfig);
            assert!(String::from_utf8_lossy(&list.stdout).contains(&url), "kina list -o wide shows the URL");
            return;
        }
        std::thread::sleep(std::time::Duration::from_secs(2));
    }
    panic!("curl {url} from the Mac did not reach the workload; last: {last}");
}

/// The state `kina list -o json` reports for the e2e cluster.
fn cluster_state(kubeconfig: &PathBuf) -> String {
    let list = run(KINA, &["list", "-o", "json"], kubeconfig);
    assert!(list.status.success());
    let clusters: serde_json::Value = serde_json::from_slice(&list.stdout).expect("kina list -o json");
    clusters
        .as_array()
        .and_then(|all| all.iter().find(|c| c["name"] == CLUSTER))
        .and_then(|c| c["state"].as_str())
        .unwrap_or_default()
        .to_string()
}

#[test]
#[ignore = "needs a Mac with Apple container: KINA_E2E=1 cargo test --test e2e -- --ignored"]
fn single_node_cluster_on_a_real_mac() {
    if !enabled() {
        eprintln!("skipped: set KINA_E2E=1 on a Mac to run");
        return;
    }
    let dir = std::env::temp_dir().join(format!("kina-e2e-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let kubeconfig = dir.join("config");
    let _cleanup = Cleanup(kubeconfig.clone());

    let create = run(KINA, &["create", "cluster", "--name", CLUSTER, "--wait", "5m"], &kubeconfig);
    assert!(create.status.success(), "create failed");
    assert!(String::from_utf8_lossy(&create.stderr).contains("Ready after"), "node did not become Ready");

    let clusters = run(KINA, &["get", "clusters"], &kubeconfig);
    assert!(String::from_utf8_lossy(&clusters.stdout).lines().any(|l| l == CLUSTER));

    let context = format!("kina-{CLUSTER}");
    let nodes = run("kubectl", &["--context", &context, "get", "nodes", "--no-headers"], &kubeconfig);
    assert!(nodes.status.success());
    let text = String::from_utf8_lossy(&nodes.stdout);
    assert!(text.contains(&format!("{CLUSTER}-control-plane")) && text.contains(" Ready "), "{text}");

    let dns = run(
        "kubectl",
        &[
            "--context",
            &context,
            "-n",
            "kube-system",
            "wait",
            "--for=condition=Available",
            "deployment/coredns",
            "--timeout=5m",
        ],
        &kubeconfig,
    );
    assert!(dns.status.success(), "CoreDNS never became available");

    let pod = run(
        "kubectl",
        &[
            "--context",
            &context,
            "run",
            "e2e-echo",
            "--image=busybox:1.36",
            "--restart=Never",
            "--",
            "echo",
            "hello-from-kina",
        ],
        &kubeconfig,
    );
    assert!(pod.status.success());
    let done = run(
        "kubectl",
        &["--context", &context, "wait", "--for=jsonpath={.status.phase}=Succeeded", "pod/e2e-echo", "--timeout=5m"],
        &kubeconfig,
    );
    assert!(done.status.success(), "pod did not run to completion");
    let logs = run("kubectl", &["--context", &context, "logs", "e2e-echo"], &kubeconfig);
    assert!(String::from_utf8_lossy(&logs.stdout).contains("hello-from-kina"));

    // Load an image from Apple container's store and run it.
    let pull = run("container", &["image", "pull", LOADED_IMAGE], &kubeconfig);
    assert!(pull.status.success(), "container image pull {LOADED_IMAGE} failed");
    let load = run(KINA, &["load", "docker-image", LOADED_IMAGE, "--name", CLUSTER], &kubeconfig);
    assert!(load.status.success(), "kina load docker-image failed");
    let images =
        run("container", &["exec", &format!("{CLUSTER}-control-plane"), "crictl", "images", "-o", "json"], &kubeconfig);
    assert!(String::from_utf8_lossy(&images.stdout).contains(LOADED_IMAGE), "image not in the node");
    let apply = run_stdin("kubectl", &["--context", &context, "apply", "-f", "-"], WORKLOAD, &kubeconfig);
    assert!(apply.status.success());
    assert_workload_reachable(&context, &kubeconfig);

    // Addons: the workload from the Mac, through a LoadBalancer address and a Gateway.
    let lb = run(KINA, &["install", "load-balancer", "--name", CLUSTER], &kubeconfig);
    assert!(lb.status.success(), "kina install load-balancer failed");
    let expose = run_stdin("kubectl", &["--context", &context, "apply", "-f", "-"], LB_SERVICE, &kubeconfig);
    assert!(expose.status.success());
    assert_reachable_from_the_mac(&context, &kubeconfig);
    reachable_by_name(&kubeconfig);
    let gateway = run(KINA, &["install", "gateway", "--name", CLUSTER], &kubeconfig);
    assert!(gateway.status.success(), "kina install gateway failed");
    let route = run_stdin("kubectl", &["--context", &context, "apply", "-f", "-"], ROUTE, &kubeconfig);
    assert!(route.status.success());
    let address =
        kubectl(&context, &["get", "gateway", "kina", "-o", "jsonpath={.status.addresses[0].value}"], &kubeconfig);
    let address = String::from_utf8_lossy(&address.stdout).trim().to_string();
    assert!(!address.is_empty(), "the Gateway has no address");
    assert!(http_get_with_retries(&format!("{address}:80"), "/").contains("hello-from-loaded-image"));

    // Stop and start: the nodes come back Ready and the workload still answers.
    // On macOS 26 the cluster has its own network and the node keeps its address.
    let fixed = run("container", &["network", "inspect", &format!("kina-{CLUSTER}")], &kubeconfig).status.success();
    let node_ip = |kubeconfig: &PathBuf| {
        let nodes = run(KINA, &["get", "nodes", "--name", CLUSTER, "-o", "json"], kubeconfig);
        let nodes: serde_json::Value = serde_json::from_slice(&nodes.stdout).expect("kina get nodes -o json");
        nodes[0]["ip"].as_str().unwrap_or_default().to_string()
    };
    let ip_before = node_ip(&kubeconfig);
    let stop = run(KINA, &["stop", "cluster", "--name", CLUSTER], &kubeconfig);
    assert!(stop.status.success(), "kina stop cluster failed");
    assert_eq!(cluster_state(&kubeconfig), "stopped");
    let start = run(KINA, &["start", "cluster", "--name", CLUSTER, "--wait", "5m"], &kubeconfig);
    assert!(start.status.success(), "kina start cluster failed");
    assert_eq!(cluster_state(&kubeconfig), "running");
    if fixed {
        assert_eq!(node_ip(&kubeconfig), ip_before, "the node keeps its fixed address");
        assert!(!String::from_utf8_lossy(&start.stderr).contains("Healing"), "a fixed-address start heals nothing");
    }
    assert_nodes_ready(&context, &kubeconfig);
    assert_workload_reachable(&context, &kubeconfig);
    assert_reachable_from_the_mac(&context, &kubeconfig);

    let delete = run(KINA, &["delete", "cluster", "--name", CLUSTER], &kubeconfig);
    assert!(delete.status.success());
    let left = run(KINA, &["get", "nodes", "--name", CLUSTER], &kubeconfig);
    assert!(String::from_utf8_lossy(&left.stdout).trim().is_empty());
}

const REGISTRY_CLUSTER: &str = "kina-e2e-registry";
const REGISTRY: &str = "kina-e2e-registry";
/// Away from the default 5001, so a user's own registry on this Mac is not in the way.
const REGISTRY_PORT: u16 = 5055;

/// Deletes the registry test's cluster and registry when the test ends, pass or fail.
struct RegistryCleanup(PathBuf);

impl Drop for RegistryCleanup {
    fn drop(&mut self) {
        if let Some(dir) = std::env::var_os("KINA_E2E_LOGS") {
            let dir = PathBuf::from(dir).join("registry");
            run(KINA, &["export", "logs", &dir.to_string_lossy(), "--name", REGISTRY_CLUSTER], &self.0);
        }
        run(KINA, &["delete", "cluster", "--name", REGISTRY_CLUSTER], &self.0);
        run(KINA, &["delete", "registry", "--name", REGISTRY], &self.0);
    }
}

/// Builds `tag` on the Mac with a file that says `marker`, and pushes it to the registry.
fn build_and_push(dir: &std::path::Path, tag: &str, marker: &str, kubeconfig: &PathBuf) {
    std::fs::write(
        dir.join("Containerfile"),
        format!("FROM docker.io/library/busybox:1.37\nRUN mkdir -p /www && echo {marker} > /www/index.html\n"),
    )
    .unwrap();
    let context = dir.to_string_lossy().into_owned();
    let build = run("container", &["build", "-t", tag, &context], kubeconfig);
    assert!(build.status.success(), "container build failed");
    let push = run("container", &["image", "push", "--scheme", "http", tag], kubeconfig);
    assert!(push.status.success(), "container image push failed");
}

/// Runs `image` as a pod that prints its file, and checks the output.
fn run_pod(context: &str, name: &str, image: &str, marker: &str, kubeconfig: &PathBuf) {
    let image_flag = format!("--image={image}");
    let pod = run(
        "kubectl",
        &[
            "--context",
            context,
            "run",
            name,
            &image_flag,
            "--restart=Never",
            "--command",
            "--",
            "cat",
            "/www/index.html",
        ],
        kubeconfig,
    );
    assert!(pod.status.success());
    let done = run(
        "kubectl",
        &[
            "--context",
            context,
            "wait",
            "--for=jsonpath={.status.phase}=Succeeded",
            &format!("pod/{name}"),
            "--timeout=5m",
        ],
        kubeconfig,
    );
    assert!(done.status.success(), "pod {name} did not pull {image} and run");
    let logs = run("kubectl", &["--context", context, "logs", name], kubeconfig);
    assert!(String::from_utf8_lossy(&logs.stdout).contains(marker), "{name} ran another image");
}

#[test]
#[ignore = "needs a Mac with Apple container: KINA_E2E=1 cargo test --test e2e -- --ignored"]
fn local_registry_on_a_real_mac() {
    if !enabled() {
        eprintln!("skipped: set KINA_E2E=1 on a Mac to run");
        return;
    }
    let dir = std::env::temp_dir().join(format!("kina-e2e-registry-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let kubeconfig = dir.join("config");
    // macOS 26: a registry VM of its own; macOS 15 (no `container network`): inside the node.
    let _cleanup = RegistryCleanup(kubeconfig.clone());
    let config = dir.join("kina.yaml");
    std::fs::write(
        &config,
        format!(
            "kind: Cluster\napiVersion: kina.dev/v1alpha1\nregistry:\n  name: {REGISTRY}\n  port: {REGISTRY_PORT}\n"
        ),
    )
    .unwrap();
    let config = config.to_string_lossy().into_owned();
    let create =
        run(KINA, &["create", "cluster", "--name", REGISTRY_CLUSTER, "--config", &config, "--wait", "5m"], &kubeconfig);
    assert!(create.status.success(), "create --registry failed");
    let context = format!("kina-{REGISTRY_CLUSTER}");

    let hosting = kubectl(
        &context,
        &[
            "-n",
            "kube-public",
            "get",
            "configmap",
            "local-registry-hosting",
            "-o",
            "jsonpath={.data.localRegistryHosting\\.v1}",
        ],
        &kubeconfig,
    );
    assert!(String::from_utf8_lossy(&hosting.stdout).contains(&format!("localhost:{REGISTRY_PORT}")));

    // Build on the Mac, push, and a pod pulls it by localhost:<port>.
    let build_dir = dir.join("build");
    std::fs::create_dir_all(&build_dir).unwrap();
    let v1 = format!("localhost:{REGISTRY_PORT}/e2e-app:v1");
    build_and_push(&build_dir, &v1, "hello-from-registry-v1", &kubeconfig);
    run_pod(&context, "e2e-registry-v1", &v1, "hello-from-registry-v1", &kubeconfig);

    // Stop and start: the nodes get new addresses; pulls from the registry still work.
    assert!(run(KINA, &["stop", "cluster", "--name", REGISTRY_CLUSTER], &kubeconfig).status.success());
    assert!(run(KINA, &["start", "cluster", "--name", REGISTRY_CLUSTER, "--wait", "5m"], &kubeconfig).status.success());
    let v2 = format!("localhost:{REGISTRY_PORT}/e2e-app:v2");
    build_and_push(&build_dir, &v2, "hello-from-registry-v2", &kubeconfig);
    run_pod(&context, "e2e-registry-v2", &v2, "hello-from-registry-v2", &kubeconfig);

    let doctor = run(KINA, &["doctor", "-o", "json"], &kubeconfig);
    let checks = String::from_utf8_lossy(&doctor.stdout).into_owned();
    assert!(checks.contains(&format!("registry \\\"{REGISTRY}\\\" answers")), "{checks}");
}

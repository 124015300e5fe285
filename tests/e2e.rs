//! End to end on a real Mac with Apple `container` (never on Linux CI).
//!
//! Run on Apple silicon with `container system start` done:
//!     KINA_E2E=1 cargo test --test e2e -- --ignored --nocapture
//! Needs `kubectl` on PATH. Uses its own cluster name and kubeconfig file,
//! and deletes the cluster even when an assertion fails.

use std::path::PathBuf;
use std::process::{Command, Output};

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
    let output = Command::new(program).args(args).env("KUBECONFIG", kubeconfig).output().expect("spawn");
    eprintln!(
        "$ {program} {}\n{}{}",
        args.join(" "),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Deletes the e2e cluster when the test ends, pass or fail.
struct Cleanup(PathBuf);

impl Drop for Cleanup {
    fn drop(&mut self) {
        run(KINA, &["delete", "cluster", "--name", CLUSTER], &self.0);
    }
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

    let delete = run(KINA, &["delete", "cluster", "--name", CLUSTER], &kubeconfig);
    assert!(delete.status.success());
    let left = run(KINA, &["get", "nodes", "--name", CLUSTER], &kubeconfig);
    assert!(String::from_utf8_lossy(&left.stdout).trim().is_empty());
}

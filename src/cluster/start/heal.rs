//! Rewrites a cluster's API server address after the control plane's VM
//! came back with a new one. kindest/node's entrypoint already fixed its own
//! static pods, the controller-manager and scheduler kubeconfigs,
//! `kubeadm-flags.env` and `/kind/kubeadm.conf`; what it leaves is healed
//! here: kubelet.conf and admin.conf, the API server certificate, the
//! workers' kubelets, and the objects that carry the address (kube-proxy's and
//! cluster-info's kubeconfigs, kindnet's endpoint).

use std::net::Ipv4Addr;
use std::time::Duration;

use anyhow::{Context as _, bail};

use super::addresses::{api_server_ips, sed_replace};
use crate::exec::{ExecError, Output};
use crate::node::kubectl;
use crate::node::paths::{ADMIN_CONF, KUBEADM_CONF, KUBELET_CONF};
use crate::provider::{Node, NodeCommand, NodeHandle, Provider, ProviderError};

/// The control plane's files that can hold its address, except the admin
/// kubeconfigs: those are rewritten last, after the kubelet restarted, so a
/// stale `admin.conf` means "not healed yet" to a re-run after an interruption.
const CONTROL_PLANE_FILES: &[&str] = &[
    "/etc/kubernetes/controller-manager.conf",
    "/etc/kubernetes/scheduler.conf",
    KUBELET_CONF,
    "/etc/kubernetes/manifests/etcd.yaml",
    "/etc/kubernetes/manifests/kube-apiserver.yaml",
    "/etc/kubernetes/manifests/kube-controller-manager.yaml",
    "/etc/kubernetes/manifests/kube-scheduler.yaml",
    "/var/lib/kubelet/kubeadm-flags.env",
    KUBEADM_CONF,
];
const ADMIN_FILES: &[&str] = &[ADMIN_CONF, "/etc/kubernetes/super-admin.conf"];

/// A worker's kubelet config; its `/kind/kubeadm.conf` (the join
/// configuration) is rewritten last and marks the worker as healed.
const WORKER_KUBELET: &str = KUBELET_CONF;
const WORKER_MARKER: &str = KUBEADM_CONF;

/// A serving certificate for the current address (kubeadm keeps an existing
/// one, so remove it first), then a kubelet restart to pick everything up.
/// The entrypoint normally does this at boot; this covers it when it did not.
const REISSUE_AND_RESTART: &str = "set -e
rm -f /etc/kubernetes/pki/apiserver.crt /etc/kubernetes/pki/apiserver.key
kubeadm init phase certs apiserver --config /kind/kubeadm.conf
systemctl restart kubelet
";

/// The objects that carry the API server's address, and whether their
/// pods must restart to read it again.
const OBJECTS: &[(&str, &str, &str, Option<&str>)] = &[
    ("kube-system", "configmap", "kube-proxy", Some("daemonset/kube-proxy")),
    ("kube-public", "configmap", "cluster-info", None),
    ("kube-system", "daemonset", "kindnet", None),
];

const API_TIMEOUT: Duration = Duration::from_secs(180);

pub(super) async fn heal<P: Provider>(provider: &P, control_plane: &Node, workers: &[Node]) -> anyhow::Result<()> {
    let new = control_plane.ipv4.context("the control plane has no address")?;
    let admin = read(provider, &control_plane.name, ADMIN_CONF).await?;
    let stale: Vec<Ipv4Addr> =
        api_server_ips(&admin).into_iter().filter(|ip| *ip != new && !ip.is_loopback()).collect();
    if !stale.is_empty() {
        tracing::debug!("control plane moved from {stale:?} to {new}");
        rewrite(provider, &control_plane.name, &stale, new, CONTROL_PLANE_FILES).await?;
        provider
            .node(&control_plane.name)
            .run_checked(&NodeCommand::new(["systemctl", "restart", "kubelet"]))
            .await
            .context("failed to restart the kubelet")?;
        rewrite(provider, &control_plane.name, &stale, new, ADMIN_FILES).await?;
    }
    wait_for_api_server(provider, &control_plane.name).await?;

    let workers = workers.iter().map(|worker| heal_worker(provider, worker, new));
    futures_util::future::try_join_all(workers).await?;
    for &(namespace, kind, name, restart) in OBJECTS {
        heal_object(provider, &control_plane.name, new, namespace, kind, name, restart).await?;
    }
    Ok(())
}

async fn read<P: Provider>(provider: &P, node: &str, path: &str) -> anyhow::Result<String> {
    let output = provider.node(node).run_checked(&NodeCommand::new(["cat", path])).await?;
    Ok(output.stdout)
}

/// `sed -i` over `files`; a file that does not exist in this image is fine.
async fn rewrite<P: Provider>(
    provider: &P,
    node: &str,
    stale: &[Ipv4Addr],
    new: Ipv4Addr,
    files: &[&str],
) -> anyhow::Result<()> {
    let mut argv = vec!["sed".to_string(), "-i".to_string()];
    for old in stale {
        argv.extend(["-e".to_string(), sed_replace(*old, new)]);
    }
    argv.extend(files.iter().map(|f| f.to_string()));
    let output = provider.node(node).run(&NodeCommand::new(argv)).await?;
    let only_missing = output.stderr.lines().all(|line| line.contains("No such file or directory"));
    if !(output.success() || (output.code == 2 && only_missing)) {
        bail!("failed to rewrite the API server address on {node}: {}", output.stderr.trim());
    }
    Ok(())
}

async fn heal_worker<P: Provider>(provider: &P, worker: &Node, new: Ipv4Addr) -> anyhow::Result<()> {
    let marker = read(provider, &worker.name, WORKER_MARKER).await?;
    let stale: Vec<Ipv4Addr> = api_server_ips(&marker).into_iter().filter(|ip| *ip != new).collect();
    if stale.is_empty() {
        return Ok(());
    }
    rewrite(provider, &worker.name, &stale, new, &[WORKER_KUBELET]).await?;
    provider
        .node(&worker.name)
        .run_checked(&NodeCommand::new(["systemctl", "restart", "kubelet"]))
        .await
        .with_context(|| format!("failed to restart the kubelet on {}", worker.name))?;
    rewrite(provider, &worker.name, &stale, new, &[WORKER_MARKER]).await
}

async fn heal_object<P: Provider>(
    provider: &P,
    control_plane: &str,
    new: Ipv4Addr,
    namespace: &str,
    kind: &str,
    name: &str,
    restart: Option<&str>,
) -> anyhow::Result<()> {
    let kubectl = |args: &[&str]| kubectl(["-n", namespace].iter().chain(args));
    let current = provider
        .node(control_plane)
        .run_checked(&kubectl(&["get", kind, name, "--ignore-not-found", "-o", "yaml"]))
        .await?
        .stdout;
    let stale: Vec<Ipv4Addr> =
        api_server_ips(&current).into_iter().filter(|ip| *ip != new && !ip.is_loopback()).collect();
    // A run cut short between the rewrite and the restart left this mark.
    let pending = restart.is_some() && restart_pending(&current);
    if stale.is_empty() && !pending {
        return Ok(());
    }
    if !stale.is_empty() {
        let mut healed = current.clone();
        for old in stale {
            healed = healed.replace(&format!("{old}:6443"), &format!("{new}:6443"));
        }
        // The mark goes in with the new address, in one apply: whatever
        // interrupts the restart below, a re-run sees it and restarts.
        if let Some(target) = restart {
            healed = mark_restart_pending(&healed, target)?;
        }
        provider
            .node(control_plane)
            .run_checked(&kubectl(&["apply", "-f", "-"]).stdin(healed))
            .await
            .with_context(|| format!("failed to update {kind} {namespace}/{name}"))?;
    }
    // A DaemonSet whose pod template changed rolls by itself; pods that only
    // read a ConfigMap at start need a nudge.
    if let Some(target) = restart {
        provider.node(control_plane).run_checked(&kubectl(&["rollout", "restart", target])).await?;
        let clear = format!(r#"{{"metadata":{{"annotations":{{"{RESTART_PENDING}":null}}}}}}"#);
        provider
            .node(control_plane)
            .run_checked(&kubectl(&["patch", kind, name, "--type=merge", "-p", &clear]))
            .await
            .with_context(|| format!("failed to clear {RESTART_PENDING} on {kind} {namespace}/{name}"))?;
    }
    Ok(())
}

/// On an object whose new address its pods have yet to read: the workload to restart.
const RESTART_PENDING: &str = "kina.dev/restart-pending";

fn restart_pending(object_yaml: &str) -> bool {
    crate::yaml::from_str::<serde_json::Value>(object_yaml)
        .ok()
        .is_some_and(|o| o.pointer("/metadata/annotations").and_then(|a| a.get(RESTART_PENDING)).is_some())
}

fn mark_restart_pending(object_yaml: &str, target: &str) -> anyhow::Result<String> {
    let mut object: serde_json::Value = crate::yaml::from_str(object_yaml).context("an object kubectl printed")?;
    let metadata =
        object.get_mut("metadata").and_then(serde_json::Value::as_object_mut).context("an object without metadata")?;
    let annotations = metadata.entry("annotations").or_insert_with(|| serde_json::json!({}));
    if !annotations.is_object() {
        *annotations = serde_json::json!({});
    }
    annotations[RESTART_PENDING] = serde_json::Value::String(target.to_string());
    Ok(crate::yaml::to_string(&object)?)
}

/// Polls `/readyz` with backoff: the API server restarts after the heal.
/// A certificate that does not cover the new address is re-issued once.
async fn wait_for_api_server<P: Provider>(provider: &P, control_plane: &str) -> anyhow::Result<()> {
    let readyz = kubectl(["--request-timeout=5s", "get", "--raw", "/readyz"]).timeout(Duration::from_secs(15));
    let mut backoff = crate::backoff::Backoff::new(API_TIMEOUT);
    let mut reissued = false;
    loop {
        let output = match provider.node(control_plane).run(&readyz).await {
            Ok(output) => output,
            // An API server that is still starting may not answer in time.
            Err(ProviderError::Exec(ExecError::TimedOut { .. })) => Output { code: 124, ..Output::default() },
            Err(err) => return Err(err.into()),
        };
        if output.success() {
            return Ok(());
        }
        if !reissued && output.stderr.contains("x509") {
            reissued = true;
            let reissue = NodeCommand::new(["sh", "-c", REISSUE_AND_RESTART]);
            provider
                .node(control_plane)
                .run_checked(&reissue)
                .await
                .context("failed to renew the API server certificate")?;
            continue;
        }
        if !backoff.next().await {
            bail!(
                "the API server on {control_plane} did not become ready within {}s: {}",
                API_TIMEOUT.as_secs(),
                output.stderr.trim()
            );
        }
    }
}

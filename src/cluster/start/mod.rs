//! `kina start cluster`: boots a stopped cluster's VMs; nodes with fixed
//! addresses (`cluster/network`) are checked, others healed where their new
//! addresses broke something (see `heal.rs`); then waits for every node to be
//! Ready. Every step checks before it changes anything, so it is safe to run
//! again, also on a running cluster after the Mac rebooted.

mod addresses;
mod heal;

use std::path::Path;
use std::time::Duration;

use anyhow::Context as _;

use super::actions::cluster_kubeconfig;
use super::node_boot::{BOOT_TIMEOUT, apply_runtime_settings, wait_for_containerd};
use super::wait_for_ready_nodes;
use crate::kubeconfig;
use crate::node::{self, NodesError};
use crate::output::Printer;
use crate::provider::{Node, NodeHandle, Provider, Purpose};

pub(crate) struct StartOptions<'a> {
    pub cluster: &'a str,
    /// How long to wait for every node to be Ready.
    pub wait: Duration,
}

/// A cluster whose nodes run again, before its kubeconfig is refreshed.
pub(crate) struct Started {
    pub control_plane: Node,
    /// Every node ran already: the start only checked them.
    was_running: bool,
    /// Every node has a fixed address: nothing that depends on addresses moved.
    pub fixed: bool,
}

/// Boots the cluster's nodes, checks or heals their addresses and, with a `wait`, waits
/// for every node to be Ready. The caller refreshes what depends on the
/// nodes' addresses (LoadBalancer Services), then calls [`finish_start`].
pub(crate) async fn start_cluster<P: Provider>(
    provider: &P,
    printer: &Printer,
    opts: &StartOptions<'_>,
) -> anyhow::Result<Started> {
    let started = std::time::Instant::now();
    provider.preflight(Purpose::CreateNodes).await?;
    let nodes = node::list(provider, opts.cluster).await?;
    if nodes.is_empty() {
        return Err(NodesError::NoNodes(opts.cluster.to_string()).into());
    }
    let nodes = node::control_plane_first(nodes, opts.cluster)?;
    let was_running = nodes.iter().all(Node::is_running);
    printer.info(&format!("Starting cluster {:?} ...", opts.cluster));

    // Nodes on their cluster network keep their addresses: nothing to heal.
    let fixed = nodes.iter().all(|n| n.fixed.is_some());
    printer.start(&format!("Starting nodes {}", "📦 ".repeat(nodes.len())));
    let boots = nodes.iter().map(|node| boot(provider, node));
    let nodes = futures_util::future::try_join_all(boots).await?;
    for node in &nodes {
        crate::cluster::network::check_after_boot(node, &nodes)?;
    }

    let (control_plane, workers) = nodes.split_first().expect("a control plane");
    if !fixed {
        printer.start("Healing control plane 🩹");
        heal::heal(provider, control_plane, workers).await?;
    }

    if !opts.wait.is_zero() {
        printer.start(&format!("Waiting ≤ {} for nodes = Ready ⏳", crate::duration::format(opts.wait)));
        wait_ready(provider, &control_plane.name, opts.wait).await?;
        printer.end(true);
        printer.info(&format!(" • Ready after {} 💚", crate::duration::format_elapsed(started.elapsed())));
    }
    printer.end(true);
    Ok(Started { control_plane: control_plane.clone(), was_running, fixed })
}

/// A start's last step: the kubeconfig entry (if the endpoint moved), then
/// the line that says the cluster runs.
pub(crate) async fn finish_start<P: Provider>(
    provider: &P,
    printer: &Printer,
    started: &Started,
    kubeconfig: &Path,
) -> anyhow::Result<()> {
    let control_plane = &started.control_plane;
    refresh_kubeconfig(provider, printer, control_plane, kubeconfig).await?;
    if started.was_running {
        printer.info(&format!(
            "Cluster {:?} was already running; its nodes and addresses check out",
            control_plane.cluster
        ));
    } else {
        printer.info(&format!("Cluster {:?} is running", control_plane.cluster));
    }
    Ok(())
}

/// Starts a node if it is stopped, waits for containerd, re-applies the
/// runtime settings (they do not survive a reboot; a kina-node image, and the
/// address unit of a node with a fixed address, apply them at boot) and
/// reads the new address.
async fn boot<P: Provider>(provider: &P, node: &Node) -> anyhow::Result<Node> {
    if !node.is_running() {
        provider.start_node(&node.name).await.with_context(|| format!("failed to start node {}", node.name))?;
    }
    let report = wait_for_containerd(provider, &node.name, BOOT_TIMEOUT).await?;
    if node.fixed.is_none() {
        apply_runtime_settings(provider, &node.name, &report).await.context("failed to prepare node")?;
    }
    let booted = provider.node(&node.name).inspect().await?;
    if booted.ipv4.is_none() {
        anyhow::bail!("node {} has no IPv4 address after starting; check `container inspect {}`", node.name, node.name);
    }
    Ok(booted)
}

async fn wait_ready<P: Provider>(provider: &P, control_plane: &str, wait: Duration) -> anyhow::Result<()> {
    let ready = wait_for_ready_nodes(wait);
    provider.node(control_plane).run_checked(&ready).await.context("the nodes did not become Ready")?;
    Ok(())
}

/// The Mac reaches the API server on its published localhost port, which
/// survives restarts; rewrite the entry only if it no longer matches.
async fn refresh_kubeconfig<P: Provider>(
    provider: &P,
    printer: &Printer,
    control_plane: &Node,
    path: &Path,
) -> anyhow::Result<()> {
    let key = kubeconfig::kina_key(&control_plane.cluster);
    let current = kubeconfig::load(path)?;
    let entry = |config: &kubeconfig::Kubeconfig| {
        config.clusters.iter().flatten().find(|c| c.name == key).and_then(|c| c.cluster.clone())
    };
    // With fixed addresses nothing in the node changed: an entry that still
    // points at the published port is current without reading admin.conf.
    if let (Some(_), Some(endpoint), Some(config)) =
        (&control_plane.fixed, &control_plane.api_server_endpoint, current.as_ref())
    {
        let server = entry(config).and_then(|c| c.get("server").and_then(|s| s.as_str()).map(str::to_string));
        let has_context = config.contexts.iter().flatten().any(|c| c.name == key);
        if has_context && server == Some(format!("https://{endpoint}")) {
            return Ok(());
        }
    }
    let fresh = cluster_kubeconfig(provider, control_plane, false).await?;
    let fresh_entry = entry(&fresh);
    if current.as_ref().and_then(entry) != fresh_entry {
        if let Some(notice) = kubeconfig::export(path, &fresh)?.notice(path) {
            printer.warn(&notice);
        }
        printer.info(&format!("Set kubectl context to {key:?}"));
    }
    Ok(())
}

//! Reads kubeadm's admin.conf from the control plane and merges it into the
//! user's kubeconfig as `kina-<cluster>`.

use std::path::Path;

use anyhow::Context as _;

use crate::kubeconfig::{self, Kubeconfig};
use crate::node::paths::ADMIN_CONF;
use crate::provider::{API_SERVER_PORT, Node, NodeCommand, NodeHandle, Provider};

/// The admin kubeconfig of `node`, pointed at the Mac-side endpoint, or at
/// the node's own address with `internal`.
pub(crate) async fn cluster_kubeconfig<P: Provider>(
    provider: &P,
    node: &Node,
    internal: bool,
) -> anyhow::Result<Kubeconfig> {
    let raw = provider
        .node(&node.name)
        .run_checked(&NodeCommand::new(["cat", ADMIN_CONF]))
        .await
        .context("failed to get cluster internal kubeconfig")?
        .stdout;
    from_admin_conf(&raw, node, internal)
}

/// The cluster's kubeconfig from the control plane's `admin.conf` text.
fn from_admin_conf(raw: &str, node: &Node, internal: bool) -> anyhow::Result<Kubeconfig> {
    let server = if internal {
        let ip = node.ipv4.with_context(|| format!("node {} has no IPv4 address", node.name))?;
        format!("https://{ip}:{API_SERVER_PORT}")
    } else {
        let endpoint = node
            .api_server_endpoint
            .as_deref()
            .with_context(|| format!("node {} publishes no API server port", node.name))?;
        format!("https://{endpoint}")
    };
    Ok(kubeconfig::from_admin_conf(raw, &node.cluster, Some(&server))?)
}

/// Merges the cluster's kubeconfig into `path` and makes it current.
pub(crate) async fn export_kubeconfig<P: Provider>(
    provider: &P,
    node: &Node,
    path: &Path,
    internal: bool,
) -> anyhow::Result<kubeconfig::Written> {
    let config = cluster_kubeconfig(provider, node, internal).await?;
    Ok(kubeconfig::export(path, &config)?)
}

/// Merges the cluster's kubeconfig, from `admin.conf` text already read
/// (by a kina-node image's one-exec init), into `path`, pointed at the Mac-side endpoint.
pub(crate) fn export_admin_conf(admin_conf: &str, node: &Node, path: &Path) -> anyhow::Result<kubeconfig::Written> {
    let config = from_admin_conf(admin_conf, node, false)?;
    Ok(kubeconfig::export(path, &config)?)
}

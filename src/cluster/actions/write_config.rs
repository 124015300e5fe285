//! Writes `/kind/kubeadm.conf` on the bootstrap control plane (kubeadm reads
//! it, and kindest/node's entrypoint needs it to regenerate certificates
//! after the VM's IP changes), and applies `containerdConfigPatches` on
//! every node, as kind's `config` action does.

use anyhow::Context as _;

use super::Context;
use crate::cluster::plan::PlannedNode;
use crate::containerd;
use crate::kubeadm::{Discovery, NodePlan, PatchLevel, RenderedNode, render_node_report};
use crate::node::paths;
use crate::provider::{NodeCommand, NodeHandle, Provider};

/// Replaces containerd's config with the one on stdin and restarts it.
const REPLACE_CONTAINERD_CONFIG: &str = "set -e
cat > /etc/containerd/config.toml
systemctl restart containerd
";

pub(super) async fn execute<P: Provider>(ctx: &mut Context<'_, P>) -> anyhow::Result<()> {
    warn_about_unmatched_patches(ctx)?;
    let bootstrap = ctx.bootstrap().clone();
    let config = render(ctx, &bootstrap, None)?;
    if ctx.init_in_one_exec {
        // The image's init-control-plane.sh writes it, in the `kubeadm init` exec.
        tracing::debug!("kubeadm config for {}:\n{config}", bootstrap.name);
        ctx.kubeadm_config_at_init = Some(config);
    } else {
        write_kubeadm_config(ctx, &bootstrap.name, config).await?;
    }
    if !ctx.config.containerd_config_patches.is_empty() || !ctx.config.containerd_config_patches_json6902.is_empty() {
        let patches = ctx.nodes.iter().map(|node| patch_containerd(ctx, &node.name));
        futures_util::future::try_join_all(patches).await?;
    }
    Ok(())
}

/// A node's kubeadm config, with the cluster's and the node's patches.
pub(super) fn render<P: Provider>(
    ctx: &Context<'_, P>,
    node: &PlannedNode,
    discovery: Option<Discovery>,
) -> anyhow::Result<String> {
    let mut plan = NodePlan::from_config(
        &ctx.config,
        &ctx.cluster,
        node.config_index,
        &node.name,
        ctx.kubernetes_version(&node.name)?,
        ctx.node_ip(&node.name)?,
        ctx.node_ip(&ctx.bootstrap().name)?,
    );
    plan.discovery = discovery;
    plan.fixed_address = node.spec.fixed.is_some();
    Ok(render_plan(&plan, &node.name)?.config)
}

fn render_plan(plan: &NodePlan, node: &str) -> anyhow::Result<RenderedNode> {
    render_node_report(plan).with_context(|| format!("failed to render the kubeadm config for {node}"))
}

/// kind drops kubeadm patches that match no document without a word; kina
/// says so. A cluster-level patch counts as unmatched only if it matches on
/// no node (one aimed at JoinConfiguration only matches workers).
fn warn_about_unmatched_patches<P: Provider>(ctx: &Context<'_, P>) -> anyhow::Result<()> {
    let mut per_node = Vec::new();
    for node in &ctx.nodes {
        let version = ctx.kubernetes_version(&node.name)?;
        // Addresses do not change which documents exist; any will do here.
        let ip = std::net::Ipv4Addr::LOCALHOST;
        let plan = NodePlan::from_config(&ctx.config, &ctx.cluster, node.config_index, &node.name, version, ip, ip);
        per_node.push(render_plan(&plan, &node.name)?.unmatched);
    }
    let mut warned = Vec::new();
    for unmatched in per_node.iter().flatten() {
        let everywhere = match unmatched.patch.level {
            PatchLevel::Cluster => per_node.iter().all(|list| list.contains(unmatched)),
            PatchLevel::Node(_) => true,
        };
        let text = unmatched.to_string();
        if everywhere && !warned.contains(&text) {
            ctx.printer.warn(&text);
            warned.push(text);
        }
    }
    Ok(())
}

/// Writes a node's `/kind/kubeadm.conf`; the content travels on stdin.
pub(super) async fn write_kubeadm_config<P: Provider>(
    ctx: &Context<'_, P>,
    node: &str,
    config: String,
) -> anyhow::Result<()> {
    tracing::debug!("kubeadm config for {node}:\n{config}");
    let write = NodeCommand::new(["cp", "/dev/stdin", paths::KUBEADM_CONF]).stdin(config);
    ctx.provider.node(node).run_checked(&write).await.context("failed to copy kubeadm config to node")?;
    Ok(())
}

async fn patch_containerd<P: Provider>(ctx: &Context<'_, P>, node: &str) -> anyhow::Result<()> {
    let current = ctx
        .provider
        .node(node)
        .run_checked(&NodeCommand::new(["cat", paths::CONTAINERD_CONFIG]))
        .await
        .context("failed to read containerd config")?
        .stdout;
    let patched = containerd::patch_config_report(
        &current,
        &ctx.config.containerd_config_patches,
        &ctx.config.containerd_config_patches_json6902,
    )
    .with_context(|| format!("failed to patch containerd config on {node}"))?;
    for skipped in &patched.skipped {
        ctx.printer.warn(&format!(
            "containerdConfigPatches[{}] is for config version {} but {node} runs version {}: skipped, as kind does",
            skipped.index, skipped.patch_version, skipped.config_version
        ));
    }
    debug_assert!(REPLACE_CONTAINERD_CONFIG.contains(paths::CONTAINERD_CONFIG));
    let replace = NodeCommand::new(["sh", "-c", REPLACE_CONTAINERD_CONFIG]).stdin(patched.config);
    ctx.provider.node(node).run_checked(&replace).await.context("failed to write containerd config")?;
    Ok(())
}

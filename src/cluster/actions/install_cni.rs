//! Installs the node image's default CNI (kindnet) as kind does: template the
//! pod subnet, point kindnet at the API server, apply through the node.

use anyhow::Context as _;

use super::Context;
use crate::node::{default_cni, kubectl, paths};
use crate::provider::{API_SERVER_PORT, NodeCommand, NodeHandle, Provider};

pub(crate) async fn execute<P: Provider>(ctx: &mut Context<'_, P>) -> anyhow::Result<()> {
    let node = ctx.bootstrap().name.as_str();
    let rendered = rendered_manifest(ctx).await?;
    let apply = kubectl(["apply", "-f", "-"]).stdin(rendered);
    ctx.provider.node(node).run_checked(&apply).await.context("failed to apply overlay network")?;
    Ok(())
}

/// kindnet's manifest for this cluster, from the template the boot probe
/// read (kina-node images) or read from the node now.
pub(super) async fn rendered_manifest<P: Provider>(ctx: &Context<'_, P>) -> anyhow::Result<String> {
    let node = ctx.bootstrap().name.as_str();
    let manifest = match &ctx.cni_template {
        Some(template) => template.clone(),
        None => {
            ctx.provider
                .node(node)
                .run_checked(&NodeCommand::new(["cat", paths::DEFAULT_CNI_MANIFEST]))
                .await
                .context("failed to read CNI manifest")?
                .stdout
        }
    };
    // kindnet runs on each node's host network. On a single node, loopback
    // reaches the API server and survives the VM's address changing; workers
    // need the control plane's address (which `kina start` heals).
    let api_server = if ctx.workers().next().is_some() {
        format!("{}:{API_SERVER_PORT}", ctx.node_ip(node)?)
    } else {
        format!("127.0.0.1:{API_SERVER_PORT}")
    };
    default_cni::render(&manifest, &ctx.config.networking.pod_subnet, &api_server)
}

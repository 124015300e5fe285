use anyhow::Context as _;

use super::Context;
use crate::cluster::KUBECTL_KUBECONFIG_FLAG;
use crate::provider::{NodeCommand, Provider};

const MANIFEST: &str = "/kind/manifests/default-storage.yaml";

/// Applies the node image's default StorageClass (local-path, `standard`).
pub async fn execute<P: Provider>(ctx: &mut Context<'_, P>) -> anyhow::Result<()> {
    let apply = NodeCommand::new(["kubectl", KUBECTL_KUBECONFIG_FLAG, "apply", "-f", MANIFEST]);
    ctx.provider.exec_checked(&ctx.bootstrap().name, &apply).await.context("failed to add default storage class")?;
    Ok(())
}

use anyhow::Context as _;

use super::Context;
use crate::node::{kubectl, paths};
use crate::provider::{NodeHandle, Provider};

/// Applies the node image's default StorageClass (local-path, `standard`).
pub(super) async fn execute<P: Provider>(ctx: &mut Context<'_, P>) -> anyhow::Result<()> {
    let apply = kubectl(["apply", "-f", paths::DEFAULT_STORAGE_MANIFEST]);
    ctx.provider
        .node(&ctx.bootstrap().name)
        .run_checked(&apply)
        .await
        .context("failed to add default storage class")?;
    Ok(())
}

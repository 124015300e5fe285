//! `--wait`: kind waits for the control-plane node to be Ready, and a
//! timeout is a warning, not an error, so kind-style scripts keep working.

use super::Context;
use crate::cluster::wait_for_ready_nodes;
use crate::provider::{NodeHandle, Provider};

pub(super) async fn execute<P: Provider>(ctx: &mut Context<'_, P>) -> anyhow::Result<()> {
    // Every node, not only the control plane as kind does: workers are what users wait for.
    let wait = wait_for_ready_nodes(ctx.wait);
    let ready = match ctx.provider.node(&ctx.bootstrap().name).run(&wait).await {
        Ok(output) => output.success(),
        Err(err) => {
            tracing::debug!("waiting for Ready failed: {err}");
            false
        }
    };
    if ready {
        ctx.printer.end(true);
        // From the start of the create, not of the wait: how long until the cluster was usable.
        ctx.printer.info(&format!(" • Ready after {} 💚", crate::duration::format_elapsed(ctx.started.elapsed())));
    } else {
        ctx.printer.end(false);
        ctx.printer.info(" • WARNING: Timed out waiting for Ready ⚠️");
        if !ctx.install_cni() {
            ctx.printer.info(
                " • The cluster has no CNI (networking.disableDefaultCNI: true): its nodes stay NotReady until one runs; \
                 `kina install kindnet` or `kina install calico`",
            );
        }
    }
    Ok(())
}

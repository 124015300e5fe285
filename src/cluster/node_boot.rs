//! What every node VM needs after each boot, at create and at start: wait
//! for containerd, then the runtime settings the recipes document.

use std::time::Duration;

use anyhow::bail;

use crate::exec::{ExecError, Output};
use crate::provider::{NodeCommand, Provider, ProviderError};

/// Apple's plugin allows a node this long to boot.
pub const BOOT_TIMEOUT: Duration = Duration::from_secs(240);

/// Runtime settings every node needs after each boot, all idempotent:
/// forwarding for pods, no TSO/GSO (vmnet stalls large TCP transfers
/// between VMs), and an MSS clamp for the 1280-byte MTU. A constant script,
/// the same file the kina-node image runs at every boot (images/node/).
pub const RUNTIME_SETTINGS: &str = include_str!("../../images/node/runtime-settings.sh");

/// Applies [`RUNTIME_SETTINGS`] in a node.
pub async fn apply_runtime_settings<P: Provider>(provider: &P, node: &str) -> anyhow::Result<()> {
    let settings = NodeCommand::new(["sh", "-c", RUNTIME_SETTINGS]);
    provider.exec_checked(node, &settings).await?;
    Ok(())
}

/// Polls with backoff until containerd's socket exists in the node.
pub async fn wait_for_containerd<P: Provider>(provider: &P, node: &str, timeout: Duration) -> anyhow::Result<()> {
    let probe =
        NodeCommand::new(["test", "-S", crate::node::paths::CONTAINERD_SOCKET]).timeout(Duration::from_secs(10));
    let mut backoff = crate::backoff::Backoff::new(timeout);
    loop {
        let output = match provider.exec(node, &probe).await {
            Ok(output) => output,
            // A VM still booting may not answer within the probe's limit: poll again.
            Err(ProviderError::Exec(ExecError::TimedOut { .. })) => Output { code: 124, ..Output::default() },
            Err(err) => return Err(err.into()),
        };
        if output.success() {
            return Ok(());
        }
        if !output.stderr.trim().is_empty() {
            // `test` is silent; the exec itself failed. Did the VM stop?
            let state = provider.inspect_node(node).await?.state;
            if state != "running" {
                bail!(
                    "node {node} stopped while booting (state: {state}): {}; see `container logs {node}`",
                    output.stderr.trim()
                );
            }
        }
        if !backoff.next().await {
            bail!(
                "node {node} did not boot within {}s: containerd socket not present; see `container logs {node}`",
                timeout.as_secs()
            );
        }
    }
}

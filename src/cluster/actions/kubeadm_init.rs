use std::time::Duration;

use anyhow::Context as _;

use super::{Context, install_cni};
use crate::exec::ExecError;
use crate::node::KUBECONFIG_FLAG;
use crate::node::paths::KUBEADM_CONF;
use crate::provider::{NodeCommand, NodeHandle, Provider, ProviderError};

const INIT_TIMEOUT: Duration = Duration::from_secs(600);

/// A single node is control plane and worker: let workloads schedule on it.
///
/// Then CoreDNS tuned for a single node: one replica (as minikube does,
/// https://github.com/kubernetes/minikube/pull/10656), and a readiness probe
/// every 2 s instead of the default 10 s, so DNS is ready sooner. These
/// two are best effort: a cluster whose kubeadm patches skipped CoreDNS has
/// nothing to tune. A kina-node image runs the same file from `/kina/bin/`.
const SINGLE_NODE_SETTINGS: &str = include_str!("../../../images/node/single-node.sh");

/// A kina-node image's one-exec init (`images/node/init-control-plane.sh`).
const INIT_CONTROL_PLANE: &str = "/kina/bin/init-control-plane.sh";

pub(super) async fn execute<P: Provider>(ctx: &mut Context<'_, P>) -> anyhow::Result<()> {
    if ctx.init_in_one_exec {
        return init_in_one_exec(ctx).await;
    }
    let config_flag = format!("--config={KUBEADM_CONF}");
    let init = NodeCommand::new(["kubeadm", "init", config_flag.as_str(), "--skip-token-print", "--v=6"])
        .timeout(INIT_TIMEOUT);
    let node = ctx.bootstrap().name.clone();
    let output = ctx.provider.node(&node).run_checked(&init).await.context("failed to init node with kubeadm")?;
    tracing::trace!("kubeadm init output:\n{}", output.stdout);

    if ctx.nodes.len() > 1 {
        // With workers, workloads stay off the control plane, as in kind.
        return Ok(());
    }
    debug_assert!(SINGLE_NODE_SETTINGS.contains(KUBECONFIG_FLAG));
    let untaint = NodeCommand::new(["sh", "-c", SINGLE_NODE_SETTINGS]);
    ctx.provider.node(&node).run_checked(&untaint).await.context("failed to remove control plane taint")?;
    Ok(())
}

/// The image gives the node its fixed address (on a cluster network, where
/// the image has `node-address`), writes the kubeadm config and kindnet's conflist, runs `kubeadm
/// init`, the single-node settings, kindnet and the StorageClass, and answers
/// with `admin.conf`: one exec where kindest/node takes seven. The files travel
/// on stdin, each announced by its line count.
async fn init_in_one_exec<P: Provider>(ctx: &mut Context<'_, P>) -> anyhow::Result<()> {
    let config = ctx.kubeadm_config_at_init.take().context("the kubeadm config was not rendered")?;
    let address = ctx.node_address_at_init.take().unwrap_or_default();
    let conflist = ctx.conflist_at_init.take().unwrap_or_default();
    let cni_manifest = if ctx.install_cni() { install_cni::rendered_manifest(ctx).await? } else { String::new() };
    let files = [address, config, conflist, cni_manifest].map(with_final_newline);
    let [address_lines, config_lines, conflist_lines, cni_lines] =
        files.each_ref().map(|f| f.matches('\n').count().to_string());
    let mut argv = vec!["sh", INIT_CONTROL_PLANE];
    if address_lines != "0" {
        // Only on an image that has it (`node-address`): older ones refuse the option.
        argv.extend(["--node-address", &address_lines]);
    }
    argv.extend(["--kubeadm-config", &config_lines, "--cni-config", &conflist_lines, "--cni-manifest", &cni_lines]);
    if ctx.nodes.len() == 1 {
        argv.push("--single-node");
    }
    if ctx.install_storage() {
        argv.push("--storage");
    }
    let init = NodeCommand::new(argv).stdin(files.concat()).timeout(INIT_TIMEOUT + 4 * NodeCommand::DEFAULT_TIMEOUT);
    let node = ctx.bootstrap().name.clone();
    match ctx.provider.node(&node).run_checked(&init).await {
        Ok(output) => {
            ctx.admin_conf = Some(output.stdout);
            Ok(())
        }
        Err(err) => {
            let step = match &err {
                ProviderError::Exec(ExecError::Failed { output, .. }) => failed_step(output.code),
                _ => None,
            };
            Err(anyhow::Error::new(err).context(step.unwrap_or("failed to start the control plane")))
        }
    }
}

/// The step `init-control-plane.sh` names by its exit code, worded as the
/// same step is on kindest/node.
fn failed_step(code: i32) -> Option<&'static str> {
    Some(match code {
        9 => "failed to give the node its fixed address",
        10 => "failed to copy kubeadm config and CNI config to node",
        11 => "failed to init node with kubeadm",
        12 => "failed to remove control plane taint",
        13 => "failed to apply overlay network",
        14 => "failed to add default storage class",
        15 => "failed to get cluster internal kubeconfig",
        _ => return None,
    })
}

/// An empty file stays empty (zero lines: not sent).
fn with_final_newline(mut text: String) -> String {
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_step_code_of_the_script_is_named() {
        let script = include_str!("../../../images/node/init-control-plane.sh");
        for code in 9..=15 {
            assert!(script.contains(&format!("step {code} ")), "step {code} not in the script");
            assert!(failed_step(code).is_some(), "{code}");
        }
        assert!(failed_step(2).is_none());
        assert!(script.contains("kubeadm init --config=/kind/kubeadm.conf --skip-token-print --v=6\n"));
        assert!(script.contains(&format!("kubectl {KUBECONFIG_FLAG} apply -f ")));
    }

    #[test]
    fn files_are_counted_in_whole_lines() {
        assert_eq!(with_final_newline(String::new()), "");
        assert_eq!(with_final_newline("a\nb".into()), "a\nb\n");
        assert_eq!(with_final_newline("a\n".into()), "a\n");
    }
}

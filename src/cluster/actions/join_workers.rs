//! `kubeadm join` for every worker, in parallel, with a token and the CA
//! hash read from the control plane, so discovery is verified.

use std::time::Duration;

use anyhow::Context as _;

use super::write_config::{render, write_kubeadm_config};
use super::{Context, NodeFailure};
use crate::cluster::plan::PlannedNode;
use crate::kubeadm::Discovery;
use crate::node::paths::KUBEADM_CONF;
use crate::provider::{NodeCommand, NodeHandle, Provider};

const JOIN_TIMEOUT: Duration = Duration::from_secs(600);

pub(super) async fn execute<P: Provider>(ctx: &mut Context<'_, P>) -> anyhow::Result<()> {
    let print = NodeCommand::new(["kubeadm", "token", "create", "--print-join-command"]);
    let output = ctx
        .provider
        .node(&ctx.bootstrap().name)
        .run_checked(&print)
        .await
        .context("failed to get a join token from the control plane")?;
    let discovery = parse_join_command(&output.stdout)?;
    let ctx = &*ctx;
    let joins = ctx.workers().map(|worker| join(ctx, worker, discovery.clone()));
    futures_util::future::try_join_all(joins).await?;
    Ok(())
}

async fn join<P: Provider>(ctx: &Context<'_, P>, worker: &PlannedNode, discovery: Discovery) -> anyhow::Result<()> {
    let config = render(ctx, worker, Some(discovery))?;
    write_kubeadm_config(ctx, &worker.name, config).await?;
    let config_flag = format!("--config={KUBEADM_CONF}");
    let join = NodeCommand::new(["kubeadm", "join", config_flag.as_str(), "--v=6"]).timeout(JOIN_TIMEOUT);
    ctx.provider.node(&worker.name).run_checked(&join).await.with_context(|| NodeFailure {
        node: worker.name.clone(),
        what: format!("failed to join node {} with kubeadm", worker.name),
    })?;
    Ok(())
}

/// Token and CA hash from `kubeadm token create --print-join-command`.
pub(super) fn parse_join_command(text: &str) -> anyhow::Result<Discovery> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let after =
        |flag: &str| words.iter().position(|w| *w == flag).and_then(|i| words.get(i + 1)).map(|s| s.to_string());
    Ok(Discovery {
        token: after("--token").context("no --token in kubeadm's join command")?,
        ca_cert_hash: after("--discovery-token-ca-cert-hash")
            .context("no --discovery-token-ca-cert-hash in kubeadm's join command")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_token_and_hash() {
        let text = "kubeadm join 192.168.64.3:6443 --token abcdef.0123456789abcdef --discovery-token-ca-cert-hash sha256:1234abcd \n";
        let discovery = parse_join_command(text).unwrap();
        assert_eq!(discovery.token, "abcdef.0123456789abcdef");
        assert_eq!(discovery.ca_cert_hash, "sha256:1234abcd");
        assert!(parse_join_command("kubeadm join x --token t").is_err());
    }
}

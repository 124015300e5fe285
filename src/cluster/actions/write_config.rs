//! Writes `/kind/kubeadm.conf`: kubeadm reads it, and kindest/node's
//! entrypoint needs it to regenerate certificates after the VM's IP changes.

use anyhow::Context as _;

use super::Context;
use crate::kubeadm::{self, ConfigParams};
use crate::provider::{NodeCommand, Provider};

pub const KUBEADM_CONF: &str = "/kind/kubeadm.conf";

pub async fn execute<P: Provider>(ctx: &mut Context<'_, P>) -> anyhow::Result<()> {
    let params = ConfigParams {
        cluster_name: ctx.cluster.clone(),
        kubernetes_version: ctx.kubernetes_version.clone().context("Kubernetes version not known yet")?,
        node_name: ctx.control_plane.clone(),
        node_ip: ctx.node_ip()?,
        pod_subnet: ctx.pod_subnet.clone(),
        service_subnet: ctx.service_subnet.clone(),
        single_control_plane: true,
    };
    let config = kubeadm::render(&params)?;
    tracing::debug!("kubeadm config for {}:\n{config}", ctx.control_plane);
    // The content travels on stdin; no shell ever sees it.
    let write = NodeCommand::new(["cp", "/dev/stdin", KUBEADM_CONF]).stdin(config);
    ctx.provider.exec_checked(&ctx.control_plane, &write).await.context("failed to copy kubeadm config to node")?;
    Ok(())
}

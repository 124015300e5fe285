//! From an addon's id to its module.

use super::catalog::{self, AddonId};
use super::{Cx, calico, gateway, headlamp, ingress_nginx, kindnet, load_balancer, local_path, metrics_server};
use crate::provider::Provider;

/// Downloads (or finds in the cache) every upstream manifest the addon needs,
/// before anything is applied: a failed download then changes nothing.
pub async fn prefetch<P: Provider>(cx: &Cx<'_, P>, id: AddonId, version: &str, pinned: bool) -> anyhow::Result<()> {
    let remote = match id {
        AddonId::LoadBalancer | AddonId::Kindnet => return Ok(()),
        AddonId::Gateway => {
            cx.fetcher.get(&gateway::GATEWAY_API, gateway::GATEWAY_API_VERSION, true).await?;
            gateway::ENVOY_GATEWAY
        }
        AddonId::IngressNginx => ingress_nginx::REMOTE,
        AddonId::MetricsServer => metrics_server::REMOTE,
        // Nothing to download when the node image's storage is already there.
        AddonId::LocalPathStorage if local_path::kind_storage_present(cx).await? => return Ok(()),
        AddonId::LocalPathStorage => local_path::REMOTE,
        AddonId::Headlamp => headlamp::REMOTE,
        AddonId::Calico => calico::REMOTE,
    };
    cx.fetcher.get(&remote, version, pinned).await?;
    Ok(())
}

/// Why installing would change nothing, when the cluster already has it.
pub async fn provided_already<P: Provider>(cx: &Cx<'_, P>, id: AddonId) -> anyhow::Result<Option<String>> {
    Ok(match id {
        AddonId::LocalPathStorage if local_path::kind_storage_present(cx).await? => Some(
            "The cluster already has local-path storage from the node image (StorageClass standard, the default); \
             nothing to install"
                .into(),
        ),
        _ => None,
    })
}

/// What removing the addon costs, said before it starts.
pub fn warn_before_removing<P: Provider>(cx: &Cx<'_, P>, id: AddonId) {
    match id {
        AddonId::Kindnet | AddonId::Calico => kindnet::warn_network_goes(cx, catalog::info(id).name),
        AddonId::Gateway => {
            cx.printer.warn("removing the Gateway API CRDs deletes every Gateway and HTTPRoute in the cluster")
        }
        _ => {}
    }
}

/// What `--list` shows in its INSTALLED column.
pub async fn list_state<P: Provider>(cx: &Cx<'_, P>, id: AddonId) -> anyhow::Result<&'static str> {
    if id == AddonId::LocalPathStorage && !local_path::upstream_installed(cx).await? {
        return Ok(if installed(cx, id).await? { "node image" } else { "no" });
    }
    Ok(if installed(cx, id).await? { "yes" } else { "no" })
}

/// Applies what the addon consists of (after its prerequisite checks).
pub async fn install<P: Provider>(cx: &Cx<'_, P>, id: AddonId, version: &str, pinned: bool) -> anyhow::Result<()> {
    match id {
        AddonId::LoadBalancer => load_balancer::install(cx).await,
        AddonId::Gateway => gateway::install(cx, version, pinned).await,
        AddonId::IngressNginx => ingress_nginx::install(cx, version, pinned).await,
        AddonId::MetricsServer => metrics_server::install(cx, version, pinned).await,
        AddonId::LocalPathStorage => local_path::install(cx, version, pinned).await,
        AddonId::Headlamp => headlamp::install(cx, version, pinned).await,
        AddonId::Kindnet => kindnet::install(cx).await,
        AddonId::Calico => calico::install(cx, version, pinned).await,
    }
}

/// Waits until the addon works (within what is left of `--wait`).
pub async fn ready<P: Provider>(cx: &Cx<'_, P>, id: AddonId) -> anyhow::Result<()> {
    match id {
        AddonId::LoadBalancer => load_balancer::check_ready(cx).await,
        AddonId::Gateway => gateway::ready(cx).await,
        AddonId::IngressNginx => ingress_nginx::ready(cx).await,
        AddonId::MetricsServer => metrics_server::ready(cx).await,
        AddonId::LocalPathStorage => local_path::ready(cx).await,
        AddonId::Headlamp => headlamp::ready(cx).await,
        AddonId::Kindnet => kindnet::ready(cx).await,
        AddonId::Calico => calico::ready(cx).await,
    }
}

/// Tells the user how to reach or use what was installed.
pub async fn reach<P: Provider>(cx: &Cx<'_, P>, id: AddonId) -> anyhow::Result<()> {
    match id {
        AddonId::LoadBalancer => load_balancer::reach(cx).await,
        AddonId::Gateway => gateway::reach(cx).await,
        AddonId::IngressNginx => ingress_nginx::reach(cx).await,
        AddonId::MetricsServer => metrics_server::reach(cx).await,
        AddonId::LocalPathStorage => local_path::reach(cx).await,
        AddonId::Headlamp => headlamp::reach(cx).await,
        AddonId::Kindnet | AddonId::Calico => Ok(()),
    }
}

pub async fn uninstall<P: Provider>(cx: &Cx<'_, P>, id: AddonId, version: &str, pinned: bool) -> anyhow::Result<()> {
    match id {
        AddonId::LoadBalancer => load_balancer::uninstall(cx).await,
        AddonId::Gateway => gateway::uninstall(cx, version, pinned).await,
        AddonId::IngressNginx => ingress_nginx::uninstall(cx, version, pinned).await,
        AddonId::MetricsServer => metrics_server::uninstall(cx, version, pinned).await,
        AddonId::LocalPathStorage => local_path::uninstall(cx, version, pinned).await,
        AddonId::Headlamp => headlamp::uninstall(cx, version, pinned).await,
        AddonId::Kindnet => kindnet::uninstall(cx).await,
        AddonId::Calico => calico::uninstall(cx, version, pinned).await,
    }
}

/// Whether the cluster has the addon now (what `--list` shows, and whether a
/// dependency must be installed first).
pub async fn installed<P: Provider>(cx: &Cx<'_, P>, id: AddonId) -> anyhow::Result<bool> {
    match id {
        AddonId::LoadBalancer => cx.node_file_exists(load_balancer::UNIT_PATH).await,
        AddonId::Gateway => gateway::installed(cx).await,
        AddonId::IngressNginx => ingress_nginx::installed(cx).await,
        AddonId::MetricsServer => metrics_server::installed(cx).await,
        AddonId::LocalPathStorage => local_path::installed(cx).await,
        AddonId::Headlamp => headlamp::installed(cx).await,
        AddonId::Kindnet => kindnet::installed(cx).await,
        AddonId::Calico => calico::installed(cx).await,
    }
}

//! `kindnet` (alias `cni`): kind's default CNI from the node image, for
//! clusters created with `networking.disableDefaultCNI: true`. It routes pod
//! traffic without a bridge or overlay, so Apple's stock kernel runs it.

use anyhow::Context as _;
use serde_json::Value;

use super::kubectl::Wait;
use super::{AddonError, Cx};
use crate::cluster::actions::install_cni;
use crate::provider::{API_SERVER_PORT, NodeCommand, Provider};
use crate::yaml;

const ADDON: &str = "kindnet";
const MANIFEST: &str = "/kind/manifests/default-cni.yaml";
const KUBEADM_CONF: &str = "/kind/kubeadm.conf";
const NAMESPACE: &str = "kube-system";
/// The DaemonSets of the CNIs kina installs, by addon name.
pub const CNI_DAEMONSETS: &[(&str, &str)] = &[("kindnet", "kindnet"), ("calico", "calico-node")];

/// The CNI the cluster runs, if any (by its DaemonSet).
pub async fn running_cni<P: Provider>(cx: &Cx<'_, P>) -> anyhow::Result<Option<&'static str>> {
    for (name, daemonset) in CNI_DAEMONSETS {
        if cx.exists("daemonset", Some(NAMESPACE), daemonset).await? {
            return Ok(Some(name));
        }
    }
    Ok(None)
}

/// Refuses to put a second CNI next to another one.
pub async fn refuse_other_cni<P: Provider>(cx: &Cx<'_, P>, addon: &'static str) -> anyhow::Result<()> {
    match running_cni(cx).await? {
        Some(existing) if existing != addon => Err(AddonError::CniPresent { addon, existing: existing.into() }.into()),
        _ => Ok(()),
    }
}

/// The pod subnet kina gave kubeadm when it created the cluster.
pub async fn pod_subnet<P: Provider>(cx: &Cx<'_, P>) -> anyhow::Result<String> {
    let conf = cx
        .provider
        .exec_checked(cx.control_plane(), &NodeCommand::new(["cat", KUBEADM_CONF]))
        .await
        .context("failed to read the cluster's kubeadm configuration")?
        .stdout;
    let docs: Vec<Value> = yaml::from_multiple(&conf).context("the node's kubeadm configuration is not YAML")?;
    docs.iter()
        .find(|d| d["kind"] == "ClusterConfiguration")
        .and_then(|d| d["networking"]["podSubnet"].as_str())
        .map(str::to_string)
        .ok_or_else(|| anyhow::anyhow!("{KUBEADM_CONF} has no networking.podSubnet"))
}

pub async fn install<P: Provider>(cx: &Cx<'_, P>) -> anyhow::Result<()> {
    refuse_other_cni(cx, ADDON).await?;
    let node = cx.control_plane();
    let manifest = cx.provider.exec_checked(node, &NodeCommand::new(["cat", MANIFEST])).await?.stdout;
    // As at create: loopback on a single node, the control plane's address with workers.
    let api_server = match (cx.has_workers(), cx.nodes[0].ipv4) {
        (true, Some(ip)) => format!("{ip}:{API_SERVER_PORT}"),
        _ => format!("127.0.0.1:{API_SERVER_PORT}"),
    };
    let rendered = install_cni::render(&manifest, &pod_subnet(cx).await?, &api_server)?;
    cx.apply(&rendered, false).await
}

/// The DaemonSet is rolled out and the nodes, which waited for a network, are Ready.
pub async fn ready_with<P: Provider>(cx: &Cx<'_, P>, addon: &'static str, daemonset: &str) -> anyhow::Result<()> {
    cx.wait_for(addon, &Wait::Rollout { resource: "daemonset", namespace: NAMESPACE, name: daemonset }).await?;
    cx.wait_for(addon, &Wait::NodesReady).await
}

pub async fn ready<P: Provider>(cx: &Cx<'_, P>) -> anyhow::Result<()> {
    ready_with(cx, ADDON, "kindnet").await
}

/// Said before a CNI is removed: the cluster has no pod network afterwards.
pub fn warn_network_goes<P: Provider>(cx: &Cx<'_, P>, addon: &str) {
    cx.printer.warn(&format!(
        "removing {addon} leaves the cluster without a pod network: nodes turn NotReady until another CNI runs \
         (`kina install kindnet` or `kina install calico`)"
    ));
}

pub async fn uninstall<P: Provider>(cx: &Cx<'_, P>) -> anyhow::Result<()> {
    let node = cx.control_plane();
    let manifest = cx.provider.exec_checked(node, &NodeCommand::new(["cat", MANIFEST])).await?.stdout;
    let rendered = install_cni::render(&manifest, &pod_subnet(cx).await?, "127.0.0.1:6443")?;
    cx.delete(&rendered).await
}

pub async fn installed<P: Provider>(cx: &Cx<'_, P>) -> anyhow::Result<bool> {
    cx.exists("daemonset", Some(NAMESPACE), "kindnet").await
}

//! `kindnet` (alias `cni`): kind's default CNI from the node image, for
//! clusters created with `networking.disableDefaultCNI: true`. It routes pod
//! traffic without a bridge or overlay, so Apple's stock kernel runs it.
//! What every CNI addon shares (one CNI at a time, the pod subnet, the waits)
//! lives here too.

use anyhow::Context as _;
use serde_json::Value;

use super::addon::{Addon, Facts, Probe, Step};
use super::kubectl::Wait;
use super::{AddonError, Cx};
use crate::node::default_cni;
use crate::node::paths::{DEFAULT_CNI_MANIFEST, KUBEADM_CONF};
use crate::provider::{API_SERVER_PORT, NodeCommand};
use crate::yaml;

const ADDON: &str = "kindnet";
const NAMESPACE: &str = "kube-system";
const DAEMONSET: &str = "kindnet";
/// The DaemonSets of the CNIs kina installs, by addon name.
pub(super) const CNI_DAEMONSETS: &[(&str, &str)] = &[("kindnet", DAEMONSET), ("calico", "calico-node")];

pub(super) struct Kindnet;

impl Addon for Kindnet {
    fn facts(&self) -> &'static Facts {
        const FACTS: Facts = cni_facts(
            ADDON,
            DAEMONSET,
            &[Wait::Rollout { resource: "daemonset", namespace: NAMESPACE, name: DAEMONSET }, Wait::NodesReady],
        );
        &FACTS
    }

    fn install<'a>(&'a self, cx: &'a Cx<'_>, _version: &'a str, _pinned: bool) -> Step<'a> {
        Box::pin(async move {
            refuse_other_cni(cx, ADDON).await?;
            let manifest = cx.run(&NodeCommand::new(["cat", DEFAULT_CNI_MANIFEST])).await?.stdout;
            // As at create: loopback on a single node, the control plane's address with workers.
            let api_server = match (cx.has_workers(), cx.nodes[0].ipv4) {
                (true, Some(ip)) => format!("{ip}:{API_SERVER_PORT}"),
                _ => format!("127.0.0.1:{API_SERVER_PORT}"),
            };
            let rendered = default_cni::render(&manifest, &pod_subnet(cx).await?, &api_server)?;
            cx.apply(&rendered, false).await
        })
    }

    fn warn_before_removing(&self, cx: &Cx<'_>) {
        warn_network_goes(cx, ADDON);
    }

    fn uninstall<'a>(&'a self, cx: &'a Cx<'_>, _version: &'a str, _pinned: bool) -> Step<'a> {
        Box::pin(async move {
            let manifest = cx.run(&NodeCommand::new(["cat", DEFAULT_CNI_MANIFEST])).await?.stdout;
            let rendered = default_cni::render(&manifest, &pod_subnet(cx).await?, "127.0.0.1:6443")?;
            cx.delete(&rendered).await
        })
    }
}

/// A CNI is installed when its DaemonSet (in kube-system) exists, and ready
/// when that DaemonSet is rolled out (`rollout`) and the nodes, which waited
/// for a network, are Ready.
pub(super) const fn cni_facts(
    addon: &'static str,
    daemonset: &'static str,
    rollout: &'static [Wait<'static>],
) -> Facts {
    Facts {
        waits: rollout,
        ..Facts::of(addon, Probe::Object { resource: "daemonset", namespace: Some(NAMESPACE), name: daemonset })
    }
}

/// The CNI the cluster runs, if any (by its DaemonSet).
pub(super) async fn running_cni(cx: &Cx<'_>) -> anyhow::Result<Option<&'static str>> {
    for (name, daemonset) in CNI_DAEMONSETS {
        if cx.exists("daemonset", Some(NAMESPACE), daemonset).await? {
            return Ok(Some(name));
        }
    }
    Ok(None)
}

/// Refuses to put a second CNI next to another one.
pub(super) async fn refuse_other_cni(cx: &Cx<'_>, addon: &'static str) -> anyhow::Result<()> {
    match running_cni(cx).await? {
        Some(existing) if existing != addon => Err(AddonError::CniPresent { addon, existing: existing.into() }.into()),
        _ => Ok(()),
    }
}

/// The pod subnet kina gave kubeadm when it created the cluster.
pub(super) async fn pod_subnet(cx: &Cx<'_>) -> anyhow::Result<String> {
    let conf = cx
        .run(&NodeCommand::new(["cat", KUBEADM_CONF]))
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

/// Said before a CNI is removed: the cluster has no pod network afterwards.
pub(super) fn warn_network_goes(cx: &Cx<'_>, addon: &str) {
    cx.printer.warn(&format!(
        "removing {addon} leaves the cluster without a pod network: nodes turn NotReady until another CNI runs \
         (`kina install kindnet` or `kina install calico`)"
    ));
}

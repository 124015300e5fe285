//! `calico`: Calico in VXLAN mode, for clusters created with
//! `networking.disableDefaultCNI: true` on a kernel that has VXLAN. Apple's
//! recommended kernel has it since `container` 1.3.0
//! (https://github.com/apple/container/issues/2143), but a Mac that upgraded
//! `container` keeps its older kernel, so every node is probed first.

use super::addon::{Addon, Facts, Step, Upstream};
use super::catalog::Remote;
use super::kindnet::{self, pod_subnet, refuse_other_cni};
use super::kubectl::Wait;
use super::manifest::{Manifest, set_env};
use super::{AddonError, Cx};
use crate::provider::NodeCommand;

const ADDON: &str = "calico";
const NODE_DAEMONSET: &str = "calico-node";
const PROBE_LINK: &str = "kina-vxlan-probe";

const FACTS: Facts = Facts {
    upstream: &[Upstream::chosen(Remote {
        url: "https://raw.githubusercontent.com/projectcalico/calico/{version}/manifests/calico-vxlan.yaml",
        sha256: Some("c2ab4f9a4ecde01d66e6f040d6745cd7f174d5ded573164c809ffb9f40a9d566"),
    })],
    ..kindnet::cni_facts(
        ADDON,
        NODE_DAEMONSET,
        &[Wait::Rollout { resource: "daemonset", namespace: "kube-system", name: NODE_DAEMONSET }, Wait::NodesReady],
    )
};

pub(super) struct Calico;

impl Addon for Calico {
    fn facts(&self) -> &'static Facts {
        &FACTS
    }

    fn check<'a>(&'a self, cx: &'a Cx<'_>) -> Step<'a> {
        Box::pin(async move {
            refuse_other_cni(cx, ADDON).await?;
            check_kernels(cx).await
        })
    }

    fn fit<'a>(&'a self, cx: &'a Cx<'_>, manifest: String) -> Step<'a, String> {
        Box::pin(async move { with_pod_subnet(&manifest, &pod_subnet(cx).await?) })
    }

    fn warn_before_removing(&self, cx: &Cx<'_>) {
        kindnet::warn_network_goes(cx, ADDON);
    }
}

/// Sets the pod network to the cluster's (upstream's commented-out default,
/// 192.168.0.0/16, would overlap the Mac's vmnet network).
pub(super) fn with_pod_subnet(upstream: &str, pod_subnet: &str) -> anyhow::Result<String> {
    let mut manifest = Manifest::parse(ADDON, upstream)?;
    let node = manifest.container("DaemonSet", NODE_DAEMONSET, NODE_DAEMONSET)?;
    set_env(node, "CALICO_IPV4POOL_CIDR", pod_subnet);
    Ok(manifest.render())
}

/// Probes each node's kernel for what Calico's VXLAN mode needs.
async fn check_kernels(cx: &Cx<'_>) -> anyhow::Result<()> {
    let add = NodeCommand::new(["ip", "link", "add", PROBE_LINK, "type", "vxlan", "id", "4242", "dstport", "47891"]);
    let del = NodeCommand::new(["ip", "link", "del", PROBE_LINK]);
    for node in &cx.nodes {
        // A probe left behind by an interrupted run would make `add` fail with "File exists".
        cx.try_run_on(&node.name, &del).await?;
        let probe = cx.try_run_on(&node.name, &add).await?;
        if !probe.success() {
            return Err(AddonError::Kernel {
                addon: ADDON,
                node: node.name.clone(),
                missing: vec![format!(
                    "VXLAN (CONFIG_VXLAN; `ip link add … type vxlan` said: {})",
                    probe.stderr.trim()
                )],
            }
            .into());
        }
        cx.try_run_on(&node.name, &del).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pool_is_the_clusters_pod_subnet() {
        let upstream = "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: calico-node\n  namespace: kube-system\nspec:\n  template:\n    spec:\n      containers:\n      - name: calico-node\n        env:\n        - name: CALICO_IPV4POOL_VXLAN\n          value: Always\n";
        let out = with_pod_subnet(upstream, "10.244.0.0/16").unwrap();
        assert!(out.contains("CALICO_IPV4POOL_CIDR"), "{out}");
        assert!(out.contains("10.244.0.0/16"), "{out}");
        assert!(out.contains("CALICO_IPV4POOL_VXLAN"), "{out}");
    }
}

//! `calico`: Calico in VXLAN mode, for clusters created with
//! `networking.disableDefaultCNI: true` on a kernel that has VXLAN. Apple's
//! stock kernel does not (peers.md §1.2), so every node is probed first.

use super::catalog::Remote;
use super::kindnet::{pod_subnet, ready_with, refuse_other_cni};
use super::manifest::{Manifest, set_env};
use super::{AddonError, Cx};
use crate::provider::{NodeCommand, Provider};

const ADDON: &str = "calico";
pub const REMOTE: Remote = Remote {
    url: "https://raw.githubusercontent.com/projectcalico/calico/{version}/manifests/calico-vxlan.yaml",
    sha256: Some("c2ab4f9a4ecde01d66e6f040d6745cd7f174d5ded573164c809ffb9f40a9d566"),
};
const NAMESPACE: &str = "kube-system";
const NODE_DAEMONSET: &str = "calico-node";
const PROBE_LINK: &str = "kina-vxlan-probe";

/// Sets the pod network to the cluster's (upstream's commented-out default,
/// 192.168.0.0/16, would overlap the Mac's vmnet network).
pub fn render(upstream: &str, pod_subnet: &str) -> anyhow::Result<String> {
    let mut manifest = Manifest::parse(ADDON, upstream)?;
    let node = manifest.container("DaemonSet", NODE_DAEMONSET, NODE_DAEMONSET)?;
    set_env(node, "CALICO_IPV4POOL_CIDR", pod_subnet);
    Ok(manifest.render())
}

/// Probes each node's kernel for what Calico's VXLAN mode needs.
async fn check_kernels<P: Provider>(cx: &Cx<'_, P>) -> anyhow::Result<()> {
    let add = NodeCommand::new(["ip", "link", "add", PROBE_LINK, "type", "vxlan", "id", "4242", "dstport", "47891"]);
    let del = NodeCommand::new(["ip", "link", "del", PROBE_LINK]);
    for node in &cx.nodes {
        // A probe left behind by an interrupted run would make `add` fail with "File exists".
        cx.provider.exec(&node.name, &del).await?;
        let probe = cx.provider.exec(&node.name, &add).await?;
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
        cx.provider.exec(&node.name, &del).await?;
    }
    Ok(())
}

pub async fn install<P: Provider>(cx: &Cx<'_, P>, version: &str, pinned: bool) -> anyhow::Result<()> {
    refuse_other_cni(cx, ADDON).await?;
    check_kernels(cx).await?;
    let upstream = cx.fetcher.get(&REMOTE, version, pinned).await?;
    cx.apply(&render(&upstream, &pod_subnet(cx).await?)?, false).await
}

pub async fn ready<P: Provider>(cx: &Cx<'_, P>) -> anyhow::Result<()> {
    ready_with(cx, ADDON, NODE_DAEMONSET).await
}

pub async fn uninstall<P: Provider>(cx: &Cx<'_, P>, version: &str, pinned: bool) -> anyhow::Result<()> {
    let upstream = cx.fetcher.get(&REMOTE, version, pinned).await?;
    cx.delete(&upstream).await
}

pub async fn installed<P: Provider>(cx: &Cx<'_, P>) -> anyhow::Result<bool> {
    cx.exists("daemonset", Some(NAMESPACE), NODE_DAEMONSET).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pool_is_the_clusters_pod_subnet() {
        let upstream = "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: calico-node\n  namespace: kube-system\nspec:\n  template:\n    spec:\n      containers:\n      - name: calico-node\n        env:\n        - name: CALICO_IPV4POOL_VXLAN\n          value: Always\n";
        let out = render(upstream, "10.244.0.0/16").unwrap();
        assert!(out.contains("CALICO_IPV4POOL_CIDR"), "{out}");
        assert!(out.contains("10.244.0.0/16"), "{out}");
        assert!(out.contains("CALICO_IPV4POOL_VXLAN"), "{out}");
    }
}

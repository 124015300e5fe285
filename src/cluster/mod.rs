//! Cluster lifecycle: names, create, delete and the views over nodes.

pub(crate) mod actions;
pub(crate) mod create;
pub(crate) mod delete;
mod error;
pub(crate) mod exposed;
pub(crate) mod interrupt;
pub(crate) mod load;
pub(crate) mod logs;
pub(crate) mod names;
pub(crate) mod network;
pub(crate) mod node_boot;
pub(crate) mod plan;
mod ports;
pub(crate) mod start;
pub(crate) mod stop;
pub(crate) mod summary;

pub(crate) use error::ClusterError;

/// kind's `DefaultClusterName`, with kina's name.
pub(crate) const DEFAULT_NAME: &str = "kina";

/// The node image Apple's `container k8s` plugin runs on real Macs, kina's
/// default until another has run on one (the versions table holds it too).
#[cfg(test)]
pub(crate) const DEFAULT_IMAGE: &str =
    "kindest/node:v1.35.5@sha256:ce977ae6d65918d0b58a5f8b5e940429c2ce42fa3a5619ec2bbc60b949c0ac95";

/// Control-plane VM size. Apple's default (1 GiB) is below kubeadm's minimum;
/// 4 CPUs / 4 GiB is kiac's control-plane default, and room for a node that
/// is control plane and worker at once.
pub(crate) const CONTROL_PLANE_CPUS: u32 = 4;
pub(crate) const CONTROL_PLANE_MEMORY: &str = "4G";
/// Worker VM size: enough for the kubelet, kube-proxy, kindnet and some pods.
pub(crate) const WORKER_CPUS: u32 = 2;
pub(crate) const WORKER_MEMORY: &str = "2G";

/// One `kubectl wait` inside the control plane for every node to be Ready:
/// a watch in the node instead of polling from the Mac.
pub(crate) fn wait_for_ready_nodes(wait: std::time::Duration) -> crate::provider::NodeCommand {
    let timeout = format!("--timeout={}s", wait.as_secs().max(1));
    let args = ["wait", "--for=condition=Ready", "node", "--all", timeout.as_str()];
    crate::node::kubectl(args).timeout(wait.saturating_add(std::time::Duration::from_secs(30)))
}

//! Cluster lifecycle: names, create, delete and the views over nodes.

pub mod actions;
pub mod create;
pub mod delete;
mod error;
pub mod interrupt;
pub mod load;
pub mod logs;
pub mod names;
pub mod node_boot;
pub mod plan;
mod ports;
pub mod start;
pub mod stop;
pub mod summary;

pub use error::ClusterError;

/// kind's `DefaultClusterName`, with kina's name.
pub const DEFAULT_NAME: &str = "kina";

/// The node image Apple's plugin and kiac run on real Macs (recipes.md).
pub const DEFAULT_IMAGE: &str =
    "kindest/node:v1.35.5@sha256:ce977ae6d65918d0b58a5f8b5e940429c2ce42fa3a5619ec2bbc60b949c0ac95";

/// kind's default subnets (kind.md §2).
pub const DEFAULT_POD_SUBNET: &str = "10.244.0.0/16";
pub const DEFAULT_SERVICE_SUBNET: &str = "10.96.0.0/16";

/// Control-plane VM size. Apple's default (1 GiB) is below kubeadm's minimum;
/// 4 CPUs / 4 GiB is what kiac and perf.md settle on for a node that is
/// control plane and worker at once.
pub const CONTROL_PLANE_CPUS: u32 = 4;
pub const CONTROL_PLANE_MEMORY: &str = "4G";
/// Worker VM size: enough for the kubelet, kube-proxy, kindnet and some pods.
pub const WORKER_CPUS: u32 = 2;
pub const WORKER_MEMORY: &str = "2G";

/// One `kubectl wait` inside the control plane for every node to be Ready:
/// a watch in the node instead of polling from the Mac.
pub fn wait_for_ready_nodes(wait: std::time::Duration) -> crate::provider::NodeCommand {
    let timeout = format!("--timeout={}s", wait.as_secs().max(1));
    let args = ["wait", "--for=condition=Ready", "node", "--all", timeout.as_str()];
    crate::node::kubectl(args).timeout(wait.saturating_add(std::time::Duration::from_secs(30)))
}

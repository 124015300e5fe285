//! The narrow interface between kina's lifecycle and a node runtime.
//!
//! Modelled on kind's provider interface: a core that checks the runtime,
//! ensures images and creates, lists, stops, starts and deletes node VMs; a
//! [`NodeHandle`] for the work on one node (run commands, inspect, logs); and
//! [`Diagnostics`] for what only `doctor` and `export logs` need. kubeadm,
//! CNI, storage and kubeconfig logic stay outside, in `cluster`.

pub(crate) mod apple;
pub(crate) mod error;
pub(crate) mod image_builder;
pub(crate) mod network;
mod node;
pub(crate) mod registry;

use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

pub(crate) use error::{ProviderError, RuntimeFailure};
pub(crate) use network::{FixedAddress, Ipv4Subnet, NetworkInfo, NetworkSpec};
pub(crate) use node::{MountSpec, Node, NodeCommand, NodeHandle, NodeSpec, NodeState, PortSpec, Role, StreamSource};

/// Label on every node VM: the cluster it belongs to.
pub(crate) const LABEL_CLUSTER: &str = "io.kina.cluster";
/// Label on every node VM: `control-plane` or `worker`.
pub(crate) const LABEL_ROLE: &str = "io.kina.role";
/// Label with the Kubernetes version of the node image, when known.
pub(crate) const LABEL_KUBERNETES_VERSION: &str = "io.kina.kubernetes-version";

/// The port the API server listens on inside a node.
pub(crate) const API_SERVER_PORT: u16 = 6443;

/// What the runtime is, learned during preflight.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct RuntimeInfo {
    /// Known when the preflight checked it.
    pub version: Option<String>,
    /// Something the user should know but that does not stop kina.
    pub warning: Option<String>,
    /// Checked for [`Purpose::CreateNodes`]: the default kernel's path when it is not
    /// installed (a fresh Apple container 1.5.0), so VMs without their own kernel cannot boot.
    pub missing_kernel: Option<std::path::PathBuf>,
    /// Whether node VMs can reach each other, as multi-node clusters need;
    /// known when the purpose was [`Purpose::CreateConnectedNodes`].
    pub nodes_reach_each_other: Option<bool>,
    /// The runtime's networks, when that check listed them (macOS 26): a
    /// create picks its cluster's subnet from this listing, not a second one.
    pub networks: Option<Vec<NetworkInfo>>,
}

/// What the caller is about to do, which decides what preflight checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(clippy::enum_variant_names)] // each names what is done with nodes
pub(crate) enum Purpose {
    /// Boot node VMs: the release must be able to run Kubernetes nodes.
    CreateNodes,
    /// Boot node VMs that must reach each other (a cluster with workers): as
    /// `CreateNodes`, and the runtime also says whether they can.
    CreateConnectedNodes,
    /// List, stop or delete existing VMs: any release with a running service.
    ManageNodes,
}

/// The core every runtime provides.
pub(crate) trait Provider: Send + Sync {
    /// The handle for per-node work this runtime gives out.
    type Node<'a>: NodeHandle + 'a
    where
        Self: 'a;

    /// Checks the runtime before any change, and what it can do.
    fn preflight(&self, purpose: Purpose) -> impl Future<Output = Result<RuntimeInfo, ProviderError>> + Send;

    /// The ID (`sha256:…` digest) of `image` in the runtime's local store, or
    /// `None` when the store does not have it.
    fn image_id(&self, image: &str) -> impl Future<Output = Result<Option<String>, ProviderError>> + Send;

    /// Pulls `image`; with `show_progress` the runtime draws its progress on stderr.
    fn pull_image(&self, image: &str, show_progress: bool) -> impl Future<Output = Result<(), ProviderError>> + Send;

    /// Creates and starts one node VM.
    fn create_node(&self, spec: &NodeSpec) -> impl Future<Output = Result<(), ProviderError>> + Send;

    /// Every kina node VM of every cluster, in one runtime call.
    fn list_nodes(&self) -> impl Future<Output = Result<Vec<Node>, ProviderError>> + Send;

    /// Every container the runtime has, kina's or not, in one runtime call; one
    /// kina did not make has an empty `cluster` (see [`Node::is_kinas`]).
    fn list_containers(&self) -> impl Future<Output = Result<Vec<Node>, ProviderError>> + Send;

    /// Boots a stopped node VM (it usually comes back with a new address).
    fn start_node(&self, name: &str) -> impl Future<Output = Result<(), ProviderError>> + Send;

    /// Stops node VMs, giving systemd `grace` to stop the kubelet and containerd.
    fn stop_nodes(&self, names: &[String], grace: Duration) -> impl Future<Output = Result<(), ProviderError>> + Send;

    /// Removes node VMs, running or not. Names already gone are fine.
    fn delete_nodes(&self, names: &[String]) -> impl Future<Output = Result<(), ProviderError>> + Send;

    /// The handle for work on node `name`.
    fn node(&self, name: &str) -> Self::Node<'_>;

    /// Every network the runtime has, in one call; `None` where the runtime
    /// has no networks of its own (Apple container on macOS 15).
    fn list_networks(&self) -> impl Future<Output = Result<Option<Vec<NetworkInfo>>, ProviderError>> + Send;

    /// Creates a network with a fixed subnet.
    fn create_network(&self, spec: &NetworkSpec) -> impl Future<Output = Result<(), ProviderError>> + Send;

    /// Removes a network no container uses any more. One already gone is fine.
    fn delete_network(&self, name: &str) -> impl Future<Output = Result<(), ProviderError>> + Send;
}

/// What only `kina doctor` and `kina export logs` need: the runtime's own
/// words, for a person to read.
pub(crate) trait Diagnostics: Provider {
    /// The runtime's own description of its version, for bug reports.
    fn version_text(&self) -> impl Future<Output = Result<String, ProviderError>> + Send;

    /// The runtime's full description of a node, as it prints it.
    fn inspect_raw(&self, name: &str) -> impl Future<Output = Result<String, ProviderError>> + Send;

    /// A node VM's boot log.
    fn boot_logs(&self, name: &str) -> impl Future<Output = Result<String, ProviderError>> + Send;

    /// The DNS domains the runtime resolves on the Mac.
    fn dns_domains(&self) -> impl Future<Output = Result<Vec<String>, ProviderError>> + Send;

    /// The directory holding the runtime's images and VM disks, if it says.
    fn app_root(&self) -> impl Future<Output = Result<Option<PathBuf>, ProviderError>> + Send;
}

//! The runtime side of kina's local registry: a VM of its own running the
//! distribution registry, its storage on a named volume so images outlive the VM.
//! Apart from [`Provider`](super::Provider), as [`ImageBuilder`](super::image_builder::ImageBuilder)
//! is: only the registry commands and the cluster steps that connect one use it.

use std::future::Future;
use std::net::Ipv4Addr;

use super::{NodeState, ProviderError};

/// Label on a registry VM: its name (the VM's name too).
pub(crate) const LABEL_REGISTRY: &str = "io.kina.registry";
/// Label on a registry VM: the port it is published on, on the Mac and in `localhost:<port>/…`.
pub(crate) const LABEL_REGISTRY_PORT: &str = "io.kina.registry-port";
/// Where the distribution registry listens inside its VM (the image's default).
pub(crate) const REGISTRY_PORT_IN_VM: u16 = 5000;
/// Where the distribution registry keeps its data (the image's default).
pub(crate) const REGISTRY_DATA: &str = "/var/lib/registry";

/// What kina asks for when it creates a registry VM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RegistrySpec {
    pub name: String,
    pub image: String,
    /// Published on `127.0.0.1:<port>` on the Mac.
    pub port: u16,
    /// Named volume mounted at [`REGISTRY_DATA`].
    pub volume: String,
    /// The runtime networks it joins; empty: the runtime's default.
    pub networks: Vec<String>,
}

/// A registry VM as the runtime reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RegistryVm {
    pub name: String,
    pub port: u16,
    pub state: NodeState,
    /// None while stopped.
    pub ipv4: Option<Ipv4Addr>,
    /// The runtime networks it is attached to (configured, so known while stopped too).
    pub networks: Vec<String>,
    /// Its address on each network it is running on (none while stopped).
    pub addresses: Vec<(String, Ipv4Addr)>,
    pub image: Option<String>,
    /// macOS 15: the registry runs inside this cluster's control-plane node (then the
    /// fields above are the node's); None for a registry VM of its own.
    pub cluster: Option<String>,
}

impl RegistryVm {
    /// A registry VM of its own (macOS 26), not one inside a cluster's node.
    pub(crate) fn is_vm(&self) -> bool {
        self.cluster.is_none()
    }

    /// Where nodes on `network` reach it: its address on that network; for nodes on
    /// the runtime's default network (`None`), its first address.
    pub(crate) fn address_on(&self, network: Option<&str>) -> Option<Ipv4Addr> {
        match network {
            Some(network) => self.addresses.iter().find(|(n, _)| n == network).map(|(_, a)| *a),
            None => self.ipv4,
        }
    }
}

pub(crate) trait RegistryRuntime: Send + Sync {
    /// Every registry VM kina made, in one runtime call.
    fn list_registries(&self) -> impl Future<Output = Result<Vec<RegistryVm>, ProviderError>> + Send;

    /// kina's nodes and its registry VMs from the same one runtime call (what
    /// `Provider::list_nodes` and [`Self::list_registries`] each list).
    fn list_nodes_and_registries(
        &self,
    ) -> impl Future<Output = Result<(Vec<super::Node>, Vec<RegistryVm>), ProviderError>> + Send;

    /// Creates and starts a registry VM (the volume is made if missing).
    fn create_registry(&self, spec: &RegistrySpec) -> impl Future<Output = Result<(), ProviderError>> + Send;

    /// Boots a stopped registry VM.
    fn start_registry(&self, name: &str) -> impl Future<Output = Result<(), ProviderError>> + Send;

    /// Removes a registry VM, running or not (its volume stays).
    fn delete_registry(&self, name: &str) -> impl Future<Output = Result<(), ProviderError>> + Send;

    /// Whether a named volume exists.
    fn volume_exists(&self, name: &str) -> impl Future<Output = Result<bool, ProviderError>> + Send;

    /// Removes a named volume; one already gone is fine. Whether it was there.
    fn delete_volume(&self, name: &str) -> impl Future<Output = Result<bool, ProviderError>> + Send;

    /// The registry VM's log (the registry's own access and error lines).
    fn registry_logs(&self, name: &str) -> impl Future<Output = Result<String, ProviderError>> + Send;
}

//! The narrow interface between kina's lifecycle and a node runtime.
//!
//! Modelled on kind's provider interface: create node VMs, list them, delete
//! them, and run commands inside them. kubeadm, CNI, storage and kubeconfig
//! logic stay outside, in `cluster`.

pub mod apple;
pub mod error;
pub mod image_builder;

use std::future::Future;
use std::net::Ipv4Addr;
use std::time::Duration;

pub use error::ProviderError;

use crate::exec::Output;

/// Label on every node VM: the cluster it belongs to.
pub const LABEL_CLUSTER: &str = "io.kina.cluster";
/// Label on every node VM: `control-plane` or `worker`.
pub const LABEL_ROLE: &str = "io.kina.role";
/// Label with the Kubernetes version of the node image, when known.
pub const LABEL_KUBERNETES_VERSION: &str = "io.kina.kubernetes-version";

/// The port the API server listens on inside a node.
pub const API_SERVER_PORT: u16 = 6443;

/// What the runtime is, learned during preflight.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RuntimeInfo {
    /// Known when the preflight checked it.
    pub version: Option<String>,
    /// Something the user should know but that does not stop kina.
    pub warning: Option<String>,
    /// Checked for [`Purpose::CreateNodes`]: the default kernel's path when it is not
    /// installed (a fresh Apple container 1.5.0), so VMs without their own kernel cannot boot.
    pub missing_kernel: Option<std::path::PathBuf>,
}

/// What the caller is about to do, which decides what preflight checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Boot node VMs: the release must be able to run Kubernetes nodes.
    CreateNodes,
    /// List, stop or delete existing VMs: any release with a running service.
    ManageNodes,
}

/// Everything needed to start one node VM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeSpec {
    pub name: String,
    pub cluster: String,
    pub role: String,
    pub image: String,
    pub cpus: u32,
    /// Memory in the runtime's syntax, e.g. `4G`.
    pub memory: String,
    /// Ports published on the Mac (the API server's, and `extraPortMappings`).
    pub ports: Vec<PortSpec>,
    /// Host directories shared into the VM (`extraMounts`).
    pub mounts: Vec<MountSpec>,
    /// A kernel image for this VM instead of the runtime's default.
    pub kernel: Option<std::path::PathBuf>,
    pub kubernetes_version: Option<String>,
    pub env: Vec<(String, String)>,
}

/// One published port: `host_address:host_port` on the Mac to `container_port`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortSpec {
    pub host_address: String,
    pub host_port: u16,
    pub container_port: u16,
    /// `tcp` or `udp`.
    pub protocol: String,
}

/// A host directory mounted into the VM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MountSpec {
    pub host_path: std::path::PathBuf,
    pub container_path: String,
    pub read_only: bool,
}

/// A node VM as the runtime reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub name: String,
    pub cluster: String,
    pub role: String,
    /// The runtime's state word: `running`, `stopped`, `stopping`, `unknown`.
    pub state: String,
    pub ipv4: Option<Ipv4Addr>,
    pub image: Option<String>,
    pub kubernetes_version: Option<String>,
    /// `host:port` on the Mac that reaches the API server, if published.
    pub api_server_endpoint: Option<String>,
    /// TCP ports published on the Mac: (port in the node, `host:port` on the Mac).
    pub published_tcp: Vec<(u16, String)>,
}

impl Node {
    pub fn is_running(&self) -> bool {
        self.state == "running"
    }
}

/// A command to run inside a node: an argv vector, never a shell string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeCommand {
    pub argv: Vec<String>,
    pub stdin: Option<Vec<u8>>,
    pub timeout: Duration,
}

impl NodeCommand {
    /// The default limit for one in-node command.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

    pub fn new<I, S>(argv: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        NodeCommand { argv: argv.into_iter().map(Into::into).collect(), stdin: None, timeout: Self::DEFAULT_TIMEOUT }
    }

    pub fn stdin(mut self, input: impl Into<Vec<u8>>) -> Self {
        self.stdin = Some(input.into());
        self
    }

    pub fn timeout(mut self, limit: Duration) -> Self {
        self.timeout = limit;
        self
    }
}

/// Where a streamed in-node command reads its stdin from. The bytes flow
/// from process to process (or file to process) and never through kina.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamSource {
    /// These images from the runtime's local store, exported for `platform`
    /// (`os/arch`) as one OCI archive.
    SavedImages { images: Vec<String>, platform: String },
    /// A file on the Mac.
    File(std::path::PathBuf),
}

pub trait Provider: Send + Sync {
    /// Checks the runtime before any change.
    fn preflight(&self, purpose: Purpose) -> impl Future<Output = Result<RuntimeInfo, ProviderError>> + Send;

    /// Whether node VMs can reach each other (macOS 26), as multi-node needs.
    fn nodes_can_reach_each_other(&self) -> impl Future<Output = Result<bool, ProviderError>> + Send;

    /// Whether `image` is in the runtime's local image store.
    fn image_present(&self, image: &str) -> impl Future<Output = Result<bool, ProviderError>> + Send;

    /// Pulls `image`; with `show_progress` the runtime draws its progress on stderr.
    fn pull_image(&self, image: &str, show_progress: bool) -> impl Future<Output = Result<(), ProviderError>> + Send;

    /// Creates and starts one node VM.
    fn create_node(&self, spec: &NodeSpec) -> impl Future<Output = Result<(), ProviderError>> + Send;

    /// Every kina node VM of every cluster, in one runtime call.
    fn list_nodes(&self) -> impl Future<Output = Result<Vec<Node>, ProviderError>> + Send;

    /// The current view of one node (state, IP).
    fn inspect_node(&self, name: &str) -> impl Future<Output = Result<Node, ProviderError>> + Send;

    /// The runtime's own description of its version, for bug reports.
    fn version_text(&self) -> impl Future<Output = Result<String, ProviderError>> + Send;

    /// The runtime's full description of a node, as it prints it.
    fn inspect_raw(&self, name: &str) -> impl Future<Output = Result<String, ProviderError>> + Send;

    /// A node's console output (`boot`: the VM's boot log instead).
    fn node_logs(&self, name: &str, boot: bool) -> impl Future<Output = Result<String, ProviderError>> + Send;

    /// Boots a stopped node VM (it usually comes back with a new address).
    fn start_node(&self, name: &str) -> impl Future<Output = Result<(), ProviderError>> + Send;

    /// Stops node VMs, giving systemd `grace` to stop the kubelet and containerd.
    fn stop_nodes(&self, names: &[String], grace: Duration) -> impl Future<Output = Result<(), ProviderError>> + Send;

    /// Removes node VMs, running or not. Names already gone are fine.
    fn delete_nodes(&self, names: &[String]) -> impl Future<Output = Result<(), ProviderError>> + Send;

    /// Runs a command in a node; returns its output whatever the exit code.
    fn exec(&self, node: &str, command: &NodeCommand) -> impl Future<Output = Result<Output, ProviderError>> + Send;

    /// Runs a command in a node; a non-zero exit is an error.
    fn exec_checked(
        &self,
        node: &str,
        command: &NodeCommand,
    ) -> impl Future<Output = Result<Output, ProviderError>> + Send;

    /// The DNS domains the runtime resolves on the Mac (`container system dns list`).
    fn dns_domains(&self) -> impl Future<Output = Result<Vec<String>, ProviderError>> + Send;

    /// The directory holding the runtime's images and VM disks, if it says.
    fn app_root(&self) -> impl Future<Output = Result<Option<std::path::PathBuf>, ProviderError>> + Send;

    /// The ID (`sha256:…` digest) of `image` in the runtime's local store, or
    /// `None` when the store does not have it.
    fn image_id(&self, image: &str) -> impl Future<Output = Result<Option<String>, ProviderError>> + Send;

    /// The platform a node VM runs, as `os/arch` (e.g. `linux/arm64`).
    fn node_platform(&self, name: &str) -> impl Future<Output = Result<String, ProviderError>> + Send;

    /// Runs a command in a node with its stdin streamed from `source` (the
    /// command's own `stdin` is ignored); a non-zero exit of either side is an
    /// error naming that side.
    fn exec_streamed(
        &self,
        node: &str,
        command: &NodeCommand,
        source: &StreamSource,
    ) -> impl Future<Output = Result<Output, ProviderError>> + Send;
}

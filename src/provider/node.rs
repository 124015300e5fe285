//! Node VMs: what kina asks for, what the runtime reports, and the handle
//! that does per-node work.

use std::fmt;
use std::future::Future;
use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use super::ProviderError;
use crate::exec::Output;

/// A node's role in its cluster, spelt as kind spells it (node names, labels).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Role {
    ControlPlane,
    Worker,
}

impl Role {
    /// kind's spelling, used in node names and labels.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Role::ControlPlane => "control-plane",
            Role::Worker => "worker",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A word that is not a role.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a valid node role")]
pub(crate) struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "control-plane" => Ok(Role::ControlPlane),
            "worker" => Ok(Role::Worker),
            other => Err(UnknownRole(other.to_string())),
        }
    }
}

/// The runtime's state of a node VM.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum NodeState {
    Running,
    Stopped,
    Stopping,
    /// The runtime says `unknown`, or a word kina does not know.
    Unknown,
}

impl NodeState {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            NodeState::Running => "running",
            NodeState::Stopped => "stopped",
            NodeState::Stopping => "stopping",
            NodeState::Unknown => "unknown",
        }
    }

    /// Reads the runtime's state word; any other word is [`NodeState::Unknown`].
    pub(crate) fn parse(word: &str) -> NodeState {
        match word {
            "running" => NodeState::Running,
            "stopped" => NodeState::Stopped,
            "stopping" => NodeState::Stopping,
            _ => NodeState::Unknown,
        }
    }
}

impl fmt::Display for NodeState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything needed to start one node VM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NodeSpec {
    pub name: String,
    pub cluster: String,
    pub role: Role,
    pub image: String,
    pub cpus: u32,
    /// Memory in the runtime's syntax, e.g. `4G`.
    pub memory: String,
    /// Ports published on the Mac (the API server's, and `extraPortMappings`).
    pub ports: Vec<PortSpec>,
    /// Host directories shared into the VM (`extraMounts`).
    pub mounts: Vec<MountSpec>,
    /// A kernel image for this VM instead of the runtime's default.
    pub kernel: Option<PathBuf>,
    pub kubernetes_version: Option<String>,
    pub env: Vec<(String, String)>,
    /// Labels besides kina's cluster, role and version ones (an in-node registry's).
    pub labels: Vec<(String, String)>,
    /// The cluster network and this node's fixed address in it (macOS 26);
    /// `None`: the runtime's default network, a new address at every start.
    pub fixed: Option<super::FixedAddress>,
}

#[cfg(test)]
impl NodeSpec {
    /// Cluster `kina`'s control plane on `image`, 4 CPUs and 4G, nothing else set.
    pub(crate) fn bare_control_plane(image: &str) -> Self {
        NodeSpec {
            name: "kina-control-plane".into(),
            cluster: "kina".into(),
            role: Role::ControlPlane,
            image: image.into(),
            cpus: 4,
            memory: "4G".into(),
            ports: vec![],
            mounts: vec![],
            kernel: None,
            kubernetes_version: None,
            env: vec![],
            labels: vec![],
            fixed: None,
        }
    }
}

/// One published port: `host_address:host_port` on the Mac to `container_port`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PortSpec {
    pub host_address: String,
    pub host_port: u16,
    pub container_port: u16,
    /// `tcp` or `udp`.
    pub protocol: String,
}

/// A host directory mounted into the VM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MountSpec {
    pub host_path: PathBuf,
    pub container_path: String,
    pub read_only: bool,
}

/// A node VM as the runtime reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Node {
    pub name: String,
    pub cluster: String,
    /// None when the VM has no (or an unknown) role label.
    pub role: Option<Role>,
    pub state: NodeState,
    /// The address kina reaches the node at: its fixed address on a cluster
    /// network, else the one the runtime gave this boot. `None` when stopped.
    pub ipv4: Option<Ipv4Addr>,
    /// The address the runtime gave the VM this boot (`None` when stopped).
    pub runtime_ipv4: Option<Ipv4Addr>,
    /// The node's cluster network and fixed address, from its labels.
    pub fixed: Option<super::FixedAddress>,
    pub image: Option<String>,
    pub kubernetes_version: Option<String>,
    /// `host:port` on the Mac that reaches the API server, if published.
    pub api_server_endpoint: Option<String>,
    /// TCP ports published on the Mac: (port in the node, `host:port` on the Mac).
    pub published_tcp: Vec<(u16, String)>,
}

impl Node {
    /// Whether kina made this VM (it carries kina's cluster label).
    pub(crate) fn is_kinas(&self) -> bool {
        !self.cluster.is_empty()
    }

    pub(crate) fn is_running(&self) -> bool {
        self.state == NodeState::Running
    }

    pub(crate) fn is_control_plane(&self) -> bool {
        self.role == Some(Role::ControlPlane)
    }

    /// The role label as the runtime holds it (empty when there is none).
    pub(crate) fn role_text(&self) -> &'static str {
        self.role.map(Role::as_str).unwrap_or("")
    }
}

/// A command to run inside a node: an argv vector, never a shell string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NodeCommand {
    pub argv: Vec<String>,
    pub stdin: Option<Vec<u8>>,
    pub timeout: Duration,
}

impl NodeCommand {
    /// The default limit for one in-node command.
    pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

    pub(crate) fn new<I, S>(argv: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        NodeCommand { argv: argv.into_iter().map(Into::into).collect(), stdin: None, timeout: Self::DEFAULT_TIMEOUT }
    }

    pub(crate) fn stdin(mut self, input: impl Into<Vec<u8>>) -> Self {
        self.stdin = Some(input.into());
        self
    }

    pub(crate) fn timeout(mut self, limit: Duration) -> Self {
        self.timeout = limit;
        self
    }
}

/// Where a streamed in-node command reads its stdin from. The bytes flow
/// from process to process (or file to process) and never through kina.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum StreamSource {
    /// These images from the runtime's local store, exported for `platform`
    /// (`os/arch`) as one OCI archive.
    SavedImages { images: Vec<String>, platform: String },
    /// A file on the Mac.
    File(PathBuf),
}

/// Per-node work, on one node VM named when the handle was made (kind's
/// `nodes.Node`). Making a handle calls nothing: a node that does not exist
/// fails on first use.
pub(crate) trait NodeHandle: Send + Sync {
    /// Runs a command in the node; returns its output whatever the exit code.
    fn run(&self, command: &NodeCommand) -> impl Future<Output = Result<Output, ProviderError>> + Send;

    /// Runs a command in the node; a non-zero exit is an error.
    fn run_checked(&self, command: &NodeCommand) -> impl Future<Output = Result<Output, ProviderError>> + Send;

    /// Runs a command in the node with its stdin streamed from `source` (the
    /// command's own `stdin` is ignored); a non-zero exit of either side is an
    /// error naming that side.
    fn run_streamed(
        &self,
        command: &NodeCommand,
        source: &StreamSource,
    ) -> impl Future<Output = Result<Output, ProviderError>> + Send;

    /// The current view of the node (state, IP).
    fn inspect(&self) -> impl Future<Output = Result<Node, ProviderError>> + Send;

    /// The node's console output.
    fn logs(&self) -> impl Future<Output = Result<String, ProviderError>> + Send;

    /// The platform the node VM runs, as `os/arch` (e.g. `linux/arm64`).
    fn platform(&self) -> impl Future<Output = Result<String, ProviderError>> + Send;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_read_and_print_as_kind_spells_them() {
        for (role, word) in [(Role::ControlPlane, "control-plane"), (Role::Worker, "worker")] {
            assert_eq!(role.to_string(), word);
            assert_eq!(word.parse::<Role>(), Ok(role));
        }
        assert_eq!("Worker".parse::<Role>(), Err(UnknownRole("Worker".into())));
        assert_eq!("".parse::<Role>().unwrap_err().to_string(), "\"\" is not a valid node role");
    }

    #[test]
    fn states_read_and_print_as_the_runtime_spells_them() {
        for state in [NodeState::Running, NodeState::Stopped, NodeState::Stopping, NodeState::Unknown] {
            assert_eq!(NodeState::parse(&state.to_string()), state);
        }
        assert_eq!(NodeState::Running.to_string(), "running");
        assert_eq!(NodeState::Stopping.to_string(), "stopping");
        assert_eq!(NodeState::parse("paused"), NodeState::Unknown);
    }
}

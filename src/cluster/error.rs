#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("node(s) already exist for a cluster with the name {0:?}")]
    AlreadyExists(String),

    #[error("'{0}' is not a valid cluster name, cluster names must match `^[a-z0-9.-]+$`")]
    InvalidName(String),

    #[error("'{name}' cannot be used on Apple container: {why}")]
    NameNotUsableOnVm { name: String, why: String },

    #[error(
        "could not locate any control plane nodes for cluster named '{0}'. Use the --name option to select a different cluster"
    )]
    NoControlPlane(String),

    #[error("node {node:?} of cluster {cluster:?} is not running (state: {state})")]
    NodeNotRunning { cluster: String, node: String, state: String },

    #[error("clusters with more than one node need macOS 26: on macOS 15, Apple container VMs cannot reach each other")]
    MultiNodeNeedsMacOs26,

    #[error("unknown cluster {0:?}")]
    UnknownCluster(String),

    #[error("no nodes found for cluster {0:?}")]
    NoNodes(String),

    #[error("interrupted")]
    Interrupted,

    #[error("{step}")]
    Step {
        step: String,
        /// The node to look at, and whether it was kept (`--retain`).
        node: String,
        retained: bool,
        #[source]
        source: anyhow::Error,
    },
}

impl ClusterError {
    pub fn hint(&self) -> Option<String> {
        match self {
            ClusterError::AlreadyExists(name) => Some(format!(
                "pick another name with --name, or delete it first with `kina delete cluster --name {name}`"
            )),
            ClusterError::MultiNodeNeedsMacOs26 => {
                Some("create a single-node cluster (no workers) on this Mac, or upgrade to macOS 26".into())
            }
            ClusterError::UnknownCluster(_) | ClusterError::NoNodes(_) => {
                Some("list clusters with `kina get clusters`".into())
            }
            ClusterError::NoControlPlane(_) => Some("list clusters with `kina get clusters`".into()),
            ClusterError::NodeNotRunning { cluster, .. } => Some(format!(
                "start the cluster with `kina start cluster --name {cluster}` (it also heals new addresses)"
            )),
            ClusterError::Step { node, retained: true, .. } => Some(format!(
                "the node was kept (--retain): look inside with `container logs {node}` and `container exec {node} journalctl -u kubelet`, then `kina delete cluster`"
            )),
            ClusterError::Step { node, .. } => Some(format!(
                "re-run with --retain to keep the node for debugging (`container logs {node}`, `container exec {node} journalctl -u kubelet`)"
            )),
            _ => None,
        }
    }
}

/// Why a cluster's nodes cannot be worked on.
#[derive(Debug, thiserror::Error)]
pub(crate) enum NodesError {
    #[error(
        "could not locate any control plane nodes for cluster named '{0}'. Use the --name option to select a different cluster"
    )]
    NoControlPlane(String),

    #[error("node {node:?} of cluster {cluster:?} is not running (state: {state})")]
    NodeNotRunning { cluster: String, node: String, state: crate::provider::NodeState },

    #[error("unknown cluster {0:?}")]
    UnknownCluster(String),

    #[error("no nodes found for cluster {0:?}")]
    NoNodes(String),
}

impl NodesError {
    pub(crate) fn hint(&self) -> Option<String> {
        match self {
            NodesError::UnknownCluster(_) | NodesError::NoNodes(_) | NodesError::NoControlPlane(_) => {
                Some("list clusters with `kina get clusters`".into())
            }
            NodesError::NodeNotRunning { cluster, .. } => Some(format!(
                "start the cluster with `kina start cluster --name {cluster}` (it also heals new addresses)"
            )),
        }
    }
}

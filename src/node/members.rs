//! A cluster's nodes, control plane first (then by name): where kubectl runs,
//! and the order create, start, load and the addons work in.

use super::NodesError;
#[cfg(test)]
use crate::provider::NodeState;
use crate::provider::{Node, Provider, ProviderError};

pub(crate) fn is_control_plane(node: &Node) -> bool {
    node.is_control_plane()
}

/// `cluster`'s nodes out of a listing of every node, control plane first.
pub(crate) fn of_cluster(listed: &[Node], cluster: &str) -> Vec<Node> {
    let mut nodes: Vec<Node> = listed.iter().filter(|n| n.cluster == cluster).cloned().collect();
    nodes.sort_by(|a, b| (!is_control_plane(a), &a.name).cmp(&(!is_control_plane(b), &b.name)));
    nodes
}

/// `cluster`'s nodes, control plane first, in one runtime call (none for a
/// cluster that does not exist).
pub(crate) async fn list<P: Provider>(provider: &P, cluster: &str) -> Result<Vec<Node>, ProviderError> {
    Ok(of_cluster(&provider.list_nodes().await?, cluster))
}

/// The nodes (from [`list`]), or the error that none is a control plane.
pub(crate) fn control_plane_first(nodes: Vec<Node>, cluster: &str) -> Result<Vec<Node>, NodesError> {
    match nodes.first() {
        Some(first) if is_control_plane(first) => Ok(nodes),
        _ => Err(NodesError::NoControlPlane(cluster.to_string())),
    }
}

/// The error that one of `nodes` does not run, naming the first such.
pub(crate) fn require_running<'a>(nodes: impl IntoIterator<Item = &'a Node>, cluster: &str) -> Result<(), NodesError> {
    match nodes.into_iter().find(|n| !n.is_running()) {
        Some(node) => {
            Err(NodesError::NodeNotRunning { cluster: cluster.to_string(), node: node.name.clone(), state: node.state })
        }
        None => Ok(()),
    }
}

/// A node as the runtime lists it: running nodes have an address, the
/// control plane publishes the API server.
#[cfg(test)]
pub(crate) fn sample(name: &str, cluster: &str, role: &str, state: &str) -> Node {
    Node {
        name: name.into(),
        cluster: cluster.into(),
        role: role.parse().ok(),
        state: NodeState::parse(state),
        ipv4: (state == "running").then(|| "192.168.64.3".parse().unwrap()),
        runtime_ipv4: (state == "running").then(|| "192.168.64.3".parse().unwrap()),
        fixed: None,
        image: None,
        kubernetes_version: Some("v1.35.5".into()),
        api_server_endpoint: (role == "control-plane").then(|| "127.0.0.1:6445".into()),
        published_tcp: if role == "control-plane" { vec![(6443, "127.0.0.1:6445".into())] } else { Vec::new() },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::sample as node;

    #[test]
    fn the_control_plane_comes_first_then_names() {
        let listed = [
            node("a-worker2", "a", "worker", "running"),
            node("b-control-plane", "b", "control-plane", "running"),
            node("a-worker", "a", "worker", "running"),
            node("a-control-plane", "a", "control-plane", "running"),
        ];
        let names: Vec<String> = of_cluster(&listed, "a").into_iter().map(|n| n.name).collect();
        assert_eq!(names, ["a-control-plane", "a-worker", "a-worker2"]);
        assert!(of_cluster(&listed, "c").is_empty());
    }

    #[test]
    fn a_cluster_without_a_control_plane_is_an_error() {
        let workers = vec![node("a-worker", "a", "worker", "running")];
        let err = control_plane_first(workers, "a").unwrap_err();
        assert!(matches!(err, NodesError::NoControlPlane(ref c) if c == "a"), "{err}");
        assert!(matches!(control_plane_first(Vec::new(), "a"), Err(NodesError::NoControlPlane(_))));
    }

    #[test]
    fn the_first_stopped_node_is_named() {
        let nodes =
            [node("a-control-plane", "a", "control-plane", "running"), node("a-worker", "a", "worker", "stopped")];
        let err = require_running(&nodes, "a").unwrap_err().to_string();
        assert_eq!(err, "node \"a-worker\" of cluster \"a\" is not running (state: stopped)");
        assert!(require_running(&nodes[..1], "a").is_ok());
    }
}

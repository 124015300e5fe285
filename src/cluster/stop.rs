//! `kina stop cluster`: stops the node VMs cleanly, workers first.

use std::time::Duration;

use super::delete::quoted_list;
use crate::node::{self, NodesError};
use crate::output::Printer;
use crate::provider::{Provider, Purpose};

/// Enough for systemd to stop the kubelet and containerd (the image's
/// stop signal is SIGRTMIN+3); Apple `container`'s default is 5 s.
const GRACE: Duration = Duration::from_secs(30);

pub(crate) async fn stop_clusters<P: Provider>(
    provider: &P,
    printer: &Printer,
    clusters: &[String],
) -> anyhow::Result<()> {
    provider.preflight(Purpose::ManageNodes).await?;
    let nodes = provider.list_nodes().await?;
    for cluster in clusters {
        let members = node::of_cluster(&nodes, cluster);
        if members.is_empty() {
            return Err(NodesError::NoNodes(cluster.clone()).into());
        }
        printer.info(&format!("Stopping cluster {cluster:?} ..."));
        let running = |control_plane: bool| -> Vec<String> {
            let mut names: Vec<String> = members
                .iter()
                .filter(|n| n.is_running() && node::is_control_plane(n) == control_plane)
                .map(|n| n.name.clone())
                .collect();
            names.sort();
            names
        };
        // Workers first, so they do not spend the grace period retrying a gone API server.
        let (workers, control_planes) = (running(false), running(true));
        provider.stop_nodes(&workers, GRACE).await?;
        provider.stop_nodes(&control_planes, GRACE).await?;
        let stopped: Vec<String> = control_planes.into_iter().chain(workers).collect();
        if stopped.is_empty() {
            printer.info(&format!("Cluster {cluster:?} is already stopped"));
        } else {
            printer.info(&format!("Stopped nodes: {}", quoted_list(&stopped)));
        }
    }
    Ok(())
}

//! What an addon install works with: the cluster's nodes, its control plane
//! (where kubectl runs), the manifest fetcher and the time left to wait.

use std::time::{Duration, Instant};

use super::fetch::Fetcher;
use crate::cluster::ClusterError;
use crate::output::Printer;
use crate::provider::{Node, Provider, Purpose};

pub struct Cx<'a, P: Provider> {
    pub provider: &'a P,
    pub printer: &'a Printer,
    pub cluster: String,
    /// Control plane first, then workers, each sorted by name.
    pub nodes: Vec<Node>,
    pub fetcher: Fetcher,
    /// `--wait`; zero means do not wait.
    pub wait: Duration,
    deadline: Instant,
}

impl<'a, P: Provider> Cx<'a, P> {
    /// The running cluster `cluster`, or why it cannot take addons.
    pub async fn connect(
        provider: &'a P,
        printer: &'a Printer,
        cluster: &str,
        fetcher: Fetcher,
        wait: Duration,
    ) -> anyhow::Result<Self> {
        provider.preflight(Purpose::ManageNodes).await?;
        let nodes: Vec<Node> = provider.list_nodes().await?.into_iter().filter(|n| n.cluster == cluster).collect();
        if nodes.is_empty() {
            return Err(ClusterError::UnknownCluster(cluster.to_string()).into());
        }
        let nodes = crate::cluster::control_plane_first(nodes, cluster)?;
        if let Some(node) = nodes.iter().find(|n| !n.is_running()) {
            return Err(ClusterError::NodeNotRunning {
                cluster: cluster.to_string(),
                node: node.name.clone(),
                state: node.state.clone(),
            }
            .into());
        }
        Ok(Cx {
            provider,
            printer,
            cluster: cluster.to_string(),
            nodes,
            fetcher,
            wait,
            deadline: Instant::now() + wait,
        })
    }

    /// Where kubectl runs, with the admin kubeconfig.
    pub fn control_plane(&self) -> &str {
        &self.nodes[0].name
    }

    pub fn has_workers(&self) -> bool {
        self.nodes.len() > 1
    }

    /// The kubectl context users pass to see what kina did.
    pub fn context(&self) -> String {
        crate::kubeconfig::kina_key(&self.cluster)
    }

    /// What is left of `--wait`, at least a second so a wait can report.
    pub fn remaining(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now()).max(Duration::from_secs(1))
    }

    /// Each addon gets the whole `--wait` for itself.
    pub fn restart_clock(&mut self) {
        self.deadline = Instant::now() + self.wait;
    }

    pub fn waits(&self) -> bool {
        !self.wait.is_zero()
    }
}

//! What an addon install works with: the cluster's nodes, its control plane
//! (where kubectl runs), the manifest fetcher and the time left to wait.
//! Every command an addon runs in a node goes through here.

use std::time::{Duration, Instant};

use super::fetch::Fetcher;
use crate::exec::Output;
use crate::node::{self, InNode, NodesError};
use crate::output::Printer;
use crate::provider::{Node, NodeCommand, Provider, ProviderError, Purpose};

pub(crate) struct Cx<'a> {
    in_node: &'a dyn InNode,
    pub printer: &'a Printer,
    pub cluster: String,
    /// Control plane first, then workers, each sorted by name.
    pub nodes: Vec<Node>,
    pub fetcher: Fetcher,
    /// `--wait`; zero means do not wait.
    pub wait: Duration,
    deadline: Instant,
    /// `--resolver`: how `names` may get root for the Mac's resolver file.
    pub resolver: Option<crate::dns::resolver::Mode>,
}

impl<'a> Cx<'a> {
    /// The running cluster `cluster`, or why it cannot take addons.
    pub(crate) async fn connect<P: Provider>(
        provider: &'a P,
        printer: &'a Printer,
        cluster: &str,
        fetcher: Fetcher,
        wait: Duration,
    ) -> anyhow::Result<Self> {
        provider.preflight(Purpose::ManageNodes).await?;
        let nodes = node::list(provider, cluster).await?;
        if nodes.is_empty() {
            return Err(NodesError::UnknownCluster(cluster.to_string()).into());
        }
        let nodes = node::control_plane_first(nodes, cluster)?;
        node::require_running(&nodes, cluster)?;
        Ok(Cx {
            in_node: provider,
            printer,
            cluster: cluster.to_string(),
            nodes,
            fetcher,
            wait,
            deadline: Instant::now() + wait,
            resolver: None,
        })
    }

    /// Where kubectl runs, with the admin kubeconfig.
    pub(crate) fn control_plane(&self) -> &str {
        &self.nodes[0].name
    }

    /// Runs a command in the control-plane node; a non-zero exit is an error.
    pub(crate) async fn run(&self, command: &NodeCommand) -> Result<Output, ProviderError> {
        self.in_node.run_checked(self.control_plane(), command).await
    }

    /// Runs a command in the control-plane node, whatever its exit code.
    pub(crate) async fn try_run(&self, command: &NodeCommand) -> Result<Output, ProviderError> {
        self.try_run_on(self.control_plane(), command).await
    }

    /// Runs a command in `node`, whatever its exit code.
    pub(crate) async fn try_run_on(&self, node: &str, command: &NodeCommand) -> Result<Output, ProviderError> {
        self.in_node.run(node, command).await
    }

    pub(crate) fn has_workers(&self) -> bool {
        self.nodes.len() > 1
    }

    /// The kubectl context users pass to see what kina did.
    pub(crate) fn context(&self) -> String {
        crate::kubeconfig::kina_key(&self.cluster)
    }

    /// What is left of `--wait`, at least a second so a wait can report.
    pub(crate) fn remaining(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now()).max(Duration::from_secs(1))
    }

    /// Each addon gets the whole `--wait` for itself.
    pub(crate) fn restart_clock(&mut self) {
        self.deadline = Instant::now() + self.wait;
    }

    pub(crate) fn waits(&self) -> bool {
        !self.wait.is_zero()
    }
}

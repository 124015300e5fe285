//! `kina stop cluster` and `kina start cluster` (kina only: kind has neither).

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand};

use crate::addons::load_balancer;
use crate::cluster::delete::cluster_names;
use crate::cluster::start::{StartOptions, finish_start, start_cluster};
use crate::cluster::stop::stop_clusters;
use crate::kubeconfig;
use crate::output::Printer;
use crate::provider::{Provider, Purpose};

#[derive(Debug, Subcommand)]
pub enum StopCommand {
    /// Stops a cluster's node VMs; `kina start cluster` brings it back
    Cluster(StopArgs),
}

#[derive(Debug, Subcommand)]
pub enum StartCommand {
    /// Starts a stopped cluster (also after the Mac rebooted) and heals its new addresses
    Cluster(StartArgs),
}

#[derive(Debug, Args)]
pub struct StopArgs {
    /// the cluster name (default kina, or KINA_CLUSTER_NAME)
    #[arg(short = 'n', long, conflicts_with = "all")]
    pub name: Option<String>,
    /// every kina cluster
    #[arg(short = 'A', long)]
    pub all: bool,
}

#[derive(Debug, Args)]
pub struct StartArgs {
    /// the cluster name (default kina, or KINA_CLUSTER_NAME)
    #[arg(short = 'n', long, conflicts_with = "all")]
    pub name: Option<String>,
    /// every kina cluster
    #[arg(short = 'A', long)]
    pub all: bool,
    /// how long to wait for every node to be Ready
    #[arg(long, default_value = "5m", value_parser = crate::duration::parse)]
    pub wait: Duration,
    /// sets kubeconfig path instead of $KUBECONFIG or $HOME/.kube/config
    #[arg(long)]
    pub kubeconfig: Option<PathBuf>,
}

/// The named cluster, or every cluster with `--all`.
async fn selected<P: Provider>(provider: &P, name: Option<&str>, all: bool) -> anyhow::Result<Vec<String>> {
    if all {
        provider.preflight(Purpose::ManageNodes).await?;
        Ok(cluster_names(&provider.list_nodes().await?))
    } else {
        Ok(vec![super::cluster_name(name)])
    }
}

pub(super) async fn stop<P: Provider>(cmd: StopCommand, provider: &P, printer: &Printer) -> anyhow::Result<()> {
    let StopCommand::Cluster(args) = cmd;
    let clusters = selected(provider, args.name.as_deref(), args.all).await?;
    stop_clusters(provider, printer, &clusters).await
}

pub(super) async fn start<P: Provider + crate::provider::registry::RegistryRuntime>(
    cmd: StartCommand,
    provider: &P,
    printer: &Printer,
) -> anyhow::Result<()> {
    let StartCommand::Cluster(args) = cmd;
    let path = kubeconfig::write_target_from_env(args.kubeconfig.as_deref())?;
    for cluster in selected(provider, args.name.as_deref(), args.all).await? {
        let opts = StartOptions { cluster: &cluster, wait: args.wait };
        let started = start_cluster(provider, printer, &opts).await?;
        // A registry VM that restarted has a new address: point the nodes at it again.
        // The cluster runs either way: a registry it cannot reach is said, not fatal.
        if let Err(err) = crate::registry::heal_cluster(provider, printer, &cluster).await {
            let hint = crate::report::hint_of(&err).map(|h| format!(" ({h})")).unwrap_or_default();
            printer.warn(&format!("cluster {cluster:?} cannot pull from its registry: {err:#}{hint}"));
        }
        if !args.wait.is_zero() && !started.fixed {
            // The nodes came back with new addresses: kina-lb moves Services now, not on its next loop.
            load_balancer::refresh_after_start(provider, printer, &started.control_plane.name).await;
        }
        finish_start(provider, printer, &started, &path).await?;
        // The cluster runs either way: a resolver file left behind is said, not fatal.
        if let Err(err) = crate::dns::follow_node_address(printer, &cluster, started.control_plane.ipv4).await {
            printer
                .warn(&format!("names under {} still point at the old address: {err:#}", crate::dns::zone(&cluster)));
        }
    }
    Ok(())
}

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, Subcommand};

use crate::cluster::create::{CreateOptions, create};
use crate::cluster::plan::Overrides;
use crate::config::types::{Cluster, Node, Role};
use crate::kubeconfig;
use crate::output::Printer;
use crate::provider::Provider;

#[derive(Debug, Subcommand)]
pub enum CreateCommand {
    /// Creates a local Kubernetes cluster
    Cluster(CreateClusterArgs),
}

#[derive(Debug, Args)]
pub struct CreateClusterArgs {
    /// cluster name, overrides KINA_CLUSTER_NAME, config (default kina)
    #[arg(short = 'n', long)]
    pub name: Option<String>,
    /// path to a kind config file (`-` for stdin)
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// node docker image to use for booting the cluster
    #[arg(long)]
    pub image: Option<String>,
    /// Kubernetes version of the node image: a minor (1.36, v1.36) picks its newest image, or an exact version (1.35.5); --image wins (kina only)
    #[arg(long, value_name = "VERSION")]
    pub kubernetes_version: Option<String>,
    /// retain nodes for debugging when cluster creation fails
    #[arg(long)]
    pub retain: bool,
    /// wait for every node to be Ready (default 0s; kind waits for the control plane only). Non-zero values should contain a corresponding time unit (e.g. 1s, 2m, 3h)
    #[arg(long, default_value = "0s", value_parser = crate::duration::parse)]
    pub wait: std::time::Duration,
    /// sets kubeconfig path instead of $KUBECONFIG or $HOME/.kube/config
    #[arg(long)]
    pub kubeconfig: Option<PathBuf>,
    /// add N worker nodes (kina only; needs macOS 26)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(0..crate::config::MAX_NODES as i64))]
    pub workers: Option<u16>,
    /// CPUs for every node VM (kina only; default 4 for control planes, 2 for workers)
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=crate::config::MAX_CPUS as i64))]
    pub cpus: Option<u32>,
    /// memory for every node VM, e.g. 4G or 2048M (kina only; default 4G for control planes, 2G for workers)
    #[arg(long, value_parser = crate::config::parse_memory)]
    pub memory: Option<String>,
}

pub(super) async fn run<P: Provider>(cmd: CreateCommand, provider: &P, printer: &Printer) -> anyhow::Result<()> {
    let CreateCommand::Cluster(args) = cmd;
    let mut cluster = match &args.config {
        Some(path) => {
            let parsed = crate::config::load_cluster(path).context("failed to create cluster")?;
            for warning in &parsed.warnings {
                printer.warn(warning);
            }
            parsed.cluster
        }
        None => Cluster::default(),
    };
    let name = crate::cluster::names::resolve(
        args.name.as_deref(),
        std::env::var("KINA_CLUSTER_NAME").ok().as_deref(),
        cluster.name.as_deref(),
    );
    let workers = usize::from(args.workers.unwrap_or(0));
    if cluster.nodes.len() + workers > crate::config::MAX_NODES {
        anyhow::bail!("failed to create cluster: {}", crate::config::too_many_nodes(cluster.nodes.len() + workers));
    }
    for _ in 0..workers {
        cluster.nodes.push(Node::new(Role::Worker));
    }
    let image = match (args.image, args.kubernetes_version.as_deref()) {
        (Some(image), Some(version)) => {
            printer.warn(&format!("--image {image} wins over --kubernetes-version {version}"));
            Some(image)
        }
        (Some(image), None) => Some(image),
        (None, Some(version)) => {
            Some(crate::versions::resolve(version).context("failed to create cluster")?.image.to_string())
        }
        (None, None) => None,
    };
    let options = CreateOptions {
        name,
        config: cluster,
        overrides: Overrides { image, cpus: args.cpus, memory: args.memory },
        retain: args.retain,
        wait: args.wait,
        kubeconfig: kubeconfig::write_target_from_env(args.kubeconfig.as_deref())?,
        explicit_kubeconfig: args.kubeconfig.is_some(),
    };
    create(provider, printer, &options).await
}

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
    /// retain nodes for debugging when cluster creation fails
    #[arg(long)]
    pub retain: bool,
    /// wait for control plane node to be ready (default 0s). Non-zero values should contain a corresponding time unit (e.g. 1s, 2m, 3h)
    #[arg(long, default_value = "0s", value_parser = crate::duration::parse)]
    pub wait: std::time::Duration,
    /// sets kubeconfig path instead of $KUBECONFIG or $HOME/.kube/config
    #[arg(long)]
    pub kubeconfig: Option<PathBuf>,
    /// add N worker nodes (kina only; needs macOS 26)
    #[arg(long, value_name = "N")]
    pub workers: Option<usize>,
    /// CPUs for every node VM (kina only; default 4 for control planes, 2 for workers)
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub cpus: Option<u32>,
    /// memory for every node VM, e.g. 4G or 2048M (kina only; default 4G for control planes, 2G for workers)
    #[arg(long, value_parser = parse_memory)]
    pub memory: Option<String>,
}

/// Apple `container`'s size syntax: digits with an optional K/M/G/T/P suffix.
fn parse_memory(text: &str) -> Result<String, String> {
    let digits = text.trim_end_matches(|c: char| "kmgtpKMGTP".contains(c));
    let suffix = &text[digits.len()..];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || suffix.len() > 1 {
        return Err(format!("invalid memory size {text:?}: use a number with K, M, G, T or P, e.g. 4G"));
    }
    Ok(text.to_string())
}

pub async fn run<P: Provider>(cmd: CreateCommand, provider: &P, printer: &Printer) -> anyhow::Result<()> {
    let CreateCommand::Cluster(args) = cmd;
    let config = match &args.config {
        Some(path) => Some(crate::config::load(path).context("failed to create cluster")?),
        None => None,
    };
    let name = crate::cluster::names::resolve(
        args.name.as_deref(),
        std::env::var("KINA_CLUSTER_NAME").ok().as_deref(),
        config.as_ref().and_then(|c| c.name.as_deref()),
    );
    let mut cluster = Cluster::default();
    if let Some(old) = config {
        cluster.nodes[0].image = old.image;
        cluster.networking.pod_subnet = old.networking.pod_subnet;
        cluster.networking.service_subnet = old.networking.service_subnet;
        cluster.networking.api_server_port = old.networking.api_server_port;
        cluster.networking.disable_default_cni = old.networking.disable_default_cni;
    }
    for _ in 0..args.workers.unwrap_or(0) {
        cluster.nodes.push(Node::new(Role::Worker));
    }
    let options = CreateOptions {
        name,
        config: cluster,
        overrides: Overrides { image: args.image, cpus: args.cpus, memory: args.memory },
        retain: args.retain,
        wait: args.wait,
        kubeconfig: kubeconfig::write_target_from_env(args.kubeconfig.as_deref())?,
        explicit_kubeconfig: args.kubeconfig.is_some(),
    };
    create(provider, printer, &options).await
}

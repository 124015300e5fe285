use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, Subcommand};

use crate::cluster::DEFAULT_IMAGE;
use crate::cluster::create::{CreateOptions, create};
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
    let image = args
        .image
        .or_else(|| config.as_ref().and_then(|c| c.image.clone()))
        .unwrap_or_else(|| DEFAULT_IMAGE.to_string());
    let options = CreateOptions {
        name,
        image,
        retain: args.retain,
        wait: args.wait,
        kubeconfig: kubeconfig::write_target_from_env(args.kubeconfig.as_deref())?,
        explicit_kubeconfig: args.kubeconfig.is_some(),
        networking: config.map(|c| c.networking).unwrap_or_default(),
    };
    create(provider, printer, &options).await
}

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, Subcommand};

use crate::cluster::create::{CreateOptions, create};
use crate::cluster::plan::Overrides;
use crate::config::types::{Cluster, Node, Role};
use crate::kubeconfig;
use crate::output::Printer;
use crate::provider::Provider;
use crate::provider::registry::RegistryRuntime;

#[derive(Debug, Subcommand)]
pub enum CreateCommand {
    /// Creates a local Kubernetes cluster
    Cluster(CreateClusterArgs),
    /// Creates a local registry that clusters pull from as localhost:<port> (macOS 26; on macOS 15 use create cluster --registry)
    Registry(super::registry::CreateRegistryArgs),
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
    /// connect the cluster to a local registry (default kina-registry), creating it if missing (kina only; on macOS 15 it runs inside the node)
    #[arg(long, value_name = "NAME", num_args = 0..=1, default_missing_value = crate::registry::DEFAULT_NAME)]
    pub registry: Option<String>,
}

pub(super) async fn run<P: Provider + RegistryRuntime>(
    cmd: CreateCommand,
    provider: &P,
    printer: &Printer,
) -> anyhow::Result<()> {
    let args = match cmd {
        CreateCommand::Cluster(args) => args,
        CreateCommand::Registry(args) => return super::registry::create(args, provider, printer).await,
    };
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
    let registry = match args.registry.or(cluster.registry.as_ref().map(|r| r.name.clone())) {
        Some(registry_name) => {
            let port = cluster.registry.as_ref().and_then(|r| r.port);
            Some(prepare_registry(provider, &mut cluster, &registry_name, port, &name).await?)
        }
        None => None,
    };
    let options = CreateOptions {
        name,
        config: cluster,
        overrides: Overrides { image, cpus: args.cpus, memory: args.memory },
        retain: args.retain,
        wait: args.wait,
        kubeconfig: kubeconfig::write_target_from_env(args.kubeconfig.as_deref())?,
        explicit_kubeconfig: args.kubeconfig.is_some(),
        registry,
    };
    create(provider, printer, &options).await
}

/// Before the cluster is made: refuses containerd patches that cannot live with the
/// registry, decides where the registry runs (it is made or started only once the
/// cluster's own checks have passed), and has every node's containerd read `certs.d`.
async fn prepare_registry<P: Provider + RegistryRuntime>(
    provider: &P,
    cluster: &mut Cluster,
    registry: &str,
    port: Option<u16>,
    cluster_name: &str,
) -> anyhow::Result<crate::registry::RegistryRequest> {
    crate::containerd::check_cri_registry(
        &cluster.containerd_config_patches,
        &cluster.containerd_config_patches_json6902,
    )
    .context("failed to create cluster")?;
    if crate::registry::patches_set_mirrors(
        &cluster.containerd_config_patches,
        &cluster.containerd_config_patches_json6902,
    ) {
        return Err(
            anyhow::Error::new(crate::registry::RegistryError::MirrorsConflict).context("failed to create cluster")
        );
    }
    crate::cluster::names::validate(cluster_name).context("failed to create cluster")?;
    let runtime =
        provider.preflight(crate::provider::Purpose::CreateConnectedNodes).await.context("failed to create cluster")?;
    let request = if runtime.nodes_reach_each_other == Some(false) {
        // macOS 15: inside the control-plane node (a single node: more is refused anyway).
        let port = port.unwrap_or(crate::registry::DEFAULT_PORT);
        let in_node =
            crate::registry::in_node::prepare(provider, registry, port).await.context("failed to create cluster")?;
        crate::registry::RegistryRequest::InNode(in_node)
    } else {
        crate::registry::RegistryRequest::Vm { name: registry.to_string(), port }
    };
    cluster.containerd_config_patches.push(crate::registry::CONTAINERD_PATCH.to_string());
    Ok(request)
}

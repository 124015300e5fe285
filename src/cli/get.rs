use clap::{Args, Subcommand};
use serde::Serialize;

use crate::output::{OutputFormat, print_structured};

use crate::cluster::actions::cluster_kubeconfig;
use crate::cluster::delete::cluster_names;
use crate::kubeconfig;
use crate::node;
use crate::output::Printer;
use crate::provider::{Node, Provider};

#[derive(Debug, Subcommand)]
pub enum GetCommand {
    /// Lists existing kina clusters by their name
    Clusters(GetClustersArgs),
    /// Lists existing kina nodes by their name
    Nodes(GetNodesArgs),
    /// Prints cluster kubeconfig
    Kubeconfig(GetKubeconfigArgs),
    /// Lists kina's local registries, with the command that pushes to each
    Registries(super::registry::GetRegistriesArgs),
}

#[derive(Debug, Args)]
pub struct GetClustersArgs {
    /// output format (table: one name per line, as kind)
    #[arg(short = 'o', long, value_enum, default_value = "table")]
    pub output: OutputFormat,
}

#[derive(Debug, Args)]
pub struct GetNodesArgs {
    /// the cluster context name (default kina, or KINA_CLUSTER_NAME)
    #[arg(short = 'n', long)]
    pub name: Option<String>,
    /// If present, list all the available nodes across all cluster contexts. Current context is ignored even if specified with --name.
    #[arg(short = 'A', long)]
    pub all_clusters: bool,
    /// output format (table: one name per line, as kind)
    #[arg(short = 'o', long, value_enum, default_value = "table")]
    pub output: OutputFormat,
}

/// One element of `kina get clusters -o json|yaml` (docs/usage.md).
#[derive(Debug, Serialize)]
struct ClusterItem {
    name: String,
}

/// One element of `kina get nodes -o json|yaml` (docs/usage.md).
#[derive(Debug, Serialize)]
struct NodeItem<'a> {
    name: &'a str,
    cluster: &'a str,
    role: &'a str,
    state: &'a str,
    /// None while the node is stopped.
    ip: Option<String>,
    /// From the node's `io.kina.kubernetes-version` label (the image's tag); None if the tag is not a version.
    #[serde(rename = "kubernetesVersion")]
    kubernetes_version: Option<&'a str>,
}

#[derive(Debug, Args)]
pub struct GetKubeconfigArgs {
    /// the cluster context name (default kina, or KINA_CLUSTER_NAME)
    #[arg(short = 'n', long)]
    pub name: Option<String>,
    /// use internal address instead of external
    #[arg(long)]
    pub internal: bool,
}

pub(super) async fn run<P: Provider + crate::provider::registry::RegistryRuntime>(
    cmd: GetCommand,
    provider: &P,
    printer: &Printer,
) -> anyhow::Result<()> {
    match cmd {
        GetCommand::Clusters(args) => {
            let clusters = cluster_names(&provider.list_nodes().await?);
            if !matches!(args.output, OutputFormat::Table | OutputFormat::Wide) {
                let items: Vec<ClusterItem> = clusters.into_iter().map(|name| ClusterItem { name }).collect();
                print_structured(printer, args.output, &items)?;
                return Ok(());
            }
            if clusters.is_empty() {
                printer.info("No kina clusters found.");
            }
            for cluster in clusters {
                printer.data_line(&cluster);
            }
        }
        GetCommand::Nodes(args) => {
            let nodes = provider.list_nodes().await?;
            let name = super::cluster_name(args.name.as_deref());
            let mut selected: Vec<&Node> = nodes.iter().filter(|n| args.all_clusters || n.cluster == name).collect();
            if !matches!(args.output, OutputFormat::Table | OutputFormat::Wide) {
                selected.sort_by(|a, b| (&a.cluster, &a.name).cmp(&(&b.cluster, &b.name)));
                let items: Vec<NodeItem> = selected
                    .iter()
                    .map(|n| NodeItem {
                        name: &n.name,
                        cluster: &n.cluster,
                        role: n.role_text(),
                        state: n.state.as_str(),
                        ip: n.ipv4.map(|ip| ip.to_string()),
                        kubernetes_version: n.kubernetes_version.as_deref(),
                    })
                    .collect();
                print_structured(printer, args.output, &items)?;
                return Ok(());
            }
            if selected.is_empty() {
                if args.all_clusters {
                    printer.info("No kina nodes for any cluster.");
                } else {
                    printer.info(&format!("No kina nodes found for cluster {name:?}."));
                }
            }
            for node in selected {
                printer.data_line(&node.name);
            }
        }
        GetCommand::Registries(args) => return super::registry::get(args, provider, printer).await,
        GetCommand::Kubeconfig(args) => {
            let name = super::cluster_name(args.name.as_deref());
            let node = control_plane(provider, &name).await?;
            let config = cluster_kubeconfig(provider, &node, args.internal).await?;
            printer.data(&kubeconfig::to_yaml(&config)?);
        }
    }
    Ok(())
}

/// The first control-plane node (by name) of a running cluster.
pub(super) async fn control_plane<P: Provider>(provider: &P, cluster: &str) -> anyhow::Result<Node> {
    let nodes = node::control_plane_first(node::list(provider, cluster).await?, cluster)?;
    let control_plane = nodes.into_iter().next().expect("control plane first");
    node::require_running([&control_plane], cluster)?;
    Ok(control_plane)
}

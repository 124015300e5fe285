use std::path::PathBuf;

use anyhow::bail;
use clap::{Args, Subcommand};

use crate::cluster::delete::{Selection, delete_clusters, quoted_list};
use crate::kubeconfig;
use crate::output::Printer;
use crate::provider::Provider;

#[derive(Debug, Subcommand)]
pub enum DeleteCommand {
    /// Deletes a cluster
    Cluster(DeleteClusterArgs),
    /// Deletes one or more clusters
    Clusters(DeleteClustersArgs),
    /// Deletes a local registry and its images
    Registry(super::registry::DeleteRegistryArgs),
}

#[derive(Debug, Args)]
pub struct DeleteClusterArgs {
    /// the cluster name (default kina, or KINA_CLUSTER_NAME)
    #[arg(short = 'n', long)]
    pub name: Option<String>,
    /// sets kubeconfig path instead of $KUBECONFIG or $HOME/.kube/config
    #[arg(long)]
    pub kubeconfig: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct DeleteClustersArgs {
    /// the cluster names
    pub names: Vec<String>,
    /// delete all clusters
    #[arg(short = 'A', long)]
    pub all: bool,
    /// sets kubeconfig path instead of $KUBECONFIG or $HOME/.kube/config
    #[arg(long)]
    pub kubeconfig: Option<PathBuf>,
}

pub(super) async fn run<P: Provider + crate::provider::registry::RegistryRuntime>(
    cmd: DeleteCommand,
    provider: &P,
    printer: &Printer,
) -> anyhow::Result<()> {
    match cmd {
        DeleteCommand::Registry(args) => super::registry::delete(args, provider, printer).await,
        DeleteCommand::Cluster(args) => {
            let name = super::cluster_name(args.name.as_deref());
            printer.info(&format!("Deleting cluster {name:?} ..."));
            let targets = kubeconfig::remove_targets_from_env(args.kubeconfig.as_deref());
            let report = delete_clusters(provider, printer, Selection::Named(vec![name]), &targets).await?;
            remove_resolver_files(printer, &report.deleted).await;
            match report.failed.into_iter().next() {
                Some((_, err)) => Err(err),
                None => Ok(()),
            }
        }
        DeleteCommand::Clusters(args) => {
            let targets = kubeconfig::remove_targets_from_env(args.kubeconfig.as_deref());
            let selection = if args.all {
                Selection::All
            } else if args.names.is_empty() {
                bail!("no cluster names provided");
            } else {
                Selection::Named(args.names)
            };
            // Like kind: a cluster that fails is reported, the others still go.
            let report = delete_clusters(provider, printer, selection, &targets).await?;
            remove_resolver_files(printer, &report.deleted).await;
            for (cluster, err) in &report.failed {
                printer.info(&format!("failed to delete cluster {cluster:?}: {err:#}"));
            }
            printer.info(&format!("Deleted clusters: {}", quoted_list(&report.deleted)));
            Ok(())
        }
    }
}

/// The Mac's resolver file of each deleted cluster's zone (`kina install
/// names`), if kina wrote one; `KINA_RESOLVER` says how to get root. The
/// clusters are gone either way: a file left behind is a warning.
async fn remove_resolver_files(printer: &Printer, deleted: &[String]) {
    for cluster in deleted {
        let zone = crate::dns::zone(cluster);
        if crate::dns::resolver::read(&zone).is_none() {
            continue;
        }
        let removed = match crate::dns::resolver::Mode::resolve(None) {
            Ok(mode) => crate::dns::resolver::remove(&crate::exec::ProcessRunner, printer, mode, &zone).await,
            Err(err) => Err(err),
        };
        if let Err(err) = removed {
            let path = crate::dns::resolver::path(&zone);
            printer.warn(&format!(
                "{} is still there: {err}; remove it with `sudo rm {}`",
                path.display(),
                shell_words::quote(&path.display().to_string())
            ));
        }
    }
}

//! `kina delete cluster` / `kina delete clusters`: idempotent, like kind.

use std::path::PathBuf;

use crate::kubeconfig;
use crate::output::Printer;
use crate::provider::registry::RegistryRuntime;
use crate::provider::{Provider, Purpose};

/// Which clusters to delete.
pub(crate) enum Selection {
    Named(Vec<String>),
    /// Every cluster that has nodes.
    All,
}

/// What a delete did: clusters fully deleted, and those whose kubeconfig
/// entries could not be removed.
pub(crate) struct DeleteReport {
    pub deleted: Vec<String>,
    pub failed: Vec<(String, anyhow::Error)>,
}

/// Deletes clusters: kubeconfig entries first (even when no nodes exist or
/// the runtime is down, as kind does), then every node VM in one runtime call.
pub(crate) async fn delete_clusters<P: Provider + RegistryRuntime>(
    provider: &P,
    printer: &Printer,
    selection: Selection,
    kubeconfig_targets: &[PathBuf],
) -> anyhow::Result<DeleteReport> {
    let mut clusters = match &selection {
        Selection::Named(names) => names.clone(),
        Selection::All => Vec::new(),
    };
    clusters.sort();
    clusters.dedup();
    let mut failed = remove_kubeconfig_entries(printer, &clusters, kubeconfig_targets);

    provider.preflight(Purpose::ManageNodes).await?;
    let nodes = provider.list_nodes().await?;
    if let Selection::All = selection {
        clusters = cluster_names(&nodes);
        failed = remove_kubeconfig_entries(printer, &clusters, kubeconfig_targets);
    }

    let doomed: Vec<String> = nodes.iter().filter(|n| clusters.contains(&n.cluster)).map(|n| n.name.clone()).collect();
    provider.delete_nodes(&doomed).await?;
    if !doomed.is_empty() {
        printer.info(&format!("Deleted nodes: {}", quoted_list(&doomed)));
    }
    // Each cluster's network, once its nodes are gone and no registry VM is on it.
    let networks: Vec<String> = clusters
        .iter()
        .filter_map(|cluster| {
            let members: Vec<_> = nodes.iter().filter(|n| &n.cluster == cluster).cloned().collect();
            super::network::fixed_addresses(&members).map(|(network, _)| network.name)
        })
        .collect();
    crate::registry::release_networks(provider, printer, &networks).await?;
    for network in &networks {
        provider.delete_network(network).await?;
        printer.info(&format!("Deleted network: {network:?}"));
    }
    let deleted = clusters.into_iter().filter(|c| !failed.iter().any(|(f, _)| f == c)).collect();
    Ok(DeleteReport { deleted, failed })
}

fn remove_kubeconfig_entries(
    printer: &Printer,
    clusters: &[String],
    targets: &[PathBuf],
) -> Vec<(String, anyhow::Error)> {
    let mut failed = Vec::new();
    for cluster in clusters {
        for path in targets {
            match kubeconfig::remove(path, cluster) {
                Ok(written) => {
                    if let Some(notice) = written.and_then(|w| w.notice(path)) {
                        printer.warn(&notice);
                    }
                }
                Err(err) => {
                    failed.push((cluster.clone(), anyhow::Error::new(err).context("failed to update kubeconfig")));
                    break;
                }
            }
        }
    }
    failed
}

/// Every cluster that has at least one node, sorted and de-duplicated.
pub(crate) fn cluster_names(nodes: &[crate::provider::Node]) -> Vec<String> {
    let mut names: Vec<String> = nodes.iter().map(|n| n.cluster.clone()).collect();
    names.sort();
    names.dedup();
    names
}

/// Go's `%q` of a string slice, as kind prints it: `["a" "b"]`.
pub(crate) fn quoted_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("{i:?}")).collect();
    format!("[{}]", quoted.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_print_like_go() {
        assert_eq!(quoted_list(&["kina-control-plane".into()]), r#"["kina-control-plane"]"#);
        assert_eq!(quoted_list(&["a".into(), "b".into()]), r#"["a" "b"]"#);
        assert_eq!(quoted_list(&[]), "[]");
    }
}

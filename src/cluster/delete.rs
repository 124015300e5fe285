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
    // The registries too: a registry VM on a doomed network must leave it first. Listed
    // under the registry lock, so that a registry another command is recreating (its
    // VM gone for a moment) is not missed; waits only while one is.
    let lock = crate::registry::lock(printer).await?;
    let (nodes, registries) = provider.list_nodes_and_registries().await?;
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
    let networks = doomed_networks(provider, &clusters, &nodes).await?;
    if registries.iter().any(|r| r.is_vm() && r.networks.iter().any(|n| networks.contains(n)))
        && let Err(err) = crate::registry::release_networks(&lock, provider, printer, &networks).await
    {
        // The network delete below then says what still uses it.
        printer.warn(&format!("could not take the registry off the cluster's network: {err:#}"));
    }
    for network in &networks {
        provider.delete_network(network).await?;
        printer.info(&format!("Deleted network: {network:?}"));
    }
    let deleted = clusters.into_iter().filter(|c| !failed.iter().any(|(f, _)| f == c)).collect();
    Ok(DeleteReport { deleted, failed })
}

/// The networks of `clusters`: from their nodes' labels, and for a named cluster
/// without nodes (a delete or create that was interrupted after the nodes went, or
/// before they came) the networks labelled with its name, so a re-run removes them.
async fn doomed_networks<P: Provider>(
    provider: &P,
    clusters: &[String],
    nodes: &[crate::provider::Node],
) -> anyhow::Result<Vec<String>> {
    let mut networks = Vec::new();
    let mut without_nodes = Vec::new();
    for cluster in clusters {
        let members: Vec<_> = nodes.iter().filter(|n| &n.cluster == cluster).cloned().collect();
        match super::network::fixed_addresses(&members) {
            Some((network, _)) => networks.push(network.name),
            None if members.is_empty() => without_nodes.push(cluster),
            None => {}
        }
    }
    if !without_nodes.is_empty()
        && let Some(listed) = provider.list_networks().await?
    {
        for network in listed {
            let owner = network.labels.get(crate::provider::LABEL_CLUSTER);
            if owner.is_some_and(|c| without_nodes.contains(&c)) {
                networks.push(network.name);
            }
        }
    }
    Ok(networks)
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

//! `kina delete cluster` / `kina delete clusters`: idempotent, like kind.

use std::path::PathBuf;

use crate::kubeconfig;
use crate::output::Printer;
use crate::provider::Provider;

/// Which clusters to delete.
pub enum Selection {
    Named(Vec<String>),
    /// Every cluster that has nodes.
    All,
}

/// Deletes clusters: kubeconfig entries first (even when no nodes exist, as
/// kind does), then every node VM in one runtime call. Returns the clusters
/// that had nodes.
pub async fn delete_clusters<P: Provider>(
    provider: &P,
    printer: &Printer,
    selection: Selection,
    kubeconfig_targets: &[PathBuf],
) -> anyhow::Result<Vec<String>> {
    provider.preflight().await?;
    let nodes = provider.list_nodes().await?;
    let clusters = match selection {
        Selection::Named(names) => names,
        Selection::All => cluster_names(&nodes),
    };

    let mut kubeconfig_errors = Vec::new();
    for cluster in &clusters {
        for path in kubeconfig_targets {
            if let Err(err) = kubeconfig::remove(path, cluster) {
                kubeconfig_errors.push(err);
            }
        }
    }

    let doomed: Vec<String> = nodes.iter().filter(|n| clusters.contains(&n.cluster)).map(|n| n.name.clone()).collect();
    provider.delete_nodes(&doomed).await?;
    if !doomed.is_empty() {
        printer.info(&format!("Deleted nodes: {}", quoted_list(&doomed)));
    }
    if let Some(err) = kubeconfig_errors.into_iter().next() {
        return Err(anyhow::Error::new(err).context("failed to update kubeconfig"));
    }
    let mut deleted: Vec<String> =
        clusters.iter().filter(|c| nodes.iter().any(|n| &n.cluster == *c)).cloned().collect();
    deleted.dedup();
    Ok(deleted)
}

/// Every cluster that has at least one node, sorted and de-duplicated.
pub fn cluster_names(nodes: &[crate::provider::Node]) -> Vec<String> {
    let mut names: Vec<String> = nodes.iter().map(|n| n.cluster.clone()).collect();
    names.sort();
    names.dedup();
    names
}

/// Go's `%q` of a string slice, as kind prints it: `["a" "b"]`.
pub fn quoted_list(items: &[String]) -> String {
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

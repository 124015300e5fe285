//! Connecting a cluster to a registry, and healing the connection after the
//! registry's address changed (a VM gets a new address when it restarts).

use std::net::Ipv4Addr;

use anyhow::Context as _;

use super::{RegistryError, configmap, endpoint_in, hosts_dir, hosts_toml};
use crate::node;
use crate::output::Printer;
use crate::provider::registry::{RegistryRuntime, RegistryVm};
use crate::provider::{NodeCommand, NodeHandle, NodeState, Provider, ProviderError};

/// Writes `hosts.toml` for registry `name` on every node of `cluster` and applies the
/// `local-registry-hosting` ConfigMap. The nodes' containerd must read `certs.d`
/// (the create adds [`super::CONTAINERD_PATCH`]); containerd reads `hosts.toml` at
/// each pull, so no restart is needed. The registry's address is read under the
/// registry lock: another command may have recreated it since the create made it.
pub(crate) async fn connect<P: Provider + RegistryRuntime>(
    provider: &P,
    printer: &Printer,
    cluster: &str,
    name: &str,
) -> anyhow::Result<()> {
    let _lock = super::lock(printer).await?;
    let registry = super::lifecycle::listed_vm(provider, name).await?;
    let nodes = node::control_plane_first(node::list(provider, cluster).await?, cluster)?;
    let ip = address_for(&registry, cluster, &nodes)?;
    write_all(provider, &nodes, registry.port, &super::vm_endpoint(ip)).await
}

/// The registry's address on the network of `cluster`'s nodes: VMs reach each other
/// only on a network they share, each at its address there.
fn address_for(registry: &RegistryVm, cluster: &str, nodes: &[crate::provider::Node]) -> anyhow::Result<Ipv4Addr> {
    let network = crate::cluster::network::fixed_addresses(nodes).map(|(network, _)| network.name);
    match registry.address_on(network.as_deref()) {
        Some(ip) => Ok(ip),
        None => match network {
            Some(network) if registry.state == NodeState::Running => {
                Err(RegistryError::NotOnNetwork { name: registry.name.clone(), network, cluster: cluster.to_string() }
                    .into())
            }
            _ => Err(RegistryError::NoAddress { name: registry.name.clone() }.into()),
        },
    }
}

/// `hosts.toml` sending `localhost:<port>` to `endpoint` on every node, and the ConfigMap.
pub(super) async fn connect_endpoint<P: Provider>(
    provider: &P,
    cluster: &str,
    port: u16,
    endpoint: &str,
) -> anyhow::Result<()> {
    let nodes = node::control_plane_first(node::list(provider, cluster).await?, cluster)?;
    write_all(provider, &nodes, port, endpoint).await
}

/// `hosts.toml` on `nodes` (control plane first), and the ConfigMap.
async fn write_all<P: Provider>(
    provider: &P,
    nodes: &[crate::provider::Node],
    port: u16,
    endpoint: &str,
) -> anyhow::Result<()> {
    let writes = nodes.iter().map(|n| write_hosts_toml(provider, &n.name, port, endpoint));
    futures_util::future::try_join_all(writes).await?;
    let apply = node::kubectl(["apply", "-f", "-"]).stdin(configmap(port));
    provider
        .node(&nodes[0].name)
        .run_checked(&apply)
        .await
        .context("failed to apply the local-registry-hosting ConfigMap")?;
    Ok(())
}

pub(super) async fn write_hosts_toml<P: Provider>(
    provider: &P,
    node: &str,
    port: u16,
    endpoint: &str,
) -> anyhow::Result<()> {
    let dir = hosts_dir(port);
    let handle = provider.node(node);
    handle
        .run_checked(&NodeCommand::new(["mkdir", "-p", &dir]))
        .await
        .with_context(|| format!("failed to create {dir} on {node}"))?;
    let file = format!("{dir}/hosts.toml");
    handle
        .run_checked(&NodeCommand::new(["cp", "/dev/stdin", &file]).stdin(hosts_toml(endpoint)))
        .await
        .with_context(|| format!("failed to write {file} on {node}"))?;
    Ok(())
}

/// After `kina start cluster`: for each kina registry a node has a `hosts.toml` for,
/// starts the registry if it is stopped, recreates it on the cluster's network if it is
/// not on it (a registry made while the cluster was stopped), and rewrites `hosts.toml`
/// where the address changed. A recreated registry has new addresses everywhere: the
/// other running clusters follow it.
pub(crate) async fn heal_cluster<P: Provider + RegistryRuntime>(
    provider: &P,
    printer: &Printer,
    cluster: &str,
) -> anyhow::Result<()> {
    let _lock = super::lock(printer).await?;
    if point_at_registries(provider, printer, cluster, Join::Yes).await? {
        super::lifecycle::follow(provider, printer).await?;
    }
    Ok(())
}

/// Whether a registry the cluster uses but is not on joins the cluster's network.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Join {
    /// Recreated to join it (`kina start` of that cluster).
    Yes,
    /// Left as it is, the cluster's pulls failing ([`RegistryError::NotOnNetwork`]):
    /// when another command moved the registry.
    No,
}

/// [`heal_cluster`] without the other clusters following; true when a registry was
/// recreated to join the cluster's network.
pub(super) async fn point_at_registries<P: Provider + RegistryRuntime>(
    provider: &P,
    printer: &Printer,
    cluster: &str,
    join: Join,
) -> anyhow::Result<bool> {
    // A registry inside a node (macOS 15) is on the node's loopback: nothing moves.
    let registries: Vec<RegistryVm> = provider.list_registries().await?.into_iter().filter(RegistryVm::is_vm).collect();
    if registries.is_empty() {
        return Ok(false);
    }
    let nodes: Vec<_> = node::list(provider, cluster).await?.into_iter().filter(|n| n.is_running()).collect();
    let network = crate::cluster::network::fixed_addresses(&nodes).map(|(network, _)| network.name);
    let mut joined = false;
    for registry in registries {
        let file = format!("{}/hosts.toml", hosts_dir(registry.port));
        let mut connected = Vec::new();
        for n in &nodes {
            let read = provider.node(&n.name).run(&NodeCommand::new(["cat", &file])).await?;
            if read.success() {
                connected.push((n.name.clone(), endpoint_in(&read.stdout)));
            }
        }
        if connected.is_empty() {
            continue;
        }
        let registry = match (&network, registry.state) {
            (Some(network), _) if join == Join::Yes && !registry.networks.contains(network) => {
                printer.info(&format!(
                    "Recreating registry {:?} to join the network of cluster {cluster:?} ...",
                    registry.name
                ));
                let all = super::lifecycle::networks_for_clusters(&registry.networks, &[network.as_str()]);
                joined = true;
                // Boxed: a failed remake's restore has the clusters follow, through here.
                Box::pin(super::lifecycle::remake(provider, printer, &registry, all)).await?
            }
            (_, NodeState::Running) => registry,
            _ => {
                printer.info(&format!("Starting registry {:?} for cluster {cluster:?} ...", registry.name));
                provider.start_registry(&registry.name).await.map_err(|source| RegistryError::VmFailed {
                    action: "start",
                    name: registry.name.clone(),
                    source,
                })?;
                let listed = provider.list_registries().await?;
                listed
                    .into_iter()
                    .find(|r| r.name == registry.name)
                    .ok_or_else(|| ProviderError::NodeNotFound(registry.name.clone()))?
            }
        };
        let now = super::vm_endpoint(address_for(&registry, cluster, &nodes)?);
        for (node, endpoint) in connected {
            if endpoint.as_deref() != Some(now.as_str()) {
                write_hosts_toml(provider, &node, registry.port, &now).await?;
                tracing::debug!("{node}: registry {:?} now at {now}", registry.name);
            }
        }
    }
    Ok(joined)
}

/// The running clusters with a node that has a `hosts.toml` for `localhost:<port>`.
pub(crate) async fn clusters_using<P: Provider>(provider: &P, port: u16) -> Result<Vec<String>, ProviderError> {
    clusters_using_among(provider, &provider.list_nodes().await?, port).await
}

/// [`clusters_using`] among `nodes`, as the caller listed them.
pub(super) async fn clusters_using_among<P: Provider>(
    provider: &P,
    nodes: &[crate::provider::Node],
    port: u16,
) -> Result<Vec<String>, ProviderError> {
    let file = format!("{}/hosts.toml", hosts_dir(port));
    let mut clusters: Vec<String> = Vec::new();
    for n in nodes.iter().filter(|n| n.is_running()) {
        if clusters.contains(&n.cluster) {
            continue;
        }
        if provider.node(&n.name).run(&NodeCommand::new(["cat", &file])).await?.success() {
            clusters.push(n.cluster.clone());
        }
    }
    Ok(clusters)
}

//! Stable node addresses on macOS 26: each cluster gets a network of its
//! own with a subnet kina picks free, and each node a fixed address in it,
//! added inside the guest at every boot by a unit (`unit.rs`). kubeadm uses
//! that address, so a restart needs no healing: certificates, kubeconfigs
//! and kube-proxy keep pointing at the right place.
//!
//! The runtime still gives each VM an address of its own at every start,
//! counted up from the bottom of the subnet; the fixed addresses are taken
//! from the top, where it reaches last (it never hands out the one below
//! the broadcast address, which goes to the control plane).

pub(crate) mod host;
pub(crate) mod unit;

use std::net::Ipv4Addr;

use anyhow::Context as _;

use crate::provider::{FixedAddress, Ipv4Subnet, LABEL_CLUSTER, NetworkInfo, NetworkSpec, Node, Provider};

/// Set to `off` to keep new clusters on the runtime's default network (a new
/// address at every start, healed by `kina start`), as on macOS 15.
pub(crate) const FIXED_ADDRESSES_ENV: &str = "KINA_FIXED_ADDRESSES";

/// The runtime's default network on a fresh install: never chosen.
const RUNTIME_DEFAULT: Ipv4Subnet = match Ipv4Subnet::from_octets([192, 168, 64, 0], 24) {
    Some(subnet) => subnet,
    None => unreachable!(),
};

/// The third octets kina tries, in order: `192.168.100.0/24` and up. Within
/// 192.168.0.0/16, which Apple container treats as internal (plain HTTP to a
/// registry there), above what vmnet hands out by itself (64 and up) and the
/// ranges home routers use most (0, 1, 2, 10, 50, 86, 88).
const THIRD_OCTETS: std::ops::RangeInclusive<u8> = 100..=254;

/// A cluster's network, as kina made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ClusterNetwork {
    pub name: String,
    pub subnet: Ipv4Subnet,
}

impl ClusterNetwork {
    /// The fixed address of the `index`-th node (control planes first):
    /// from the top of the subnet down.
    pub(crate) fn node_address(&self, index: usize) -> FixedAddress {
        let top = u32::from(self.subnet.last()) - 1;
        let address = Ipv4Addr::from(top - u32::try_from(index).unwrap_or(u32::MAX).min(top));
        FixedAddress { network: self.name.clone(), subnet: self.subnet, address }
    }
}

/// The runtime network of cluster `cluster`'s nodes: `kina-<cluster>`
/// (network names must end in a letter or digit, cluster names may not).
pub(crate) fn network_name(cluster: &str) -> String {
    let name = format!("kina-{cluster}");
    if name.ends_with(|c: char| c.is_ascii_alphanumeric()) { name } else { format!("{name}net") }
}

/// A cluster's network and its nodes' fixed addresses, from the nodes'
/// labels (`crate::node::list` gives them in one `list` call); `None` for a
/// cluster on the runtime's default network (made on macOS 15, with
/// `KINA_FIXED_ADDRESSES=off`, or before kina gave fixed addresses). What
/// other parts of kina build on: a registry VM joins `network.name`, names on
/// the Mac resolve to the nodes' fixed addresses.
pub(crate) fn fixed_addresses(nodes: &[Node]) -> Option<(ClusterNetwork, Vec<(String, Ipv4Addr)>)> {
    let first = nodes.iter().find_map(|n| n.fixed.as_ref())?;
    let network = ClusterNetwork { name: first.network.clone(), subnet: first.subnet };
    let addresses = nodes.iter().filter_map(|n| n.fixed.as_ref().map(|f| (n.name.clone(), f.address))).collect();
    Some((network, addresses))
}

/// Whether new clusters get fixed addresses (unless `KINA_FIXED_ADDRESSES=off`).
pub(crate) fn wanted() -> bool {
    !matches!(std::env::var(FIXED_ADDRESSES_ENV).as_deref(), Ok("off" | "0" | "false"))
}

/// A network for a new cluster, made before its nodes: `None` where the
/// runtime has no networks (macOS 15). A network of this name that carries
/// this cluster's label (left by a create that was killed before its
/// cleanup) is used again; any other is in the way. `listed`: the networks
/// as the preflight of a multi-node create listed them (no second listing).
pub(crate) async fn prepare<P: Provider>(
    provider: &P,
    cluster: &str,
    cluster_ranges: &[&str],
    listed: Option<Vec<NetworkInfo>>,
) -> anyhow::Result<Option<ClusterNetwork>> {
    let networks = match listed {
        Some(networks) => networks,
        None => match provider.list_networks().await? {
            Some(networks) => networks,
            None => return Ok(None),
        },
    };
    let name = network_name(cluster);
    if let Some(existing) = networks.iter().find(|n| n.name == name) {
        let ours = existing.labels.get(LABEL_CLUSTER).is_some_and(|c| c == cluster);
        match (ours, existing.subnet) {
            (true, Some(subnet)) => return Ok(Some(ClusterNetwork { name, subnet })),
            _ => anyhow::bail!(
                "a network named {name:?} already exists and is not cluster {cluster:?}'s; \
                 remove it with `container network delete {name}` or pick another cluster name"
            ),
        }
    }
    let host = host::networks();
    let subnet = pick_subnet(&networks, cluster_ranges, &host).with_context(|| {
        let mac = match host.is_empty() {
            true => String::new(),
            false => format!(
                " (the Mac's own networks: {})",
                host.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
            ),
        };
        format!("no free /24 subnet in 192.168.100.0 to 192.168.254.0 for cluster {cluster:?}'s network{mac}")
    })?;
    let spec =
        NetworkSpec { name: name.clone(), subnet, labels: vec![(LABEL_CLUSTER.to_string(), cluster.to_string())] };
    provider.create_network(&spec).await.with_context(|| format!("failed to create network {name}"))?;
    Ok(Some(ClusterNetwork { name, subnet }))
}

/// The first /24 that overlaps no network the runtime has, not its usual
/// default, none of the cluster's own ranges (pods, services) and none of the
/// Mac's own networks (its LAN, a VPN).
pub(crate) fn pick_subnet(
    networks: &[NetworkInfo],
    cluster_ranges: &[&str],
    host: &[host::HostNetwork],
) -> Option<Ipv4Subnet> {
    let mut taken: Vec<Ipv4Subnet> = networks.iter().filter_map(|n| n.subnet).collect();
    taken.extend(host.iter().map(|h| h.subnet));
    taken.push(RUNTIME_DEFAULT);
    taken.extend(cluster_ranges.iter().flat_map(|r| r.split(',')).filter_map(|r| r.trim().parse::<Ipv4Subnet>().ok()));
    THIRD_OCTETS
        .filter_map(|octet| Ipv4Subnet::from_octets([192, 168, octet, 0], 24))
        .find(|candidate| !taken.iter().any(|t| t.overlaps(candidate)))
}

/// A node's address after a start, checked against what kina recorded: the
/// runtime can swap a custom network's subnet with the default one's after
/// a restart (apple/container#2051), and its rotating allocator can in time
/// hand a VM another node's fixed address.
pub(crate) fn check_after_boot(node: &Node, peers: &[Node]) -> Result<(), super::ClusterError> {
    let (Some(fixed), Some(runtime)) = (&node.fixed, node.runtime_ipv4) else { return Ok(()) };
    if !fixed.subnet.contains(runtime) {
        return Err(super::ClusterError::SubnetMoved {
            node: node.name.clone(),
            network: fixed.network.clone(),
            recorded: fixed.subnet.to_string(),
            address: runtime.to_string(),
        });
    }
    if let Some(owner) =
        peers.iter().find(|p| p.name != node.name && p.fixed.as_ref().is_some_and(|f| f.address == runtime))
    {
        return Err(super::ClusterError::AddressClash {
            node: node.name.clone(),
            address: runtime.to_string(),
            owner: owner.name.clone(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests;

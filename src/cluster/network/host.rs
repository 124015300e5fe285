//! The Mac's own IPv4 networks: its interfaces' subnets (Wi-Fi or Ethernet LAN,
//! VPN tunnels, other tools' VM bridges). A cluster network on one of them makes
//! that network, or the cluster, unreachable from the Mac, so a new cluster's
//! subnet skips them and `kina doctor` flags a cluster whose network came to
//! overlap one (a Mac that joined another Wi-Fi). Routes are not read: a VPN that
//! routes a 192.168.x.0/24 without an address in it is not seen.

use std::fmt;

use crate::provider::Ipv4Subnet;

/// Replaces the interface listing with a comma-separated list of subnets (`""`:
/// none): the tests' machines have interfaces of their own.
pub(crate) const HOST_NETWORKS_ENV: &str = "KINA_HOST_NETWORKS";

/// One of the Mac's networks and the interface that has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HostNetwork {
    pub interface: String,
    pub subnet: Ipv4Subnet,
}

impl fmt::Display for HostNetwork {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.subnet, self.interface)
    }
}

/// The Mac's IPv4 networks, loopback aside. An interface listing that fails
/// leaves the choice to the runtime's networks alone (it is said at debug level).
pub(crate) fn networks() -> Vec<HostNetwork> {
    if let Ok(list) = std::env::var(HOST_NETWORKS_ENV) {
        return from_list(&list);
    }
    match if_addrs::get_if_addrs() {
        Ok(interfaces) => from_interfaces(interfaces),
        Err(err) => {
            tracing::debug!("could not list the Mac's network interfaces: {err}");
            Vec::new()
        }
    }
}

fn from_interfaces(interfaces: Vec<if_addrs::Interface>) -> Vec<HostNetwork> {
    interfaces
        .into_iter()
        .filter_map(|interface| match interface.addr {
            if_addrs::IfAddr::V4(v4) if !v4.ip.is_loopback() => {
                Ipv4Subnet::new(v4.ip, v4.prefixlen).map(|subnet| HostNetwork { interface: interface.name, subnet })
            }
            _ => None,
        })
        .collect()
}

fn from_list(list: &str) -> Vec<HostNetwork> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .filter_map(|s| match s.parse::<Ipv4Subnet>() {
            Ok(subnet) => Some(HostNetwork { interface: HOST_NETWORKS_ENV.to_string(), subnet }),
            Err(err) => {
                tracing::debug!("{HOST_NETWORKS_ENV}: {err}");
                None
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_names_the_subnets_and_skips_what_is_not_one() {
        let host = from_list("192.168.100.7/24, junk,,10.8.0.2/32");
        let subnets: Vec<String> = host.iter().map(|h| h.subnet.to_string()).collect();
        assert_eq!(subnets, ["192.168.100.0/24", "10.8.0.2/32"]);
        assert_eq!(host[0].to_string(), "192.168.100.0/24 (KINA_HOST_NETWORKS)");
    }

    /// The real listing of the machine the tests run on: loopback is there and left out.
    #[test]
    fn the_interface_listing_leaves_out_loopback() {
        let interfaces = if_addrs::get_if_addrs().unwrap();
        assert!(interfaces.iter().any(if_addrs::Interface::is_loopback), "{interfaces:?}");
        let listed = from_interfaces(interfaces);
        assert!(listed.iter().all(|h| !h.subnet.contains(std::net::Ipv4Addr::LOCALHOST)), "{listed:?}");
    }
}

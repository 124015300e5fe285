//! Per-cluster networks and the fixed node addresses in them (macOS 26).
//!
//! A node VM gets a new address from the runtime at every start; on a
//! cluster network kina also gives each node a fixed address of its own,
//! added inside the guest at every boot, which peers and the Mac reach.

use std::fmt;
use std::net::Ipv4Addr;
use std::str::FromStr;

/// Label on a node VM: the network kina made for its cluster.
pub(crate) const LABEL_NETWORK: &str = "io.kina.network";
/// Label on a node VM: that network's subnet, as kina chose it.
pub(crate) const LABEL_SUBNET: &str = "io.kina.subnet";
/// Label on a node VM: its fixed address in that subnet.
pub(crate) const LABEL_ADDRESS: &str = "io.kina.address";

/// An IPv4 subnet, `a.b.c.d/len`, with the host bits cleared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Ipv4Subnet {
    base: Ipv4Addr,
    prefix: u8,
}

/// Text that is not an IPv4 subnet.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an IPv4 subnet (a.b.c.d/len)")]
pub(crate) struct BadSubnet(pub String);

impl Ipv4Subnet {
    pub(crate) const fn new(address: Ipv4Addr, prefix: u8) -> Option<Self> {
        if prefix > 32 {
            return None;
        }
        Some(Ipv4Subnet { base: Ipv4Addr::from_bits(address.to_bits() & Self::mask(prefix)), prefix })
    }

    pub(crate) const fn from_octets(octets: [u8; 4], prefix: u8) -> Option<Self> {
        Self::new(Ipv4Addr::new(octets[0], octets[1], octets[2], octets[3]), prefix)
    }

    const fn mask(prefix: u8) -> u32 {
        if prefix == 0 { 0 } else { u32::MAX << (32 - prefix as u32) }
    }

    pub(crate) fn prefix(&self) -> u8 {
        self.prefix
    }

    /// The last address (the broadcast address).
    pub(crate) fn last(&self) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.base) | !Self::mask(self.prefix))
    }

    pub(crate) fn contains(&self, address: Ipv4Addr) -> bool {
        u32::from(address) & Self::mask(self.prefix) == u32::from(self.base)
    }

    pub(crate) fn overlaps(&self, other: &Ipv4Subnet) -> bool {
        self.contains(other.base) || other.contains(self.base)
    }
}

impl fmt::Display for Ipv4Subnet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.base, self.prefix)
    }
}

impl FromStr for Ipv4Subnet {
    type Err = BadSubnet;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || BadSubnet(text.to_string());
        let (address, prefix) = text.split_once('/').ok_or_else(bad)?;
        let address: Ipv4Addr = address.parse().map_err(|_| bad())?;
        let prefix: u8 = prefix.parse().map_err(|_| bad())?;
        Ipv4Subnet::new(address, prefix).ok_or_else(bad)
    }
}

/// A node's fixed address on its cluster's network, as its labels record it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FixedAddress {
    /// The runtime network the node VM is attached to.
    pub network: String,
    pub subnet: Ipv4Subnet,
    pub address: Ipv4Addr,
}

impl FixedAddress {
    /// From a node VM's labels; `None` for a node on the runtime's default
    /// network (macOS 15, or a cluster made before kina gave fixed addresses).
    pub(crate) fn from_labels(labels: &std::collections::BTreeMap<String, String>) -> Option<Self> {
        let network = labels.get(LABEL_NETWORK).filter(|n| !n.is_empty())?.clone();
        let subnet = labels.get(LABEL_SUBNET)?.parse().ok()?;
        let address = labels.get(LABEL_ADDRESS)?.parse().ok()?;
        Some(FixedAddress { network, subnet, address })
    }

    /// `a.b.c.d/len`, as `ip addr` takes it.
    pub(crate) fn with_prefix(&self) -> String {
        format!("{}/{}", self.address, self.subnet.prefix())
    }
}

/// A runtime network, as `network list` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NetworkInfo {
    pub name: String,
    /// The live subnet (`status.ipv4Subnet`), when the runtime reports one.
    pub subnet: Option<Ipv4Subnet>,
    pub labels: std::collections::BTreeMap<String, String>,
}

/// What a new cluster network is made with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NetworkSpec {
    pub name: String,
    pub subnet: Ipv4Subnet,
    pub labels: Vec<(String, String)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subnets_parse_normalise_and_compare() {
        let subnet: Ipv4Subnet = "192.168.100.7/24".parse().unwrap();
        assert_eq!(subnet.to_string(), "192.168.100.0/24");
        assert_eq!(subnet.last(), Ipv4Addr::new(192, 168, 100, 255));
        assert!(subnet.contains(Ipv4Addr::new(192, 168, 100, 254)));
        assert!(!subnet.contains(Ipv4Addr::new(192, 168, 101, 1)));
        let wide: Ipv4Subnet = "192.168.0.0/16".parse().unwrap();
        assert!(wide.overlaps(&subnet) && subnet.overlaps(&wide));
        assert!(!subnet.overlaps(&"192.168.64.0/24".parse().unwrap()));
        for bad in ["192.168.1.0", "192.168.1.0/33", "300.1.1.0/24", "x/24"] {
            assert!(bad.parse::<Ipv4Subnet>().is_err(), "{bad}");
        }
    }

    #[test]
    fn a_fixed_address_needs_all_three_labels() {
        let mut labels = std::collections::BTreeMap::new();
        labels.insert(LABEL_NETWORK.to_string(), "kina-dev".to_string());
        labels.insert(LABEL_SUBNET.to_string(), "192.168.100.0/24".to_string());
        assert_eq!(FixedAddress::from_labels(&labels), None);
        labels.insert(LABEL_ADDRESS.to_string(), "192.168.100.254".to_string());
        let fixed = FixedAddress::from_labels(&labels).unwrap();
        assert_eq!(fixed.with_prefix(), "192.168.100.254/24");
    }
}

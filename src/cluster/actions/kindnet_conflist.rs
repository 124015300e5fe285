//! kindnet's CNI config, written before `kubeadm init` so the node reports
//! Ready as soon as it registers instead of waiting for kindnetd's first
//! 10-second reconcile (https://github.com/kubernetes-sigs/kind/issues/4262).
//! kindnetd rewrites the same file
//! when it starts.

use std::net::Ipv4Addr;

use serde_json::json;

pub(super) const PATH: &str = "/etc/cni/net.d/10-kindnet.conflist";

/// Apple `container`'s guest MTU.
const MTU: u32 = 1280;

/// The conflist for the first node's pod range, or None if the pod subnet
/// is too small for the controller-manager's /24 node ranges.
pub(super) fn render(pod_subnet: &str) -> Option<String> {
    let first_range = first_node_range(pod_subnet)?;
    let conflist = json!({
        "cniVersion": "0.3.1",
        "name": "kindnet",
        "plugins": [
            {
                "type": "ptp",
                "ipMasq": false,
                "ipam": {
                    "type": "host-local",
                    "dataDir": "/run/cni-ipam-state",
                    "routes": [{"dst": "0.0.0.0/0"}],
                    "ranges": [[{"subnet": first_range}]],
                },
                "mtu": MTU,
            },
            {"type": "portmap", "capabilities": {"portMappings": true}},
        ],
    });
    serde_json::to_string_pretty(&conflist).ok()
}

/// The first /24 of the pod subnet: what the controller-manager hands the
/// first node with its default `--node-cidr-mask-size` of 24.
fn first_node_range(pod_subnet: &str) -> Option<String> {
    let (address, prefix) = pod_subnet.split_once('/')?;
    let address: Ipv4Addr = address.parse().ok()?;
    let prefix: u32 = prefix.parse().ok()?;
    if prefix > 24 {
        return None;
    }
    let mask = u32::MAX.checked_shl(32 - prefix).unwrap_or(0);
    let network = Ipv4Addr::from(u32::from(address) & mask);
    Some(format!("{network}/24"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_range_of_the_pod_subnet() {
        assert_eq!(first_node_range("10.244.0.0/16").as_deref(), Some("10.244.0.0/24"));
        assert_eq!(first_node_range("10.200.7.9/16").as_deref(), Some("10.200.0.0/24"));
        assert_eq!(first_node_range("10.0.0.0/8").as_deref(), Some("10.0.0.0/24"));
        assert_eq!(first_node_range("10.1.2.0/24").as_deref(), Some("10.1.2.0/24"));
        assert_eq!(first_node_range("10.1.2.0/25"), None);
        assert_eq!(first_node_range("nonsense"), None);
    }

    #[test]
    fn conflist_matches_kindnetds_shape() {
        let value: serde_json::Value = serde_json::from_str(&render("10.244.0.0/16").unwrap()).unwrap();
        assert_eq!(value["name"], "kindnet");
        assert_eq!(value["plugins"][0]["type"], "ptp");
        assert_eq!(value["plugins"][0]["ipam"]["ranges"][0][0]["subnet"], "10.244.0.0/24");
        assert_eq!(value["plugins"][0]["mtu"], 1280);
        assert_eq!(value["plugins"][1]["type"], "portmap");
    }
}

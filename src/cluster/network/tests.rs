use super::*;
use crate::provider::NodeState;

fn listed(name: &str, subnet: &str) -> NetworkInfo {
    NetworkInfo { name: name.into(), subnet: Some(subnet.parse().unwrap()), labels: Default::default() }
}

#[test]
fn the_first_free_subnet_skips_networks_the_default_and_cluster_ranges() {
    assert_eq!(pick_subnet(&[], &[], &[]).unwrap().to_string(), "192.168.100.0/24");
    let taken =
        [listed("default", "192.168.64.0/24"), listed("a", "192.168.100.0/24"), listed("b", "192.168.101.0/24")];
    assert_eq!(pick_subnet(&taken, &[], &[]).unwrap().to_string(), "192.168.102.0/24");
    // A pod range inside 192.168.0.0/16 pushes past it.
    assert_eq!(
        pick_subnet(&taken, &["192.168.102.0/23,fd00::/48", "10.96.0.0/16"], &[]).unwrap().to_string(),
        "192.168.104.0/24"
    );
    assert_eq!(pick_subnet(&[], &["192.168.0.0/16"], &[]), None, "nothing free");
}

/// The Mac's LAN on 192.168.100.x and a VPN's /32 on 192.168.101.9 are skipped.
#[test]
fn the_first_free_subnet_skips_the_macs_own_networks() {
    let host = |interface: &str, subnet: &str| host::HostNetwork {
        interface: interface.into(),
        subnet: subnet.parse().unwrap(),
    };
    let mac = [host("en0", "192.168.100.23/24"), host("utun4", "192.168.101.9/32"), host("en1", "10.0.0.5/8")];
    assert_eq!(pick_subnet(&[], &[], &mac).unwrap().to_string(), "192.168.102.0/24");
    assert_eq!(pick_subnet(&[], &[], &[host("utun2", "192.168.0.0/16")]), None, "a VPN that takes them all");
}

#[test]
fn fixed_addresses_come_from_the_top_of_the_subnet() {
    let network = ClusterNetwork { name: "kina-dev".into(), subnet: "192.168.100.0/24".parse().unwrap() };
    assert_eq!(network.node_address(0).address.to_string(), "192.168.100.254");
    assert_eq!(network.node_address(2).address.to_string(), "192.168.100.252");
    assert_eq!(network.node_address(0).with_prefix(), "192.168.100.254/24");
}

#[test]
fn network_names_follow_the_runtime_rules() {
    assert_eq!(network_name("dev"), "kina-dev");
    assert_eq!(network_name("dev-"), "kina-dev-net");
}

fn node(name: &str, fixed: &str, runtime: &str) -> Node {
    let mut node = crate::node::sample(name, "dev", "control-plane", "running");
    node.fixed = Some(FixedAddress {
        network: "kina-dev".into(),
        subnet: "192.168.100.0/24".parse().unwrap(),
        address: fixed.parse().unwrap(),
    });
    node.runtime_ipv4 = Some(runtime.parse().unwrap());
    node.state = NodeState::Running;
    node
}

#[test]
fn a_swapped_subnet_and_a_clashing_address_are_caught_after_boot() {
    let cp = node("dev-control-plane", "192.168.100.254", "192.168.100.3");
    let worker = node("dev-worker", "192.168.100.253", "192.168.100.4");
    assert!(check_after_boot(&cp, &[cp.clone(), worker.clone()]).is_ok());
    let swapped = node("dev-control-plane", "192.168.100.254", "192.168.64.2");
    let err = check_after_boot(&swapped, std::slice::from_ref(&swapped)).unwrap_err();
    assert!(err.to_string().contains("outside the subnet 192.168.100.0/24"), "{err}");
    assert!(err.hint().unwrap().contains("container system stop"));
    let clash = node("dev-control-plane", "192.168.100.254", "192.168.100.253");
    let err = check_after_boot(&clash, &[clash.clone(), worker]).unwrap_err();
    assert!(err.to_string().contains("node \"dev-worker\"'s fixed address"), "{err}");
}

#[test]
fn a_cluster_on_the_default_network_has_no_fixed_addresses() {
    let plain = crate::node::sample("dev-control-plane", "dev", "control-plane", "running");
    assert_eq!(fixed_addresses(&[plain]), None);
    let fixed = node("dev-control-plane", "192.168.100.254", "192.168.100.3");
    let (network, addresses) = fixed_addresses(&[fixed]).unwrap();
    assert_eq!(network.name, "kina-dev");
    assert_eq!(addresses, [("dev-control-plane".to_string(), "192.168.100.254".parse().unwrap())]);
}

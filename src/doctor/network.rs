//! Whether the Mac reaches each running node, directly and through the
//! published API server port; which of the two fails tells the cause.

use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

use super::{Check, START_A_CLUSTER};
use crate::cluster::network::host;
use crate::provider::{API_SERVER_PORT, Node, ProviderError};

pub(super) const REACHABILITY: &str = "reachability";

const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// The kubelet listens on every node, workers included.
const KUBELET_PORT: u16 = 10250;

const LOCAL_NETWORK: &str = "allow `container-runtime-linux` in System Settings → Privacy & Security → Local Network \
                             (it forwards the published ports), then run `kina doctor` again";

/// One check per running node; its TCP probes all run at once.
pub(super) async fn reachability(running: &Result<Vec<Node>, ProviderError>) -> Vec<Check> {
    let nodes = match running {
        Ok(nodes) if nodes.is_empty() => {
            return vec![Check::warn(REACHABILITY, "no running nodes to check reachability", START_A_CLUSTER)];
        }
        Ok(nodes) => nodes,
        Err(err) => {
            return vec![Check::warn(
                REACHABILITY,
                format!("node reachability not checked: could not list kina nodes: {err}"),
                "container system start --enable-kernel-install",
            )];
        }
    };
    let mut nodes: Vec<&Node> = nodes.iter().collect();
    nodes.sort_by(|a, b| (&a.cluster, &a.name).cmp(&(&b.cluster, &b.name)));
    let mut checks = overlaps(&nodes, &host::networks());
    checks.extend(futures_util::future::join_all(nodes.into_iter().map(probe_node)).await);
    checks
}

/// A cluster network that overlaps one of the Mac's own (it joined a Wi-Fi on the
/// same 192.168.x.0/24, or a VPN has an address in it): the Mac reaches only one of
/// the two. The runtime's bridge for the cluster's network (`bridge*` on the same
/// subnet) is that network itself.
fn overlaps(nodes: &[&Node], host: &[host::HostNetwork]) -> Vec<Check> {
    let mut checks = Vec::new();
    let mut seen = Vec::new();
    for node in nodes {
        let Some(fixed) = &node.fixed else { continue };
        if seen.contains(&&fixed.network) {
            continue;
        }
        seen.push(&fixed.network);
        let its_bridge = |h: &host::HostNetwork| h.interface.starts_with("bridge") && h.subnet == fixed.subnet;
        if let Some(mac) = host.iter().find(|h| h.subnet.overlaps(&fixed.subnet) && !its_bridge(h)) {
            checks.push(Check::fail(
                REACHABILITY,
                format!(
                    "cluster {:?}'s network {} ({}) overlaps the Mac's network {mac}: the Mac reaches only one of them",
                    node.cluster, fixed.network, fixed.subnet
                ),
                format!(
                    "recreate the cluster (`kina delete cluster --name {0}`, then `kina create cluster --name {0}`): \
                     kina picks a subnet none of the Mac's networks use",
                    node.cluster
                ),
            ));
        }
    }
    checks
}

/// What one TCP probe found: the address, and why it failed if it did.
struct Probe {
    address: String,
    error: Option<String>,
}

/// A TCP connect with a time limit. std's `connect_timeout` on the blocking
/// pool: tokio's `net` feature (and the crate it pulls in) is not enabled.
async fn connect(address: String) -> Probe {
    let target = address.clone();
    let attempt = tokio::task::spawn_blocking(move || -> Result<(), String> {
        let resolved: Vec<SocketAddr> = target.to_socket_addrs().map_err(|e| e.to_string())?.collect();
        let first = resolved.first().ok_or_else(|| format!("{target} resolves to no address"))?;
        TcpStream::connect_timeout(first, CONNECT_TIMEOUT).map(drop).map_err(|e| match e.kind() {
            std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => {
                format!("no answer within {}s", CONNECT_TIMEOUT.as_secs())
            }
            _ => e.to_string(),
        })
    });
    // The blocking call keeps its own limit; this one only guards the task.
    let error = match tokio::time::timeout(CONNECT_TIMEOUT * 2, attempt).await {
        Ok(Ok(result)) => result.err(),
        Ok(Err(join)) => Some(join.to_string()),
        Err(_) => Some(format!("no answer within {}s", CONNECT_TIMEOUT.as_secs())),
    };
    Probe { address, error }
}

async fn probe_node(node: &Node) -> Check {
    let Some(ip) = node.ipv4 else {
        return Check::fail(REACHABILITY, format!("{} is running but has no IPv4 address", node.name), restart(node));
    };
    // A fixed address is reachable only while the network keeps the subnet kina recorded.
    if let Err(err) = crate::cluster::network::check_after_boot(node, std::slice::from_ref(node)) {
        return Check::fail(REACHABILITY, err.to_string(), err.hint().unwrap_or_else(|| restart(node)));
    }
    let port = if node.is_control_plane() { API_SERVER_PORT } else { KUBELET_PORT };
    let direct = connect(format!("{ip}:{port}"));
    let published = async {
        match &node.api_server_endpoint {
            Some(endpoint) => Some(connect(endpoint.clone()).await),
            None => None,
        }
    };
    let (direct, published) = tokio::join!(direct, published);
    verdict(node, &direct, published.as_ref())
}

fn restart(node: &Node) -> String {
    let (cluster, name) = (shell_words::quote(&node.cluster), shell_words::quote(&node.name));
    format!("kina start cluster --name {cluster} (and see `container logs {name}`)")
}

fn verdict(node: &Node, direct: &Probe, published: Option<&Probe>) -> Check {
    let name = &node.name;
    let ip = direct.address.rsplit_once(':').map_or(direct.address.as_str(), |(ip, _)| ip);
    let stale_arp = format!("sudo arp -d {ip}, then run `kina doctor` again");
    match (&direct.error, published) {
        (None, None) => Check::ok(REACHABILITY, format!("the Mac reaches {name} at {}", direct.address)),
        (None, Some(Probe { address, error: None })) => {
            Check::ok(REACHABILITY, format!("the Mac reaches {name} at {} and at {address}", direct.address))
        }
        (Some(err), None) => Check::fail(
            REACHABILITY,
            format!("the Mac cannot reach {name} at {} ({err}): a stale ARP entry or vmnet", direct.address),
            format!("{stale_arp}; if that does not help: {}", restart(node)),
        ),
        (Some(err), Some(Probe { address, error: None })) => Check::fail(
            REACHABILITY,
            format!(
                "the Mac cannot reach {name} at {} ({err}) but reaches its published port {address}: \
                 a stale ARP entry / vmnet",
                direct.address
            ),
            stale_arp,
        ),
        (None, Some(Probe { address, error: Some(err) })) => Check::fail(
            REACHABILITY,
            format!(
                "the published API server port {address} of {name} does not answer ({err}), but {} does: \
                 macOS Local Network permission",
                direct.address
            ),
            LOCAL_NETWORK,
        ),
        (Some(direct_err), Some(Probe { address, error: Some(err) })) => Check::fail(
            REACHABILITY,
            format!(
                "{name} answers neither at {} ({direct_err}) nor at its published port {address} ({err})",
                direct.address
            ),
            restart(node),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::Status;
    use crate::provider::{NodeState, Role};

    fn node() -> Node {
        Node {
            name: "kina-control-plane".into(),
            cluster: "kina".into(),
            role: Some(Role::ControlPlane),
            state: NodeState::Running,
            ipv4: Some("192.168.64.3".parse().unwrap()),
            runtime_ipv4: Some("192.168.64.3".parse().unwrap()),
            fixed: None,
            image: None,
            kubernetes_version: None,
            api_server_endpoint: Some("127.0.0.1:6445".into()),
            published_tcp: vec![(6443, "127.0.0.1:6445".into())],
        }
    }

    fn probe(address: &str, ok: bool) -> Probe {
        Probe { address: address.into(), error: (!ok).then(|| "Connection refused".to_string()) }
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_fixed_address_outside_the_recorded_subnet_fails_without_probing() {
        let mut swapped = node();
        swapped.fixed = Some(crate::provider::FixedAddress {
            network: "kina-kina".into(),
            subnet: "192.168.100.0/24".parse().unwrap(),
            address: "192.168.100.254".parse().unwrap(),
        });
        swapped.ipv4 = Some("192.168.100.254".parse().unwrap());
        swapped.runtime_ipv4 = Some("192.168.64.2".parse().unwrap());
        let check = probe_node(&swapped).await;
        let shown = format!("{check:?}");
        assert!(shown.contains("apple/container#2051") && shown.contains("container system stop"), "{shown}");
    }

    #[test]
    fn a_cluster_network_on_the_macs_lan_fails_once_per_cluster() {
        let fixed = |address: &str| crate::provider::FixedAddress {
            network: "kina-kina".into(),
            subnet: "192.168.100.0/24".parse().unwrap(),
            address: address.parse().unwrap(),
        };
        let (mut cp, mut worker) = (node(), Node { name: "kina-worker".into(), ..node() });
        cp.fixed = Some(fixed("192.168.100.254"));
        worker.fixed = Some(fixed("192.168.100.253"));
        let host = |interface: &str, subnet: &str| host::HostNetwork {
            interface: interface.into(),
            subnet: subnet.parse().unwrap(),
        };
        // The runtime's bridge for the cluster's own network is not a clash; another
        // tool's bridge on an overlapping subnet is.
        assert!(overlaps(&[&cp, &worker], &[host("bridge101", "192.168.100.1/24")]).is_empty());
        assert_eq!(overlaps(&[&cp], &[host("bridge102", "192.168.100.1/23")]).len(), 1);
        let checks = overlaps(&[&cp, &worker, &node()], &[host("en0", "192.168.100.23/24")]);
        assert_eq!(checks.len(), 1, "{checks:?}");
        assert_eq!(checks[0].status, Status::Fail);
        assert!(checks[0].message.contains("192.168.100.0/24 (en0)"), "{}", checks[0].message);
        assert!(checks[0].fix.as_deref().unwrap().contains("kina delete cluster --name kina"));
    }

    #[test]
    fn which_probe_fails_names_the_cause() {
        let n = node();
        let both = verdict(&n, &probe("192.168.64.3:6443", true), Some(&probe("127.0.0.1:6445", true)));
        assert_eq!(both.status, Status::Ok);

        let arp = verdict(&n, &probe("192.168.64.3:6443", false), Some(&probe("127.0.0.1:6445", true)));
        assert_eq!(arp.status, Status::Fail);
        assert!(arp.message.contains("stale ARP"), "{}", arp.message);
        assert_eq!(arp.fix.as_deref(), Some("sudo arp -d 192.168.64.3, then run `kina doctor` again"));

        let permission = verdict(&n, &probe("192.168.64.3:6443", true), Some(&probe("127.0.0.1:6445", false)));
        assert!(permission.fix.unwrap().contains("Local Network"));

        let neither = verdict(&n, &probe("192.168.64.3:6443", false), Some(&probe("127.0.0.1:6445", false)));
        assert!(neither.fix.unwrap().starts_with("kina start cluster --name kina"));
    }

    #[test]
    fn a_node_without_a_published_port_is_probed_directly() {
        let worker = Node { role: Some(Role::Worker), api_server_endpoint: None, ..node() };
        assert_eq!(verdict(&worker, &probe("192.168.64.4:10250", true), None).status, Status::Ok);
        let lost = verdict(&worker, &probe("192.168.64.4:10250", false), None);
        assert!(lost.fix.unwrap().starts_with("sudo arp -d 192.168.64.4"));
    }
}

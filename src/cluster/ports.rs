//! Host ports a new cluster would publish, checked before anything is created:
//! Apple container fails a `run` whose port another running VM publishes, or that a
//! program on the Mac holds, with `bind(…): Address already in use`, which names
//! neither. kina knows its own clusters' ports and can try the bind itself.

use std::net::{TcpListener, UdpSocket};

use crate::provider::{Node, PortSpec};

use super::error::ClusterError;
use super::plan::PlannedNode;

/// The first planned port that a running node of another kina cluster publishes, that
/// another running container (a registry VM, say) publishes, or that something else on
/// the Mac is bound to.
pub(super) fn check(planned: &[PlannedNode], existing: &[Node], others: &[Node]) -> Result<(), ClusterError> {
    for node in planned {
        let ports = &node.spec.ports;
        // The runtime's `hasOverlaps`: one VM binds a host port once, whatever the addresses.
        for (i, port) in ports.iter().enumerate() {
            if let Some(other) =
                ports[..i].iter().find(|o| o.host_port == port.host_port && o.protocol == port.protocol)
            {
                return Err(ClusterError::PortTwiceOnNode {
                    node: node.name.clone(),
                    first: describe(other),
                    second: describe(port),
                });
            }
        }
        for port in ports {
            if let Some(holder) = existing.iter().filter(|n| n.is_running()).find(|n| publishes(n, port)) {
                return Err(ClusterError::PortPublished {
                    port: describe(port),
                    node: holder.name.clone(),
                    cluster: holder.cluster.clone(),
                });
            }
            if let Some(holder) = others.iter().filter(|n| n.is_running()).find(|n| publishes(n, port)) {
                return Err(ClusterError::PortPublishedByContainer {
                    port: describe(port),
                    container: holder.name.clone(),
                });
            }
            if in_use_on_the_mac(port) {
                return Err(ClusterError::PortInUse {
                    port: describe(port),
                    number: port.host_port,
                    protocol: port.protocol.to_uppercase(),
                    holder: None,
                });
            }
        }
    }
    Ok(())
}

/// [`check`]'s error, with the program that holds a port in use named when `lsof` can.
pub(super) async fn name_the_holder(err: ClusterError) -> ClusterError {
    match err {
        ClusterError::PortInUse { port, number, protocol, holder: None } => {
            let holder = crate::port_holder::holder(&protocol, number).await;
            ClusterError::PortInUse { port, number, protocol, holder }
        }
        other => other,
    }
}

fn describe(port: &PortSpec) -> String {
    format!("{}:{}/{}", port.host_address, port.host_port, port.protocol)
}

/// `list` shows a wildcard address as `127.0.0.1`, so that and the wildcard clash with any address.
fn publishes(node: &Node, port: &PortSpec) -> bool {
    port.protocol == "tcp"
        && node.published_tcp.iter().any(|(_, endpoint)| {
            let Some((address, number)) = endpoint.rsplit_once(':') else { return false };
            number.parse() == Ok(port.host_port)
                && (address == port.host_address
                    || address == "127.0.0.1"
                    || port.host_address == "0.0.0.0"
                    || port.host_address == "::")
        })
}

/// Whether binding the port here fails because something holds it (not for an
/// address this Mac does not have: the runtime reports that itself).
fn in_use_on_the_mac(port: &PortSpec) -> bool {
    let address = if port.host_address.contains(':') {
        format!("[{}]:{}", port.host_address, port.host_port)
    } else {
        format!("{}:{}", port.host_address, port.host_port)
    };
    let result = if port.protocol == "udp" {
        UdpSocket::bind(&address).map(drop)
    } else {
        TcpListener::bind(&address).map(drop)
    };
    matches!(result, Err(e) if e.kind() == std::io::ErrorKind::AddrInUse)
}

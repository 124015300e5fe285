//! Published host ports as the runtime binds them: specs of one container may not
//! share a host port (`PublishPort.hasOverlaps`, checked before anything is made), and
//! starting a container whose port another running container or a program on this
//! machine (the Mac side) holds fails in the socket forwarder's `bind`.

use crate::out::Out;
use crate::store::State;
use serde_json::Value;

/// apple/container `Utility.containerConfigFromFlags`.
pub const OVERLAP: &str = "invalidArgument: \"host ports for different publish port specs may not overlap\"";

/// SwiftNIO's `IOError` for the forwarder's bind, as `container start` prints it
/// (https://github.com/apple/container/issues/400).
pub const IN_USE: &str = "unknown: \"bind(descriptor:ptr:bytes:): Address already in use (errno: 48)\"";

/// One bound host port: (address, port, protocol).
type Binding = (String, u64, String);

fn bindings(config: &Value) -> Vec<Binding> {
    let mut out = Vec::new();
    for spec in config["publishedPorts"].as_array().into_iter().flatten() {
        let address = spec["hostAddress"].as_str().unwrap_or("0.0.0.0").to_string();
        let first = spec["hostPort"].as_u64().unwrap_or(0);
        let proto = spec["proto"].as_str().unwrap_or("tcp").to_string();
        for offset in 0..spec["count"].as_u64().unwrap_or(1) {
            out.push((address.clone(), first + offset, proto.clone()));
        }
    }
    out
}

/// `hasOverlaps`: the same `port/proto` twice, whatever the addresses.
pub fn overlapping(config: &Value) -> bool {
    let mut seen = std::collections::HashSet::new();
    bindings(config).into_iter().any(|(_, port, proto)| !seen.insert((port, proto)))
}

fn wildcard(address: &str) -> bool {
    address == "0.0.0.0" || address == "::"
}

fn clash(a: &Binding, b: &Binding) -> bool {
    a.1 == b.1 && a.2 == b.2 && (a.0 == b.0 || wildcard(&a.0) || wildcard(&b.0))
}

/// Whether container `id` can bind its ports: no other running container holds one,
/// and binding each here does not fail with "address in use".
pub fn check_bind(state: &State, id: &str) -> Result<(), Out> {
    let Some(container) = state.containers.get(id) else { return Ok(()) };
    let mine = bindings(&container.config);
    let others: Vec<Binding> =
        state.containers.values().filter(|c| c.id != id && c.running()).flat_map(|c| bindings(&c.config)).collect();
    let taken = mine.iter().any(|b| others.iter().any(|o| clash(b, o)) || held_here(b));
    if taken { Err(Out::error(IN_USE)) } else { Ok(()) }
}

/// A program on this machine listening there (only "in use" counts: an address this
/// machine does not have is not modelled).
fn held_here((address, port, proto): &Binding) -> bool {
    let Ok(port) = u16::try_from(*port) else { return false };
    let at = if address.contains(':') { format!("[{address}]:{port}") } else { format!("{address}:{port}") };
    let result = if proto == "udp" {
        std::net::UdpSocket::bind(&at).map(drop)
    } else {
        std::net::TcpListener::bind(&at).map(drop)
    };
    matches!(result, Err(e) if e.kind() == std::io::ErrorKind::AddrInUse)
}

//! Whether the names of `kina install names` resolve on this Mac: for each
//! running cluster with a resolver file kina wrote, that file points at the
//! control plane's current address, and the zone's DNS server there answers
//! a query for the zone's apex (an SOA that CoreDNS's `k8s_external` serves
//! only when its server block works).

use std::net::UdpSocket;
use std::time::Duration;

use super::Check;
use crate::dns::{self, resolver};
use crate::provider::{Node, ProviderError};

pub(super) const NAMES: &str = "names";
const TIMEOUT: Duration = Duration::from_secs(2);
const SOA: u16 = 6;

/// One check per running cluster that has a resolver file of kina's.
pub(super) async fn names(running: &Result<Vec<Node>, ProviderError>) -> Vec<Check> {
    let Ok(nodes) = running else { return Vec::new() };
    let mut clusters: Vec<&str> = nodes.iter().map(|n| n.cluster.as_str()).collect();
    clusters.sort_unstable();
    clusters.dedup();
    let checks = clusters.into_iter().filter_map(|cluster| {
        let zone = dns::zone(cluster);
        let text = resolver::read(&zone).filter(|t| resolver::is_kinas(t))?;
        let members: Vec<Node> = nodes.iter().filter(|n| n.cluster == cluster).cloned().collect();
        Some(check(cluster.to_string(), zone, text, dns::node_address(&members)))
    });
    futures_util::future::join_all(checks).await
}

async fn check(cluster: String, zone: String, text: String, node: Option<std::net::Ipv4Addr>) -> Check {
    let file = resolver::path(&zone).display().to_string();
    let Some((server, port)) = resolver::server(&text) else {
        return Check::fail(
            NAMES,
            format!("{file} names no nameserver"),
            format!("kina install names --name {cluster}"),
        );
    };
    if let Some(ip) = node.filter(|ip| ip.to_string() != server) {
        return Check::fail(
            NAMES,
            format!("{file} sends {zone} to {server}, but cluster {cluster:?} is at {ip} now"),
            format!("kina install names --name {cluster} (it rewrites the file)"),
        );
    }
    let apex = zone.clone();
    let target = format!("{server}:{port}");
    let asked = tokio::task::spawn_blocking(move || query(&target, &apex, SOA)).await;
    match asked.map_err(|e| e.to_string()).and_then(|r| r) {
        Ok(0) => Check::ok(NAMES, format!("names under {zone} resolve (DNS at {server}:{port})")),
        Ok(rcode) => Check::fail(
            NAMES,
            format!("the DNS server for {zone} at {server}:{port} answered with error code {rcode}"),
            format!("kina install names --name {cluster} (it restores CoreDNS's configuration)"),
        ),
        Err(err) => Check::fail(
            NAMES,
            format!("no DNS answer for {zone} from {server}:{port}: {err}"),
            format!(
                "kina install names --name {cluster} (it restores the node port), and check `kubectl --context {} \
                 --namespace kube-system get pods -l k8s-app=kube-dns`",
                crate::kubeconfig::kina_key(&cluster)
            ),
        ),
    }
}

/// One UDP query; the answer's response code.
fn query(server: &str, name: &str, qtype: u16) -> Result<u8, String> {
    let socket = UdpSocket::bind("0.0.0.0:0").map_err(|e| e.to_string())?;
    socket.set_read_timeout(Some(TIMEOUT)).map_err(|e| e.to_string())?;
    let id: [u8; 2] = (std::process::id() as u16).to_be_bytes();
    let mut packet = id.to_vec();
    packet.extend([0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
    for label in name.split('.').filter(|l| !l.is_empty()) {
        packet.push(label.len() as u8);
        packet.extend(label.as_bytes());
    }
    packet.push(0);
    packet.extend(qtype.to_be_bytes());
    packet.extend([0, 1]);
    socket.send_to(&packet, server).map_err(|e| e.to_string())?;
    let mut buf = [0u8; 512];
    loop {
        let (n, _) = socket.recv_from(&mut buf).map_err(|e| match e.kind() {
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => {
                format!("no answer within {}s", TIMEOUT.as_secs())
            }
            _ => e.to_string(),
        })?;
        if n >= 12 && buf[..2] == id && buf[2] & 0x80 != 0 {
            return Ok(buf[3] & 0x0f);
        }
    }
}

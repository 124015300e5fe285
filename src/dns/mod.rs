//! Names on the Mac for what runs in a cluster: a DNS zone per cluster
//! (`<cluster>.kina.internal`), served by the cluster's CoreDNS, reached from
//! the Mac on a node address through a NodePort, and wired into macOS with a
//! resolver file (`/etc/resolver/<zone>`, man 5 resolver).
//!
//! - `corefile`: the server block kina adds to CoreDNS's Corefile;
//! - `resolver`: the macOS resolver file, written and removed with `sudo`.

pub(crate) mod corefile;
pub(crate) mod resolver;

/// The parent of every cluster's zone. Not `.local`: macOS sends `.local` to
/// mDNS (and asks for the Local Network permission).
pub(crate) const PARENT: &str = "kina.internal";

/// The node port of the zone's DNS server, UDP and TCP alike (a resolver file
/// has one `port` for both).
pub(crate) const NODE_PORT: u16 = 30053;

/// The ConfigMap that holds the zone and the records of Ingress and HTTPRoute
/// hostnames (kina-lb writes them), mounted into CoreDNS at [`HOSTS_DIR`].
pub(crate) const CONFIG_MAP: &str = "kina-names";
pub(crate) const NAMESPACE: &str = "kube-system";
/// Where CoreDNS's pods see [`CONFIG_MAP`].
pub(crate) const HOSTS_DIR: &str = "/etc/kina-names";
/// The hosts-file key of [`CONFIG_MAP`] (also its file name in [`HOSTS_DIR`]).
pub(crate) const HOSTS_KEY: &str = "hosts";

/// The node address the Mac asks for the zone's names: the control plane's.
/// On a cluster whose nodes get new addresses at each start, it changes with
/// them, and `kina start` rewrites the resolver file.
pub(crate) fn node_address(nodes: &[crate::provider::Node]) -> Option<std::net::Ipv4Addr> {
    nodes.iter().find(|n| n.role == Some(crate::provider::Role::ControlPlane)).or(nodes.first())?.ipv4
}

/// `http://host/`, with the port unless it is 80.
pub(crate) fn url(host: &str, port: u16) -> String {
    if port == 80 { format!("http://{host}/") } else { format!("http://{host}:{port}/") }
}

/// The zone of cluster `cluster`.
pub(crate) fn zone(cluster: &str) -> String {
    format!("{cluster}.{PARENT}")
}

/// The name of a Service with a LoadBalancer address (CoreDNS's `k8s_external`).
pub(crate) fn service_name(service: &str, namespace: &str, zone: &str) -> String {
    format!("{service}.{namespace}.{zone}")
}

/// After `kina start`: a node address that changed is written into the
/// Mac's resolver file (with the same rules for `sudo`), if kina wrote one.
/// A file kina did not write, or none, is left as it is.
pub(crate) async fn follow_node_address(
    printer: &crate::output::Printer,
    cluster: &str,
    ip: Option<std::net::Ipv4Addr>,
) -> anyhow::Result<()> {
    let zone = zone(cluster);
    let (Some(ip), Some(text)) = (ip, resolver::read(&zone)) else { return Ok(()) };
    if !resolver::is_kinas(&text) || resolver::server(&text).is_some_and(|(server, _)| server == ip.to_string()) {
        return Ok(());
    }
    printer.info(&format!("The node address of cluster {cluster:?} changed to {ip}: names under {zone} follow it"));
    let mode = resolver::Mode::resolve(None)?;
    let content = resolver::content(cluster, &zone, &ip.to_string(), NODE_PORT);
    resolver::write(&crate::exec::ProcessRunner, printer, mode, &zone, &content).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_are_per_cluster_under_kina_internal() {
        assert_eq!(zone("kina"), "kina.kina.internal");
        assert_eq!(service_name("web", "default", &zone("dev")), "web.default.dev.kina.internal");
    }
}

//! Reaching an API server from inside a node: name resolution via `/etc/hosts`,
//! routing to another container's IP, a listening API server, certificate SANs.

use super::model::Node;
use crate::store::{Container, State};

pub enum DialError {
    NoHost(String),
    NoRoute(String),
    Refused(String),
    BadCert { host: String, sans: Vec<String> },
}

impl DialError {
    /// kubectl's wording.
    pub fn kubectl(&self) -> String {
        match self {
            DialError::NoHost(host) => {
                format!("Unable to connect to the server: dial tcp: lookup {host} on 192.168.64.1:53: no such host")
            }
            DialError::NoRoute(addr) => {
                format!("Unable to connect to the server: dial tcp {addr}: connect: no route to host")
            }
            DialError::Refused(addr) => {
                format!("The connection to the server {addr} was refused - did you specify the right host or port?")
            }
            DialError::BadCert { host, sans } => {
                // Go's x509.HostnameError lists the IP SANs for an IP, else the DNS names.
                let is_ip = crate::util::is_ipv4(host);
                let valid: Vec<&str> =
                    sans.iter().filter(|s| crate::util::is_ipv4(s) == is_ip).map(String::as_str).collect();
                format!(
                    "Unable to connect to the server: tls: failed to verify certificate: x509: certificate is valid for {}, not {host}",
                    valid.join(", ")
                )
            }
        }
    }

    /// The inner Go error text (for kubeadm's wrapping).
    pub fn raw(&self) -> String {
        match self {
            DialError::NoHost(host) => format!("dial tcp: lookup {host} on 192.168.64.1:53: no such host"),
            DialError::NoRoute(addr) => format!("dial tcp {addr}: connect: no route to host"),
            DialError::Refused(addr) => format!("dial tcp {addr}: connect: connection refused"),
            DialError::BadCert { host, .. } => {
                format!("tls: failed to verify certificate: x509: certificate is not valid for {host}")
            }
        }
    }
}

/// `https://host:port` → (host, port).
pub fn split_server(server: &str) -> (String, u16) {
    let hostport = server.trim_start_matches("https://").trim_start_matches("http://").trim_end_matches('/');
    match hostport.rsplit_once(':') {
        Some((h, p)) => (h.to_string(), p.parse().unwrap_or(443)),
        None => (hostport.to_string(), 443),
    }
}

/// Resolves `host` as seen from container `from`: IPv4 literals, localhost, `/etc/hosts`.
fn resolve(state: &State, from: &str, host: &str) -> Option<String> {
    if host == "localhost" {
        return Some("127.0.0.1".into());
    }
    if crate::util::is_ipv4(host) {
        return Some(host.to_string());
    }
    let hosts = state.containers.get(from)?.node.files.get("/etc/hosts")?;
    hosts.lines().find_map(|line| {
        let mut words = line.split_whitespace();
        let ip = words.next()?;
        words.any(|w| w == host).then(|| ip.to_string())
    })
}

/// The value of `--flag=` in a static pod manifest's command.
fn manifest_flag(node: &Node, manifest: &str, flag: &str) -> Option<String> {
    let text = node.files.get(&format!("/etc/kubernetes/manifests/{manifest}.yaml"))?;
    let prefix = format!("- {flag}=");
    text.lines().find_map(|l| l.trim().strip_prefix(prefix.as_str()).map(|v| v.trim().to_string()))
}

/// The port the API server of a control-plane VM serves on, if it is up: its static
/// pods are pinned to an address the VM has (etcd cannot bind an address the VM
/// lost, and the API server needs etcd): its runtime address, or one added inside it
/// on a network it is attached to; and its serving certificate and key exist.
pub fn serving_port(state: &State, target: &Container) -> Option<u16> {
    let node = &target.node;
    node.cluster.as_ref()?;
    let has = |ip: &str| state.addresses(target).iter().any(|(_, a)| a == ip);
    let advertise = manifest_flag(node, "kube-apiserver", "--advertise-address")?;
    let etcd_peer = manifest_flag(node, "etcd", "--listen-peer-urls")?;
    let pki = ["/etc/kubernetes/pki/apiserver.crt", "/etc/kubernetes/pki/apiserver.key"];
    let up = has(&advertise)
        && etcd_peer == format!("https://{advertise}:2380")
        && pki.iter().all(|p| node.files.contains_key(*p));
    if !up {
        return None;
    }
    manifest_flag(node, "kube-apiserver", "--secure-port").and_then(|p| p.parse().ok())
}

/// Connects from container `from` to `server`; returns the control-plane container id.
pub fn dial(state: &State, from: &str, server: &str) -> Result<String, DialError> {
    let (host, port) = split_server(server);
    let addr = format!("{host}:{port}");
    let ip = resolve(state, from, &host).ok_or_else(|| DialError::NoHost(host.clone()))?;
    let target =
        if ip == "127.0.0.1" { state.containers.get(from).filter(|c| c.running()) } else { state.container_by_ip(&ip) };
    // On macOS 15, vmnet isolates every VM: only the VM itself and the Mac reach it.
    // On macOS 26 a VM reaches the others on a network it shares with them, at an
    // address on that network; separate networks are isolated.
    let isolated = crate::config::Config::from_env().macos < 26;
    let shares_network = |t: &Container| {
        let Some(me) = state.containers.get(from) else { return false };
        state.addresses(t).iter().any(|(net, a)| a == &ip && me.networks.iter().any(|m| &m.network == net))
    };
    let target = target.filter(|t| t.id == from || (!isolated && shares_network(t)));
    let Some(target) = target else { return Err(DialError::NoRoute(format!("{ip}:{port}"))) };
    let Some(cluster) = &target.node.cluster else { return Err(DialError::Refused(addr)) };
    if serving_port(state, target) != Some(port) {
        return Err(DialError::Refused(addr));
    }
    if !cluster.cert_sans.iter().any(|s| s == &host) {
        return Err(DialError::BadCert { host, sans: cluster.cert_sans.clone() });
    }
    Ok(target.id.clone())
}

/// The server URL of a kubeconfig's current context (or its first cluster).
pub fn kubeconfig_server(text: &str) -> Result<String, String> {
    let v: serde_json::Value = serde_saphyr::from_str(text).map_err(|e| format!("yaml: {e}"))?;
    let current = v["current-context"].as_str().unwrap_or_default();
    let cluster_name = v["contexts"].as_array().and_then(|cs| {
        cs.iter().find(|c| c["name"] == current).and_then(|c| c["context"]["cluster"].as_str().map(str::to_string))
    });
    let clusters = v["clusters"].as_array().cloned().unwrap_or_default();
    let cluster = match cluster_name {
        Some(n) => clusters.iter().find(|c| c["name"] == n.as_str()),
        None => clusters.first(),
    };
    cluster
        .and_then(|c| c["cluster"]["server"].as_str().map(str::to_string))
        .ok_or_else(|| "no server found in kubeconfig".to_string())
}

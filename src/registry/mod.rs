//! kina's local registry: a distribution registry in a VM of its own that clusters
//! pull from as `localhost:<port>/…`, as kind's documented recipe sets one up
//! (https://kind.sigs.k8s.io/docs/user/local-registry/): containerd's
//! `config_path = "/etc/containerd/certs.d"`, a `hosts.toml` per node that sends
//! `localhost:<port>` to the registry's address, and KEP-1755's
//! `local-registry-hosting` ConfigMap in `kube-public` so tools find it
//! (https://github.com/kubernetes/enhancements/tree/master/keps/sig-cluster-lifecycle/generic/1755-communicating-a-local-registry).
//!
//! `lifecycle.rs` creates, lists and deletes registries; `connect.rs` connects a
//! cluster's nodes and heals the endpoint after the registry's address changed.

mod connect;
mod error;
pub(crate) mod in_node;
mod lifecycle;
mod lock;
pub(crate) mod logs;

pub(crate) use connect::{clusters_using, connect, heal_cluster};
pub(crate) use error::RegistryError;
pub(crate) use lifecycle::{
    Made, create, delete, ensure_for_cluster, finish_interrupted, list, push_command, release_networks,
    undo_for_cluster,
};
pub(crate) use lock::{RegistryLock, hold as lock};

use crate::provider::registry::REGISTRY_PORT_IN_VM;

/// The registry's name when none is given (k3d and kind's script say `kind-registry`).
pub(crate) const DEFAULT_NAME: &str = "kina-registry";
/// kind's recipe publishes the registry on 5001 (5000 is macOS's AirPlay receiver).
pub(crate) const DEFAULT_PORT: u16 = 5001;

/// The distribution registry 3.x (`registry:3`), pinned by digest.
pub(crate) const IMAGE: &str =
    "docker.io/library/registry:3@sha256:1be55279f18a2fe1a74edf2664cac61c1bea305b7b4642dab412e7affdcb3e33";

/// Where containerd looks for per-registry `hosts.toml` files once told to.
pub(crate) const CERTS_D: &str = "/etc/containerd/certs.d";

/// The containerd patch kind's recipe applies: registry hosts from `certs.d`.
/// kindest/node's config is `version = 2`, so the CRI plugin's v2 path.
pub(crate) const CONTAINERD_PATCH: &str =
    "[plugins.\"io.containerd.grpc.v1.cri\".registry]\n  config_path = \"/etc/containerd/certs.d\"\n";

/// The named volume holding a registry's images, so they outlive its VM.
pub(crate) fn volume_name(registry: &str) -> String {
    format!("{registry}-data")
}

/// `localhost:<port>`: how pods and pushes name the registry.
pub(crate) fn host(port: u16) -> String {
    format!("localhost:{port}")
}

/// The directory of the `hosts.toml` for `localhost:<port>` on a node.
pub(crate) fn hosts_dir(port: u16) -> String {
    format!("{CERTS_D}/{}", host(port))
}

/// containerd's `hosts.toml` for `localhost:<port>`: pulls go to the registry VM over
/// plain HTTP (https://github.com/containerd/containerd/blob/main/docs/hosts.md).
pub(crate) fn hosts_toml(endpoint: &str) -> String {
    format!("[host.\"http://{endpoint}\"]\n  capabilities = [\"pull\", \"resolve\"]\n")
}

/// Where the nodes reach a registry VM: its address, on the registry's own port.
pub(crate) fn vm_endpoint(registry_ip: std::net::Ipv4Addr) -> String {
    format!("{registry_ip}:{REGISTRY_PORT_IN_VM}")
}

/// The address in a `hosts.toml` kina wrote, if it is one.
pub(crate) fn endpoint_in(hosts_toml: &str) -> Option<String> {
    let start = hosts_toml.find("[host.\"http://")? + "[host.\"http://".len();
    let end = hosts_toml[start..].find('"')?;
    Some(hosts_toml[start..start + end].to_string())
}

/// KEP-1755's ConfigMap, applied in every connected cluster.
pub(crate) fn configmap(port: u16) -> String {
    format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: local-registry-hosting\n  namespace: kube-public\n\
         data:\n  localRegistryHosting.v1: |\n    host: \"{}\"\n    help: \"https://kind.sigs.k8s.io/docs/user/local-registry/\"\n",
        host(port)
    )
}

/// Whether the cluster's containerd patches set `registry.mirrors`, which containerd
/// refuses next to the `config_path` the registry adds ("`mirrors` cannot be set when
/// `config_path` is provided"): kindest/node's config patched with both is read back.
pub(crate) fn patches_set_mirrors(patches: &[String], patches_json6902: &[String]) -> bool {
    let with_registry: Vec<String> = patches.iter().cloned().chain([CONTAINERD_PATCH.to_string()]).collect();
    crate::containerd::patched_cri_registry(&with_registry, patches_json6902).is_some_and(|r| r.mirrors)
}

/// Whether the registry API answers on `127.0.0.1:<port>` (the Mac side).
pub(crate) async fn answers(port: u16) -> bool {
    tokio::task::spawn_blocking(move || api_check(port)).await.is_ok_and(|r| r.is_ok())
}

/// `GET /v2/` on `127.0.0.1:<port>`: the distribution API answers 200 (or 401 with auth).
pub(crate) fn api_check(port: u16) -> Result<(), String> {
    use std::io::{Read, Write};
    let timeout = std::time::Duration::from_secs(2);
    let address = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let mut stream = std::net::TcpStream::connect_timeout(&address, timeout).map_err(|e| e.to_string())?;
    stream.set_read_timeout(Some(timeout)).map_err(|e| e.to_string())?;
    stream
        .write_all(format!("GET /v2/ HTTP/1.1\r\nHost: localhost:{port}\r\nConnection: close\r\n\r\n").as_bytes())
        .map_err(|e| e.to_string())?;
    let mut head = [0u8; 64];
    let read = stream.read(&mut head).map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&head[..read]);
    match text.split_whitespace().nth(1) {
        Some("200" | "401") => Ok(()),
        Some(status) => Err(format!("GET /v2/ answered {status}")),
        None => Err("no HTTP answer".into()),
    }
}

/// The registry a new cluster uses: a VM of its own (macOS 26) or one inside its
/// control-plane node (macOS 15).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ClusterRegistry {
    Vm(crate::provider::registry::RegistryVm),
    InNode(in_node::InNode),
}

/// What `create cluster --registry` asks for, decided before anything is made: a
/// registry VM to reuse or create once the cluster's own checks have passed (macOS 26),
/// or a registry inside the control-plane node (macOS 15).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RegistryRequest {
    Vm { name: String, port: Option<u16> },
    InNode(in_node::InNode),
}

impl RegistryRequest {
    pub(crate) fn name(&self) -> &str {
        match self {
            RegistryRequest::Vm { name, .. } => name,
            RegistryRequest::InNode(in_node) => &in_node.name,
        }
    }
}

#[cfg(test)]
mod tests;

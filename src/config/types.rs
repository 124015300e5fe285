//! The cluster config model: kind's `v1alpha4` schema, plus the VM-only
//! settings of kina's own apiVersion. Defaults are applied when parsing, so
//! every field here holds the value to use.

use std::collections::BTreeMap;
use std::path::PathBuf;

/// kind's config API, accepted byte-for-byte.
pub(crate) const KIND_API_VERSION: &str = "kind.x-k8s.io/v1alpha4";
/// kina's config API: kind's schema plus per-node `cpus`, `memory`, `kernel`,
/// and the cluster's `disableDefaultStorage`.
pub(crate) const KINA_API_VERSION: &str = "kina.dev/v1alpha1";

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Cluster {
    pub name: Option<String>,
    /// At least one; kind's default is a single control-plane node.
    pub nodes: Vec<Node>,
    pub networking: Networking,
    pub feature_gates: BTreeMap<String, bool>,
    pub runtime_config: BTreeMap<String, String>,
    pub kubeadm_config_patches: Vec<String>,
    pub kubeadm_config_patches_json6902: Vec<PatchJson6902>,
    pub containerd_config_patches: Vec<String>,
    pub containerd_config_patches_json6902: Vec<String>,
    /// kina only: no default StorageClass (kind's `standard`) is installed.
    pub disable_default_storage: bool,
    /// kina only: the local registry to create or reuse and connect.
    pub registry: Option<RegistryRef>,
}

/// kina only: which local registry a cluster uses (docs/registry.md).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RegistryRef {
    pub name: String,
    /// None: the registry's own port, or the default for a new one.
    pub port: Option<u16>,
}

/// kind's node roles; the same type labels the node VMs.
pub(crate) use crate::provider::Role;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Node {
    pub role: Role,
    /// None: the default node image (or `--image`).
    pub image: Option<String>,
    pub labels: BTreeMap<String, String>,
    pub extra_port_mappings: Vec<PortMapping>,
    pub extra_mounts: Vec<Mount>,
    pub kubeadm_config_patches: Vec<String>,
    pub kubeadm_config_patches_json6902: Vec<PatchJson6902>,
    /// kina only: VM size and kernel. None: the role's default.
    pub cpus: Option<u32>,
    /// In Apple `container` syntax, e.g. `4G`, `2048M`.
    pub memory: Option<String>,
    pub kernel: Option<PathBuf>,
}

impl Node {
    pub(crate) fn new(role: Role) -> Self {
        Node {
            role,
            image: None,
            labels: BTreeMap::new(),
            extra_port_mappings: Vec::new(),
            extra_mounts: Vec::new(),
            kubeadm_config_patches: Vec::new(),
            kubeadm_config_patches_json6902: Vec::new(),
            cpus: None,
            memory: None,
            kernel: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Protocol {
    Tcp,
    Udp,
}

impl Protocol {
    /// Apple `container`'s spelling in `-p …/tcp`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PortMapping {
    pub container_port: u16,
    /// 0: kina picks a free port.
    pub host_port: u16,
    /// Default `0.0.0.0`, as kind.
    pub listen_address: String,
    pub protocol: Protocol,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Mount {
    /// Absolute (relative paths are resolved against the current directory).
    pub host_path: PathBuf,
    pub container_path: String,
    pub read_only: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KubeProxyMode {
    Iptables,
    Nftables,
    Ipvs,
    /// No kube-proxy at all (a CNI replaces it).
    None,
}

impl KubeProxyMode {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            KubeProxyMode::Iptables => "iptables",
            KubeProxyMode::Nftables => "nftables",
            KubeProxyMode::Ipvs => "ipvs",
            KubeProxyMode::None => "none",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Networking {
    /// Where the API server is published on the Mac. Default `127.0.0.1`.
    pub api_server_address: String,
    /// 0: kina picks a free port.
    pub api_server_port: u16,
    pub pod_subnet: String,
    pub service_subnet: String,
    pub disable_default_cni: bool,
    pub kube_proxy_mode: KubeProxyMode,
    /// None: inherit the host's; Some(empty): no search domains.
    pub dns_search: Option<Vec<String>>,
}

impl Default for Networking {
    fn default() -> Self {
        Networking {
            api_server_address: "127.0.0.1".into(),
            api_server_port: 0,
            pod_subnet: "10.244.0.0/16".into(),
            service_subnet: "10.96.0.0/16".into(),
            disable_default_cni: false,
            kube_proxy_mode: KubeProxyMode::Iptables,
            dns_search: None,
        }
    }
}

/// An RFC 6902 patch for the kubeadm documents of one group/version/kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PatchJson6902 {
    pub group: String,
    pub version: String,
    pub kind: String,
    /// YAML or JSON text of the operations list.
    pub patch: String,
}

impl Default for Cluster {
    fn default() -> Self {
        Cluster {
            name: None,
            nodes: vec![Node::new(Role::ControlPlane)],
            networking: Networking::default(),
            feature_gates: BTreeMap::new(),
            runtime_config: BTreeMap::new(),
            kubeadm_config_patches: Vec::new(),
            kubeadm_config_patches_json6902: Vec::new(),
            containerd_config_patches: Vec::new(),
            containerd_config_patches_json6902: Vec::new(),
            disable_default_storage: false,
            registry: None,
        }
    }
}

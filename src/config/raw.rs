//! The config file as written: kind's `v1alpha4` schema (and kina's superset
//! of it), decoded strictly (`deny_unknown_fields` everywhere), before
//! defaults and validation.
//!
//! Every field is optional so defaults can be told apart from explicit values.
//! Field order matters: it is the order serde lists in "expected one of …".

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer};

/// Only `kind` and `apiVersion`, read before anything else (like kind).
#[derive(Debug, Default, Deserialize)]
pub(super) struct Head {
    pub kind: Option<String>,
    #[serde(rename = "apiVersion")]
    pub api_version: Option<String>,
}

/// The file under kina's apiVersion: kind's fields plus `disableDefaultStorage`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(super) struct Cluster {
    /// Already checked through [`Head`]; declared so the strict decode accepts them.
    #[allow(dead_code)]
    pub kind: Option<String>,
    #[allow(dead_code)]
    pub api_version: Option<String>,
    pub name: Option<String>,
    pub nodes: Option<Vec<KinaNode>>,
    pub networking: Option<Networking>,
    pub feature_gates: Option<BTreeMap<String, bool>>,
    pub runtime_config: Option<BTreeMap<String, String>>,
    pub kubeadm_config_patches: Option<Vec<String>>,
    #[serde(rename = "kubeadmConfigPatchesJSON6902")]
    pub kubeadm_config_patches_json6902: Option<Vec<PatchJson6902>>,
    pub containerd_config_patches: Option<Vec<String>>,
    #[serde(rename = "containerdConfigPatchesJSON6902")]
    pub containerd_config_patches_json6902: Option<Vec<String>>,
    /// kina only: skip kind's default StorageClass (`standard`).
    pub disable_default_storage: Option<bool>,
    /// kina only: the local registry the cluster pulls `localhost:<port>/…` from.
    pub registry: Option<Registry>,
}

/// kina only: `registry: {name, port}` (docs/registry.md).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(super) struct Registry {
    pub name: Option<String>,
    pub port: Option<u16>,
}

/// The file under kind's apiVersion: exactly kind's fields.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(super) struct KindCluster {
    pub kind: Option<String>,
    pub api_version: Option<String>,
    pub name: Option<String>,
    pub nodes: Option<Vec<KindNode>>,
    pub networking: Option<Networking>,
    pub feature_gates: Option<BTreeMap<String, bool>>,
    pub runtime_config: Option<BTreeMap<String, String>>,
    pub kubeadm_config_patches: Option<Vec<String>>,
    #[serde(rename = "kubeadmConfigPatchesJSON6902")]
    pub kubeadm_config_patches_json6902: Option<Vec<PatchJson6902>>,
    pub containerd_config_patches: Option<Vec<String>>,
    #[serde(rename = "containerdConfigPatchesJSON6902")]
    pub containerd_config_patches_json6902: Option<Vec<String>>,
}

/// A node under kind's apiVersion: exactly kind's fields.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(super) struct KindNode {
    pub role: Option<String>,
    pub image: Option<String>,
    pub labels: Option<BTreeMap<String, String>>,
    pub extra_mounts: Option<Vec<Mount>>,
    pub extra_port_mappings: Option<Vec<PortMapping>>,
    pub kubeadm_config_patches: Option<Vec<String>>,
    #[serde(rename = "kubeadmConfigPatchesJSON6902")]
    pub kubeadm_config_patches_json6902: Option<Vec<PatchJson6902>>,
}

/// A node under kina's apiVersion: kind's fields plus the VM settings.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(super) struct KinaNode {
    pub role: Option<String>,
    pub image: Option<String>,
    pub labels: Option<BTreeMap<String, String>>,
    pub extra_mounts: Option<Vec<Mount>>,
    pub extra_port_mappings: Option<Vec<PortMapping>>,
    pub kubeadm_config_patches: Option<Vec<String>>,
    #[serde(rename = "kubeadmConfigPatchesJSON6902")]
    pub kubeadm_config_patches_json6902: Option<Vec<PatchJson6902>>,
    pub cpus: Option<i64>,
    /// `4G`, or a bare number of MiB (`memory: 4096` decodes as a string too).
    pub memory: Option<String>,
    pub kernel: Option<String>,
}

impl From<KindNode> for KinaNode {
    fn from(n: KindNode) -> Self {
        KinaNode {
            role: n.role,
            image: n.image,
            labels: n.labels,
            extra_mounts: n.extra_mounts,
            extra_port_mappings: n.extra_port_mappings,
            kubeadm_config_patches: n.kubeadm_config_patches,
            kubeadm_config_patches_json6902: n.kubeadm_config_patches_json6902,
            cpus: None,
            memory: None,
            kernel: None,
        }
    }
}

impl From<KindCluster> for Cluster {
    fn from(c: KindCluster) -> Self {
        Cluster {
            kind: c.kind,
            api_version: c.api_version,
            name: c.name,
            nodes: c.nodes.map(|nodes| nodes.into_iter().map(KinaNode::from).collect()),
            networking: c.networking,
            feature_gates: c.feature_gates,
            runtime_config: c.runtime_config,
            kubeadm_config_patches: c.kubeadm_config_patches,
            kubeadm_config_patches_json6902: c.kubeadm_config_patches_json6902,
            containerd_config_patches: c.containerd_config_patches,
            containerd_config_patches_json6902: c.containerd_config_patches_json6902,
            disable_default_storage: None,
            registry: None,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(super) struct Networking {
    pub ip_family: Option<String>,
    pub api_server_address: Option<String>,
    pub api_server_port: Option<i32>,
    pub pod_subnet: Option<String>,
    pub service_subnet: Option<String>,
    #[serde(rename = "disableDefaultCNI")]
    pub disable_default_cni: Option<bool>,
    pub kube_proxy_mode: Option<String>,
    /// kind's `*[]string`: null inherits the host's, `[]` clears.
    pub dns_search: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(super) struct PortMapping {
    pub container_port: Option<i32>,
    pub host_port: Option<i32>,
    pub listen_address: Option<String>,
    pub protocol: Option<Protocol>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(super) struct Mount {
    pub container_path: Option<String>,
    pub host_path: Option<String>,
    pub read_only: Option<bool>,
    pub selinux_relabel: Option<bool>,
    pub propagation: Option<Propagation>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PatchJson6902 {
    pub group: Option<String>,
    pub version: Option<String>,
    pub kind: Option<String>,
    pub patch: Option<String>,
}

/// kind upper-cases the protocol before checking it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Protocol {
    Unset,
    Tcp,
    Udp,
    Sctp,
}

impl<'de> Deserialize<'de> for Protocol {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?.to_uppercase();
        match text.as_str() {
            "" => Ok(Protocol::Unset),
            "TCP" => Ok(Protocol::Tcp),
            "UDP" => Ok(Protocol::Udp),
            "SCTP" => Ok(Protocol::Sctp),
            _ => Err(serde::de::Error::custom(format!("Unknown PortMappingProtocol: {text:?}"))),
        }
    }
}

/// Case-sensitive, as in kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Propagation {
    Unset,
    None,
    HostToContainer,
    Bidirectional,
}

impl Propagation {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Propagation::Unset => "",
            Propagation::None => "None",
            Propagation::HostToContainer => "HostToContainer",
            Propagation::Bidirectional => "Bidirectional",
        }
    }
}

impl<'de> Deserialize<'de> for Propagation {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        match text.as_str() {
            "" => Ok(Propagation::Unset),
            "None" => Ok(Propagation::None),
            "HostToContainer" => Ok(Propagation::HostToContainer),
            "Bidirectional" => Ok(Propagation::Bidirectional),
            _ => Err(serde::de::Error::custom(format!("Unknown MountPropagation: {text:?}"))),
        }
    }
}

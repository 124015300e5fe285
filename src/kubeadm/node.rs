//! `/kind/kubeadm.conf` for any node of a cluster, kind-style
//! (https://github.com/kubernetes-sigs/kind/blob/v0.32.0/pkg/cluster/internal/kubeadm/config.go):
//! the bootstrap control plane gets `kubeadm init` documents, workers get
//! `kubeadm join` documents; then the cluster-level and the node-level
//! kubeadm config patches are applied, in that order.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use serde_json::{Map, Value, json};

use super::KubeVersion;
use super::config::{BOOTSTRAP_TOKEN, CRI_SOCKET, RenderError, api_version, args};
use super::patch::{KubeadmPatches, PatchLevel, UnmatchedPatch, apply_patches, strip_kind_metadata};
use crate::config::types::{Cluster, KubeProxyMode, Role};
use crate::yaml;

/// The API server's port inside the node VM.
pub(crate) const API_SERVER_PORT: u16 = 6443;

/// Everything needed to render one node's kubeadm config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NodePlan {
    pub cluster_name: String,
    /// Exact text (`v1.37.0-rc.1`, what kubeadm is given) and parsed
    /// numbers (which select the kubeadm config API).
    pub kubernetes_version: KubeVersion,
    pub node_name: String,
    /// A control-plane node is rendered as the bootstrap node (`kubeadm
    /// init`); a worker joins it.
    pub role: Role,
    /// Position of the node in the config's `nodes`, to name its patches.
    pub node_index: usize,
    pub node_ip: Ipv4Addr,
    /// The bootstrap control plane's address, which workers join.
    pub control_plane_ip: Ipv4Addr,
    /// Where the Mac reaches the API server (`networking.apiServerAddress`),
    /// which the serving certificate must cover, as in kind.
    pub api_server_address: String,
    pub pod_subnet: String,
    pub service_subnet: String,
    pub kube_proxy_mode: KubeProxyMode,
    pub feature_gates: BTreeMap<String, bool>,
    pub runtime_config: BTreeMap<String, String>,
    /// The node's `labels`, for kubelet `node-labels`.
    pub labels: BTreeMap<String, String>,
    /// One control-plane node: no leader election to wait out after a restart.
    pub single_control_plane: bool,
    /// Top-level `kubeadmConfigPatches` and `kubeadmConfigPatchesJSON6902`.
    pub cluster_patches: KubeadmPatches,
    /// This node's `kubeadmConfigPatches` and `kubeadmConfigPatchesJSON6902`.
    pub node_patches: KubeadmPatches,
    /// Workers: the token and CA public-key hash read from the control plane.
    /// None: kind's fixed token with unverified discovery.
    pub discovery: Option<Discovery>,
    /// `node_ip` is the node's fixed address on its cluster network: the
    /// kubelet registers with it (`node-ip`) instead of detecting one.
    pub fixed_address: bool,
}

/// How a worker finds and trusts the control plane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Discovery {
    pub token: String,
    /// `sha256:<hex>` of the cluster CA's public key.
    pub ca_cert_hash: String,
}

impl NodePlan {
    /// The plan for `cluster.nodes[node_index]`, named `node_name`.
    ///
    /// # Panics
    /// If `node_index` is not a node of `cluster`.
    pub(crate) fn from_config(
        cluster: &Cluster,
        cluster_name: &str,
        node_index: usize,
        node_name: &str,
        kubernetes_version: KubeVersion,
        node_ip: Ipv4Addr,
        control_plane_ip: Ipv4Addr,
    ) -> Self {
        let node = &cluster.nodes[node_index];
        let control_planes = cluster.nodes.iter().filter(|n| n.role == Role::ControlPlane).count();
        NodePlan {
            cluster_name: cluster_name.to_string(),
            kubernetes_version,
            node_name: node_name.to_string(),
            role: node.role,
            node_index,
            node_ip,
            control_plane_ip,
            api_server_address: cluster.networking.api_server_address.clone(),
            pod_subnet: cluster.networking.pod_subnet.clone(),
            service_subnet: cluster.networking.service_subnet.clone(),
            kube_proxy_mode: cluster.networking.kube_proxy_mode,
            feature_gates: cluster.feature_gates.clone(),
            runtime_config: cluster.runtime_config.clone(),
            labels: node.labels.clone(),
            single_control_plane: control_planes == 1,
            cluster_patches: KubeadmPatches {
                merge: cluster.kubeadm_config_patches.clone(),
                json6902: cluster.kubeadm_config_patches_json6902.clone(),
            },
            node_patches: KubeadmPatches {
                merge: node.kubeadm_config_patches.clone(),
                json6902: node.kubeadm_config_patches_json6902.clone(),
            },
            discovery: None,
            fixed_address: false,
        }
    }
}

/// A rendered, patched node config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RenderedNode {
    /// The multi-document YAML for `/kind/kubeadm.conf`.
    pub config: String,
    /// Patches that matched none of this node's documents, cluster-level
    /// first. kind ignores them silently; a cluster-level patch aimed at
    /// `JoinConfiguration` is unmatched on the control plane and matched on
    /// workers, so warn only about patches unmatched on every node.
    pub unmatched: Vec<UnmatchedPatch>,
}

/// Renders and patches a node's kubeadm config.
#[cfg(test)]
pub(crate) fn render_node(plan: &NodePlan) -> Result<String, RenderError> {
    render_node_report(plan).map(|rendered| rendered.config)
}

/// [`render_node`], also returning the patches that matched nothing.
pub(crate) fn render_node_report(plan: &NodePlan) -> Result<RenderedNode, RenderError> {
    let mut docs = node_documents(plan)?;
    let mut unmatched = apply_patches(&mut docs, &plan.cluster_patches, PatchLevel::Cluster)?;
    unmatched.extend(apply_patches(&mut docs, &plan.node_patches, PatchLevel::Node(plan.node_index))?);
    docs.iter_mut().for_each(strip_kind_metadata);
    Ok(RenderedNode { config: yaml::to_string_multiple(&docs)?, unmatched })
}

/// Every name the API server is reached by: loopback and the node's own
/// address and name, plus the published address when it is a specific one.
fn cert_sans(p: &NodePlan, ip: &str) -> Vec<String> {
    let mut sans: Vec<String> = vec!["localhost".into(), "127.0.0.1".into(), ip.into(), p.node_name.clone()];
    let published = p.api_server_address.as_str();
    if !["0.0.0.0", "::", ""].contains(&published) && !sans.iter().any(|s| s == published) {
        sans.push(published.to_string());
    }
    sans
}

/// Discovery of the control plane: pinned to its CA when the hash is known.
fn bootstrap_token(p: &NodePlan) -> Value {
    let endpoint = format!("{}:{API_SERVER_PORT}", p.control_plane_ip);
    match &p.discovery {
        Some(d) => json!({"apiServerEndpoint": endpoint, "token": d.token, "caCertHashes": [d.ca_cert_hash]}),
        None => json!({"apiServerEndpoint": endpoint, "token": BOOTSTRAP_TOKEN, "unsafeSkipCAVerification": true}),
    }
}

/// `k1=v1,k2=v2`, sorted by key (BTreeMap order).
fn comma_list<V: ToString>(map: &BTreeMap<String, V>) -> String {
    map.iter().map(|(k, v)| format!("{k}={}", v.to_string())).collect::<Vec<_>>().join(",")
}

/// The unpatched documents, in kind's order.
fn node_documents(p: &NodePlan) -> Result<Vec<Value>, RenderError> {
    let api = api_version(&p.kubernetes_version)?;
    let v1beta4 = api.ends_with("v1beta4");
    let ip = p.node_ip.to_string();

    let feature_gates: Vec<(&str, String)> =
        if p.feature_gates.is_empty() { Vec::new() } else { vec![("feature-gates", comma_list(&p.feature_gates))] };
    let leader_elect: Vec<(&str, String)> =
        if p.single_control_plane { vec![("leader-elect", "false".into())] } else { Vec::new() };
    let mut api_server = vec![("runtime-config", comma_list(&p.runtime_config))];
    api_server.extend(feature_gates.iter().cloned());
    let mut controller_manager = vec![("enable-hostpath-provisioner", "true".to_string())];
    controller_manager.extend(feature_gates.iter().cloned());
    controller_manager.extend(leader_elect.iter().cloned());
    let mut scheduler = feature_gates.clone();
    scheduler.extend(leader_elect.iter().cloned());

    let mut docs = vec![json!({
        "apiVersion": api,
        "kind": "ClusterConfiguration",
        "clusterName": p.cluster_name,
        // Pinned so kubeadm never asks the internet which version to run.
        "kubernetesVersion": p.kubernetes_version.to_string(),
        // No controlPlaneEndpoint: an IP endpoint would break when the VM
        // gets a new address on restart.
        "apiServer": {
            "certSANs": cert_sans(p, &ip),
            "extraArgs": args(v1beta4, &api_server),
        },
        "controllerManager": {"extraArgs": args(v1beta4, &controller_manager)},
        "scheduler": {"extraArgs": args(v1beta4, &scheduler)},
        "networking": {"podSubnet": p.pod_subnet, "serviceSubnet": p.service_subnet},
    })];

    let mut kubelet_args = vec![
        ("provider-id", format!("kina://apple/{}/{}", p.cluster_name, p.node_name)),
        ("node-labels", comma_list(&p.labels)),
    ];
    // Without a fixed address, no node-ip: the kubelet re-detects the
    // address after the VM gets a new one on restart.
    if p.fixed_address {
        kubelet_args.push(("node-ip", ip.clone()));
    }
    let node_registration = json!({
        "criSocket": CRI_SOCKET,
        "name": p.node_name,
        "kubeletExtraArgs": args(v1beta4, &kubelet_args),
    });
    match p.role {
        Role::ControlPlane => {
            // The node image carries every image kubeadm needs: no preflight pulls.
            let mut skip_phases = vec!["preflight"];
            if p.kube_proxy_mode == KubeProxyMode::None {
                skip_phases.push("addon/kube-proxy");
            }
            docs.push(json!({
                "apiVersion": api,
                "kind": "InitConfiguration",
                "bootstrapTokens": [{"token": BOOTSTRAP_TOKEN}],
                "localAPIEndpoint": {"advertiseAddress": ip, "bindPort": API_SERVER_PORT},
                "nodeRegistration": node_registration,
                "skipPhases": skip_phases,
            }));
        }
        Role::Worker => docs.push(json!({
            "apiVersion": api,
            "kind": "JoinConfiguration",
            "nodeRegistration": node_registration,
            "discovery": {"bootstrapToken": bootstrap_token(p)},
            "skipPhases": ["preflight"],
        })),
    }

    let gates: Map<String, Value> = p.feature_gates.iter().map(|(k, v)| (k.clone(), Value::Bool(*v))).collect();
    let mut kubelet = json!({
        "apiVersion": "kubelet.config.k8s.io/v1beta1",
        "kind": "KubeletConfiguration",
        "cgroupDriver": "systemd",
        "cgroupRoot": "/kubelet",
        "failSwapOn": false,
        // Disk-pressure eviction off, as kind: a dev node's disk is the Mac's.
        "imageGCHighThresholdPercent": 100,
        "evictionHard": {"nodefs.available": "0%", "nodefs.inodesFree": "0%", "imagefs.available": "0%"},
    });
    if !gates.is_empty() {
        kubelet["featureGates"] = Value::Object(gates.clone());
    }
    docs.push(kubelet);

    if p.kube_proxy_mode != KubeProxyMode::None {
        let mut proxy = json!({
            "apiVersion": "kubeproxy.config.k8s.io/v1alpha1",
            "kind": "KubeProxyConfiguration",
            "mode": p.kube_proxy_mode.as_str(),
        });
        if !gates.is_empty() {
            proxy["featureGates"] = Value::Object(gates);
        }
        proxy["iptables"] = json!({"minSyncPeriod": "1s"});
        // maxPerCore 0: leave the VM-wide nf_conntrack_max alone.
        proxy["conntrack"] = json!({"maxPerCore": 0});
        if p.kube_proxy_mode == KubeProxyMode::Nftables {
            // As kind: nftables needs liberal TCP conntrack on older kernels.
            proxy["conntrack"]["tcpBeLiberal"] = Value::Bool(true);
        }
        docs.push(proxy);
    }
    Ok(docs)
}

#[cfg(test)]
mod tests;

//! Renders `/kind/kubeadm.conf` the way kind does (kind.md §4.1), adapted
//! to VM nodes: the API server advertises the node's VM address and its
//! certificate also covers 127.0.0.1, where the Mac reaches it.

use std::net::Ipv4Addr;

use serde_json::{Value, json};

use super::KubeVersion;
use crate::yaml;

/// kind's well-known bootstrap token: nodes are local and short-lived.
pub(super) const BOOTSTRAP_TOKEN: &str = "abcdef.0123456789abcdef";
pub(super) const CRI_SOCKET: &str = "unix:///run/containerd/containerd.sock";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigParams {
    pub cluster_name: String,
    pub kubernetes_version: KubeVersion,
    pub node_name: String,
    pub node_ip: Ipv4Addr,
    pub pod_subnet: String,
    pub service_subnet: String,
    /// Single control plane: no leader election to wait out after a restart.
    pub single_control_plane: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("Kubernetes {0} is too old for kina: node images from v1.23.0 on are supported")]
    Unsupported(KubeVersion),
    #[error("could not render the kubeadm config: {0}")]
    Yaml(#[from] yaml::YamlError),
    #[error("could not apply the kubeadm config patches: {0}")]
    Patch(#[from] super::PatchError),
}

/// The kubeadm config API for a Kubernetes version: v1beta4 where kubeadm
/// has it (1.31+), v1beta3 from 1.23.
pub(super) fn api_version(version: &KubeVersion) -> Result<&'static str, RenderError> {
    match (version.major, version.minor) {
        (1, m) if m >= 31 => Ok("kubeadm.k8s.io/v1beta4"),
        (1, m) if m >= 23 => Ok("kubeadm.k8s.io/v1beta3"),
        _ => Err(RenderError::Unsupported(version.clone())),
    }
}

/// Extra arguments: v1beta4 takes a `name`/`value` list, v1beta3 a map.
pub(super) fn args(v1beta4: bool, pairs: &[(&str, String)]) -> Value {
    if v1beta4 {
        Value::Array(pairs.iter().map(|(k, v)| json!({"name": k, "value": v})).collect())
    } else {
        Value::Object(pairs.iter().map(|(k, v)| (k.to_string(), Value::String(v.clone()))).collect())
    }
}

pub fn render(p: &ConfigParams) -> Result<String, RenderError> {
    let api = api_version(&p.kubernetes_version)?;
    let v1beta4 = api.ends_with("v1beta4");
    let ip = p.node_ip.to_string();
    let leader_elect: Vec<(&str, String)> =
        if p.single_control_plane { vec![("leader-elect", "false".into())] } else { Vec::new() };
    let mut controller_manager = vec![("enable-hostpath-provisioner", "true".to_string())];
    controller_manager.extend(leader_elect.iter().cloned());

    let cluster = json!({
        "apiVersion": api,
        "kind": "ClusterConfiguration",
        "clusterName": p.cluster_name,
        // Pinned so kubeadm never asks the internet which version to run.
        "kubernetesVersion": p.kubernetes_version.to_string(),
        "apiServer": {
            "certSANs": ["localhost", "127.0.0.1", ip, p.node_name],
        },
        "controllerManager": {"extraArgs": args(v1beta4, &controller_manager)},
        "scheduler": {"extraArgs": args(v1beta4, &leader_elect)},
        "networking": {"podSubnet": p.pod_subnet, "serviceSubnet": p.service_subnet},
    });
    let init = json!({
        "apiVersion": api,
        "kind": "InitConfiguration",
        "bootstrapTokens": [{"token": BOOTSTRAP_TOKEN}],
        "localAPIEndpoint": {"advertiseAddress": ip, "bindPort": 6443},
        "nodeRegistration": {
            "criSocket": CRI_SOCKET,
            "name": p.node_name,
            // No node-ip: the kubelet re-detects the address after the VM
            // gets a new one on restart.
            "kubeletExtraArgs": args(v1beta4, &[("provider-id", format!("kina://apple/{}/{}", p.cluster_name, p.node_name))]),
        },
        // The node image carries every image kubeadm needs: no preflight pulls.
        "skipPhases": ["preflight"],
    });
    let kubelet = json!({
        "apiVersion": "kubelet.config.k8s.io/v1beta1",
        "kind": "KubeletConfiguration",
        "cgroupDriver": "systemd",
        "cgroupRoot": "/kubelet",
        "failSwapOn": false,
        // Disk-pressure eviction off, as kind: a dev node's disk is the Mac's.
        "imageGCHighThresholdPercent": 100,
        "evictionHard": {"nodefs.available": "0%", "nodefs.inodesFree": "0%", "imagefs.available": "0%"},
    });
    let proxy = json!({
        "apiVersion": "kubeproxy.config.k8s.io/v1alpha1",
        "kind": "KubeProxyConfiguration",
        "mode": "iptables",
        "iptables": {"minSyncPeriod": "1s"},
        "conntrack": {"maxPerCore": 0},
    });
    Ok(yaml::to_string_multiple(&[cluster, init, kubelet, proxy])?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(version: &str) -> ConfigParams {
        ConfigParams {
            cluster_name: "kina".into(),
            kubernetes_version: KubeVersion::parse(version).unwrap(),
            node_name: "kina-control-plane".into(),
            node_ip: Ipv4Addr::new(192, 168, 64, 3),
            pod_subnet: "10.244.0.0/16".into(),
            service_subnet: "10.96.0.0/16".into(),
            single_control_plane: true,
        }
    }

    fn docs(text: &str) -> Vec<Value> {
        yaml::from_multiple(text).unwrap()
    }

    fn find<'a>(docs: &'a [Value], kind: &str) -> &'a Value {
        docs.iter().find(|d| d["kind"] == kind).unwrap_or_else(|| panic!("no {kind}"))
    }

    #[test]
    fn v1beta4_for_current_kubernetes() {
        let docs = docs(&render(&params("v1.35.5")).unwrap());
        assert_eq!(docs.len(), 4);
        let cluster = find(&docs, "ClusterConfiguration");
        assert_eq!(cluster["apiVersion"], "kubeadm.k8s.io/v1beta4");
        assert_eq!(cluster["kubernetesVersion"], "v1.35.5");
        assert_eq!(cluster["clusterName"], "kina");
        assert_eq!(
            cluster["apiServer"]["certSANs"],
            json!(["localhost", "127.0.0.1", "192.168.64.3", "kina-control-plane"])
        );
        assert_eq!(cluster["networking"]["podSubnet"], "10.244.0.0/16");
        assert_eq!(cluster["networking"]["serviceSubnet"], "10.96.0.0/16");
        assert_eq!(
            cluster["controllerManager"]["extraArgs"],
            json!([{"name": "enable-hostpath-provisioner", "value": "true"}, {"name": "leader-elect", "value": "false"}])
        );
        assert!(cluster.get("controlPlaneEndpoint").is_none(), "an IP endpoint would break on VM restarts");

        let init = find(&docs, "InitConfiguration");
        assert_eq!(init["localAPIEndpoint"]["advertiseAddress"], "192.168.64.3");
        assert_eq!(init["nodeRegistration"]["name"], "kina-control-plane");
        assert_eq!(init["nodeRegistration"]["criSocket"], "unix:///run/containerd/containerd.sock");
        assert_eq!(
            init["nodeRegistration"]["kubeletExtraArgs"],
            json!([{"name": "provider-id", "value": "kina://apple/kina/kina-control-plane"}])
        );
        assert_eq!(init["skipPhases"], json!(["preflight"]));

        let kubelet = find(&docs, "KubeletConfiguration");
        assert_eq!(kubelet["cgroupDriver"], "systemd");
        assert_eq!(kubelet["failSwapOn"], false);
        assert_eq!(kubelet["evictionHard"]["nodefs.available"], "0%");
        assert_eq!(find(&docs, "KubeProxyConfiguration")["mode"], "iptables");
    }

    #[test]
    fn v1beta3_maps_for_older_kubernetes() {
        let docs = docs(&render(&params("v1.30.2")).unwrap());
        let cluster = find(&docs, "ClusterConfiguration");
        assert_eq!(cluster["apiVersion"], "kubeadm.k8s.io/v1beta3");
        assert_eq!(
            cluster["controllerManager"]["extraArgs"],
            json!({"enable-hostpath-provisioner": "true", "leader-elect": "false"})
        );
        let init = find(&docs, "InitConfiguration");
        assert_eq!(init["nodeRegistration"]["kubeletExtraArgs"]["provider-id"], "kina://apple/kina/kina-control-plane");
    }

    #[test]
    fn multi_control_plane_keeps_leader_election() {
        let mut p = params("v1.35.5");
        p.single_control_plane = false;
        let docs = docs(&render(&p).unwrap());
        let cluster = find(&docs, "ClusterConfiguration");
        assert_eq!(cluster["scheduler"]["extraArgs"], json!([]));
    }

    #[test]
    fn pre_releases_keep_their_exact_version() {
        let docs = docs(&render(&params("v1.37.0-rc.1")).unwrap());
        let cluster = find(&docs, "ClusterConfiguration");
        assert_eq!(cluster["kubernetesVersion"], "v1.37.0-rc.1");
        assert_eq!(cluster["apiVersion"], "kubeadm.k8s.io/v1beta4");
    }

    #[test]
    fn refuses_ancient_kubernetes() {
        let err = render(&params("v1.22.9")).unwrap_err();
        assert!(err.to_string().contains("v1.22.9"), "{err}");
    }
}

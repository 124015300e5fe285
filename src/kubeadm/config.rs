//! What every node's kubeadm config shares: the config API by Kubernetes
//! version, kind's bootstrap token and CRI socket, and extra-argument
//! shapes. The documents themselves are built in `node.rs`; the tests here
//! pin the single-node (bootstrap control plane) rendering.

use serde_json::{Value, json};

use super::KubeVersion;
use crate::yaml;

/// kind's well-known bootstrap token: nodes are local and short-lived.
pub(super) const BOOTSTRAP_TOKEN: &str = "abcdef.0123456789abcdef";
pub(super) const CRI_SOCKET: &str = "unix:///run/containerd/containerd.sock";

#[derive(Debug, thiserror::Error)]
pub(crate) enum RenderError {
    #[error("Kubernetes {0} is too old for kina: node images from v1.23.0 on are supported")]
    Unsupported(KubeVersion),
    #[error("could not render the kubeadm config: {0}")]
    Yaml(#[from] yaml::YamlError),
    #[error("could not apply the kubeadm config patches: {0}")]
    Patch(#[from] super::PatchError),
}

/// The kubeadm config API for a Kubernetes version, as kind picks it:
/// v1beta4 from 1.36.0, v1beta3 from 1.23.0, in semver order (a `v1.36.0-rc.1`
/// image gets v1beta3, as kind's `LessThan(v1.36.0)` gives). kubeadm reads
/// v1beta4 since 1.31, but kind files carry patches for the API kind renders,
/// so kina matches it.
pub(super) fn api_version(version: &KubeVersion) -> Result<&'static str, RenderError> {
    if version.major != 1 {
        return Err(RenderError::Unsupported(version.clone()));
    }
    if version.at_least(1, 36) {
        Ok("kubeadm.k8s.io/v1beta4")
    } else if version.at_least(1, 23) {
        Ok("kubeadm.k8s.io/v1beta3")
    } else {
        Err(RenderError::Unsupported(version.clone()))
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

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;
    use crate::config::types::Cluster;
    use crate::kubeadm::NodePlan;
    use crate::kubeadm::node::render_node;

    /// The bootstrap control plane of kind's default single-node cluster.
    fn params(version: &str) -> NodePlan {
        let ip = Ipv4Addr::new(192, 168, 64, 3);
        let version = KubeVersion::parse(version).unwrap();
        NodePlan::from_config(&Cluster::default(), "kina", 0, "kina-control-plane", version, ip, ip)
    }

    fn render(plan: &NodePlan) -> Result<String, RenderError> {
        render_node(plan)
    }

    fn docs(text: &str) -> Vec<Value> {
        yaml::from_multiple(text).unwrap()
    }

    fn find<'a>(docs: &'a [Value], kind: &str) -> &'a Value {
        docs.iter().find(|d| d["kind"] == kind).unwrap_or_else(|| panic!("no {kind}"))
    }

    #[test]
    fn a_fixed_address_is_the_kubelets_node_ip_the_advertise_address_and_a_san() {
        let mut plan = params("v1.36.1");
        plan.node_ip = Ipv4Addr::new(192, 168, 100, 254);
        plan.fixed_address = true;
        let docs = docs(&render(&plan).unwrap());
        let init = find(&docs, "InitConfiguration");
        assert_eq!(init["localAPIEndpoint"]["advertiseAddress"], "192.168.100.254");
        let args = init["nodeRegistration"]["kubeletExtraArgs"].as_array().unwrap();
        assert!(args.contains(&json!({"name": "node-ip", "value": "192.168.100.254"})), "{args:?}");
        let sans = &find(&docs, "ClusterConfiguration")["apiServer"]["certSANs"];
        assert!(sans.as_array().unwrap().contains(&json!("192.168.100.254")), "{sans}");
    }

    #[test]
    fn v1beta4_for_current_kubernetes() {
        let docs = docs(&render(&params("v1.36.1")).unwrap());
        assert_eq!(docs.len(), 4);
        let cluster = find(&docs, "ClusterConfiguration");
        assert_eq!(cluster["apiVersion"], "kubeadm.k8s.io/v1beta4");
        assert_eq!(cluster["kubernetesVersion"], "v1.36.1");
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
            json!([
                {"name": "provider-id", "value": "kina://apple/kina/kina-control-plane"},
                {"name": "node-labels", "value": ""}
            ]),
            "kind always passes node-labels, empty without labels"
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
        let mut p = params("v1.36.1");
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
    fn kinds_threshold_keeps_v1beta3_before_1_36() {
        let stable = docs(&render(&params("v1.35.5")).unwrap());
        assert_eq!(find(&stable, "ClusterConfiguration")["apiVersion"], "kubeadm.k8s.io/v1beta3");
        assert_eq!(find(&stable, "ClusterConfiguration")["kubernetesVersion"], "v1.35.5");
        let rc = docs(&render(&params("v1.36.0-rc.1")).unwrap());
        assert_eq!(find(&rc, "ClusterConfiguration")["apiVersion"], "kubeadm.k8s.io/v1beta3");
        assert_eq!(find(&rc, "ClusterConfiguration")["kubernetesVersion"], "v1.36.0-rc.1");
    }

    #[test]
    fn refuses_ancient_kubernetes() {
        let err = render(&params("v1.22.9")).unwrap_err();
        assert!(err.to_string().contains("v1.22.9"), "{err}");
    }
}

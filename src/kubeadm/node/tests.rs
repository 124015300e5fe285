use serde_json::json;

use super::*;
use crate::config::types::{Node, PatchJson6902};

const CP_IP: Ipv4Addr = Ipv4Addr::new(192, 168, 64, 3);
const WORKER_IP: Ipv4Addr = Ipv4Addr::new(192, 168, 64, 4);

fn cluster() -> Cluster {
    let mut cluster = Cluster::default();
    cluster.nodes.push(Node::new(Role::Worker));
    cluster.nodes.push(Node::new(Role::Worker));
    cluster
}

fn plan(cluster: &Cluster, index: usize, version: &str) -> NodePlan {
    let (name, ip) = match index {
        0 => ("kina-control-plane".to_string(), CP_IP),
        1 => ("kina-worker".to_string(), WORKER_IP),
        i => (format!("kina-worker{i}"), Ipv4Addr::new(192, 168, 64, 3 + i as u8)),
    };
    NodePlan::from_config(cluster, "kina", index, &name, KubeVersion::parse(version).unwrap(), ip, CP_IP)
}

fn docs(text: &str) -> Vec<Value> {
    yaml::from_multiple(text).unwrap()
}

fn find<'a>(docs: &'a [Value], kind: &str) -> &'a Value {
    docs.iter().find(|d| d["kind"] == kind).unwrap_or_else(|| panic!("no {kind}"))
}

fn kinds(docs: &[Value]) -> Vec<&str> {
    docs.iter().map(|d| d["kind"].as_str().unwrap()).collect()
}

fn render_docs(plan: &NodePlan) -> Vec<Value> {
    docs(&render_node(plan).unwrap())
}

#[test]
fn control_plane_v1beta4() {
    let docs = render_docs(&plan(&cluster(), 0, "v1.36.1"));
    assert_eq!(
        kinds(&docs),
        ["ClusterConfiguration", "InitConfiguration", "KubeletConfiguration", "KubeProxyConfiguration"]
    );
    let cc = find(&docs, "ClusterConfiguration");
    assert_eq!(cc["apiVersion"], "kubeadm.k8s.io/v1beta4");
    assert_eq!(cc["kubernetesVersion"], "v1.36.1");
    assert_eq!(cc["clusterName"], "kina");
    assert!(cc.get("controlPlaneEndpoint").is_none());
    assert_eq!(cc["apiServer"]["certSANs"], json!(["localhost", "127.0.0.1", "192.168.64.3", "kina-control-plane"]));
    assert_eq!(cc["apiServer"]["extraArgs"], json!([{"name": "runtime-config", "value": ""}]));
    assert_eq!(
        cc["controllerManager"]["extraArgs"],
        json!([{"name": "enable-hostpath-provisioner", "value": "true"}, {"name": "leader-elect", "value": "false"}])
    );
    assert_eq!(cc["scheduler"]["extraArgs"], json!([{"name": "leader-elect", "value": "false"}]));
    assert_eq!(cc["networking"], json!({"podSubnet": "10.244.0.0/16", "serviceSubnet": "10.96.0.0/16"}));

    let init = find(&docs, "InitConfiguration");
    assert_eq!(init["bootstrapTokens"], json!([{"token": "abcdef.0123456789abcdef"}]));
    assert_eq!(init["localAPIEndpoint"], json!({"advertiseAddress": "192.168.64.3", "bindPort": 6443}));
    assert_eq!(init["nodeRegistration"]["criSocket"], "unix:///run/containerd/containerd.sock");
    assert_eq!(init["nodeRegistration"]["name"], "kina-control-plane");
    assert_eq!(
        init["nodeRegistration"]["kubeletExtraArgs"],
        json!([
            {"name": "provider-id", "value": "kina://apple/kina/kina-control-plane"},
            {"name": "node-labels", "value": ""},
        ])
    );
    assert_eq!(init["skipPhases"], json!(["preflight"]));

    let kubelet = find(&docs, "KubeletConfiguration");
    assert_eq!(kubelet["cgroupDriver"], "systemd");
    assert_eq!(kubelet["cgroupRoot"], "/kubelet");
    assert_eq!(kubelet["failSwapOn"], false);
    assert_eq!(kubelet["imageGCHighThresholdPercent"], 100);
    assert!(kubelet.get("featureGates").is_none());
    let proxy = find(&docs, "KubeProxyConfiguration");
    assert_eq!(proxy["mode"], "iptables");
    assert_eq!(proxy["iptables"]["minSyncPeriod"], "1s");
    assert_eq!(proxy["conntrack"], json!({"maxPerCore": 0}));
    assert!(proxy.get("featureGates").is_none());
    assert!(!render_node(&plan(&cluster(), 0, "v1.36.1")).unwrap().contains("metadata"));
}

#[test]
fn worker_v1beta4_joins_the_control_plane() {
    let mut cluster = cluster();
    cluster.nodes[1].labels.insert("tier".into(), "frontend".into());
    cluster.nodes[1].labels.insert("ingress-ready".into(), "true".into());
    let docs = render_docs(&plan(&cluster, 1, "v1.36.1"));
    assert_eq!(
        kinds(&docs),
        ["ClusterConfiguration", "JoinConfiguration", "KubeletConfiguration", "KubeProxyConfiguration"]
    );
    let join = find(&docs, "JoinConfiguration");
    assert_eq!(join["apiVersion"], "kubeadm.k8s.io/v1beta4");
    assert_eq!(
        join["discovery"]["bootstrapToken"],
        json!({
            "apiServerEndpoint": "192.168.64.3:6443",
            "token": "abcdef.0123456789abcdef",
            "unsafeSkipCAVerification": true,
        })
    );
    assert!(join.get("controlPlane").is_none());
    assert_eq!(join["nodeRegistration"]["criSocket"], "unix:///run/containerd/containerd.sock");
    assert_eq!(join["nodeRegistration"]["name"], "kina-worker");
    assert_eq!(
        join["nodeRegistration"]["kubeletExtraArgs"],
        json!([
            {"name": "provider-id", "value": "kina://apple/kina/kina-worker"},
            {"name": "node-labels", "value": "ingress-ready=true,tier=frontend"},
        ])
    );
    assert_eq!(join["skipPhases"], json!(["preflight"]));
    let cc = find(&docs, "ClusterConfiguration");
    assert_eq!(cc["kubernetesVersion"], "v1.36.1");
    assert_eq!(cc["apiServer"]["certSANs"][2], "192.168.64.4");

    // Third node: kind's naming is the caller's; the plan carries it through.
    let docs = render_docs(&plan(&cluster, 2, "v1.36.1"));
    assert_eq!(find(&docs, "JoinConfiguration")["nodeRegistration"]["name"], "kina-worker2");
}

#[test]
fn v1beta3_uses_maps() {
    let mut cluster = cluster();
    cluster.feature_gates.insert("InPlacePodVerticalScaling".into(), true);
    cluster.nodes[1].labels.insert("a".into(), "b".into());
    let docs = render_docs(&plan(&cluster, 0, "v1.30.2"));
    let cc = find(&docs, "ClusterConfiguration");
    assert_eq!(cc["apiVersion"], "kubeadm.k8s.io/v1beta3");
    assert_eq!(
        cc["apiServer"]["extraArgs"],
        json!({"runtime-config": "", "feature-gates": "InPlacePodVerticalScaling=true"})
    );
    assert_eq!(
        cc["controllerManager"]["extraArgs"],
        json!({"enable-hostpath-provisioner": "true", "feature-gates": "InPlacePodVerticalScaling=true", "leader-elect": "false"})
    );
    assert_eq!(find(&docs, "InitConfiguration")["apiVersion"], "kubeadm.k8s.io/v1beta3");

    let docs = render_docs(&plan(&cluster, 1, "v1.30.2"));
    let join = find(&docs, "JoinConfiguration");
    assert_eq!(join["apiVersion"], "kubeadm.k8s.io/v1beta3");
    assert_eq!(
        join["nodeRegistration"]["kubeletExtraArgs"],
        json!({"provider-id": "kina://apple/kina/kina-worker", "node-labels": "a=b"})
    );
}

#[test]
fn feature_gates_and_runtime_config_are_sorted_everywhere() {
    let mut cluster = cluster();
    cluster.feature_gates.insert("Zeta".into(), false);
    cluster.feature_gates.insert("Alpha".into(), true);
    cluster.runtime_config.insert("api/alpha".into(), "false".into());
    cluster.runtime_config.insert("api/all".into(), "true".into());
    let docs = render_docs(&plan(&cluster, 0, "v1.36.1"));
    let cc = find(&docs, "ClusterConfiguration");
    let fg = json!({"name": "feature-gates", "value": "Alpha=true,Zeta=false"});
    assert_eq!(
        cc["apiServer"]["extraArgs"],
        json!([{"name": "runtime-config", "value": "api/all=true,api/alpha=false"}, fg])
    );
    assert_eq!(cc["controllerManager"]["extraArgs"][1], fg);
    assert_eq!(cc["scheduler"]["extraArgs"], json!([fg, {"name": "leader-elect", "value": "false"}]));
    let gates = json!({"Alpha": true, "Zeta": false});
    assert_eq!(find(&docs, "KubeletConfiguration")["featureGates"], gates);
    assert_eq!(find(&docs, "KubeProxyConfiguration")["featureGates"], gates);
}

#[test]
fn kube_proxy_modes() {
    let mut cluster = cluster();
    cluster.networking.kube_proxy_mode = KubeProxyMode::None;
    let docs = render_docs(&plan(&cluster, 0, "v1.36.1"));
    assert_eq!(kinds(&docs), ["ClusterConfiguration", "InitConfiguration", "KubeletConfiguration"]);
    assert_eq!(find(&docs, "InitConfiguration")["skipPhases"], json!(["preflight", "addon/kube-proxy"]));
    let docs = render_docs(&plan(&cluster, 1, "v1.36.1"));
    assert_eq!(kinds(&docs), ["ClusterConfiguration", "JoinConfiguration", "KubeletConfiguration"]);
    assert_eq!(find(&docs, "JoinConfiguration")["skipPhases"], json!(["preflight"]));

    cluster.networking.kube_proxy_mode = KubeProxyMode::Nftables;
    let docs = render_docs(&plan(&cluster, 0, "v1.36.1"));
    let proxy = find(&docs, "KubeProxyConfiguration");
    assert_eq!(proxy["mode"], "nftables");
    assert_eq!(proxy["conntrack"], json!({"maxPerCore": 0, "tcpBeLiberal": true}));
    cluster.networking.kube_proxy_mode = KubeProxyMode::Ipvs;
    assert_eq!(find(&render_docs(&plan(&cluster, 0, "v1.36.1")), "KubeProxyConfiguration")["mode"], "ipvs");
}

#[test]
fn subnets_versions_and_control_plane_count() {
    let mut cluster = cluster();
    cluster.networking.pod_subnet = "10.10.0.0/16".into();
    cluster.networking.service_subnet = "10.20.0.0/16".into();
    cluster.nodes.push(Node::new(Role::ControlPlane));
    let p = plan(&cluster, 0, "v1.37.0-rc.1");
    assert!(!p.single_control_plane);
    let docs = render_docs(&p);
    let cc = find(&docs, "ClusterConfiguration");
    assert_eq!(cc["kubernetesVersion"], "v1.37.0-rc.1");
    assert_eq!(cc["networking"], json!({"podSubnet": "10.10.0.0/16", "serviceSubnet": "10.20.0.0/16"}));
    assert_eq!(cc["scheduler"]["extraArgs"], json!([]));
    let err = render_node(&plan(&cluster, 0, "v1.22.9")).unwrap_err();
    assert!(matches!(err, RenderError::Unsupported(_)), "{err}");
}

#[test]
fn cluster_patches_apply_before_node_patches() {
    let mut cluster = cluster();
    cluster.kubeadm_config_patches = vec![
        "kind: KubeletConfiguration\nmaxPods: 50\nserializeImagePulls: false\n".into(),
        "kind: ClusterConfiguration\napiServer:\n  certSANs: [my.mac.test]\n  extraArgs:\n    v: \"2\"\n".into(),
    ];
    cluster.kubeadm_config_patches_json6902 = vec![PatchJson6902 {
        group: "kubelet.config.k8s.io".into(),
        version: "v1beta1".into(),
        kind: "KubeletConfiguration".into(),
        // Runs after the cluster merge patches and before the node's.
        patch: "- op: test\n  path: /maxPods\n  value: 50\n- op: add\n  path: /podPidsLimit\n  value: 4096\n".into(),
    }];
    cluster.nodes[1].kubeadm_config_patches = vec![
        "kind: KubeletConfiguration\nmaxPods: 110\n---\nkind: JoinConfiguration\nnodeRegistration:\n  kubeletExtraArgs:\n    node-labels: \"ingress-ready=true\"\n".into(),
    ];
    cluster.nodes[1].kubeadm_config_patches_json6902 = vec![PatchJson6902 {
        group: "kubelet.config.k8s.io".into(),
        version: "v1beta1".into(),
        kind: "KubeletConfiguration".into(),
        patch:
            r#"[{"op": "test", "path": "/maxPods", "value": 110}, {"op": "remove", "path": "/serializeImagePulls"}]"#
                .into(),
    }];

    let worker = render_node_report(&plan(&cluster, 1, "v1.36.1")).unwrap();
    assert!(worker.unmatched.is_empty(), "{:?}", worker.unmatched);
    let docs = docs(&worker.config);
    let kubelet = find(&docs, "KubeletConfiguration");
    assert_eq!(kubelet["maxPods"], 110);
    assert_eq!(kubelet["podPidsLimit"], 4096);
    assert!(kubelet.get("serializeImagePulls").is_none());
    assert_eq!(
        find(&docs, "JoinConfiguration")["nodeRegistration"]["kubeletExtraArgs"],
        json!([
            {"name": "provider-id", "value": "kina://apple/kina/kina-worker"},
            {"name": "node-labels", "value": "ingress-ready=true"},
        ])
    );
    let cc = find(&docs, "ClusterConfiguration");
    assert_eq!(
        cc["apiServer"]["certSANs"],
        json!(["localhost", "127.0.0.1", "192.168.64.4", "kina-worker", "my.mac.test"])
    );
    assert_eq!(
        cc["apiServer"]["extraArgs"],
        json!([{"name": "runtime-config", "value": ""}, {"name": "v", "value": "2"}])
    );

    // The control plane gets the cluster patches only.
    let cp = render_docs(&plan(&cluster, 0, "v1.36.1"));
    assert_eq!(find(&cp, "KubeletConfiguration")["maxPods"], 50);
    assert_eq!(find(&cp, "KubeletConfiguration")["serializeImagePulls"], false);
}

#[test]
fn unmatched_patches_are_reported_per_level() {
    let mut cluster = cluster();
    cluster.kubeadm_config_patches = vec!["kind: JoinConfiguration\ndiscovery:\n  timeout: 10m\n".into()];
    cluster.nodes[0].kubeadm_config_patches = vec!["kind: KubeProxyConfiguration\nmode: ipvs\n".into()];
    cluster.networking.kube_proxy_mode = KubeProxyMode::None;
    let cp = render_node_report(&plan(&cluster, 0, "v1.36.1")).unwrap();
    let unmatched: Vec<String> = cp.unmatched.iter().map(|u| u.patch.to_string()).collect();
    assert_eq!(unmatched, ["kubeadmConfigPatches[0]", "nodes[0].kubeadmConfigPatches[0]"]);
    assert!(!cp.config.contains("KubeProxyConfiguration"));
    let worker = render_node_report(&plan(&cluster, 1, "v1.36.1")).unwrap();
    assert!(worker.unmatched.is_empty());
    assert_eq!(find(&docs(&worker.config), "JoinConfiguration")["discovery"]["timeout"], "10m");
}

#[test]
fn patch_errors_name_the_patch() {
    let mut cluster = cluster();
    cluster.nodes[2].kubeadm_config_patches_json6902 = vec![PatchJson6902 {
        group: "kubeadm.k8s.io".into(),
        version: "v1beta4".into(),
        kind: "JoinConfiguration".into(),
        patch: "- op: replace\n  path: /nope\n  value: 1\n".into(),
    }];
    let err = render_node(&plan(&cluster, 2, "v1.36.1")).unwrap_err();
    assert!(
        err.to_string().starts_with(
            "could not apply the kubeadm config patches: nodes[2].kubeadmConfigPatchesJSON6902[0]: cannot apply to JoinConfiguration"
        ),
        "{err}"
    );
    cluster.kubeadm_config_patches = vec!["kind: [".into()];
    let err = render_node(&plan(&cluster, 0, "v1.36.1")).unwrap_err();
    assert!(err.to_string().contains("kubeadmConfigPatches[0]: not valid YAML or JSON"), "{err}");
}

#[test]
fn patch_metadata_is_stripped() {
    let mut cluster = cluster();
    cluster.kubeadm_config_patches = vec![
        "apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nmetadata:\n  name: config\nclusterName: x\n"
            .into(),
    ];
    let text = render_node(&plan(&cluster, 0, "v1.36.1")).unwrap();
    assert!(!text.contains("metadata"), "{text}");
    assert_eq!(find(&docs(&text), "ClusterConfiguration")["clusterName"], "x");
}

#[test]
fn workers_pin_the_control_planes_ca_when_known() {
    let mut cluster = Cluster::default();
    cluster.nodes.push(crate::config::types::Node::new(Role::Worker));
    let mut worker = plan(&cluster, 1, "v1.36.1");
    worker.discovery =
        Some(crate::kubeadm::Discovery { token: "abc123.0123456789abcdef".into(), ca_cert_hash: "sha256:feed".into() });
    let docs: Vec<serde_json::Value> = crate::yaml::from_multiple(&render_node(&worker).unwrap()).unwrap();
    let join = docs.iter().find(|d| d["kind"] == "JoinConfiguration").unwrap();
    let token = &join["discovery"]["bootstrapToken"];
    assert_eq!(token["token"], "abc123.0123456789abcdef");
    assert_eq!(token["caCertHashes"], serde_json::json!(["sha256:feed"]));
    assert!(token.get("unsafeSkipCAVerification").is_none());
}

#[test]
fn a_specific_published_address_is_in_the_certificate() {
    let mut cluster = Cluster::default();
    cluster.networking.api_server_address = "192.168.1.20".into();
    let docs: Vec<serde_json::Value> =
        crate::yaml::from_multiple(&render_node(&plan(&cluster, 0, "v1.36.1")).unwrap()).unwrap();
    let sans = &docs.iter().find(|d| d["kind"] == "ClusterConfiguration").unwrap()["apiServer"]["certSANs"];
    assert_eq!(sans.as_array().unwrap().last().unwrap(), "192.168.1.20");
    cluster.networking.api_server_address = "0.0.0.0".into();
    let docs: Vec<serde_json::Value> =
        crate::yaml::from_multiple(&render_node(&plan(&cluster, 0, "v1.36.1")).unwrap()).unwrap();
    let sans = &docs.iter().find(|d| d["kind"] == "ClusterConfiguration").unwrap()["apiServer"]["certSANs"];
    assert!(!sans.as_array().unwrap().iter().any(|s| s == "0.0.0.0"));
}

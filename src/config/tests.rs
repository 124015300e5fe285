use super::*;

#[test]
fn empty_config_means_defaults() {
    assert_eq!(parse_cluster("").unwrap().cluster, Cluster::default());
}

#[test]
fn minimal_and_honoured_fields() {
    let config = parse_cluster(
        "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nname: dev\nnodes:\n- role: control-plane\n  image: kindest/node:v1.34.1\nnetworking:\n  podSubnet: 10.200.0.0/16\n  serviceSubnet: 10.100.0.0/16\n  apiServerAddress: 127.0.0.1\n  apiServerPort: 6550\n  disableDefaultCNI: true\n",
    )
    .unwrap()
    .cluster;
    assert_eq!(config.name.as_deref(), Some("dev"));
    assert_eq!(config.nodes[0].image.as_deref(), Some("kindest/node:v1.34.1"));
    assert_eq!(config.networking.pod_subnet, "10.200.0.0/16");
    assert_eq!(config.networking.service_subnet, "10.100.0.0/16");
    assert_eq!(config.networking.api_server_port, 6550);
    assert!(config.networking.disable_default_cni);
}

#[test]
fn errors_read_like_kinds() {
    let head = "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\n";
    let cases = [
        ("kind: Cluster\napiVersion: not-valid\n".to_string(), "unknown apiVersion: not-valid"),
        (
            "kind: not-valid\napiVersion: kind.x-k8s.io/v1alpha4\n".to_string(),
            "unknown kind not-valid for apiVersion: kind.x-k8s.io/v1alpha4",
        ),
        (
            format!("{head}bogus: 1\n"),
            "unable to decode config: yaml: unmarshal errors:\n  line 3: field bogus not found in type v1alpha4.Cluster",
        ),
        (
            format!("{head}nodes:\n- role: control-plane\n  constraints: x\n"),
            "unable to decode config: yaml: unmarshal errors:\n  line 5: field constraints not found in type v1alpha4.Node",
        ),
        (
            format!("{head}nodes:\n- role: boss\n"),
            "[invalid configuration for node 0: \"boss\" is not a valid node role, must have at least one control-plane node]",
        ),
        (
            format!("{head}networking:\n  podSubnet: nope\n"),
            "invalid pod subnet failed to parse cidr value:\"nope\" with error: invalid CIDR address: nope",
        ),
        (format!("{head}networking:\n  apiServerPort: 70000\n"), "invalid apiServerPort: invalid port number: 70000"),
        (
            format!("{head}disableDefaultStorage: true\n"),
            "unable to decode config: yaml: unmarshal errors:\n  line 3: field disableDefaultStorage not found in type v1alpha4.Cluster",
        ),
    ];
    for (text, want) in cases {
        assert_eq!(parse_cluster(&text).unwrap_err().to_string(), want, "{text}");
    }
}

#[test]
fn fields_the_first_reader_refused_are_honoured_now() {
    let head = "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\n";
    let workers = parse_cluster(&format!("{head}nodes:\n- role: control-plane\n- role: worker\n")).unwrap().cluster;
    assert_eq!(workers.nodes[1].role, Role::Worker);
    let gates = parse_cluster(&format!("{head}featureGates:\n  A: true\n")).unwrap().cluster;
    assert_eq!(gates.feature_gates.get("A"), Some(&true));
    let ipvs = parse_cluster(&format!("{head}networking:\n  kubeProxyMode: ipvs\n")).unwrap().cluster;
    assert_eq!(ipvs.networking.kube_proxy_mode, KubeProxyMode::Ipvs);
}

#[test]
fn missing_file_names_the_path() {
    let err = load_cluster(Path::new("/nonexistent/kind.yaml")).unwrap_err().to_string();
    assert!(err.starts_with("error reading file: open /nonexistent/kind.yaml: "), "{err}");
}

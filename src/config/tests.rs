use super::*;

#[test]
fn empty_config_means_defaults() {
    assert_eq!(parse("").unwrap(), ClusterConfig::default());
}

#[test]
fn minimal_and_honoured_fields() {
    let config = parse(
        "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nname: dev\nnodes:\n- role: control-plane\n  image: kindest/node:v1.34.1\nnetworking:\n  podSubnet: 10.200.0.0/16\n  serviceSubnet: 10.100.0.0/16\n  apiServerAddress: 127.0.0.1\n  apiServerPort: 6550\n  disableDefaultCNI: true\n",
    )
    .unwrap();
    assert_eq!(config.name.as_deref(), Some("dev"));
    assert_eq!(config.image.as_deref(), Some("kindest/node:v1.34.1"));
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
        (format!("{head}bogus: 1\n"), "unable to decode config: unknown field \"bogus\""),
        (
            format!("{head}nodes:\n- role: control-plane\n  constraints: x\n"),
            "unable to decode config: unknown field \"nodes[0].constraints\"",
        ),
        (
            format!("{head}nodes:\n- role: worker\n"),
            "nodes[0]: worker nodes are not supported by kina yet: kina creates single-node clusters",
        ),
        (
            format!("{head}nodes:\n- role: boss\n"),
            "invalid configuration for node 0: \"boss\" is not a valid node role",
        ),
        (format!("{head}nodes: []\n"), "must have at least one control-plane node"),
        (format!("{head}featureGates:\n  A: true\n"), "featureGates: this kind setting is not supported by kina yet"),
        (
            format!("{head}networking:\n  podSubnet: nope\n"),
            "invalid pod subnet failed to parse cidr value:\"nope\" with error: invalid CIDR address: nope",
        ),
        (
            format!("{head}networking:\n  serviceSubnet: fd00::/112\n"),
            "invalid service subnet expected IPv4 CIDR for IPv4 family",
        ),
        (format!("{head}networking:\n  apiServerPort: 70000\n"), "invalid apiServerPort: invalid port number: 70000"),
        (
            format!("{head}networking:\n  kubeProxyMode: ipvs\n"),
            "networking.kubeProxyMode: this kind setting is not supported by kina yet",
        ),
    ];
    for (text, want) in cases {
        assert_eq!(parse(&text).unwrap_err().to_string(), want, "{text}");
    }
}

#[test]
fn missing_file_names_the_path() {
    let err = load(Path::new("/nonexistent/kind.yaml")).unwrap_err().to_string();
    assert!(err.starts_with("error reading file: open /nonexistent/kind.yaml: "), "{err}");
}

//! The compatibility corpus (tests/fixtures/config): configs in the shapes
//! kind's docs and tests use, each checked for its parsed model or its exact
//! error. Relative paths in them resolve against the crate root.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::*;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixture_text(name: &str) -> String {
    std::fs::read_to_string(root().join("tests/fixtures/config").join(name)).unwrap()
}

fn fixture(name: &str) -> Result<Parsed, ConfigError> {
    parse_cluster_relative_to(&fixture_text(name), &root())
}

fn ok(name: &str) -> Parsed {
    fixture(name).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn cluster(name: &str) -> Cluster {
    let parsed = ok(name);
    assert_eq!(parsed.warnings, Vec::<String>::new(), "{name}");
    parsed.cluster
}

fn roles(c: &Cluster) -> Vec<Role> {
    c.nodes.iter().map(|n| n.role).collect()
}

fn map<V: Clone>(pairs: &[(&str, V)]) -> BTreeMap<String, V> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
}

const VALID: &[&str] = &[
    "valid-minimal.yaml",
    "valid-empty.yaml",
    "valid-empty-node-list.yaml",
    "valid-minimal-two-nodes.yaml",
    "valid-one-control-plane-three-workers.yaml",
    "valid-many-fields.yaml",
    "valid-kube-proxy-none.yaml",
    "valid-kind-patches.yaml",
    "valid-versioned-kubeadm-patches.yaml",
    "valid-e2e-k8s.yaml",
    "valid-kind-workers-patches.yaml",
    "valid-port-and-mount.yaml",
    "valid-kina-vm-settings.yaml",
    "valid-kina-disable-default-storage.yaml",
];

const NODE_PREFIX: &str = "invalid configuration for node";
const DUP: &str = "port mapping with same listen address, port and protocol already configured";
const MINUS_ONE: &str = "-1 (let the runtime pick) is not possible on Apple container, which needs an explicit host port; use 0 and kina picks a free one";

/// Every invalid or refused file and its exact message.
fn errors() -> Vec<(&'static str, String)> {
    let decode =
        |line: u32, what: &str| format!("unable to decode config: yaml: unmarshal errors:\n  line {line}: {what}");
    let missing_host_path = root().join("no/such/dir");
    vec![
        // Reading kind/apiVersion.
        ("invalid-apiversion.yaml", "unknown apiVersion: not-valid".into()),
        ("invalid-kind.yaml", "unknown kind not-valid for apiVersion: kind.x-k8s.io/v1alpha4".into()),
        ("invalid-kind-kina.yaml", "unknown kind Config for apiVersion: kina.dev/v1alpha1".into()),
        (
            "invalid-yaml.yaml",
            "could not determine kind / apiVersion for config: yaml: line 6: mapping values are not allowed in this context"
                .into(),
        ),
        // Strict decoding.
        ("invalid-bogus-field.yaml", decode(3, "field bogus not found in type v1alpha4.Cluster")),
        ("invalid-bad-indent.yaml", decode(5, "field extraPortMappings not found in type v1alpha4.Cluster")),
        ("invalid-node-field.yaml", decode(6, "field constraints not found in type v1alpha4.Node")),
        ("invalid-networking-field.yaml", decode(5, "field podCIDR not found in type v1alpha4.Networking")),
        ("invalid-port-mapping-field.yaml", decode(7, "field hostIP not found in type v1alpha4.PortMapping")),
        ("invalid-mount-field.yaml", decode(8, "field mode not found in type v1alpha4.Mount")),
        ("invalid-patch-field.yaml", decode(5, "field name not found in type v1alpha4.PatchJSON6902")),
        ("invalid-kina-field-under-kind.yaml", decode(5, "field cpus not found in type v1alpha4.Node")),
        ("invalid-kina-field-typo.yaml", decode(5, "field cpu not found in type v1alpha1.Node")),
        (
            "invalid-kina-cluster-field-under-kind.yaml",
            decode(5, "field disableDefaultStorage not found in type v1alpha4.Cluster"),
        ),
        (
            "invalid-kina-cluster-field-typo.yaml",
            decode(3, "field disableDefaultStorageClass not found in type v1alpha1.Cluster"),
        ),
        ("invalid-protocol.yaml", decode(7, "Unknown PortMappingProtocol: \"QUIC\"")),
        ("invalid-propagation-value.yaml", decode(8, "Unknown MountPropagation: \"bidirectional\"")),
        ("invalid-field-type.yaml", decode(4, "cannot unmarshal `high` into int32")),
        // kind's validation.
        (
            "invalid-name.yaml",
            "'My_Cluster' is not a valid cluster name, cluster names must match `^[a-z0-9.-]+$`".into(),
        ),
        ("invalid-api-server-port.yaml", "invalid apiServerPort: invalid port number: 70000".into()),
        ("invalid-ip-family.yaml", "invalid ipFamily: ipv5".into()),
        (
            "invalid-pod-subnet.yaml",
            "invalid pod subnet failed to parse cidr value:\"10.244.0.0\" with error: invalid CIDR address: 10.244.0.0"
                .into(),
        ),
        ("invalid-service-subnet-family.yaml", "invalid service subnet expected IPv4 CIDR for IPv4 family".into()),
        (
            "invalid-pod-subnet-two-cidrs.yaml",
            "invalid pod subnet only one CIDR allowed for single-stack networking".into(),
        ),
        ("invalid-kube-proxy-mode.yaml", "invalid kubeProxyMode: userspace".into()),
        ("invalid-node-role.yaml", format!("{NODE_PREFIX} 1: \"master\" is not a valid node role")),
        (
            "invalid-ports.yaml",
            format!(
                "{NODE_PREFIX} 0: [invalid hostPort: invalid port number: 65536, invalid containerPort: invalid port number: -2]"
            ),
        ),
        (
            "invalid-duplicate-port.yaml",
            format!("{NODE_PREFIX} 0: invalid portMapping: {DUP}: 127.0.0.1:8080/TCP"),
        ),
        ("invalid-wildcard-port.yaml", format!("{NODE_PREFIX} 0: invalid portMapping: {DUP}: 0.0.0.0:8080/TCP")),
        (
            "invalid-listen-address.yaml",
            format!("{NODE_PREFIX} 0: invalid portMapping: invalid listen address: localhost"),
        ),
        ("invalid-no-control-plane.yaml", "must have at least one control-plane node".into()),
        (
            "invalid-several-errors.yaml",
            format!(
                "['UPPER' is not a valid cluster name, cluster names must match `^[a-z0-9.-]+$`, \
                 invalid apiServerPort: invalid port number: -7, invalid kubeProxyMode: bpf, \
                 {NODE_PREFIX} 0: [invalid hostPort: invalid port number: -3, invalid containerPort: invalid port number: 70000], \
                 must have at least one control-plane node]"
            ),
        ),
        // kina's checks.
        (
            "invalid-port-across-nodes.yaml",
            format!(
                "[{NODE_PREFIX} 1: invalid portMapping: {DUP} on node 0: 127.0.0.1:80/TCP, \
                 {NODE_PREFIX} 1: invalid portMapping: {DUP} for the API server: 0.0.0.0:6443/TCP]"
            ),
        ),
        (
            "invalid-container-port-zero.yaml",
            "nodes[0].extraPortMappings[0].containerPort: must be a port from 1 to 65535, not 0: it is the node port published on the Mac".into(),
        ),
        (
            "invalid-api-server-address.yaml",
            "networking.apiServerAddress: \"localhost\" is not an IP address (kina publishes the API server with `container run -p <address>:<port>:6443`)".into(),
        ),
        (
            "invalid-missing-host-path.yaml",
            format!(
                "nodes[0].extraMounts[0].hostPath: {} does not exist, and Apple container mounts only existing host paths",
                missing_host_path.display()
            ),
        ),
        (
            "invalid-mount-paths.yaml",
            "[nodes[0].extraMounts[0].hostPath: must be set, nodes[0].extraMounts[0].containerPath: must be an absolute path in the node, not \"data\"]".into(),
        ),
        ("invalid-cpus.yaml", "nodes[0].cpus: must be a whole number from 1 to 64, not 0".into()),
        (
            "invalid-memory.yaml",
            "nodes[0].memory: invalid memory size \"4GiB\": expected a number with an optional K, M, G, T or P suffix, e.g. 4G or 4096M".into(),
        ),
        ("invalid-memory-too-small.yaml", "nodes[0].memory: 128M is below Apple container's minimum of 200 MiB".into()),
        ("invalid-missing-kernel.yaml", "nodes[0].kernel: /no/such/vmlinux does not exist".into()),
        (
            "invalid-merge-patch.yaml",
            "kubeadmConfigPatches[0]: failed to parse patches: each document must be a YAML mapping".into(),
        ),
        (
            "invalid-json6902-patch.yaml",
            "nodes[0].kubeadmConfigPatchesJSON6902[0].patch: failed to parse JSON 6902 patch: expected a list of operations, each with `op` and `path`".into(),
        ),
        // Valid for kind, impossible on Apple container.
        (
            "refused-ipv6.yaml",
            "networking.ipFamily: ipv6 is not possible on Apple container: kina's nodes get IPv4 addresses on the vmnet network, so clusters are IPv4 only".into(),
        ),
        (
            "refused-dual-stack.yaml",
            "networking.ipFamily: dual is not possible on Apple container: kina's nodes get IPv4 addresses on the vmnet network, so clusters are IPv4 only".into(),
        ),
        (
            "refused-sctp.yaml",
            "nodes[0].extraPortMappings[0].protocol: SCTP is not possible on Apple container, which publishes TCP and UDP ports only".into(),
        ),
        ("refused-host-port-minus-one.yaml", format!("nodes[0].extraPortMappings[0].hostPort: {MINUS_ONE}")),
        ("refused-api-server-port-minus-one.yaml", format!("networking.apiServerPort: {MINUS_ONE}")),
        (
            "refused-propagation-bidirectional.yaml",
            "nodes[0].extraMounts[0].propagation: Bidirectional is not possible on Apple container: host paths cross the VM boundary over virtiofs, which has no mount propagation; use None".into(),
        ),
        (
            "refused-propagation-host-to-container.yaml",
            "nodes[0].extraMounts[0].propagation: HostToContainer is not possible on Apple container: host paths cross the VM boundary over virtiofs, which has no mount propagation; use None".into(),
        ),
        (
            "refused-full-ha.yaml",
            "nodes: 3 control-plane nodes: kina does not yet run several control-plane nodes; kind puts a load balancer in front of them. Use one control-plane node (workers are fine)".into(),
        ),
    ]
}

#[test]
fn every_fixture_is_in_the_corpus() {
    let mut listed: Vec<String> = VALID.iter().map(|s| s.to_string()).collect();
    listed.extend(errors().into_iter().map(|(name, _)| name.to_string()));
    let mut on_disk: Vec<String> = std::fs::read_dir(root().join("tests/fixtures/config"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".yaml"))
        .collect();
    on_disk.sort();
    listed.sort();
    assert_eq!(listed, on_disk);
}

#[test]
fn every_error_fixture_gives_its_exact_message() {
    for (name, want) in errors() {
        match fixture(name) {
            Ok(parsed) => panic!("{name}: parsed, want error {want:?}: {parsed:?}"),
            Err(e) => assert_eq!(e.to_string(), want, "{name}"),
        }
    }
}

#[test]
fn refusals_and_unknown_fields_carry_hints() {
    let hint = |name: &str| fixture(name).unwrap_err().hint();
    for name in ["refused-ipv6.yaml", "refused-sctp.yaml", "refused-full-ha.yaml"] {
        assert!(hint(name).unwrap().contains("docs/configuration.md"), "{name}");
    }
    // A plain kind validation error has no hint, as in kind.
    assert_eq!(hint("invalid-name.yaml"), None);
    assert_eq!(
        hint("invalid-kina-field-under-kind.yaml").unwrap(),
        "`cpus` is a kina setting: use `apiVersion: kina.dev/v1alpha1` (kind's schema plus per-node cpus, memory and kernel, disableDefaultStorage and registry)"
    );
    assert_eq!(
        hint("invalid-kina-cluster-field-under-kind.yaml").unwrap(),
        "`disableDefaultStorage` is a kina setting: use `apiVersion: kina.dev/v1alpha1` (kind's schema plus per-node cpus, memory and kernel, disableDefaultStorage and registry)"
    );
    // Under kina's apiVersion a misspelt field gets the list of allowed fields.
    let typo = hint("invalid-kina-cluster-field-typo.yaml").unwrap();
    assert!(typo.starts_with("check the spelling and indentation"), "{typo}");
    assert!(typo.ends_with("containerdConfigPatchesJSON6902, disableDefaultStorage, registry"), "{typo}");
    assert_eq!(
        hint("invalid-port-mapping-field.yaml").unwrap(),
        "check the spelling and indentation; the fields allowed there are: containerPort, hostPort, listenAddress, protocol"
    );
    assert!(hint("invalid-apiversion.yaml").unwrap().contains("kina.dev/v1alpha1"));
}

#[test]
fn minimal_configs_get_kinds_defaults() {
    for name in ["valid-minimal.yaml", "valid-empty.yaml", "valid-empty-node-list.yaml"] {
        assert_eq!(cluster(name), Cluster::default(), "{name}");
    }
    assert_eq!(parse_cluster("").unwrap(), Parsed { cluster: Cluster::default(), warnings: vec![] });
    let c = Cluster::default();
    assert_eq!(c.name, None);
    assert_eq!(roles(&c), [Role::ControlPlane]);
    let node = &c.nodes[0];
    assert_eq!((node.image.as_ref(), node.cpus, node.memory.as_ref(), node.kernel.as_ref()), (None, None, None, None));
    let net = &c.networking;
    assert_eq!(net.api_server_address, "127.0.0.1");
    assert_eq!(net.api_server_port, 0);
    assert_eq!(net.pod_subnet, "10.244.0.0/16");
    assert_eq!(net.service_subnet, "10.96.0.0/16");
    assert!(!net.disable_default_cni);
    assert_eq!(net.kube_proxy_mode, KubeProxyMode::Iptables);
    assert_eq!(net.dns_search, None);
}

#[test]
fn node_shapes() {
    assert_eq!(roles(&cluster("valid-minimal-two-nodes.yaml")), [Role::ControlPlane, Role::Worker]);
    let c = cluster("valid-one-control-plane-three-workers.yaml");
    assert_eq!(c.name.as_deref(), Some("workers"));
    assert_eq!(roles(&c), [Role::ControlPlane, Role::Worker, Role::Worker, Role::Worker]);
    // A node without a role is a control-plane node.
    let c = parse_cluster("kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- image: x\n").unwrap().cluster;
    assert_eq!(roles(&c), [Role::ControlPlane]);
    assert_eq!(c.nodes[0].image.as_deref(), Some("x"));
}

#[test]
fn many_fields() {
    let parsed = ok("valid-many-fields.yaml");
    assert_eq!(parsed.warnings, ["nodes[0].extraMounts[1].selinuxRelabel is ignored: macOS has no SELinux"]);
    let c = parsed.cluster;
    assert_eq!(c.name.as_deref(), Some("many.fields-1"));
    assert_eq!(c.feature_gates, map(&[("CSIMigration", false), ("InPlacePodVerticalScaling", true)]));
    assert_eq!(
        c.runtime_config,
        map(&[("api/alpha", "false".to_string()), ("storage.k8s.io/v1alpha1", "true".into())])
    );
    assert_eq!(
        c.networking,
        types::Networking {
            api_server_address: "127.0.0.2".into(),
            api_server_port: 6443,
            pod_subnet: "10.240.0.0/14".into(),
            service_subnet: "10.100.0.0/20".into(),
            disable_default_cni: true,
            kube_proxy_mode: KubeProxyMode::Ipvs,
            dns_search: Some(vec!["corp.example.com".into(), "example.com".into()]),
        }
    );
    assert_eq!(roles(&c), [Role::ControlPlane, Role::Worker]);
    let cp = &c.nodes[0];
    assert_eq!(cp.image.as_deref(), Some("kindest/node:v1.34.0"));
    assert_eq!(cp.labels, map(&[("ingress-ready", "true".to_string()), ("tier", "control".into())]));
    assert_eq!(
        cp.extra_port_mappings,
        [
            PortMapping {
                container_port: 80,
                host_port: 8080,
                listen_address: "0.0.0.0".into(),
                protocol: Protocol::Tcp
            },
            PortMapping {
                container_port: 443,
                host_port: 8443,
                listen_address: "127.0.0.1".into(),
                protocol: Protocol::Tcp
            },
            PortMapping { container_port: 53, host_port: 5353, listen_address: "::1".into(), protocol: Protocol::Udp },
        ]
    );
    assert_eq!(
        cp.extra_mounts,
        [
            Mount { host_path: "/tmp".into(), container_path: "/host-tmp".into(), read_only: true },
            Mount {
                host_path: root().join("tests/fixtures/config"),
                container_path: "/fixtures".into(),
                read_only: false
            },
        ]
    );
    let worker = &c.nodes[1];
    assert_eq!(worker.image.as_deref(), Some("kindest/node:v1.33.4"));
    assert_eq!(worker.labels, map(&[("tier", "apps".to_string())]));
    assert!(worker.extra_port_mappings.is_empty() && worker.extra_mounts.is_empty());
}

#[test]
fn kube_proxy_modes_and_empty_strings_default() {
    let c = cluster("valid-kube-proxy-none.yaml");
    assert_eq!(c.networking.kube_proxy_mode, KubeProxyMode::None);
    assert_eq!(c.networking.pod_subnet, "10.244.0.0/16", "an empty podSubnet is kind's default");
    let c = cluster("valid-e2e-k8s.yaml");
    assert_eq!(c.networking.kube_proxy_mode, KubeProxyMode::Nftables);
    assert_eq!(c.networking.dns_search, Some(vec![]), "dnsSearch: [] clears the search domains");
    assert_eq!(c.feature_gates, map(&[("AllAlpha", false), ("AllBeta", false)]));
    assert_eq!(c.runtime_config, map(&[("api/all", "true".to_string())]));
    assert_eq!(roles(&c), [Role::ControlPlane, Role::Worker, Role::Worker]);
    assert_eq!(c.kubeadm_config_patches.len(), 2);
    assert!(c.kubeadm_config_patches[0].starts_with("apiVersion: kubeadm.k8s.io/v1beta4\n"));
    assert!(c.kubeadm_config_patches[1].starts_with("apiVersion: kubeadm.k8s.io/v1beta3\n"));
}

#[test]
fn cluster_level_patches_are_kept_verbatim() {
    let c = cluster("valid-kind-patches.yaml");
    assert_eq!(c.kubeadm_config_patches.len(), 2);
    assert_eq!(
        c.kubeadm_config_patches[0],
        "kind: ClusterConfiguration\napiServer:\n  extraArgs:\n    enable-admission-plugins: NodeRestriction,PodSecurity\n"
    );
    assert!(c.kubeadm_config_patches[1].contains("---\nkind: KubeletConfiguration\nmaxPods: 150\n"));
    assert_eq!(
        c.kubeadm_config_patches_json6902,
        [
            PatchJson6902 {
                group: "kubeadm.k8s.io".into(),
                version: "v1beta3".into(),
                kind: "ClusterConfiguration".into(),
                patch: "- op: add\n  path: /apiServer/certSANs/-\n  value: my-hostname\n".into(),
            },
            PatchJson6902 {
                group: "kubeadm.k8s.io".into(),
                version: "v1beta4".into(),
                kind: "ClusterConfiguration".into(),
                patch: r#"[{"op": "add", "path": "/apiServer/certSANs/-", "value": "my-hostname"}]"#.into(),
            },
        ]
    );
    assert_eq!(
        c.containerd_config_patches,
        [
            "[plugins.\"io.containerd.grpc.v1.cri\".registry.mirrors.\"localhost:5001\"]\n  endpoint = [\"http://kind-registry:5000\"]"
        ]
    );
    assert_eq!(
        c.containerd_config_patches_json6902,
        ["- op: add\n  path: /plugins/io.containerd.grpc.v1.cri/containerd/snapshotter\n  value: overlayfs\n"]
    );
    let c = cluster("valid-versioned-kubeadm-patches.yaml");
    let versions: Vec<&str> = c.kubeadm_config_patches.iter().map(|p| p.lines().next().unwrap()).collect();
    assert_eq!(
        versions,
        [
            "apiVersion: kubeadm.k8s.io/v1beta3",
            "apiVersion: kubeadm.k8s.io/v1beta4",
            "apiVersion: kubeadm.k8s.io/v1beta3",
            "apiVersion: kubeadm.k8s.io/v1beta4"
        ]
    );
}

#[test]
fn node_level_patches() {
    let c = cluster("valid-kind-workers-patches.yaml");
    assert!(c.kubeadm_config_patches.is_empty() && c.kubeadm_config_patches_json6902.is_empty());
    assert_eq!(c.nodes[0].kubeadm_config_patches.len(), 1);
    assert!(c.nodes[0].kubeadm_config_patches[0].starts_with("kind: InitConfiguration\n"));
    let worker = &c.nodes[1];
    assert_eq!(worker.kubeadm_config_patches.len(), 2);
    assert!(worker.kubeadm_config_patches[0].contains("node-labels: \"pool=blue\""));
    assert_eq!(worker.kubeadm_config_patches[1], "kind: KubeletConfiguration\ncgroupDriver: systemd\n");
    assert_eq!(
        worker.kubeadm_config_patches_json6902,
        [PatchJson6902 {
            group: "kubeadm.k8s.io".into(),
            version: "v1beta4".into(),
            kind: "JoinConfiguration".into(),
            patch: "- op: add\n  path: /nodeRegistration/taints\n  value: []\n".into(),
        }]
    );
}

#[test]
fn ports_and_mounts() {
    let c = cluster("valid-port-and-mount.yaml");
    let cp = &c.nodes[0];
    assert_eq!(
        cp.extra_port_mappings,
        [
            PortMapping {
                container_port: 30080,
                host_port: 80,
                listen_address: "0.0.0.0".into(),
                protocol: Protocol::Tcp
            },
            // hostPort 0 twice is fine: kina picks a free port for each.
            PortMapping {
                container_port: 30053,
                host_port: 0,
                listen_address: "0.0.0.0".into(),
                protocol: Protocol::Tcp
            },
            PortMapping {
                container_port: 30054,
                host_port: 0,
                listen_address: "0.0.0.0".into(),
                protocol: Protocol::Tcp
            },
        ]
    );
    // Relative and `..` paths are made absolute and cleaned, like kind's filepath.Abs.
    assert_eq!(
        cp.extra_mounts,
        [Mount { host_path: root().join("tests/fixtures/config"), container_path: "/files".into(), read_only: false }]
    );
    assert_eq!(c.nodes[1].extra_port_mappings[0].listen_address, "::");
    assert_eq!(c.nodes[1].extra_port_mappings[0].host_port, 81);
}

#[test]
fn kina_vm_settings() {
    let c = cluster("valid-kina-vm-settings.yaml");
    assert_eq!(c.name.as_deref(), Some("sized"));
    let settings: Vec<_> = c.nodes.iter().map(|n| (n.role, n.cpus, n.memory.as_deref(), n.kernel.clone())).collect();
    assert_eq!(
        settings,
        [
            (Role::ControlPlane, Some(6), Some("8G"), Some(root().join("tests/fixtures/config/kernel/vmlinux-test"))),
            (Role::Worker, Some(1), Some("1536M"), None),
            (Role::Worker, None, Some("524288K"), None),
            (Role::Worker, None, None, None),
        ]
    );
}

#[test]
fn disable_default_storage_is_kinas_and_off_by_default() {
    let c = cluster("valid-kina-disable-default-storage.yaml");
    assert!(c.disable_default_storage);
    assert_eq!(roles(&c), [Role::ControlPlane, Role::Worker]);
    assert_eq!(c, Cluster { disable_default_storage: true, nodes: c.nodes.clone(), ..Cluster::default() });
    assert!(!Cluster::default().disable_default_storage);
    for name in VALID.iter().filter(|n| **n != "valid-kina-disable-default-storage.yaml") {
        assert!(!ok(name).cluster.disable_default_storage, "{name}");
    }
    let kina = "kind: Cluster\napiVersion: kina.dev/v1alpha1\n";
    assert!(!parse_cluster(&format!("{kina}disableDefaultStorage: false\n")).unwrap().cluster.disable_default_storage);
    assert!(parse_cluster(&format!("{kina}disableDefaultStorage: true\n")).unwrap().cluster.disable_default_storage);
    assert_eq!(
        parse_cluster(&format!("{kina}disableDefaultStorage: yes please\n")).unwrap_err().to_string(),
        "unable to decode config: yaml: unmarshal errors:\n  line 3: cannot unmarshal `yes please` into bool"
    );
}

#[test]
fn kina_fields_in_the_wrong_place_are_not_called_kina_settings() {
    let kind = "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\n";
    // A node-level kina field at the top, and the cluster-level one on a node.
    for text in
        [format!("{kind}cpus: 2\n"), format!("{kind}nodes:\n- role: control-plane\n  disableDefaultStorage: true\n")]
    {
        let hint = parse_cluster(&text).unwrap_err().hint().unwrap();
        assert!(hint.starts_with("check the spelling and indentation"), "{text}: {hint}");
    }
}

#[test]
fn kina_api_version_accepts_every_kind_field() {
    for name in VALID {
        let text = fixture_text(name).replace("kind.x-k8s.io/v1alpha4", "kina.dev/v1alpha1");
        let kind = fixture(name).unwrap();
        let kina = parse_cluster_relative_to(&text, &root()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(kina, kind, "{name}");
    }
}

#[test]
fn decode_type_errors_name_line_and_value() {
    let head = "kind: Cluster\napiVersion: kina.dev/v1alpha1\n";
    let cases = [
        (format!("{head}nodes:\n- cpus: abc\n"), "line 4: cannot unmarshal `abc` into int"),
        (format!("{head}networking:\n  disableDefaultCNI: maybe # no\n"), "line 4: cannot unmarshal `maybe` into bool"),
        (format!("{head}nodes:\n- {{role: worker, cpus: x}}\n"), "line 4: cannot unmarshal `x` into int"),
    ];
    for (text, want) in cases {
        let err = parse_cluster(&text).unwrap_err().to_string();
        assert_eq!(err, format!("unable to decode config: yaml: unmarshal errors:\n  {want}"), "{text}");
    }
}

#[test]
fn port_mapping_rules_follow_kind() {
    let head = "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- extraPortMappings:\n";
    let m = |addr: &str, port: i32, proto: &str| {
        format!("  - {{containerPort: 80, hostPort: {port}, listenAddress: {addr:?}, protocol: {proto}}}\n")
    };
    let allowed = [
        // Same port, other protocol; same port, other address; IPv6 loopback and IPv4 loopback.
        vec![m("127.0.0.1", 80, "UDP"), m("127.0.0.1", 80, "TCP"), m("0.0.0.0", 3000, "UDP")],
        vec![m("::1", 80, "TCP"), m("127.0.0.1", 80, "TCP"), m("192.168.1.2", 80, "TCP")],
        vec![m("0.0.0.0", 0, "TCP"), m("0.0.0.0", 0, "TCP")],
    ];
    for mappings in allowed {
        let text = format!("{head}{}", mappings.concat());
        parse_cluster(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
    }
    let refused = [
        (vec![m("127.0.0.1", 80, "TCP"), m("0.0.0.0", 80, "TCP")], "0.0.0.0:80/TCP"),
        (vec![m("::", 80, "UDP"), m("10.0.0.1", 80, "udp")], "10.0.0.1:80/UDP"),
        (vec![m("::1", 80, "TCP"), m("::1", 80, "TCP")], "::1:80/TCP"),
    ];
    for (mappings, at) in refused {
        let text = format!("{head}{}", mappings.concat());
        assert_eq!(
            parse_cluster(&text).unwrap_err().to_string(),
            format!("{NODE_PREFIX} 0: invalid portMapping: {DUP}: {at}"),
            "{text}"
        );
    }
}

#[test]
fn subnet_rules_follow_kind() {
    let net = |family: &str, pod: &str| {
        format!(
            "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnetworking:\n  ipFamily: {family}\n  podSubnet: {pod:?}\n"
        )
    };
    let refused_family = |family: &str| {
        format!(
            "networking.ipFamily: {family} is not possible on Apple container: kina's nodes get IPv4 addresses on the vmnet network, so clusters are IPv4 only"
        )
    };
    let cases = [
        (net("ipv4", "10.0.0.0/8"), None),
        (net("ipv4", "10.0.0.0/33"), Some("invalid pod subnet failed to parse cidr value:\"10.0.0.0/33\" with error: invalid CIDR address: 10.0.0.0/33".to_string())),
        (net("ipv4", "10.0.0.0/+8"), Some("invalid pod subnet failed to parse cidr value:\"10.0.0.0/+8\" with error: invalid CIDR address: 10.0.0.0/+8".to_string())),
        (net("ipv6", "10.0.0.0/8"), Some(format!("[invalid pod subnet expected IPv6 CIDR for IPv6 family, {}]", refused_family("ipv6")))),
        (net("dual", "10.0.0.0/8,10.1.0.0/16"), Some(format!("[invalid pod subnet expected one (IPv4 or IPv6) CIDR or two CIDRs from each family for dual-stack networking, {}]", refused_family("dual")))),
        (net("dual", "10.0.0.0/8,fd00::/64,fd01::/64"), Some(format!("[invalid pod subnet expected one (IPv4 or IPv6) CIDR or two CIDRs from each family for dual-stack networking, {}]", refused_family("dual")))),
        (net("ipv6", "fd00::/64"), Some(refused_family("ipv6"))),
    ];
    for (text, want) in cases {
        match (parse_cluster(&text), want) {
            (Ok(_), None) => {}
            (Err(e), Some(want)) => assert_eq!(e.to_string(), want, "{text}"),
            (got, want) => panic!("{text}: got {got:?}, want {want:?}"),
        }
    }
}

#[test]
fn memory_sizes() {
    assert_eq!(parse_memory("4G").unwrap(), "4G");
    assert_eq!(parse_memory("4g").unwrap(), "4G");
    assert_eq!(parse_memory("2048").unwrap(), "2048M");
    assert_eq!(parse_memory("200m").unwrap(), "200M");
    assert_eq!(parse_memory("204800K").unwrap(), "204800K");
    assert_eq!(parse_memory("1t").unwrap(), "1T");
    assert_eq!(parse_memory("1024G").unwrap(), "1024G");
    assert_eq!(parse_memory("1P").unwrap_err(), "1P is more than kina's limit of 1024G for one node VM");
    assert_eq!(parse_memory("1025G").unwrap_err(), "1025G is more than kina's limit of 1024G for one node VM");
    assert_eq!(parse_memory("199M").unwrap_err(), "199M is below Apple container's minimum of 200 MiB");
    for bad in ["", "G", "4 G", "4GB", "-4G", "4.5G", "99999999999999999999"] {
        assert!(parse_memory(bad).unwrap_err().starts_with("invalid memory size"), "{bad}");
    }
}

#[test]
fn cluster_names() {
    for good in ["kina", "a", "dev.local", "team-1"] {
        assert_eq!(validate_name(good), Ok(()));
    }
    for bad in ["", "Dev", "a_b", "a b", "ä"] {
        assert_eq!(
            validate_name(bad).unwrap_err(),
            format!("'{bad}' is not a valid cluster name, cluster names must match `^[a-z0-9.-]+$`")
        );
    }
}

#[test]
fn load_cluster_reads_files() {
    let path = root().join("tests/fixtures/config/valid-minimal-two-nodes.yaml");
    assert_eq!(roles(&load_cluster(&path).unwrap().cluster), [Role::ControlPlane, Role::Worker]);
    let err = load_cluster(Path::new("/nonexistent/kind.yaml")).unwrap_err().to_string();
    assert!(err.starts_with("error reading file: open /nonexistent/kind.yaml: "), "{err}");
}

#[test]
fn yaml_structure_errors() {
    let head = "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\n";
    let syntax = "could not determine kind / apiVersion for config: yaml: ";
    let decode = "unable to decode config: yaml: unmarshal errors:\n  ";
    let cases = [
        ("kind: Cluster\nkind: Cluster\n".to_string(), format!("{syntax}line 2: mapping key \"kind\" already defined")),
        (
            format!("{head}nodes:\n- role: worker\n  role: worker\n"),
            format!("{syntax}line 5: mapping key \"role\" already defined"),
        ),
        (
            format!("---\n{head}---\n{head}"),
            format!("{syntax}line 5: several YAML documents found; a config file holds one Cluster"),
        ),
        ("- a\n".to_string(), format!("{syntax}line 1: expected a mapping")),
        (format!("{head}nodes: {{}}\n"), format!("{decode}line 3: expected a list")),
        (format!("{head}featureGates:\n  A: 1\n"), format!("{decode}line 4: cannot unmarshal `1` into bool")),
    ];
    for (text, want) in cases {
        assert_eq!(parse_cluster(&text).unwrap_err().to_string(), want, "{text}");
    }
    // A leading `---` is one document.
    assert_eq!(parse_cluster(&format!("---\n{head}")).unwrap().cluster, Cluster::default());
}

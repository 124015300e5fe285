//! From a cluster config to the node VMs to start: names (kind's namer),
//! images, sizes, published ports, mounts and environment per node.

use std::net::{TcpListener, UdpSocket};

use anyhow::Context as _;

use super::{CONTROL_PLANE_CPUS, CONTROL_PLANE_MEMORY, WORKER_CPUS, WORKER_MEMORY, names};
use crate::config::types::{Cluster, Node as NodeConfig, Role};
use crate::kubeadm::KubeVersion;
use crate::provider::{API_SERVER_PORT, MountSpec, NodeSpec, PortSpec};

/// One node VM this create will start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PlannedNode {
    pub name: String,
    pub role: Role,
    /// Position in the config's `nodes` (patch errors name it).
    pub config_index: usize,
    pub config: NodeConfig,
    pub spec: NodeSpec,
}

/// Command-line settings that override the config on every node, like kind's `--image`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Overrides {
    pub image: Option<String>,
    pub cpus: Option<u32>,
    pub memory: Option<String>,
}

/// Control planes first, then workers; the first control plane bootstraps
/// the cluster and publishes the API server. A port picked for `0` is free on
/// the Mac and not one of `taken` (what other kina nodes publish: a stopped
/// cluster's ports are not bound, but its start needs them back).
pub(crate) fn plan(
    cluster_name: &str,
    cluster: &Cluster,
    default_image: &str,
    overrides: &Overrides,
    env: &[(String, String)],
    taken: &[u16],
) -> anyhow::Result<Vec<PlannedNode>> {
    let indexed = || cluster.nodes.iter().enumerate();
    let mut ordered: Vec<(usize, &NodeConfig)> = indexed().filter(|(_, n)| n.role == Role::ControlPlane).collect();
    ordered.extend(indexed().filter(|(_, n)| n.role == Role::Worker));

    // Sockets stay open until every port is chosen, so no two picks collide.
    let mut reserved_tcp: Vec<TcpListener> = Vec::new();
    let mut reserved_udp: Vec<UdpSocket> = Vec::new();
    let mut pick = |address: &str, port: u16, protocol: &str| -> anyhow::Result<u16> {
        if port != 0 {
            return Ok(port);
        }
        let bind_address = if address.contains(':') { format!("[{address}]:0") } else { format!("{address}:0") };
        let no_port = || format!("no free {protocol} port on {address} to publish");
        if protocol == "udp" {
            let socket = UdpSocket::bind(&bind_address).with_context(no_port)?;
            let chosen = socket.local_addr()?.port();
            reserved_udp.push(socket);
            Ok(chosen)
        } else {
            // A taken port stays reserved, so the next bind gets another one.
            for _ in 0..64 {
                let listener = TcpListener::bind(&bind_address).with_context(no_port)?;
                let chosen = listener.local_addr()?.port();
                reserved_tcp.push(listener);
                if !taken.contains(&chosen) {
                    return Ok(chosen);
                }
            }
            anyhow::bail!("{}: every port the Mac offered is published by another kina cluster", no_port())
        }
    };

    let mut counts = [0usize; 2];
    let mut planned = Vec::with_capacity(ordered.len());
    for (i, (config_index, config)) in ordered.into_iter().enumerate() {
        let slot = &mut counts[usize::from(config.role == Role::Worker)];
        *slot += 1;
        let name = names::node_name(cluster_name, config.role.as_str(), *slot);
        let image =
            overrides.image.clone().or_else(|| config.image.clone()).unwrap_or_else(|| default_image.to_string());

        let mut ports = Vec::new();
        if i == 0 {
            let address = &cluster.networking.api_server_address;
            ports.push(PortSpec {
                host_address: address.clone(),
                host_port: pick(address, cluster.networking.api_server_port, "tcp")?,
                container_port: API_SERVER_PORT,
                protocol: "tcp".into(),
            });
        }
        for mapping in &config.extra_port_mappings {
            ports.push(PortSpec {
                host_address: mapping.listen_address.clone(),
                host_port: pick(&mapping.listen_address, mapping.host_port, mapping.protocol.as_str())?,
                container_port: mapping.container_port,
                protocol: mapping.protocol.as_str().into(),
            });
        }

        let (default_cpus, default_memory) = match config.role {
            Role::ControlPlane => (CONTROL_PLANE_CPUS, CONTROL_PLANE_MEMORY),
            Role::Worker => (WORKER_CPUS, WORKER_MEMORY),
        };
        let mut node_env = env.to_vec();
        if config.role == Role::ControlPlane {
            node_env.insert(0, ("KUBECONFIG".into(), crate::node::paths::ADMIN_CONF.into()));
        }
        if let Some(search) = &cluster.networking.dns_search {
            // kindest/node's entrypoint rewrites resolv.conf's search line from it.
            node_env.push(("KIND_DNS_SEARCH".into(), search.join(" ")));
        }
        let spec = NodeSpec {
            name: name.clone(),
            cluster: cluster_name.to_string(),
            role: config.role,
            kubernetes_version: KubeVersion::from_image(&image).map(|v| v.to_string()),
            image,
            cpus: overrides.cpus.or(config.cpus).unwrap_or(default_cpus),
            memory: overrides.memory.clone().or_else(|| config.memory.clone()).unwrap_or_else(|| default_memory.into()),
            ports,
            mounts: config
                .extra_mounts
                .iter()
                .map(|m| MountSpec {
                    host_path: m.host_path.clone(),
                    container_path: m.container_path.clone(),
                    read_only: m.read_only,
                })
                .collect(),
            kernel: config.kernel.clone(),
            env: node_env,
            labels: Vec::new(),
            fixed: None,
        };
        planned.push(PlannedNode { name, role: config.role, config_index, config: config.clone(), spec });
    }
    drop(reserved_tcp);
    drop(reserved_udp);
    Ok(planned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::types::{Mount, PortMapping, Protocol};

    fn three_nodes() -> Cluster {
        let mut worker = NodeConfig::new(Role::Worker);
        worker.extra_port_mappings.push(PortMapping {
            container_port: 80,
            host_port: 8080,
            listen_address: "127.0.0.1".into(),
            protocol: Protocol::Tcp,
        });
        worker.extra_mounts.push(Mount { host_path: "/tmp".into(), container_path: "/data".into(), read_only: true });
        worker.cpus = Some(3);
        let mut cluster = Cluster {
            nodes: vec![worker.clone(), NodeConfig::new(Role::ControlPlane), NodeConfig::new(Role::Worker)],
            ..Default::default()
        };
        cluster.networking.dns_search = Some(vec!["corp.example".into()]);
        cluster
    }

    #[test]
    fn a_picked_port_is_never_one_another_kina_cluster_publishes() {
        let cluster = Cluster { nodes: vec![NodeConfig::new(Role::ControlPlane)], ..Default::default() };
        let every: Vec<u16> = (1..=u16::MAX).collect();
        let err = plan("dev", &cluster, "img", &Overrides::default(), &[], &every).unwrap_err();
        assert!(err.to_string().contains("every port the Mac offered is published by another kina cluster"), "{err}");
        let nodes = plan("dev", &cluster, "img", &Overrides::default(), &[], &[]).unwrap();
        assert_ne!(nodes[0].spec.ports[0].host_port, 0);
    }

    #[test]
    fn names_order_and_sizes_follow_roles() {
        let nodes = plan("dev", &three_nodes(), "kindest/node:v1.35.5", &Overrides::default(), &[], &[]).unwrap();
        let names: Vec<_> = nodes.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(names, ["dev-control-plane", "dev-worker", "dev-worker2"]);
        let indexes: Vec<_> = nodes.iter().map(|n| n.config_index).collect();
        assert_eq!(indexes, [1, 0, 2], "patches refer to the config's order");
        assert_eq!((nodes[0].spec.cpus, nodes[0].spec.memory.as_str()), (4, "4G"));
        assert_eq!((nodes[1].spec.cpus, nodes[1].spec.memory.as_str()), (3, "2G"));
        assert_eq!((nodes[2].spec.cpus, nodes[2].spec.memory.as_str()), (2, "2G"));
        assert_eq!(nodes[0].spec.kubernetes_version.as_deref(), Some("v1.35.5"));
    }

    #[test]
    fn only_the_first_control_plane_publishes_the_api_server() {
        let nodes = plan("dev", &three_nodes(), "img:v1.35.5", &Overrides::default(), &[], &[]).unwrap();
        let api = &nodes[0].spec.ports[0];
        assert_eq!((api.host_address.as_str(), api.container_port), ("127.0.0.1", 6443));
        assert_ne!(api.host_port, 0, "a free port was picked");
        assert_eq!(
            nodes[1].spec.ports,
            vec![PortSpec {
                host_address: "127.0.0.1".into(),
                host_port: 8080,
                container_port: 80,
                protocol: "tcp".into()
            }]
        );
        assert!(nodes[2].spec.ports.is_empty());
        assert_eq!(nodes[1].spec.mounts[0].container_path, "/data");
    }

    #[test]
    fn env_kubeconfig_on_control_planes_and_dns_search_everywhere() {
        let nodes =
            plan("dev", &three_nodes(), "img", &Overrides::default(), &[("HTTPS_PROXY".into(), "p".into())], &[])
                .unwrap();
        assert_eq!(nodes[0].spec.env[0], ("KUBECONFIG".into(), "/etc/kubernetes/admin.conf".into()));
        assert!(!nodes[1].spec.env.iter().any(|(k, _)| k == "KUBECONFIG"));
        for node in &nodes {
            assert!(node.spec.env.contains(&("KIND_DNS_SEARCH".into(), "corp.example".into())));
            assert!(node.spec.env.contains(&("HTTPS_PROXY".into(), "p".into())));
        }
    }

    #[test]
    fn command_line_overrides_every_node() {
        let overrides = Overrides { image: Some("mine:v1.34.1".into()), cpus: Some(6), memory: Some("8G".into()) };
        let nodes = plan("dev", &three_nodes(), "img", &overrides, &[], &[]).unwrap();
        for node in &nodes {
            assert_eq!(
                (node.spec.image.as_str(), node.spec.cpus, node.spec.memory.as_str()),
                ("mine:v1.34.1", 6, "8G")
            );
        }
    }
}

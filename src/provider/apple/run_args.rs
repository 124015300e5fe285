//! The `container run` argv for a node VM (flags as in
//! https://github.com/apple/container/blob/1.2.2/docs/command-reference.md).

use super::version::Features;
use crate::provider::network::{LABEL_ADDRESS, LABEL_NETWORK, LABEL_SUBNET};
use crate::provider::{LABEL_CLUSTER, LABEL_KUBERNETES_VERSION, LABEL_ROLE, NodeSpec};

/// Builds `run -d --name … IMAGE` for one node. No `--privileged`,
/// `--hostname` or `--sysctl`: Apple `container` has none of them.
pub(crate) fn run_args(spec: &NodeSpec, features: Features) -> Vec<String> {
    let mut args: Vec<String> = vec!["run".into(), "-d".into(), "--name".into(), spec.name.clone()];
    // Node images need every capability (systemd, kube-proxy, CNI).
    args.extend(["--cap-add".into(), "ALL".into()]);
    if features.clear_default_paths {
        // Since 1.2.0 /proc/sys is read-only by default; NONE clears that.
        args.extend(["--masked-path", "NONE", "--read-only-path", "NONE"].map(String::from));
    }
    args.extend(["--cpus".into(), spec.cpus.to_string(), "--memory".into(), spec.memory.clone()]);
    let mut label = |key: &str, value: &str| args.extend(["-l".into(), format!("{key}={value}")]);
    label(LABEL_CLUSTER, &spec.cluster);
    label(LABEL_ROLE, spec.role.as_str());
    if let Some(version) = &spec.kubernetes_version {
        label(LABEL_KUBERNETES_VERSION, version);
    }
    for (key, value) in &spec.labels {
        label(key, value);
    }
    // The labels record the network, its subnet and the node's fixed address:
    // `start` checks them against what the runtime reports after a restart.
    if let Some(fixed) = &spec.fixed {
        label(LABEL_NETWORK, &fixed.network);
        label(LABEL_SUBNET, &fixed.subnet.to_string());
        label(LABEL_ADDRESS, &fixed.address.to_string());
        args.extend(["--network".into(), fixed.network.clone()]);
    }
    for port in &spec.ports {
        // Always an explicit address: the CLI's default binds every interface.
        let host = if port.host_address.contains(':') {
            format!("[{}]", port.host_address)
        } else {
            port.host_address.clone()
        };
        args.extend(["-p".into(), format!("{host}:{}:{}/{}", port.host_port, port.container_port, port.protocol)]);
    }
    for mount in &spec.mounts {
        let mut volume = format!("{}:{}", mount.host_path.display(), mount.container_path);
        if mount.read_only {
            volume.push_str(":ro");
        }
        args.extend(["-v".into(), volume]);
    }
    if let Some(kernel) = &spec.kernel {
        args.extend(["--kernel".into(), kernel.display().to_string()]);
    }
    for (key, value) in &spec.env {
        args.extend(["-e".into(), format!("{key}={value}")]);
    }
    args.extend(["--progress".into(), "none".into(), spec.image.clone()]);
    args
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::{MountSpec, PortSpec};

    fn spec() -> NodeSpec {
        NodeSpec {
            name: "kina-control-plane".into(),
            cluster: "kina".into(),
            role: crate::provider::Role::ControlPlane,
            image: "kindest/node:v1.35.5@sha256:abc".into(),
            cpus: 4,
            memory: "4G".into(),
            ports: vec![PortSpec {
                host_address: "127.0.0.1".into(),
                host_port: 6445,
                container_port: 6443,
                protocol: "tcp".into(),
            }],
            mounts: vec![],
            kernel: None,
            kubernetes_version: Some("v1.35.5".into()),
            env: vec![("KUBECONFIG".into(), "/etc/kubernetes/admin.conf".into())],
            labels: vec![],
            fixed: None,
        }
    }

    #[test]
    fn a_node_on_its_cluster_network_records_it_in_labels() {
        let mut node = spec();
        node.fixed = Some(crate::provider::FixedAddress {
            network: "kina-kina".into(),
            subnet: "192.168.100.0/24".parse().unwrap(),
            address: "192.168.100.254".parse().unwrap(),
        });
        let args = run_args(&node, Features { clear_default_paths: true }).join(" ");
        assert!(
            args.contains(
                "-l io.kina.network=kina-kina -l io.kina.subnet=192.168.100.0/24 -l io.kina.address=192.168.100.254 \
                 --network kina-kina -p 127.0.0.1:6445:6443/tcp"
            ),
            "{args}"
        );
    }

    #[test]
    fn control_plane_on_1_2_1_and_later() {
        let args = run_args(&spec(), Features { clear_default_paths: true }).join(" ");
        assert_eq!(
            args,
            "run -d --name kina-control-plane --cap-add ALL --masked-path NONE --read-only-path NONE \
             --cpus 4 --memory 4G -l io.kina.cluster=kina -l io.kina.role=control-plane \
             -l io.kina.kubernetes-version=v1.35.5 -p 127.0.0.1:6445:6443/tcp \
             -e KUBECONFIG=/etc/kubernetes/admin.conf --progress none kindest/node:v1.35.5@sha256:abc"
        );
    }

    #[test]
    fn port_mappings_mounts_and_kernel() {
        let mut node = spec();
        node.ports = vec![
            PortSpec { host_address: "0.0.0.0".into(), host_port: 8080, container_port: 80, protocol: "tcp".into() },
            PortSpec { host_address: "::1".into(), host_port: 5353, container_port: 53, protocol: "udp".into() },
        ];
        node.mounts =
            vec![MountSpec { host_path: "/Users/me/src".into(), container_path: "/src".into(), read_only: true }];
        node.kernel = Some("/Users/me/Image".into());
        let args = run_args(&node, Features { clear_default_paths: true }).join(" ");
        assert!(
            args.contains(
                "-p 0.0.0.0:8080:80/tcp -p [::1]:5353:53/udp -v /Users/me/src:/src:ro --kernel /Users/me/Image"
            ),
            "{args}"
        );
    }

    #[test]
    fn no_path_flags_before_1_2_1_and_no_port_for_workers() {
        let mut worker = spec();
        worker.ports.clear();
        worker.kubernetes_version = None;
        worker.env.clear();
        let args = run_args(&worker, Features { clear_default_paths: false });
        assert!(!args.iter().any(|a| a == "--masked-path" || a == "--read-only-path" || a == "-p"));
        for forbidden in ["--privileged", "--hostname", "--sysctl"] {
            assert!(!args.iter().any(|a| a == forbidden));
        }
    }
}

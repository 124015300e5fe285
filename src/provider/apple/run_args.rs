//! The `container run` argv for a node VM (apple-container.md §2.1, §6.3).

use super::version::Features;
use crate::provider::{API_SERVER_PORT, LABEL_CLUSTER, LABEL_KUBERNETES_VERSION, LABEL_ROLE, NodeSpec};

/// Builds `run -d --name … IMAGE` for one node. No `--privileged`,
/// `--hostname` or `--sysctl`: Apple `container` has none of them.
pub fn run_args(spec: &NodeSpec, features: Features) -> Vec<String> {
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
    label(LABEL_ROLE, &spec.role);
    if let Some(version) = &spec.kubernetes_version {
        label(LABEL_KUBERNETES_VERSION, version);
    }
    if let Some(port) = spec.api_server_host_port {
        // Explicit 127.0.0.1: the CLI's default would bind every interface.
        args.extend(["-p".into(), format!("127.0.0.1:{port}:{API_SERVER_PORT}")]);
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

    fn spec() -> NodeSpec {
        NodeSpec {
            name: "kina-control-plane".into(),
            cluster: "kina".into(),
            role: "control-plane".into(),
            image: "kindest/node:v1.35.5@sha256:abc".into(),
            cpus: 4,
            memory: "4G".into(),
            api_server_host_port: Some(6445),
            kubernetes_version: Some("v1.35.5".into()),
            env: vec![("KUBECONFIG".into(), "/etc/kubernetes/admin.conf".into())],
        }
    }

    #[test]
    fn control_plane_on_1_2_1_and_later() {
        let args = run_args(&spec(), Features { clear_default_paths: true }).join(" ");
        assert_eq!(
            args,
            "run -d --name kina-control-plane --cap-add ALL --masked-path NONE --read-only-path NONE \
             --cpus 4 --memory 4G -l io.kina.cluster=kina -l io.kina.role=control-plane \
             -l io.kina.kubernetes-version=v1.35.5 -p 127.0.0.1:6445:6443 \
             -e KUBECONFIG=/etc/kubernetes/admin.conf --progress none kindest/node:v1.35.5@sha256:abc"
        );
    }

    #[test]
    fn no_path_flags_before_1_2_1_and_no_port_for_workers() {
        let mut worker = spec();
        worker.api_server_host_port = None;
        worker.kubernetes_version = None;
        worker.env.clear();
        let args = run_args(&worker, Features { clear_default_paths: false });
        assert!(!args.iter().any(|a| a == "--masked-path" || a == "--read-only-path" || a == "-p"));
        for forbidden in ["--privileged", "--hostname", "--sysctl"] {
            assert!(!args.iter().any(|a| a == forbidden));
        }
    }
}

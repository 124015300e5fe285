//! Files `kubeadm` writes: certificates (random PEM blocks), kubeconfigs, static pods.

use super::model::{Cluster, Node};
use crate::util::{base64, pem};

/// How a kubeconfig user authenticates.
pub enum Cred {
    Embedded { cert: String, key: String },
    Files(String),
}

/// A kubeconfig with one cluster, one user and one (current) context.
pub fn kubeconfig(cluster: &str, server: &str, ca_pem: &str, user: &str, cred: &Cred) -> String {
    let user_block = match cred {
        Cred::Embedded { cert, key } => format!(
            "    client-certificate-data: {}\n    client-key-data: {}\n",
            base64(cert.as_bytes()),
            base64(key.as_bytes())
        ),
        Cred::Files(path) => format!("    client-certificate: {path}\n    client-key: {path}\n"),
    };
    format!(
        "apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: {ca}\n    server: {server}\n  name: {cluster}\n\
         contexts:\n- context:\n    cluster: {cluster}\n    user: {user}\n  name: {user}@{cluster}\n\
         current-context: {user}@{cluster}\nkind: Config\npreferences: {{}}\nusers:\n- name: {user}\n  user:\n{user_block}",
        ca = base64(ca_pem.as_bytes()),
    )
}

fn embedded() -> Cred {
    Cred::Embedded { cert: pem("CERTIFICATE", 780), key: pem("RSA PRIVATE KEY", 1190) }
}

/// Writes everything `kubeadm init` leaves on a control-plane node.
pub fn write_control_plane(node: &mut Node, c: &Cluster, node_ip: Option<&str>) {
    for d in ["/etc/kubernetes/pki/etcd", "/etc/kubernetes/manifests", "/var/lib/kubelet/pki", "/root/.kube"] {
        node.mkdir_all(d);
    }
    let ca = pem("CERTIFICATE", 780);
    let pki = [
        ("ca.crt", ca.clone()),
        ("ca.key", pem("RSA PRIVATE KEY", 1190)),
        ("apiserver.crt", pem("CERTIFICATE", 900)),
        ("apiserver.key", pem("RSA PRIVATE KEY", 1190)),
        ("sa.key", pem("RSA PRIVATE KEY", 1190)),
        ("sa.pub", pem("PUBLIC KEY", 294)),
        ("front-proxy-ca.crt", pem("CERTIFICATE", 700)),
        ("front-proxy-ca.key", pem("RSA PRIVATE KEY", 1190)),
        ("etcd/ca.crt", pem("CERTIFICATE", 700)),
        ("etcd/ca.key", pem("RSA PRIVATE KEY", 1190)),
    ];
    for (name, body) in pki {
        node.files.insert(format!("/etc/kubernetes/pki/{name}"), body);
    }
    let local = format!("https://{}:{}", c.advertise, c.bind_port);
    let server = c.server();
    let confs = [
        ("admin.conf", server.clone(), "kubernetes-admin"),
        ("super-admin.conf", server, "kubernetes-super-admin"),
        ("controller-manager.conf", local.clone(), "system:kube-controller-manager"),
        ("scheduler.conf", local.clone(), "system:kube-scheduler"),
    ];
    for (file, url, user) in confs {
        node.files.insert(format!("/etc/kubernetes/{file}"), kubeconfig(&c.name, &url, &ca, user, &embedded()));
    }
    let kubelet_user = format!("system:node:{}", c.node_name);
    let kubelet_cred = Cred::Files("/var/lib/kubelet/pki/kubelet-client-current.pem".into());
    node.files
        .insert("/etc/kubernetes/kubelet.conf".into(), kubeconfig(&c.name, &local, &ca, &kubelet_user, &kubelet_cred));
    node.files.insert(
        "/var/lib/kubelet/pki/kubelet-client-current.pem".into(),
        format!("{}{}", pem("CERTIFICATE", 700), pem("EC PRIVATE KEY", 121)),
    );
    write_kubelet_files(node, node_ip);
    write_static_pods(node, c);
}

/// The kubelet's own config and flags (both control-plane and worker).
pub fn write_kubelet_files(node: &mut Node, node_ip: Option<&str>) {
    node.mkdir_all("/var/lib/kubelet");
    let mut flags = "--container-runtime-endpoint=unix:///run/containerd/containerd.sock --pod-infra-container-image=registry.k8s.io/pause:3.10.1".to_string();
    if let Some(ip) = node_ip {
        flags.push_str(&format!(" --node-ip={ip}"));
    }
    node.files.insert("/var/lib/kubelet/kubeadm-flags.env".into(), format!("KUBELET_KUBEADM_ARGS=\"{flags}\"\n"));
    node.files.insert(
        "/var/lib/kubelet/config.yaml".into(),
        "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncgroupDriver: systemd\nfailSwapOn: false\nstaticPodPath: /etc/kubernetes/manifests\n".into(),
    );
}

fn pod(name: &str, image: &str, version: &str, command: &[String], annotation: Option<String>) -> String {
    let mut text = format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  namespace: kube-system\n  labels:\n    component: {name}\n    tier: control-plane\n"
    );
    if let Some(a) = annotation {
        text.push_str(&format!("  annotations:\n    {a}\n"));
    }
    text.push_str(&format!("spec:\n  hostNetwork: true\n  priorityClassName: system-node-critical\n  containers:\n  - name: {name}\n    image: registry.k8s.io/{image}:{version}\n    command:\n"));
    for c in command {
        text.push_str(&format!("    - {c}\n"));
    }
    text
}

/// The four static pod manifests, all pinned to the advertise address.
pub fn write_static_pods(node: &mut Node, c: &Cluster) {
    super::diag::write_pod_logs(node, &c.node_name);
    let ip = &c.advertise;
    let v = &c.version;
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let etcd = s(&[
        "etcd",
        &format!("--advertise-client-urls=https://{ip}:2379"),
        &format!("--initial-advertise-peer-urls=https://{ip}:2380"),
        &format!("--initial-cluster={}=https://{ip}:2380", c.node_name),
        &format!("--listen-client-urls=https://127.0.0.1:2379,https://{ip}:2379"),
        &format!("--listen-peer-urls=https://{ip}:2380"),
        &format!("--name={}", c.node_name),
        "--data-dir=/var/lib/etcd",
    ]);
    let mut apiserver = s(&[
        "kube-apiserver",
        &format!("--advertise-address={ip}"),
        "--etcd-servers=https://127.0.0.1:2379",
        &format!("--secure-port={}", c.bind_port),
        &format!("--service-cluster-ip-range={}", c.service_subnet),
        "--tls-cert-file=/etc/kubernetes/pki/apiserver.crt",
        "--tls-private-key-file=/etc/kubernetes/pki/apiserver.key",
    ]);
    apiserver.push("--authorization-mode=Node,RBAC".into());
    let mut cm = s(&[
        "kube-controller-manager",
        "--kubeconfig=/etc/kubernetes/controller-manager.conf",
        "--use-service-account-credentials=true",
    ]);
    if let Some(pod_subnet) = &c.pod_subnet {
        cm.push("--allocate-node-cidrs=true".into());
        cm.push(format!("--cluster-cidr={pod_subnet}"));
    }
    cm.push(format!("--cluster-name={}", c.name));
    let sched = s(&["kube-scheduler", "--kubeconfig=/etc/kubernetes/scheduler.conf", "--leader-elect=true"]);
    let files = [
        (
            "etcd",
            pod(
                "etcd",
                "etcd",
                "3.6.5-0",
                &etcd,
                Some(format!("kubeadm.kubernetes.io/etcd.advertise-client-urls: https://{ip}:2379")),
            ),
        ),
        (
            "kube-apiserver",
            pod(
                "kube-apiserver",
                "kube-apiserver",
                v,
                &apiserver,
                Some(format!("kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint: {ip}:{}", c.bind_port)),
            ),
        ),
        ("kube-controller-manager", pod("kube-controller-manager", "kube-controller-manager", v, &cm, None)),
        ("kube-scheduler", pod("kube-scheduler", "kube-scheduler", v, &sched, None)),
    ];
    for (name, text) in files {
        node.files.insert(format!("/etc/kubernetes/manifests/{name}.yaml"), text);
    }
}

/// What `kubeadm join` writes on a worker.
pub fn write_worker(
    node: &mut Node,
    cluster_name: &str,
    server: &str,
    ca: &str,
    node_name: &str,
    node_ip: Option<&str>,
) {
    node.mkdir_all("/etc/kubernetes/pki");
    node.mkdir_all("/var/lib/kubelet/pki");
    node.files.insert("/etc/kubernetes/pki/ca.crt".into(), ca.to_string());
    let cred = Cred::Files("/var/lib/kubelet/pki/kubelet-client-current.pem".into());
    node.files.insert(
        "/etc/kubernetes/kubelet.conf".into(),
        kubeconfig(cluster_name, server, ca, &format!("system:node:{node_name}"), &cred),
    );
    node.files.insert("/var/lib/kubelet/pki/kubelet-client-current.pem".into(), pem("CERTIFICATE", 700));
    write_kubelet_files(node, node_ip);
}

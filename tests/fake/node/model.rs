//! What the fake remembers about the inside of one node container.

use crate::config::Config;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Serialize, Deserialize, Clone, Default)]
pub struct Node {
    /// The in-memory filesystem: absolute path → text content.
    pub files: BTreeMap<String, String>,
    pub dirs: BTreeSet<String>,
    /// Containerd socket probes that still fail in this boot.
    pub boot_polls_left: u32,
    /// Values written with `sysctl -w` in this boot.
    pub sysctls: BTreeMap<String, String>,
    /// `table chain rule` lines added with `iptables -A/-I` in this boot.
    pub iptables: Vec<String>,
    pub offload_off: bool,
    /// Set on the control-plane node by `kubeadm init`.
    pub cluster: Option<Cluster>,
    /// On a worker joined with `kubeadm join`: the control-plane container id.
    pub member_of: Option<String>,
    /// The API server URL the running kubelet read from `kubelet.conf` when it last
    /// started (a kubelet never re-reads it); `None` while no kubelet runs.
    #[serde(default)]
    pub kubelet_server: Option<String>,
    /// Stopped with `systemctl stop kubelet` in this boot.
    #[serde(default)]
    pub kubelet_stopped: bool,
    /// `systemctl start|restart kubelet` calls over the node's lifetime.
    #[serde(default)]
    pub kubelet_restarts: u32,
    /// Units from unit files kina wrote (`kina-lb.service` → state).
    #[serde(default)]
    pub units: BTreeMap<String, Unit>,
    /// What each custom unit wrote to the journal (`journalctl -u`).
    #[serde(default)]
    pub journal: BTreeMap<String, Vec<String>>,
    /// Links added with `ip link add` in this boot: (name, type).
    #[serde(default)]
    pub links: Vec<(String, String)>,
    /// IPv4 addresses added to eth0 with `ip addr add|replace` in this boot (`a.b.c.d/len`).
    #[serde(default)]
    pub addresses: Vec<String>,
}

/// A systemd unit's enablement (persists) and activity (this boot).
#[derive(Serialize, Deserialize, Clone, Default, PartialEq)]
pub struct Unit {
    pub enabled: bool,
    pub active: bool,
}

#[derive(Serialize, Deserialize, Clone)]
pub struct Cluster {
    pub name: String,
    pub version: String,
    pub node_name: String,
    pub advertise: String,
    pub bind_port: u16,
    pub endpoint: Option<String>,
    pub pod_subnet: Option<String>,
    pub service_subnet: String,
    /// Names and IPs the API server certificate is valid for.
    pub cert_sans: Vec<String>,
    pub nodes: Vec<KubeNode>,
    pub objects: Vec<Object>,
    pub token: String,
    /// The last `metadata.resourceVersion` handed out.
    #[serde(default)]
    pub revision: u64,
    /// Cluster IPs and node ports handed out so far.
    #[serde(default)]
    pub allocated: u32,
    /// What kina-lb's loop last reconciled (nodes, Services, EndpointSlices).
    #[serde(default)]
    pub lb_seen: Option<String>,
}

#[derive(Serialize, Deserialize, Clone)]
pub struct KubeNode {
    pub name: String,
    pub container: String,
    pub labels: BTreeMap<String, String>,
    pub taints: Vec<String>,
    pub control_plane: bool,
}

#[derive(Serialize, Deserialize, Clone, PartialEq)]
pub struct Object {
    /// `daemonset.apps`, `serviceaccount`, ...
    pub resource: String,
    pub namespace: Option<String>,
    pub name: String,
    pub body: Value,
}

/// CNI DaemonSets in kube-system: (name, env var with the pod subnet, kernel feature needed).
const CNIS: &[(&str, &str, Option<&str>)] =
    &[("kindnet", "POD_SUBNET", None), ("calico-node", "CALICO_IPV4POOL_CIDR", Some("vxlan"))];

pub const DEFAULT_VERSION: &str = "v1.35.5";
pub const CONTROL_PLANE_TAINT: &str = "node-role.kubernetes.io/control-plane:NoSchedule";

/// `vX.Y.Z` (with any `-rc.1` pre-release suffix) from an image tag like
/// `kindest/node:v1.35.5@sha256:...`.
pub fn version_from_image(reference: &str) -> String {
    let no_digest = reference.split('@').next().unwrap_or_default();
    let tag = match no_digest.rfind(':') {
        Some(i) if !no_digest[i..].contains('/') => &no_digest[i + 1..],
        _ => "",
    };
    let looks = tag.strip_prefix('v').is_some_and(|t| {
        let core = t.split_once('-').map_or(t, |(core, pre)| if pre.is_empty() { "" } else { core });
        let parts: Vec<&str> = core.split('.').collect();
        parts.len() == 3 && parts.iter().all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
    });
    if looks { tag.to_string() } else { DEFAULT_VERSION.to_string() }
}

impl Node {
    pub fn seed(image: &str) -> Node {
        let mut n = Node::default();
        for d in [
            "/",
            "/bin",
            "/dev",
            "/etc",
            "/etc/cni",
            "/etc/cni/net.d",
            "/etc/containerd",
            "/etc/kubernetes",
            "/etc/kubernetes/manifests",
            "/etc/kubernetes/pki",
            "/etc/systemd",
            "/etc/systemd/system",
            "/kind",
            "/kind/manifests",
            "/opt",
            "/proc",
            "/root",
            "/run",
            "/sbin",
            "/sys",
            "/tmp",
            "/usr",
            "/usr/bin",
            "/usr/local",
            "/usr/local/bin",
            "/var",
            "/var/lib",
            "/var/lib/kubelet",
            "/var/log",
        ] {
            n.dirs.insert(d.to_string());
        }
        n.files.insert("/kind/version".into(), format!("{}\n", version_from_image(image)));
        n.files.insert("/kind/manifests/default-cni.yaml".into(), super::manifests::DEFAULT_CNI.into());
        n.files.insert("/kind/manifests/default-storage.yaml".into(), super::manifests::DEFAULT_STORAGE.into());
        for d in super::image_files::DIRS {
            n.dirs.insert(d.to_string());
        }
        for (path, content) in super::image_files::FILES {
            n.files.insert(path.to_string(), content.to_string());
        }
        n
    }

    /// A node from `image`: kindest/node's files, then what a `container build` added.
    pub fn from_image(image: &str, built: Option<&std::collections::BTreeMap<String, String>>) -> Node {
        let mut n = Node::seed(image);
        for (path, content) in built.into_iter().flatten() {
            let mut dir = super::files::parent(path);
            while dir != "/" {
                n.dirs.insert(dir.clone());
                dir = super::files::parent(&dir);
            }
            n.files.insert(path.clone(), content.clone());
        }
        n
    }

    /// (Re)starts the kubelet: it reads the API server URL from `kubelet.conf` now.
    pub fn start_kubelet(&mut self) {
        self.kubelet_stopped = false;
        self.kubelet_server =
            self.files.get("/etc/kubernetes/kubelet.conf").and_then(|t| super::dial::kubeconfig_server(t).ok());
    }

    /// The Kubernetes version the node image ships (`/kind/version`, else the default).
    pub fn k8s_version(&self) -> String {
        self.files.get("/kind/version").map(|v| v.trim().to_string()).unwrap_or_else(|| DEFAULT_VERSION.into())
    }
}

impl Cluster {
    /// The service range's address `offset` places above its base (kubeadm's
    /// default range when the cluster's does not parse).
    pub fn service_ip(&self, offset: u32) -> std::net::Ipv4Addr {
        let base: std::net::Ipv4Addr = self
            .service_subnet
            .split('/')
            .next()
            .and_then(|b| b.parse().ok())
            .unwrap_or(std::net::Ipv4Addr::new(10, 96, 0, 0));
        std::net::Ipv4Addr::from(u32::from(base) + offset)
    }

    /// The pod subnet the cluster's CNI DaemonSet was given (kindnet's `POD_SUBNET`,
    /// Calico's `CALICO_IPV4POOL_CIDR`) and the kernel feature it needs, if one was applied.
    pub fn cni_pod_subnet(&self) -> Option<(String, Option<&'static str>)> {
        CNIS.iter().find_map(|(name, var, needs)| {
            let ds = self.objects.iter().find(|o| {
                o.resource == "daemonset.apps" && o.name == *name && o.namespace.as_deref() == Some("kube-system")
            })?;
            let containers = ds.body["spec"]["template"]["spec"]["containers"].as_array()?;
            containers
                .iter()
                .flat_map(|c| c["env"].as_array().cloned().unwrap_or_default())
                .find_map(|e| (e["name"] == *var).then(|| e["value"].as_str().unwrap_or_default().to_string()))
                .map(|subnet| (subnet, *needs))
        })
    }

    /// Node Ready: initialised, a working kindnet matching the pod subnet, not forced NotReady.
    pub fn network_ready(&self, cfg: &Config) -> bool {
        if cfg.not_ready {
            return false;
        }
        match (self.cni_pod_subnet(), &self.pod_subnet) {
            (Some((cni, needs)), Some(pod)) => {
                crate::util::is_ipv4_cidr(&cni) && &cni == pod && needs.is_none_or(|f| cfg.kernel_has(f))
            }
            _ => false,
        }
    }

    /// The address clients dial: `controlPlaneEndpoint` if set, else the advertise address.
    pub fn server(&self) -> String {
        match &self.endpoint {
            Some(e) if e.contains(':') => format!("https://{e}"),
            Some(e) => format!("https://{e}:{}", self.bind_port),
            None => format!("https://{}:{}", self.advertise, self.bind_port),
        }
    }
}

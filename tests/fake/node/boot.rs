//! What happens inside a node each time its container starts: a fresh boot (runtime
//! state reset, `/etc/hosts`), and kindest/node's entrypoint fix-up after an IP change.

use super::model::{Cluster, Node};
use crate::config::Config;
use crate::store::Container;

/// Paths the entrypoint rewrites when the node's IP changed (admin.conf is not among them).
fn rewritten(path: &str) -> bool {
    path.starts_with("/etc/kubernetes/manifests/")
        || [
            "/etc/kubernetes/kubelet.conf",
            "/etc/kubernetes/controller-manager.conf",
            "/etc/kubernetes/scheduler.conf",
            "/kind/kubeadm.conf",
            "/var/lib/kubelet/kubeadm-flags.env",
        ]
        .contains(&path)
}

/// The names and IPs kubeadm puts in the API server certificate for `advertise`.
pub fn apiserver_sans(cluster: &Cluster, advertise: &str, extra: &[String]) -> Vec<String> {
    let mut sans: Vec<String> =
        ["kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"]
            .map(String::from)
            .to_vec();
    sans.push(cluster.node_name.clone());
    sans.push(super::kubeadm_config::first_ip(&cluster.service_subnet));
    sans.push(advertise.to_string());
    sans.extend(extra.iter().cloned());
    if let Some(e) = &cluster.endpoint {
        sans.push(e.rsplit_once(':').map(|(h, _)| h.to_string()).unwrap_or(e.clone()));
    }
    let mut seen = Vec::new();
    sans.retain(|s| {
        let new = !seen.contains(s);
        seen.push(s.clone());
        new
    });
    sans
}

/// kubeadm's `serving cert is signed for DNS names [..] and IPs [..]` lists.
pub fn describe_sans(sans: &[String]) -> (String, String) {
    let (ips, names): (Vec<&String>, Vec<&String>) = sans.iter().partition(|s| crate::util::is_ipv4(s));
    let join = |v: Vec<&String>| v.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ");
    (join(names), join(ips))
}

pub const NO_CA: &str = "failure loading ca certificate: couldn't load the certificate file /etc/kubernetes/pki/ca.crt: open /etc/kubernetes/pki/ca.crt: no such file or directory";

/// Issues a new API server certificate for `advertise` (plus extra SANs); returns its SANs.
pub fn reissue_apiserver_cert(
    node: &mut Node,
    advertise: Option<&str>,
    extra: &[String],
) -> Result<Vec<String>, String> {
    let Some(cluster) = node.cluster.as_mut() else {
        return Err(NO_CA.into());
    };
    if let Some(a) = advertise {
        cluster.advertise = a.to_string();
    }
    let sans = apiserver_sans(cluster, &cluster.advertise.clone(), extra);
    cluster.cert_sans = sans.clone();
    node.files.insert("/etc/kubernetes/pki/apiserver.crt".into(), crate::util::pem("CERTIFICATE", 900));
    node.files.insert("/etc/kubernetes/pki/apiserver.key".into(), crate::util::pem("RSA PRIVATE KEY", 1190));
    Ok(sans)
}

/// Boots a node; returns false if the entrypoint died (the container stops again).
pub fn on_start(c: &mut Container, cfg: &Config) -> bool {
    let ip = c.ip();
    let node_image = crate::images::is_node_image(&c.image_ref());
    let id = c.id.clone();
    let hostname = c.hostname.clone();
    let node = &mut c.node;
    node.boot_polls_left = cfg.boot_polls;
    node.sysctls.clear();
    node.iptables.clear();
    node.offload_off = false;
    node.links.clear();
    node.addresses.clear();
    // systemd starts what is enabled, if its unit file is still there.
    let files = node.files.clone();
    node.units.retain(|name, _| files.contains_key(&format!("/etc/systemd/system/{name}")));
    for unit in node.units.values_mut() {
        unit.active = unit.enabled;
    }
    // A kina-node image's boot unit (images/node/runtime-settings.sh): what its
    // sysctl, ethtool and iptables-nft lines leave behind.
    if node.files.contains_key("/etc/systemd/system/multi-user.target.wants/kina-runtime-settings.service")
        && node.files.contains_key("/kina/bin/runtime-settings.sh")
    {
        node.sysctls.insert("net.ipv4.ip_forward".into(), "1".into());
        node.offload_off = true;
        for chain in ["OUTPUT", "FORWARD"] {
            node.iptables.push(format!("ip mangle {chain} -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss 1220"));
        }
    }
    node.files.retain(|k, _| !k.starts_with("/run/") && !k.starts_with("/tmp/"));
    node.dirs.retain(|k| !k.starts_with("/run/") && !k.starts_with("/tmp/"));
    let mut hosts = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n".to_string();
    if let Some(ip) = &ip {
        hosts.push_str(&format!("{ip}\t{hostname}\n"));
    }
    node.files.insert("/etc/hosts".into(), hosts);
    c.boot_log.extend([
        "[    0.000000] Booting Linux on physical CPU 0x0000000000 [0x611f0221]".to_string(),
        format!("[    0.000000] Linux version {} (fake@kina) #1 SMP PREEMPT", cfg.kernel),
        "[    0.301234] Run /sbin/vminitd as init process".to_string(),
        "vminitd: clock synchronised with the host".to_string(),
        format!("vminitd: starting container {id}"),
    ]);
    if !node_image {
        return true;
    }
    let log = &mut c.log;
    log.extend([
        "INFO: preparing mounts and cgroups".to_string(),
        "INFO: detected cgroup v2".to_string(),
        "INFO: regenerating /etc/machine-id".to_string(),
        "INFO: iptables mode: nft".to_string(),
    ]);
    let old = node.files.get("/kind/old-ipv4").map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    if let Some(new) = &ip {
        log.push(format!("INFO: node IPv4 address: {new}"));
    }
    if let (Some(old), Some(new)) = (old, ip.clone())
        && old != new
    {
        log.push(format!("INFO: IPv4 address changed from {old} to {new}; updating node configuration"));
        let paths: Vec<String> = node.files.keys().filter(|p| rewritten(p)).cloned().collect();
        for p in paths {
            node.replace_ip_in(&p, &old, &new);
        }
        node.files.insert("/kind/old-ipv4".into(), format!("{new}\n"));
        if node.files.contains_key("/etc/kubernetes/pki/apiserver.crt") {
            log.push("INFO: regenerating the API server certificate".into());
            node.files.remove("/etc/kubernetes/pki/apiserver.crt");
            node.files.remove("/etc/kubernetes/pki/apiserver.key");
            let result = match node.files.get("/kind/kubeadm.conf") {
                None => Err("unable to read config from \"/kind/kubeadm.conf\" : open /kind/kubeadm.conf: no such file or directory".to_string()),
                Some(text) => super::kubeadm_config::parse(text, &node.k8s_version())
                    .and_then(|plan| reissue_apiserver_cert(node, plan.advertise.as_deref().or(Some(&new)), &plan.cert_sans))
                    .map(drop),
            };
            if let Err(e) = result {
                log.push(e);
                log.push("To see the stack trace of this error execute with --v=5 or higher".into());
                c.boot_log.push(format!("vminitd: container {id} init process exited with status 1"));
                return false;
            }
        }
    }
    if let Some(new) = &ip {
        node.files.insert("/kind/old-ipv4".into(), format!("{new}\n"));
    }
    node.start_kubelet();
    log.extend([
        "systemd 257 running in system mode".to_string(),
        "Welcome to Debian GNU/Linux 12 (bookworm)!".to_string(),
        "[  OK  ] Started containerd.service - containerd container runtime.".to_string(),
        "[  OK  ] Started kubelet.service - kubelet: The Kubernetes Node Agent.".to_string(),
        "[  OK  ] Reached target multi-user.target - Multi-User System.".to_string(),
    ]);
    true
}

//! kind's defaults and validation (`default.go` and `validate.go` in
//! https://github.com/kubernetes-sigs/kind/tree/v0.32.0/pkg/internal/apis/config), then what Apple `container`
//! VMs cannot do. Every problem is collected, and all are reported together
//! the way kind aggregates them: kind's own checks first, then kina's.

use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Component, Path, PathBuf};

use super::raw::{self, KinaNode};
use super::types::{self, Cluster, KubeProxyMode, Mount, Node, PatchJson6902, PortMapping, Protocol, Role};
use super::{ConfigError, Parsed};
use crate::yaml;

/// Apple `container` refuses smaller VMs (`ContainersService.swift`).
const MIN_MEMORY_MIB: u64 = 200;
/// The most memory one node VM may ask for: more than any Mac has (so the
/// runtime, not kina, says when a Mac has too little), far from overflowing.
const MAX_MEMORY_GIB: u64 = 1024;
/// The most CPUs one node VM may ask for: above any Apple silicon Mac's cores.
pub(crate) const MAX_CPUS: u32 = 64;
/// The most nodes a cluster may have: each one is a VM with its own CPUs and
/// memory, and all of them share one /24 VM network.
pub(crate) const MAX_NODES: usize = 100;

#[derive(Default)]
struct Problems {
    /// kind's validation errors, in kind's order.
    kind: Vec<String>,
    /// kina's own checks (paths, sizes, patch syntax, ports across nodes).
    kina: Vec<String>,
    /// Valid for kind, impossible on Apple `container`.
    refused: Vec<String>,
    warnings: Vec<String>,
}

pub(super) fn build(raw: raw::Cluster, base: &Path) -> Result<Parsed, ConfigError> {
    let mut p = Problems::default();

    let name = raw.name.filter(|n| !n.is_empty());
    if let Some(name) = &name
        && let Err(e) = validate_name(name)
    {
        p.kind.push(e);
    }

    let networking = networking(raw.networking.unwrap_or_default(), &mut p);

    let raw_nodes = raw.nodes.filter(|n| !n.is_empty());
    let defaulted = raw_nodes.is_none();
    let mut nodes = Vec::new();
    let mut control_planes = 0;
    let mut any_control_plane = defaulted;
    for (i, n) in raw_nodes.unwrap_or_default().into_iter().enumerate() {
        let node = node(i, n, base, &mut p);
        if let Some(node) = node {
            if node.role == Role::ControlPlane {
                control_planes += 1;
                any_control_plane = true;
            }
            nodes.push(node);
        }
    }
    if defaulted {
        nodes.push(Node::new(Role::ControlPlane));
        control_planes = 1;
    }
    if nodes.len() > MAX_NODES {
        p.kina.push(too_many_nodes(nodes.len()));
    }
    if !any_control_plane {
        p.kind.push("must have at least one control-plane node".into());
    }
    if control_planes > 1 {
        p.refused.push(format!(
            "nodes: {control_planes} control-plane nodes: kina does not yet run several control-plane nodes; \
             kind puts a load balancer in front of them. Use one control-plane node (workers are fine)"
        ));
    }
    ports_across_nodes(&nodes, &networking, &mut p);

    let kubeadm_config_patches = raw.kubeadm_config_patches.unwrap_or_default();
    check_merge_patches("kubeadmConfigPatches", &kubeadm_config_patches, &mut p);
    let kubeadm_config_patches_json6902 =
        json6902_patches("kubeadmConfigPatchesJSON6902", raw.kubeadm_config_patches_json6902, &mut p);
    let containerd_config_patches_json6902 = raw.containerd_config_patches_json6902.unwrap_or_default();
    for (i, patch) in containerd_config_patches_json6902.iter().enumerate() {
        check_json6902(&format!("containerdConfigPatchesJSON6902[{i}]"), patch, &mut p);
    }

    let errors: Vec<String> = p.kind.into_iter().chain(p.kina).chain(p.refused.iter().cloned()).collect();
    if !errors.is_empty() {
        return Err(ConfigError::Validation { errors, refused: !p.refused.is_empty() });
    }
    Ok(Parsed {
        cluster: Cluster {
            name,
            nodes,
            networking,
            feature_gates: raw.feature_gates.unwrap_or_default(),
            runtime_config: raw.runtime_config.unwrap_or_default(),
            kubeadm_config_patches,
            kubeadm_config_patches_json6902,
            containerd_config_patches: raw.containerd_config_patches.unwrap_or_default(),
            containerd_config_patches_json6902,
            disable_default_storage: raw.disable_default_storage.unwrap_or(false),
            registry: raw.registry.map(|r| super::types::RegistryRef {
                name: r.name.unwrap_or_else(|| crate::registry::DEFAULT_NAME.to_string()),
                port: r.port,
            }),
        },
        warnings: p.warnings,
    })
}

/// Why a cluster of `count` nodes is refused (more than [`MAX_NODES`]).
pub(crate) fn too_many_nodes(count: usize) -> String {
    format!(
        "nodes: {count} nodes: a kina cluster has at most {MAX_NODES}, each a VM with its own CPUs and memory on this Mac"
    )
}

/// kind's cluster name rule (also for `--name` and `KINA_CLUSTER_NAME`).
pub(crate) fn validate_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(format!("'{name}' is not a valid cluster name, cluster names must match `^[a-z0-9.-]+$`"))
    }
}

/// Checks a memory size in Apple `container` syntax (digits and an optional
/// K/M/G/T/P suffix, any case; a bare number is MiB) and returns it in the
/// form kina passes to `container run --memory`, e.g. `4G` or `4096M`.
pub(crate) fn parse_memory(text: &str) -> Result<String, String> {
    let invalid = || {
        format!(
            "invalid memory size {text:?}: expected a number with an optional K, M, G, T or P suffix, e.g. 4G or 4096M"
        )
    };
    let digits_end = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (digits, suffix) = text.split_at(digits_end);
    let value: u64 = digits.parse().map_err(|_| invalid())?;
    let (suffix, shift) = match suffix.to_ascii_uppercase().as_str() {
        "" | "M" => ("M", 20),
        "K" => ("K", 10),
        "G" => ("G", 30),
        "T" => ("T", 40),
        "P" => ("P", 50),
        _ => return Err(invalid()),
    };
    let bytes = u128::from(value) << shift;
    if bytes < u128::from(MIN_MEMORY_MIB) << 20 {
        return Err(format!("{text} is below Apple container's minimum of {MIN_MEMORY_MIB} MiB"));
    }
    if bytes > u128::from(MAX_MEMORY_GIB) << 30 {
        return Err(format!("{text} is more than kina's limit of {MAX_MEMORY_GIB}G for one node VM"));
    }
    Ok(format!("{value}{suffix}"))
}

fn networking(raw: raw::Networking, p: &mut Problems) -> types::Networking {
    let family = raw.ip_family.filter(|f| !f.is_empty()).unwrap_or_else(|| "ipv4".into());
    let (address, pod, service) = match family.as_str() {
        "ipv6" => ("::1", "fd00:10:244::/56", "fd00:10:96::/112"),
        "dual" => ("127.0.0.1", "10.244.0.0/16,fd00:10:244::/56", "10.96.0.0/16,fd00:10:96::/112"),
        _ => ("127.0.0.1", "10.244.0.0/16", "10.96.0.0/16"),
    };
    let nonempty = |s: Option<String>, default: &str| s.filter(|s| !s.is_empty()).unwrap_or_else(|| default.into());
    let api_server_address = nonempty(raw.api_server_address, address);
    let pod_subnet = nonempty(raw.pod_subnet, pod);
    let service_subnet = nonempty(raw.service_subnet, service);
    let port = raw.api_server_port.unwrap_or(0);
    let mode = nonempty(raw.kube_proxy_mode, "iptables");

    // kind's checks, in kind's order.
    if port != 0
        && let Err(e) = validate_port(port)
    {
        p.kind.push(format!("invalid apiServerPort: {e}"));
    }
    let family_ok = matches!(family.as_str(), "ipv4" | "ipv6" | "dual");
    if !family_ok {
        p.kind.push(format!("invalid ipFamily: {family}"));
    }
    if let Err(e) = validate_subnets(&pod_subnet, &family) {
        p.kind.push(format!("invalid pod subnet {e}"));
    }
    if let Err(e) = validate_subnets(&service_subnet, &family) {
        p.kind.push(format!("invalid service subnet {e}"));
    }
    let kube_proxy_mode = match mode.as_str() {
        "iptables" => KubeProxyMode::Iptables,
        "nftables" => KubeProxyMode::Nftables,
        "ipvs" => KubeProxyMode::Ipvs,
        "none" => KubeProxyMode::None,
        other => {
            p.kind.push(format!("invalid kubeProxyMode: {other}"));
            KubeProxyMode::Iptables
        }
    };

    // kina's.
    if api_server_address.parse::<IpAddr>().is_err() {
        p.kina.push(format!(
            "networking.apiServerAddress: {api_server_address:?} is not an IP address \
             (kina publishes the API server with `container run -p <address>:<port>:6443`)"
        ));
    }
    if family == "ipv6" || family == "dual" {
        p.refused.push(format!(
            "networking.ipFamily: {family} is not possible on Apple container: kina's nodes get IPv4 addresses \
             on the vmnet network, so clusters are IPv4 only"
        ));
    }
    if port == -1 {
        p.refused.push(
            "networking.apiServerPort: -1 (let the runtime pick) is not possible on Apple container, which needs an \
             explicit host port; use 0 and kina picks a free one"
                .into(),
        );
    }

    types::Networking {
        api_server_address,
        api_server_port: u16::try_from(port).unwrap_or(0),
        pod_subnet,
        service_subnet,
        disable_default_cni: raw.disable_default_cni.unwrap_or(false),
        kube_proxy_mode,
        dns_search: raw.dns_search,
    }
}

/// kind's port rule: -1 (the backend picks) through 65535.
fn validate_port(port: i32) -> Result<(), String> {
    if (-1..=65535).contains(&port) { Ok(()) } else { Err(format!("invalid port number: {port}")) }
}

/// kind's subnet rules, with Go's `net.ParseCIDR` wording.
fn validate_subnets(text: &str, family: &str) -> Result<(), String> {
    let mut v4 = Vec::new();
    for cidr in text.split(',') {
        match parse_cidr(cidr) {
            Some(is_v4) => v4.push(is_v4),
            None => {
                return Err(format!("failed to parse cidr value:{cidr:?} with error: invalid CIDR address: {cidr}"));
            }
        }
    }
    let dual = family == "dual";
    let dual_msg = "expected one (IPv4 or IPv6) CIDR or two CIDRs from each family for dual-stack networking";
    if v4.is_empty() {
        Err("no subnets defined".into())
    } else if dual && v4.len() > 2 {
        Err(dual_msg.into())
    } else if dual && v4.len() == 2 {
        if v4[0] != v4[1] { Ok(()) } else { Err(dual_msg.into()) }
    } else if !dual && v4.len() > 1 {
        Err("only one CIDR allowed for single-stack networking".into())
    } else if family == "ipv4" && !v4[0] {
        Err("expected IPv4 CIDR for IPv4 family".into())
    } else if family == "ipv6" && v4[0] {
        Err("expected IPv6 CIDR for IPv6 family".into())
    } else {
        Ok(())
    }
}

/// Some(true) for an IPv4 CIDR, Some(false) for IPv6, None if it does not parse.
fn parse_cidr(text: &str) -> Option<bool> {
    let (addr, prefix) = text.split_once('/')?;
    let addr = addr.parse::<IpAddr>().ok()?.to_canonical();
    if prefix.is_empty() || !prefix.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let bits: u32 = prefix.parse().ok()?;
    let is_v4 = addr.is_ipv4();
    (bits <= if is_v4 { 32 } else { 128 }).then_some(is_v4)
}

fn node(i: usize, n: KinaNode, base: &Path, p: &mut Problems) -> Option<Node> {
    let at = format!("nodes[{i}]");
    let mut errs = Vec::new();
    let role = match n.role.filter(|r| !r.is_empty()) {
        None => Some(Role::ControlPlane),
        Some(text) => text.parse::<Role>().map_err(|unknown| errs.push(unknown.to_string())).ok(),
    };

    let raw_mappings = n.extra_port_mappings.unwrap_or_default();
    for m in &raw_mappings {
        if let Err(e) = validate_port(m.host_port.unwrap_or(0)) {
            errs.push(format!("invalid hostPort: {e}"));
        }
        if let Err(e) = validate_port(m.container_port.unwrap_or(0)) {
            errs.push(format!("invalid containerPort: {e}"));
        }
    }
    if let Err(e) = validate_port_mappings(&raw_mappings) {
        errs.push(format!("invalid portMapping: {e}"));
    }
    if !errs.is_empty() {
        p.kind.push(format!("invalid configuration for node {i}: {}", aggregate(&errs)));
    }

    let mut extra_port_mappings = Vec::new();
    for (j, m) in raw_mappings.into_iter().enumerate() {
        let at = format!("{at}.extraPortMappings[{j}]");
        let host = m.host_port.unwrap_or(0);
        let container = m.container_port.unwrap_or(0);
        if container == 0 || container == -1 {
            p.kina.push(format!(
                "{at}.containerPort: must be a port from 1 to 65535, not {container}: it is the node port published on the Mac"
            ));
        }
        if host == -1 {
            p.refused.push(format!(
                "{at}.hostPort: -1 (let the runtime pick) is not possible on Apple container, which needs an explicit \
                 host port; use 0 and kina picks a free one"
            ));
        }
        let protocol = match m.protocol.unwrap_or(raw::Protocol::Unset) {
            raw::Protocol::Unset | raw::Protocol::Tcp => Protocol::Tcp,
            raw::Protocol::Udp => Protocol::Udp,
            raw::Protocol::Sctp => {
                p.refused.push(format!(
                    "{at}.protocol: SCTP is not possible on Apple container, which publishes TCP and UDP ports only"
                ));
                Protocol::Tcp
            }
        };
        extra_port_mappings.push(PortMapping {
            container_port: u16::try_from(container).unwrap_or(0),
            host_port: u16::try_from(host).unwrap_or(0),
            listen_address: m.listen_address.filter(|a| !a.is_empty()).unwrap_or_else(|| "0.0.0.0".into()),
            protocol,
        });
    }

    let mut extra_mounts = Vec::new();
    for (j, m) in n.extra_mounts.unwrap_or_default().into_iter().enumerate() {
        let at = format!("{at}.extraMounts[{j}]");
        let host_path = m.host_path.unwrap_or_default();
        let host_path = if host_path.is_empty() {
            p.kina.push(format!("{at}.hostPath: must be set"));
            PathBuf::new()
        } else {
            let abs = absolute(base, &host_path);
            if abs.to_string_lossy().contains(':') {
                p.refused.push(colon_in_mount_path(&format!("{at}.hostPath"), &abs.to_string_lossy()));
            } else if !abs.exists() {
                p.kina.push(format!(
                    "{at}.hostPath: {} does not exist, and Apple container mounts only existing host paths",
                    abs.display()
                ));
            }
            abs
        };
        let container_path = m.container_path.unwrap_or_default();
        if !container_path.starts_with('/') {
            p.kina.push(format!("{at}.containerPath: must be an absolute path in the node, not {container_path:?}"));
        } else if container_path.contains(':') {
            p.refused.push(colon_in_mount_path(&format!("{at}.containerPath"), &container_path));
        }
        let propagation = m.propagation.unwrap_or(raw::Propagation::Unset);
        if matches!(propagation, raw::Propagation::HostToContainer | raw::Propagation::Bidirectional) {
            p.refused.push(format!(
                "{at}.propagation: {} is not possible on Apple container: host paths cross the VM boundary over \
                 virtiofs, which has no mount propagation; use None",
                propagation.as_str()
            ));
        }
        if m.selinux_relabel == Some(true) {
            p.warnings.push(format!("{at}.selinuxRelabel is ignored: macOS has no SELinux"));
        }
        extra_mounts.push(Mount { host_path, container_path, read_only: m.read_only.unwrap_or(false) });
    }

    let kubeadm_config_patches = n.kubeadm_config_patches.unwrap_or_default();
    check_merge_patches(&format!("{at}.kubeadmConfigPatches"), &kubeadm_config_patches, p);
    let kubeadm_config_patches_json6902 =
        json6902_patches(&format!("{at}.kubeadmConfigPatchesJSON6902"), n.kubeadm_config_patches_json6902, p);

    let cpus = match n.cpus {
        None => None,
        Some(c) => match u32::try_from(c) {
            Ok(c) if (1..=MAX_CPUS).contains(&c) => Some(c),
            _ => {
                p.kina.push(format!("{at}.cpus: must be a whole number from 1 to {MAX_CPUS}, not {c}"));
                None
            }
        },
    };
    let memory = n.memory.and_then(|m| match parse_memory(m.trim()) {
        Ok(m) => Some(m),
        Err(e) => {
            p.kina.push(format!("{at}.memory: {e}"));
            None
        }
    });
    let kernel = n.kernel.and_then(|k| {
        if k.is_empty() {
            p.kina.push(format!("{at}.kernel: must be a path to a Linux kernel image"));
            return None;
        }
        let abs = absolute(base, &k);
        if !abs.exists() {
            p.kina.push(format!("{at}.kernel: {} does not exist", abs.display()));
        }
        Some(abs)
    });

    Some(Node {
        role: role?,
        image: n.image.filter(|i| !i.is_empty()),
        labels: n.labels.unwrap_or_default(),
        extra_port_mappings,
        extra_mounts,
        kubeadm_config_patches,
        kubeadm_config_patches_json6902,
        cpus,
        memory,
        kernel,
    })
}

const DUPLICATE: &str = "port mapping with same listen address, port and protocol already configured";

/// Apple container's `-v SRC:DST[:OPTS]` splits at every `:`, so `/mnt/x:ro`
/// would silently become a read-only mount of `/mnt/x`: such paths are refused.
fn colon_in_mount_path(at: &str, path: &str) -> String {
    format!(
        "{at}: {path:?} contains ':', which Apple container's mount syntax (SRC:DST[:OPTS]) reads as a separator; \
         rename or symlink the directory to a path without ':'"
    )
}

fn protocol_name(p: Option<raw::Protocol>) -> &'static str {
    match p.unwrap_or(raw::Protocol::Unset) {
        raw::Protocol::Unset | raw::Protocol::Tcp => "TCP",
        raw::Protocol::Udp => "UDP",
        raw::Protocol::Sctp => "SCTP",
    }
}

/// The listen address as an IP; empty means kind's `0.0.0.0`.
fn listen_ip(text: Option<&str>) -> Option<IpAddr> {
    match text {
        None | Some("") => Some(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
        Some(t) => t.parse::<IpAddr>().ok().map(|a| a.to_canonical()),
    }
}

/// kind's duplicate check within one node: the same address, port and
/// protocol twice, or the wildcard address with any other on that port.
/// Unlike kind, the listen address is checked on every mapping, not only
/// those with a fixed host port.
fn validate_port_mappings(mappings: &[raw::PortMapping]) -> Result<(), String> {
    let mut bound: HashMap<String, HashSet<IpAddr>> = HashMap::new();
    for m in mappings {
        let Some(addr) = listen_ip(m.listen_address.as_deref()) else {
            return Err(format!("invalid listen address: {}", m.listen_address.as_deref().unwrap_or_default()));
        };
        let host = m.host_port.unwrap_or(0);
        if host == 0 || host == -1 {
            continue;
        }
        let port_protocol = format!("{host}/{}", protocol_name(m.protocol));
        let err = format!("{DUPLICATE}: {addr}:{port_protocol}");
        let addr = if addr.is_unspecified() { IpAddr::V4(Ipv4Addr::UNSPECIFIED) } else { addr };
        let set = bound.entry(port_protocol).or_default();
        let wildcard = IpAddr::V4(Ipv4Addr::UNSPECIFIED);
        if (addr == wildcard && !set.is_empty()) || set.contains(&addr) || set.contains(&wildcard) {
            return Err(err);
        }
        set.insert(addr);
    }
    Ok(())
}

/// Each node is its own VM, so two nodes (or a node and the API server)
/// cannot publish the same host port either. kind leaves this to docker.
fn ports_across_nodes(nodes: &[Node], networking: &types::Networking, p: &mut Problems) {
    let mut taken: Vec<(IpAddr, u16, Protocol, String)> = Vec::new();
    if networking.api_server_port != 0
        && let Ok(addr) = networking.api_server_address.parse::<IpAddr>()
    {
        taken.push((addr.to_canonical(), networking.api_server_port, Protocol::Tcp, "for the API server".into()));
    }
    for (i, node) in nodes.iter().enumerate() {
        let mut mine = Vec::new();
        for m in &node.extra_port_mappings {
            let Some(addr) = listen_ip(Some(&m.listen_address)) else { continue };
            if m.host_port == 0 {
                continue;
            }
            let clash = taken.iter().find(|(a, port, proto, _)| {
                *port == m.host_port
                    && *proto == m.protocol
                    && (a == &addr || a.is_unspecified() || addr.is_unspecified())
            });
            if let Some((_, _, _, owner)) = clash {
                p.kina.push(format!(
                    "invalid configuration for node {i}: invalid portMapping: {DUPLICATE} {owner}: {}:{}/{}",
                    addr,
                    m.host_port,
                    m.protocol.as_str().to_uppercase()
                ));
            }
            mine.push((addr, m.host_port, m.protocol, format!("on node {i}")));
        }
        taken.extend(mine);
    }
}

fn json6902_patches(at: &str, raw: Option<Vec<raw::PatchJson6902>>, p: &mut Problems) -> Vec<PatchJson6902> {
    let mut out = Vec::new();
    for (i, patch) in raw.unwrap_or_default().into_iter().enumerate() {
        let patch = PatchJson6902 {
            group: patch.group.unwrap_or_default(),
            version: patch.version.unwrap_or_default(),
            kind: patch.kind.unwrap_or_default(),
            patch: patch.patch.unwrap_or_default(),
        };
        check_json6902(&format!("{at}[{i}].patch"), &patch.patch, p);
        out.push(patch);
    }
    out
}

/// Merge patches are YAML streams of mappings, as kind splits them.
fn check_merge_patches(at: &str, patches: &[String], p: &mut Problems) {
    for (i, patch) in patches.iter().enumerate() {
        let docs: Result<Vec<serde_json::Value>, _> = yaml::from_multiple(patch);
        match docs {
            Err(e) => p.kina.push(format!("{at}[{i}]: failed to parse patches: {}", first_line(&e.to_string()))),
            Ok(docs) if docs.iter().any(|d| !d.is_object()) => {
                p.kina.push(format!("{at}[{i}]: failed to parse patches: each document must be a YAML mapping"));
            }
            Ok(_) => {}
        }
    }
}

/// An RFC 6902 patch is a list of operations, each with `op` and `path`.
fn check_json6902(at: &str, patch: &str, p: &mut Problems) {
    let ops = match yaml::from_str_located::<serde_json::Value>(patch) {
        Ok(v) => v,
        Err(e) => {
            let line = e.line.map(|l| format!("line {l}: ")).unwrap_or_default();
            p.kina.push(format!("{at}: failed to parse JSON 6902 patch: {line}{}", e.message));
            return;
        }
    };
    let valid = ops.as_array().is_some_and(|ops| {
        ops.iter()
            .all(|op| op.get("op").is_some_and(|o| o.is_string()) && op.get("path").is_some_and(|o| o.is_string()))
    });
    if !valid {
        p.kina.push(format!(
            "{at}: failed to parse JSON 6902 patch: expected a list of operations, each with `op` and `path`"
        ));
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

/// kind's aggregate: one message as is, several as `[a, b]`, duplicates once.
pub(super) fn aggregate(errors: &[String]) -> String {
    let mut seen = Vec::<&str>::new();
    for e in errors {
        if !seen.contains(&e.as_str()) {
            seen.push(e);
        }
    }
    match seen.as_slice() {
        [one] => (*one).to_string(),
        many => format!("[{}]", many.join(", ")),
    }
}

/// `base`-relative paths made absolute and cleaned, like Go's `filepath.Abs`.
fn absolute(base: &Path, path: &str) -> PathBuf {
    let joined = base.join(path);
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

//! Boots the node VM and prepares it for kubeadm: run it, wait for containerd,
//! apply the runtime settings and read back its address.

use anyhow::{Context as _, bail};

use super::{Context, NodeFailure, RunState, kindnet_conflist};
use crate::cluster::network::unit;
use crate::cluster::node_boot::{BOOT_TIMEOUT, BootReport, RUNTIME_SETTINGS, wait_for_containerd};
use crate::cluster::plan::PlannedNode;
use crate::exec::ExecError;
use crate::node_image::Baked;
use crate::provider::{
    API_SERVER_PORT, FixedAddress, Node, NodeCommand, NodeHandle, NodeSpec, NodeState, Provider, ProviderError,
};

/// Writes the CNI config that arrives on stdin.
const WRITE_CNI_CONFIG: &str = "mkdir -p /etc/cni/net.d
cat > /etc/cni/net.d/10-kindnet.conflist
";

pub(super) async fn execute<P: Provider>(ctx: &mut Context<'_, P>) -> anyhow::Result<()> {
    // Every node boots at once; each one is ready for kubeadm when its future ends.
    let shared = &*ctx;
    let boots = shared.nodes.iter().enumerate().map(|(i, node)| async move {
        prepare(shared, node, i == 0).await.map_err(|err| {
            err.context(NodeFailure { node: node.name.clone(), what: format!("failed to prepare node {}", node.name) })
        })
    });
    let booted = futures_util::future::try_join_all(boots).await?;
    for (i, prepared) in booted.into_iter().enumerate() {
        if i == 0 && prepared.report.has_baked(Baked::InitControlPlane) {
            ctx.init_in_one_exec = true;
            ctx.conflist_at_init = prepared.deferred_conflist;
            ctx.node_address_at_init = prepared.deferred_address;
            ctx.cni_template = prepared.report.cni_template;
        }
        ctx.kubernetes_versions.insert(prepared.node.name.clone(), prepared.report.kubernetes_version);
        ctx.booted.insert(prepared.node.name.clone(), prepared.node);
    }
    Ok(())
}

/// A booted node, ready for kubeadm.
struct Prepared {
    node: Node,
    report: BootReport,
    /// kindnet's conflist, still to be written (by the image's one-exec init).
    deferred_conflist: Option<String>,
    /// The fixed address (`ADDRESS/PREFIX`), still to be given (by the same exec).
    deferred_address: Option<String>,
}

/// Creates one node VM, waits for it to boot, applies the runtime settings
/// and writes kindnet's conflist (unless its image does them) and reads back
/// its address.
async fn prepare<P: Provider>(
    ctx: &Context<'_, P>,
    planned: &PlannedNode,
    bootstrap: bool,
) -> anyhow::Result<Prepared> {
    let node = planned.name.as_str();
    ctx.set_run_state(node, RunState::InFlight);
    if let Err(err) = ctx.provider.create_node(&planned.spec).await {
        if matches!(err, ProviderError::Exec(ExecError::Failed { .. })) {
            ctx.set_run_state(node, RunState::Refused);
        }
        return Err(anyhow::Error::new(err).context(format!("failed to create node VM {node}")));
    }
    ctx.set_run_state(node, RunState::Created);

    let report = wait_for_containerd(ctx.provider, node, BOOT_TIMEOUT).await?;

    // Only the first node's pod range is known before it registers.
    let conflist =
        if bootstrap && ctx.install_cni() { kindnet_conflist::render(&ctx.config.networking.pod_subnet) } else { None };
    // The settings and the conflist share one exec; an image that applies the
    // settings at boot needs none for them, and one that inits in one exec
    // writes the conflist there.
    let (conflist, deferred_conflist) =
        if report.has_baked(Baked::InitControlPlane) { (None, conflist) } else { (conflist, None) };
    // A node with a fixed address: its address unit applies the settings, and
    // the conflist shares the exec that installs it. An image whose one-exec
    // init also gives the address has it done there, on the bootstrap node.
    if let Some(fixed) = &planned.spec.fixed {
        let at_init = bootstrap && report.has_baked(Baked::InitControlPlane) && report.has_baked(Baked::NodeAddress);
        let deferred_address = at_init.then(|| fixed.with_prefix());
        if !at_init {
            let conflist = conflist.map(|c| (WRITE_CNI_CONFIG, c));
            let install = unit::install(fixed, conflist);
            ctx.provider.node(node).run_checked(&install).await.context("failed to give the node its fixed address")?;
        }
        // The address is kina's own choice: nothing to read back.
        let node = planned_node(&planned.spec, fixed);
        return Ok(Prepared { node, report, deferred_conflist, deferred_address });
    }
    let settings = if report.has_baked(Baked::RuntimeSettings) { "" } else { RUNTIME_SETTINGS };
    let prepare = match conflist {
        Some(conflist) => {
            debug_assert!(WRITE_CNI_CONFIG.contains(kindnet_conflist::PATH));
            let script = [if settings.is_empty() { "set -e\n" } else { settings }, WRITE_CNI_CONFIG].concat();
            Some(NodeCommand::new(["sh".to_string(), "-c".to_string(), script]).stdin(conflist))
        }
        None if settings.is_empty() => None,
        None => Some(NodeCommand::new(["sh", "-c", RUNTIME_SETTINGS])),
    };
    if let Some(prepare) = prepare {
        ctx.provider.node(node).run_checked(&prepare).await.context("failed to apply the node's runtime settings")?;
    }

    let inspected = ctx.provider.node(node).inspect().await?;
    if inspected.ipv4.is_none() {
        bail!("node {node} has no IPv4 address; check `container inspect {node}`");
    }
    Ok(Prepared { node: inspected, report, deferred_conflist, deferred_address: None })
}

/// A node on its cluster network, as the runtime will list it while it runs.
fn planned_node(spec: &NodeSpec, fixed: &FixedAddress) -> Node {
    let published_tcp: Vec<(u16, String)> = spec
        .ports
        .iter()
        .filter(|p| p.protocol == "tcp")
        .map(|p| {
            let host = if p.host_address == "0.0.0.0" { "127.0.0.1" } else { p.host_address.as_str() };
            (p.container_port, format!("{host}:{}", p.host_port))
        })
        .collect();
    Node {
        name: spec.name.clone(),
        cluster: spec.cluster.clone(),
        role: Some(spec.role),
        state: NodeState::Running,
        ipv4: Some(fixed.address),
        runtime_ipv4: None,
        fixed: Some(fixed.clone()),
        image: Some(spec.image.clone()),
        kubernetes_version: spec.kubernetes_version.clone(),
        api_server_endpoint: published_tcp.iter().find(|(port, _)| *port == API_SERVER_PORT).map(|(_, e)| e.clone()),
        published_tcp,
    }
}

/// Settings every node VM gets from the Mac: its proxy, minus cluster traffic.
pub(crate) fn host_env(pod_subnet: &str, service_subnet: &str) -> Vec<(String, String)> {
    proxy_env(|k| std::env::var(k).ok(), &[pod_subnet, service_subnet])
}

/// Passes the host's proxy settings on, keeping cluster traffic off the proxy.
pub(super) fn proxy_env(get: impl Fn(&str) -> Option<String>, subnets: &[&str]) -> Vec<(String, String)> {
    let mut env = Vec::new();
    for key in ["HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"] {
        if let Some(value) = get(key).filter(|v| !v.is_empty()) {
            env.push((key.to_string(), value));
        }
    }
    if env.is_empty() {
        return env;
    }
    for key in ["NO_PROXY", "no_proxy"] {
        let mut entries: Vec<String> = get(key).map(|v| v.split(',').map(str::to_string).collect()).unwrap_or_default();
        entries.retain(|e| !e.is_empty());
        for extra in ["192.168.0.0/16", ".svc", ".svc.cluster", ".svc.cluster.local"].iter().chain(subnets) {
            if !entries.iter().any(|e| e == extra) {
                entries.push(extra.to_string());
            }
        }
        env.push((key.to_string(), entries.join(",")));
    }
    env
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_proxy_settings_means_no_env() {
        assert!(proxy_env(|_| None, &["10.244.0.0/16"]).is_empty());
    }

    #[test]
    fn proxies_pass_through_with_cluster_ranges_exempt() {
        let env = proxy_env(
            |k| match k {
                "HTTPS_PROXY" => Some("http://proxy:3128".into()),
                "NO_PROXY" => Some("localhost,.corp".into()),
                _ => None,
            },
            &["10.244.0.0/16", "10.96.0.0/16"],
        );
        assert_eq!(env[0], ("HTTPS_PROXY".into(), "http://proxy:3128".into()));
        let no_proxy = &env.iter().find(|(k, _)| k == "NO_PROXY").unwrap().1;
        assert_eq!(
            no_proxy,
            "localhost,.corp,192.168.0.0/16,.svc,.svc.cluster,.svc.cluster.local,10.244.0.0/16,10.96.0.0/16"
        );
        assert!(env.iter().any(|(k, _)| k == "no_proxy"));
    }
}

//! `kina create cluster`: kind's create flow on Apple `container` VMs.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;

use std::collections::BTreeMap;

use super::actions::{Action, Context, NodeFailure, RunState, export_admin_conf, export_kubeconfig, host_env};
use super::network::ClusterNetwork;
use super::plan::{Overrides, plan};
use super::{ClusterError, interrupt, names};
use crate::config::types::Cluster;
use crate::kubeconfig;
use crate::output::Printer;
use crate::provider::registry::RegistryRuntime;
use crate::provider::{Provider, Purpose, RuntimeInfo};
use crate::registry::{ClusterRegistry, RegistryRequest};

pub(crate) struct CreateOptions {
    pub name: String,
    pub config: Cluster,
    /// `--image`, `--cpus`, `--memory`: applied to every node.
    pub overrides: Overrides,
    pub retain: bool,
    pub wait: Duration,
    pub kubeconfig: PathBuf,
    /// Shown in the `kubectl cluster-info` hint when the user chose the file.
    pub explicit_kubeconfig: bool,
    /// `--registry`: the registry to make or reuse once every check has passed, and to
    /// connect once the nodes are up (inside the control plane on macOS 15, which then
    /// publishes its port and mounts its volume).
    pub registry: Option<RegistryRequest>,
}

pub(crate) async fn create<P: Provider + RegistryRuntime>(
    provider: &P,
    printer: &Printer,
    opts: &CreateOptions,
) -> anyhow::Result<()> {
    let (mut runtime, existing, others) =
        check_before_create(provider, &opts.name, &opts.config).await.context("failed to create cluster")?;
    if let Some(warning) = runtime.warning {
        printer.warn(&warning);
    }
    kubeconfig::check_export(&opts.kubeconfig).context("failed to create cluster")?;
    let networking = &opts.config.networking;
    let env = host_env(&networking.pod_subnet, &networking.service_subnet);
    // Ports a free pick must avoid: what any container publishes, running or not (a
    // stopped cluster or registry needs its ports back), and the port of a registry
    // this create is about to make.
    let mut taken: Vec<u16> = existing
        .iter()
        .chain(&others)
        .flat_map(|n| &n.published_tcp)
        .filter_map(|(_, on_mac)| port_of(on_mac))
        .collect();
    if let Some(RegistryRequest::Vm { port, .. }) = &opts.registry {
        taken.push(port.unwrap_or(crate::registry::DEFAULT_PORT));
    }
    let mut nodes = plan(&opts.name, &opts.config, crate::versions::default_image(), &opts.overrides, &env, &taken)
        .context("failed to create cluster")?;
    if let Some(RegistryRequest::InNode(registry)) = &opts.registry {
        crate::registry::in_node::add_to_node(&mut nodes[0].spec, registry);
    }
    if let Some(taken) = nodes.iter().find(|n| others.iter().any(|o| o.name == n.name)) {
        let err = ClusterError::NameTaken { name: taken.name.clone(), cluster: opts.name.clone() };
        return Err(anyhow::Error::new(err).context("failed to create cluster"));
    }
    if let Err(err) = super::ports::check(&nodes, &existing, &others) {
        let err = super::ports::name_the_holder(err).await;
        return Err(anyhow::Error::new(err).context("failed to create cluster"));
    }
    let network = match super::network::wanted() {
        true => {
            let ranges = [networking.pod_subnet.as_str(), networking.service_subnet.as_str()];
            super::network::prepare(provider, &opts.name, &ranges, runtime.networks.take())
                .await
                .context("failed to create cluster")?
        }
        false => None,
    };
    if let Some(network) = &network {
        for (index, node) in nodes.iter_mut().enumerate() {
            node.spec.fixed = Some(network.node_address(index));
        }
    }

    let mut made = MadeRegistry::default();
    let registry = match &opts.registry {
        None => None,
        Some(request) => {
            let ensured = tokio::select! {
                result = ensure_registry(provider, printer, request, network.as_ref(), &nodes, &mut made) => result,
                () = interrupt::requested() => Err(ClusterError::Interrupted.into()),
            };
            match ensured {
                Ok(registry) => {
                    // Running as this create wants it: nothing of before to bring back.
                    made.before = None;
                    Some(registry)
                }
                Err(err) => {
                    made.clean_up(provider, printer, &opts.name).await;
                    clean_up(provider, printer, &opts.name, &BTreeMap::new(), network.as_ref()).await;
                    return Err(err);
                }
            }
        }
    };

    printer.info(&format!("Creating cluster {:?} ...", opts.name));
    let bootstrap = nodes[0].name.clone();
    let mut ctx = Context {
        provider,
        printer,
        cluster: opts.name.clone(),
        config: opts.config.clone(),
        nodes,
        wait: opts.wait,
        kubeconfig: opts.kubeconfig.clone(),
        runs: Default::default(),
        booted: Default::default(),
        kubernetes_versions: Default::default(),
        init_in_one_exec: false,
        node_address_at_init: None,
        conflist_at_init: None,
        kubeadm_config_at_init: None,
        cni_template: None,
        admin_conf: None,
        started: std::time::Instant::now(),
    };

    let outcome = tokio::select! {
        result = run_actions(&mut ctx, registry.as_ref()) => result,
        () = interrupt::requested() => Err(ClusterError::Interrupted.into()),
    };
    if let Err(err) = outcome {
        printer.end(false);
        let interrupted = matches!(err.downcast_ref::<ClusterError>(), Some(ClusterError::Interrupted));
        // The node to point the hint at: the one that failed (else the bootstrap node)
        // if its VM was made (or may have been), else another whose VM was: `--retain`
        // keeps only those. None when no VM was made at all.
        let failed = err.downcast_ref::<NodeFailure>().map_or(bootstrap.clone(), |f| f.node.clone());
        let node = {
            let runs = ctx.runs.lock().unwrap();
            let made = |n: &String| matches!(runs.get(n), Some(RunState::Created | RunState::InFlight));
            [failed, bootstrap].into_iter().chain(runs.keys().cloned()).find(made)
        };
        if opts.retain {
            printer.info(&format!("Keeping nodes of cluster {:?} (--retain)", opts.name));
        } else {
            let runs = std::mem::take(&mut *ctx.runs.lock().unwrap());
            made.clean_up(provider, printer, &opts.name).await;
            clean_up(provider, printer, &opts.name, &runs, network.as_ref()).await;
        }
        if interrupted {
            return Err(err);
        }
        return Err(ClusterError::Step {
            step: "failed to create cluster".into(),
            node,
            retained: opts.retain,
            source: err,
        }
        .into());
    }

    if opts.wait.is_zero() {
        let took = crate::duration::format_elapsed(ctx.started.elapsed());
        printer.info(&format!(" • Created after {took} (the nodes turn Ready on their own; --wait waits for them)"));
    }
    let context = kubeconfig::kina_key(&opts.name);
    printer.info(&format!("Set kubectl context to {context:?}"));
    printer.info("You can now use your cluster with:\n");
    let hint = if opts.explicit_kubeconfig {
        let path = opts.kubeconfig.display().to_string();
        format!("kubectl cluster-info --context {context} --kubeconfig {}", shell_words::quote(&path))
    } else {
        format!("kubectl cluster-info --context {context}")
    };
    printer.info(&hint);
    printer.info("\nHave a nice day! 👋");
    Ok(())
}

/// Everything that must hold before anything is made (kind's order: name,
/// runtime, no existing nodes).
/// `127.0.0.1:6445` → 6445.
fn port_of(endpoint: &str) -> Option<u16> {
    endpoint.rsplit_once(':')?.1.parse().ok()
}

async fn check_before_create<P: Provider>(
    provider: &P,
    name: &str,
    config: &crate::config::Cluster,
) -> anyhow::Result<(RuntimeInfo, Vec<crate::provider::Node>, Vec<crate::provider::Node>)> {
    names::validate(name)?;
    crate::containerd::check_cri_registry(
        &config.containerd_config_patches,
        &config.containerd_config_patches_json6902,
    )?;
    let purpose = if config.nodes.len() > 1 { Purpose::CreateConnectedNodes } else { Purpose::CreateNodes };
    let runtime = provider.preflight(purpose).await?;
    if let Some(link) = &runtime.missing_kernel
        && config.nodes.iter().any(|node| node.kernel.is_none())
    {
        return Err(crate::provider::ProviderError::NoKernel { link: link.clone() }.into());
    }
    if runtime.nodes_reach_each_other == Some(false) {
        return Err(ClusterError::MultiNodeNeedsMacOs26.into());
    }
    // One listing: kina's nodes, and every other container (a registry VM among them).
    let (existing, others): (Vec<_>, Vec<_>) =
        provider.list_containers().await?.into_iter().partition(|n| n.is_kinas());
    if existing.iter().any(|n| n.cluster == name) {
        return Err(ClusterError::AlreadyExists(name.to_string()).into());
    }
    Ok((runtime, existing, others))
}

async fn run_actions<P: Provider + RegistryRuntime>(
    ctx: &mut Context<'_, P>,
    registry: Option<&ClusterRegistry>,
) -> anyhow::Result<()> {
    for action in Action::BOOT {
        ctx.printer.start(&action.label(ctx));
        action.execute(ctx).await?;
    }
    let workers = ctx.workers().next().is_some();
    let (cni, storage) = (ctx.install_cni(), ctx.install_storage());
    for action in Action::after_boot(ctx.wait, cni, storage, workers, ctx.init_in_one_exec) {
        ctx.printer.start(&action.label(ctx));
        action.execute(ctx).await?;
    }
    match registry {
        Some(ClusterRegistry::Vm(registry)) => {
            ctx.printer.start(&format!("Connecting registry {:?} (localhost:{}) 🗄️", registry.name, registry.port));
            crate::registry::connect(ctx.provider, ctx.printer, &ctx.cluster, &registry.name).await?;
        }
        Some(ClusterRegistry::InNode(registry)) => {
            let label = format!("Starting registry {:?} in the node (localhost:{}) 🗄️", registry.name, registry.port);
            ctx.printer.start(&label);
            crate::registry::in_node::connect(ctx.provider, ctx.printer, &ctx.cluster, registry).await?;
        }
        None => {}
    }
    ctx.printer.end(true);
    // Last, so a failure anywhere above leaves the kubeconfig untouched.
    let node = ctx.booted(&ctx.bootstrap().name)?.clone();
    let written = match ctx.admin_conf.take() {
        Some(admin_conf) => export_admin_conf(&admin_conf, &node, &ctx.kubeconfig)?,
        None => export_kubeconfig(ctx.provider, &node, &ctx.kubeconfig, false).await?,
    };
    if let Some(notice) = written.notice(&ctx.kubeconfig) {
        ctx.printer.warn(&notice);
    }
    Ok(())
}

/// What of a registry this create made, so a failed or interrupted create removes it:
/// the registry VM when none of that name existed, its volume when that was new too
/// (an existing volume holds images from before and stays). `before`: the registry VM
/// as it was, which an interrupted recreate (to join the cluster's network) may have
/// left without its VM: it is run again as it was.
#[derive(Debug, Default)]
struct MadeRegistry {
    vm: Option<String>,
    volume: Option<String>,
    before: Option<crate::provider::registry::RegistryVm>,
}

impl MadeRegistry {
    async fn clean_up<P: Provider + RegistryRuntime>(&self, provider: &P, printer: &Printer, cluster: &str) {
        let made = crate::registry::Made { vm: self.vm.as_deref(), volume: self.volume.as_deref() };
        let result = crate::registry::undo_for_cluster(provider, printer, cluster, made, self.before.as_ref()).await;
        if let (Err(err), Some(name)) = (result, self.vm.as_ref().or(self.volume.as_ref())) {
            printer.warn(&format!(
                "could not remove the registry this create made: {err:#}; remove it with `kina delete registry --name {name}`"
            ));
        }
    }
}

/// The registry the cluster connects to, noting in `made` what this create makes.
/// Runs once every check of the cluster has passed, so a refused create makes nothing.
async fn ensure_registry<P: Provider + RegistryRuntime>(
    provider: &P,
    printer: &Printer,
    request: &RegistryRequest,
    network: Option<&ClusterNetwork>,
    nodes: &[super::plan::PlannedNode],
    made: &mut MadeRegistry,
) -> anyhow::Result<ClusterRegistry> {
    let volume = crate::registry::volume_name(request.name());
    // Listed and changed under the lock: another command's change in between (a
    // registry recreated, or its volume deleted) would be lost.
    let lock = crate::registry::lock(printer).await.context("failed to create cluster")?;
    let listed = provider.list_registries().await.context("failed to create cluster")?;
    let fresh = !listed.iter().any(|r| r.name == request.name());
    if fresh && !provider.volume_exists(&volume).await.context("failed to create cluster")? {
        made.volume = Some(volume);
    }
    match request {
        RegistryRequest::InNode(in_node) => Ok(ClusterRegistry::InNode(in_node.clone())),
        RegistryRequest::Vm { name, port } => {
            // The registry VM publishes its port on the Mac: no node of the cluster can too.
            let registry_port = listed
                .iter()
                .find(|r| r.name == *name)
                .map_or(port.unwrap_or(crate::registry::DEFAULT_PORT), |r| r.port);
            let clash =
                nodes.iter().find(|n| n.spec.ports.iter().any(|p| p.protocol == "tcp" && p.host_port == registry_port));
            if let Some(node) = clash {
                let err = ClusterError::PortOfRegistry {
                    port: registry_port,
                    registry: name.clone(),
                    node: node.name.clone(),
                };
                return Err(anyhow::Error::new(err).context("failed to create cluster"));
            }
            if fresh {
                made.vm = Some(name.clone());
            } else {
                made.before = listed.iter().find(|r| r.name == *name && r.is_vm()).cloned();
            }
            let vm = crate::registry::ensure_for_cluster(
                &lock,
                provider,
                printer,
                name,
                *port,
                network.map(|n| n.name.as_str()),
                listed,
            )
            .await?;
            Ok(ClusterRegistry::Vm(vm))
        }
    }
}

/// Removes the node VMs this create made, and nothing else: not another
/// process's nodes of the same names, not containers kina did not label.
/// Then the cluster's network, once none of its nodes is left (and no registry VM
/// is on it).
async fn clean_up<P: Provider + RegistryRuntime>(
    provider: &P,
    printer: &Printer,
    cluster: &str,
    runs: &BTreeMap<String, RunState>,
    network: Option<&ClusterNetwork>,
) {
    if clean_up_nodes(provider, printer, cluster, runs).await
        && let Some(network) = network
        && let Err(err) = release_and_delete(provider, printer, &network.name).await
    {
        printer.warn(&format!(
            "could not remove network {:?}: {err:#}; remove it with `container network delete {}`",
            network.name, network.name
        ));
    }
}

async fn release_and_delete<P: Provider + RegistryRuntime>(
    provider: &P,
    printer: &Printer,
    network: &str,
) -> anyhow::Result<()> {
    let lock = crate::registry::lock(printer).await?;
    crate::registry::release_networks(&lock, provider, printer, &[network.to_string()]).await?;
    provider.delete_network(network).await?;
    Ok(())
}

/// Whether every node this create made is gone.
async fn clean_up_nodes<P: Provider>(
    provider: &P,
    printer: &Printer,
    cluster: &str,
    runs: &BTreeMap<String, RunState>,
) -> bool {
    let ours: Vec<&String> = runs.iter().filter(|(_, s)| **s != RunState::Refused).map(|(n, _)| n).collect();
    if ours.is_empty() {
        return true;
    }
    let in_flight = runs.values().any(|s| *s == RunState::InFlight);
    let result = async {
        // An interrupted `container run` may still be finishing on the runtime's side.
        let mut delay = Duration::from_millis(100);
        let found = loop {
            let listed = provider.list_nodes().await?;
            let found: Vec<String> = listed
                .into_iter()
                .filter(|n| n.cluster == cluster && ours.contains(&&n.name))
                .map(|n| n.name)
                .collect();
            if found.len() == ours.len() || !in_flight || delay > Duration::from_secs(2) {
                break found;
            }
            tokio::time::sleep(delay).await;
            delay *= 2;
        };
        provider.delete_nodes(&found).await?;
        anyhow::Ok(found)
    }
    .await;
    match result {
        Ok(nodes) if nodes.is_empty() => true,
        Ok(nodes) => {
            printer.info(&format!("Deleted nodes: {}", super::delete::quoted_list(&nodes)));
            true
        }
        Err(err) => {
            printer.warn(&format!(
                "could not remove the nodes of cluster {cluster:?}: {err:#}; remove them with `kina delete cluster --name {cluster}`"
            ));
            false
        }
    }
}

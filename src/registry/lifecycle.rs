//! `kina create|delete|get registry`, and the registry a `create cluster --registry` uses.

use anyhow::Context as _;

use super::{DEFAULT_PORT, IMAGE, RegistryError, volume_name};
use crate::output::Printer;
use crate::provider::registry::{RegistryRuntime, RegistrySpec, RegistryVm};
use crate::provider::{NodeState, Provider, ProviderError, Purpose};

/// The registries kina made, as one listing.
type Registries = Vec<RegistryVm>;

/// The command that pushes an image from the Mac. `--scheme http` is needed: Apple
/// `container` picks HTTPS for `localhost:<port>` (its `auto` scheme compares the host
/// with its port against `localhost`, and 1.3.0 removed `auto` altogether,
/// https://github.com/apple/container/pull/2100).
pub(crate) fn push_command(port: u16, image: &str) -> String {
    format!("container image push --scheme http {}/{image}", super::host(port))
}

/// Every registry kina made.
pub(crate) async fn list<P: RegistryRuntime>(provider: &P) -> Result<Registries, ProviderError> {
    provider.list_registries().await
}

/// kind's name rule, short enough for `<name>-data` as a volume name too.
fn validate_name(name: &str) -> Result<(), RegistryError> {
    let valid = !name.is_empty()
        && name.len() <= 58
        && name.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-');
    if valid { Ok(()) } else { Err(RegistryError::InvalidName(name.to_string())) }
}

/// The runtime networks a registry on `current` must be on to also serve clusters on
/// `cluster_networks`: VMs reach each other only on a network they share. Empty (the
/// runtime's default network) while no cluster has a network of its own; otherwise the
/// default network stays, for clusters that are on it.
pub(crate) fn networks_for_clusters(current: &[String], cluster_networks: &[&str]) -> Vec<String> {
    if current.is_empty() && cluster_networks.is_empty() {
        return Vec::new();
    }
    let mut networks = if current.is_empty() { vec![DEFAULT_NETWORK.to_string()] } else { current.to_vec() };
    for network in cluster_networks {
        if !networks.iter().any(|n| n == network) {
            networks.push(network.to_string());
        }
    }
    networks
}

/// The runtime's default network, where a VM run without `--network` goes.
const DEFAULT_NETWORK: &str = "default";

/// The networks of the running clusters that send `localhost:<port>` to a registry (a
/// `hosts.toml` for it) and have a network of their own: a registry made on that port
/// joins them, so clusters that used a registry of its port before reach it again. A
/// stopped one joins at its `kina start` ([`super::heal_cluster`]); clusters that never
/// used it are left out, so deleting them does not recreate the registry.
async fn networks_of_clusters_using<P: Provider>(provider: &P, port: u16) -> Result<Vec<String>, ProviderError> {
    let nodes = provider.list_nodes().await?;
    let mut networks = Vec::new();
    for cluster in super::connect::clusters_using_among(provider, &nodes, port).await? {
        let members: Vec<_> = nodes.iter().filter(|n| n.cluster == cluster).cloned().collect();
        if let Some((network, _)) = crate::cluster::network::fixed_addresses(&members) {
            networks.push(network.name);
        }
    }
    Ok(networks)
}

/// Whether the registry VM lacks one of `networks` (a VM cannot join a network while
/// running, so a missing one means recreating the VM; its volume keeps the images).
fn lacks_network(registry: &RegistryVm, networks: &[String]) -> bool {
    networks.iter().any(|n| !registry.networks.contains(n))
}

/// `kina create registry`: checks everything first (macOS, name, port), then pulls the
/// image and creates the VM with its volume.
pub(crate) async fn create<P: Provider + RegistryRuntime>(
    provider: &P,
    printer: &Printer,
    name: &str,
    port: u16,
) -> anyhow::Result<RegistryVm> {
    validate_name(name).context("failed to create registry")?;
    let _lock = super::lock(printer).await.context("failed to create registry")?;
    check_before_create(provider, name, port).await.context("failed to create registry")?;
    let networks = networks_of_clusters_using(provider, port).await.context("failed to create registry")?;
    let networks = networks_for_clusters(&[], &networks.iter().map(String::as_str).collect::<Vec<_>>());
    let created = make(provider, printer, name, port, networks).await.context("failed to create registry")?;
    follow(provider, printer).await?;
    Ok(created)
}

async fn check_before_create<P: Provider + RegistryRuntime>(provider: &P, name: &str, port: u16) -> anyhow::Result<()> {
    validate_name(name)?;
    let runtime = provider.preflight(Purpose::CreateConnectedNodes).await?;
    if runtime.nodes_reach_each_other == Some(false) {
        return Err(RegistryError::InNodeOnly.into());
    }
    if let Some(link) = runtime.missing_kernel {
        return Err(ProviderError::NoKernel { link }.into());
    }
    let registries = provider.list_registries().await?;
    if let Some(existing) = registries.iter().find(|r| r.name == name) {
        return Err(RegistryError::AlreadyExists { name: name.to_string(), port: existing.port }.into());
    }
    if let Some(other) = registries.iter().find(|r| r.port == port) {
        return Err(RegistryError::PortOfAnotherRegistry { port, other: other.name.clone() }.into());
    }
    let containers = provider.list_containers().await?;
    if containers.iter().any(|c| c.name == name) {
        return Err(RegistryError::NameTaken(name.to_string()).into());
    }
    let publisher = containers.iter().filter(|c| c.is_running()).find(|c| {
        c.published_tcp
            .iter()
            .any(|(_, on_mac)| on_mac.rsplit_once(':').and_then(|(_, p)| p.parse().ok()) == Some(port))
    });
    if let Some(publisher) = publisher {
        return Err(RegistryError::PortPublished { port, container: publisher.name.clone() }.into());
    }
    if port_in_use_on_the_mac(port) {
        let holder = crate::port_holder::holder("tcp", port).await;
        return Err(RegistryError::PortInUse { port, holder }.into());
    }
    Ok(())
}

fn port_in_use_on_the_mac(port: u16) -> bool {
    matches!(std::net::TcpListener::bind(("127.0.0.1", port)), Err(e) if e.kind() == std::io::ErrorKind::AddrInUse)
}

/// Pulls the image if needed and runs the registry VM; returns it as listed.
async fn make<P: Provider + RegistryRuntime>(
    provider: &P,
    printer: &Printer,
    name: &str,
    port: u16,
    networks: Vec<String>,
) -> anyhow::Result<RegistryVm> {
    printer.info(&format!("Creating registry {name:?} on {} ...", super::host(port)));
    let created = run_vm(provider, printer, name, port, networks).await?;
    printer.info(&format!("Push images from this Mac with: {}", push_command(port, "<image>:<tag>")));
    Ok(created)
}

/// The registry whose VM [`remake`] has deleted and not run again yet: what a command
/// interrupted there runs again ([`finish_interrupted`]). A Ctrl-C drops the command's
/// future mid-remake, so this is recorded outside it.
static MID_RECREATE: std::sync::Mutex<Option<RegistryVm>> = std::sync::Mutex::new(None);

fn mid_recreate(registry: Option<&RegistryVm>) {
    *MID_RECREATE.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = registry.cloned();
}

/// What a `create cluster --registry` made of a registry: the VM and the volume when
/// they are new.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Made<'a> {
    pub vm: Option<&'a str>,
    pub volume: Option<&'a str>,
}

/// What a failed or interrupted `create cluster --registry` undoes, under the lock: the
/// registry VM and volume it made, unless another cluster uses the registry by now (a
/// create that reused it meanwhile); a registry it left without its VM (`before`, as it
/// was), run again as it was.
pub(crate) async fn undo_for_cluster<P: Provider + RegistryRuntime>(
    provider: &P,
    printer: &Printer,
    cluster: &str,
    made: Made<'_>,
    before: Option<&RegistryVm>,
) -> anyhow::Result<()> {
    if made.vm.is_none() && made.volume.is_none() && before.is_none() {
        return Ok(());
    }
    let _lock = super::lock(printer).await?;
    // A create refused before its `run` made nothing; an interrupted `run` may have.
    let listed = provider.list_registries().await?;
    if let Some(registry) = made.vm.and_then(|vm| listed.iter().find(|r| r.name == vm)) {
        let others: Vec<String> =
            super::clusters_using(provider, registry.port).await?.into_iter().filter(|c| c != cluster).collect();
        if !others.is_empty() {
            printer.info(&format!(
                "Keeping registry {:?}, which this create made: clusters {} use it now",
                registry.name,
                crate::cluster::delete::quoted_list(&others)
            ));
            return Ok(());
        }
        provider.delete_registry(&registry.name).await?;
        printer.info(&format!("Deleted registry {:?} (this create made it)", registry.name));
    }
    if let Some(volume) = made.volume {
        provider.delete_volume(volume).await?;
    }
    if let Some(before) = before
        && let Err(err) = run_as_it_was(provider, printer, before).await
    {
        warn_lost(printer, before, &err);
    }
    Ok(())
}

/// A registry that could not be run again as it was: gone, its images on its volume,
/// and the command that brings it back.
fn warn_lost(printer: &Printer, before: &RegistryVm, err: &anyhow::Error) {
    let lost = RegistryError::Recreate {
        name: before.name.clone(),
        port: before.port,
        restored: false,
        cause: format!("{err:#}"),
    };
    printer.warn(&format!("{lost}; {}", lost.hint().unwrap_or_default()));
}

/// After an interrupted command: a registry it left without its VM (interrupted between
/// deleting and running it again) runs again as it was, and the clusters follow it.
pub(crate) async fn finish_interrupted<P: Provider + RegistryRuntime>(provider: &P, printer: &Printer) {
    let Some(before) = MID_RECREATE.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take() else {
        return;
    };
    if let Err(err) = restore(provider, printer, &before).await {
        warn_lost(printer, &before, &err);
    }
}

/// The registry VM run again on other networks, its volume kept: what [`make`] does
/// without telling the user about a new registry. When that run fails, the VM is run
/// again as it was ([`restore`]), so the clusters that use it keep it.
pub(super) async fn remake<P: Provider + RegistryRuntime>(
    provider: &P,
    printer: &Printer,
    registry: &RegistryVm,
    networks: Vec<String>,
) -> anyhow::Result<RegistryVm> {
    provider.delete_registry(&registry.name).await?;
    mid_recreate(Some(registry));
    let run = run_vm(provider, printer, &registry.name, registry.port, networks).await;
    mid_recreate(None);
    let err = match run {
        Ok(vm) => return Ok(vm),
        Err(err) => err,
    };
    let (restored, cause) = match run_as_it_was(provider, printer, registry).await {
        Ok(()) => (true, format!("{err:#}")),
        Err(again) => (false, format!("{err:#}; running it as it was: {again:#}")),
    };
    Err(RegistryError::Recreate { name: registry.name.clone(), port: registry.port, restored, cause }.into())
}

/// A registry that an interrupted or failed recreate left without its VM, run again on
/// the networks it had (`before`, as listed before), and the clusters that use it
/// pointed at it; nothing when its VM is there.
async fn restore<P: Provider + RegistryRuntime>(
    provider: &P,
    printer: &Printer,
    before: &RegistryVm,
) -> anyhow::Result<()> {
    let _lock = super::lock(printer).await?;
    run_as_it_was(provider, printer, before).await
}

/// [`restore`] for a caller that holds the registry lock.
async fn run_as_it_was<P: Provider + RegistryRuntime>(
    provider: &P,
    printer: &Printer,
    before: &RegistryVm,
) -> anyhow::Result<()> {
    if provider.list_registries().await?.iter().any(|r| r.name == before.name) {
        return Ok(());
    }
    printer.info(&format!("Running registry {:?} again as it was ...", before.name));
    run_vm(provider, printer, &before.name, before.port, before.networks.clone()).await?;
    // Its addresses are new: the clusters that use it follow.
    follow(provider, printer).await
}

async fn run_vm<P: Provider + RegistryRuntime>(
    provider: &P,
    printer: &Printer,
    name: &str,
    port: u16,
    networks: Vec<String>,
) -> anyhow::Result<RegistryVm> {
    if provider.image_id(IMAGE).await?.is_none() {
        provider.pull_image(IMAGE, printer.terminal().spinner && !printer.is_quiet()).await?;
    }
    let spec =
        RegistrySpec { name: name.to_string(), image: IMAGE.to_string(), port, volume: volume_name(name), networks };
    provider.create_registry(&spec).await.map_err(|source| RegistryError::VmFailed {
        action: "run",
        name: name.to_string(),
        source,
    })?;
    running(provider, name).await
}

/// The registry VM `name`, as listed now.
pub(super) async fn listed_vm<P: RegistryRuntime>(provider: &P, name: &str) -> anyhow::Result<RegistryVm> {
    let listed = provider.list_registries().await?;
    Ok(listed
        .into_iter()
        .find(|r| r.name == name && r.is_vm())
        .ok_or_else(|| RegistryError::Missing(name.to_string()))?)
}

/// The registry `name`, which must be running and have an address.
async fn running<P: RegistryRuntime>(provider: &P, name: &str) -> anyhow::Result<RegistryVm> {
    let registry = listed_vm(provider, name).await?;
    if registry.state != NodeState::Running || registry.ipv4.is_none() {
        return Err(RegistryError::NoAddress { name: name.to_string() }.into());
    }
    Ok(registry)
}

/// The registry a new cluster connects to: reused if it exists in `existing` (the
/// registries as listed under `_lock`; started if stopped, recreated with the cluster's
/// network if it lacks it), created otherwise. `cluster_network`: the cluster's own
/// network, `None` for a cluster on the runtime's default network.
pub(crate) async fn ensure_for_cluster<P: Provider + RegistryRuntime>(
    _lock: &super::RegistryLock,
    provider: &P,
    printer: &Printer,
    name: &str,
    port: Option<u16>,
    cluster_network: Option<&str>,
    existing: Registries,
) -> anyhow::Result<RegistryVm> {
    if let Some(cluster) = existing.iter().find(|r| r.name == name).and_then(|r| r.cluster.clone()) {
        let err = RegistryError::HeldByCluster { name: name.to_string(), cluster };
        return Err(anyhow::Error::new(err).context("failed to create cluster"));
    }
    let Some(registry) = existing.into_iter().find(|r| r.name == name) else {
        let port = port.unwrap_or(DEFAULT_PORT);
        check_before_create(provider, name, port).await.context("failed to create cluster")?;
        // As `kina create registry`: the running clusters that used a registry of this
        // port before reach the new one too.
        let mut others = networks_of_clusters_using(provider, port).await.context("failed to create cluster")?;
        others.extend(cluster_network.map(str::to_string));
        let networks = networks_for_clusters(&[], &others.iter().map(String::as_str).collect::<Vec<_>>());
        let created = make(provider, printer, name, port, networks).await.context("failed to create cluster")?;
        follow(provider, printer).await?;
        return Ok(created);
    };
    if let Some(asked) = port.filter(|p| *p != registry.port) {
        let err = RegistryError::OtherPort { name: name.to_string(), existing: registry.port, asked };
        return Err(anyhow::Error::new(err).context("failed to create cluster"));
    }
    let runtime = provider.preflight(Purpose::CreateConnectedNodes).await.context("failed to create cluster")?;
    if runtime.nodes_reach_each_other == Some(false) {
        return Err(anyhow::Error::new(RegistryError::NeedsMacOs26).context("failed to create cluster"));
    }
    let all = networks_for_clusters(&registry.networks, &Vec::from_iter(cluster_network));
    let moved = if lacks_network(&registry, &all) {
        // Recreated on its networks and the cluster's: the volume (its images) stays.
        printer.info(&format!("Recreating registry {name:?} to join the cluster's network ..."));
        remake(provider, printer, &registry, all).await.context("failed to create cluster")?;
        true
    } else if registry.state != NodeState::Running {
        printer.info(&format!("Starting registry {name:?} ..."));
        provider
            .start_registry(name)
            .await
            .map_err(|source| RegistryError::VmFailed { action: "start", name: name.to_string(), source })
            .context("failed to create cluster")?;
        true
    } else {
        false
    };
    if moved {
        follow(provider, printer).await?;
    }
    running(provider, name).await.context("failed to create cluster")
}

/// After a registry got a new address (started, recreated, or made again after a
/// delete): the running clusters with a `hosts.toml` for it point at it again.
/// A cluster that cannot follow is named in a warning, not a failure of the command at
/// hand (another cluster's create or delete): `kina start cluster` reconnects it.
pub(super) async fn follow<P: Provider + RegistryRuntime>(provider: &P, printer: &Printer) -> anyhow::Result<()> {
    let nodes = provider.list_nodes().await?;
    let running_nodes: Vec<_> = nodes.into_iter().filter(|n| n.is_running()).collect();
    for cluster in crate::cluster::delete::cluster_names(&running_nodes) {
        if let Err(err) =
            super::connect::point_at_registries(provider, printer, &cluster, super::connect::Join::No).await
        {
            printer.warn(&format!(
                "could not point cluster {cluster:?} at the registry's new address: {err:#}; \
                 `kina stop cluster --name {cluster}` then `kina start cluster --name {cluster}` reconnects it"
            ));
        }
    }
    Ok(())
}

/// Before `networks` are deleted: every registry VM on any of them is recreated
/// without them (the runtime refuses to delete a network a container names, even a
/// stopped one, and a VM cannot leave a network), its volume kept, and running
/// clusters follow its new addresses. One listing (under `_lock`) for all of them, so
/// a registry on two doomed networks is recreated once.
pub(crate) async fn release_networks<P: Provider + RegistryRuntime>(
    _lock: &super::RegistryLock,
    provider: &P,
    printer: &Printer,
    networks: &[String],
) -> anyhow::Result<()> {
    if networks.is_empty() {
        return Ok(());
    }
    let listed = provider.list_registries().await?;
    let holding: Vec<RegistryVm> =
        listed.into_iter().filter(|r| r.is_vm() && r.networks.iter().any(|n| networks.contains(n))).collect();
    for registry in &holding {
        let (left, kept): (Vec<String>, Vec<String>) =
            registry.networks.iter().cloned().partition(|n| networks.contains(n));
        printer.info(&format!("Recreating registry {:?} without network {} ...", registry.name, quoted(&left)));
        remake(provider, printer, registry, kept).await?;
    }
    if !holding.is_empty() {
        follow(provider, printer).await?;
    }
    Ok(())
}

fn quoted(names: &[String]) -> String {
    names.iter().map(|n| format!("{n:?}")).collect::<Vec<_>>().join(", ")
}

/// `kina delete registry`: the VM and its volume (its images). Absent is fine, as kind's
/// `delete cluster` is; clusters keep their `hosts.toml` and pull nothing from it.
pub(crate) async fn delete<P: Provider + RegistryRuntime>(
    provider: &P,
    printer: &Printer,
    name: &str,
) -> anyhow::Result<()> {
    provider.preflight(Purpose::ManageNodes).await.context("failed to delete registry")?;
    let _lock = super::lock(printer).await.context("failed to delete registry")?;
    let registries = provider.list_registries().await.context("failed to delete registry")?;
    let Some(registry) = registries.into_iter().find(|r| r.name == name) else {
        // macOS 15: what is left of a registry that ran inside a deleted cluster's node.
        if provider.delete_volume(&volume_name(name)).await.context("failed to delete the registry's volume")? {
            printer.info(&format!("Deleted the images of registry {name:?}"));
        } else {
            printer.info(&format!("No registry named {name:?}."));
        }
        return Ok(());
    };
    if let Some(cluster) = registry.cluster {
        let err = RegistryError::HeldByCluster { name: name.to_string(), cluster };
        return Err(anyhow::Error::new(err).context("failed to delete registry"));
    }
    printer.info(&format!("Deleting registry {name:?} ..."));
    provider.delete_registry(name).await.context("failed to delete registry")?;
    provider.delete_volume(&volume_name(name)).await.context("failed to delete the registry's volume")?;
    printer.info(&format!("Deleted registry {name:?} and its images"));
    // Best effort: a cluster that cannot be read is not a reason to fail a done delete.
    let using = super::clusters_using(provider, registry.port).await.unwrap_or_default();
    if !using.is_empty() {
        printer.warn(&format!(
            "clusters {} still send localhost:{} to it: their pulls from it fail until `kina create registry --name {name} --port {}` makes it again, which reconnects them",
            crate::cluster::delete::quoted_list(&using),
            registry.port,
            registry.port
        ));
    }
    Ok(())
}

//! kina's local registries (docs/registry.md): each one running, answering the
//! distribution API on its port on the Mac, and every connected running node's
//! `hosts.toml` pointing at the registry's current address.

use super::Check;
use crate::provider::registry::{REGISTRY_PORT_IN_VM, RegistryRuntime, RegistryVm};
use crate::provider::{Node, NodeCommand, NodeHandle, NodeState, Provider};

pub(super) const REGISTRY: &str = "registry";

/// One check per registry; none when there is no registry.
pub(super) async fn registries<P: Provider + RegistryRuntime>(provider: &P, running: &[Node]) -> Vec<Check> {
    let registries = match provider.list_registries().await {
        Ok(registries) => registries,
        Err(err) => {
            return vec![Check::warn(REGISTRY, format!("registries not checked: {err}"), "container system start")];
        }
    };
    let mut checks = Vec::new();
    for registry in registries {
        checks.push(check(provider, &registry, running).await);
    }
    checks
}

async fn check<P: Provider>(provider: &P, registry: &RegistryVm, running: &[Node]) -> Check {
    let name = &registry.name;
    let host = crate::registry::host(registry.port);
    if registry.state != NodeState::Running {
        return Check::warn(
            REGISTRY,
            format!("registry {name:?} ({host}) is {}", registry.state),
            "`kina start cluster` starts the registries its nodes use (or `container start` it), then run `kina doctor` again",
        );
    }
    let port = registry.port;
    let answer = tokio::task::spawn_blocking(move || crate::registry::api_check(port))
        .await
        .unwrap_or_else(|e| Err(e.to_string()));
    if let Err(why) = answer {
        let quoted = shell_words::quote(name);
        return Check::fail(
            REGISTRY,
            format!("registry {name:?} does not answer on 127.0.0.1:{port}: {why}"),
            format!(
                "see `container logs {quoted}`; recreate it with `container delete --force {quoted}` then \
                 `kina create registry --name {quoted} --port {port}` (its volume, and so its images, stay)"
            ),
        );
    }
    if let Some(cluster) = &registry.cluster {
        return Check::ok(REGISTRY, format!("registry {name:?} answers on {host} (inside cluster {cluster:?}'s node)"));
    }
    let Some(ip) = registry.ipv4 else {
        return Check::fail(
            REGISTRY,
            format!("registry {name:?} runs without an address"),
            format!("`container stop {}`, then `kina start cluster`", shell_words::quote(name)),
        );
    };
    let now = format!("{ip}:{REGISTRY_PORT_IN_VM}");
    let file = format!("{}/hosts.toml", crate::registry::hosts_dir(port));
    let mut stale = Vec::new();
    for node in running {
        let Ok(read) = provider.node(&node.name).run(&NodeCommand::new(["cat", &file])).await else { continue };
        // A node reaches the registry at its address on the node's network.
        let network = node.fixed.as_ref().map(|f| f.network.as_str());
        let expected = registry.address_on(network).map(|a| format!("{a}:{REGISTRY_PORT_IN_VM}"));
        if let (true, None, Some(network)) = (read.success(), &expected, network) {
            // Not a move: the registry must join the node's network (its hint says how).
            let err = crate::registry::RegistryError::NotOnNetwork {
                name: name.clone(),
                network: network.to_string(),
                cluster: node.cluster.clone(),
            };
            return Check::fail(REGISTRY, err.to_string(), err.hint().unwrap_or_default());
        }
        if read.success() && crate::registry::endpoint_in(&read.stdout) != expected {
            stale.push(node.name.clone());
        }
    }
    if !stale.is_empty() {
        return Check::fail(
            REGISTRY,
            format!("registry {name:?} moved, but {} still pull from an address it no longer has", stale.join(", ")),
            "`kina stop cluster` then `kina start cluster` points the nodes at it again",
        );
    }
    let at = match registry.addresses.as_slice() {
        [] | [_] => now,
        several => several
            .iter()
            .map(|(network, a)| format!("{a}:{REGISTRY_PORT_IN_VM} on {network}"))
            .collect::<Vec<_>>()
            .join(", "),
    };
    Check::ok(REGISTRY, format!("registry {name:?} answers on {host} (nodes reach it at {at})"))
}

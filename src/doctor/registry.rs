//! kina's local registries (docs/registry.md): each one running, answering the
//! distribution API on its port on the Mac, and every connected running node's
//! `hosts.toml` pointing at the registry's current address.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use super::Check;
use crate::provider::registry::{REGISTRY_PORT_IN_VM, RegistryRuntime, RegistryVm};
use crate::provider::{Node, NodeCommand, NodeHandle, NodeState, Provider};

pub(super) const REGISTRY: &str = "registry";

const TIMEOUT: Duration = Duration::from_secs(2);

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
    let answer =
        tokio::task::spawn_blocking(move || api_version_check(port)).await.unwrap_or_else(|e| Err(e.to_string()));
    if let Err(why) = answer {
        return Check::fail(
            REGISTRY,
            format!("registry {name:?} does not answer on 127.0.0.1:{port}: {why}"),
            format!(
                "see `container logs {name}`; recreate it with `kina delete registry --name {name}` then `kina create registry --name {name} --port {port}`"
            ),
        );
    }
    let Some(ip) = registry.ipv4 else {
        return Check::fail(
            REGISTRY,
            format!("registry {name:?} runs without an address"),
            format!("`container stop {name}`, then `kina start cluster`"),
        );
    };
    let now = format!("{ip}:{REGISTRY_PORT_IN_VM}");
    let file = format!("{}/hosts.toml", crate::registry::hosts_dir(port));
    let mut stale = Vec::new();
    for node in running {
        let Ok(read) = provider.node(&node.name).run(&NodeCommand::new(["cat", &file])).await else { continue };
        if read.success() && crate::registry::endpoint_in(&read.stdout).as_deref() != Some(now.as_str()) {
            stale.push(node.name.clone());
        }
    }
    if !stale.is_empty() {
        return Check::fail(
            REGISTRY,
            format!("registry {name:?} moved to {now}, but {} still pull from its old address", stale.join(", ")),
            "`kina stop cluster` then `kina start cluster` points the nodes at it again",
        );
    }
    Check::ok(REGISTRY, format!("registry {name:?} answers on {host} (nodes reach it at {now})"))
}

/// `GET /v2/` on the Mac side: the distribution API answers 200 (or 401 with auth).
fn api_version_check(port: u16) -> Result<(), String> {
    let address = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let mut stream = TcpStream::connect_timeout(&address, TIMEOUT).map_err(|e| e.to_string())?;
    stream.set_read_timeout(Some(TIMEOUT)).map_err(|e| e.to_string())?;
    stream
        .write_all(format!("GET /v2/ HTTP/1.1\r\nHost: localhost:{port}\r\nConnection: close\r\n\r\n").as_bytes())
        .map_err(|e| e.to_string())?;
    let mut head = [0u8; 64];
    let read = stream.read(&mut head).map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&head[..read]);
    match text.split_whitespace().nth(1) {
        Some("200" | "401") => Ok(()),
        Some(status) => Err(format!("GET /v2/ answered {status}")),
        None => Err("no HTTP answer".into()),
    }
}

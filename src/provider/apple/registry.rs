//! [`RegistryRuntime`] on Apple `container`: the registry VM's `run` argv and the
//! calls that list, start, delete and read it. Like the node VMs, kina tells its
//! registry VMs by their labels (`container list` cannot filter).

use std::net::Ipv4Addr;

use serde_json::Value;

use super::json::parse_containers;
use super::{AppleContainer, to_node};
use crate::exec::Runner;
use crate::provider::registry::{
    LABEL_REGISTRY, LABEL_REGISTRY_PORT, REGISTRY_DATA, REGISTRY_PORT_IN_VM, RegistryRuntime, RegistrySpec, RegistryVm,
};
use crate::provider::{Node, NodeState, Provider, ProviderError};

/// The registry needs little: one CPU and 512 MiB (the runtime's default is 1 GiB).
const CPUS: &str = "1";
const MEMORY: &str = "512M";

/// `container run -d --name NAME … IMAGE` for a registry VM. The port is published on
/// `127.0.0.1` only: `container run -p` binds every interface by default.
pub(crate) fn registry_run_args(spec: &RegistrySpec) -> Vec<String> {
    let mut args: Vec<String> =
        ["run", "-d", "--name", &spec.name, "--cpus", CPUS, "--memory", MEMORY].iter().map(|s| s.to_string()).collect();
    args.extend(["-l".into(), format!("{LABEL_REGISTRY}={}", spec.name)]);
    args.extend(["-l".into(), format!("{LABEL_REGISTRY_PORT}={}", spec.port)]);
    args.extend(["-p".into(), format!("127.0.0.1:{}:{REGISTRY_PORT_IN_VM}/tcp", spec.port)]);
    args.extend(["-v".into(), format!("{}:{REGISTRY_DATA}", spec.volume)]);
    for network in &spec.networks {
        args.extend(["--network".into(), network.clone()]);
    }
    args.extend(["--progress".into(), "none".into(), spec.image.clone()]);
    args
}

/// The registry VMs in `container list --all --format json` output.
fn registries_in(stdout: &str) -> Result<Vec<RegistryVm>, super::json::ShapeError> {
    let records = parse_containers(stdout)?;
    // Network names are not in the shared record: read them from the same JSON, the
    // configured ones (known while stopped too), else those the running VM reports.
    let raw: Vec<Value> = serde_json::from_str(stdout.trim()).unwrap_or_default();
    let networks_of = |id: &str| -> Vec<String> {
        let Some(item) = raw.iter().find(|item| {
            let configuration = &item["configuration"];
            configuration["name"].as_str().or(configuration["id"].as_str()) == Some(id)
        }) else {
            return Vec::new();
        };
        let names = |list: Option<&Vec<Value>>| -> Vec<String> {
            list.into_iter().flatten().filter_map(|n| n["network"].as_str().map(str::to_string)).collect()
        };
        let configured = names(item["configuration"]["networks"].as_array());
        if !configured.is_empty() {
            return configured;
        }
        names(item["status"]["networks"].as_array().or(item["networks"].as_array()))
    };
    // The running VM's address on each network it is attached to.
    let addresses_of = |id: &str| -> Vec<(String, Ipv4Addr)> {
        let Some(item) = raw.iter().find(|item| {
            let configuration = &item["configuration"];
            configuration["name"].as_str().or(configuration["id"].as_str()) == Some(id)
        }) else {
            return Vec::new();
        };
        let attached = item["status"]["networks"].as_array().or(item["networks"].as_array());
        attached
            .into_iter()
            .flatten()
            .filter_map(|n| {
                let network = n["network"].as_str()?;
                let cidr = n["ipv4Address"].as_str().or(n["address"].as_str())?;
                Some((network.to_string(), cidr.split('/').next()?.parse().ok()?))
            })
            .collect()
    };
    Ok(records
        .into_iter()
        .filter(|r| r.labels.contains_key(LABEL_REGISTRY))
        .map(|r| RegistryVm {
            networks: networks_of(&r.id),
            addresses: addresses_of(&r.id),
            port: r
                .labels
                .get(LABEL_REGISTRY_PORT)
                .and_then(|p| p.parse().ok())
                .or_else(|| {
                    r.published_ports.iter().find(|p| p.container_port == REGISTRY_PORT_IN_VM).map(|p| p.host_port)
                })
                .unwrap_or(0),
            state: NodeState::parse(&r.state),
            ipv4: r.ipv4,
            image: r.image,
            cluster: r.labels.get(crate::provider::LABEL_CLUSTER).cloned(),
            name: r.labels.get(LABEL_REGISTRY).cloned().unwrap_or(r.id),
        })
        .collect())
}

impl<R: Runner> RegistryRuntime for AppleContainer<R> {
    async fn list_registries(&self) -> Result<Vec<RegistryVm>, ProviderError> {
        let list = self.invocation(["list", "--all", "--format", "json"]);
        let output = match self.invoke_checked(&list).await {
            Ok(output) => output,
            Err(err) => return Err(self.explain_failure(err).await),
        };
        match registries_in(&output.stdout) {
            Ok(registries) => Ok(registries),
            Err(source) => Err(self.shape_error(&list, source).await),
        }
    }

    async fn list_nodes_and_registries(&self) -> Result<(Vec<Node>, Vec<RegistryVm>), ProviderError> {
        let list = self.invocation(["list", "--all", "--format", "json"]);
        let output = match self.invoke_checked(&list).await {
            Ok(output) => output,
            Err(err) => return Err(self.explain_failure(err).await),
        };
        let nodes = self.parse_records(&list, &output.stdout).await?.into_iter().map(to_node).filter(Node::is_kinas);
        match registries_in(&output.stdout) {
            Ok(registries) => Ok((nodes.collect(), registries)),
            Err(source) => Err(self.shape_error(&list, source).await),
        }
    }

    async fn create_registry(&self, spec: &RegistrySpec) -> Result<(), ProviderError> {
        let run = self.invocation(registry_run_args(spec)).timeout(super::RUN_TIMEOUT);
        self.invoke_checked(&run).await?;
        Ok(())
    }

    async fn start_registry(&self, name: &str) -> Result<(), ProviderError> {
        self.start_node(name).await
    }

    async fn delete_registry(&self, name: &str) -> Result<(), ProviderError> {
        let delete = self.invocation(["delete", "--force", name]).timeout(super::RUN_TIMEOUT);
        let Err(err) = self.invoke_checked(&delete).await else { return Ok(()) };
        // Already gone is deleted; decide by state, not text.
        if self.list_registries().await?.iter().any(|r| r.name == name) {
            return Err(err.into());
        }
        Ok(())
    }

    async fn volume_exists(&self, name: &str) -> Result<bool, ProviderError> {
        let listed = self.invoke_checked(&self.invocation(["volume", "list", "-q"])).await?;
        Ok(listed.stdout.lines().any(|line| line.trim() == name))
    }

    async fn delete_volume(&self, name: &str) -> Result<bool, ProviderError> {
        let delete = self.invocation(["volume", "delete", name]);
        let Err(err) = self.invoke_checked(&delete).await else { return Ok(true) };
        if self.volume_exists(name).await? {
            return Err(err.into());
        }
        Ok(false)
    }

    async fn registry_logs(&self, name: &str) -> Result<String, ProviderError> {
        Ok(self.invoke_checked(&self.invocation(["logs", name])).await?.stdout)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registry_vm_publishes_on_loopback_and_keeps_its_data_on_a_volume() {
        let spec = RegistrySpec {
            name: "kina-registry".into(),
            image: "docker.io/library/registry:3@sha256:abc".into(),
            port: 5001,
            volume: "kina-registry-data".into(),
            networks: vec![],
        };
        assert_eq!(
            registry_run_args(&spec).join(" "),
            "run -d --name kina-registry --cpus 1 --memory 512M -l io.kina.registry=kina-registry \
             -l io.kina.registry-port=5001 -p 127.0.0.1:5001:5000/tcp -v kina-registry-data:/var/lib/registry \
             --progress none docker.io/library/registry:3@sha256:abc"
        );
    }

    #[test]
    fn registries_are_told_by_their_label_with_port_address_and_networks() {
        let list = r#"[
          {"configuration":{"id":"kina-control-plane","labels":{"io.kina.cluster":"kina"},"publishedPorts":[]},
           "status":{"state":"running","networks":[{"network":"default","ipv4Address":"192.168.64.2/24"}]}},
          {"configuration":{"id":"kina-registry","labels":{"io.kina.registry":"kina-registry","io.kina.registry-port":"5001"},
            "publishedPorts":[{"hostAddress":"127.0.0.1","hostPort":5001,"containerPort":5000,"proto":"tcp","count":1}],
            "image":{"reference":"docker.io/library/registry:3"}},
           "status":{"state":"running","networks":[{"network":"default","ipv4Address":"192.168.64.3/24"}]}}
        ]"#;
        let found = registries_in(list).unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].name, "kina-registry");
        assert_eq!(found[0].port, 5001);
        assert_eq!(found[0].ipv4, Some("192.168.64.3".parse().unwrap()));
        assert_eq!(found[0].networks, ["default"]);
        assert_eq!(found[0].state, NodeState::Running);
    }

    #[test]
    fn a_registry_on_several_networks_has_an_address_on_each() {
        let list = r#"[
          {"configuration":{"id":"kina-registry","labels":{"io.kina.registry":"kina-registry","io.kina.registry-port":"5001"},
            "networks":[{"network":"default"},{"network":"kina-a"},{"network":"kina-b"}]},
           "status":{"state":"running","networks":[
             {"network":"default","ipv4Address":"192.168.64.3/24"},
             {"network":"kina-a","ipv4Address":"192.168.100.2/24"},
             {"network":"kina-b","ipv4Address":"192.168.101.2/24"}]}}
        ]"#;
        let found = registries_in(list).unwrap();
        assert_eq!(found[0].networks, ["default", "kina-a", "kina-b"]);
        assert_eq!(found[0].address_on(Some("kina-b")), Some("192.168.101.2".parse().unwrap()));
        assert_eq!(found[0].address_on(Some("kina-a")), Some("192.168.100.2".parse().unwrap()));
        assert_eq!(found[0].address_on(None), Some("192.168.64.3".parse().unwrap()));
        assert_eq!(found[0].address_on(Some("kina-c")), None);
    }
}

//! macOS 15: Apple `container` VMs cannot reach each other there, so a registry VM is
//! out of reach of the nodes. The registry runs inside the (single) control-plane node
//! instead: a static pod on the host network, listening on the same port the node
//! publishes on the Mac's `127.0.0.1`, its data on the named volume `<name>-data`
//! mounted into the node, so images survive `kina delete cluster`. The node pulls
//! `localhost:<port>/…` from itself (`hosts.toml` names `127.0.0.1:<port>`), and the
//! Mac pushes through the published port. A volume is attached to one VM at a time,
//! so one cluster uses such a registry at a time.

use anyhow::Context as _;

use super::{IMAGE, RegistryError, volume_name};
use crate::backoff::Backoff;
use crate::cluster::load::{Target, load_docker_images};
use crate::output::Printer;
use crate::provider::registry::{LABEL_REGISTRY, LABEL_REGISTRY_PORT, RegistryRuntime};
use crate::provider::{MountSpec, NodeCommand, NodeHandle, NodeSpec, PortSpec, Provider};

/// Where the node mounts the registry's volume.
pub(crate) const DATA_IN_NODE: &str = "/var/lib/kina-registry";
/// The kubelet's static pod for the registry.
pub(crate) const MANIFEST: &str = "/etc/kubernetes/manifests/kina-registry.yaml";

/// A registry to run inside a new cluster's control-plane node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InNode {
    pub name: String,
    pub port: u16,
}

/// Refuses a registry another cluster's node already holds (its volume is attached
/// there), or a registry VM of that name (made on macOS 26, out of the nodes' reach).
pub(crate) async fn prepare<P: RegistryRuntime>(provider: &P, name: &str, port: u16) -> anyhow::Result<InNode> {
    for registry in provider.list_registries().await? {
        if registry.name != name {
            continue;
        }
        return Err(match registry.cluster {
            Some(cluster) => RegistryError::HeldByCluster { name: name.to_string(), cluster },
            None => RegistryError::NeedsMacOs26,
        }
        .into());
    }
    Ok(InNode { name: name.to_string(), port })
}

/// What the control-plane node gets: the published port, the volume, the labels that
/// say it holds the registry.
pub(crate) fn add_to_node(spec: &mut NodeSpec, registry: &InNode) {
    spec.ports.push(PortSpec {
        host_address: "127.0.0.1".into(),
        host_port: registry.port,
        container_port: registry.port,
        protocol: "tcp".into(),
    });
    spec.mounts.push(MountSpec {
        host_path: volume_name(&registry.name).into(),
        container_path: DATA_IN_NODE.into(),
        read_only: false,
    });
    spec.labels.push((LABEL_REGISTRY.into(), registry.name.clone()));
    spec.labels.push((LABEL_REGISTRY_PORT.into(), registry.port.to_string()));
}

/// The static pod: the pinned image, the host network, the port, the volume.
pub(crate) fn static_pod(port: u16) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: kina-registry\n  namespace: kube-system\n  labels:\n    app: kina-registry\n\
         spec:\n  hostNetwork: true\n  priorityClassName: system-node-critical\n  containers:\n  - name: registry\n    image: {IMAGE}\n\
         \x20   imagePullPolicy: IfNotPresent\n    env:\n    - name: REGISTRY_HTTP_ADDR\n      value: \"0.0.0.0:{port}\"\n\
         \x20   volumeMounts:\n    - name: data\n      mountPath: /var/lib/registry\n  volumes:\n  - name: data\n    hostPath:\n\
         \x20     path: {DATA_IN_NODE}\n      type: Directory\n"
    )
}

/// Once the cluster is up: the image from the Mac's store into the node, the static
/// pod, `hosts.toml` and the ConfigMap; then waits until the Mac reaches the registry.
pub(crate) async fn connect<P: Provider>(
    provider: &P,
    printer: &Printer,
    cluster: &str,
    registry: &InNode,
) -> anyhow::Result<()> {
    if provider.image_id(IMAGE).await?.is_none() {
        provider.pull_image(IMAGE, false).await?;
    }
    let quiet = Printer::new(true, printer.terminal());
    load_docker_images(provider, &quiet, &Target { cluster, nodes: &[] }, &[IMAGE.to_string()])
        .await
        .context("failed to load the registry image into the node")?;
    let nodes = crate::node::control_plane_first(crate::node::list(provider, cluster).await?, cluster)?;
    let write = NodeCommand::new(["cp", "/dev/stdin", MANIFEST]).stdin(static_pod(registry.port));
    provider.node(&nodes[0].name).run_checked(&write).await.context("failed to write the registry's static pod")?;
    super::connect::connect_endpoint(provider, cluster, registry.port, &format!("127.0.0.1:{}", registry.port)).await?;
    let mut backoff = Backoff::new(std::time::Duration::from_secs(180));
    loop {
        if super::answers(registry.port).await {
            return Ok(());
        }
        if !backoff.next().await {
            return Err(RegistryError::NotAnswering { name: registry.name.clone(), port: registry.port }.into());
        }
    }
}

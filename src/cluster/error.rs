#[derive(Debug, thiserror::Error)]
pub(crate) enum ClusterError {
    #[error("node(s) already exist for a cluster with the name {0:?}")]
    AlreadyExists(String),

    #[error("'{0}' is not a valid cluster name, cluster names must match `^[a-z0-9.-]+$`")]
    InvalidName(String),

    #[error("'{name}' cannot be used on Apple container: {why}")]
    NameNotUsableOnVm { name: String, why: String },

    #[error("clusters with more than one node need macOS 26: on macOS 15, Apple container VMs cannot reach each other")]
    MultiNodeNeedsMacOs26,

    #[error(
        "a container named {name:?} already exists, and kina did not make it (another tool, such as another kina, may use this name)"
    )]
    NameTaken { name: String, cluster: String },

    #[error("host port {port} is already published by node {node:?} of cluster {cluster:?}")]
    PortPublished { port: String, node: String, cluster: String },

    #[error(
        "node {node:?} would publish one host port twice ({first} and {second}): Apple container binds a host port once per VM, whatever the address"
    )]
    PortTwiceOnNode { node: String, first: String, second: String },

    #[error("host port {port} is already published by container {container:?}, which kina's clusters do not own")]
    PortPublishedByContainer { port: String, container: String },

    #[error("node {node:?} would publish host port {port}/tcp, which registry {registry:?} publishes on this Mac")]
    PortOfRegistry { port: u16, registry: String, node: String },

    #[error("host port {port} is in use by {} on this Mac", holder.as_deref().unwrap_or("another program"))]
    PortInUse { port: String, number: u16, protocol: String, holder: Option<String> },

    #[error(
        "node {node:?} came back at {address}, outside the subnet {recorded} kina recorded for network {network:?}: \
         the runtime gave the network another subnet (apple/container#2051), so the node's fixed address is unreachable"
    )]
    SubnetMoved { node: String, network: String, recorded: String, address: String },

    #[error("the runtime gave node {node:?} the address {address}, which is node {owner:?}'s fixed address")]
    AddressClash { node: String, address: String, owner: String },

    #[error("interrupted")]
    Interrupted,

    #[error("{step}")]
    Step {
        step: String,
        /// The node to look at, `None` when its VM was never made (the runtime
        /// refused it, or the create failed before it): `--retain` cannot help then.
        node: Option<String>,
        /// Whether the nodes were kept (`--retain`).
        retained: bool,
        #[source]
        source: anyhow::Error,
    },
}

impl ClusterError {
    pub(crate) fn hint(&self) -> Option<String> {
        match self {
            ClusterError::NameTaken { name, cluster } => Some(format!(
                "pick another cluster name with --name (the nodes are named <name>-control-plane, <name>-worker, ...), \
                 or remove that container if it is not needed: `container delete {name}` (cluster {cluster:?} would use it)"
            )),
            ClusterError::AlreadyExists(name) => Some(format!(
                "pick another name with --name, or delete it first with `kina delete cluster --name {name}`"
            )),
            ClusterError::MultiNodeNeedsMacOs26 => {
                Some("create a single-node cluster (no workers) on this Mac, or upgrade to macOS 26".into())
            }
            ClusterError::PortPublished { cluster, .. } => Some(format!(
                "choose another hostPort, or stop that cluster first (`kina stop cluster --name {cluster}`)"
            )),
            ClusterError::PortPublishedByContainer { container, .. } => Some(format!(
                "choose another hostPort, or stop that container first (`container stop {container}`; a kina registry is listed by `kina get registries`)"
            )),
            ClusterError::PortOfRegistry { .. } => Some(
                "choose another hostPort, or another registry port (`registry: {port: …}` in a kina.dev/v1alpha1 config, with another registry name if that one exists)"
                    .into(),
            ),
            ClusterError::PortTwiceOnNode { .. } => {
                Some("give each of the node's extraPortMappings its own hostPort".into())
            }
            ClusterError::PortInUse { holder: Some(_), .. } => {
                Some("stop that program, or choose another hostPort".into())
            }
            ClusterError::PortInUse { number, protocol, .. } => Some(format!(
                "see which program holds it with `lsof -nP -i{protocol}:{number}`, or choose another hostPort"
            )),
            ClusterError::SubnetMoved { recorded, .. } => Some(format!(
                "restart Apple container so it gives each network its subnet again: `kina stop cluster`, \
                 `container system stop`, `container system start`, then `kina start cluster`. To keep the default \
                 network from taking {recorded}, pin its subnet in ~/.config/container/config.toml ([network] subnet)"
            )),
            ClusterError::AddressClash { node, .. } => Some(format!(
                "restart that node so the runtime gives it its next address: `container stop {node}`, then `kina start cluster`"
            )),
            ClusterError::Step { node: None, .. } => Some(
                "no node VM was made: fix what the runtime says above (`container system logs` has the service's side), then run the command again"
                    .into(),
            ),
            ClusterError::Step { node: Some(node), retained: true, .. } => Some(format!(
                "the node was kept (--retain): look inside with `container logs {node}` and `container exec {node} journalctl -u kubelet`, then `kina delete cluster`"
            )),
            ClusterError::Step { node: Some(node), .. } => Some(format!(
                "re-run with --retain to keep the node for debugging (`container logs {node}`, `container exec {node} journalctl -u kubelet`)"
            )),
            _ => None,
        }
    }
}

/// What can stop a registry command, each with the hint that gets the user going.
#[derive(Debug, thiserror::Error)]
pub(crate) enum RegistryError {
    #[error(
        "a local registry needs macOS 26: on macOS 15, Apple container VMs cannot reach each other, so no node can reach a registry VM"
    )]
    NeedsMacOs26,

    #[error("registry {0:?} does not exist")]
    Missing(String),

    #[error("registry {name:?} already exists (port {port})")]
    AlreadyExists { name: String, port: u16 },

    #[error("registry {name:?} is on port {existing}, not {asked}")]
    OtherPort { name: String, existing: u16, asked: u16 },

    #[error("port {port} is already used by registry {other:?}")]
    PortOfAnotherRegistry { port: u16, other: String },

    #[error("could not lock {path}: {reason}")]
    Lock { path: String, reason: String },

    #[error("another kina command has been changing a registry for {waited} minutes (it holds {path})")]
    LockHeld { path: String, waited: u64 },

    #[error("host port 127.0.0.1:{port} is in use by {} on this Mac", holder.as_deref().unwrap_or("another program"))]
    PortInUse { port: u16, holder: Option<String> },

    #[error("host port 127.0.0.1:{port} is already published by {container:?}")]
    PortPublished { port: u16, container: String },

    #[error("a container named {0:?} already exists, and it is not a kina registry")]
    NameTaken(String),

    #[error("{0:?} is not a valid registry name: names must match `^[a-z0-9][a-z0-9.-]*$`, at most 58 characters")]
    InvalidName(String),

    #[error(
        "containerdConfigPatches set `registry.mirrors`, which containerd refuses next to the `config_path` a local registry needs (\"`mirrors` cannot be set when `config_path` is provided\")"
    )]
    MirrorsConflict,

    #[error("registry {name:?} is running but has no address")]
    NoAddress { name: String },

    #[error("registry {name:?} is not on network {network:?} of cluster {cluster:?}, so its nodes cannot reach it")]
    NotOnNetwork { name: String, network: String, cluster: String },

    #[error(
        "registry {name:?} runs inside the node of cluster {cluster:?}, and its volume can serve one cluster at a time"
    )]
    HeldByCluster { name: String, cluster: String },

    #[error("on macOS 15 a registry runs inside a cluster's node, so it is made with the cluster")]
    InNodeOnly,

    #[error("registry {name:?} does not answer on 127.0.0.1:{port}")]
    NotAnswering { name: String, port: u16 },

    /// A recreate on other networks that failed: `restored` when the VM runs as before.
    #[error("{}", recreate_message(name, *restored, cause))]
    Recreate { name: String, port: u16, restored: bool, cause: String },

    #[error("could not {action} the registry VM {name:?}")]
    VmFailed {
        action: &'static str,
        name: String,
        #[source]
        source: crate::provider::ProviderError,
    },
}

impl RegistryError {
    pub(crate) fn hint(&self) -> Option<String> {
        match self {
            RegistryError::NeedsMacOs26 => Some(
                "load images into the nodes instead: `container build -t app:dev .` then `kina load docker-image app:dev` \
                 (docs/registry.md, \"macOS 15\")"
                    .into(),
            ),
            RegistryError::Missing(name) => Some(format!(
                "create it with `kina create registry --name {name}`, or `kina create cluster --registry {name}` to create and connect it"
            )),
            RegistryError::AlreadyExists { name, .. } => Some(format!(
                "use it with `kina create cluster --registry {name}`, or remove it first with `kina delete registry --name {name}`"
            )),
            RegistryError::OtherPort { name, existing, .. } => Some(format!(
                "leave out --port to use {name:?} on {existing}, or pick another registry name with --name"
            )),
            RegistryError::PortOfAnotherRegistry { other, .. } => {
                Some(format!("use that registry with `--registry {other}`, or pick another --port"))
            }
            RegistryError::Lock { .. } => Some("check that kina's cache directory is writable".into()),
            RegistryError::LockHeld { .. } => Some(
                "wait for that command to finish (`ps -ef | grep kina` shows it), or stop it with Ctrl-C; \
                 the lock goes with it"
                    .into(),
            ),
            RegistryError::PortInUse { holder: Some(_), .. } => Some("stop that program, or pick another --port".into()),
            RegistryError::PortInUse { port, .. } => {
                Some(format!("pick another --port, or see what holds it with `lsof -nP -iTCP:{port} -sTCP:LISTEN`"))
            }
            RegistryError::PortPublished { .. } => Some("pick another --port".into()),
            RegistryError::NameTaken(name) => Some(format!(
                "pick another name with --name, or remove that container if it is not needed: `container delete {name}`"
            )),
            RegistryError::InvalidName(_) => Some("for example --name kina-registry".into()),
            RegistryError::MirrorsConflict => Some(
                "drop the `registry.mirrors` patch and describe the mirror as a hosts.toml under /etc/containerd/certs.d \
                 instead (https://github.com/containerd/containerd/blob/main/docs/hosts.md), or create the cluster without --registry"
                    .into(),
            ),
            RegistryError::HeldByCluster { cluster, .. } => Some(format!(
                "delete that cluster first (`kina delete cluster --name {cluster}`: the images stay), or use another registry name; \
                 on macOS 26 one registry serves every cluster"
            )),
            RegistryError::InNodeOnly => Some("`kina create cluster --registry` (docs/registry.md, \"macOS 15\")".into()),
            RegistryError::NotAnswering { name, .. } => Some(format!(
                "see the registry's pod: `kubectl -n kube-system logs kina-registry-<node>`, and `kina export logs` ({name})"
            )),
            RegistryError::VmFailed { name, .. } => Some(format!(
                "the runtime's error is above (`container system logs` has the service's side); \
                 once fixed, run the command again (what was made of {name:?} is removed with `kina delete registry --name {name}`)"
            )),
            RegistryError::NotOnNetwork { name, cluster, .. } => Some(format!(
                "`kina stop cluster --name {cluster}` then `kina start cluster --name {cluster}` \
                 has registry {name:?} join the cluster's network (its images stay)"
            )),
            RegistryError::NoAddress { name } => Some(format!(
                "restart it with `container stop {name}` then `container start {name}`, or see `container logs {name}`"
            )),
            RegistryError::Recreate { restored: true, .. } => Some(
                "fix what the runtime says above (`container system logs` has the service's side), then run the command again"
                    .into(),
            ),
            RegistryError::Recreate { name, port, restored: false, .. } => Some(format!(
                "`kina create registry --name {name} --port {port}` runs it again on the networks of the clusters that use it, \
                 with the same volume and so the same images"
            )),
        }
    }
}

fn recreate_message(name: &str, restored: bool, cause: &str) -> String {
    match restored {
        true => format!("could not run registry {name:?} again on other networks ({cause}); it runs as it did before"),
        false => format!(
            "registry {name:?} was removed to be run again on other networks and could not be run again ({cause}); \
             its images are on volume {name}-data"
        ),
    }
}

//! The Apple `container` provider: the only code that builds `container`
//! command lines. Every call goes through [`AppleContainer::invoke`].

mod build_args;
mod error;
pub(crate) mod json;
mod locate;
mod node;
mod registry;
pub(crate) mod run_args;
pub(crate) mod version;

use std::path::PathBuf;
use std::time::Duration;

use crate::exec::{ExecError, Invocation, Output, ProcessRunner, Runner, checked};
use crate::provider::{
    API_SERVER_PORT, Diagnostics, FixedAddress, LABEL_CLUSTER, LABEL_KUBERNETES_VERSION, LABEL_ROLE, NetworkInfo,
    NetworkSpec, Node, NodeSpec, NodeState, Provider, ProviderError, Purpose, RuntimeInfo,
};
use json::ContainerRecord;
use version::{Features, Version};

pub(crate) use error::AppleError;
pub(crate) use locate::locate_binary;
pub(crate) use node::AppleNode;

/// Limits for runtime calls that should be quick.
const QUICK: Duration = Duration::from_secs(30);
/// `container run` of a present image boots a VM: seconds, but allow slack.
const RUN_TIMEOUT: Duration = Duration::from_secs(300);
/// Image pulls of a ~1 GB node image on a slow link.
const PULL_TIMEOUT: Duration = Duration::from_secs(1800);

pub(crate) struct AppleContainer<R: Runner = ProcessRunner> {
    runner: R,
    program: PathBuf,
    display_name: String,
    /// Asked once, also when parallel calls need it at the same time.
    version: tokio::sync::OnceCell<Version>,
}

impl AppleContainer<ProcessRunner> {
    /// Uses `KINA_CONTAINER_BIN`, else `container` on PATH.
    pub(crate) fn from_env() -> Result<Self, ProviderError> {
        let (program, display_name) =
            locate_binary(std::env::var_os("KINA_CONTAINER_BIN").as_deref(), std::env::var_os("PATH").as_deref())?;
        Ok(Self::with_runner(ProcessRunner, program, display_name))
    }
}

impl<R: Runner> AppleContainer<R> {
    pub(crate) fn with_runner(runner: R, program: PathBuf, display_name: String) -> Self {
        AppleContainer { runner, program, display_name, version: tokio::sync::OnceCell::new() }
    }

    fn invocation<I, S>(&self, args: I) -> Invocation
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Invocation::new(&self.program, &self.display_name).args(args).timeout(QUICK)
    }

    async fn invoke(&self, invocation: &Invocation) -> Result<Output, ExecError> {
        self.runner.run(invocation).await
    }

    async fn invoke_checked(&self, invocation: &Invocation) -> Result<Output, ExecError> {
        checked(invocation, self.invoke(invocation).await?)
    }

    async fn detect_version(&self) -> Result<Version, ProviderError> {
        let version = self.version.get_or_try_init(|| async {
            let output = self.invoke_checked(&self.invocation(["--version"])).await?;
            version::parse(&output.stdout).ok_or_else(|| {
                ProviderError::from(AppleError::UnknownVersion { output: output.stdout.trim().to_string() })
            })
        });
        Ok(*version.await?)
    }

    /// Container-to-container networking and the `network` command group
    /// both arrive with macOS 26; macOS 15 does not register the group. The
    /// listing comes back too, when it reads (`None` if not: its user lists
    /// again and reports the shape error where it needs the networks).
    async fn nodes_can_reach_each_other(&self) -> Result<(bool, Option<Vec<NetworkInfo>>), ProviderError> {
        let output = self.invoke(&self.invocation(["network", "list", "--format", "json"])).await?;
        let networks = output.success().then(|| json::parse_networks(&output.stdout).ok()).flatten();
        Ok((output.success(), networks))
    }

    /// `container inspect NAME`, read: the record of that node VM.
    async fn inspect_record(&self, name: &str) -> Result<ContainerRecord, ProviderError> {
        let inspect = self.invocation(["inspect", name]);
        let output = self.invoke_checked(&inspect).await?;
        let records = self.parse_records(&inspect, &output.stdout).await?;
        records.into_iter().find(|r| r.id == name).ok_or_else(|| ProviderError::NodeNotFound(name.to_string()))
    }

    /// After a failed read-only call: was it the service being down?
    async fn explain_failure(&self, err: ExecError) -> ProviderError {
        let status = self.invoke(&self.invocation(["system", "status"])).await;
        match status {
            Ok(out) if !out.success() => AppleError::ServiceDown { source: err }.into(),
            _ => ProviderError::Exec(err),
        }
    }

    async fn parse_records(&self, command: &Invocation, stdout: &str) -> Result<Vec<ContainerRecord>, ProviderError> {
        match json::parse_containers(stdout) {
            Ok(records) => Ok(records),
            Err(source) => Err(self.shape_error(command, source).await),
        }
    }

    async fn shape_error(&self, command: &Invocation, source: json::ShapeError) -> ProviderError {
        let version = match self.detect_version().await {
            Ok(v) => v.to_string(),
            Err(_) => "unknown version".to_string(),
        };
        AppleError::Shape { command: command.command_line(), version, source }.into()
    }
}

/// The Mac's own platform: what a VM runs when its record does not say.
fn host_platform() -> String {
    let arch = match std::env::consts::ARCH {
        "aarch64" => "arm64",
        "x86_64" => "amd64",
        other => other,
    };
    format!("linux/{arch}")
}

/// `appRoot` from `system status --format json`: top level up to 1.2.x, under `paths` from 1.4.1.
fn app_root_of(status_json: &str) -> Option<PathBuf> {
    let value: serde_json::Value = serde_json::from_str(status_json.trim()).ok()?;
    let root = value.get("appRoot").or_else(|| value.get("paths").and_then(|p| p.get("appRoot")))?.as_str()?;
    (!root.is_empty()).then(|| PathBuf::from(root))
}

/// `<appRoot>/kernels/default.kernel-arm64`, the link `container system kernel set` makes
/// (apple/container `KernelService`), when the app root exists and the link does not. A
/// root kina cannot see says nothing either way: then `run` itself reports it.
pub(crate) fn missing_default_kernel(app_root: &std::path::Path) -> Option<PathBuf> {
    let link = app_root.join("kernels").join("default.kernel-arm64");
    (app_root.is_dir() && !link.exists()).then_some(link)
}

/// A container as a node; one without kina's cluster label has an empty `cluster`.
fn to_node(record: ContainerRecord) -> Node {
    let cluster = record.labels.get(LABEL_CLUSTER).cloned().unwrap_or_default();
    let published_tcp: Vec<(u16, String)> = record
        .published_ports
        .iter()
        .filter(|p| p.proto == "tcp")
        .map(|p| {
            let host = if p.host_address == "0.0.0.0" { "127.0.0.1" } else { p.host_address.as_str() };
            (p.container_port, format!("{host}:{}", p.host_port))
        })
        .collect();
    let api_server_endpoint =
        published_tcp.iter().find(|(port, _)| *port == API_SERVER_PORT).map(|(_, endpoint)| endpoint.clone());
    let fixed = FixedAddress::from_labels(&record.labels);
    let state = NodeState::parse(&record.state);
    // A running node on its cluster network is reached at its fixed address.
    let ipv4 = match &fixed {
        Some(fixed) if state == NodeState::Running => Some(fixed.address),
        _ => record.ipv4,
    };
    Node {
        name: record.id,
        cluster,
        role: record.labels.get(LABEL_ROLE).and_then(|role| role.parse().ok()),
        state,
        ipv4,
        runtime_ipv4: record.ipv4,
        fixed,
        image: record.image,
        kubernetes_version: record.labels.get(LABEL_KUBERNETES_VERSION).cloned(),
        api_server_endpoint,
        published_tcp,
    }
}

impl<R: Runner> Provider for AppleContainer<R> {
    type Node<'a>
        = AppleNode<'a, R>
    where
        R: 'a;

    async fn preflight(&self, purpose: Purpose) -> Result<RuntimeInfo, ProviderError> {
        let mut info = RuntimeInfo::default();
        if matches!(purpose, Purpose::CreateNodes | Purpose::CreateConnectedNodes) {
            let version = self.detect_version().await?;
            if let Some(reason) = version::refusal(version) {
                return Err(AppleError::UnsupportedVersion { reason }.into());
            }
            info.version = Some(version.to_string());
            info.warning = version::caution(version);
        }
        // `--format json` (0.10+) only once the release is known to be 1.x: it names the app
        // root, where the default kernel is or is not.
        let creates = matches!(purpose, Purpose::CreateNodes | Purpose::CreateConnectedNodes);
        let status = match creates {
            true => self.invocation(["system", "status", "--format", "json"]),
            false => self.invocation(["system", "status"]),
        };
        let output = self.invoke(&status).await?;
        if !output.success() {
            return Err(AppleError::ServiceDown {
                source: ExecError::Failed { command: status.command_line(), output },
            }
            .into());
        }
        if purpose == Purpose::CreateConnectedNodes {
            let (reach, networks) = self.nodes_can_reach_each_other().await?;
            info.nodes_reach_each_other = Some(reach);
            info.networks = networks;
        }
        if creates {
            info.missing_kernel = app_root_of(&output.stdout).and_then(|root| missing_default_kernel(&root));
        }
        tracing::debug!(
            "Apple container service running ({})",
            info.version.as_deref().unwrap_or("version not checked")
        );
        Ok(info)
    }

    async fn image_id(&self, image: &str) -> Result<Option<String>, ProviderError> {
        // Presence is decided by the exit code, never by message text.
        let inspect = self.invocation(["image", "inspect", image]);
        let output = self.invoke(&inspect).await?;
        if !output.success() {
            return Ok(None);
        }
        match json::parse_image_id(&output.stdout) {
            Ok(id) => Ok(Some(id)),
            Err(source) => Err(self.shape_error(&inspect, source).await),
        }
    }

    async fn pull_image(&self, image: &str, show_progress: bool) -> Result<(), ProviderError> {
        let progress = if show_progress { "ansi" } else { "none" };
        let pull = self
            .invocation(["image", "pull", "--progress", progress, image])
            .timeout(PULL_TIMEOUT)
            .inherit_stderr(show_progress);
        self.invoke_checked(&pull)
            .await
            .map_err(|source| AppleError::ImagePull { image: image.to_string(), source })?;
        Ok(())
    }

    async fn create_node(&self, spec: &NodeSpec) -> Result<(), ProviderError> {
        let features = Features::of(self.detect_version().await?);
        let run = self.invocation(run_args::run_args(spec, features)).timeout(RUN_TIMEOUT);
        self.invoke_checked(&run).await?;
        Ok(())
    }

    async fn list_nodes(&self) -> Result<Vec<Node>, ProviderError> {
        Ok(self.list_containers().await?.into_iter().filter(Node::is_kinas).collect())
    }

    async fn list_containers(&self) -> Result<Vec<Node>, ProviderError> {
        // `container list` cannot filter by label: kina's are told by theirs.
        let list = self.invocation(["list", "--all", "--format", "json"]);
        let output = match self.invoke_checked(&list).await {
            Ok(output) => output,
            Err(err) => return Err(self.explain_failure(err).await),
        };
        let records = self.parse_records(&list, &output.stdout).await?;
        Ok(records.into_iter().map(to_node).collect())
    }

    async fn start_node(&self, name: &str) -> Result<(), ProviderError> {
        self.invoke_checked(&self.invocation(["start", name]).timeout(RUN_TIMEOUT)).await?;
        Ok(())
    }

    async fn stop_nodes(&self, names: &[String], grace: Duration) -> Result<(), ProviderError> {
        if names.is_empty() {
            return Ok(());
        }
        let stop = self
            .invocation(["stop".to_string(), "--time".to_string(), grace.as_secs().to_string()])
            .args(names.iter().cloned())
            .timeout(grace.saturating_add(RUN_TIMEOUT));
        self.invoke_checked(&stop).await?;
        Ok(())
    }

    async fn delete_nodes(&self, names: &[String]) -> Result<(), ProviderError> {
        if names.is_empty() {
            return Ok(());
        }
        let delete = self.invocation(["delete", "--force"]).args(names.iter().cloned()).timeout(RUN_TIMEOUT);
        let Err(err) = self.invoke_checked(&delete).await else { return Ok(()) };
        // A node that is already gone is deleted; decide by state, not text.
        let remaining = self.list_nodes().await?;
        if remaining.iter().any(|n| names.contains(&n.name)) {
            return Err(err.into());
        }
        Ok(())
    }

    fn node(&self, name: &str) -> AppleNode<'_, R> {
        AppleNode::new(self, name)
    }

    async fn list_networks(&self) -> Result<Option<Vec<NetworkInfo>>, ProviderError> {
        // macOS 15 does not register the `network` group: the call fails.
        let list = self.invocation(["network", "list", "--format", "json"]);
        let output = self.invoke(&list).await?;
        if !output.success() {
            return Ok(None);
        }
        match json::parse_networks(&output.stdout) {
            Ok(networks) => Ok(Some(networks)),
            Err(source) => Err(self.shape_error(&list, source).await),
        }
    }

    async fn create_network(&self, spec: &NetworkSpec) -> Result<(), ProviderError> {
        let mut args = vec!["network".to_string(), "create".to_string()];
        for (key, value) in &spec.labels {
            args.extend(["--label".to_string(), format!("{key}={value}")]);
        }
        args.extend(["--subnet".to_string(), spec.subnet.to_string(), spec.name.clone()]);
        self.invoke_checked(&self.invocation(args)).await?;
        Ok(())
    }

    async fn delete_network(&self, name: &str) -> Result<(), ProviderError> {
        let Err(err) = self.invoke_checked(&self.invocation(["network", "delete", name])).await else { return Ok(()) };
        // A network that is already gone is deleted; decide by state, not text.
        let remaining = self.list_networks().await?.unwrap_or_default();
        if remaining.iter().any(|n| n.name == name) {
            return Err(err.into());
        }
        Ok(())
    }
}

impl<R: Runner> Diagnostics for AppleContainer<R> {
    async fn version_text(&self) -> Result<String, ProviderError> {
        Ok(self.invoke_checked(&self.invocation(["--version"])).await?.stdout)
    }

    async fn inspect_raw(&self, name: &str) -> Result<String, ProviderError> {
        Ok(self.invoke_checked(&self.invocation(["inspect", name])).await?.stdout)
    }

    async fn boot_logs(&self, name: &str) -> Result<String, ProviderError> {
        Ok(self.invoke_checked(&self.invocation(["logs", "--boot", name])).await?.stdout)
    }

    async fn dns_domains(&self) -> Result<Vec<String>, ProviderError> {
        let output = self.invoke_checked(&self.invocation(["system", "dns", "list", "-q"])).await?;
        Ok(output.stdout.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect())
    }

    async fn app_root(&self) -> Result<Option<PathBuf>, ProviderError> {
        let output = self.invoke_checked(&self.invocation(["system", "status", "--format", "json"])).await?;
        Ok(app_root_of(&output.stdout))
    }
}

#[cfg(test)]
mod tests;

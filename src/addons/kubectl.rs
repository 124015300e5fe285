//! kubectl inside the control-plane node, with the admin kubeconfig: how
//! addons apply, delete, look up and wait on objects.

use std::time::Duration;

use super::{AddonError, Cx};
use crate::exec::Output;
use crate::node::kubectl;
use crate::provider::NodeCommand;

/// Something an addon waits on before it says it is ready.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Wait<'a> {
    /// `kubectl wait --for=condition=<condition> <resource>/<name>`.
    Condition { resource: &'a str, namespace: Option<&'a str>, name: &'a str, condition: &'a str },
    /// `kubectl rollout status <resource>/<name>`: every replica updated and available.
    Rollout { resource: &'a str, namespace: &'a str, name: &'a str },
    /// Every node Ready (a new CNI lets them become so).
    NodesReady,
}

impl Wait<'_> {
    fn argv(&self, timeout: Duration) -> Vec<String> {
        let timeout = format!("--timeout={}s", timeout.as_secs());
        let mut argv: Vec<String> = match self {
            Wait::Condition { resource, name, condition, .. } => {
                vec!["wait".into(), format!("--for=condition={condition}"), format!("{resource}/{name}"), timeout]
            }
            Wait::Rollout { resource, name, .. } => {
                vec!["rollout".into(), "status".into(), format!("{resource}/{name}"), timeout]
            }
            Wait::NodesReady => {
                vec!["wait".into(), "--for=condition=Ready".into(), "nodes".into(), "--all".into(), timeout]
            }
        };
        if let Some(ns) = self.namespace() {
            argv.push(format!("--namespace={ns}"));
        }
        argv
    }

    fn namespace(&self) -> Option<&str> {
        match self {
            Wait::Condition { namespace, .. } => *namespace,
            Wait::Rollout { namespace, .. } => Some(namespace),
            Wait::NodesReady => None,
        }
    }

    /// `deployment ingress-nginx/ingress-nginx-controller`.
    fn describe(&self) -> String {
        let (resource, name) = match self {
            Wait::Condition { resource, name, .. } | Wait::Rollout { resource, name, .. } => (resource, name),
            Wait::NodesReady => return "every node".into(),
        };
        match self.namespace() {
            Some(ns) => format!("{resource} {ns}/{name}"),
            None => format!("{resource} {name}"),
        }
    }

    /// What did not happen, as in "did not {condition}".
    fn condition(&self) -> String {
        match self {
            Wait::Condition { condition, .. } => format!("become {condition}"),
            Wait::Rollout { .. } => "finish rolling out".into(),
            Wait::NodesReady => "become Ready".into(),
        }
    }
}

impl Cx<'_> {
    /// Runs kubectl; a non-zero exit is an error naming the command and its stderr.
    pub(crate) async fn kubectl<S: AsRef<str>>(&self, args: &[S]) -> anyhow::Result<Output> {
        Ok(self.run(&kubectl(args)).await?)
    }

    /// Applies a manifest from stdin (server-side for large CRDs).
    pub(crate) async fn apply(&self, manifest: &str, server_side: bool) -> anyhow::Result<()> {
        let mut args = vec!["apply", "-f", "-"];
        if server_side {
            args.extend(["--server-side", "--force-conflicts", "--field-manager=kina"]);
        }
        let command = kubectl(&args).stdin(manifest.to_string()).timeout(Duration::from_secs(300));
        match self.run(&command).await {
            Ok(_) => Ok(()),
            Err(err) => Err(AddonError::Apply(err.into()).into()),
        }
    }

    /// Deletes what a manifest created; what is already gone is fine.
    pub(crate) async fn delete(&self, manifest: &str) -> anyhow::Result<()> {
        let args = ["delete", "-f", "-", "--ignore-not-found", "--wait=true", "--timeout=300s"];
        let command = kubectl(args).stdin(manifest.to_string()).timeout(Duration::from_secs(330));
        self.run(&command).await?;
        Ok(())
    }

    /// Whether `resource/name` exists.
    pub(crate) async fn exists(&self, resource: &str, namespace: Option<&str>, name: &str) -> anyhow::Result<bool> {
        let mut args = vec!["get".to_string(), resource.to_string(), name.to_string(), "--ignore-not-found".into()];
        args.push("-o=name".into());
        if let Some(ns) = namespace {
            args.push(format!("--namespace={ns}"));
        }
        Ok(!self.kubectl(&args).await?.stdout.trim().is_empty())
    }

    /// One field of one object (`{.status...}`), empty when it is not set.
    pub(crate) async fn field(
        &self,
        resource: &str,
        namespace: Option<&str>,
        name: &str,
        path: &str,
    ) -> anyhow::Result<String> {
        let mut args = vec!["get".to_string(), resource.to_string(), name.to_string(), format!("-o=jsonpath={path}")];
        if let Some(ns) = namespace {
            args.push(format!("--namespace={ns}"));
        }
        Ok(self.kubectl(&args).await?.stdout.trim().to_string())
    }

    /// Whether a file exists in the control-plane node.
    pub(crate) async fn node_file_exists(&self, path: &str) -> anyhow::Result<bool> {
        let test = NodeCommand::new(["test", "-e", path]);
        Ok(self.try_run(&test).await?.success())
    }

    /// Waits for each in turn within what is left of `--wait`.
    pub(crate) async fn wait_all(&self, addon: &'static str, waits: &[Wait<'_>]) -> anyhow::Result<()> {
        for wait in waits {
            self.wait_for(addon, wait).await?;
        }
        Ok(())
    }

    pub(crate) async fn wait_for(&self, addon: &'static str, wait: &Wait<'_>) -> anyhow::Result<()> {
        self.wait_for_at_most(addon, wait, self.remaining()).await
    }

    /// A wait with its own limit, for steps that must finish whatever `--wait` says.
    pub(crate) async fn wait_for_at_most(
        &self,
        addon: &'static str,
        wait: &Wait<'_>,
        limit: Duration,
    ) -> anyhow::Result<()> {
        // kubectl takes whole seconds; round up so a 3 s wait is not shown as 2.988 s.
        let limit = Duration::from_secs(limit.as_secs() + u64::from(limit.subsec_nanos() > 0));
        let command = kubectl(wait.argv(limit)).timeout(limit + Duration::from_secs(30));
        match self.run(&command).await {
            Ok(_) => Ok(()),
            Err(source) => Err(AddonError::NotReady {
                addon,
                what: wait.describe(),
                condition: wait.condition(),
                within: crate::duration::format(limit),
                look: self.look_command(wait),
                source: source.into(),
            }
            .into()),
        }
    }

    /// The command that shows why a wait failed.
    fn look_command(&self, wait: &Wait<'_>) -> String {
        let (resource, name) = match wait {
            Wait::Condition { resource, name, .. } | Wait::Rollout { resource, name, .. } => (*resource, *name),
            Wait::NodesReady => return format!("kubectl --context {} describe nodes", self.context()),
        };
        let context = self.context();
        match (wait, wait.namespace()) {
            // A rollout that hangs is usually pods that cannot be scheduled or started: their events say why.
            (Wait::Rollout { .. }, Some(ns)) => format!(
                "kubectl --context {context} --namespace {ns} describe {resource} {name}` and `kubectl --context {context} --namespace {ns} get events --sort-by=.lastTimestamp"
            ),
            (_, Some(ns)) => format!("kubectl --context {context} --namespace {ns} describe {resource} {name}"),
            (_, None) => format!("kubectl --context {context} describe {resource} {name}"),
        }
    }
}

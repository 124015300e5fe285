//! The create lifecycle as an ordered list of small actions (kind's
//! `create/actions`). Each action is one file; all share a [`Context`].

mod ensure_image;
mod export_kubeconfig;
pub(crate) mod install_cni;
mod install_storage;
mod join_workers;
mod kindnet_conflist;
mod kubeadm_init;
mod prepare_nodes;
mod wait_ready;
mod write_config;

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use crate::cluster::plan::PlannedNode;
use crate::config::types::{Cluster, Role};
use crate::kubeadm::KubeVersion;
use crate::output::Printer;
use crate::provider::{Node, Provider};

pub(crate) use export_kubeconfig::{cluster_kubeconfig, export_admin_conf, export_kubeconfig};
pub(crate) use prepare_nodes::host_env;

/// What the actions of one `create` share.
pub(crate) struct Context<'a, P: Provider> {
    pub provider: &'a P,
    pub printer: &'a Printer,
    pub cluster: String,
    /// The parsed config: networking, feature gates, patches.
    pub config: Cluster,
    /// Control planes first; the first one bootstraps the cluster.
    pub nodes: Vec<PlannedNode>,
    pub wait: Duration,
    pub kubeconfig: PathBuf,
    /// Where each node's `container run` stands, so cleanup removes only this
    /// create's own VMs. Behind a lock: nodes boot concurrently, and it must
    /// still be readable after an interrupt drops the running action.
    pub runs: Mutex<BTreeMap<String, RunState>>,
    /// Each node as the runtime reported it after boot.
    pub booted: BTreeMap<String, Node>,
    /// What each node's image holds (`/kind/version`): a node's kubeadm
    /// config must be in an API its own kubeadm reads.
    pub kubernetes_versions: BTreeMap<String, KubeVersion>,
    /// The bootstrap node's image runs its create steps itself, in one exec
    /// (`init-control-plane` in `/kina/image.json`): the files below travel on
    /// that exec's stdin, and CNI and StorageClass are no separate actions.
    pub init_in_one_exec: bool,
    /// The bootstrap node's fixed address (`ADDRESS/PREFIX`) for that exec,
    /// when its image installs the address unit there (`node-address`).
    pub node_address_at_init: Option<String>,
    /// kindnet's conflist for that exec.
    pub conflist_at_init: Option<String>,
    /// The bootstrap node's kubeadm config for that exec.
    pub kubeadm_config_at_init: Option<String>,
    /// kindnet's template, when the boot probe read it (kina-node images).
    pub cni_template: Option<String>,
    /// `/etc/kubernetes/admin.conf`, when that exec returned it.
    pub admin_conf: Option<String>,
    /// When the create began: `Ready after` counts from here.
    pub started: std::time::Instant,
}

/// A failure on one node, so the hint can point at that node's logs.
#[derive(Debug, thiserror::Error)]
#[error("{what}")]
pub(crate) struct NodeFailure {
    pub node: String,
    pub what: String,
}

/// Where `container run` for a node stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RunState {
    /// Started but not answered (interrupted or timed out): the VM may exist.
    InFlight,
    /// The runtime refused it: nothing of ours exists.
    Refused,
    Created,
}

impl<P: Provider> Context<'_, P> {
    /// The node that runs `kubeadm init` and publishes the API server.
    pub(crate) fn bootstrap(&self) -> &PlannedNode {
        &self.nodes[0]
    }

    pub(crate) fn workers(&self) -> impl Iterator<Item = &PlannedNode> {
        self.nodes.iter().filter(|n| n.role == Role::Worker)
    }

    pub(crate) fn install_cni(&self) -> bool {
        !self.config.networking.disable_default_cni
    }

    /// kind's default StorageClass, unless `disableDefaultStorage` (kina.dev/v1alpha1).
    pub(crate) fn install_storage(&self) -> bool {
        !self.config.disable_default_storage
    }

    /// A node as the runtime reported it after boot.
    pub(crate) fn booted(&self, name: &str) -> anyhow::Result<&Node> {
        self.booted.get(name).ok_or_else(|| anyhow::anyhow!("node {name} not prepared yet"))
    }

    pub(crate) fn node_ip(&self, name: &str) -> anyhow::Result<Ipv4Addr> {
        self.booted(name)?.ipv4.ok_or_else(|| anyhow::anyhow!("node {name} has no IPv4 address"))
    }

    pub(crate) fn kubernetes_version(&self, node: &str) -> anyhow::Result<KubeVersion> {
        self.kubernetes_versions
            .get(node)
            .cloned()
            .ok_or_else(|| anyhow::anyhow!("Kubernetes version of {node} not known yet"))
    }

    pub(crate) fn set_run_state(&self, node: &str, state: RunState) {
        self.runs.lock().unwrap().insert(node.to_string(), state);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    EnsureImage,
    PrepareNodes,
    WriteConfiguration,
    StartControlPlane,
    InstallCni,
    InstallStorage,
    JoinWorkers,
    WaitForReady,
}

impl Action {
    /// What every create does first; the node images then decide the rest.
    pub(crate) const BOOT: [Action; 2] = [Action::EnsureImage, Action::PrepareNodes];

    /// kind's order after boot; CNI and the default StorageClass unless
    /// disabled (or done by the image's one-exec init), joins only with
    /// workers, the Ready wait only with a non-zero `--wait`.
    pub(crate) fn after_boot(
        wait: Duration,
        install_cni: bool,
        install_storage: bool,
        workers: bool,
        init_in_one_exec: bool,
    ) -> Vec<Action> {
        let mut plan = vec![Action::WriteConfiguration, Action::StartControlPlane];
        if install_cni && !init_in_one_exec {
            plan.push(Action::InstallCni);
        }
        if install_storage && !init_in_one_exec {
            plan.push(Action::InstallStorage);
        }
        if workers {
            plan.push(Action::JoinWorkers);
        }
        if !wait.is_zero() {
            plan.push(Action::WaitForReady);
        }
        plan
    }

    /// kind's status line for the step.
    pub(crate) fn label<P: Provider>(self, ctx: &Context<'_, P>) -> String {
        match self {
            Action::EnsureImage => {
                let mut images: Vec<&str> = Vec::new();
                for image in ctx.nodes.iter().map(|n| display_image(&n.spec.image)) {
                    if !images.contains(&image) {
                        images.push(image);
                    }
                }
                format!("Ensuring node image ({}) 🖼", images.join(", "))
            }
            Action::PrepareNodes => format!("Preparing nodes {}", "📦 ".repeat(ctx.nodes.len())),
            Action::WriteConfiguration => "Writing configuration 📜".to_string(),
            Action::StartControlPlane if ctx.init_in_one_exec => {
                let with: Vec<&str> = [(ctx.install_cni(), "CNI 🔌"), (ctx.install_storage(), "StorageClass 💾")]
                    .into_iter()
                    .filter_map(|(done, what)| done.then_some(what))
                    .collect();
                if with.is_empty() {
                    "Starting control-plane 🕹️".to_string()
                } else {
                    format!("Starting control-plane 🕹️ with {}", with.join(" and "))
                }
            }
            Action::StartControlPlane => "Starting control-plane 🕹️".to_string(),
            Action::InstallCni => "Installing CNI 🔌".to_string(),
            Action::InstallStorage => "Installing StorageClass 💾".to_string(),
            Action::JoinWorkers => "Joining worker nodes 🚜".to_string(),
            // kind waits for the control plane; kina for every node, and says so.
            Action::WaitForReady if ctx.nodes.len() > 1 => {
                format!("Waiting ≤ {} for nodes = Ready ⏳", crate::duration::format(ctx.wait))
            }
            Action::WaitForReady => {
                format!("Waiting ≤ {} for control-plane = Ready ⏳", crate::duration::format(ctx.wait))
            }
        }
    }

    pub(crate) async fn execute<P: Provider>(self, ctx: &mut Context<'_, P>) -> anyhow::Result<()> {
        match self {
            Action::EnsureImage => ensure_image::execute(ctx).await,
            Action::PrepareNodes => prepare_nodes::execute(ctx).await,
            Action::WriteConfiguration => write_config::execute(ctx).await,
            Action::StartControlPlane => kubeadm_init::execute(ctx).await,
            Action::InstallCni => install_cni::execute(ctx).await,
            Action::InstallStorage => install_storage::execute(ctx).await,
            Action::JoinWorkers => join_workers::execute(ctx).await,
            Action::WaitForReady => wait_ready::execute(ctx).await,
        }
    }
}

/// kind shows images without their digest.
pub(crate) fn display_image(image: &str) -> &str {
    image.split('@').next().unwrap_or(image)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(wait: Duration, install_cni: bool, install_storage: bool, workers: bool) -> Vec<Action> {
        let mut plan = Action::BOOT.to_vec();
        plan.extend(Action::after_boot(wait, install_cni, install_storage, workers, false));
        plan
    }

    #[test]
    fn plan_waits_only_when_asked() {
        assert!(!plan(Duration::ZERO, true, true, false).contains(&Action::WaitForReady));
        assert_eq!(plan(Duration::from_secs(60), true, true, true).last(), Some(&Action::WaitForReady));
        assert!(!plan(Duration::ZERO, true, true, false).contains(&Action::JoinWorkers));
        assert!(plan(Duration::ZERO, true, true, true).contains(&Action::JoinWorkers));
    }

    #[test]
    fn plan_skips_cni_when_disabled() {
        assert!(plan(Duration::ZERO, true, true, false).contains(&Action::InstallCni));
        assert!(!plan(Duration::ZERO, false, true, false).contains(&Action::InstallCni));
    }

    #[test]
    fn plan_skips_storage_when_disabled() {
        use Action::*;
        assert_eq!(
            plan(Duration::from_secs(60), true, true, true),
            [
                EnsureImage,
                PrepareNodes,
                WriteConfiguration,
                StartControlPlane,
                InstallCni,
                InstallStorage,
                JoinWorkers,
                WaitForReady
            ]
        );
        assert_eq!(
            plan(Duration::from_secs(60), true, false, true),
            [EnsureImage, PrepareNodes, WriteConfiguration, StartControlPlane, InstallCni, JoinWorkers, WaitForReady]
        );
        assert!(!plan(Duration::ZERO, false, false, false).contains(&InstallStorage));
    }

    #[test]
    fn an_image_that_inits_in_one_exec_installs_cni_and_storage_with_the_control_plane() {
        use Action::*;
        assert_eq!(
            Action::after_boot(Duration::from_secs(60), true, true, true, true),
            [WriteConfiguration, StartControlPlane, JoinWorkers, WaitForReady]
        );
        assert_eq!(
            Action::after_boot(Duration::ZERO, true, true, false, true),
            [WriteConfiguration, StartControlPlane]
        );
    }

    #[test]
    fn images_are_shown_without_digest() {
        assert_eq!(display_image(crate::cluster::DEFAULT_IMAGE), "kindest/node:v1.35.5");
    }
}

//! The create lifecycle as an ordered list of small actions (kind's
//! `create/actions`). Each action is one file; all share a [`Context`].

mod ensure_image;
mod export_kubeconfig;
mod install_cni;
mod install_storage;
mod kindnet_conflist;
mod kubeadm_init;
mod prepare_nodes;
mod wait_ready;
mod write_config;

use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::time::Duration;

use crate::kubeadm::KubeVersion;
use crate::output::Printer;
use crate::provider::{Node, Provider};

pub use export_kubeconfig::{cluster_kubeconfig, export_kubeconfig};

/// What the actions of one `create` share.
pub struct Context<'a, P: Provider> {
    pub provider: &'a P,
    pub printer: &'a Printer,
    pub cluster: String,
    pub image: String,
    pub control_plane: String,
    pub api_server_host_port: u16,
    pub pod_subnet: String,
    pub service_subnet: String,
    /// False with `disableDefaultCNI: true`.
    pub install_cni: bool,
    pub wait: Duration,
    pub kubeconfig: PathBuf,
    /// Whether this create has made the node VM, so cleanup removes only its own.
    pub run_state: RunState,
    /// Learned while preparing the node.
    pub node: Option<Node>,
    pub kubernetes_version: Option<KubeVersion>,
}

/// Where `container run` for the node stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunState {
    NotStarted,
    /// Started but not answered (interrupted or timed out): the VM may exist.
    InFlight,
    /// The runtime refused it: nothing of ours exists.
    Refused,
    Created,
}

impl<P: Provider> Context<'_, P> {
    /// The control-plane node as the runtime reported it after boot.
    pub fn node(&self) -> anyhow::Result<&Node> {
        self.node.as_ref().ok_or_else(|| anyhow::anyhow!("node {} not prepared yet", self.control_plane))
    }

    pub fn node_ip(&self) -> anyhow::Result<Ipv4Addr> {
        let node = self.node()?;
        node.ipv4.ok_or_else(|| anyhow::anyhow!("node {} has no IPv4 address", node.name))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    EnsureImage,
    PrepareNodes,
    WriteConfiguration,
    StartControlPlane,
    InstallCni,
    InstallStorage,
    WaitForReady,
}

impl Action {
    /// The single-node plan; `WaitForReady` only with a non-zero `--wait`.
    pub fn plan(wait: Duration, install_cni: bool) -> Vec<Action> {
        let mut plan =
            vec![Action::EnsureImage, Action::PrepareNodes, Action::WriteConfiguration, Action::StartControlPlane];
        if install_cni {
            plan.push(Action::InstallCni);
        }
        plan.push(Action::InstallStorage);
        if !wait.is_zero() {
            plan.push(Action::WaitForReady);
        }
        plan
    }

    /// kind's status line for the step.
    pub fn label<P: Provider>(self, ctx: &Context<'_, P>) -> String {
        match self {
            Action::EnsureImage => format!("Ensuring node image ({}) 🖼", display_image(&ctx.image)),
            Action::PrepareNodes => "Preparing nodes 📦 ".to_string(),
            Action::WriteConfiguration => "Writing configuration 📜".to_string(),
            Action::StartControlPlane => "Starting control-plane 🕹️".to_string(),
            Action::InstallCni => "Installing CNI 🔌".to_string(),
            Action::InstallStorage => "Installing StorageClass 💾".to_string(),
            Action::WaitForReady => {
                format!("Waiting ≤ {} for control-plane = Ready ⏳", crate::duration::format(ctx.wait))
            }
        }
    }

    pub async fn execute<P: Provider>(self, ctx: &mut Context<'_, P>) -> anyhow::Result<()> {
        match self {
            Action::EnsureImage => ensure_image::execute(ctx).await,
            Action::PrepareNodes => prepare_nodes::execute(ctx).await,
            Action::WriteConfiguration => write_config::execute(ctx).await,
            Action::StartControlPlane => kubeadm_init::execute(ctx).await,
            Action::InstallCni => install_cni::execute(ctx).await,
            Action::InstallStorage => install_storage::execute(ctx).await,
            Action::WaitForReady => wait_ready::execute(ctx).await,
        }
    }
}

/// kind shows images without their digest.
pub fn display_image(image: &str) -> &str {
    image.split('@').next().unwrap_or(image)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_waits_only_when_asked() {
        assert!(!Action::plan(Duration::ZERO, true).contains(&Action::WaitForReady));
        assert_eq!(Action::plan(Duration::from_secs(60), true).last(), Some(&Action::WaitForReady));
    }

    #[test]
    fn plan_skips_cni_when_disabled() {
        assert!(Action::plan(Duration::ZERO, true).contains(&Action::InstallCni));
        assert!(!Action::plan(Duration::ZERO, false).contains(&Action::InstallCni));
    }

    #[test]
    fn images_are_shown_without_digest() {
        assert_eq!(display_image(crate::cluster::DEFAULT_IMAGE), "kindest/node:v1.35.5");
    }
}

//! kubeadm configuration for kina nodes.

mod config;
mod node;
mod patch;
mod version;

pub(crate) use node::{Discovery, NodePlan, RenderedNode, render_node_report};
pub(crate) use patch::{PatchError, PatchLevel};
pub(crate) use version::KubeVersion;

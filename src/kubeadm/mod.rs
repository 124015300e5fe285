//! kubeadm configuration for kina nodes.

mod config;
mod node;
mod patch;
mod version;

pub use config::RenderError;
pub use node::{API_SERVER_PORT, Discovery, NodePlan, RenderedNode, render_node, render_node_report};
pub use patch::{KubeadmPatches, PatchError, PatchKind, PatchLevel, PatchRef, UnmatchedPatch, apply_patches};
pub use version::KubeVersion;

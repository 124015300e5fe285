//! kubeadm configuration for kina nodes.

mod config;
mod version;

pub use config::{ConfigParams, render};
pub use version::KubeVersion;

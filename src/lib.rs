//! kina: Kubernetes in Apple Container. kind's workflow, with each node an
//! Apple `container` VM.

// Only the printer (src/output) writes to the terminal, so output stays in one place.
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod addons;
pub mod backoff;
pub mod build_info;
pub mod cli;
pub mod cluster;
pub mod config;
pub mod containerd;
pub mod doctor;
pub mod duration;
pub mod exec;
pub mod kubeadm;
pub mod kubeconfig;
pub mod node;
pub mod node_image;
pub mod output;
pub mod provider;
mod report;
pub mod versions;
pub mod yaml;

pub use cli::run;

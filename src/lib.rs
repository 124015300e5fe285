//! kina: Kubernetes in Apple Container. kind's workflow, with each node an
//! Apple `container` VM.

// Only the printer (src/output) writes to the terminal, so output stays in one place.
#![deny(clippy::print_stdout, clippy::print_stderr)]
// `pub` only for what the binary and the tests reach (`kina::run`, `kina::cli::Cli`).
#![warn(unreachable_pub)]

mod addons;
mod backoff;
mod build_info;
pub mod cli;
mod cluster;
mod config;
mod containerd;
mod dns;
mod doctor;
mod duration;
mod exec;
mod kubeadm;
mod kubeconfig;
mod node;
mod node_image;
mod output;
mod port_holder;
mod provider;
mod registry;
mod report;
mod versions;
mod yaml;

pub use cli::run;

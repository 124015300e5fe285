//! `kina install <addon>`: curated, pinned addons applied through the
//! control-plane node (no kubectl or helm needed on the Mac).
//!
//! Each addon is one file that implements [`addon::Addon`] with its own facts
//! (upstream manifests, edits, the probe that says "installed", waits);
//! the trait's default methods do the steps they share. [`catalog`] lists
//! them with their versions, [`fetch`] downloads upstream manifests into a
//! cache (or reads a mirror), and [`kubectl`] is how they talk to the cluster.

pub(crate) mod addon;
mod calico;
pub(crate) mod catalog;
mod cx;
mod envoy_gateway;
mod error;
mod fetch;
mod gateway;
mod headlamp;
mod ingress_nginx;
mod kindnet;
pub(crate) mod kubectl;
pub(crate) mod load_balancer;
mod local_path;
mod manifest;
mod metrics_server;
pub(crate) mod names;
mod record;
mod run;

pub(crate) use catalog::{AddonId, CATALOG};
pub(crate) use cx::Cx;
pub(crate) use error::AddonError;
pub(crate) use run::{InstallOptions, UninstallOptions, install, list, uninstall};

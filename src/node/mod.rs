//! The inside of a kina node, shared by `cluster` and `addons` (which do not
//! use each other): the node image's files, the one way to run kubectl in a
//! node, and a cluster's nodes in the order kina works on them.

pub(crate) mod default_cni;
mod error;
mod in_node;
mod kubectl;
mod members;
pub(crate) mod paths;

pub(crate) use error::NodesError;
pub(crate) use in_node::InNode;
pub(crate) use kubectl::{KUBECONFIG_FLAG, kubectl};
#[cfg(test)]
pub(crate) use members::sample;
pub(crate) use members::{control_plane_first, is_control_plane, list, of_cluster, require_running};

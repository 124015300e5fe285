//! kind cluster config files (`kind.x-k8s.io/v1alpha4`, `kind: Cluster`), and
//! kina's superset (`kina.dev/v1alpha1`: per-node `cpus`, `memory`, `kernel`,
//! and the cluster's `disableDefaultStorage`).
//!
//! [`parse_cluster`] works as kind does: `kind`/`apiVersion` first, then a
//! strict decode (an unknown field is an error naming it and its line), kind's
//! defaults, kind's validation with kind's messages, then what Apple
//! `container` VMs cannot do: refused with the reason, or honoured with a
//! warning in [`Parsed::warnings`]. Nothing is silently ignored.

mod decode;
mod raw;
pub(crate) mod types;
mod validate;

use std::io::Read;
use std::path::Path;

pub(crate) use types::*;
pub(crate) use validate::{MAX_CPUS, MAX_NODES, parse_memory, too_many_nodes, validate_name};

/// A parsed config: the model with defaults applied, and what kina honours
/// only partly (to print as warnings).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Parsed {
    pub cluster: types::Cluster,
    pub warnings: Vec<String>,
}

/// Where a strict decode met a field the schema does not have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UnknownFieldError {
    pub line: u64,
    pub field: String,
    /// kind's Go type name, e.g. `v1alpha4.Node`.
    pub in_type: String,
    /// The fields allowed there.
    pub expected: Vec<String>,
    /// A kina-only field (a node's `cpus`, `memory`, `kernel`, or the
    /// cluster's `disableDefaultStorage`) under kind's apiVersion.
    pub kina_only: bool,
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum ConfigError {
    #[error("error reading file: open {path}: {source}")]
    Read { path: String, source: std::io::Error },
    /// Not YAML, so not even `kind`/`apiVersion` could be read.
    #[error("could not determine kind / apiVersion for config: {0}")]
    Syntax(String),
    #[error("unable to decode config: {0}")]
    Decode(String),
    #[error("unknown apiVersion: {0}")]
    ApiVersion(String),
    #[error("unknown kind {kind} for apiVersion: {api_version}")]
    Kind { kind: String, api_version: String },
    #[error(
        "unable to decode config: yaml: unmarshal errors:\n  line {}: field {} not found in type {}",
        .0.line, .0.field, .0.in_type
    )]
    UnknownFieldAt(Box<UnknownFieldError>),
    /// Every validation problem at once, aggregated as kind does.
    #[error("{}", validate::aggregate(errors))]
    Validation {
        errors: Vec<String>,
        /// Some of them are kind settings Apple `container` cannot honour.
        refused: bool,
    },
}

impl ConfigError {
    pub(crate) fn hint(&self) -> Option<String> {
        match self {
            ConfigError::UnknownFieldAt(e) if e.kina_only => Some(format!(
                "`{}` is a kina setting: use `apiVersion: {KINA_API_VERSION}` (kind's schema plus per-node cpus, memory and kernel, disableDefaultStorage and registry)",
                e.field
            )),
            ConfigError::UnknownFieldAt(e) => Some(format!(
                "check the spelling and indentation; the fields allowed there are: {}",
                e.expected.join(", ")
            )),
            ConfigError::Validation { refused: true, .. } => Some(format!(
                "kina runs each node as an Apple container VM; {} lists what works there and why the rest cannot",
                crate::build_info::docs_link("configuration.md")
            )),
            ConfigError::ApiVersion(_) => {
                Some(format!("use `apiVersion: {KIND_API_VERSION}` (kind) or `apiVersion: {KINA_API_VERSION}` (kina)"))
            }
            _ => None,
        }
    }
}

/// Reads the config text of a file, or of stdin for `-`.
fn read_source(path: &Path) -> Result<String, ConfigError> {
    let read_error = |source| ConfigError::Read { path: path.display().to_string(), source };
    if path == Path::new("-") {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text).map_err(read_error)?;
        Ok(text)
    } else {
        std::fs::read_to_string(path).map_err(read_error)
    }
}

/// Reads and parses a config file, or stdin for `-`. Relative paths in it
/// are resolved against the current directory, as kind does.
pub(crate) fn load_cluster(path: &Path) -> Result<Parsed, ConfigError> {
    parse_cluster(&read_source(path)?)
}

/// Parses config text; an empty document gives kind's defaults.
pub(crate) fn parse_cluster(text: &str) -> Result<Parsed, ConfigError> {
    parse_cluster_relative_to(text, &std::env::current_dir().unwrap_or_default())
}

/// [`parse_cluster`] with relative `hostPath`/`kernel` paths resolved against `base`.
pub(crate) fn parse_cluster_relative_to(text: &str, base: &Path) -> Result<Parsed, ConfigError> {
    match decode::decode(text)? {
        None => Ok(Parsed { cluster: types::Cluster::default(), warnings: Vec::new() }),
        Some((_, raw)) => validate::build(raw, base),
    }
}

#[cfg(test)]
mod corpus_tests;
#[cfg(test)]
mod tests;

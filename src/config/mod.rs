//! kind cluster config files (`kind.x-k8s.io/v1alpha4`, `kind: Cluster`).
//!
//! Decoding is strict like kind's: unknown fields are errors. Fields kina
//! honours today are read; kind fields kina cannot honour yet are refused
//! by name, never silently ignored.

mod networking;
pub mod types;

use std::io::Read;
use std::path::Path;

use serde_json::{Map, Value};

use crate::yaml;
pub use networking::Networking;

pub const API_VERSION: &str = "kind.x-k8s.io/v1alpha4";

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClusterConfig {
    pub name: Option<String>,
    /// The control-plane node's image, if the config sets one.
    pub image: Option<String>,
    pub networking: Networking,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("error reading file: open {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("unable to decode config: {0}")]
    Decode(String),
    #[error("unknown apiVersion: {0}")]
    ApiVersion(String),
    #[error("unknown kind {kind} for apiVersion: {API_VERSION}")]
    Kind { kind: String },
    #[error("unable to decode config: unknown field \"{0}\"")]
    UnknownField(String),
    #[error("{field}: {why}")]
    Unsupported { field: String, why: String },
    #[error("{0}")]
    Invalid(String),
}

impl ConfigError {
    pub fn hint(&self) -> Option<String> {
        match self {
            ConfigError::Unsupported { .. } => {
                Some("remove the field, or see docs/configuration.md for what kina supports today".into())
            }
            ConfigError::UnknownField(_) => {
                Some("check the field's spelling and indentation against kind's v1alpha4 schema".into())
            }
            _ => None,
        }
    }
}

/// Reads a config file, or stdin for `-`.
pub fn load(path: &Path) -> Result<ClusterConfig, ConfigError> {
    let read_error = |source| ConfigError::Read { path: path.display().to_string(), source };
    let text = if path == Path::new("-") {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text).map_err(read_error)?;
        text
    } else {
        std::fs::read_to_string(path).map_err(read_error)?
    };
    parse(&text)
}

pub fn parse(text: &str) -> Result<ClusterConfig, ConfigError> {
    if text.trim().is_empty() {
        return Ok(ClusterConfig::default());
    }
    let value: Value = yaml::from_str(text).map_err(|e| ConfigError::Decode(e.to_string()))?;
    let Value::Object(mut top) = value else {
        return Err(ConfigError::Decode("expected a mapping at the top level".into()));
    };
    let api_version = take_string(&mut top, "apiVersion", "apiVersion")?.unwrap_or_default();
    if api_version != API_VERSION {
        return Err(ConfigError::ApiVersion(api_version));
    }
    let kind = take_string(&mut top, "kind", "kind")?.unwrap_or_default();
    if kind != "Cluster" {
        return Err(ConfigError::Kind { kind });
    }
    let mut config = ClusterConfig { name: take_string(&mut top, "name", "name")?, ..Default::default() };
    if let Some(nodes) = top.remove("nodes") {
        config.image = read_nodes(nodes)?;
    }
    if let Some(networking) = top.remove("networking") {
        config.networking = networking::read(networking)?;
    }
    reject_rest(top, "")?;
    Ok(config)
}

/// kind fields kina does not honour yet; anything else is unknown.
const NOT_YET: &[&str] = &[
    "featureGates",
    "runtimeConfig",
    "kubeadmConfigPatches",
    "kubeadmConfigPatchesJSON6902",
    "containerdConfigPatches",
    "containerdConfigPatchesJSON6902",
    "labels",
    "extraMounts",
    "extraPortMappings",
    "ipFamily",
    "kubeProxyMode",
    "dnsSearch",
];

pub(crate) fn reject_rest(rest: Map<String, Value>, prefix: &str) -> Result<(), ConfigError> {
    match rest.into_iter().next() {
        None => Ok(()),
        Some((key, _)) if NOT_YET.contains(&key.as_str()) => Err(ConfigError::Unsupported {
            field: format!("{prefix}{key}"),
            why: "this kind setting is not supported by kina yet".into(),
        }),
        Some((key, _)) => Err(ConfigError::UnknownField(format!("{prefix}{key}"))),
    }
}

pub(crate) fn take_string(map: &mut Map<String, Value>, key: &str, path: &str) -> Result<Option<String>, ConfigError> {
    match map.remove(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(ConfigError::Decode(format!("{path}: expected a string, got {other}"))),
    }
}

fn read_nodes(nodes: Value) -> Result<Option<String>, ConfigError> {
    let Value::Array(nodes) = nodes else {
        return Err(ConfigError::Decode("nodes: expected a list".into()));
    };
    let mut control_plane_image = None;
    let mut control_planes = 0;
    for (i, node) in nodes.into_iter().enumerate() {
        let Value::Object(mut node) = node else {
            return Err(ConfigError::Decode(format!("nodes[{i}]: expected a mapping")));
        };
        let role = take_string(&mut node, "role", "role")?.unwrap_or_else(|| "control-plane".into());
        let image = take_string(&mut node, "image", "image")?;
        match role.as_str() {
            "control-plane" => {
                control_planes += 1;
                control_plane_image = image;
            }
            "worker" => {
                return Err(ConfigError::Unsupported {
                    field: format!("nodes[{i}]"),
                    why: "worker nodes are not supported by kina yet: kina creates single-node clusters".into(),
                });
            }
            other => {
                return Err(ConfigError::Invalid(format!(
                    "invalid configuration for node {i}: {other:?} is not a valid node role"
                )));
            }
        }
        reject_rest(node, &format!("nodes[{i}]."))?;
    }
    match control_planes {
        0 => Err(ConfigError::Invalid("must have at least one control-plane node".into())),
        1 => Ok(control_plane_image),
        _ => Err(ConfigError::Unsupported {
            field: "nodes".into(),
            why: "more than one control-plane node is not supported by kina yet".into(),
        }),
    }
}

#[cfg(test)]
mod tests;

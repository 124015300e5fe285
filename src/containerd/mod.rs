//! The node's containerd config (`/etc/containerd/config.toml`) and kind's
//! `containerdConfigPatches` / `containerdConfigPatchesJSON6902`
//! (kind's `pkg/internal/patch/toml.go`).
//!
//! The config is converted to JSON; each merge patch (TOML) is converted
//! too and applied as an RFC 7386 merge patch, unless it sets a top-level
//! `version` other than the config's (kindest/node ships a `version = 2` config,
//! `plugins."io.containerd.grpc.v1.cri"`, which containerd 2.x migrates at load; a
//! patch that says `version = 3` is skipped on it); then each JSON 6902
//! patch is applied, whatever the version. The result is written back as
//! TOML. Comments and formatting of the original are not kept (nor are they
//! by kind).

mod cri_registry;

pub(crate) use cri_registry::{check as check_cri_registry, patched_cri_registry};

use serde_json::{Map, Value};

use crate::yaml;

/// Where containerd reads its config on a node.
pub(crate) use crate::node::paths::CONTAINERD_CONFIG as CONFIG_PATH;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum PatchError {
    #[error("could not parse {CONFIG_PATH}: {0}")]
    Config(String),
    #[error("failed to detect the containerd config version: {CONFIG_PATH} sets no top-level `version`")]
    NoVersion,
    #[error("containerdConfigPatches[{index}]: {reason}")]
    Merge { index: usize, reason: String },
    #[error("containerdConfigPatchesJSON6902[{index}]: {reason}")]
    Json6902 { index: usize, reason: String },
    #[error("could not write the patched containerd config: {0}")]
    Write(String),
    #[error(
        "containerdConfigPatches set both `config_path` and `registry.mirrors` for containerd's CRI, which containerd refuses (\"invalid cri image config: `mirrors` cannot be set when `config_path` is provided\"): no kubelet could start"
    )]
    MirrorsWithConfigPath,
}

impl PatchError {
    pub(crate) fn hint(&self) -> Option<String> {
        match self {
            PatchError::MirrorsWithConfigPath => Some(
                "drop the `registry.mirrors` patch and describe each mirror as a hosts.toml under /etc/containerd/certs.d \
                 (https://github.com/containerd/containerd/blob/main/docs/hosts.md)"
                    .into(),
            ),
            _ => None,
        }
    }
}

/// A merge patch skipped because it targets another config version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SkippedPatch {
    /// Position in `containerdConfigPatches`.
    pub index: usize,
    pub patch_version: i64,
    pub config_version: i64,
}

/// The patched config text, and the merge patches skipped for their version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PatchedConfig {
    pub config: String,
    pub skipped: Vec<SkippedPatch>,
}

/// Applies the patches to the text of a containerd config and returns the
/// new text.
#[cfg(test)]
pub(crate) fn patch_config(
    config: &str,
    patches: &[String],
    patches_json6902: &[String],
) -> Result<String, PatchError> {
    patch_config_report(config, patches, patches_json6902).map(|patched| patched.config)
}

/// [`patch_config`], also naming the merge patches skipped for their version
/// (kind skips them silently).
pub(crate) fn patch_config_report(
    config: &str,
    patches: &[String],
    patches_json6902: &[String],
) -> Result<PatchedConfig, PatchError> {
    let table: toml::Table = config.parse().map_err(|e: toml::de::Error| PatchError::Config(e.to_string()))?;
    let config_version = match version(&table).map_err(PatchError::Config)? {
        0 => return Err(PatchError::NoVersion),
        v => v,
    };
    let mut json = table_to_json(table);
    let mut skipped = Vec::new();
    for (index, patch) in patches.iter().enumerate() {
        let error = |reason| PatchError::Merge { index, reason };
        let patch: toml::Table = patch.parse().map_err(|e: toml::de::Error| error(format!("not valid TOML: {e}")))?;
        let patch_version = version(&patch).map_err(error)?;
        if patch_version != 0 && patch_version != config_version {
            skipped.push(SkippedPatch { index, patch_version, config_version });
            continue;
        }
        json_patch::merge(&mut json, &table_to_json(patch));
    }
    for (index, patch) in patches_json6902.iter().enumerate() {
        let error = |reason| PatchError::Json6902 { index, reason };
        // kind takes JSON; YAML (a superset) is accepted as well.
        let ops: Value = yaml::from_str(patch)
            .or_else(|yaml_error| serde_json::from_str(patch).map_err(|_| yaml_error))
            .map_err(|e| error(format!("not valid JSON or YAML: {e}")))?;
        let ops: json_patch::Patch =
            serde_json::from_value(ops).map_err(|e| error(format!("not a JSON 6902 list of operations: {e}")))?;
        json_patch::patch(&mut json, &ops).map_err(|e| error(format!("cannot apply: {e}")))?;
    }
    let Value::Object(map) = json else {
        return Err(PatchError::Write("the patched config is not a table".into()));
    };
    let table = json_to_table(map).map_err(PatchError::Write)?;
    let config = toml::to_string(&table).map_err(|e| PatchError::Write(e.to_string()))?;
    Ok(PatchedConfig { config, skipped })
}

/// The top-level `version` (0 when absent), as kind reads it.
fn version(table: &toml::Table) -> Result<i64, String> {
    match table.get("version") {
        None => Ok(0),
        Some(toml::Value::Integer(v)) => Ok(*v),
        Some(other) => Err(format!("`version` must be an integer, not {other}")),
    }
}

fn table_to_json(table: toml::Table) -> Value {
    Value::Object(table.into_iter().map(|(k, v)| (k, toml_to_json(v))).collect())
}

fn toml_to_json(value: toml::Value) -> Value {
    match value {
        toml::Value::String(s) => Value::String(s),
        toml::Value::Integer(i) => Value::from(i),
        toml::Value::Float(f) => {
            serde_json::Number::from_f64(f).map(Value::Number).unwrap_or_else(|| Value::String(f.to_string()))
        }
        toml::Value::Boolean(b) => Value::Bool(b),
        // As kind: datetimes become strings.
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(items) => Value::Array(items.into_iter().map(toml_to_json).collect()),
        toml::Value::Table(table) => table_to_json(table),
    }
}

/// Back to TOML; nulls in a table mean "absent" (TOML has no null).
fn json_to_table(map: Map<String, Value>) -> Result<toml::Table, String> {
    let mut table = toml::Table::new();
    for (key, value) in map {
        if !value.is_null() {
            let value = json_to_toml(value).map_err(|e| format!("{key}: {e}"))?;
            table.insert(key, value);
        }
    }
    Ok(table)
}

fn json_to_toml(value: Value) -> Result<toml::Value, String> {
    Ok(match value {
        Value::Null => return Err("TOML has no null".into()),
        Value::Bool(b) => toml::Value::Boolean(b),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => toml::Value::Integer(i),
            (None, _) if n.is_u64() => return Err(format!("{n} is too large for a TOML integer")),
            (None, Some(f)) => toml::Value::Float(f),
            (None, None) => return Err(format!("{n} is not a TOML number")),
        },
        Value::String(s) => toml::Value::String(s),
        Value::Array(items) => toml::Value::Array(items.into_iter().map(json_to_toml).collect::<Result<_, _>>()?),
        Value::Object(map) => toml::Value::Table(json_to_table(map)?),
    })
}

#[cfg(test)]
mod tests;

//! Reads `kind`/`apiVersion` first, then decodes the body strictly, wording
//! failures the way kind's yaml.v3 decoder does.

use super::raw;
use super::types::{KINA_API_VERSION, KIND_API_VERSION};
use super::{ConfigError, UnknownFieldError};
use crate::yaml::{self, Located};

/// The fields only kina's apiVersion accepts on a node.
pub(super) const KINA_NODE_FIELDS: &[&str] = &["cpus", "memory", "kernel"];
/// The fields only kina's apiVersion accepts at the top of the file.
pub(super) const KINA_CLUSTER_FIELDS: &[&str] = &["disableDefaultStorage", "registry"];

/// The decoded file and its apiVersion, or None for an empty document.
pub(super) fn decode(text: &str) -> Result<Option<(&'static str, raw::Cluster)>, ConfigError> {
    let head: Option<raw::Head> = yaml::from_str_located(text).map_err(|e| ConfigError::Syntax(yaml_message(&e)))?;
    let Some(head) = head else { return Ok(None) };
    let api_version = head.api_version.unwrap_or_default();
    let kind = head.kind.unwrap_or_default();
    let api_version: &'static str = match api_version.as_str() {
        KIND_API_VERSION => KIND_API_VERSION,
        KINA_API_VERSION => KINA_API_VERSION,
        _ => return Err(ConfigError::ApiVersion(api_version)),
    };
    if kind != "Cluster" {
        return Err(ConfigError::Kind { kind, api_version: api_version.to_string() });
    }
    let cluster = if api_version == KIND_API_VERSION {
        yaml::from_str_located::<raw::KindCluster>(text).map_err(|e| decode_error(e, text, api_version))?.into()
    } else {
        yaml::from_str_located::<raw::Cluster>(text).map_err(|e| decode_error(e, text, api_version))?
    };
    Ok(Some((api_version, cluster)))
}

/// yaml.v3's shape: `yaml: line N: message`.
fn yaml_message(e: &Located) -> String {
    match e.line {
        Some(line) => format!("yaml: line {line}: {}", tidy(&e.message)),
        None => format!("yaml: {}", tidy(&e.message)),
    }
}

/// The parser's developer-facing wordings, in a user's terms.
fn tidy(message: &str) -> String {
    if let Some(rest) = message.strip_prefix("duplicate mapping key: ") {
        let key = rest.split(", set DuplicateKeyPolicy").next().unwrap_or(rest);
        return format!("mapping key {key:?} already defined");
    }
    if message.starts_with("multiple YAML documents detected") {
        return "several YAML documents found; a config file holds one Cluster".into();
    }
    match message {
        "expected mapping start" => "expected a mapping".into(),
        "expected sequence start" => "expected a list".into(),
        other => other.into(),
    }
}

fn decode_error(e: Located, text: &str, api_version: &str) -> ConfigError {
    let line = e.line.unwrap_or(0);
    if let Some(rest) = e.message.strip_prefix("unknown field `")
        && let Some((field, rest)) = rest.split_once('`')
    {
        let expected: Vec<String> = rest
            .trim_start_matches(',')
            .trim()
            .strip_prefix("expected one of ")
            .or_else(|| rest.trim_start_matches(',').trim().strip_prefix("expected "))
            .map(|list| list.split(", ").map(|f| f.trim_matches('`').to_string()).collect())
            .unwrap_or_default();
        let version = api_version.rsplit('/').next().unwrap_or(api_version);
        let in_type = type_name(&expected);
        let kina_fields = match in_type {
            "Cluster" => KINA_CLUSTER_FIELDS,
            "Node" => KINA_NODE_FIELDS,
            _ => &[],
        };
        return ConfigError::UnknownFieldAt(Box::new(UnknownFieldError {
            line,
            field: field.to_string(),
            in_type: format!("{version}.{in_type}"),
            kina_only: api_version == KIND_API_VERSION && kina_fields.contains(&field),
            expected,
        }));
    }
    // yaml.v3 says `cannot unmarshal !!str `abc` into int32`; name the value too.
    let go_type = match e.message.as_str() {
        "invalid i32" => Some("int32"),
        "invalid i64" => Some("int"),
        "invalid bool" | "invalid boolean" => Some("bool"),
        _ => None,
    };
    let message = match (go_type, scalar_at(text, &e)) {
        (Some(go_type), Some(value)) => format!("cannot unmarshal `{value}` into {go_type}"),
        (Some(go_type), None) => format!("cannot unmarshal the value into {go_type}"),
        (None, _) => tidy(&e.message),
    };
    ConfigError::Decode(format!("yaml: unmarshal errors:\n  line {line}: {message}"))
}

/// kind's Go type for the mapping, told apart by one field only it has.
fn type_name(expected: &[String]) -> &'static str {
    let has = |f: &str| expected.iter().any(|e| e == f);
    if has("nodes") {
        "Cluster"
    } else if has("role") {
        "Node"
    } else if has("ipFamily") {
        "Networking"
    } else if has("containerPort") {
        "PortMapping"
    } else if has("containerPath") {
        "Mount"
    } else if has("patch") {
        "PatchJSON6902"
    } else {
        "Cluster"
    }
}

/// The plain scalar the parser pointed at, up to the end of its line.
fn scalar_at(text: &str, e: &Located) -> Option<String> {
    let line = text.lines().nth(usize::try_from(e.line?).ok()?.checked_sub(1)?)?;
    let column = usize::try_from(e.column?).ok()?.checked_sub(1)?;
    let rest: String = line.chars().skip(column).collect();
    let value = rest.split(" #").next().unwrap_or_default();
    let value = value.split([',', '}', ']']).next().unwrap_or_default().trim();
    (!value.is_empty()).then(|| value.to_string())
}

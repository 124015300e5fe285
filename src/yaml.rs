//! The one place kina touches a YAML library, so swapping it changes one file.

use serde::{Serialize, de::DeserializeOwned};

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct YamlError(String);

/// Parses one YAML document.
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, YamlError> {
    serde_saphyr::from_str(text).map_err(|e| YamlError(e.to_string()))
}

/// Parses a stream of `---`-separated documents, skipping empty ones.
pub fn from_multiple<T: DeserializeOwned>(text: &str) -> Result<Vec<T>, YamlError> {
    serde_saphyr::from_multiple::<Option<T>>(text)
        .map(|docs| docs.into_iter().flatten().collect())
        .map_err(|e| YamlError(e.to_string()))
}

/// Renders one value as a YAML document.
pub fn to_string<T: Serialize>(value: &T) -> Result<String, YamlError> {
    serde_saphyr::to_string(value).map_err(|e| YamlError(e.to_string()))
}

/// Renders several values as one `---`-separated stream.
pub fn to_string_multiple<T: Serialize>(values: &[T]) -> Result<String, YamlError> {
    let mut out = String::new();
    for value in values {
        out.push_str("---\n");
        out.push_str(&to_string(value)?);
    }
    Ok(out)
}

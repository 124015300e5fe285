//! The one place kina touches a YAML library, so swapping it changes one file.

use serde::{Serialize, de::DeserializeOwned};

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct YamlError(String);

/// Parses one YAML document.
pub(crate) fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, YamlError> {
    serde_saphyr::from_str(text).map_err(|e| YamlError(e.to_string()))
}

/// Parses a stream of `---`-separated documents, skipping empty ones.
pub(crate) fn from_multiple<T: DeserializeOwned>(text: &str) -> Result<Vec<T>, YamlError> {
    serde_saphyr::from_multiple::<Option<T>>(text)
        .map(|docs| docs.into_iter().flatten().collect())
        .map_err(|e| YamlError(e.to_string()))
}

/// Renders one value as a YAML document.
pub(crate) fn to_string<T: Serialize>(value: &T) -> Result<String, YamlError> {
    serde_saphyr::to_string(value).map_err(|e| YamlError(e.to_string()))
}

/// Renders one value as kubectl writes a kubeconfig: every single-line string
/// stays on its line (a long base64 value is never folded into a `>-` block,
/// so `grep … | awk '{print $2}' | base64 -d` works); multi-line strings are
/// literal `|` blocks.
pub(crate) fn to_string_unfolded<T: Serialize>(value: &T) -> Result<String, YamlError> {
    let options = serde_saphyr::ser_options! { folded_wrap_chars: usize::MAX };
    serde_saphyr::to_string_with_options(value, options).map_err(|e| YamlError(e.to_string()))
}

/// Renders several values as one `---`-separated stream.
pub(crate) fn to_string_multiple<T: Serialize>(values: &[T]) -> Result<String, YamlError> {
    let mut out = String::new();
    for value in values {
        out.push_str("---\n");
        out.push_str(&to_string(value)?);
    }
    Ok(out)
}

/// A decode failure with the position the parser reported, so callers can
/// word it their own way (e.g. kind's `line N: …`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Located {
    /// 1-based; None when the parser knows no position.
    pub line: Option<u64>,
    pub column: Option<u64>,
    /// The message alone, without position or source snippet.
    pub message: String,
}

/// Parses one YAML document like [`from_str`], keeping the error's position apart.
pub(crate) fn from_str_located<T: DeserializeOwned>(text: &str) -> Result<T, Located> {
    serde_saphyr::from_str(text).map_err(|e| {
        let location = e.location().filter(|l| l.line() > 0);
        let mut message = e.without_snippet().to_string();
        if let Some(l) = location {
            let suffix = format!(" at line {}, column {}", l.line(), l.column());
            if let Some(stripped) = message.strip_suffix(&suffix) {
                message = stripped.to_string();
            }
        }
        Located { line: location.map(|l| l.line()), column: location.map(|l| l.column()), message }
    })
}

//! What only Apple's `container` can get wrong, with what to do about it.

use crate::exec::ExecError;
use crate::provider::{ProviderError, RuntimeFailure};

use super::json::ShapeError;

#[derive(Debug, thiserror::Error)]
pub(crate) enum AppleError {
    #[error("Apple's `container` CLI was not found{}", .looked_at.as_ref().map(|p| format!(" at {p}")).unwrap_or_else(|| " on PATH".to_string()))]
    NotInstalled { looked_at: Option<String> },

    #[error("the Apple container system service is not running")]
    ServiceDown {
        #[source]
        source: ExecError,
    },

    #[error("could not read the Apple container version from {output:?}")]
    UnknownVersion { output: String },

    #[error("{reason}")]
    UnsupportedVersion { reason: String },

    #[error("failed to pull image {image:?}")]
    ImagePull {
        image: String,
        #[source]
        source: ExecError,
    },

    #[error("unexpected output from `{command}` (Apple container {version})")]
    Shape {
        command: String,
        version: String,
        #[source]
        source: ShapeError,
    },
}

impl RuntimeFailure for AppleError {
    fn hint(&self) -> Option<String> {
        Some(match self {
            AppleError::NotInstalled { looked_at: Some(path) } => format!(
                "KINA_CONTAINER_BIN points at {path}; fix or unset it, or install Apple container with `brew install container`"
            ),
            AppleError::NotInstalled { looked_at: None } if !cfg!(target_os = "macos") => format!(
                "kina runs Kubernetes nodes as Apple container VMs, which need macOS on Apple silicon. \
                 On {}, try kina against the test fake of `container`: `cargo build --features fake-container`, then \
                 `KINA_CONTAINER_BIN=target/debug/container KINA_FAKE_STATE=/tmp/kina-fake target/debug/kina create cluster` \
                 (see {})",
                std::env::consts::OS,
                crate::build_info::docs_link("testing.md")
            ),
            AppleError::NotInstalled { looked_at: None } => {
                "install Apple container (`brew install container`, or the signed installer from https://github.com/apple/container/releases), then run `container system start`"
                    .into()
            }
            AppleError::ServiceDown { .. } => {
                "start it with `container system start` (add `--enable-kernel-install` the first time)".into()
            }
            AppleError::UnknownVersion { .. } | AppleError::UnsupportedVersion { .. } => {
                "upgrade Apple container to 1.2.1 or newer: `brew upgrade container`, or https://github.com/apple/container/releases".into()
            }
            AppleError::ImagePull { image, .. } => {
                format!(
                    "check the image reference and your network, then try `container image pull {}`",
                    shell_words::quote(image)
                )
            }
            AppleError::Shape { .. } => {
                "this Apple container release prints a shape kina does not know yet; please report it with the output of `container --version`".into()
            }
        })
    }
}

impl From<AppleError> for ProviderError {
    fn from(err: AppleError) -> Self {
        ProviderError::Runtime(err.into())
    }
}

use crate::exec::ExecError;

use super::apple::json::ShapeError;

/// What installs the kernel a fresh Apple container 1.5.0 lacks.
pub const INSTALL_KERNEL: &str = "container system kernel set --recommended";

#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    #[error("Apple's `container` CLI was not found{}", .looked_at.as_ref().map(|p| format!(" at {p}")).unwrap_or_else(|| " on PATH".to_string()))]
    NotInstalled { looked_at: Option<String> },

    #[error("the Apple container system service is not running")]
    ServiceDown {
        #[source]
        source: ExecError,
    },

    #[error("Apple container has no default kernel for node VMs to boot: {} does not exist", .link.display())]
    NoKernel { link: std::path::PathBuf },

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

    #[error("node {0:?} not found")]
    NodeNotFound(String),

    #[error(transparent)]
    Exec(#[from] ExecError),
}

impl ProviderError {
    /// What the user can do about it.
    pub fn hint(&self) -> Option<String> {
        match self {
            ProviderError::NotInstalled { looked_at: Some(path) } => Some(format!(
                "KINA_CONTAINER_BIN points at {path}; fix or unset it, or install Apple container with `brew install container`"
            )),
            ProviderError::NotInstalled { looked_at: None } => Some(
                "install Apple container (`brew install container`, or the signed installer from https://github.com/apple/container/releases), then run `container system start`"
                    .into(),
            ),
            ProviderError::ServiceDown { .. } => {
                Some("start it with `container system start` (add `--enable-kernel-install` the first time)".into())
            }
            ProviderError::NoKernel { .. } => Some(format!("install the recommended kernel: `{INSTALL_KERNEL}`")),
            ProviderError::UnknownVersion { .. } | ProviderError::UnsupportedVersion { .. } => Some(
                "upgrade Apple container to 1.2.1 or newer: `brew upgrade container`, or https://github.com/apple/container/releases".into(),
            ),
            ProviderError::ImagePull { image, .. } => Some(format!(
                "check the image reference and your network, then try `container image pull {image}`"
            )),
            ProviderError::Shape { .. } => Some(
                "this Apple container release prints a shape kina does not know yet; please report it with the output of `container --version`".into(),
            ),
            ProviderError::NodeNotFound(_) => Some("list the nodes with `kina get nodes -A`".into()),
            ProviderError::Exec(ExecError::TimedOut { .. }) => {
                Some("the node VM may be overloaded or hung; check `container list --all` and `container logs <node>`".into())
            }
            ProviderError::Exec(_) => None,
        }
    }
}

use std::error::Error;
use std::fmt;

use crate::exec::ExecError;

/// What installs the kernel a fresh Apple container 1.5.0 lacks.
pub(crate) const INSTALL_KERNEL: &str = "container system kernel set --recommended";

/// A failure of the provider, in terms every runtime shares. What only one
/// runtime can explain (its installation, its service, its releases, its
/// output) travels as a [`RuntimeError`], with that runtime's own message and hint.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ProviderError {
    #[error(transparent)]
    Runtime(RuntimeError),

    /// The preflight found no default kernel ([`super::RuntimeInfo::missing_kernel`])
    /// and a node needs it. Only Apple container has this state today.
    #[error("Apple container has no default kernel for node VMs to boot: {} does not exist", .link.display())]
    NoKernel { link: std::path::PathBuf },

    #[error("node {0:?} not found")]
    NodeNotFound(String),

    #[error(transparent)]
    Exec(#[from] ExecError),
}

impl ProviderError {
    /// What the user can do about it.
    pub(crate) fn hint(&self) -> Option<String> {
        match self {
            ProviderError::Runtime(err) => err.0.hint(),
            ProviderError::NoKernel { .. } => Some(format!("install the recommended kernel: `{INSTALL_KERNEL}`")),
            ProviderError::NodeNotFound(_) => Some("list the nodes with `kina get nodes -A`".into()),
            ProviderError::Exec(ExecError::TimedOut { .. }) => Some(
                "the node VM may be overloaded or hung; check `container list --all` and `container logs <node>`"
                    .into(),
            ),
            ProviderError::Exec(_) => None,
        }
    }

    /// The runtime's own error, when this is one of type `T`.
    pub(crate) fn runtime_error<T: RuntimeFailure>(&self) -> Option<&T> {
        match self {
            ProviderError::Runtime(err) => {
                let err: &(dyn Error + 'static) = &*err.0;
                err.downcast_ref::<T>()
            }
            _ => None,
        }
    }
}

/// An error only one runtime can explain, with the hint it gives.
pub(crate) trait RuntimeFailure: Error + Send + Sync + 'static {
    fn hint(&self) -> Option<String>;
}

/// A runtime's own error, carried opaquely: its message and its causes are the
/// runtime error's, so a report reads exactly as the runtime wrote it.
pub(crate) struct RuntimeError(Box<dyn RuntimeFailure>);

impl<T: RuntimeFailure> From<T> for RuntimeError {
    fn from(err: T) -> Self {
        RuntimeError(Box::new(err))
    }
}

impl fmt::Debug for RuntimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for RuntimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&*self.0, f)
    }
}

impl Error for RuntimeError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.0.source()
    }
}

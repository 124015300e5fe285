//! Building images, kept apart from the node [`Provider`](super::Provider):
//! only `kina build node-image` needs it.

use std::future::Future;
use std::path::PathBuf;

use super::ProviderError;
use crate::exec::ExecError;

/// One image build: a context directory, its Containerfile, a tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BuildRequest {
    pub context: PathBuf,
    pub containerfile: PathBuf,
    pub tag: String,
    pub build_args: Vec<(String, String)>,
    /// Show the builder's progress on stderr as it runs.
    pub show_progress: bool,
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum BuildError {
    #[error("failed to build image {tag:?}")]
    Failed {
        tag: String,
        #[source]
        source: ExecError,
    },
    #[error(transparent)]
    Provider(#[from] ProviderError),
}

impl BuildError {
    pub(crate) fn hint(&self) -> Option<String> {
        match self {
            BuildError::Failed { .. } => Some(
                "`container build` runs in Apple's BuildKit builder VM: check it with `container builder status`, start it with `container builder start` (it needs the base image's registry reachable)".into(),
            ),
            BuildError::Provider(err) => err.hint(),
        }
    }
}

pub(crate) trait ImageBuilder {
    fn build_image(&self, request: &BuildRequest) -> impl Future<Output = Result<(), BuildError>> + Send;
}

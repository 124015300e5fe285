//! Per-node work on Apple `container`: `exec`, `inspect`, `logs`, and images
//! streamed from `image save` into a command in the node.

use crate::exec::{Invocation, Output, Pipeline, Runner, Source, checked_pipeline};
use crate::provider::{Node, NodeCommand, NodeHandle, ProviderError, StreamSource};

use super::{AppleContainer, AppleError, host_platform, to_node, version};

/// One node VM of an [`AppleContainer`].
pub(crate) struct AppleNode<'a, R: Runner> {
    runtime: &'a AppleContainer<R>,
    name: String,
}

impl<'a, R: Runner> AppleNode<'a, R> {
    pub(super) fn new(runtime: &'a AppleContainer<R>, name: &str) -> Self {
        AppleNode { runtime, name: name.to_string() }
    }

    /// `container exec [-i] NODE ARGV...`; stdin is forwarded only with `-i`.
    fn exec_invocation(&self, command: &NodeCommand) -> Invocation {
        let interactive = command.stdin.as_ref().map(|_| "-i");
        let mut invocation = self
            .runtime
            .invocation(["exec"].into_iter().chain(interactive).chain([self.name.as_str()]))
            .args(command.argv.iter().cloned())
            .timeout(command.timeout);
        invocation.stdin = command.stdin.clone();
        invocation
    }

    /// `container exec -i NODE ARGV...`, for a command whose stdin is streamed.
    fn streamed_exec_invocation(&self, command: &NodeCommand) -> Invocation {
        self.runtime
            .invocation(["exec", "-i", self.name.as_str()])
            .args(command.argv.iter().cloned())
            .timeout(command.timeout)
    }

    /// `container image save --platform P REF...` to stdout, on releases that
    /// write nothing else there (no temporary file on the Mac).
    async fn save_invocation(&self, images: &[String], platform: &str) -> Result<Invocation, ProviderError> {
        if let Some(reason) = version::save_refusal(self.runtime.detect_version().await?) {
            return Err(AppleError::UnsupportedVersion { reason }.into());
        }
        Ok(self.runtime.invocation(["image", "save", "--platform", platform]).args(images.iter().cloned()))
    }
}

impl<R: Runner> NodeHandle for AppleNode<'_, R> {
    async fn run(&self, command: &NodeCommand) -> Result<Output, ProviderError> {
        Ok(self.runtime.invoke(&self.exec_invocation(command)).await?)
    }

    async fn run_checked(&self, command: &NodeCommand) -> Result<Output, ProviderError> {
        Ok(self.runtime.invoke_checked(&self.exec_invocation(command)).await?)
    }

    async fn run_streamed(&self, command: &NodeCommand, source: &StreamSource) -> Result<Output, ProviderError> {
        let source = match source {
            StreamSource::SavedImages { images, platform } => {
                Source::Invocation(self.save_invocation(images, platform).await?.timeout(command.timeout))
            }
            StreamSource::File(path) => Source::File(path.clone()),
        };
        let pipeline = Pipeline { source, consumer: self.streamed_exec_invocation(command) };
        let output = self.runtime.runner.run_pipeline(&pipeline).await?;
        Ok(checked_pipeline(&pipeline, output)?)
    }

    async fn inspect(&self) -> Result<Node, ProviderError> {
        let record = self.runtime.inspect_record(&self.name).await?;
        Some(to_node(record)).filter(Node::is_kinas).ok_or_else(|| ProviderError::NodeNotFound(self.name.clone()))
    }

    async fn logs(&self) -> Result<String, ProviderError> {
        Ok(self.runtime.invoke_checked(&self.runtime.invocation(["logs", self.name.as_str()])).await?.stdout)
    }

    async fn platform(&self) -> Result<String, ProviderError> {
        let record = self.runtime.inspect_record(&self.name).await?;
        Ok(record.platform.unwrap_or_else(host_platform))
    }
}

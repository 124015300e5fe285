//! Commands in a node for code that picks its steps at run time (each addon is
//! a `dyn Addon`) and so cannot be generic over the provider.

use futures_util::future::BoxFuture;

use crate::exec::Output;
use crate::provider::{NodeCommand, NodeHandle, Provider, ProviderError};

pub(crate) trait InNode: Send + Sync {
    /// Runs `command` in `node`; its output whatever the exit code.
    fn run<'a>(&'a self, node: &'a str, command: &'a NodeCommand) -> BoxFuture<'a, Result<Output, ProviderError>>;

    /// Runs `command` in `node`; a non-zero exit is an error.
    fn run_checked<'a>(
        &'a self,
        node: &'a str,
        command: &'a NodeCommand,
    ) -> BoxFuture<'a, Result<Output, ProviderError>>;
}

impl<P: Provider> InNode for P {
    fn run<'a>(&'a self, node: &'a str, command: &'a NodeCommand) -> BoxFuture<'a, Result<Output, ProviderError>> {
        Box::pin(async move { self.node(node).run(command).await })
    }

    fn run_checked<'a>(
        &'a self,
        node: &'a str,
        command: &'a NodeCommand,
    ) -> BoxFuture<'a, Result<Output, ProviderError>> {
        Box::pin(async move { self.node(node).run_checked(command).await })
    }
}

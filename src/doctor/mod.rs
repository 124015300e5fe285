//! `kina doctor`: can this Mac run kina clusters, and if not, what to do.
//!
//! Every check fails soft: one that cannot run reports why as a warning or a
//! failure, and the others still run. The Mac's own programs (`sw_vers`,
//! `sysctl`, `df`) run through [`HostCommands`] as argv vectors found on PATH;
//! `container` is reached only through the [`Provider`].

mod disk;
mod host;
mod names;
mod network;
mod registry;
mod report;
mod runtime;

use std::time::Duration;

pub(crate) use report::{Check, Status, table};

use crate::exec::{ExecError, Invocation, Output, Runner};
use crate::provider::{Diagnostics, Node, ProviderError};

/// Limit for one of the Mac's own programs.
const HOST_TIMEOUT: Duration = Duration::from_secs(10);

/// Runs the Mac's own programs, found on PATH.
pub(crate) struct HostCommands<R: Runner> {
    runner: R,
}

impl<R: Runner> HostCommands<R> {
    pub(crate) fn new(runner: R) -> Self {
        HostCommands { runner }
    }

    async fn run(&self, program: &str, args: &[&str]) -> Result<Output, ExecError> {
        let invocation = Invocation::new(program, program).args(args.iter().copied()).timeout(HOST_TIMEOUT);
        self.runner.run(&invocation).await
    }
}

/// Apple's `container` CLI as doctor found it.
pub(crate) struct Runtime<'a, P> {
    pub provider: &'a P,
    /// Where the binary was found, as shown to the user.
    pub binary: String,
}

/// Runs every check, in the order the report shows them.
pub(crate) async fn diagnose<P: Diagnostics + crate::provider::registry::RegistryRuntime, R: Runner>(
    runtime: Result<Runtime<'_, P>, &ProviderError>,
    host: &HostCommands<R>,
) -> Vec<Check> {
    let (macos, silicon) = tokio::join!(host::macos(host), host::apple_silicon(host));
    let mut checks = vec![macos, silicon];
    let runtime = match runtime {
        Ok(runtime) => runtime,
        Err(missing) => {
            checks.extend(runtime::not_installed(missing));
            checks.push(disk::disk(host, None).await);
            return checks;
        }
    };
    let provider = runtime.provider;
    let (container, service) = tokio::join!(runtime::container(provider, &runtime.binary), runtime::service(provider));
    checks.extend([container, service]);

    let nodes: Result<Vec<Node>, ProviderError> =
        provider.list_nodes().await.map(|nodes| nodes.into_iter().filter(Node::is_running).collect::<Vec<_>>());
    let app_root = provider.app_root().await.ok().flatten();
    let (kernel, dns, reachability, names) = tokio::join!(
        runtime::kernel(provider, &nodes, app_root.as_deref()),
        runtime::dns_domain(provider),
        network::reachability(&nodes),
        names::names(&nodes),
    );
    checks.extend([kernel, dns]);
    checks.extend(reachability);
    checks.extend(names);
    if let Ok(running) = &nodes {
        checks.extend(registry::registries(provider, running).await);
    }
    checks.push(disk::disk(host, app_root).await);
    checks
}

/// How many checks failed (`kina doctor` exits 1 when any did).
pub(crate) fn failures(checks: &[Check]) -> usize {
    checks.iter().filter(|c| c.status == Status::Fail).count()
}

/// The advice for checks that need at least one running node.
const START_A_CLUSTER: &str =
    "create or start a cluster (`kina create cluster`, `kina start cluster`), then run `kina doctor` again";

//! Renders a failure: kind's `ERROR:` line, uv's `Caused by:` chain, and a
//! `hint:` the user can act on.

use std::process::ExitCode;

use crate::addons::AddonError;
use crate::cluster::ClusterError;
use crate::config::ConfigError;
use crate::kubeconfig::KubeconfigError;
use crate::output::Printer;
use crate::provider::ProviderError;

/// Prints `err` and returns the exit code: 130 after an interrupt, else 1.
pub fn report(err: &anyhow::Error, printer: &Printer) -> ExitCode {
    let mut chain = err.chain().map(|cause| cause.to_string());
    let first = chain.next().unwrap_or_default();
    let mut text = first;
    for cause in chain {
        text.push_str("\n  Caused by: ");
        text.push_str(&cause.replace('\n', "\n  "));
    }
    printer.error(&text);
    if let Some(hint) = hint(err) {
        printer.hint(&hint);
    }
    let interrupted = err.chain().any(|c| matches!(c.downcast_ref::<ClusterError>(), Some(ClusterError::Interrupted)));
    if interrupted { ExitCode::from(130) } else { ExitCode::from(1) }
}

/// The most specific hint in the chain: the deepest cause that has one.
fn hint(err: &anyhow::Error) -> Option<String> {
    err.chain()
        .filter_map(|cause| {
            if let Some(e) = cause.downcast_ref::<ProviderError>() {
                e.hint()
            } else if let Some(e) = cause.downcast_ref::<KubeconfigError>() {
                e.hint()
            } else if let Some(e) = cause.downcast_ref::<ConfigError>() {
                e.hint()
            } else if let Some(e) = cause.downcast_ref::<ClusterError>() {
                e.hint()
            } else if let Some(e) = cause.downcast_ref::<AddonError>() {
                e.hint()
            } else if let Some(e) = cause.downcast_ref::<crate::cluster::load::LoadError>() {
                e.hint()
            } else {
                None
            }
        })
        .last()
}

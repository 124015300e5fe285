//! Renders a failure: kind's `ERROR:` line, uv's `Caused by:` chain, and a
//! `hint:` the user can act on.

use std::process::ExitCode;

use crate::addons::AddonError;
use crate::cluster::ClusterError;
use crate::config::ConfigError;
use crate::kubeconfig::KubeconfigError;
use crate::node::NodesError;
use crate::output::Printer;
use crate::provider::ProviderError;

/// Prints `err` and returns the exit code: 130 after an interrupt, else 1.
pub(crate) fn report(err: &anyhow::Error, printer: &Printer) -> ExitCode {
    let mut chain = err.chain().map(|cause| cause.to_string());
    let first = chain.next().unwrap_or_default();
    let mut text = first;
    for cause in chain {
        text.push_str("\n  Caused by: ");
        text.push_str(&cause.replace('\n', "\n  "));
    }
    printer.error(&clip_lines(&text));
    if let Some(hint) = hint_of(err) {
        printer.hint(&clip_lines(&hint));
    }
    let interrupted = err.chain().any(|c| matches!(c.downcast_ref::<ClusterError>(), Some(ClusterError::Interrupted)));
    if interrupted { ExitCode::from(130) } else { ExitCode::from(1) }
}

/// The longest line an error shows whole: a huge value the user passed (a
/// 100 KB `--name`, a binary file as config) is shown by its ends.
const MAX_LINE: usize = 1000;

/// Shortens every over-long line to its start and end, saying how much is left out.
fn clip_lines(text: &str) -> String {
    let lines: Vec<String> = text
        .split('\n')
        .map(|line| {
            if line.len() <= MAX_LINE {
                return line.to_string();
            }
            let head_end = (0..=MAX_LINE / 2).rev().find(|&i| line.is_char_boundary(i)).unwrap_or(0);
            let tail_start =
                (line.len() - MAX_LINE / 4..line.len()).find(|&i| line.is_char_boundary(i)).unwrap_or(line.len());
            let left_out = tail_start - head_end;
            format!("{} …({left_out} bytes left out)… {}", &line[..head_end], &line[tail_start..])
        })
        .collect();
    lines.join("\n")
}

/// The most specific hint in the chain: the deepest cause that has one.
pub(crate) fn hint_of(err: &anyhow::Error) -> Option<String> {
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
            } else if let Some(e) = cause.downcast_ref::<NodesError>() {
                e.hint()
            } else if let Some(e) = cause.downcast_ref::<AddonError>() {
                e.hint()
            } else if let Some(e) = cause.downcast_ref::<crate::registry::RegistryError>() {
                e.hint()
            } else if let Some(e) = cause.downcast_ref::<crate::containerd::PatchError>() {
                e.hint()
            } else if let Some(e) = cause.downcast_ref::<crate::cluster::load::LoadError>() {
                e.hint()
            } else if let Some(e) = cause.downcast_ref::<crate::provider::image_builder::BuildError>() {
                e.hint()
            } else if let Some(e) = cause.downcast_ref::<crate::dns::resolver::ResolverError>() {
                e.hint()
            } else {
                None
            }
        })
        .last()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_are_clipped_and_short_ones_kept() {
        assert_eq!(clip_lines("short\nlines"), "short\nlines");
        let huge = format!("invalid name 'ä{}z'", "x".repeat(100_000));
        let clipped = clip_lines(&format!("ERROR: {huge}\nnext"));
        let first = clipped.lines().next().unwrap();
        assert!(first.len() < 1100, "{}", first.len());
        assert!(first.starts_with("ERROR: invalid name 'äxx"), "{first}");
        assert!(first.ends_with("xxz'"), "{first}");
        assert!(first.contains(" bytes left out)… "), "{first}");
        assert_eq!(clipped.lines().nth(1), Some("next"));
    }
}

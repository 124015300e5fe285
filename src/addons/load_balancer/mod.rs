//! `load-balancer`: kina-lb, a small controller in the control-plane node that
//! gives Services of type LoadBalancer a node address the Mac can reach
//! (vmnet delivers only frames addressed to a VM's own IP, so a floating
//! MetalLB-style address never receives traffic).
//!
//! The assignment logic is one awk program (`assign.awk`), run by the node's
//! `kina-lb` script every 2 s and after `kina start`; the tests run the same
//! program. Nothing here depends on user input: the script is static.

mod address;
#[cfg(test)]
mod tests;

use anyhow::Context as _;

pub(crate) use address::address;

use super::Cx;
use super::addon::{Addon, Facts, Probe, Step};
use crate::node::InNode;
use crate::output::Printer;
use crate::provider::NodeCommand;

pub(crate) const SCRIPT_PATH: &str = "/usr/local/bin/kina-lb";
pub(crate) const UNIT: &str = "kina-lb.service";
pub(crate) const UNIT_PATH: &str = "/etc/systemd/system/kina-lb.service";

const SCRIPT_TEMPLATE: &str = include_str!("kina-lb.sh");
const UNIT_FILE: &str = include_str!("kina-lb.service");
pub(crate) const QUERY: &str = include_str!("query.jsonpath");
pub(crate) const ASSIGN: &str = include_str!("assign.awk");
/// The Ingresses, Gateways and HTTPRoutes that `names` serves hostnames of.
pub(crate) const NAMES_QUERY: &str = include_str!("names.jsonpath");
/// From them, the hosts file of `names`.
pub(crate) const NAMES: &str = include_str!("names.awk");
/// Why assign.awk leaves a Service pending when waiting will not help.
pub(crate) const PORTS_TAKEN: &str = "its ports are taken on every node";
pub(crate) const PORTS_TAKEN_LOCAL: &str = "its ports are taken on the nodes that run its endpoints";

/// The node's `/usr/local/bin/kina-lb`, with the query and the program inlined.
pub(crate) fn script() -> String {
    SCRIPT_TEMPLATE
        .replace("@QUERY@", QUERY.trim_end())
        .replace("@ASSIGN@", ASSIGN.trim_end())
        .replace("@NAMES_QUERY@", NAMES_QUERY.trim_end())
        .replace("@NAMES@", NAMES.trim_end())
}

pub(crate) struct LoadBalancer;

impl Addon for LoadBalancer {
    fn facts(&self) -> &'static Facts {
        const FACTS: Facts = Facts {
            usage: Some(
                "Services of type LoadBalancer now get a node address within seconds; see them with `kubectl --context {context} get services --all-namespaces`",
            ),
            ..Facts::of("load-balancer", Probe::NodeFile(UNIT_PATH))
        };
        &FACTS
    }

    fn install<'a>(&'a self, cx: &'a Cx<'_>, _version: &'a str, _pinned: bool) -> Step<'a> {
        Box::pin(install(cx))
    }

    /// Ready: the service runs, and one pass has given every Service its address.
    fn ready<'a>(&'a self, cx: &'a Cx<'_>) -> Step<'a> {
        Box::pin(async move {
            let active = NodeCommand::new(["systemctl", "is-active", UNIT]);
            cx.run(&active).await.context("kina-lb.service is not active")?;
            reconcile(cx).await
        })
    }

    fn uninstall<'a>(&'a self, cx: &'a Cx<'_>, _version: &'a str, _pinned: bool) -> Step<'a> {
        Box::pin(uninstall(cx))
    }
}

async fn install(cx: &Cx<'_>) -> anyhow::Result<()> {
    warn_about_ipvs(cx).await;
    let write = |path: &str, text: String| NodeCommand::new(["cp", "/dev/stdin", path]).stdin(text);
    // The running loop's shell reads its script as it goes: replace the file
    // (a new inode) rather than write into it, then restart the service so a
    // reinstall runs the new program.
    let staged = format!("{SCRIPT_PATH}.new");
    let steps = [
        write(&staged, script()),
        NodeCommand::new(["chmod", "0755", &staged]),
        NodeCommand::new(["mv", "-f", &staged, SCRIPT_PATH]),
        write(UNIT_PATH, UNIT_FILE.to_string()),
        NodeCommand::new(["systemctl", "daemon-reload"]),
        NodeCommand::new(["systemctl", "enable", UNIT]),
        NodeCommand::new(["systemctl", "restart", UNIT]),
    ];
    for step in &steps {
        cx.run(step).await.context("failed to install the kina-lb controller")?;
    }
    Ok(())
}

/// kube-proxy in iptables or nftables mode forwards a node's own address as a
/// LoadBalancer address; in IPVS mode it also binds that address to its dummy
/// interface, which kina has not tried.
async fn warn_about_ipvs(cx: &Cx<'_>) {
    let config = cx.field("configmap", Some("kube-system"), "kube-proxy", "{.data.config\\.conf}").await;
    if config.is_ok_and(|c| c.lines().any(|l| l.trim() == "mode: ipvs")) {
        cx.printer.warn(
            "kube-proxy runs in IPVS mode (kubeProxyMode: ipvs): kina-lb is built for the iptables and nftables \
             modes; in IPVS mode kube-proxy also binds each LoadBalancer address (here a node's own) to kube-ipvs0, \
             which kina has not verified",
        );
    }
}

/// One pass now (after install, and after `kina start` moved the nodes), so
/// addresses are right before the 2 s loop comes round. Prints what changed.
async fn reconcile(cx: &Cx<'_>) -> anyhow::Result<()> {
    let once = NodeCommand::new([SCRIPT_PATH, "once"]);
    let out = cx.run(&once).await.context("kina-lb could not assign addresses")?;
    for line in out.stdout.lines().filter(|l| !l.trim().is_empty()) {
        cx.printer.info(&format!(" • {line}"));
    }
    Ok(())
}

/// After `kina start` gave the nodes new addresses: one pass now, if the
/// cluster has kina-lb, so no Service points at an old address. Best effort:
/// the controller's own loop catches up within seconds anyway.
pub(crate) async fn refresh_after_start(nodes: &dyn InNode, printer: &Printer, control_plane: &str) {
    // One call whether or not the cluster has kina-lb (a static script, no input).
    let if_installed = format!("[ ! -x {SCRIPT_PATH} ] || exec {SCRIPT_PATH} once");
    match nodes.run_checked(control_plane, &NodeCommand::new(["sh", "-c", &if_installed])).await {
        Ok(out) => {
            for line in out.stdout.lines().filter(|l| !l.trim().is_empty()) {
                printer.info(&format!(" • LoadBalancer {line}"));
            }
        }
        Err(err) => printer.warn(&format!("kina-lb could not refresh LoadBalancer addresses: {err}")),
    }
}

/// Stops the loop first (or it would give the addresses back), then clears
/// what it gave and removes its files.
async fn uninstall(cx: &Cx<'_>) -> anyhow::Result<()> {
    let removing = "failed to remove the kina-lb controller";
    if cx.node_file_exists(UNIT_PATH).await? {
        let stop = NodeCommand::new(["systemctl", "disable", "--now", UNIT]);
        cx.run(&stop).await.context(removing)?;
    }
    if cx.node_file_exists(SCRIPT_PATH).await? {
        cx.run(&NodeCommand::new([SCRIPT_PATH, "clear"]))
            .await
            .context("failed to clear the addresses kina-lb gave")?;
    }
    for step in
        [NodeCommand::new(["rm", "-f", UNIT_PATH, SCRIPT_PATH]), NodeCommand::new(["systemctl", "daemon-reload"])]
    {
        cx.run(&step).await.context(removing)?;
    }
    Ok(())
}

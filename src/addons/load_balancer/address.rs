//! The address kina-lb gives a Service, as the addons that need one wait for it.

use std::time::Duration;

use super::{PORTS_TAKEN, PORTS_TAKEN_LOCAL, SCRIPT_PATH};
use crate::addons::addon::Service;
use crate::addons::{AddonError, Cx};
use crate::provider::NodeCommand;

/// The address kina-lb gives a Service of type LoadBalancer, polled with
/// backoff within what is left of `--wait`. Fails at once when kina-lb says
/// the Service's ports are taken wherever it could go.
pub(crate) async fn address(cx: &Cx<'_>, addon: &'static str, service: Service<'_>) -> anyhow::Result<String> {
    let Service { namespace, name } = service;
    let limit = cx.remaining();
    let mut backoff = crate::backoff::Backoff::new(limit);
    loop {
        // `[*]`, not `[0]`: kubectl fails on an index into an empty list.
        let ips = cx.field("service", Some(namespace), name, "{.status.loadBalancer.ingress[*].ip}").await?;
        if let Some(ip) = ips.split_whitespace().next() {
            return Ok(ip.to_string());
        }
        fail_if_ports_taken(cx, addon, service).await?;
        if !backoff.next().await {
            return Err(AddonError::NotReady {
                addon,
                what: format!("service {namespace}/{name}"),
                condition: "get a LoadBalancer address".into(),
                within: crate::duration::format(Duration::from_secs(limit.as_secs())),
                look: format!(
                    "container exec {} {SCRIPT_PATH} once` (why Services wait) and `kubectl --context {} --namespace {namespace} get endpointslices",
                    cx.control_plane(),
                    cx.context(),
                ),
                source: anyhow::anyhow!("the Service has no load-balancer ingress address yet"),
            }
            .into());
        }
    }
}

/// Asks kina-lb for one pass and fails when it reports the Service's ports
/// taken (a state that waiting does not change).
async fn fail_if_ports_taken(cx: &Cx<'_>, addon: &'static str, service: Service<'_>) -> anyhow::Result<()> {
    let Service { namespace, name } = service;
    let Ok(out) = cx.try_run(&NodeCommand::new([SCRIPT_PATH, "once"])).await else { return Ok(()) };
    let prefix = format!("{namespace}/{name}: pending (");
    let reason = out.stdout.lines().find_map(|l| l.strip_prefix(&prefix)).map(|r| r.trim_end_matches(')'));
    let local = match reason {
        Some(PORTS_TAKEN) => false,
        Some(PORTS_TAKEN_LOCAL) => true,
        _ => return Ok(()),
    };
    Err(AddonError::Pending {
        addon,
        one_node: cx.nodes.len() == 1,
        service: format!("service {namespace}/{name}"),
        reason: reason.unwrap_or_default().to_string(),
        context: cx.context(),
        local,
    }
    .into())
}

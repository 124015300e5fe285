//! The cluster's controllers, run after every kubectl call and container start (the
//! fake has no background processes): status writers (workloads.rs), the scheduler
//! and EndpointSlice controller (endpoints.rs), Envoy Gateway
//! (envoy.rs), ingress-nginx's status sync (ingress_status.rs), and kina-lb.service's 2-second loop (kina_lb.rs) when it runs.

use super::kina_lb;
use super::kubectl::cluster;
use super::{Ctx, endpoints, envoy, ingress_status, workloads};
use crate::config::Config;
use crate::store::State;
use std::collections::BTreeMap;

/// Runs every controller until nothing changes (a few rounds at most).
pub fn settle(ctx: &mut Ctx, cp: &str) {
    for _ in 0..6 {
        let mut changed = workloads::reconcile(ctx, cp);
        changed |= endpoints::reconcile(ctx, cp);
        changed |= envoy::reconcile(ctx, cp);
        changed |= ingress_status::reconcile(ctx, cp);
        changed |= lb_loop(ctx, cp);
        if !changed {
            break;
        }
    }
}

/// One turn of `kina-lb run` if what it reads changed since its last turn.
fn lb_loop(ctx: &mut Ctx, cp: &str) -> bool {
    if !kina_lb::running(ctx, cp) {
        return false;
    }
    let before = kina_lb::fingerprint(ctx, cp);
    if cluster(ctx, cp).lb_seen.as_deref() == Some(before.as_str()) {
        return false;
    }
    let caller = std::mem::replace(&mut ctx.id, cp.to_string());
    let lines = match kina_lb::reconcile(ctx, cp, kina_lb::SCRIPT, "loop") {
        Ok(lines) => lines,
        Err(e) => e.lines().map(str::to_string).collect(),
    };
    let host = ctx.container().hostname.clone();
    let stamped: Vec<String> = lines.iter().map(|l| format!("Aug 07 20:20:00 {host} kina-lb[733]: {l}")).collect();
    ctx.node().journal.entry(kina_lb::UNIT.to_string()).or_default().extend(stamped);
    ctx.container().log.extend(lines.iter().map(|l| format!("kina-lb: {l}")));
    ctx.id = caller;
    let after = kina_lb::fingerprint(ctx, cp);
    ctx.state.containers.get_mut(cp).unwrap().node.cluster.as_mut().unwrap().lb_seen = Some(after.clone());
    after != before
}

/// After a container started: every control plane whose API server answers settles
/// (kina-lb.service comes back with its node and reconciles the new addresses).
pub fn after_boot(state: &mut State, cfg: &Config) {
    let planes: Vec<String> =
        state.containers.values().filter(|c| c.running() && c.node.cluster.is_some()).map(|c| c.id.clone()).collect();
    for cp in planes {
        let server = state.containers[&cp].node.cluster.as_ref().unwrap().server();
        if !super::dial::dial(state, &cp, &server).is_ok_and(|id| id == cp) {
            continue;
        }
        let mut ctx = Ctx { state, cfg, id: cp.clone(), env: BTreeMap::new(), stdin: None };
        settle(&mut ctx, &cp);
    }
}

//! `kubectl rollout restart|status` for DaemonSets and Deployments.

use super::Ctx;
use super::kubectl::positionals;
use super::kubectl_apply::matches;
use super::objects::{RESTARTED_AT, qualified_plural};
use crate::out::Out;
use serde_json::json;

/// `daemonset/x`, `ds x y`, `deployment.apps/x` → (resource, names); `None` if unsupported.
fn targets(words: &[String]) -> Result<Vec<(String, String)>, Out> {
    let pos = positionals(words);
    let mut out = Vec::new();
    let mut kind: Option<String> = None;
    for p in pos {
        let (k, name) = match p.split_once('/') {
            Some((k, n)) => (k.to_string(), Some(n.to_string())),
            None if kind.is_none() => (p.clone(), None),
            None => (kind.clone().unwrap(), Some(p.clone())),
        };
        let resource =
            ["daemonset.apps", "deployment.apps", "statefulset.apps"].into_iter().find(|r| matches(&k, r)).ok_or_else(
                || Out::fail(1, format!("error: no kind \"{k}\" is registered for the fake kubectl rollout")),
            )?;
        match name {
            Some(n) => out.push((resource.to_string(), n)),
            None => kind = Some(k),
        }
    }
    if out.is_empty() {
        return Err(Out::fail(
            1,
            "error: required resource not specified\nSee 'kubectl rollout restart -h' for help and examples",
        ));
    }
    Ok(out)
}

pub fn rollout(ctx: &mut Ctx, cp: &str, words: &[String], ns: Option<&str>) -> Out {
    let Some((verb, rest)) = words.split_first() else {
        return Out::fail(1, "error: the fake kubectl only emulates 'rollout restart' and 'rollout status'");
    };
    if verb != "restart" && verb != "status" {
        return Out::fail(1, format!("error: the fake kubectl does not emulate 'rollout {verb}'"));
    }
    let targets = match targets(rest) {
        Ok(t) => t,
        Err(out) => return out,
    };
    let ns = ns.unwrap_or("default").to_string();
    let now = crate::util::iso_now();
    let cl = ctx.state.containers.get_mut(cp).unwrap().node.cluster.as_mut().unwrap();
    let mut out = Out::default();
    for (resource, name) in targets {
        let Some(i) = cl
            .objects
            .iter()
            .position(|o| o.resource == resource && o.name == name && o.namespace.as_deref() == Some(ns.as_str()))
        else {
            out.stderr.push_str(&format!(
                "Error from server (NotFound): {} \"{name}\" not found\n",
                qualified_plural(&resource)
            ));
            out.code = 1;
            continue;
        };
        let kind = resource.split('.').next().unwrap_or_default();
        if verb == "status" {
            let what = if kind == "daemonset" { "daemon set" } else { kind };
            let body = &cl.objects[i].body;
            if super::workloads::rolled_out(body) {
                out.stdout.push_str(&format!("{what} \"{name}\" successfully rolled out\n"));
            } else {
                let s = &body["status"];
                let (done, want, unit) = match kind {
                    "daemonset" => (&s["numberAvailable"], &s["desiredNumberScheduled"], "pods"),
                    _ => (&s["availableReplicas"], &s["replicas"], "replicas"),
                };
                out.stdout.push_str(&format!(
                    "Waiting for {what} \"{name}\" rollout to finish: {} of {} updated {unit} are available...\n",
                    done.as_u64().unwrap_or(0),
                    want.as_u64().unwrap_or(1)
                ));
                out.stderr.push_str("error: timed out waiting for the condition\n");
                out.code = 1;
            }
            continue;
        }
        let mut content = super::objects::user_content(&cl.objects[i].body);
        let annotations = &mut content["spec"]["template"]["metadata"]["annotations"];
        if annotations[RESTARTED_AT] == json!(now) {
            // The patch would be empty: kubectl refuses a second restart within a second.
            out.stderr.push_str(&format!("error: failed to create patch for {name}: if restart has already been triggered within the past second, please wait before attempting to trigger another\n"));
            out.code = 1;
            continue;
        }
        annotations[RESTARTED_AT] = json!(now);
        let last_applied = cl.objects[i].body["metadata"]["annotations"][super::objects::LAST_APPLIED].clone();
        if !last_applied.is_null() {
            content["metadata"]["annotations"][super::objects::LAST_APPLIED] = last_applied;
        }
        cl.update_object(i, content);
        out.stdout.push_str(&format!("{resource}/{name} restarted\n"));
    }
    out
}

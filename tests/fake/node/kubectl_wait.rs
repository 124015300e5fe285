//! `kubectl wait --for=condition=C TYPE/NAME...` and `kubectl rollout status`: the
//! controllers (controllers.rs) keep each object's `status.conditions`, and a wait
//! either finds its condition True or "times out" at once (no real sleeping).

use super::Ctx;
use super::kinds;
use super::kubectl::{cluster, node_ready, positionals, select_nodes};
use crate::out::{Out, or_return};
use serde_json::Value;

/// Whether `status.conditions` has `condition` (case-insensitive) with status True.
pub fn condition_true(body: &Value, condition: &str) -> bool {
    body["status"]["conditions"].as_array().is_some_and(|cs| {
        cs.iter()
            .any(|c| c["type"].as_str().is_some_and(|t| t.eq_ignore_ascii_case(condition)) && c["status"] == "True")
    })
}

pub(super) fn wait(ctx: &mut Ctx, cp: &str, words: &[String], ns: Option<&str>) -> Out {
    let condition =
        words.iter().find_map(|w| w.strip_prefix("--for=condition=")).map(|c| c.split('=').next().unwrap().to_string());
    let Some(condition) = condition else {
        return Out::fail(1, "error: the fake kubectl only waits with --for=condition=<name>");
    };
    let rest: Vec<String> =
        words.iter().filter(|w| !w.starts_with("--for") && !w.starts_with("--timeout")).cloned().collect();
    let pos = positionals(&rest);
    if pos.is_empty() {
        return Out::fail(1, "error: resource(s) were provided, but no name was specified");
    }
    let target_kind = pos[0].split('/').next().unwrap().to_string();
    let node_kind = kinds::by_name(cluster(ctx, cp), &target_kind).is_some_and(|k| k.kind == "Node");
    if node_kind {
        let names = or_return!(select_nodes(ctx, cp, &rest));
        if names.is_empty() {
            return Out::fail(1, "error: no matching resources found");
        }
        let mut out = Out::default();
        for name in names {
            let node = cluster(ctx, cp).nodes.iter().find(|n| n.name == name).unwrap().clone();
            if condition.eq_ignore_ascii_case("ready") && node_ready(ctx, cp, &node) {
                out.stdout.push_str(&format!("node/{name} condition met\n"));
            } else {
                out.stderr.push_str(&format!("error: timed out waiting for the condition on nodes/{name}\n"));
                out.code = 1;
            }
        }
        return out;
    }
    let ns = ns.unwrap_or("default");
    let mut out = Out::default();
    let mut kind_word: Option<String> = None;
    for p in &pos {
        let (t, name) = match p.split_once('/') {
            Some((t, n)) => (t.to_string(), n.to_string()),
            None if kind_word.is_none() => {
                kind_word = Some(p.clone());
                continue;
            }
            None => (kind_word.clone().unwrap(), p.clone()),
        };
        let cl = cluster(ctx, cp);
        let Some(kind) = kinds::by_name(cl, &t) else {
            return Out::fail(1, format!("error: the server doesn't have a resource type \"{t}\""));
        };
        let obj_ns = kind.namespaced.then_some(ns);
        let Some(i) = cl.find(&kind.resource(), obj_ns, &name) else {
            out.stderr
                .push_str(&format!("Error from server (NotFound): {} \"{name}\" not found\n", kind.qualified_plural()));
            out.code = 1;
            continue;
        };
        if condition_true(&cl.objects[i].body, &condition) {
            out.stdout.push_str(&format!("{}/{name} condition met\n", kind.resource()));
        } else {
            out.stderr.push_str(&format!("error: timed out waiting for the condition on {}/{name}\n", kind.plural));
            out.code = 1;
        }
    }
    if out.stdout.is_empty() && out.stderr.is_empty() {
        return Out::fail(1, "error: resource(s) were provided, but no name was specified");
    }
    out
}

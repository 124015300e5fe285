//! `kubectl scale` and `kubectl patch --type=json` on stored objects.

use super::Ctx;
use super::kubectl::{cluster, positionals};
use crate::out::Out;

/// `TYPE/NAME` or `TYPE NAME` → the index of the object in namespace `ns`.
fn find(ctx: &mut Ctx, cp: &str, words: &[String], ns: Option<&str>) -> Result<(usize, String, String), Out> {
    let pos = positionals(words);
    let (kind, name) = match pos.first().and_then(|p| p.split_once('/')) {
        Some((k, n)) => (k.to_string(), n.to_string()),
        None => match (pos.first(), pos.get(1)) {
            (Some(k), Some(n)) => (k.clone(), n.clone()),
            _ => return Err(Out::fail(1, "error: you must specify the type of resource and its name")),
        },
    };
    let ns = ns.unwrap_or("default");
    let cl = cluster(ctx, cp);
    let Some(k) = super::kinds::by_name(cl, &kind) else {
        return Err(Out::fail(1, format!("error: the server doesn't have a resource type \"{kind}\"")));
    };
    match cl.find(&k.resource(), k.namespaced.then_some(ns), &name) {
        Some(i) => Ok((i, k.resource(), name)),
        None => {
            Err(Out::fail(1, format!("Error from server (NotFound): {} \"{name}\" not found", k.qualified_plural())))
        }
    }
}

fn flag_value(words: &[String], flag: &str) -> Option<String> {
    let prefix = format!("{flag}=");
    words.iter().enumerate().find_map(|(i, w)| {
        w.strip_prefix(&prefix).map(str::to_string).or_else(|| (w == flag).then(|| words.get(i + 1).cloned()).flatten())
    })
}

/// `kubectl scale TYPE NAME --replicas=N`.
pub fn scale(ctx: &mut Ctx, cp: &str, words: &[String], ns: Option<&str>) -> Out {
    let Some(replicas) = flag_value(words, "--replicas").and_then(|r| r.parse::<u64>().ok()) else {
        return Out::fail(1, "error: --replicas=COUNT is required, and COUNT must be greater than or equal to 0");
    };
    let words: Vec<String> = words.iter().filter(|w| !w.starts_with("--replicas")).cloned().collect();
    let (i, resource, name) = match find(ctx, cp, &words, ns) {
        Ok(found) => found,
        Err(out) => return out,
    };
    let c = ctx.state.containers.get_mut(cp).unwrap().node.cluster.as_mut().unwrap();
    let mut body = c.objects[i].body.clone();
    body["spec"]["replicas"] = serde_json::json!(replicas);
    c.update_object(i, body);
    Out::lines(&[format!("{resource}/{name} scaled")])
}

/// `kubectl patch TYPE NAME [--subresource=status] --type=json|merge|strategic -p PATCH`
/// (a strategic merge is emulated as a JSON merge patch).
pub fn patch(ctx: &mut Ctx, cp: &str, words: &[String], ns: Option<&str>) -> Out {
    let kind = flag_value(words, "--type").unwrap_or_else(|| "strategic".into());
    if !["json", "merge", "strategic"].contains(&kind.as_str()) {
        return Out::fail(1, format!("error: --type must be one of [json merge strategic], not \"{kind}\""));
    }
    let subresource = flag_value(words, "--subresource");
    if subresource.as_deref().is_some_and(|s| s != "status" && s != "scale") {
        return Out::fail(
            1,
            format!("error: invalid subresource value: \"{}\". Must be one of [status scale]", subresource.unwrap()),
        );
    }
    let Some(text) = flag_value(words, "-p").or_else(|| flag_value(words, "--patch")) else {
        return Out::fail(1, "error: must specify --patch or --patch-file containing the contents of the patch");
    };
    let value: serde_json::Value = match serde_json::from_str(&text).or_else(|_| serde_saphyr::from_str(&text)) {
        Ok(v) => v,
        Err(e) => return Out::fail(1, format!("error: unable to parse \"{text}\": {e}")),
    };
    let skip = ["--type", "-p", "--patch", "--subresource"];
    let mut rest = Vec::new();
    let mut it = words.iter();
    while let Some(w) = it.next() {
        if skip.contains(&w.as_str()) {
            it.next();
        } else if !skip.iter().any(|s| w.starts_with(&format!("{s}="))) {
            rest.push(w.clone());
        }
    }
    let (i, resource, name) = match find(ctx, cp, &rest, ns) {
        Ok(found) => found,
        Err(out) => return out,
    };
    let c = ctx.state.containers.get_mut(cp).unwrap().node.cluster.as_mut().unwrap();
    let mut body = c.objects[i].body.clone();
    if kind == "json" {
        let operations: json_patch::Patch = match serde_json::from_value(value) {
            Ok(p) => p,
            Err(e) => return Out::fail(1, format!("error: unable to parse \"{text}\": {e}")),
        };
        if let Err(e) = json_patch::patch(&mut body, &operations) {
            return Out::fail(1, format!("The request is invalid: {e}"));
        }
    } else {
        json_patch::merge(&mut body, &value);
    }
    let changed = if subresource.as_deref() == Some("status") {
        // Only the status changes through the status subresource.
        let status = body.get("status").cloned().unwrap_or_else(|| serde_json::json!({}));
        c.set_status(i, status)
    } else if body == c.objects[i].body {
        false
    } else {
        c.update_object(i, body);
        true
    };
    if !changed {
        return Out::lines(&[format!("{resource}/{name} patched (no change)")]);
    }
    Out::lines(&[format!("{resource}/{name} patched")])
}

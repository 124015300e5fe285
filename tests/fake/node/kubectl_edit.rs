//! `kubectl scale` and `kubectl patch --type=json` on stored objects.

use super::Ctx;
use super::kubectl::{cluster, positionals};
use super::kubectl_apply::matches;
use super::objects::qualified_plural;
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
    let objects = &cluster(ctx, cp).objects;
    let found = objects
        .iter()
        .position(|o| matches(&kind, &o.resource) && o.name == name && o.namespace.as_deref().is_none_or(|n| n == ns));
    match found {
        Some(i) => Ok((i, objects[i].resource.clone(), name)),
        None => {
            let resource = super::objects::resolve(cluster(ctx, cp), &kind).unwrap_or(kind);
            Err(Out::fail(
                1,
                format!("Error from server (NotFound): {} \"{name}\" not found", qualified_plural(&resource)),
            ))
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

/// `kubectl patch TYPE NAME --type=json -p JSON` (RFC 6902 only).
pub fn patch(ctx: &mut Ctx, cp: &str, words: &[String], ns: Option<&str>) -> Out {
    if flag_value(words, "--type").as_deref() != Some("json") {
        return Out::fail(1, "error: the fake kubectl patches only with --type=json");
    }
    let Some(text) = flag_value(words, "-p").or_else(|| flag_value(words, "--patch")) else {
        return Out::fail(1, "error: must specify -p to patch");
    };
    let operations: json_patch::Patch = match serde_json::from_str(&text) {
        Ok(p) => p,
        Err(e) => return Out::fail(1, format!("error: unable to parse \"{text}\": {e}")),
    };
    let skip = ["--type", "-p", "--patch"];
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
    if let Err(e) = json_patch::patch(&mut body, &operations) {
        return Out::fail(1, format!("The request is invalid: {e}"));
    }
    if body == c.objects[i].body {
        return Out::lines(&[format!("{resource}/{name} patched (no change)")]);
    }
    c.update_object(i, body);
    Out::lines(&[format!("{resource}/{name} patched")])
}

//! `kubectl get TYPE[,TYPE...] [NAME...] [-n NS | -A] [-l SELECTOR]
//! [-o name|json|yaml|jsonpath=...|wide] [--ignore-not-found]` against the emulated cluster.

use super::Ctx;
use super::kinds::{self, Kind};
use super::kubectl::{cluster, node_ready, positionals};
use super::render;
use crate::out::Out;
use crate::util::table;
use serde_json::Value;

pub(super) fn output_flag(words: &[String]) -> Option<String> {
    let mut it = words.iter();
    while let Some(w) = it.next() {
        if w == "-o" || w == "--output" {
            return it.next().cloned();
        }
        if let Some(v) = w
            .strip_prefix("-o=")
            .or_else(|| w.strip_prefix("--output="))
            .or_else(|| w.strip_prefix("-o").filter(|v| !v.is_empty()))
        {
            return Some(v.to_string());
        }
    }
    None
}

fn selector(words: &[String]) -> Option<String> {
    words.iter().enumerate().find_map(|(i, w)| {
        w.strip_prefix("--selector=")
            .or_else(|| w.strip_prefix("-l="))
            .map(str::to_string)
            .or_else(|| (w == "-l" || w == "--selector").then(|| words.get(i + 1).cloned()).flatten())
    })
}

/// One object found: its kind, its namespace, and the object as the server returns it.
struct Item {
    kind: Kind,
    namespace: Option<String>,
    name: String,
    body: Value,
}

pub(super) fn get(ctx: &mut Ctx, cp: &str, words: &[String], ns: Option<&str>) -> Out {
    let output = output_flag(words);
    let sel = selector(words);
    let mut pos = positionals(words);
    pos.retain(|p| output.as_deref() != Some(p.as_str()) && sel.as_deref() != Some(p.as_str()));
    let Some(first) = pos.first().cloned() else {
        return Out::fail(
            1,
            "You must specify the type of resource to get. Use \"kubectl api-resources\" for a complete list of supported resources.\n\nerror: Required resource not specified.\nUse \"kubectl explain <resource>\" for a detailed description of that resource (e.g. kubectl explain pods).\nSee 'kubectl get -h' for help and examples",
        );
    };
    let ignore_missing = words.iter().any(|w| w == "--ignore-not-found" || w == "--ignore-not-found=true");
    let all_ns = words.iter().any(|w| w == "-A" || w == "--all-namespaces" || w == "--all-namespaces=true");
    let ns = ns.unwrap_or("default").to_string();
    // (type, names): `deploy/a svc/b` or `deploy,svc a b`.
    let requests: Vec<(String, Vec<String>)> = if first.contains('/') {
        pos.iter()
            .map(|p| p.split_once('/').unwrap_or((p, "")))
            .map(|(t, n)| (t.to_string(), vec![n.to_string()]))
            .collect()
    } else {
        first.split(',').map(|t| (t.to_string(), pos[1..].to_vec())).collect()
    };
    let named = requests.iter().any(|(_, names)| !names.is_empty());
    let mut items = Vec::new();
    let mut out = Out::default();
    for (t, names) in &requests {
        let Some(kind) = kinds::by_name(cluster(ctx, cp), t) else {
            return Out::fail(1, format!("error: the server doesn't have a resource type \"{t}\""));
        };
        let candidates: Vec<Item> = if kind.kind == "Node" {
            render::nodes(ctx, cp)
                .into_iter()
                .map(|body| Item {
                    kind: kind.clone(),
                    namespace: None,
                    name: body["metadata"]["name"].as_str().unwrap_or_default().to_string(),
                    body,
                })
                .collect()
        } else {
            let res = kind.resource();
            let mut found: Vec<Item> = cluster(ctx, cp)
                .objects
                .iter()
                .filter(|o| o.resource == res && (all_ns || !kind.namespaced || o.namespace.as_deref() == Some(&ns)))
                .map(|o| Item {
                    kind: kind.clone(),
                    namespace: o.namespace.clone(),
                    name: o.name.clone(),
                    body: crate::util::sort_keys(&o.body),
                })
                .collect();
            found.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
            found
        };
        let candidates: Vec<Item> = candidates
            .into_iter()
            .filter(|i| sel.as_deref().is_none_or(|s| render::selects(s, &i.body["metadata"]["labels"])))
            .collect();
        if names.is_empty() {
            items.extend(candidates);
            continue;
        }
        let mut candidates = candidates;
        for name in names {
            match candidates.iter().position(|i| &i.name == name) {
                Some(at) => items.push(candidates.remove(at)),
                None if ignore_missing => {}
                None => {
                    out.stderr.push_str(&format!(
                        "Error from server (NotFound): {} \"{name}\" not found\n",
                        kind.qualified_plural()
                    ));
                    out.code = 1;
                }
            }
        }
    }
    let single = named && requests.len() == 1 && requests[0].1.len() == 1;
    let document = || {
        if single && items.len() == 1 {
            items[0].body.clone()
        } else {
            render::list(items.iter().map(|i| i.body.clone()).collect())
        }
    };
    let text = match output.as_deref() {
        Some(format @ ("json" | "yaml")) => {
            if single && items.is_empty() {
                return out;
            }
            let value = crate::util::sort_keys(&document());
            if format == "json" {
                serde_json::to_string_pretty(&value).unwrap_or_default() + "\n"
            } else {
                serde_saphyr::to_string(&value).unwrap_or_default()
            }
        }
        Some(jp) if jp.starts_with("jsonpath=") || jp.starts_with("jsonpath-as-json=") => {
            if single && items.is_empty() {
                return out;
            }
            let template = jp.split_once('=').unwrap().1;
            match super::jsonpath::evaluate(template, &document()) {
                Ok(text) => text,
                Err(e) => return Out::fail(1, format!("error: {e}")),
            }
        }
        Some(other) if !["name", "wide"].contains(&other) => {
            return Out::fail(
                1,
                format!(
                    "error: unable to match a printer suitable for the output format \"{other}\", allowed formats are: custom-columns,custom-columns-file,go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,wide,yaml"
                ),
            );
        }
        _ if items.is_empty() => {
            if !named && out.code == 0 {
                let msg = if all_ns
                    || requests.iter().all(|(t, _)| kinds::by_name(cluster(ctx, cp), t).is_some_and(|k| !k.namespaced))
                {
                    "No resources found\n".to_string()
                } else {
                    format!("No resources found in {ns} namespace.\n")
                };
                out.stderr.push_str(&msg);
            }
            return out;
        }
        Some("name") => items.iter().map(|i| format!("{}/{}\n", i.kind.resource(), i.name)).collect(),
        other => tables(ctx, cp, &items, all_ns, requests.len() > 1, other == Some("wide")),
    };
    out.stdout.push_str(&text);
    out
}

/// kubectl's default output: one table per kind (names prefixed with the type when
/// several types were asked for).
fn tables(ctx: &Ctx, cp: &str, items: &[Item], all_ns: bool, prefixed: bool, wide: bool) -> String {
    let mut blocks = Vec::new();
    let mut kinds_seen: Vec<String> = Vec::new();
    for i in items {
        if !kinds_seen.contains(&i.kind.resource()) {
            kinds_seen.push(i.kind.resource());
        }
    }
    for res in kinds_seen {
        let group: Vec<&Item> = items.iter().filter(|i| i.kind.resource() == res).collect();
        let shown = |i: &Item| if prefixed { format!("{}/{}", i.kind.resource(), i.name) } else { i.name.clone() };
        let mut rows = if group[0].kind.kind == "Node" {
            node_rows(ctx, cp, &group, wide, &shown)
        } else {
            let mut rows = vec![vec!["NAME".to_string()]];
            rows.extend(group.iter().map(|i| vec![shown(i)]));
            rows
        };
        if all_ns && group[0].kind.namespaced {
            rows[0].insert(0, "NAMESPACE".into());
            for (row, i) in rows[1..].iter_mut().zip(&group) {
                row.insert(0, i.namespace.clone().unwrap_or_default());
            }
        }
        blocks.push(table(&rows));
    }
    blocks.join("\n")
}

fn node_rows(ctx: &Ctx, cp: &str, group: &[&Item], wide: bool, shown: &dyn Fn(&Item) -> String) -> Vec<Vec<String>> {
    let cl = cluster(ctx, cp);
    let mut header = vec!["NAME", "STATUS", "ROLES", "AGE", "VERSION"];
    if wide {
        header.extend(["INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION", "CONTAINER-RUNTIME"]);
    }
    let mut rows = vec![header.into_iter().map(String::from).collect::<Vec<_>>()];
    for item in group {
        let Some(n) = cl.nodes.iter().find(|n| n.name == item.name) else { continue };
        let roles = if n.control_plane { "control-plane" } else { "<none>" };
        let mut row = vec![
            shown(item),
            if node_ready(ctx, cp, n) { "Ready" } else { "NotReady" }.to_string(),
            roles.into(),
            "1m".into(),
            cl.version.clone(),
        ];
        if wide {
            let ip = ctx
                .state
                .containers
                .get(&n.container)
                .and_then(|c| ctx.state.node_ip(c))
                .unwrap_or_else(|| "<none>".into());
            row.extend([
                ip,
                "<none>".into(),
                "Debian GNU/Linux 12 (bookworm)".into(),
                ctx.cfg.kernel.clone(),
                "containerd://2.1.4".into(),
            ]);
        }
        rows.push(row);
    }
    rows
}

//! `kubectl get` and `kubectl wait` against the emulated cluster.

use super::Ctx;
use super::kubectl::{cluster, node_ready, positionals, select_nodes};
use super::kubectl_apply::matches;
use super::model::KubeNode;
use super::objects::{qualified_plural, resolve};
use crate::out::{Out, or_return};
use crate::util::table;

fn output_flag(words: &[String]) -> Option<String> {
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

pub(super) fn get(ctx: &mut Ctx, cp: &str, words: &[String], ns: Option<&str>) -> Out {
    let output = output_flag(words);
    let mut pos = positionals(words);
    pos.retain(|p| output.as_deref() != Some(p.as_str()));
    let Some(what) = pos.first().cloned() else {
        return Out::fail(1, "error: You must specify the type of resource to get.");
    };
    let ignore_missing = words.iter().any(|w| w == "--ignore-not-found" || w == "--ignore-not-found=true");
    let all_namespaces = words.iter().any(|w| w == "-A" || w == "--all-namespaces");
    if !matches(&what, "node") {
        let cluster = cluster(ctx, cp);
        let Some(resource) = resolve(cluster, &what) else {
            return Out::fail(1, format!("error: the server doesn't have a resource type \"{what}\""));
        };
        let ns = ns.unwrap_or("default");
        let items: Vec<&super::model::Object> = cluster
            .objects
            .iter()
            .filter(|o| {
                o.resource == resource
                    && (all_namespaces || o.namespace.is_none() || o.namespace.as_deref() == Some(ns))
            })
            .filter(|o| pos.len() < 2 || pos[1..].contains(&o.name))
            .collect();
        if let Some(missing) = pos.iter().skip(1).find(|n| !items.iter().any(|o| &&o.name == n))
            && !ignore_missing
        {
            let shown = qualified_plural(&resource);
            return Out::fail(1, format!("Error from server (NotFound): {shown} \"{missing}\" not found"));
        }
        if items.is_empty() {
            if pos.len() > 1 {
                return Out::default();
            }
            if all_namespaces {
                return Out::fail(0, "No resources found");
            }
            return Out::fail(0, format!("No resources found in {ns} namespace."));
        }
        if output.as_deref() == Some("name") {
            return Out::lines(&items.iter().map(|o| format!("{}/{}", o.resource, o.name)).collect::<Vec<_>>());
        }
        if let Some(format @ ("json" | "yaml")) = output.as_deref() {
            // One object as stored; several as kubectl's `List`.
            let value = match items.as_slice() {
                [one] if pos.len() == 2 => crate::util::sort_keys(&one.body),
                _ => serde_json::json!({
                    "apiVersion": "v1",
                    "kind": "List",
                    "items": items.iter().map(|o| crate::util::sort_keys(&o.body)).collect::<Vec<_>>(),
                    "metadata": {"resourceVersion": ""},
                }),
            };
            let text = if format == "json" {
                serde_json::to_string_pretty(&value).unwrap_or_default() + "\n"
            } else {
                serde_saphyr::to_string(&value).unwrap_or_default()
            };
            return Out::ok(text);
        }
        let mut rows = vec![vec!["NAME".to_string()]];
        rows.extend(items.iter().map(|o| vec![o.name.clone()]));
        if all_namespaces {
            rows[0].insert(0, "NAMESPACE".into());
            for (row, o) in rows[1..].iter_mut().zip(&items) {
                row.insert(0, o.namespace.clone().unwrap_or_default());
            }
        }
        return Out::ok(table(&rows));
    }
    let selector = words.iter().enumerate().find_map(|(i, w)| {
        w.strip_prefix("--selector=")
            .or_else(|| w.strip_prefix("-l="))
            .map(str::to_string)
            .or_else(|| (w == "-l" || w == "--selector").then(|| words.get(i + 1).cloned()).flatten())
    });
    let names = match select_nodes(ctx, cp, &pos) {
        Err(_) if ignore_missing => return Out::default(),
        other => or_return!(other),
    };
    let cl = cluster(ctx, cp);
    let nodes: Vec<&KubeNode> = cl
        .nodes
        .iter()
        .filter(|n| pos.len() < 2 || names.contains(&n.name))
        .filter(|n| {
            selector.as_ref().is_none_or(|s| match s.split_once('=') {
                Some((k, v)) => n.labels.get(k).is_some_and(|x| x == v),
                None => n.labels.contains_key(s.as_str()),
            })
        })
        .collect();
    let ready: Vec<bool> = nodes.iter().map(|n| node_ready(ctx, cp, n)).collect();
    match output.as_deref() {
        Some("name") => Out::lines(&nodes.iter().map(|n| format!("node/{}", n.name)).collect::<Vec<_>>()),
        Some(jp) if jp.starts_with("jsonpath") => {
            if jp.contains("conditions") {
                Out::ok(ready.iter().map(|r| if *r { "True" } else { "False" }).collect::<Vec<_>>().join(" "))
            } else if jp.contains("metadata.name") {
                Out::ok(nodes.iter().map(|n| n.name.clone()).collect::<Vec<_>>().join(" "))
            } else {
                Out::fail(1, format!("error: the fake kubectl does not evaluate {jp}"))
            }
        }
        other => {
            let wide = other == Some("wide");
            let mut header = vec!["NAME", "STATUS", "ROLES", "AGE", "VERSION"];
            if wide {
                header.extend(["INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION", "CONTAINER-RUNTIME"]);
            }
            let mut rows = vec![header.into_iter().map(String::from).collect::<Vec<_>>()];
            for (n, r) in nodes.iter().zip(&ready) {
                let roles = if n.control_plane { "control-plane" } else { "<none>" };
                let mut row = vec![
                    n.name.clone(),
                    if *r { "Ready" } else { "NotReady" }.to_string(),
                    roles.into(),
                    "1m".into(),
                    cl.version.clone(),
                ];
                if wide {
                    let ip =
                        ctx.state.containers.get(&n.container).and_then(|c| c.ip()).unwrap_or_else(|| "<none>".into());
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
            Out::ok(table(&rows))
        }
    }
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
    let target_kind = pos.first().map(|p| p.split('/').next().unwrap().to_string()).unwrap_or_default();
    if matches(&target_kind, "node") {
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
    // Deployments and other workloads: available once the pod network works.
    let ns = ns.unwrap_or("default");
    let cl = cluster(ctx, cp);
    let ready = cl.network_ready(ctx.cfg) && cl.nodes.iter().any(|n| node_ready(ctx, cp, n));
    let mut out = Out::default();
    for p in &pos {
        let (kind, name) = p.split_once('/').unwrap_or((p.as_str(), ""));
        let builtin = matches(kind, "deployment.apps") && name == "coredns" && ns == "kube-system";
        let exists = builtin
            || cl.objects.iter().any(|o| {
                matches(kind, &o.resource) && o.name == name && o.namespace.as_deref().is_none_or(|n| n == ns)
            });
        let shown = if matches(kind, "deployment.apps") { "deployment.apps" } else { kind };
        if !exists {
            out.stderr.push_str(&format!(
                "Error from server (NotFound): {}s.apps \"{name}\" not found\n",
                kind.trim_end_matches('s')
            ));
            out.code = 1;
        } else if ready {
            out.stdout.push_str(&format!("{shown}/{name} condition met\n"));
        } else {
            out.stderr.push_str(&format!(
                "error: timed out waiting for the condition on {}s/{name}\n",
                shown.split('.').next().unwrap()
            ));
            out.code = 1;
        }
    }
    if pos.is_empty() {
        return Out::fail(1, "error: resource(s) were provided, but no name was specified");
    }
    out
}

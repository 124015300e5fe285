//! The emulated `kubectl`: talks to the control plane its kubeconfig points at.

use super::Ctx;
use super::dial::{dial, kubeconfig_server};
use super::kubectl_apply::{ApplyOpts, apply, matches};
use super::kubectl_get::get;
use super::kubectl_wait::wait;
use super::model::{Cluster, KubeNode};
use crate::out::{Out, or_return};

struct Global {
    kubeconfig: Option<String>,
    namespace: Option<String>,
    words: Vec<String>,
}

fn globals(ctx: &Ctx, args: &[String]) -> Global {
    let mut g = Global { kubeconfig: None, namespace: None, words: vec![] };
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        let next = args.get(i + 1).cloned();
        match a {
            "--kubeconfig" => {
                g.kubeconfig = next;
                i += 1;
            }
            "-n" | "--namespace" => {
                g.namespace = next;
                i += 1;
            }
            "--context" | "--request-timeout" | "-v" | "--v" => i += 1,
            _ if a.starts_with("--kubeconfig=") => g.kubeconfig = Some(a["--kubeconfig=".len()..].to_string()),
            _ if a.starts_with("--namespace=") => g.namespace = Some(a["--namespace=".len()..].to_string()),
            _ if a.starts_with("--request-timeout=")
                || a.starts_with("--v=")
                || a.starts_with("-v=")
                || a.starts_with("--context=") => {}
            _ => g.words.push(a.to_string()),
        }
        i += 1;
    }
    if g.kubeconfig.is_none() {
        g.kubeconfig =
            ctx.env.get("KUBECONFIG").and_then(|k| k.split(':').next().map(str::to_string)).filter(|k| !k.is_empty());
    }
    g
}

/// Connects to the API server; returns the control-plane container id.
fn connect(ctx: &mut Ctx, g: &Global) -> Result<String, Out> {
    let refused = || {
        Out::fail(
            1,
            "The connection to the server localhost:8080 was refused - did you specify the right host or port?",
        )
    };
    let Some(path) = &g.kubeconfig else { return Err(refused()) };
    let Some(text) = ctx.node().read(path).cloned() else { return Err(refused()) };
    let server = kubeconfig_server(&text)
        .map_err(|e| Out::fail(1, format!("error: error loading config file \"{path}\": {e}")))?;
    dial(ctx.state, &ctx.id, &server).map_err(|e| Out::fail(1, e.kubectl()))
}

pub(super) fn cluster<'a>(ctx: &'a Ctx, cp: &str) -> &'a Cluster {
    ctx.state.containers[cp].node.cluster.as_ref().unwrap()
}

/// Ready: the pod network works and the node's kubelet reaches this API server.
pub(super) fn node_ready(ctx: &Ctx, cp: &str, n: &KubeNode) -> bool {
    cluster(ctx, cp).network_ready(ctx.cfg) && kubelet_up(ctx, cp, n)
}

/// The node's kubelet runs and reaches this API server (host-network pods can run).
pub(super) fn kubelet_up(ctx: &Ctx, cp: &str, n: &KubeNode) -> bool {
    let Some(c) = ctx.state.containers.get(&n.container).filter(|c| c.running()) else { return false };
    // The running kubelet uses the server it read when it started, whatever kubelet.conf says now.
    let Some(server) = c.node.kubelet_server.as_ref().filter(|_| !c.node.kubelet_stopped) else { return false };
    ctx.state.node_ip(c).is_some() && dial(ctx.state, &n.container, server).is_ok_and(|id| id == cp)
}

pub fn program(ctx: &mut Ctx, args: &[String]) -> Out {
    or_return!(super::kubectl_flags::check(args));
    let g = globals(ctx, args);
    let Some(sub) = g.words.first().cloned() else {
        return Out::ok("kubectl controls the Kubernetes cluster manager (fake).\n");
    };
    let words = g.words[1..].to_vec();
    let cp = or_return!(connect(ctx, &g));
    let ns = g.namespace.clone();
    if sub == "get"
        && let Some(path) = raw_path(&words)
    {
        return raw(&words, &path);
    }
    // The controllers catch up with what happened since the last call, and react to this one.
    super::controllers::settle(ctx, &cp);
    let out = dispatch(ctx, &cp, &sub, &words, ns.as_deref());
    super::controllers::settle(ctx, &cp);
    out
}

fn dispatch(ctx: &mut Ctx, cp: &str, sub: &str, words: &[String], ns: Option<&str>) -> Out {
    let has =
        |flag: &str| words.iter().any(|w| w == flag || w.starts_with(&format!("{flag}=")) && !w.ends_with("=false"));
    match sub {
        "rollout" => super::kubectl_rollout::rollout(ctx, cp, words, ns),
        "taint" => taint(ctx, cp, words),
        "scale" => super::kubectl_edit::scale(ctx, cp, words, ns),
        "patch" => super::kubectl_edit::patch(ctx, cp, words, ns),
        "label" => label(ctx, cp, words),
        "create" if words.first().is_some_and(|w| w == "token") => {
            super::kubectl_misc::create_token(ctx, cp, &words[1..], ns)
        }
        "top" => super::kubectl_misc::top(ctx, cp, words),
        "create" if words.first().is_some_and(|w| w == "configmap" || w == "cm") => {
            super::kubectl_misc::create_configmap(ctx, cp, &words[1..], ns)
        }
        "apply" | "create" => match file_arg(words) {
            Some(f) => {
                let opts = ApplyOpts { create: sub == "create", server_side: sub == "apply" && has("--server-side") };
                apply(ctx, cp, &f, opts, ns)
            }
            None => Out::fail(
                1,
                format!("error: must specify one of -f and -k\n\nSee 'kubectl {sub} -h' for help and examples"),
            ),
        },
        "delete" => super::kubectl_delete::delete(ctx, cp, words, ns),
        "get" => get(ctx, cp, words, ns),
        "wait" => wait(ctx, cp, words, ns),
        other => Out::fail(1, format!("error: unknown command \"{other}\" for \"kubectl\" (not emulated by the fake)")),
    }
}

/// `--raw /path` or `--raw=/path`.
fn raw_path(words: &[String]) -> Option<String> {
    let mut it = words.iter();
    while let Some(w) = it.next() {
        if w == "--raw" {
            return Some(it.next().cloned().unwrap_or_default());
        }
        if let Some(p) = w.strip_prefix("--raw=") {
            return Some(p.to_string());
        }
    }
    None
}

/// `kubectl get --raw`: the API server's health endpoints (the connection already worked).
fn raw(words: &[String], path: &str) -> Out {
    let others: Vec<String> = positionals(words).into_iter().filter(|w| w != path).collect();
    if !others.is_empty() {
        return Out::fail(1, "error: arguments may not be passed when --raw is specified");
    }
    let (endpoint, query) = path.split_once('?').unwrap_or((path, ""));
    match endpoint.trim_end_matches('/') {
        "/readyz" | "/livez" | "/healthz" if query.contains("verbose") => {
            let name = endpoint.trim_matches('/');
            let checks = ["ping", "log", "etcd", "poststarthook/start-apiserver-admission-initializer"];
            let mut text: String = checks.iter().map(|c| format!("[+]{c} ok\n")).collect();
            text.push_str(&format!("{name} check passed\n"));
            Out::ok(text)
        }
        "/readyz" | "/livez" | "/healthz" => Out::ok("ok"),
        _ => Out::fail(1, "Error from server (NotFound): the server could not find the requested resource"),
    }
}

/// `-f FILE`, `--filename=FILE`.
pub(super) fn file_arg(words: &[String]) -> Option<String> {
    let mut it = words.iter();
    while let Some(w) = it.next() {
        if w == "-f" || w == "--filename" {
            return it.next().cloned();
        }
        if let Some(v) = w.strip_prefix("--filename=").or_else(|| w.strip_prefix("-f=")) {
            return Some(v.to_string());
        }
    }
    None
}

/// Non-flag words (flags with values are written `--flag=value` by callers).
pub(super) fn positionals(words: &[String]) -> Vec<String> {
    words.iter().filter(|w| !w.starts_with('-')).cloned().collect()
}

/// `nodes --all`, `node a b`, `node/a` → selected node names (or an error).
pub(super) fn select_nodes(ctx: &Ctx, cp: &str, words: &[String]) -> Result<Vec<String>, Out> {
    let all = words.iter().any(|w| w == "--all" || w == "-A");
    let names: Vec<String> = cluster(ctx, cp).nodes.iter().map(|n| n.name.clone()).collect();
    let mut picked = Vec::new();
    for w in positionals(words) {
        let name = match w.split_once('/') {
            Some((kind, n)) if matches(kind, "node") => n.to_string(),
            Some(_) => continue,
            None if matches(&w, "node") => continue,
            None => w.clone(),
        };
        if !names.contains(&name) {
            return Err(Out::fail(1, format!("Error from server (NotFound): nodes \"{name}\" not found")));
        }
        picked.push(name);
    }
    Ok(if all { names } else { picked })
}

fn taint(ctx: &mut Ctx, cp: &str, words: &[String]) -> Out {
    let specs: Vec<String> =
        positionals(words).into_iter().filter(|w| w.contains(':') || w.ends_with('-') || w.contains('=')).collect();
    let rest: Vec<String> = words.iter().filter(|w| !specs.contains(w)).cloned().collect();
    let nodes = or_return!(select_nodes(ctx, cp, &rest));
    if specs.is_empty() || nodes.is_empty() {
        return Out::fail(1, "error: at least one taint update is required");
    }
    let overwrite = words.iter().any(|w| w == "--overwrite");
    let cluster = ctx.state.containers.get_mut(cp).unwrap().node.cluster.as_mut().unwrap();
    let mut out = Out::default();
    let mut missing = Vec::new();
    for node in cluster.nodes.iter_mut().filter(|n| nodes.contains(&n.name)) {
        let mut changed = false;
        for spec in &specs {
            if let Some(remove) = spec.strip_suffix('-') {
                let (key, effect) = remove.split_once(':').map(|(k, e)| (k, Some(e))).unwrap_or((remove, None));
                let before = node.taints.len();
                node.taints.retain(|t| {
                    let (tk, te) = t.split_once(':').unwrap_or((t, ""));
                    let tk = tk.split('=').next().unwrap();
                    !(tk == key && effect.is_none_or(|e| e == te))
                });
                if node.taints.len() == before {
                    missing.push(remove.to_string());
                } else {
                    changed = true;
                }
            } else {
                let (kv, effect) = spec.split_once(':').unwrap_or((spec, ""));
                let key = kv.split('=').next().unwrap();
                if node
                    .taints
                    .iter()
                    .any(|t| t.split(['=', ':']).next() == Some(key) && t.ends_with(&format!(":{effect}")))
                    && !overwrite
                {
                    return Out::fail(
                        1,
                        format!(
                            "error: node {} already has {key} taint(s) with same effect(s) and --overwrite is false",
                            node.name
                        ),
                    );
                }
                node.taints
                    .retain(|t| !(t.split(['=', ':']).next() == Some(key) && t.ends_with(&format!(":{effect}"))));
                node.taints.push(spec.clone());
                changed = true;
            }
        }
        if changed {
            let verb = if specs.iter().all(|s| s.ends_with('-')) { "untainted" } else { "tainted" };
            out.stdout.push_str(&format!("node/{} {verb}\n", node.name));
        }
    }
    if let Some(m) = missing.first() {
        out.stderr.push_str(&format!("error: taint {m:?} not found\n"));
        out.code = 1;
    }
    out
}

fn label(ctx: &mut Ctx, cp: &str, words: &[String]) -> Out {
    let specs: Vec<String> =
        positionals(words).into_iter().filter(|w| w.contains('=') || (w.ends_with('-') && w.len() > 1)).collect();
    let rest: Vec<String> = words.iter().filter(|w| !specs.contains(w)).cloned().collect();
    let nodes = or_return!(select_nodes(ctx, cp, &rest));
    if specs.is_empty() {
        return Out::fail(1, "error: at least one label update is required");
    }
    let overwrite = words.iter().any(|w| w == "--overwrite");
    let cluster = ctx.state.containers.get_mut(cp).unwrap().node.cluster.as_mut().unwrap();
    let mut out = Out::default();
    for node in cluster.nodes.iter_mut().filter(|n| nodes.contains(&n.name)) {
        let mut changed = false;
        for spec in &specs {
            if let Some((k, v)) = spec.split_once('=') {
                match node.labels.get(k) {
                    Some(old) if old != v && !overwrite => {
                        return Out::fail(
                            1,
                            format!("error: '{k}' already has a value ({old}), and --overwrite is false"),
                        );
                    }
                    Some(old) if old == v => {}
                    _ => {
                        node.labels.insert(k.to_string(), v.to_string());
                        changed = true;
                    }
                }
            } else {
                let key = spec.trim_end_matches('-');
                if node.labels.remove(key).is_some() {
                    changed = true;
                } else {
                    out.stderr.push_str(&format!("label {key:?} not found.\n"));
                }
            }
        }
        let verb = match (changed, specs.iter().all(|s| !s.contains('='))) {
            (true, true) => "unlabeled",
            (true, false) => "labeled",
            (false, true) => "not labeled",
            (false, false) => "not labeled",
        };
        out.stdout.push_str(&format!("node/{} {verb}\n", node.name));
    }
    out
}

//! `kubectl create token SA` and `kubectl top nodes`.

use super::Ctx;
use super::kubectl::{cluster, node_ready, positionals};
use super::kubectl_apply::namespace_exists;
use super::kubectl_wait::condition_true;
use crate::out::Out;
use crate::util::{base64, table};

fn b64url(data: &str) -> String {
    base64(data.as_bytes()).trim_end_matches('=').replace('+', "-").replace('/', "_")
}

/// Go-style duration (`10m`, `1h`, `3600s`) in seconds.
fn seconds(d: &str) -> Option<u64> {
    let (num, unit) = d.split_at(d.find(|c: char| !c.is_ascii_digit())?);
    let n: u64 = num.parse().ok()?;
    Some(match unit {
        "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        _ => return None,
    })
}

/// A JWT-shaped token for `system:serviceaccount:<ns>:<sa>`, if the ServiceAccount exists
/// (every namespace has `default`, made by the serviceaccount controller).
pub fn create_token(ctx: &mut Ctx, cp: &str, words: &[String], ns: Option<&str>) -> Out {
    let ns = ns.unwrap_or("default");
    let Some(sa) = positionals(words).into_iter().next() else {
        return Out::fail(1, "error: exactly one argument (service account name) is required");
    };
    let cl = cluster(ctx, cp);
    let exists = cl.find("serviceaccount", Some(ns), &sa).is_some() || (sa == "default" && namespace_exists(cl, ns));
    if !exists {
        return Out::fail(1, format!("error: failed to create token: serviceaccounts \"{sa}\" not found"));
    }
    let duration = words.iter().find_map(|w| w.strip_prefix("--duration=")).map(str::to_string);
    let ttl = match duration.as_deref().map(seconds) {
        None => 3600,
        Some(Some(s)) if s >= 600 => s,
        Some(_) => {
            return Out::fail(1, "error: --duration must be positive and at least 10 minutes");
        }
    };
    let now = crate::util::unix_now();
    let header = b64url(&format!("{{\"alg\":\"RS256\",\"kid\":\"{}\"}}", crate::util::stable_hex(&cl.token, 43)));
    let payload = b64url(&format!(
        "{{\"aud\":[\"https://kubernetes.default.svc.cluster.local\"],\"exp\":{},\"iat\":{now},\"iss\":\"https://kubernetes.default.svc.cluster.local\",\"jti\":\"{}\",\"kubernetes.io\":{{\"namespace\":\"{ns}\",\"serviceaccount\":{{\"name\":\"{sa}\"}}}},\"nbf\":{now},\"sub\":\"system:serviceaccount:{ns}:{sa}\"}}",
        now + ttl,
        crate::util::uuid()
    ));
    let signature = b64url(&crate::util::random_hex(256));
    Out::lines(&[format!("{header}.{payload}.{signature}")])
}

/// `kubectl top nodes`: served by the metrics API (metrics-server behind its APIService).
pub fn top(ctx: &mut Ctx, cp: &str, words: &[String]) -> Out {
    let what = positionals(words).into_iter().next().unwrap_or_default();
    if !["node", "nodes", "no"].contains(&what.as_str()) {
        return Out::fail(1, format!("error: the fake kubectl only emulates 'top nodes', not 'top {what}'"));
    }
    let cl = cluster(ctx, cp);
    let api = cl.find("apiservice.apiregistration.k8s.io", None, "v1beta1.metrics.k8s.io");
    let server = cl.find("deployment.apps", Some("kube-system"), "metrics-server");
    let available = |i: Option<usize>| i.is_some_and(|i| condition_true(&cl.objects[i].body, "Available"));
    if !available(api) || !available(server) {
        return Out::fail(1, "error: Metrics API not available");
    }
    let mut rows = vec![["NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)"].map(String::from).to_vec()];
    for n in cl.nodes.iter().filter(|n| node_ready(ctx, cp, n)) {
        let (cpu, mem) = if n.control_plane { (152, 1187) } else { (41, 512) };
        let cpus =
            ctx.state.containers.get(&n.container).and_then(|c| c.config["resources"]["cpus"].as_u64()).unwrap_or(4);
        let mib = ctx
            .state
            .containers
            .get(&n.container)
            .and_then(|c| c.config["resources"]["memoryInBytes"].as_u64())
            .map_or(4096, |b| b >> 20);
        rows.push(vec![
            n.name.clone(),
            format!("{cpu}m"),
            format!("{}%", cpu * 100 / (cpus * 1000)),
            format!("{mem}Mi"),
            format!("{}%", mem * 100 / mib.max(1)),
        ]);
    }
    Out::ok(table(&rows))
}

/// `kubectl create configmap NAME [--from-literal=key=value]... [-n ns]`.
pub fn create_configmap(ctx: &mut Ctx, cp: &str, words: &[String], ns: Option<&str>) -> Out {
    let Some(name) = words.iter().find(|w| !w.starts_with('-')).cloned() else {
        return Out::fail(
            1,
            "error: exactly one NAME is required, got 0\nSee 'kubectl create configmap -h' for help and examples",
        );
    };
    let ns = ns.unwrap_or("default").to_string();
    let mut data = serde_json::Map::new();
    for literal in words.iter().filter_map(|w| w.strip_prefix("--from-literal=")) {
        let Some((k, v)) = literal.split_once('=') else {
            return Out::fail(1, format!("error: invalid literal source {literal}, expected key=value"));
        };
        data.insert(k.to_string(), serde_json::json!(v));
    }
    let cl = ctx.state.containers.get_mut(cp).unwrap().node.cluster.as_mut().unwrap();
    if !super::kubectl_apply::namespace_exists(cl, &ns) {
        return Out::fail(1, format!("error: failed to create configmap: namespaces \"{ns}\" not found"));
    }
    if cl.find("configmap", Some(&ns), &name).is_some() {
        return Out::fail(1, format!("error: failed to create configmap: configmaps \"{name}\" already exists"));
    }
    let body = serde_json::json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": ns},
        "data": data,
    });
    cl.create_object("configmap", Some(ns), body);
    Out::lines(&[format!("configmap/{name} created")])
}

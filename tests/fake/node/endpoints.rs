//! The scheduler and the EndpointSlice controller, as far as kina depends on
//! them: a Service's selector picks the Deployments, DaemonSets and
//! StatefulSets whose pods it matches; a Deployment's or StatefulSet's pod
//! lands on the first node (by name) that matches its nodeSelector and whose
//! NoSchedule taints it tolerates, a DaemonSet's on every such node; the
//! Service's EndpointSlice lists those pods with their node and readiness.

use super::Ctx;
use super::kubectl::cluster;
use super::model::{Cluster, KubeNode};
use serde_json::{Value, json};

const SLICE: &str = "endpointslice.discovery.k8s.io";
const WORKLOADS: &[&str] = &["deployment.apps", "daemonset.apps", "statefulset.apps"];
const MANAGED_BY: &str = "endpointslice-controller.k8s.io";

fn subset(selector: &Value, labels: &Value) -> bool {
    selector.as_object().is_some_and(|s| !s.is_empty() && s.iter().all(|(k, v)| &labels[k] == v))
}

/// Whether a pod with `spec` tolerates `taint` (`key[=value]:Effect`).
fn tolerates(spec: &Value, taint: &str) -> bool {
    let (key_value, effect) = taint.rsplit_once(':').unwrap_or((taint, ""));
    let (key, value) = key_value.split_once('=').unwrap_or((key_value, ""));
    spec["tolerations"].as_array().into_iter().flatten().any(|t| {
        let op = t["operator"].as_str().unwrap_or("Equal");
        let key_ok = t["key"].as_str().is_none_or(|k| k.is_empty() && op == "Exists") || t["key"] == key;
        let value_ok = op == "Exists" || t["value"].as_str().unwrap_or("") == value;
        let effect_ok = t["effect"].as_str().is_none_or(|e| e.is_empty() || e == effect);
        key_ok && value_ok && effect_ok
    })
}

fn fits(spec: &Value, node: &KubeNode) -> bool {
    let selected = spec["nodeSelector"]
        .as_object()
        .is_none_or(|sel| sel.iter().all(|(k, v)| node.labels.get(k).is_some_and(|l| v == l)));
    let allowed = node.taints.iter().filter(|t| t.ends_with(":NoSchedule")).all(|t| tolerates(spec, t));
    selected && allowed
}

/// (node name, ready) of each pod of the workloads that `service` selects.
fn pods(ctx: &Ctx, cp: &str, cl: &Cluster, service: &Value, ns: &str) -> Vec<(String, bool)> {
    let selector = &service["spec"]["selector"];
    let mut nodes: Vec<&KubeNode> = cl.nodes.iter().collect();
    nodes.sort_by(|a, b| a.name.cmp(&b.name));
    let mut out = Vec::new();
    for w in
        cl.objects.iter().filter(|o| WORKLOADS.contains(&o.resource.as_str()) && o.namespace.as_deref() == Some(ns))
    {
        let template = &w.body["spec"]["template"];
        if !subset(selector, &template["metadata"]["labels"]) {
            continue;
        }
        let spec = &template["spec"];
        let host_network = spec["hostNetwork"].as_bool().unwrap_or(false);
        let ready = super::workloads::runs(ctx, cp, ns, &w.name, host_network);
        let placed = nodes.iter().filter(|n| fits(spec, n));
        if w.resource == "daemonset.apps" {
            out.extend(placed.map(|n| (n.name.clone(), ready)));
        } else if let Some(n) = placed.into_iter().next() {
            out.push((n.name.clone(), ready));
        }
    }
    out
}

/// Keeps one EndpointSlice per selecting Service in step; true if anything changed.
pub fn reconcile(ctx: &mut Ctx, cp: &str) -> bool {
    let cl = cluster(ctx, cp);
    let mut wanted: Vec<(String, String, Value)> = Vec::new();
    for svc in cl.objects.iter().filter(|o| o.resource == "service") {
        let ns = svc.namespace.clone().unwrap_or_default();
        let pods = pods(ctx, cp, cl, &svc.body, &ns);
        if pods.is_empty() {
            continue;
        }
        let endpoints: Vec<Value> = pods
            .iter()
            .enumerate()
            .map(|(i, (node, ready))| {
                json!({"addresses": [format!("10.244.{}.{}", i / 250, i % 250 + 2)], "conditions": {"ready": ready}, "nodeName": node})
            })
            .collect();
        let name = format!("{}-kina", svc.name);
        let slice = json!({
            "apiVersion": "discovery.k8s.io/v1",
            "kind": "EndpointSlice",
            "metadata": {"name": name, "namespace": ns, "labels": {
                "kubernetes.io/service-name": svc.name,
                "endpointslice.kubernetes.io/managed-by": MANAGED_BY,
            }},
            "addressType": "IPv4",
            "endpoints": endpoints,
        });
        wanted.push((ns, name, slice));
    }
    let cl = ctx.state.containers.get_mut(cp).unwrap().node.cluster.as_mut().unwrap();
    let mut changed = false;
    for (ns, name, slice) in wanted.iter().cloned() {
        match cl.find(SLICE, Some(&ns), &name) {
            Some(i) if cl.objects[i].body["endpoints"] == slice["endpoints"] => {}
            Some(i) => {
                cl.update_object(i, slice);
                changed = true;
            }
            None => {
                cl.create_object(SLICE, Some(ns), slice);
                changed = true;
            }
        }
    }
    let before = cl.objects.len();
    cl.objects.retain(|o| {
        o.resource != SLICE
            || o.body["metadata"]["labels"]["endpointslice.kubernetes.io/managed-by"] != MANAGED_BY
            || wanted.iter().any(|(ns, name, _)| o.namespace.as_deref() == Some(ns) && &o.name == name)
    });
    changed || cl.objects.len() != before
}

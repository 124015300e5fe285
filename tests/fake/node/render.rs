//! Objects as the API server returns them: Nodes built from the emulated kubelets,
//! label selectors, and kubectl's `List` wrapper.

use super::Ctx;
use super::kubectl::{cluster, node_ready};
use super::model::KubeNode;
use serde_json::{Value, json};

/// `key=value:Effect` / `key:Effect` → the Node's `spec.taints[]` entry.
fn taint(t: &str) -> Value {
    let (kv, effect) = t.rsplit_once(':').unwrap_or((t, ""));
    match kv.split_once('=') {
        Some((k, v)) => json!({"key": k, "value": v, "effect": effect}),
        None => json!({"key": kv, "effect": effect}),
    }
}

/// A Node object: labels, taints, InternalIP (the VM's current address) and Hostname
/// addresses, and the Ready condition.
pub fn node_object(ctx: &Ctx, cp: &str, n: &KubeNode) -> Value {
    let ready = node_ready(ctx, cp, n);
    let cl = cluster(ctx, cp);
    let mut labels = json!({
        "beta.kubernetes.io/arch": "arm64",
        "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": "arm64",
        "kubernetes.io/hostname": n.name,
        "kubernetes.io/os": "linux",
    });
    for (k, v) in &n.labels {
        labels[k] = json!(v);
    }
    let mut addresses = Vec::new();
    if let Some(ip) = ctx.state.containers.get(&n.container).and_then(|c| ctx.state.node_ip(c)) {
        addresses.push(json!({"type": "InternalIP", "address": ip}));
    }
    addresses.push(json!({"type": "Hostname", "address": n.name}));
    let condition = if ready {
        json!({"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "kubelet is posting ready status"})
    } else {
        json!({"type": "Ready", "status": "False", "reason": "KubeletNotReady", "message": "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized"})
    };
    let mut spec = json!({});
    if !n.taints.is_empty() {
        spec["taints"] = Value::Array(n.taints.iter().map(|t| taint(t)).collect());
    }
    json!({
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": n.name, "labels": labels},
        "spec": spec,
        "status": {
            "addresses": addresses,
            "conditions": [condition],
            "nodeInfo": {
                "architecture": "arm64",
                "containerRuntimeVersion": "containerd://2.1.4",
                "kernelVersion": ctx.cfg.kernel,
                "kubeletVersion": cl.version,
                "operatingSystem": "linux",
                "osImage": "Debian GNU/Linux 12 (bookworm)",
            },
        },
    })
}

/// Every Node of the cluster as an object.
pub fn nodes(ctx: &Ctx, cp: &str) -> Vec<Value> {
    cluster(ctx, cp).nodes.iter().map(|n| node_object(ctx, cp, n)).collect()
}

/// kubectl's wrapper around several objects.
pub fn list(items: Vec<Value>) -> Value {
    json!({"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}})
}

/// Whether `labels` satisfy a selector like `a=b,c!=d,e,!f`.
pub fn selects(selector: &str, labels: &Value) -> bool {
    selector.split(',').map(str::trim).filter(|s| !s.is_empty()).all(|term| {
        if let Some((k, v)) = term.split_once("!=") {
            labels[k.trim()].as_str() != Some(v.trim())
        } else if let Some((k, v)) = term.split_once("==").or_else(|| term.split_once('=')) {
            labels[k.trim()].as_str() == Some(v.trim())
        } else if let Some(k) = term.strip_prefix('!') {
            labels.get(k).is_none()
        } else {
            labels.get(term).is_some()
        }
    })
}

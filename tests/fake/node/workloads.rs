//! What the controller manager, kubelet and apiextensions/aggregator controllers
//! report in `status`: Deployments, DaemonSets, StatefulSets, Jobs and Pods are
//! ready once the pod network works and a node is Ready (unless `KINA_FAKE_UNAVAILABLE`
//! names them), CRDs are Established, APIServices Available when their backend is.

use super::Ctx;
use super::kubectl::{cluster, kubelet_up, node_ready};
use super::model::Cluster;
use serde_json::{Value, json};

/// Whether workload `ns/name` can run: pods start and pass their probes. Host-network
/// pods (CNI and kube-proxy DaemonSets) need only a running kubelet, the others a
/// Ready node; a CNI also needs its kernel features.
pub fn runs(ctx: &Ctx, cp: &str, ns: &str, name: &str, host_network: bool) -> bool {
    let cl = cluster(ctx, cp);
    let scheduled = if host_network {
        cl.nodes.iter().any(|n| kubelet_up(ctx, cp, n))
    } else {
        cl.network_ready(ctx.cfg) && cl.nodes.iter().any(|n| node_ready(ctx, cp, n))
    };
    // calico-node (VXLAN mode) crashes on a kernel without VXLAN.
    let kernel = !(ns == "kube-system" && name == "calico-node") || ctx.cfg.kernel_has("vxlan");
    scheduled && kernel && !ctx.cfg.unavailable.iter().any(|p| glob(p, &format!("{ns}/{name}")))
}

/// `*` matches any run of characters.
pub fn glob(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((head, tail)) => {
            text.starts_with(head)
                && (0..=text.len() - head.len())
                    .any(|i| text.is_char_boundary(head.len() + i) && glob(tail, &text[head.len() + i..]))
        }
    }
}

fn cond(kind: &str, ok: bool, yes: (&str, &str), no: (&str, &str)) -> Value {
    let (reason, message) = if ok { yes } else { no };
    json!({"type": kind, "status": if ok { "True" } else { "False" }, "reason": reason, "message": message})
}

fn deployment(body: &Value, ok: bool) -> Value {
    let replicas = body["spec"]["replicas"].as_u64().unwrap_or(1);
    let name = body["metadata"]["name"].as_str().unwrap_or_default();
    let ready = if ok { replicas } else { 0 };
    let mut s = json!({
        "observedGeneration": body["metadata"]["generation"],
        "replicas": replicas,
        "updatedReplicas": replicas,
        "conditions": [
            cond("Available", ok || replicas == 0, ("MinimumReplicasAvailable", "Deployment has minimum availability."), ("MinimumReplicasUnavailable", "Deployment does not have minimum availability.")),
            cond("Progressing", true, ("NewReplicaSetAvailable", &format!("ReplicaSet \"{name}-{}\" has successfully progressed.", crate::util::stable_hex(name, 10))), ("", "")),
        ],
    });
    if ready > 0 {
        s["readyReplicas"] = json!(ready);
        s["availableReplicas"] = json!(ready);
    }
    if replicas > ready {
        s["unavailableReplicas"] = json!(replicas - ready);
    }
    s
}

fn daemonset(body: &Value, ok: bool, nodes: u64) -> Value {
    let ready = if ok { nodes } else { 0 };
    json!({
        "observedGeneration": body["metadata"]["generation"],
        "currentNumberScheduled": nodes,
        "desiredNumberScheduled": nodes,
        "numberMisscheduled": 0,
        "numberReady": ready,
        "numberAvailable": ready,
        "updatedNumberScheduled": nodes,
    })
}

fn statefulset(body: &Value, ok: bool) -> Value {
    let replicas = body["spec"]["replicas"].as_u64().unwrap_or(1);
    let ready = if ok { replicas } else { 0 };
    json!({
        "observedGeneration": body["metadata"]["generation"],
        "replicas": replicas,
        "currentReplicas": replicas,
        "updatedReplicas": replicas,
        "readyReplicas": ready,
        "availableReplicas": ready,
    })
}

fn job(ok: bool) -> Value {
    if ok {
        json!({"succeeded": 1, "ready": 0, "conditions": [
            cond("SuccessCriteriaMet", true, ("CompletionsReached", "Reached expected number of succeeded pods"), ("", "")),
            cond("Complete", true, ("CompletionsReached", "Reached expected number of succeeded pods"), ("", "")),
        ]})
    } else {
        json!({"active": 1, "ready": 0})
    }
}

fn pod(ok: bool, image_error: Option<&PullError>) -> Value {
    let mut status = json!({
        "phase": if ok { "Running" } else { "Pending" },
        "conditions": [cond("Ready", ok, ("", ""), ("ContainersNotReady", "containers with unready status"))],
    });
    if let Some((image, message)) = image_error {
        status["containerStatuses"] = json!([{"image": image, "ready": false,
            "state": {"waiting": {"reason": "ErrImagePull", "message": message}}}]);
    }
    status
}

/// The images of a workload's pods (or a Pod's own).
fn images(body: &Value) -> Vec<(String, String)> {
    let spec = if body["kind"] == "Pod" { &body["spec"] } else { &body["spec"]["template"]["spec"] };
    let mut out = Vec::new();
    for list in ["initContainers", "containers"] {
        for c in spec[list].as_array().into_iter().flatten() {
            let image = c["image"].as_str().unwrap_or_default().to_string();
            out.push((image, c["imagePullPolicy"].as_str().unwrap_or_default().to_string()));
        }
    }
    out
}

/// Pulls the images of a local registry (`localhost:<port>/…`) the kubelet needs: one not
/// in the node's store (or always pulled) is fetched through the node's registry config
/// (registry_pull.rs). Returns what was pulled, or the first image it cannot get with
/// containerd's reason. The control plane's config stands for every node's (kina
/// writes the same `hosts.toml` on each). Images of other registries are not modelled.
type Pulled = Vec<(String, String, u64)>;
/// The image the kubelet cannot get, and containerd's reason.
type PullError = (String, String);

fn pull_images(ctx: &Ctx, cp: &str, body: &Value) -> Result<Pulled, PullError> {
    let mut pulled = Vec::new();
    for (image, policy) in images(body) {
        if !super::registry_pull::handles(&image) || policy == "Never" {
            continue;
        }
        let latest = !image.rsplit('/').next().unwrap_or_default().contains(':');
        let always = policy == "Always" || (policy.is_empty() && (latest || image.ends_with(":latest")));
        let node = &ctx.state.containers[cp].node;
        if !always && super::ctr::has_cri_image(node, &image) {
            continue;
        }
        match super::registry_pull::resolve(ctx.state, cp, &image) {
            Ok((digest, size)) => pulled.push((image, digest, size)),
            Err(why) => return Err((image.clone(), format!("failed to pull and unpack image \"{image}\": {why}"))),
        }
    }
    Ok(pulled)
}

fn crd(body: &Value) -> Value {
    let stored: Vec<Value> = body["spec"]["versions"]
        .as_array()
        .map(|vs| vs.iter().filter(|v| v["storage"] == true).map(|v| v["name"].clone()).collect())
        .unwrap_or_default();
    json!({
        "acceptedNames": body["spec"]["names"],
        "conditions": [
            cond("NamesAccepted", true, ("NoConflicts", "no conflicts found"), ("", "")),
            cond("Established", true, ("InitialNamesAccepted", "the initial names have been accepted"), ("", "")),
        ],
        "storedVersions": stored,
    })
}

/// Whether a Deployment-like object's pod template carries every label of `selector`.
fn selected(selector: &Value, template_labels: &Value) -> bool {
    selector.as_object().is_some_and(|m| !m.is_empty() && m.iter().all(|(k, v)| &template_labels[k] == v))
}

fn apiservice(cl: &Cluster, body: &Value) -> Value {
    let svc = &body["spec"]["service"];
    if svc.is_null() {
        return json!({"conditions": [cond("Available", true, ("Local", "Local APIServices are always available"), ("", ""))]});
    }
    let (ns, name) = (svc["namespace"].as_str().unwrap_or_default(), svc["name"].as_str().unwrap_or_default());
    let ok = cl.find("service", Some(ns), name).is_some_and(|i| {
        let selector = &cl.objects[i].body["spec"]["selector"];
        let backends: Vec<&Value> = cl
            .objects
            .iter()
            .filter(|o| o.namespace.as_deref() == Some(ns) && o.resource == "deployment.apps")
            .filter(|o| selected(selector, &o.body["spec"]["template"]["metadata"]["labels"]))
            .map(|o| &o.body)
            .collect();
        !backends.is_empty() && backends.iter().all(|b| super::kubectl_wait::condition_true(b, "Available"))
    });
    let missing = format!("endpoints for service/{name} in \"{ns}\" have no addresses with port name \"https\"");
    json!({"conditions": [cond("Available", ok, ("Passed", "all checks passed"), ("MissingEndpoints", &missing))]})
}

/// Brings every object's status up to date; true if any changed.
pub fn reconcile(ctx: &mut Ctx, cp: &str) -> bool {
    let nodes = cluster(ctx, cp).nodes.len() as u64;
    let mut pulled = Vec::new();
    let plans: Vec<(usize, Option<bool>, Option<PullError>)> = cluster(ctx, cp)
        .objects
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let spec = &o.body["spec"]["template"]["spec"];
            let host = spec["hostNetwork"] == true || o.body["spec"]["hostNetwork"] == true;
            let pull = match o.namespace.as_ref().map(|_| pull_images(ctx, cp, &o.body)) {
                Some(Ok(images)) => {
                    pulled.extend(images);
                    None
                }
                Some(Err(error)) => Some(error),
                None => None,
            };
            let runs = o.namespace.as_ref().map(|ns| runs(ctx, cp, ns, &o.name, host) && pull.is_none());
            (i, runs, pull)
        })
        .collect();
    for (image, digest, size) in pulled {
        super::ctr::record_pulled(&mut ctx.state.containers.get_mut(cp).unwrap().node, &image, &digest, size);
    }
    let mut changed = false;
    // Workloads first: APIServices look at their Deployments' conditions.
    for pass in 0..2 {
        for (i, ok, pull) in &plans {
            let cl = ctx.state.containers.get_mut(cp).unwrap().node.cluster.as_mut().unwrap();
            let body = &cl.objects[*i].body;
            let ok = ok.unwrap_or(false);
            let status = match (pass, cl.objects[*i].resource.as_str()) {
                (0, "deployment.apps") => deployment(body, ok),
                (0, "daemonset.apps") => daemonset(body, ok, nodes),
                (0, "statefulset.apps") => statefulset(body, ok),
                (0, "job.batch") => job(ok),
                (0, "pod") => pod(ok, pull.as_ref()),
                (0, super::kinds::CRD) => crd(body),
                (1, "apiservice.apiregistration.k8s.io") => apiservice(cl, body),
                _ => continue,
            };
            changed |= cl.set_status(*i, status);
        }
    }
    changed
}

/// `rollout status`: every replica updated and available.
pub fn rolled_out(body: &Value) -> bool {
    let s = &body["status"];
    match body["kind"].as_str() {
        Some("DaemonSet") => s["numberReady"] == s["desiredNumberScheduled"],
        Some("StatefulSet") => s["readyReplicas"] == s["replicas"],
        _ => super::kubectl_wait::condition_true(body, "Available"),
    }
}

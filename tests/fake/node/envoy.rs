//! Envoy Gateway, the controller that runs in the cluster once `kina install gateway`
//! applied it: it accepts its GatewayClasses, gives each Gateway a LoadBalancer
//! Service in `envoy-gateway-system`, and programs the Gateway once that Service has an
//! address. Every name it uses is a constant here.

use super::Ctx;
use super::kubectl::cluster;
use super::model::Cluster;
use serde_json::{Value, json};

pub const NAMESPACE: &str = "envoy-gateway-system";
pub const DEPLOYMENT: &str = "envoy-gateway";
pub const CONTROLLER: &str = "gateway.envoyproxy.io/gatewayclass-controller";
pub const OWNER_NAME: &str = "gateway.envoyproxy.io/owning-gateway-name";
pub const OWNER_NAMESPACE: &str = "gateway.envoyproxy.io/owning-gateway-namespace";
const GATEWAY_CLASS: &str = "gatewayclass.gateway.networking.k8s.io";
const GATEWAY: &str = "gateway.gateway.networking.k8s.io";
const SLICE: &str = "endpointslice.discovery.k8s.io";
const SERVICE_NAME: &str = "kubernetes.io/service-name";

/// Where the scheduler puts the proxy: the first node without a NoSchedule taint.
fn proxy_node(cl: &Cluster) -> Option<String> {
    let mut nodes: Vec<&super::model::KubeNode> =
        cl.nodes.iter().filter(|n| !n.taints.iter().any(|t| t.ends_with(":NoSchedule"))).collect();
    nodes.sort_by(|a, b| a.name.cmp(&b.name));
    nodes.first().map(|n| n.name.clone())
}

/// The EndpointSlice of a proxy Service with its one ready pod on `node`.
fn proxy_slice(service: &str, node: &str) -> Value {
    json!({
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {"name": format!("{service}-slice"), "namespace": NAMESPACE, "labels": {SERVICE_NAME: service}},
        "addressType": "IPv4",
        "endpoints": [{"addresses": ["10.244.0.10"], "conditions": {"ready": true}, "nodeName": node}],
        "ports": [{"name": "tcp-80", "port": 10080, "protocol": "TCP"}],
    })
}

/// `envoy-<ns>-<name>-<first 8 hex of sha256("<ns>/<name>")>` (Envoy Gateway's
/// `ExpectedResourceHashedName`, names up to 48 characters before the hash).
pub fn service_name(ns: &str, name: &str) -> String {
    let joined = format!("{ns}/{name}");
    let hash = crate::sha256::hex(joined.as_bytes());
    let mut base = joined.replace('/', "-");
    if base.len() > 48 {
        base.truncate(48);
        base = base.trim_end_matches('-').to_string();
    }
    format!("envoy-{base}-{}", &hash[..8])
}

fn cond(kind: &str, ok: bool, reason: &str, message: &str, generation: &Value) -> Value {
    json!({"type": kind, "status": if ok { "True" } else { "False" }, "reason": reason, "message": message, "observedGeneration": generation})
}

fn running(cl: &Cluster) -> bool {
    cl.find("deployment.apps", Some(NAMESPACE), DEPLOYMENT)
        .is_some_and(|i| super::kubectl_wait::condition_true(&cl.objects[i].body, "Available"))
}

/// The proxy Service for one Gateway: one TCP port per listener.
fn proxy_service(gw: &Value, ns: &str, name: &str) -> Value {
    let labels = json!({
        "app.kubernetes.io/component": "proxy",
        "app.kubernetes.io/managed-by": "envoy-gateway",
        "app.kubernetes.io/name": "envoy",
        OWNER_NAME: name,
        OWNER_NAMESPACE: ns,
    });
    let ports: Vec<Value> = gw["spec"]["listeners"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|l| l["port"].as_u64())
        .fold(Vec::new(), |mut acc, p| {
            if !acc.contains(&p) {
                acc.push(p);
            }
            acc
        })
        .into_iter()
        .map(|p| {
            // Privileged ports are served on an unprivileged one inside the proxy.
            let target = if p < 1024 { p + 10000 } else { p };
            json!({"name": format!("tcp-{p}"), "port": p, "protocol": "TCP", "targetPort": target})
        })
        .collect();
    json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": service_name(ns, name), "namespace": NAMESPACE, "labels": labels},
        "spec": {"type": "LoadBalancer", "externalTrafficPolicy": "Local", "selector": labels, "ports": ports},
    })
}

/// One pass of the controller; true if it changed anything.
pub fn reconcile(ctx: &mut Ctx, cp: &str) -> bool {
    let cl = cluster(ctx, cp);
    let up = running(cl);
    let classes: Vec<String> = cl
        .objects
        .iter()
        .filter(|o| o.resource == GATEWAY_CLASS && o.body["spec"]["controllerName"] == CONTROLLER)
        .map(|o| o.name.clone())
        .collect();
    let cl = ctx.state.containers.get_mut(cp).unwrap().node.cluster.as_mut().unwrap();
    let mut changed = false;
    if !up {
        return false;
    }
    for class in &classes {
        let i = cl.find(GATEWAY_CLASS, None, class).unwrap();
        let generation = cl.objects[i].body["metadata"]["generation"].clone();
        let status = json!({"conditions": [cond("Accepted", true, "Accepted", "Valid GatewayClass", &generation)]});
        changed |= cl.set_status(i, status);
    }
    let gateways: Vec<(String, String)> = cl
        .objects
        .iter()
        .filter(|o| o.resource == GATEWAY)
        .filter(|o| o.body["spec"]["gatewayClassName"].as_str().is_some_and(|c| classes.iter().any(|k| k == c)))
        .map(|o| (o.namespace.clone().unwrap_or_default(), o.name.clone()))
        .collect();
    for (ns, name) in &gateways {
        let gi = cl.find(GATEWAY, Some(ns), name).unwrap();
        let gw = cl.objects[gi].body.clone();
        let svc = proxy_service(&gw, ns, name);
        let svc_name = svc["metadata"]["name"].as_str().unwrap().to_string();
        match cl.find("service", Some(NAMESPACE), &svc_name) {
            Some(si) if super::objects::subset(&svc["spec"], &cl.objects[si].body["spec"]) => {}
            Some(si) => {
                cl.update_object(si, svc);
                changed = true;
            }
            None if super::kubectl_apply::namespace_exists(cl, NAMESPACE) => {
                cl.create_object("service", Some(NAMESPACE.into()), svc);
                changed = true;
            }
            None => {}
        }
        // The proxy pod runs on the first node that takes pods; the
        // EndpointSlice controller lists it there (the Service is Local).
        if let Some(node) = proxy_node(cl) {
            let slice = proxy_slice(&svc_name, &node);
            let slice_name = slice["metadata"]["name"].as_str().unwrap().to_string();
            match cl.find(SLICE, Some(NAMESPACE), &slice_name) {
                Some(i) if cl.objects[i].body["endpoints"] == slice["endpoints"] => {}
                Some(i) => {
                    cl.update_object(i, slice);
                    changed = true;
                }
                None if cl.find("service", Some(NAMESPACE), &svc_name).is_some() => {
                    cl.create_object(SLICE, Some(NAMESPACE.into()), slice);
                    changed = true;
                }
                None => {}
            }
        }
        let ip = cl.find("service", Some(NAMESPACE), &svc_name).and_then(|si| {
            cl.objects[si].body["status"]["loadBalancer"]["ingress"][0]["ip"].as_str().map(str::to_string)
        });
        let generation = gw["metadata"]["generation"].clone();
        let mut status = json!({"conditions": [
            cond("Accepted", true, "Accepted", "The Gateway has been scheduled by Envoy Gateway", &generation),
            match &ip {
                Some(_) => cond("Programmed", true, "Programmed", "Address assigned to the Gateway, 1/1 envoy replicas available", &generation),
                None => cond("Programmed", false, "AddressNotAssigned", "No addresses have been assigned to the Gateway", &generation),
            },
        ]});
        if let Some(ip) = ip {
            status["addresses"] = json!([{"type": "IPAddress", "value": ip}]);
        }
        let gi = cl.find(GATEWAY, Some(ns), name).unwrap();
        changed |= cl.set_status(gi, status);
    }
    // Services of Gateways that are gone are garbage collected.
    let before = cl.objects.len();
    let services: Vec<String> = gateways.iter().map(|(ns, n)| service_name(ns, n)).collect();
    cl.objects.retain(|o| {
        let owner = o.body["metadata"]["labels"][SERVICE_NAME].as_str().unwrap_or_default();
        o.resource != SLICE
            || o.namespace.as_deref() != Some(NAMESPACE)
            || !owner.starts_with("envoy-")
            || services.iter().any(|s| s == owner)
    });
    cl.objects.retain(|o| {
        let labels = &o.body["metadata"]["labels"];
        o.resource != "service"
            || o.namespace.as_deref() != Some(NAMESPACE)
            || labels[OWNER_NAME].is_null()
            || gateways.iter().any(|(ns, n)| labels[OWNER_NAME] == n.as_str() && labels[OWNER_NAMESPACE] == ns.as_str())
    });
    changed || cl.objects.len() != before
}

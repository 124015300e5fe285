//! ingress-nginx's status sync, as far as kina relies on it: a running
//! controller (`/nginx-ingress-controller` with an available replica) writes
//! the address of the Ingresses it serves (class `nginx`, or no class with
//! `--watch-ingress-without-class=true`) into their `status.loadBalancer`:
//! with `--publish-service=NS/NAME` its Service's LoadBalancer ingress, with
//! `--publish-status-address=A` that address (an `ip` when it is one, else a
//! `hostname`), as ingress-nginx's `internal/ingress/status` does.

use super::Ctx;
use super::kubectl::cluster;
use serde_json::{Value, json};

const INGRESS: &str = "ingress.networking.k8s.io";

fn flag<'a>(args: &'a [Value], name: &str) -> Option<&'a str> {
    args.iter().filter_map(Value::as_str).find_map(|a| a.strip_prefix(name)?.strip_prefix('='))
}

/// One pass; true if it changed an Ingress.
pub fn reconcile(ctx: &mut Ctx, cp: &str) -> bool {
    let cl = cluster(ctx, cp);
    let Some(args) = cl.objects.iter().filter(|o| o.resource == "deployment.apps").find_map(|d| {
        let container = &d.body["spec"]["template"]["spec"]["containers"][0];
        let args = container["args"].as_array()?;
        let running = d.body["status"]["availableReplicas"].as_u64().unwrap_or(0) > 0;
        (running && args.first().and_then(Value::as_str) == Some("/nginx-ingress-controller")).then(|| args.clone())
    }) else {
        return false;
    };
    let without_class = flag(&args, "--watch-ingress-without-class") == Some("true");
    let address = if let Some(service) = flag(&args, "--publish-service") {
        let (ns, name) = service.split_once('/').unwrap_or(("default", service));
        cl.find("service", Some(ns), name)
            .map(|i| cl.objects[i].body["status"]["loadBalancer"]["ingress"].clone())
            .filter(Value::is_array)
            .unwrap_or(json!([]))
    } else if let Some(a) = flag(&args, "--publish-status-address") {
        let kind = if a.parse::<std::net::IpAddr>().is_ok() { "ip" } else { "hostname" };
        json!([{kind: a}])
    } else {
        return false;
    };
    let served: Vec<usize> = cl
        .objects
        .iter()
        .enumerate()
        .filter(|(_, o)| o.resource == INGRESS)
        .filter(|(_, o)| match o.body["spec"]["ingressClassName"].as_str() {
            Some(class) => class == "nginx",
            None => without_class,
        })
        .map(|(i, _)| i)
        .collect();
    let cl = ctx.state.containers.get_mut(cp).unwrap().node.cluster.as_mut().unwrap();
    let mut changed = false;
    for i in served {
        let ingress = address.as_array().map(|a| (!a.is_empty()).then(|| address.clone())).unwrap_or_default();
        let status = match ingress {
            Some(ingress) => json!({"loadBalancer": {"ingress": ingress}}),
            None => json!({"loadBalancer": {}}),
        };
        changed |= cl.set_status(i, status);
    }
    changed
}

//! The `names` step of kina-lb (`kina install names`): the script's
//! `NAMES_QUERY` over the cluster's Ingresses, and over its Gateways and
//! HTTPRoutes when the Gateway API's CRDs serve them (the script tolerates
//! their absence), through the host's real awk running the script's `NAMES`
//! program; the result becomes the `hosts` key of `kube-system/kina-names`
//! when it differs, as the script's `kubectl patch` does.

use super::Ctx;
use super::kinds::CRD;
use super::kubectl::cluster;
use serde_json::{Value, json};

const CONFIG_MAP: &str = "kina-names";
const RESOURCES: [&str; 3] =
    ["ingress.networking.k8s.io", "gateway.gateway.networking.k8s.io", "httproute.gateway.networking.k8s.io"];

/// What the step reads, for the loop's fingerprint.
pub fn inventory(ctx: &Ctx, cp: &str) -> Vec<Value> {
    let cl = cluster(ctx, cp);
    let mut objects: Vec<&super::model::Object> = cl
        .objects
        .iter()
        .filter(|o| RESOURCES.contains(&o.resource.as_str()) || (o.resource == "configmap" && o.name == CONFIG_MAP))
        .collect();
    objects.sort_by(|a, b| (&a.resource, &a.namespace, &a.name).cmp(&(&b.resource, &b.namespace, &b.name)));
    objects.iter().map(|o| o.body.clone()).collect()
}

fn listing(ctx: &Ctx, cp: &str, resources: &[&str]) -> Value {
    let cl = cluster(ctx, cp);
    let mut items = Vec::new();
    for res in resources {
        let mut objects: Vec<&super::model::Object> = cl.objects.iter().filter(|o| o.resource == *res).collect();
        objects.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
        items.extend(objects.iter().map(|o| crate::util::sort_keys(&o.body)));
    }
    super::render::list(items)
}

/// One pass; the line the script prints when it changed the hosts file.
pub fn reconcile(ctx: &mut Ctx, cp: &str, query: &str, program: &str) -> Result<Option<String>, String> {
    let cl = cluster(ctx, cp);
    let Some(i) = cl.find("configmap", Some("kube-system"), CONFIG_MAP) else { return Ok(None) };
    let zone = cl.objects[i].body["data"]["zone"].as_str().unwrap_or_default().to_string();
    if zone.is_empty() {
        return Ok(None);
    }
    let current = cl.objects[i].body["data"]["hosts"].as_str().unwrap_or_default().trim_end_matches('\n').to_string();
    let routes_served = cl.find(CRD, None, "httproutes.gateway.networking.k8s.io").is_some()
        && cl.find(CRD, None, "gateways.gateway.networking.k8s.io").is_some();
    let eval = |v: &Value| super::jsonpath::evaluate(query, v).map_err(|e| format!("error: {e}"));
    let ingresses = eval(&listing(ctx, cp, &RESOURCES[..1]))?;
    let routes = if routes_served { eval(&listing(ctx, cp, &RESOURCES[1..]))? } else { String::new() };
    let input = format!("{}\n{}\n", ingresses.trim_end_matches('\n'), routes.trim_end_matches('\n'));
    let hosts = super::kina_lb::awk_with(program, &["-v", &format!("zone={zone}")], &input)?;
    let hosts = hosts.trim_end_matches('\n').to_string();
    if hosts == current {
        return Ok(None);
    }
    let data: String = hosts.lines().map(|l| format!("{l}\n")).collect();
    let cl = ctx.state.containers.get_mut(cp).unwrap().node.cluster.as_mut().unwrap();
    let mut body = cl.objects[i].body.clone();
    body["data"]["hosts"] = json!(data);
    cl.update_object(i, body);
    Ok(Some(format!(
        "names under {zone}: {} Ingress and HTTPRoute hostnames",
        hosts.lines().filter(|l| !l.is_empty()).count()
    )))
}

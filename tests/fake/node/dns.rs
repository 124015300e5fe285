//! What a cluster's DNS answers on a node address and port, computed from the
//! cluster the fake holds, the way the real one would: kube-proxy forwards the
//! node port only when a NodePort (or LoadBalancer) Service has it, and that
//! Service reaches CoreDNS only when it selects CoreDNS's pods on port 53.
//! CoreDNS runs the Corefile its Deployment mounts (`-conf`), and a file that
//! Corefile names is read from the ConfigMap mounted at that path.
//!
//! CoreDNS, as far as kina relies on it (coredns/coredns `plugin.cfg`,
//! `plugin/hosts`, `plugin/k8s_external`): a query goes to the server block
//! of the longest zone that contains it; plugins run in `plugin.cfg`'s order
//! (`hosts`, `k8s_external`, `kubernetes`, `forward`), whatever the order in
//! the block; `hosts` answers its zones from its inline lines and its file and
//! passes a miss on only with `fallthrough`; `k8s_external` answers
//! `<service>.<namespace>.<zone>` with a Service's LoadBalancer ingress and
//! external IPs only when its block also has `kubernetes`, and is final.
//!
//! Tests reach it through `container __kina-test-dns IP PORT PROTO NAME`, a
//! fake-only command the test harness's UDP responder calls per query.

use super::model::{Cluster, Object};
use crate::store::State;
use serde_json::Value;

pub const COMMAND: &str = "__kina-test-dns";

/// A DNS answer: `NOERROR` with addresses, `NXDOMAIN`, `SERVFAIL`, `REFUSED`,
/// or `NOSERVER` when nothing listens at that address and port.
pub fn command(state: &State, args: &[String]) -> (String, Vec<String>) {
    let [ip, port, proto, name] = args else { return ("usage: IP PORT PROTO NAME".into(), vec![]) };
    let port: u64 = port.parse().unwrap_or(0);
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    match answer(state, ip, port, &proto.to_ascii_uppercase(), &name) {
        Ok(ips) => ("NOERROR".into(), ips),
        Err(code) => (code.into(), vec![]),
    }
}

fn cluster_at<'a>(state: &'a State, ip: &str) -> Option<&'a Cluster> {
    // kube-proxy serves a node port on each of the node's addresses: the runtime's
    // and a fixed one added inside the guest.
    let node = state.containers.values().find(|c| c.running() && state.addresses(c).iter().any(|(_, a)| a == ip))?;
    match &node.node.member_of {
        Some(cp) => state.containers.get(cp)?.node.cluster.as_ref(),
        None => node.node.cluster.as_ref(),
    }
}

fn objects<'a>(cluster: &'a Cluster, resource: &'a str) -> impl Iterator<Item = &'a Object> + 'a {
    cluster.objects.iter().filter(move |o| o.resource == resource)
}

fn answer(state: &State, ip: &str, port: u64, proto: &str, name: &str) -> Result<Vec<String>, &'static str> {
    let cluster = cluster_at(state, ip).ok_or("NOSERVER")?;
    let service = objects(cluster, "service")
        .find(|s| {
            matches!(s.body["spec"]["type"].as_str(), Some("NodePort" | "LoadBalancer"))
                && ports(&s.body).any(|p| p["protocol"] == proto && p["nodePort"].as_u64() == Some(port))
        })
        .ok_or("NOSERVER")?;
    let service_port = ports(&service.body).find(|p| p["protocol"] == proto && p["nodePort"].as_u64() == Some(port));
    let target =
        service_port.map(|p| if p["targetPort"].is_null() { p["port"].clone() } else { p["targetPort"].clone() });
    let coredns = coredns_serving(cluster, &service.body, proto, target.as_ref()).ok_or("NOSERVER")?;
    let conf = coredns["spec"]["template"]["spec"]["containers"][0]["args"]
        .as_array()
        .and_then(|a| a.windows(2).find(|w| w[0] == "-conf").and_then(|w| w[1].as_str().map(str::to_string)))
        .ok_or("NOSERVER")?;
    // CoreDNS does not start without its Corefile.
    let corefile = mounted(cluster, coredns, &conf).ok_or("NOSERVER")?;
    let blocks = parse(&corefile).map_err(|_| "NOSERVER")?;
    let (block, _) = blocks
        .iter()
        .flat_map(|b| b.zones.iter().filter(|(_, p)| *p == 53).map(move |(z, _)| (b, z)))
        .filter(|(_, zone)| within(name, zone))
        .max_by_key(|(_, zone)| zone.len())
        .ok_or("REFUSED")?;
    let block_zones: Vec<String> = block.zones.iter().map(|(z, _)| z.clone()).collect();
    for plugin in ["hosts", "k8s_external", "kubernetes", "forward"] {
        let Some(d) = block.directives.iter().find(|d| d.name == plugin) else { continue };
        match plugin {
            "hosts" => {
                let zones = if d.args.len() > 1 { d.args[1..].to_vec() } else { block_zones.clone() };
                if !zones.iter().any(|z| within(name, z)) {
                    continue;
                }
                let mut text: String = d.body.iter().map(|l| l.join(" ") + "\n").collect();
                if let Some(file) = d.args.first()
                    && let Some(content) = mounted(cluster, coredns, file)
                {
                    text.push_str(&content);
                }
                let ips = hosts_lookup(&text, name);
                if !ips.is_empty() {
                    return Ok(ips);
                }
                if !d.body.iter().any(|l| l.first().map(String::as_str) == Some("fallthrough")) {
                    return Err("NXDOMAIN");
                }
            }
            "k8s_external" => {
                let zones = if d.args.is_empty() { block_zones.clone() } else { d.args.clone() };
                let Some(zone) = zones.iter().find(|z| within(name, z)) else { continue };
                if !block.directives.iter().any(|d| d.name == "kubernetes") {
                    continue;
                }
                if name == zone.as_str() {
                    return Ok(vec![]);
                }
                let labels: Vec<&str> = name[..name.len() - zone.len() - 1].split('.').collect();
                let [svc, ns] = labels.as_slice() else { return Err("NXDOMAIN") };
                let service = objects(cluster, "service")
                    .find(|s| s.name == *svc && s.namespace.as_deref() == Some(*ns))
                    .ok_or("NXDOMAIN")?;
                let mut ips: Vec<String> = service.body["status"]["loadBalancer"]["ingress"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|i| i["ip"].as_str().map(str::to_string))
                    .collect();
                ips.extend(
                    service.body["spec"]["externalIPs"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|i| i.as_str().map(str::to_string)),
                );
                return if ips.is_empty() { Err("NXDOMAIN") } else { Ok(ips) };
            }
            // The cluster's own names are not emulated; the fake has no upstream.
            _ => return Err("SERVFAIL"),
        }
    }
    Err("SERVFAIL")
}

fn ports(service: &Value) -> impl Iterator<Item = &Value> {
    service["spec"]["ports"].as_array().into_iter().flatten()
}

/// The CoreDNS Deployment whose pods the Service selects on port 53.
fn coredns_serving<'a>(
    cluster: &'a Cluster,
    service: &Value,
    proto: &str,
    target: Option<&Value>,
) -> Option<&'a Value> {
    let selector = service["spec"]["selector"].as_object().filter(|s| !s.is_empty())?;
    let deployment = objects(cluster, "deployment.apps").map(|o| &o.body).find(|d| {
        let labels = &d["spec"]["template"]["metadata"]["labels"];
        selector.iter().all(|(k, v)| &labels[k] == v)
            && d["spec"]["template"]["spec"]["containers"][0]["args"]
                .as_array()
                .is_some_and(|a| a.iter().any(|x| x == "-conf"))
    })?;
    let container = &deployment["spec"]["template"]["spec"]["containers"][0];
    let port = match target? {
        Value::Number(n) => n.as_u64()?,
        Value::String(name) => container["ports"]
            .as_array()?
            .iter()
            .find(|p| p["name"] == name.as_str() && p["protocol"] == proto)?["containerPort"]
            .as_u64()?,
        _ => return None,
    };
    (port == 53).then_some(deployment)
}

/// A file as CoreDNS's container sees it: from the ConfigMap mounted over its path.
fn mounted(cluster: &Cluster, deployment: &Value, path: &str) -> Option<String> {
    let spec = &deployment["spec"]["template"]["spec"];
    let mount = spec["containers"][0]["volumeMounts"].as_array()?.iter().find_map(|m| {
        let dir = m["mountPath"].as_str()?.trim_end_matches('/');
        let rest = path.strip_prefix(dir)?.strip_prefix('/')?;
        Some((m["name"].as_str()?.to_string(), rest.to_string()))
    })?;
    let volume = spec["volumes"].as_array()?.iter().find(|v| v["name"] == mount.0.as_str())?;
    let config_map = volume["configMap"]["name"].as_str()?;
    let key = match volume["configMap"]["items"].as_array() {
        Some(items) => items.iter().find(|i| i["path"] == mount.1.as_str())?["key"].as_str()?.to_string(),
        None => mount.1,
    };
    let object = objects(cluster, "configmap")
        .find(|o| o.name == config_map && o.namespace.as_deref() == Some("kube-system"))?;
    object.body["data"][&key].as_str().map(str::to_string)
}

fn within(name: &str, zone: &str) -> bool {
    zone == "." || name == zone || name.ends_with(&format!(".{zone}"))
}

/// The addresses of `name` in a hosts file (`IP NAME [ALIAS...]`, `#` comments).
fn hosts_lookup(text: &str, name: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.split('#').next().unwrap_or_default())
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            let ip = words.next()?.parse::<std::net::IpAddr>().ok()?;
            words.any(|w| w.trim_end_matches('.').eq_ignore_ascii_case(name)).then(|| ip.to_string())
        })
        .collect()
}

struct Directive {
    name: String,
    args: Vec<String>,
    /// The lines of its `{ }` block, as words.
    body: Vec<Vec<String>>,
}

struct Block {
    /// Each key as (zone, port); zones end without a dot, except the root `.`.
    zones: Vec<(String, u64)>,
    directives: Vec<Directive>,
}

/// A Corefile's server blocks (one directive per line, as kina and kubeadm write them).
fn parse(text: &str) -> Result<Vec<Block>, String> {
    let mut blocks = Vec::new();
    let mut lines = text.lines().map(|l| l.split('#').next().unwrap_or_default().trim()).filter(|l| !l.is_empty());
    while let Some(line) = lines.next() {
        let header = line.strip_suffix('{').ok_or_else(|| format!("expected a server block, got {line:?}"))?;
        let zones = header
            .split_whitespace()
            .map(|key| {
                let key = key.strip_prefix("dns://").unwrap_or(key);
                let (zone, port) = match key.rsplit_once(':') {
                    Some((z, p)) => (z, p.parse().map_err(|_| format!("bad port in {key:?}"))?),
                    None => (key, 53),
                };
                let zone = if zone == "." { ".".to_string() } else { zone.trim_end_matches('.').to_ascii_lowercase() };
                Ok((zone, port))
            })
            .collect::<Result<Vec<_>, String>>()?;
        let mut directives = Vec::new();
        loop {
            let line = lines.next().ok_or("a server block is not closed")?;
            if line == "}" {
                break;
            }
            let (words, opens) = match line.strip_suffix('{') {
                Some(w) => (w, true),
                None => (line, false),
            };
            let mut words = words.split_whitespace().map(str::to_string);
            let name = words.next().ok_or("an empty directive")?;
            let mut directive = Directive { name, args: words.collect(), body: Vec::new() };
            if opens {
                loop {
                    let inner = lines.next().ok_or("a plugin block is not closed")?;
                    if inner == "}" {
                        break;
                    }
                    directive.body.push(inner.split_whitespace().map(str::to_string).collect());
                }
            }
            directives.push(directive);
        }
        blocks.push(Block { zones, directives });
    }
    Ok(blocks)
}

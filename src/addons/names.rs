//! `names` (alias `dns`): names on the Mac under the cluster's zone
//! (`<cluster>.kina.internal`): `<service>.<namespace>.<zone>` for Services
//! with a LoadBalancer address (CoreDNS's `k8s_external`), and the Ingress and
//! HTTPRoute hostnames under the zone (a hosts file kina-lb keeps). CoreDNS
//! answers the Mac on a node port of the control plane; the Mac's resolver
//! file sends the zone's queries there.

use serde_json::json;

use super::Cx;
use super::addon::{Addon, Facts, Probe, Step};
use super::kubectl::Wait;
use crate::dns::{self, corefile, resolver};
use crate::exec::ProcessRunner;

const ADDON: &str = "names";
const OBJECTS: &str = include_str!("names.yaml");
const COREDNS: &str = "coredns";
/// The volume that mounts [`dns::CONFIG_MAP`] into CoreDNS's pods.
const VOLUME: &str = "kina-names";

const FACTS: Facts = Facts {
    waits: &[Wait::Rollout { resource: "deployment", namespace: dns::NAMESPACE, name: COREDNS }],
    ..Facts::of(ADDON, Probe::Object { resource: "configmap", namespace: Some(dns::NAMESPACE), name: dns::CONFIG_MAP })
};

pub(super) struct Names;

impl Addon for Names {
    fn facts(&self) -> &'static Facts {
        &FACTS
    }

    fn install<'a>(&'a self, cx: &'a Cx<'_>, _version: &'a str, _pinned: bool) -> Step<'a> {
        Box::pin(install(cx))
    }

    fn reach<'a>(&'a self, cx: &'a Cx<'_>) -> Step<'a> {
        Box::pin(reach(cx))
    }

    fn uninstall<'a>(&'a self, cx: &'a Cx<'_>, _version: &'a str, _pinned: bool) -> Step<'a> {
        Box::pin(uninstall(cx))
    }
}

fn objects(zone: &str) -> String {
    OBJECTS.replace("@ZONE@", zone).replace("@NODE_PORT@", &dns::NODE_PORT.to_string())
}

async fn install(cx: &Cx<'_>) -> anyhow::Result<()> {
    let zone = dns::zone(&cx.cluster);
    cx.apply(&objects(&zone), false).await?;
    let corefile = cx.field("configmap", Some(dns::NAMESPACE), COREDNS, "{.data.Corefile}").await?;
    let corefile_changed = !corefile::serves(&corefile, &zone);
    if corefile_changed {
        let patch = json!({"data": {"Corefile": corefile::with_zone(&corefile, &zone)}}).to_string();
        cx.kubectl(&["patch", "configmap", COREDNS, "--namespace", dns::NAMESPACE, "--type=merge", "-p", &patch])
            .await?;
    }
    let mounted = volume_index(cx, "{.spec.template.spec.volumes[*].name}").await?.is_some();
    if !mounted {
        // A JSON patch, not a strategic merge: it adds exactly these two entries.
        let patch = json!([
            {"op": "add", "path": "/spec/template/spec/volumes/-",
             "value": {"name": VOLUME, "configMap": {"name": dns::CONFIG_MAP, "optional": true}}},
            {"op": "add", "path": "/spec/template/spec/containers/0/volumeMounts/-",
             "value": {"name": VOLUME, "mountPath": dns::HOSTS_DIR, "readOnly": true}},
        ])
        .to_string();
        cx.kubectl(&["patch", "deployment", COREDNS, "--namespace", dns::NAMESPACE, "--type=json", "-p", &patch])
            .await?;
    } else if corefile_changed {
        // The pods would see the new Corefile only after the kubelet's next
        // sync (up to a minute): restart them instead.
        cx.kubectl(&["rollout", "restart", "deployment", COREDNS, "--namespace", dns::NAMESPACE]).await?;
    }
    write_resolver(cx, &zone).await
}

/// The Mac's resolver file for the zone, at the control plane's address.
async fn write_resolver(cx: &Cx<'_>, zone: &str) -> anyhow::Result<()> {
    let ip = dns::node_address(&cx.nodes).ok_or_else(|| anyhow::anyhow!("{} has no address", cx.control_plane()))?;
    let text = resolver::content(&cx.cluster, zone, &ip.to_string(), dns::NODE_PORT);
    let mode = resolver::Mode::resolve(cx.resolver)?;
    cx.printer.pause();
    let written = resolver::write(&ProcessRunner, cx.printer, mode, zone, &text).await;
    cx.printer.resume();
    written?;
    Ok(())
}

/// The index of the `kina-names` entry in the list `path` names.
async fn volume_index(cx: &Cx<'_>, path: &str) -> anyhow::Result<Option<usize>> {
    let names = cx.field("deployment", Some(dns::NAMESPACE), COREDNS, path).await?;
    Ok(names.split_whitespace().position(|n| n == VOLUME))
}

/// The names it serves now, as URLs.
async fn reach(cx: &Cx<'_>) -> anyhow::Result<()> {
    let zone = dns::zone(&cx.cluster);
    cx.printer.info(&format!(
        "Names under {zone}: <service>.<namespace>.{zone} for each Service with a LoadBalancer address, \
         and Ingress and HTTPRoute hostnames under {zone}"
    ));
    let query = "{range .items[?(@.spec.type==\"LoadBalancer\")]}{.metadata.name}{\"\\t\"}{.metadata.namespace}\
                 {\"\\t\"}{.status.loadBalancer.ingress[*].ip}{\"\\t\"}{.spec.ports[0].port}{\"\\n\"}{end}";
    let out = cx.kubectl(&["get", "services", "--all-namespaces", &format!("-o=jsonpath={query}")]).await?;
    for line in out.stdout.lines() {
        let fields: Vec<&str> = line.split('\t').collect();
        if let [name, namespace, ip, port] = fields.as_slice()
            && !ip.trim().is_empty()
        {
            let port: u16 = port.trim().parse().unwrap_or(80);
            cx.printer.info(&format!(" • {}", dns::url(&dns::service_name(name, namespace, &zone), port)));
        }
    }
    Ok(())
}

/// Takes kina's block out of the Corefile and the mount out of CoreDNS,
/// deletes its objects, and removes the Mac's resolver file.
async fn uninstall(cx: &Cx<'_>) -> anyhow::Result<()> {
    let zone = dns::zone(&cx.cluster);
    let corefile = cx.field("configmap", Some(dns::NAMESPACE), COREDNS, "{.data.Corefile}").await?;
    let without = corefile::without_zone(&corefile);
    if without != corefile {
        let patch = json!({"data": {"Corefile": without}}).to_string();
        cx.kubectl(&["patch", "configmap", COREDNS, "--namespace", dns::NAMESPACE, "--type=merge", "-p", &patch])
            .await?;
    }
    let volume = volume_index(cx, "{.spec.template.spec.volumes[*].name}").await?;
    let mount = volume_index(cx, "{.spec.template.spec.containers[0].volumeMounts[*].name}").await?;
    let mut removals = Vec::new();
    if let Some(i) = mount {
        removals.push(json!({"op": "remove", "path": format!("/spec/template/spec/containers/0/volumeMounts/{i}")}));
    }
    if let Some(i) = volume {
        removals.push(json!({"op": "remove", "path": format!("/spec/template/spec/volumes/{i}")}));
    }
    if !removals.is_empty() {
        let patch = serde_json::Value::Array(removals).to_string();
        cx.kubectl(&["patch", "deployment", COREDNS, "--namespace", dns::NAMESPACE, "--type=json", "-p", &patch])
            .await?;
    }
    cx.delete(&objects(&zone)).await?;
    let mode = resolver::Mode::resolve(cx.resolver)?;
    cx.printer.pause();
    let removed = resolver::remove(&ProcessRunner, cx.printer, mode, &zone).await;
    cx.printer.resume();
    removed?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_objects_name_the_zone_and_one_node_port_for_udp_and_tcp() {
        let text = objects("dev.kina.internal");
        assert!(text.contains("zone: \"dev.kina.internal\""));
        assert_eq!(text.matches("nodePort: 30053").count(), 2);
        assert!(!text.contains('@'));
    }

    #[test]
    fn urls_leave_out_port_80() {
        assert_eq!(dns::url("web.default.kina.kina.internal", 80), "http://web.default.kina.kina.internal/");
        assert_eq!(dns::url("h.kube-system.kina.kina.internal", 4466), "http://h.kube-system.kina.kina.internal:4466/");
    }
}

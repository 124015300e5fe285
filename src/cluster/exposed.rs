//! What `kina list -o wide|json` adds per running cluster: its Services of
//! type LoadBalancer with their addresses, and the names of `kina install
//! names` (the zone, whether the Mac's resolver file is there, the Ingress
//! and HTTPRoute hostnames). Two kubectl calls in the control plane per
//! running cluster; the plain table makes none.

use std::time::Duration;

use futures_util::future::join_all;
use serde::Serialize;

use super::summary::ClusterSummary;
use crate::node::kubectl;
use crate::output::Printer;
use crate::provider::{NodeHandle, Provider};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LoadBalancer {
    pub namespace: String,
    pub name: String,
    /// The node address kina-lb gave it; None while pending.
    pub address: Option<String>,
    /// `80/TCP`, ...
    pub ports: Vec<String>,
    /// `<service>.<namespace>.<zone>` with `names`.
    pub dns_name: Option<String>,
    /// What to open on the Mac (the first TCP port), once it has an address.
    pub url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Names {
    pub zone: String,
    /// The Mac's resolver file, when it exists (kina asks before writing it).
    pub resolver_file: Option<String>,
    /// Ingress and HTTPRoute hostnames under the zone, as `name ip`.
    pub hosts: Vec<String>,
}

const SERVICES: &str = "{range .items[?(@.spec.type==\"LoadBalancer\")]}{.metadata.namespace}{\"\\t\"}{.metadata.name}\
{\"\\t\"}{range .status.loadBalancer.ingress[*]}{.ip},{end}{\"\\t\"}{range .spec.ports[*]}{.port}/{.protocol},{end}{\"\\n\"}{end}";
const NAMES: &str = "{.data.zone}{\"\\n\"}{.data.hosts}";
const TIMEOUT: Duration = Duration::from_secs(30);

/// Fills in each running cluster's LoadBalancer Services and names.
pub(crate) async fn fill<P: Provider>(provider: &P, printer: &Printer, clusters: &mut [ClusterSummary]) {
    let found = join_all(clusters.iter().map(|c| read(provider, c))).await;
    for (cluster, found) in clusters.iter_mut().zip(found) {
        match found {
            Ok(Some((lbs, names))) => {
                cluster.load_balancers = Some(lbs);
                cluster.names = names;
            }
            Ok(None) => {}
            Err(err) => printer
                .info(&format!("Could not read the LoadBalancer Services of cluster {:?}: {err:#}", cluster.name)),
        }
    }
}

type Found = (Vec<LoadBalancer>, Option<Names>);

async fn read<P: Provider>(provider: &P, cluster: &ClusterSummary) -> anyhow::Result<Option<Found>> {
    let Some(cp) = cluster.nodes.iter().find(|n| n.role == "control-plane" && n.state == "running") else {
        return Ok(None);
    };
    let node = provider.node(&cp.name);
    let services =
        kubectl(["get", "services", "--all-namespaces", &format!("-o=jsonpath={SERVICES}")]).timeout(TIMEOUT);
    let names = kubectl([
        "get",
        "configmap",
        crate::dns::CONFIG_MAP,
        "--namespace",
        crate::dns::NAMESPACE,
        "--ignore-not-found",
        &format!("-o=jsonpath={NAMES}"),
    ])
    .timeout(TIMEOUT);
    let (services, names) = futures_util::future::join(node.run_checked(&services), node.run_checked(&names)).await;
    let names = parse_names(&names?.stdout);
    let zone = names.as_ref().map(|n| n.zone.as_str());
    Ok(Some((parse_services(&services?.stdout, zone), names)))
}

fn parse_names(text: &str) -> Option<Names> {
    let mut lines = text.lines();
    let zone = lines.next().map(str::trim).filter(|z| !z.is_empty())?.to_string();
    let resolver = crate::dns::resolver::path(&zone);
    Some(Names {
        resolver_file: resolver.exists().then(|| resolver.display().to_string()),
        hosts: lines
            .filter_map(|l| {
                let mut w = l.split_whitespace();
                let (ip, name) = (w.next()?, w.next()?);
                Some(format!("{name} {ip}"))
            })
            .collect(),
        zone,
    })
}

fn parse_services(text: &str, zone: Option<&str>) -> Vec<LoadBalancer> {
    text.lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            let [namespace, name, ips, ports] = fields.as_slice() else { return None };
            let address = ips.split(',').find(|ip| !ip.is_empty()).map(str::to_string);
            let ports: Vec<String> = ports.split(',').filter(|p| !p.is_empty()).map(str::to_string).collect();
            let dns_name = zone.map(|z| crate::dns::service_name(name, namespace, z));
            let tcp = ports.iter().find_map(|p| p.strip_suffix("/TCP")?.parse::<u16>().ok());
            let url = match (&address, tcp) {
                (Some(ip), Some(port)) => Some(crate::dns::url(dns_name.as_deref().unwrap_or(ip), port)),
                _ => None,
            };
            Some(LoadBalancer {
                namespace: namespace.to_string(),
                name: name.to_string(),
                address,
                ports,
                dns_name,
                url,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn services_get_urls_by_name_when_the_cluster_has_names() {
        let text = "default\tweb\t192.168.64.3,\t8080/TCP,\nkube-system\tdns\t\t53/UDP,\n";
        let lbs = parse_services(text, Some("kina.kina.internal"));
        assert_eq!(lbs[0].url.as_deref(), Some("http://web.default.kina.kina.internal:8080/"));
        assert_eq!(lbs[0].dns_name.as_deref(), Some("web.default.kina.kina.internal"));
        assert_eq!(lbs[1].address, None);
        assert_eq!(lbs[1].url, None);
        let lbs = parse_services(text, None);
        assert_eq!(lbs[0].url.as_deref(), Some("http://192.168.64.3:8080/"));
        assert_eq!(lbs[0].dns_name, None);
    }

    #[test]
    fn names_list_the_zone_and_its_hostnames() {
        let names = parse_names("dev.kina.internal\n192.168.64.3 web.dev.kina.internal\n").unwrap();
        assert_eq!(names.zone, "dev.kina.internal");
        assert_eq!(names.hosts, ["web.dev.kina.internal 192.168.64.3"]);
        assert_eq!(parse_names(""), None);
    }
}

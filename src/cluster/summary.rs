//! `kina list`: one line per cluster, from a single `container list`.

use serde::Serialize;

use crate::provider::Node;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ClusterSummary {
    pub name: String,
    /// `running`, `stopped`, or `degraded` when only some nodes run.
    pub state: String,
    pub kubernetes_version: Option<String>,
    pub api_server: Option<String>,
    pub nodes: Vec<NodeSummary>,
    /// Services of type LoadBalancer (`-o wide|json`, running clusters only; else null).
    pub load_balancers: Option<Vec<super::exposed::LoadBalancer>>,
    /// `kina install names` (`-o wide|json`): its zone, resolver file and hostnames.
    pub names: Option<super::exposed::Names>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct NodeSummary {
    pub name: String,
    pub role: String,
    pub state: String,
    pub ip: Option<String>,
    /// TCP ports published on the Mac, as `host:port->port/tcp` (the API
    /// server's and `extraPortMappings`).
    pub ports: Vec<String>,
}

pub(crate) fn summarize(nodes: &[Node]) -> Vec<ClusterSummary> {
    super::delete::cluster_names(nodes)
        .into_iter()
        .map(|cluster| {
            let mut members: Vec<&Node> = nodes.iter().filter(|n| n.cluster == cluster).collect();
            members.sort_by(|a, b| a.name.cmp(&b.name));
            let running = members.iter().filter(|n| n.is_running()).count();
            let state = match running {
                0 => "stopped",
                n if n == members.len() => "running",
                _ => "degraded",
            };
            let control_plane = members.iter().find(|n| n.is_control_plane());
            ClusterSummary {
                state: state.to_string(),
                kubernetes_version: control_plane.and_then(|n| n.kubernetes_version.clone()),
                api_server: control_plane.and_then(|n| n.api_server_endpoint.as_ref()).map(|e| format!("https://{e}")),
                nodes: members
                    .iter()
                    .map(|n| NodeSummary {
                        name: n.name.clone(),
                        role: n.role_text().to_string(),
                        state: n.state.to_string(),
                        ip: n.ipv4.map(|ip| ip.to_string()),
                        ports: n.published_tcp.iter().map(|(port, on_mac)| format!("{on_mac}->{port}/tcp")).collect(),
                    })
                    .collect(),
                name: cluster,
                load_balancers: None,
                names: None,
            }
        })
        .collect()
}

/// The table `kina list` prints; `wide` adds the ports published on the Mac,
/// the LoadBalancer Services (with their URL) and the zone of `names`.
pub(crate) fn table(clusters: &[ClusterSummary], wide: bool) -> String {
    let rows: Vec<Vec<String>> = clusters
        .iter()
        .map(|c| {
            let mut row = vec![
                c.name.clone(),
                c.nodes.iter().map(|n| n.name.as_str()).collect::<Vec<_>>().join(","),
                c.state.clone(),
                c.kubernetes_version.clone().unwrap_or_else(|| "-".into()),
                c.api_server.clone().unwrap_or_else(|| "-".into()),
            ];
            if wide {
                let ports: Vec<&str> = c.nodes.iter().flat_map(|n| &n.ports).map(String::as_str).collect();
                row.push(if ports.is_empty() { "-".into() } else { ports.join(",") });
                let lbs: Vec<String> = c
                    .load_balancers
                    .iter()
                    .flatten()
                    .map(|lb| {
                        let at = lb.url.clone().or_else(|| lb.address.clone()).unwrap_or_else(|| "<pending>".into());
                        format!("{}/{}={at}", lb.namespace, lb.name)
                    })
                    .collect();
                row.push(if lbs.is_empty() { "-".into() } else { lbs.join(",") });
                row.push(match &c.names {
                    Some(n) if n.resolver_file.is_some() => format!("*.{}", n.zone),
                    Some(n) => format!("*.{} (no resolver file)", n.zone),
                    None => "-".into(),
                });
            }
            row
        })
        .collect();
    let mut header: Vec<String> = ["NAME", "NODES", "STATE", "KUBERNETES", "API SERVER"].map(String::from).to_vec();
    if wide {
        header.extend(["PORTS", "LOAD BALANCERS", "NAMES"].map(String::from));
    }
    let mut widths: Vec<usize> = header.iter().map(String::len).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    std::iter::once(&header)
        .chain(&rows)
        .map(|row| {
            let cells: Vec<String> = row.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
            format!("{}\n", cells.join("   ").trim_end())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::node::sample as node;

    #[test]
    fn groups_nodes_and_derives_state() {
        let nodes = vec![
            node("b-control-plane", "b", "control-plane", "stopped"),
            node("a-worker", "a", "worker", "stopped"),
            node("a-control-plane", "a", "control-plane", "running"),
        ];
        let clusters = summarize(&nodes);
        assert_eq!(clusters.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(clusters[0].state, "degraded");
        assert_eq!(clusters[0].nodes[0].name, "a-control-plane");
        assert_eq!(clusters[0].api_server.as_deref(), Some("https://127.0.0.1:6445"));
        assert_eq!(clusters[1].state, "stopped");
        assert_eq!(
            table(&clusters, false),
            "NAME   NODES                      STATE      KUBERNETES   API SERVER\n\
             a      a-control-plane,a-worker   degraded   v1.35.5      https://127.0.0.1:6445\n\
             b      b-control-plane            stopped    v1.35.5      https://127.0.0.1:6445\n"
        );
        assert_eq!(
            table(&clusters, true).lines().nth(1).unwrap(),
            "a      a-control-plane,a-worker   degraded   v1.35.5      https://127.0.0.1:6445   127.0.0.1:6445->6443/tcp   -                -"
        );
    }

    #[test]
    fn json_schema_is_camel_case() {
        let json =
            serde_json::to_value(summarize(&[node("a-control-plane", "a", "control-plane", "running")])).unwrap();
        assert_eq!(json[0]["kubernetesVersion"], "v1.35.5");
        assert_eq!(json[0]["apiServer"], "https://127.0.0.1:6445");
        assert_eq!(json[0]["nodes"][0]["ip"], "192.168.64.3");
        assert_eq!(json[0]["nodes"][0]["ports"], serde_json::json!(["127.0.0.1:6445->6443/tcp"]));
    }
}

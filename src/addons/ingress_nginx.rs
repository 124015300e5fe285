//! `ingress-nginx`: the final release's (v1.15.1) kind provider manifest.
//! Its controller listens on hostPort 80/443 and its Service is of type
//! LoadBalancer, which kina-lb gives the address of the node it runs on.

use serde_json::json;

use super::addon::{Addon, Facts, Probe, Service, Step, Upstream};
use super::catalog::Remote;
use super::kubectl::Wait;
use super::manifest::Manifest;
use super::{AddonError, Cx, load_balancer};

const ADDON: &str = "ingress-nginx";
const NAMESPACE: &str = "ingress-nginx";
const CONTROLLER: &str = "ingress-nginx-controller";
const SERVICE: Service<'static> = Service { namespace: NAMESPACE, name: CONTROLLER };

/// kind's convention for the node that publishes ports 80/443 on the host
/// (extraPortMappings); manifests since v1.13 no longer select it themselves.
const INGRESS_READY: &str = "ingress-ready";

const FACTS: Facts = Facts {
    upstream: &[Upstream::chosen(Remote {
        url: "https://raw.githubusercontent.com/kubernetes/ingress-nginx/controller-{version}/deploy/static/provider/kind/deploy.yaml",
        sha256: Some("2a3ae008c8786431115502644e77ab398fdebfb721a5d1195ed3089cde3299df"),
    })],
    // The admission Jobs delete themselves when done (ttlSecondsAfterFinished: 0),
    // so they cannot be waited on; the controller mounts the certificate the
    // first one makes, so it rolls out only after that Job did its work.
    waits: &[Wait::Rollout { resource: "deployment", namespace: NAMESPACE, name: CONTROLLER }],
    service: Some(SERVICE),
    edit: Some(publish_the_service),
    ..Facts::of(ADDON, Probe::Object { resource: "deployment", namespace: Some(NAMESPACE), name: CONTROLLER })
};

pub(super) struct IngressNginx;

impl Addon for IngressNginx {
    fn facts(&self) -> &'static Facts {
        &FACTS
    }

    fn check<'a>(&'a self, cx: &'a Cx<'_>) -> Step<'a> {
        Box::pin(async move {
            cx.printer.warn(
                "ingress-nginx is retired upstream (final release v1.15.1, March 2026) and gets no more fixes; \
                 for new work use `kina install gateway` (Gateway API)",
            );
            Ok(())
        })
    }

    fn fit<'a>(&'a self, cx: &'a Cx<'_>, manifest: String) -> Step<'a, String> {
        Box::pin(async move {
            let labelled = cx.kubectl(&["get", "nodes", "--selector=ingress-ready=true", "-o=name"]).await?.stdout;
            if labelled.trim().is_empty() { Ok(manifest) } else { on_ingress_ready_nodes(&manifest) }
        })
    }

    fn reach<'a>(&'a self, cx: &'a Cx<'_>) -> Step<'a> {
        Box::pin(reach(cx))
    }
}

/// kind's manifest has the controller write `localhost` into each Ingress's
/// status (`--publish-status-address=localhost`); kina has it publish its
/// Service's LoadBalancer address instead, as upstream's cloud manifests do,
/// so `kubectl get ingress` shows the node address and `names` can serve
/// Ingress hostnames at it.
fn publish_the_service(manifest: &mut Manifest, _version: &str) -> Result<(), AddonError> {
    let controller = manifest.container("Deployment", CONTROLLER, "controller")?;
    if let Some(args) = controller["args"].as_array_mut() {
        args.retain(|a| !a.as_str().is_some_and(|a| a.starts_with("--publish-status-address=")));
    }
    super::manifest::add_arg(controller, &format!("--publish-service={NAMESPACE}/{CONTROLLER}"));
    Ok(())
}

/// `127.0.0.1:8080` → `http://localhost:8080/`, `127.0.0.1:443` → `https://localhost/`.
fn mac_url(scheme: &str, endpoint: &str) -> String {
    let (host, port) = endpoint.rsplit_once(':').unwrap_or((endpoint, ""));
    let host = match host {
        "127.0.0.1" => "localhost".to_string(),
        v6 if v6.contains(':') && !v6.starts_with('[') => format!("[{v6}]"),
        other => other.to_string(),
    };
    let default = (scheme == "http" && port == "80") || (scheme == "https" && port == "443");
    if default || port.is_empty() { format!("{scheme}://{host}/") } else { format!("{scheme}://{host}:{port}/") }
}

/// Runs the controller on the nodes labelled `ingress-ready=true`, where
/// kind's ingress guide publishes ports 80 and 443 on the Mac.
pub(super) fn on_ingress_ready_nodes(upstream: &str) -> anyhow::Result<String> {
    let mut manifest = Manifest::parse(ADDON, upstream)?;
    let controller = manifest.object("Deployment", CONTROLLER)?;
    controller["spec"]["template"]["spec"]["nodeSelector"][INGRESS_READY] = json!("true");
    Ok(manifest.render())
}

async fn reach(cx: &Cx<'_>) -> anyhow::Result<()> {
    let ip = load_balancer::address(cx, ADDON, SERVICE).await?;
    cx.printer.info(&format!("Ingress objects answer at http://{ip}/ and https://{ip}/ (ports 80 and 443 of a node)"));
    // The address is the node the controller runs on; its hostPorts are what
    // the node's published ports reach.
    let node = cx.nodes.iter().find(|n| n.ipv4.is_some_and(|a| a.to_string() == ip));
    let published = |port: u16| {
        node.and_then(|n| n.published_tcp.iter().find(|(p, _)| *p == port)).map(|(_, endpoint)| endpoint.clone())
    };
    match (published(80), published(443)) {
        (Some(http), https) => {
            let https = https.map(|e| format!(" and {}", mac_url("https", &e))).unwrap_or_default();
            cx.printer.info(&format!("and on this Mac at {}{https}", mac_url("http", &http)));
        }
        _ => cx.printer.info(&format!(
            "To use http://localhost/ as well, create the cluster with extraPortMappings for containerPort 80 and 443 \
             on a node labelled ingress-ready=true ({})",
            crate::build_info::docs_link("addons.md")
        )),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_ports_read_as_mac_urls() {
        assert_eq!(mac_url("http", "127.0.0.1:80"), "http://localhost/");
        assert_eq!(mac_url("https", "127.0.0.1:443"), "https://localhost/");
        assert_eq!(mac_url("http", "127.0.0.1:8080"), "http://localhost:8080/");
        assert_eq!(mac_url("https", "192.168.1.5:8443"), "https://192.168.1.5:8443/");
        assert_eq!(mac_url("http", "::1:8080"), "http://[::1]:8080/");
    }

    #[test]
    fn the_controller_can_be_pinned_to_ingress_ready_nodes() {
        let upstream = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ingress-nginx-controller\n  namespace: ingress-nginx\nspec:\n  template:\n    spec:\n      nodeSelector:\n        kubernetes.io/os: linux\n      containers: []\n";
        let out = on_ingress_ready_nodes(upstream).unwrap();
        let docs: Vec<serde_json::Value> = crate::yaml::from_multiple(&out).unwrap();
        let selector = &docs[0]["spec"]["template"]["spec"]["nodeSelector"];
        assert_eq!(selector, &json!({"kubernetes.io/os": "linux", "ingress-ready": "true"}));
    }
}

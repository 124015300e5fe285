//! `headlamp` (alias `dashboard`: the Kubernetes dashboard is archived
//! upstream): the web UI on a LoadBalancer address, with a cluster-admin
//! ServiceAccount to log in with.

use serde_json::json;

use super::addon::{Addon, Facts, Probe, Service, Step, Upstream};
use super::catalog::Remote;
use super::kubectl::Wait;
use super::manifest::Manifest;
use super::{AddonError, Cx, load_balancer};
use crate::node::KUBECONFIG_FLAG;

const ADDON: &str = "headlamp";
const NAMESPACE: &str = "kube-system";
const NAME: &str = "headlamp";
const SERVICE: Service<'static> = Service { namespace: NAMESPACE, name: NAME };
/// Headlamp's own port: 80 stays free for a gateway or an ingress on the same node.
pub(super) const PORT: u16 = 4466;
const LOGIN: &str = include_str!("headlamp.yaml");

/// Upstream's manifest runs `:latest`; kina runs the release it pinned.
const IMAGE: &str = "ghcr.io/headlamp-k8s/headlamp";

const FACTS: Facts = Facts {
    upstream: &[Upstream::chosen(Remote {
        url: "https://raw.githubusercontent.com/kubernetes-sigs/headlamp/{version}/kubernetes-headlamp.yaml",
        sha256: Some("9a893b6ce1f14660f76c5d79848e64979944125406e762f76278143cd2b863a2"),
    })],
    edit: Some(load_balanced_and_pinned),
    waits: &[Wait::Rollout { resource: "deployment", namespace: NAMESPACE, name: NAME }],
    service: Some(SERVICE),
    ..Facts::of(ADDON, Probe::Object { resource: "deployment", namespace: Some(NAMESPACE), name: NAME })
};

pub(super) struct Headlamp;

impl Addon for Headlamp {
    fn facts(&self) -> &'static Facts {
        &FACTS
    }

    fn reach<'a>(&'a self, cx: &'a Cx<'_>) -> Step<'a> {
        Box::pin(reach(cx))
    }
}

/// A LoadBalancer Service on Headlamp's port, the pinned image, and a
/// ServiceAccount to log in with.
fn load_balanced_and_pinned(manifest: &mut Manifest, version: &str) -> Result<(), AddonError> {
    manifest.container("Deployment", NAME, NAME)?["image"] = json!(format!("{IMAGE}:{version}"));
    let service = manifest.object("Service", NAME)?;
    service["spec"]["type"] = json!("LoadBalancer");
    if let Some(ports) = service["spec"]["ports"].as_array_mut() {
        for port in ports.iter_mut().take(1) {
            port["port"] = json!(PORT);
        }
    }
    manifest.extend(LOGIN)
}

async fn reach(cx: &Cx<'_>) -> anyhow::Result<()> {
    let ip = load_balancer::address(cx, ADDON, SERVICE).await?;
    cx.printer.info(&format!("Headlamp: http://{ip}:{PORT}/"));
    cx.printer.info(&format!(
        "Log in with a token (valid for an hour) from `kubectl --context {} create token headlamp-admin --namespace kube-system`, \
         or without kubectl on the Mac: `container exec {} kubectl {KUBECONFIG_FLAG} create token headlamp-admin --namespace kube-system`",
        cx.context(),
        cx.control_plane()
    ));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const UPSTREAM_TEXT: &str = "apiVersion: v1\nkind: Service\nmetadata:\n  name: headlamp\n  namespace: kube-system\nspec:\n  ports:\n  - port: 80\n    targetPort: 4466\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: headlamp\n  namespace: kube-system\nspec:\n  template:\n    spec:\n      containers:\n      - name: headlamp\n        image: ghcr.io/headlamp-k8s/headlamp:latest\n";

    #[test]
    fn the_service_is_a_load_balancer_on_headlamps_port_and_the_image_is_pinned() {
        let out = Headlamp.render(UPSTREAM_TEXT, "v0.45.0").unwrap();
        let docs: Vec<serde_json::Value> = crate::yaml::from_multiple(&out).unwrap();
        assert_eq!(docs[0]["spec"]["type"], "LoadBalancer");
        assert_eq!(docs[0]["spec"]["ports"][0]["port"], 4466);
        assert_eq!(docs[0]["spec"]["ports"][0]["targetPort"], 4466);
        assert_eq!(
            docs[1]["spec"]["template"]["spec"]["containers"][0]["image"],
            "ghcr.io/headlamp-k8s/headlamp:v0.45.0"
        );
        assert!(docs.iter().any(|d| d["kind"] == "ServiceAccount" && d["metadata"]["name"] == "headlamp-admin"));
    }
}

//! `headlamp` (alias `dashboard`: the Kubernetes dashboard is archived
//! upstream): the web UI on a LoadBalancer address, with a cluster-admin
//! ServiceAccount to log in with.

use serde_json::json;

use super::Cx;
use super::catalog::Remote;
use super::kubectl::Wait;
use super::manifest::Manifest;
use crate::provider::Provider;

const ADDON: &str = "headlamp";
pub const REMOTE: Remote = Remote {
    url: "https://raw.githubusercontent.com/kubernetes-sigs/headlamp/{version}/kubernetes-headlamp.yaml",
    sha256: Some("9a893b6ce1f14660f76c5d79848e64979944125406e762f76278143cd2b863a2"),
};
const NAMESPACE: &str = "kube-system";
const NAME: &str = "headlamp";
/// Headlamp's own port: 80 stays free for a gateway or an ingress on the same node.
pub const PORT: u16 = 4466;
const LOGIN: &str = include_str!("headlamp.yaml");

/// Upstream's manifest runs `:latest`; kina runs the release it pinned.
const IMAGE: &str = "ghcr.io/headlamp-k8s/headlamp";

pub fn render(upstream: &str, version: &str) -> anyhow::Result<String> {
    let mut manifest = Manifest::parse(ADDON, upstream)?;
    manifest.container("Deployment", NAME, NAME)?["image"] = json!(format!("{IMAGE}:{version}"));
    let service = manifest.object("Service", NAME)?;
    service["spec"]["type"] = json!("LoadBalancer");
    if let Some(ports) = service["spec"]["ports"].as_array_mut() {
        for port in ports.iter_mut().take(1) {
            port["port"] = json!(PORT);
        }
    }
    Ok(format!("{}---\n{LOGIN}", manifest.render()))
}

pub async fn install<P: Provider>(cx: &Cx<'_, P>, version: &str, pinned: bool) -> anyhow::Result<()> {
    let upstream = cx.fetcher.get(&REMOTE, version, pinned).await?;
    cx.apply(&render(&upstream, version)?, false).await
}

pub async fn ready<P: Provider>(cx: &Cx<'_, P>) -> anyhow::Result<()> {
    cx.wait_for(ADDON, &Wait::Rollout { resource: "deployment", namespace: NAMESPACE, name: NAME }).await?;
    cx.load_balancer_ip(ADDON, NAMESPACE, NAME).await.map(|_| ())
}

pub async fn reach<P: Provider>(cx: &Cx<'_, P>) -> anyhow::Result<()> {
    let ip = cx.load_balancer_ip(ADDON, NAMESPACE, NAME).await?;
    cx.printer.info(&format!("Headlamp: http://{ip}:{PORT}/"));
    cx.printer.info(&format!(
        "Log in with a token (valid for an hour) from `kubectl --context {} create token headlamp-admin --namespace kube-system`, \
         or without kubectl on the Mac: `container exec {} kubectl --kubeconfig=/etc/kubernetes/admin.conf create token headlamp-admin --namespace kube-system`",
        cx.context(),
        cx.control_plane()
    ));
    Ok(())
}

pub async fn uninstall<P: Provider>(cx: &Cx<'_, P>, version: &str, pinned: bool) -> anyhow::Result<()> {
    let upstream = cx.fetcher.get(&REMOTE, version, pinned).await?;
    cx.delete(&render(&upstream, version)?).await
}

pub async fn installed<P: Provider>(cx: &Cx<'_, P>) -> anyhow::Result<bool> {
    cx.exists("deployment", Some(NAMESPACE), NAME).await
}

#[cfg(test)]
mod tests {
    use super::*;

    const UPSTREAM: &str = "apiVersion: v1\nkind: Service\nmetadata:\n  name: headlamp\n  namespace: kube-system\nspec:\n  ports:\n  - port: 80\n    targetPort: 4466\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: headlamp\n  namespace: kube-system\nspec:\n  template:\n    spec:\n      containers:\n      - name: headlamp\n        image: ghcr.io/headlamp-k8s/headlamp:latest\n";

    #[test]
    fn the_service_is_a_load_balancer_on_headlamps_port_and_the_image_is_pinned() {
        let out = render(UPSTREAM, "v0.45.0").unwrap();
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

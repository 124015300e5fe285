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
    sha256: None,
};
const NAMESPACE: &str = "kube-system";
const NAME: &str = "headlamp";
/// Headlamp's own port: 80 stays free for a gateway or an ingress on the same node.
pub const PORT: u16 = 4466;
const LOGIN: &str = include_str!("headlamp.yaml");

pub fn render(upstream: &str) -> anyhow::Result<String> {
    let mut manifest = Manifest::parse(ADDON, upstream)?;
    let service = manifest.object("Service", NAME)?;
    service["spec"]["type"] = json!("LoadBalancer");
    if let Some(ports) = service["spec"]["ports"].as_array_mut() {
        for port in ports.iter_mut().take(1) {
            port["port"] = json!(PORT);
        }
    }
    Ok(format!("{}{LOGIN}", manifest.render()))
}

pub async fn install<P: Provider>(cx: &Cx<'_, P>, version: &str, pinned: bool) -> anyhow::Result<()> {
    let upstream = cx.fetcher.get(&REMOTE, version, pinned).await?;
    cx.apply(&render(&upstream)?, false).await
}

pub async fn ready<P: Provider>(cx: &Cx<'_, P>) -> anyhow::Result<()> {
    let wait =
        Wait::Condition { resource: "deployment", namespace: Some(NAMESPACE), name: NAME, condition: "Available" };
    cx.wait_for(ADDON, &wait).await?;
    cx.load_balancer_ip(ADDON, NAMESPACE, NAME).await.map(|_| ())
}

pub async fn reach<P: Provider>(cx: &Cx<'_, P>) -> anyhow::Result<()> {
    let ip = cx.load_balancer_ip(ADDON, NAMESPACE, NAME).await?;
    cx.printer.info(&format!("Headlamp: http://{ip}:{PORT}/"));
    cx.printer.info(&format!(
        "Log in with a token from `kubectl --context {} create token headlamp-admin --namespace kube-system`",
        cx.context()
    ));
    Ok(())
}

pub async fn uninstall<P: Provider>(cx: &Cx<'_, P>, version: &str) -> anyhow::Result<()> {
    let upstream = cx.fetcher.get(&REMOTE, version, true).await?;
    cx.delete(&render(&upstream)?).await
}

pub async fn installed<P: Provider>(cx: &Cx<'_, P>) -> anyhow::Result<bool> {
    cx.exists("deployment", Some(NAMESPACE), NAME).await
}

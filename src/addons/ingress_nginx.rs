//! `ingress-nginx`: the final release's kind provider manifest (peers.md §4).
//! Its controller listens on hostPort 80/443 and its Service is of type
//! LoadBalancer, which kina-lb gives the address of the node it runs on.

use super::Cx;
use super::catalog::Remote;
use super::kubectl::Wait;
use crate::provider::Provider;

const ADDON: &str = "ingress-nginx";
pub const REMOTE: Remote = Remote {
    url: "https://raw.githubusercontent.com/kubernetes/ingress-nginx/controller-{version}/deploy/static/provider/kind/deploy.yaml",
    sha256: None,
};
const NAMESPACE: &str = "ingress-nginx";
const CONTROLLER: &str = "ingress-nginx-controller";

pub async fn install<P: Provider>(cx: &Cx<'_, P>, version: &str, pinned: bool) -> anyhow::Result<()> {
    cx.printer.warn(
        "ingress-nginx is retired upstream (final release v1.15.1, March 2026) and gets no more fixes; \
         for new work use `kina install gateway` (Gateway API)",
    );
    let manifest = cx.fetcher.get(&REMOTE, version, pinned).await?;
    cx.apply(&manifest, false).await
}

pub async fn ready<P: Provider>(cx: &Cx<'_, P>) -> anyhow::Result<()> {
    // The admission webhook's certificate comes from these Jobs; Ingress
    // objects are refused until they are done.
    cx.wait_all(
        ADDON,
        &[
            Wait::Condition {
                resource: "job",
                namespace: Some(NAMESPACE),
                name: "ingress-nginx-admission-create",
                condition: "complete",
            },
            Wait::Condition {
                resource: "job",
                namespace: Some(NAMESPACE),
                name: "ingress-nginx-admission-patch",
                condition: "complete",
            },
            Wait::Condition {
                resource: "deployment",
                namespace: Some(NAMESPACE),
                name: CONTROLLER,
                condition: "Available",
            },
        ],
    )
    .await
}

pub async fn reach<P: Provider>(cx: &Cx<'_, P>) -> anyhow::Result<()> {
    let ip = cx.load_balancer_ip(ADDON, NAMESPACE, CONTROLLER).await?;
    cx.printer.info(&format!("Ingress objects answer at http://{ip}/ and https://{ip}/ (ports 80 and 443 of a node)"));
    cx.printer.info(
        "To use http://localhost/ instead, create the cluster with extraPortMappings for containerPort 80 and 443 (docs/addons.md)",
    );
    Ok(())
}

pub async fn uninstall<P: Provider>(cx: &Cx<'_, P>, version: &str) -> anyhow::Result<()> {
    let manifest = cx.fetcher.get(&REMOTE, version, true).await?;
    cx.delete(&manifest).await
}

pub async fn installed<P: Provider>(cx: &Cx<'_, P>) -> anyhow::Result<bool> {
    cx.exists("deployment", Some(NAMESPACE), CONTROLLER).await
}

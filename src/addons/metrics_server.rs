//! `metrics-server`: `kubectl top` and resource-based autoscaling.
//!
//! kubeadm's kubelets serve self-signed certificates, so the server is told
//! not to verify them (`--kubelet-insecure-tls`, as the upstream README says
//! for such clusters). On a local cluster the kubelets are VMs on the Mac's
//! own network; docs/addons.md states the trade-off.

use super::Cx;
use super::catalog::Remote;
use super::kubectl::Wait;
use super::manifest::{Manifest, add_arg};
use crate::provider::Provider;

const ADDON: &str = "metrics-server";
pub const REMOTE: Remote = Remote {
    url: "https://github.com/kubernetes-sigs/metrics-server/releases/download/{version}/components.yaml",
    sha256: None,
};
const NAMESPACE: &str = "kube-system";
const NAME: &str = "metrics-server";
const API_SERVICE: &str = "v1beta1.metrics.k8s.io";

pub fn render(upstream: &str) -> anyhow::Result<String> {
    let mut manifest = Manifest::parse(ADDON, upstream)?;
    add_arg(manifest.container("Deployment", NAME, NAME)?, "--kubelet-insecure-tls");
    Ok(manifest.render())
}

pub async fn install<P: Provider>(cx: &Cx<'_, P>, version: &str, pinned: bool) -> anyhow::Result<()> {
    let upstream = cx.fetcher.get(&REMOTE, version, pinned).await?;
    cx.apply(&render(&upstream)?, false).await
}

pub async fn ready<P: Provider>(cx: &Cx<'_, P>) -> anyhow::Result<()> {
    cx.wait_all(
        ADDON,
        &[
            Wait::Rollout { resource: "deployment", namespace: NAMESPACE, name: NAME },
            Wait::Condition { resource: "apiservice", namespace: None, name: API_SERVICE, condition: "Available" },
        ],
    )
    .await
}

pub async fn reach<P: Provider>(cx: &Cx<'_, P>) -> anyhow::Result<()> {
    cx.printer.info(&format!(
        "`kubectl --context {} top nodes` and `top pods` work once the first metrics are scraped (about a minute)",
        cx.context()
    ));
    Ok(())
}

pub async fn uninstall<P: Provider>(cx: &Cx<'_, P>, version: &str, pinned: bool) -> anyhow::Result<()> {
    let upstream = cx.fetcher.get(&REMOTE, version, pinned).await?;
    cx.delete(&upstream).await
}

pub async fn installed<P: Provider>(cx: &Cx<'_, P>) -> anyhow::Result<bool> {
    cx.exists("deployment", Some(NAMESPACE), NAME).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubelet_certificates_are_not_verified() {
        let upstream = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: metrics-server\n  namespace: kube-system\nspec:\n  template:\n    spec:\n      containers:\n      - name: metrics-server\n        args:\n        - --secure-port=10250\n";
        let out = render(upstream).unwrap();
        assert!(out.contains("- --secure-port=10250\n"), "{out}");
        assert!(out.contains("- --kubelet-insecure-tls\n"), "{out}");
        assert_eq!(render(&out).unwrap(), out, "rendering twice changes nothing");
    }
}

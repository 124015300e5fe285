//! `metrics-server`: `kubectl top` and resource-based autoscaling.
//!
//! kubeadm's kubelets serve self-signed certificates, so the server is told
//! not to verify them (`--kubelet-insecure-tls`, as the upstream README says
//! for such clusters). On a local cluster the kubelets are VMs on the Mac's
//! own network; docs/addons.md states the trade-off.

use super::AddonError;
use super::addon::{Addon, Facts, Probe, Upstream};
use super::catalog::Remote;
use super::kubectl::Wait;
use super::manifest::{Manifest, add_arg};

const NAMESPACE: &str = "kube-system";
const NAME: &str = "metrics-server";

const FACTS: Facts = Facts {
    upstream: &[Upstream::chosen(Remote {
        url: "https://github.com/kubernetes-sigs/metrics-server/releases/download/{version}/components.yaml",
        sha256: None,
    })],
    edit: Some(skip_kubelet_tls),
    waits: &[
        Wait::Rollout { resource: "deployment", namespace: NAMESPACE, name: NAME },
        Wait::Condition {
            resource: "apiservice",
            namespace: None,
            name: "v1beta1.metrics.k8s.io",
            condition: "Available",
        },
    ],
    usage: Some(
        "`kubectl --context {context} top nodes` and `top pods` work once the first metrics are scraped (about a minute)",
    ),
    ..Facts::of("metrics-server", Probe::Object { resource: "deployment", namespace: Some(NAMESPACE), name: NAME })
};

pub(super) struct MetricsServer;

impl Addon for MetricsServer {
    fn facts(&self) -> &'static Facts {
        &FACTS
    }
}

fn skip_kubelet_tls(manifest: &mut Manifest, _version: &str) -> Result<(), AddonError> {
    add_arg(manifest.container("Deployment", NAME, NAME)?, "--kubelet-insecure-tls");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubelet_certificates_are_not_verified() {
        let upstream = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: metrics-server\n  namespace: kube-system\nspec:\n  template:\n    spec:\n      containers:\n      - name: metrics-server\n        args:\n        - --secure-port=10250\n";
        let render = |text: &str| MetricsServer.render(text, "v0.9.0");
        let out = render(upstream).unwrap();
        assert!(out.contains("- --secure-port=10250\n"), "{out}");
        assert!(out.contains("- --kubelet-insecure-tls\n"), "{out}");
        assert_eq!(render(&out).unwrap(), out, "rendering twice changes nothing");
    }
}

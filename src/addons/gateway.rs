//! `gateway`: the Gateway API CRDs (standard channel), Envoy Gateway (the
//! reference implementation), a `kina` GatewayClass and a `default/kina`
//! Gateway whose Envoy Service gets a node address from kina-lb.

use std::time::Duration;

use super::Cx;
use super::catalog::Remote;
use super::kubectl::Wait;
use crate::provider::Provider;

const ADDON: &str = "gateway";
pub const GATEWAY_API_VERSION: &str = "v1.6.1";
pub const GATEWAY_API: Remote = Remote {
    url: "https://github.com/kubernetes-sigs/gateway-api/releases/download/{version}/standard-install.yaml",
    sha256: None,
};
pub const ENVOY_GATEWAY: Remote =
    Remote { url: "https://github.com/envoyproxy/gateway/releases/download/{version}/install.yaml", sha256: None };
const NAMESPACE: &str = "envoy-gateway-system";
const CONTROLLER: &str = "envoy-gateway";
const GATEWAY_NAMESPACE: &str = "default";
const GATEWAY: &str = "kina";
const KINA_OBJECTS: &str = include_str!("gateway.yaml");
/// Custom resources are refused until their CRDs serve; this does not depend on `--wait`.
const CRDS: &[&str] = &[
    "gatewayclasses.gateway.networking.k8s.io",
    "gateways.gateway.networking.k8s.io",
    "httproutes.gateway.networking.k8s.io",
];

pub async fn install<P: Provider>(cx: &Cx<'_, P>, version: &str, pinned: bool) -> anyhow::Result<()> {
    let crds = cx.fetcher.get(&GATEWAY_API, GATEWAY_API_VERSION, true).await?;
    let envoy = cx.fetcher.get(&ENVOY_GATEWAY, version, pinned).await?;
    // The CRDs are too large for client-side apply's annotation.
    cx.apply(&crds, true).await?;
    cx.apply(&envoy, true).await?;
    for crd in CRDS {
        let wait = Wait::Condition { resource: "crd", namespace: None, name: crd, condition: "Established" };
        cx.wait_for_at_most(ADDON, &wait, Duration::from_secs(60)).await?;
    }
    cx.apply(KINA_OBJECTS, false).await
}

pub async fn ready<P: Provider>(cx: &Cx<'_, P>) -> anyhow::Result<()> {
    cx.wait_all(
        ADDON,
        &[
            Wait::Condition {
                resource: "deployment",
                namespace: Some(NAMESPACE),
                name: CONTROLLER,
                condition: "Available",
            },
            Wait::Condition { resource: "gatewayclass", namespace: None, name: GATEWAY, condition: "Accepted" },
            Wait::Condition {
                resource: "gateway",
                namespace: Some(GATEWAY_NAMESPACE),
                name: GATEWAY,
                condition: "Programmed",
            },
        ],
    )
    .await
}

pub async fn reach<P: Provider>(cx: &Cx<'_, P>) -> anyhow::Result<()> {
    let address = cx.field("gateway", Some(GATEWAY_NAMESPACE), GATEWAY, "{.status.addresses[0].value}").await?;
    cx.printer.info(&format!(
        "Gateway {GATEWAY_NAMESPACE}/{GATEWAY} (class {GATEWAY}) answers at http://{address}/ for HTTPRoutes with \
         parentRefs: [{{name: {GATEWAY}, namespace: {GATEWAY_NAMESPACE}}}]"
    ));
    Ok(())
}

pub async fn uninstall<P: Provider>(cx: &Cx<'_, P>, version: &str) -> anyhow::Result<()> {
    cx.printer.warn("removing the Gateway API CRDs deletes every Gateway and HTTPRoute in the cluster");
    if cx.exists("crd", None, CRDS[1]).await? {
        cx.delete(KINA_OBJECTS).await?;
    }
    let envoy = cx.fetcher.get(&ENVOY_GATEWAY, version, true).await?;
    cx.delete(&envoy).await?;
    let crds = cx.fetcher.get(&GATEWAY_API, GATEWAY_API_VERSION, true).await?;
    cx.delete(&crds).await
}

pub async fn installed<P: Provider>(cx: &Cx<'_, P>) -> anyhow::Result<bool> {
    cx.exists("deployment", Some(NAMESPACE), CONTROLLER).await
}

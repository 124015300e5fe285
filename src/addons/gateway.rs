//! `gateway`: the Gateway API CRDs (standard channel), Envoy Gateway (the
//! reference implementation), a `kina` GatewayClass and a `default/kina`
//! Gateway whose Envoy Service gets a node address from kina-lb.
//!
//! Envoy Gateway's release install.yaml bundles the Gateway API CRDs of the
//! experimental channel, which the standard channel's `safe-upgrades` policy
//! refuses; kina applies the standard CRDs and the rest of what install.yaml
//! has, made from files tracked at Envoy Gateway's tag ([`envoy_gateway`]).

use std::time::Duration;

use serde_json::Value;

use super::addon::{Addon, Facts, Probe, Service, Step, Upstream};
use super::catalog::Remote;
use super::kubectl::Wait;
use super::{AddonError, Cx, envoy_gateway, load_balancer};
use crate::yaml;

const ADDON: &str = "gateway";
/// The standard channel's CRDs, at the version kina pins whatever Envoy Gateway's is.
///
/// The checksum is of the release asset rebuilt from the tag: upstream's
/// RELEASE.md makes it with `make build-install-yaml` at the tag, and
/// `hack/build-install-yaml.sh` only concatenates tracked files
/// (`hack/boilerplate/boilerplate.sh.txt`, which has no year, a header, and
/// each `config/crd/standard/gateway*.yaml` with a comment naming it), so the
/// asset is the same bytes wherever it is built; upstream's
/// `.github/workflows/verify-release-artifacts.yml` checks each release's
/// asset against that build. Running that script on a checkout of tag v1.6.1
/// (commit 8bb74df00e56ec8f944d48c25e6c1c9c2f6848e3) gives 1170953 bytes with
/// this SHA-256.
const GATEWAY_API: Upstream = Upstream {
    remote: Remote {
        url: "https://github.com/kubernetes-sigs/gateway-api/releases/download/{version}/standard-install.yaml",
        sha256: Some("24d931f22abd8e40c973264319ead7cfa09d0fb7716b7ab1ee2ff174cb063a73"),
    },
    own_version: Some("v1.6.1"),
};
const NAMESPACE: &str = envoy_gateway::NAMESPACE;
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

const GATEWAY_API_GROUPS: &[&str] = &["gateway.networking.k8s.io", "gateway.networking.x-k8s.io"];
const SAFE_UPGRADES: &str = "safe-upgrades.gateway.networking.k8s.io";

pub(super) struct Gateway;

const FACTS: Facts = Facts {
    upstream: &[GATEWAY_API, envoy_gateway::CRDS, envoy_gateway::CONTROLLER],
    waits: &[
        Wait::Rollout { resource: "deployment", namespace: NAMESPACE, name: CONTROLLER },
        Wait::Condition { resource: "gatewayclass", namespace: None, name: GATEWAY, condition: "Accepted" },
    ],
    ..Facts::of(ADDON, Probe::Object { resource: "deployment", namespace: Some(NAMESPACE), name: CONTROLLER })
};

impl Addon for Gateway {
    fn facts(&self) -> &'static Facts {
        &FACTS
    }

    fn install<'a>(&'a self, cx: &'a Cx<'_>, version: &'a str, pinned: bool) -> Step<'a> {
        Box::pin(install(cx, version, pinned))
    }

    fn ready<'a>(&'a self, cx: &'a Cx<'_>) -> Step<'a> {
        Box::pin(ready(cx))
    }

    fn reach<'a>(&'a self, cx: &'a Cx<'_>) -> Step<'a> {
        Box::pin(reach(cx))
    }

    fn warn_before_removing(&self, cx: &Cx<'_>) {
        cx.printer.warn("removing the Gateway API CRDs deletes every Gateway and HTTPRoute in the cluster");
    }

    fn uninstall<'a>(&'a self, cx: &'a Cx<'_>, version: &'a str, pinned: bool) -> Step<'a> {
        Box::pin(uninstall(cx, version, pinned))
    }
}

/// A stream without the Gateway API's CRDs and admission policy, every other
/// document byte for byte (Envoy Gateway's CRD file renders none of them at
/// v1.9.0; this keeps another `--version`'s from replacing the standard ones).
pub(super) fn without_gateway_api(stream: &str) -> Result<String, AddonError> {
    let mut kept = String::new();
    for doc in documents(stream) {
        let value: Option<Value> =
            yaml::from_str(doc).map_err(|e| AddonError::Layout { addon: ADDON, what: format!("valid YAML ({e})") })?;
        let Some(value) = value else { continue };
        let kind = value["kind"].as_str().unwrap_or_default();
        let gateway_api_crd = kind == "CustomResourceDefinition"
            && GATEWAY_API_GROUPS.contains(&value["spec"]["group"].as_str().unwrap_or_default());
        let policy = kind.starts_with("ValidatingAdmissionPolicy") && value["metadata"]["name"] == SAFE_UPGRADES;
        if gateway_api_crd || policy {
            continue;
        }
        kept.push_str("---\n");
        kept.push_str(doc.trim_start_matches('\n'));
        if !doc.ends_with('\n') {
            kept.push('\n');
        }
    }
    Ok(kept)
}

/// The documents of a YAML stream, split at `---` lines.
fn documents(stream: &str) -> Vec<&str> {
    let mut docs = Vec::new();
    let mut start = 0;
    let mut offset = 0;
    for line in stream.split_inclusive('\n') {
        let bare = line.trim_end();
        if bare == "---" || bare.starts_with("--- ") || bare.starts_with("---#") {
            docs.push(&stream[start..offset]);
            start = offset + line.len();
        }
        offset += line.len();
    }
    docs.push(&stream[start..]);
    docs.into_iter().filter(|d| d.lines().any(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))).collect()
}

async fn install(cx: &Cx<'_>, version: &str, pinned: bool) -> anyhow::Result<()> {
    let crds = GATEWAY_API.fetch(cx, version, pinned).await?;
    let (envoy_crds, controller) = envoy_manifests(cx, version, pinned).await?;
    // The CRDs are too large for client-side apply's annotation.
    cx.apply(&crds, true).await?;
    cx.apply(&envoy_crds, true).await?;
    cx.apply(&controller, true).await?;
    for crd in CRDS {
        let wait = Wait::Condition { resource: "crd", namespace: None, name: crd, condition: "Established" };
        cx.wait_for_at_most(ADDON, &wait, Duration::from_secs(60)).await?;
    }
    cx.apply(KINA_OBJECTS, false).await
}

/// Envoy Gateway's CRDs and its controller as its release installs them.
async fn envoy_manifests(cx: &Cx<'_>, version: &str, pinned: bool) -> anyhow::Result<(String, String)> {
    let crds = without_gateway_api(&envoy_gateway::CRDS.fetch(cx, version, pinned).await?)?;
    let controller = envoy_gateway::as_released(&envoy_gateway::CONTROLLER.fetch(cx, version, pinned).await?, version)?;
    Ok((crds, controller))
}

async fn ready(cx: &Cx<'_>) -> anyhow::Result<()> {
    cx.wait_all(ADDON, FACTS.waits).await?;
    // The Gateway is Programmed once its Envoy Service has an address; a
    // Service whose port is taken everywhere would keep it waiting to the end.
    let proxy = proxy_service(cx).await?;
    load_balancer::address(cx, ADDON, Service { namespace: NAMESPACE, name: &proxy }).await?;
    let programmed = Wait::Condition {
        resource: "gateway",
        namespace: Some(GATEWAY_NAMESPACE),
        name: GATEWAY,
        condition: "Programmed",
    };
    cx.wait_for(ADDON, &programmed).await
}

/// The name of the Envoy Service Envoy Gateway makes for kina's Gateway
/// (a hash in it), polled until it exists.
async fn proxy_service(cx: &Cx<'_>) -> anyhow::Result<String> {
    let selector = format!(
        "--selector=gateway.envoyproxy.io/owning-gateway-name={GATEWAY},gateway.envoyproxy.io/owning-gateway-namespace={GATEWAY_NAMESPACE}"
    );
    let limit = cx.remaining();
    let mut backoff = crate::backoff::Backoff::new(limit);
    loop {
        // `-o name`: a JSONPath index into an empty list is an error in kubectl.
        let args = ["get", "services", &format!("--namespace={NAMESPACE}"), &selector, "-o=name"];
        let listed = cx.kubectl(&args).await?.stdout;
        if let Some(name) = listed.lines().next().and_then(|l| l.trim().strip_prefix("service/")) {
            return Ok(name.to_string());
        }
        if !backoff.next().await {
            return Err(AddonError::NotReady {
                addon: ADDON,
                what: format!("gateway {GATEWAY_NAMESPACE}/{GATEWAY}"),
                condition: "get an Envoy Service from Envoy Gateway".into(),
                within: crate::duration::format(Duration::from_secs(limit.as_secs())),
                look: format!(
                    "kubectl --context {} --namespace {NAMESPACE} logs deployment/{CONTROLLER}",
                    cx.context()
                ),
                source: anyhow::anyhow!("no Service with the Gateway's owner labels in {NAMESPACE}"),
            }
            .into());
        }
    }
}

async fn reach(cx: &Cx<'_>) -> anyhow::Result<()> {
    // `[*]`, not `[0]`: kubectl fails on an index into an empty list.
    let addresses = cx.field("gateway", Some(GATEWAY_NAMESPACE), GATEWAY, "{.status.addresses[*].value}").await?;
    let address = addresses.split_whitespace().next().unwrap_or_default();
    cx.printer.info(&format!(
        "Gateway {GATEWAY_NAMESPACE}/{GATEWAY} (class {GATEWAY}) answers at http://{address}/ for HTTPRoutes with \
         parentRefs: [{{name: {GATEWAY}, namespace: {GATEWAY_NAMESPACE}}}]"
    ));
    let zone = crate::dns::zone(&cx.cluster);
    let example = crate::dns::url(&format!("web.{zone}"), 80);
    if cx.exists("configmap", Some(crate::dns::NAMESPACE), crate::dns::CONFIG_MAP).await? {
        cx.printer.info(&format!("An HTTPRoute with hostnames: [web.{zone}] answers at {example} on this Mac (names)"));
    } else {
        cx.printer.info(&format!(
            "For names such as {example}: `kina install names` (HTTPRoute hostnames under {zone} resolve on this Mac)"
        ));
    }
    Ok(())
}

async fn uninstall(cx: &Cx<'_>, version: &str, pinned: bool) -> anyhow::Result<()> {
    if cx.exists("crd", None, CRDS[1]).await? {
        cx.delete(KINA_OBJECTS).await?;
    }
    let (envoy_crds, controller) = envoy_manifests(cx, version, pinned).await?;
    cx.delete(&controller).await?;
    cx.delete(&envoy_crds).await?;
    let crds = GATEWAY_API.fetch(cx, version, pinned).await?;
    cx.delete(&crds).await
}

#[cfg(test)]
mod tests {
    use super::*;

    const INSTALL: &str = "# Source: gateway-crds-helm/templates/crds.yaml\n---\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: httproutes.gateway.networking.k8s.io\nspec:\n  group: gateway.networking.k8s.io\n---\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: xmeshes.gateway.networking.x-k8s.io\nspec:\n  group: gateway.networking.x-k8s.io\n---\napiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata:\n  name: safe-upgrades.gateway.networking.k8s.io\n---\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: envoyproxies.gateway.envoyproxy.io\nspec:\n  group: gateway.envoyproxy.io   # kept\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: envoy-gateway\n  namespace: envoy-gateway-system\n";

    #[test]
    fn gateway_api_documents_are_left_out_and_the_rest_kept_verbatim() {
        let out = without_gateway_api(INSTALL).unwrap();
        assert!(!out.contains("httproutes"), "{out}");
        assert!(!out.contains("xmeshes"), "{out}");
        assert!(!out.contains("safe-upgrades"), "{out}");
        assert!(out.contains("  group: gateway.envoyproxy.io   # kept\n"), "{out}");
        assert!(out.contains("kind: Deployment\nmetadata:\n  name: envoy-gateway\n"), "{out}");
        assert_eq!(out.matches("---\n").count(), 2, "{out}");
    }
}

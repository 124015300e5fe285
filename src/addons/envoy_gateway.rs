//! Envoy Gateway as its release's `install.yaml` has it, made from files
//! tracked in git at the release tag.
//!
//! The release asset `install.yaml` is `helm template` output made by the
//! release workflow (`.github/workflows/release.yaml` runs `make
//! generate-artifacts IMAGE=envoyproxy/gateway TAG=<tag>` with
//! `IMAGE_PULL_POLICY=IfNotPresent`; `tools/make/kube.mk` `generate-manifests`
//! renders the `gateway-crds-helm` chart with every CRD, then `helm template
//! --set createNamespace=true --set crds.gatewayAPI.safeUpgradePolicy.enabled=false
//! eg charts/gateway-helm --namespace envoy-gateway-system`), so its bytes
//! cannot be known without downloading it. The same charts' `helm template`
//! outputs are tracked in git under `test/helm/` (CI's `make gen-check` renders
//! them again and fails on any difference), and kina takes two of them:
//!
//! - `gateway-crds-helm/envoy-gateway-crds.out.yaml`: the Envoy Gateway CRDs,
//!   which the chart renders without any value (the Gateway API CRDs, the rest
//!   of that part of install.yaml, kina installs from their own release);
//! - `gateway-helm/default-config.out.yaml`: the controller chart rendered as
//!   `helm template gateway-helm charts/gateway-helm --namespace
//!   envoy-gateway-system` (`tools/make/helm.mk` `helm-template`) with
//!   `default-config.in.yaml`, which sets the image to
//!   `docker.io/envoyproxy/gateway-dev:latest` and its pull policy to `Always`.
//!
//! [`as_released`] makes of the latter what the release command renders: the
//! chart's values file (`values.tmpl.yaml`, whose only variables are the image
//! `${IMAGE}:${TAG}` and the pull policy) and the release name `eg` instead of
//! `gateway-helm` (in `_helpers.tpl`: the `app.kubernetes.io/instance` label,
//! and `eg.fullname`, `eg-gateway-helm`, in names), the Namespace
//! (`templates/namespace.yaml` with `createNamespace`) and no safe-upgrades
//! policy. The chart labels stay: both are rendered from the tag's
//! `Chart.yaml` (`v0.0.0-latest`, app version `latest`).

use serde_json::{Map, Value, json};

use super::AddonError;
use super::addon::Upstream;
use super::catalog::Remote;
use super::manifest::Manifest;

const ADDON: &str = "gateway";
pub(super) const NAMESPACE: &str = "envoy-gateway-system";

/// The checksums are of the files at tag v1.9.0 (commit
/// 39763b1c07ec30a5526fe70434a2cfe4181de642), hashed from a clone of the
/// repository (`git show v1.9.0:test/helm/... | sha256sum`).
pub(super) const CRDS: Upstream = Upstream::chosen(Remote {
    url: "https://raw.githubusercontent.com/envoyproxy/gateway/{version}/test/helm/gateway-crds-helm/envoy-gateway-crds.out.yaml",
    sha256: Some("c3fca2a798cc09add33e0be32cbc9442c6f1313b3102e0c46e60bb44e1bec488"),
});
pub(super) const CONTROLLER: Upstream = Upstream::chosen(Remote {
    url: "https://raw.githubusercontent.com/envoyproxy/gateway/{version}/test/helm/gateway-helm/default-config.out.yaml",
    sha256: Some("76c7ea2dc185f6f894c202a98dcbc85178bfc643eac487f068d218604918c112"),
});

/// The release name of the test renders (the chart's name) and of the release's.
const TEST_RELEASE: &str = "gateway-helm";
const RELEASE: &str = "eg";
/// `eg.fullname` for release `eg`: the chart name is not in the release name.
const RELEASE_FULLNAME: &str = "eg-gateway-helm";
const INSTANCE_LABEL: &str = "app.kubernetes.io/instance";
const TEST_IMAGE: &str = "docker.io/envoyproxy/gateway-dev:latest";
/// The release's `IMAGE`; `eg.image` keeps its first path part as the registry.
const RELEASE_IMAGE: &str = "envoyproxy/gateway";
const TEST_PULL_POLICY: &str = "Always";
const RELEASE_PULL_POLICY: &str = "IfNotPresent";
const CONFIG_MAP: &str = "envoy-gateway-config";
const CONFIG_KEY: &str = "envoy-gateway.yaml";
const SAFE_UPGRADES: &str = "safe-upgrades.gateway.networking.k8s.io";

/// The controller chart's test render, rendered as the release renders it.
pub(super) fn as_released(test_render: &str, version: &str) -> Result<String, AddonError> {
    let mut manifest = Manifest::parse(ADDON, test_render)?;
    manifest.retain(|o| {
        !(o["kind"].as_str().is_some_and(|k| k.starts_with("ValidatingAdmissionPolicy"))
            && o["metadata"]["name"] == SAFE_UPGRADES)
    });
    let image = format!("{RELEASE_IMAGE}:{version}");
    expect_test_image(&mut manifest)?;
    for object in manifest.objects_mut() {
        release_values(object, &image);
    }
    let config = manifest.object("ConfigMap", CONFIG_MAP)?;
    let text = config["data"][CONFIG_KEY].as_str().unwrap_or_default();
    if text.matches(TEST_IMAGE).count() != 1 {
        return Err(layout(format!("one image {TEST_IMAGE} in ConfigMap {CONFIG_MAP}")));
    }
    config["data"][CONFIG_KEY] = json!(text.replace(TEST_IMAGE, &image));
    let mut released = Manifest::parse(ADDON, &namespace())?;
    released.extend(&manifest.render())?;
    Ok(released.render())
}

/// `templates/namespace.yaml` with `createNamespace: true`.
fn namespace() -> String {
    format!("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {NAMESPACE}\n")
}

fn layout(what: String) -> AddonError {
    AddonError::Layout { addon: ADDON, what }
}

/// The render is the test values' one: anything else would be rewritten wrongly.
fn expect_test_image(manifest: &mut Manifest) -> Result<(), AddonError> {
    let container = manifest.container("Deployment", "envoy-gateway", "envoy-gateway")?;
    if container["image"] != TEST_IMAGE || container["imagePullPolicy"] != TEST_PULL_POLICY {
        let found = format!("{} {}", container["image"], container["imagePullPolicy"]);
        return Err(layout(format!(
            "image {TEST_IMAGE} pulled {TEST_PULL_POLICY} in Deployment envoy-gateway (found {found})"
        )));
    }
    Ok(())
}

/// The release's image, pull policy and release name wherever the chart puts them.
fn release_values(value: &mut Value, image: &str) {
    match value {
        Value::Object(map) => {
            release_container(map, image);
            for (key, field) in map.iter_mut() {
                match (key.as_str(), field) {
                    (INSTANCE_LABEL, Value::String(s)) if s == TEST_RELEASE => *s = RELEASE.to_string(),
                    ("name" | "serviceAccountName", Value::String(s)) => {
                        if let Some(rest) = s.strip_prefix(TEST_RELEASE).filter(|r| r.starts_with('-')) {
                            *s = format!("{RELEASE_FULLNAME}{rest}");
                        }
                    }
                    (_, field) => release_values(field, image),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| release_values(i, image)),
        _ => {}
    }
}

/// A container of the chart's image (the controller and certgen).
fn release_container(map: &mut Map<String, Value>, image: &str) {
    if map.get("image").and_then(Value::as_str) != Some(TEST_IMAGE) {
        return;
    }
    map.insert("image".into(), json!(image));
    if map.get("imagePullPolicy").and_then(Value::as_str) == Some(TEST_PULL_POLICY) {
        map.insert("imagePullPolicy".into(), json!(RELEASE_PULL_POLICY));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml;

    const MIRROR: &str =
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/addons/raw.githubusercontent.com/envoyproxy/gateway");

    /// The tracked file at v1.9.0 (the fixture is a copy, checked here).
    fn at_v1_9_0(upstream: &Upstream) -> String {
        let path = upstream.remote.url.replace("https://raw.githubusercontent.com/envoyproxy/gateway", MIRROR);
        let text = std::fs::read_to_string(path.replace("{version}", "v1.9.0")).unwrap();
        assert_eq!(
            crate::addons::fetch::sha256_hex(text.as_bytes()),
            upstream.remote.sha256.unwrap(),
            "{path}: the fixture is not upstream's file"
        );
        text
    }

    fn objects(text: &str) -> Vec<Value> {
        let mut docs: Vec<Value> = yaml::from_multiple(text).unwrap();
        docs.retain(Value::is_object);
        docs.sort_by_key(|d| (d["kind"].to_string(), d["metadata"]["name"].to_string()));
        docs
    }

    /// The release command's render, made from the test render by replacing
    /// text (not as kina does it): each value the release passes to helm, the
    /// release name wherever `_helpers.tpl` writes it, and the tag's
    /// `templates/namespace.yaml` rendered with `createNamespace: true`.
    fn release_by_text(test_render: &str) -> String {
        let replaced = test_render
            .replace("app.kubernetes.io/instance: gateway-helm\n", "app.kubernetes.io/instance: eg\n")
            .replace("name: gateway-helm-", "name: eg-gateway-helm-")
            .replace("name: 'gateway-helm-", "name: 'eg-gateway-helm-")
            .replace("serviceAccountName: gateway-helm-", "serviceAccountName: eg-gateway-helm-")
            .replace("docker.io/envoyproxy/gateway-dev:latest", "envoyproxy/gateway:v1.9.0")
            .replace("imagePullPolicy: Always\n", "imagePullPolicy: IfNotPresent\n");
        // What is left of the test release's name is the chart's name (labels, comments).
        let chart_name_only = replaced
            .replace("eg-gateway-helm-", "")
            .replace("helm.sh/chart: gateway-helm-v0.0.0-latest\n", "")
            .replace("app.kubernetes.io/name: gateway-helm\n", "")
            .replace("# Source: gateway-helm/", "");
        assert!(!chart_name_only.contains("gateway-helm"), "a use of the release name is not replaced");
        let template = "{{ if .Values.createNamespace }}\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: {{ include \"eg.namespace\" . }} \n{{ end }}\n";
        let namespace = template
            .replace("{{ if .Values.createNamespace }}\n", "")
            .replace("{{ end }}\n", "")
            .replace("{{ include \"eg.namespace\" . }}", "envoy-gateway-system");
        format!("---\n{namespace}{replaced}")
    }

    /// kina's rendering is, object by object, what the release command renders
    /// as far as the tag's files tell (the safe-upgrades policy is off there).
    #[test]
    fn the_controller_is_rendered_as_the_release_renders_it() {
        let test_render = at_v1_9_0(&CONTROLLER);
        let mut expected = objects(&release_by_text(&test_render));
        expected.retain(|o| o["metadata"]["name"] != SAFE_UPGRADES);
        let released = as_released(&test_render, "v1.9.0").unwrap();
        assert_eq!(objects(&released), expected);
        let first: Vec<Value> = yaml::from_multiple(&released).unwrap();
        assert_eq!(first[0]["kind"], "Namespace", "the Namespace comes first, before what is in it");
        assert!(!released.contains("gateway-dev") && !released.contains("Always"), "{released}");
        assert!(released.contains("        image: envoyproxy/gateway:v1.9.0\n"), "{released}");
        assert!(released.contains("  name: eg-gateway-helm-certgen\n"), "{released}");
    }

    #[test]
    fn only_the_test_values_render_is_rewritten() {
        let released = as_released(&at_v1_9_0(&CONTROLLER), "v1.9.0").unwrap();
        let err = as_released(&released, "v1.9.0").unwrap_err().to_string();
        assert!(err.contains("docker.io/envoyproxy/gateway-dev:latest"), "{err}");
        let err = as_released("kind: ConfigMap\nmetadata:\n  name: x\n", "v1.9.0").unwrap_err().to_string();
        assert!(err.contains("Deployment envoy-gateway"), "{err}");
    }

    /// The CRD file is Envoy Gateway's CRDs only, applied as they are.
    #[test]
    fn the_crd_file_has_envoy_gateways_crds_only() {
        let crds = objects(&at_v1_9_0(&CRDS));
        assert_eq!(crds.len(), 8);
        for crd in &crds {
            assert_eq!(crd["kind"], "CustomResourceDefinition");
            assert_eq!(crd["spec"]["group"], "gateway.envoyproxy.io");
        }
    }
}

//! `metrics-server`: `kubectl top` and resource-based autoscaling.
//!
//! kubeadm's kubelets serve self-signed certificates, so the server is told
//! not to verify them (`--kubelet-insecure-tls`, as the upstream README says
//! for such clusters). On a local cluster the kubelets are VMs on the Mac's
//! own network; docs/addons.md states the trade-off.

use serde_json::{Value, json};

use super::addon::{Addon, Facts, Probe, Step, Upstream};
use super::catalog::Remote;
use super::kubectl::Wait;
use super::manifest::{Manifest, add_arg};
use super::{AddonError, Cx};

const NAMESPACE: &str = "kube-system";
const NAME: &str = "metrics-server";
/// The label the release overlay puts on everything (`commonLabels`).
const LABEL: &str = "k8s-app";
/// The image in the sources, and the one the release overlay sets (`images`).
const SOURCE_IMAGE: &str = "gcr.io/k8s-staging-metrics-server/metrics-server";
const RELEASE_IMAGE: &str = "registry.k8s.io/metrics-server/metrics-server";

/// The release asset `components.yaml` is `kubectl kustomize
/// manifests/overlays/release` run by upstream's release workflow with
/// whatever kustomize its runner had, so its bytes cannot be known without
/// downloading it. kina takes that overlay's sources instead, the files of
/// `manifests/base/` at the tag (git-tracked, served as they are by
/// raw.githubusercontent.com), and makes the overlay's two changes itself
/// ([`release_overlay`]). The checksums are of those files at tag v0.9.0
/// (commit 2a7c4b2c7d46552ff47f4aeaa3a735c582587ecd), hashed from a clone of
/// the repository (`git show v0.9.0:manifests/base/FILE | sha256sum`).
const SOURCES: &[Upstream] = &[
    Upstream::chosen(Remote {
        url: "https://raw.githubusercontent.com/kubernetes-sigs/metrics-server/{version}/manifests/base/rbac.yaml",
        sha256: Some("510be174d47ae7d05ae6908ccb7ca7111008f18b5d1a920ebc6de6582c23b854"),
    }),
    Upstream::chosen(Remote {
        url: "https://raw.githubusercontent.com/kubernetes-sigs/metrics-server/{version}/manifests/base/service.yaml",
        sha256: Some("1ce19a57f4769906255c3410a38a01fb0f803e21976ce160f506a90638cbb5c7"),
    }),
    Upstream::chosen(Remote {
        url: "https://raw.githubusercontent.com/kubernetes-sigs/metrics-server/{version}/manifests/base/deployment.yaml",
        sha256: Some("18970227f17d0c6cb8e7a4a1cdde847117703afd3b0777badf8a006cfea252c2"),
    }),
    Upstream::chosen(Remote {
        url: "https://raw.githubusercontent.com/kubernetes-sigs/metrics-server/{version}/manifests/base/apiservice.yaml",
        sha256: Some("03266df7891b56dfffebb855a031b524ed20c6736846417ccd491dd91c6c0ec3"),
    }),
];

const FACTS: Facts = Facts {
    upstream: SOURCES,
    edit: Some(release_overlay_without_kubelet_tls),
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

    /// The sources are one manifest (the Deployment's selector is the label
    /// the others get too): fetched, rendered and applied together.
    fn install<'a>(&'a self, cx: &'a Cx<'_>, version: &'a str, pinned: bool) -> Step<'a> {
        Box::pin(async move {
            let manifest = self.render(&sources(cx, version, pinned).await?, version)?;
            cx.apply(&manifest, false).await
        })
    }

    fn uninstall<'a>(&'a self, cx: &'a Cx<'_>, version: &'a str, pinned: bool) -> Step<'a> {
        Box::pin(async move { cx.delete(&self.render(&sources(cx, version, pinned).await?, version)?).await })
    }
}

/// The overlay's source files, as one YAML stream.
async fn sources(cx: &Cx<'_>, version: &str, pinned: bool) -> anyhow::Result<String> {
    let mut stream = String::new();
    for source in SOURCES {
        let text = source.fetch(cx, version, pinned).await?;
        stream.push_str("---\n");
        stream.push_str(&text);
        if !text.ends_with('\n') {
            stream.push('\n');
        }
    }
    Ok(stream)
}

fn release_overlay_without_kubelet_tls(manifest: &mut Manifest, version: &str) -> Result<(), AddonError> {
    release_overlay(manifest, version)?;
    add_arg(manifest.container("Deployment", NAME, NAME)?, "--kubelet-insecure-tls");
    Ok(())
}

/// What upstream's `manifests/overlays/release` does to the sources: the
/// base's `commonLabels` (`k8s-app: metrics-server` on every object, and as
/// the Deployment's and the Service's selector) and the release component's
/// image (`registry.k8s.io/metrics-server/metrics-server:<version>`).
fn release_overlay(manifest: &mut Manifest, version: &str) -> Result<(), AddonError> {
    for object in manifest.objects_mut() {
        set_label(object, "/metadata/labels");
        match object["kind"].as_str() {
            Some("Deployment") => {
                set_label(object, "/spec/selector/matchLabels");
                set_label(object, "/spec/template/metadata/labels");
            }
            Some("Service") => set_label(object, "/spec/selector"),
            _ => {}
        }
    }
    let container = manifest.container("Deployment", NAME, NAME)?;
    let image = container["image"].as_str().unwrap_or_default();
    if image.split(':').next() != Some(SOURCE_IMAGE) {
        let what = format!("image {SOURCE_IMAGE} in Deployment {NAME} (found {image:?})");
        return Err(AddonError::Layout { addon: NAME, what });
    }
    container["image"] = json!(format!("{RELEASE_IMAGE}:{version}"));
    Ok(())
}

/// `k8s-app: metrics-server` in the map at `pointer`, made if missing.
fn set_label(object: &mut Value, pointer: &str) {
    let mut at = &mut *object;
    for key in pointer.split('/').skip(1) {
        if !at[key].is_object() {
            at[key] = json!({});
        }
        at = &mut at[key];
    }
    at[LABEL] = json!(NAME);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml;

    const MIRROR: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/addons/raw.githubusercontent.com/kubernetes-sigs/metrics-server"
    );

    /// The sources at v0.9.0, the files upstream tracks (the fixtures are copies).
    fn sources_at_v0_9_0() -> String {
        let mut stream = String::new();
        for source in SOURCES {
            let path =
                source.remote.url.replace("https://raw.githubusercontent.com/kubernetes-sigs/metrics-server", MIRROR);
            let text = std::fs::read_to_string(path.replace("{version}", "v0.9.0")).unwrap();
            assert_eq!(
                crate::addons::fetch::sha256_hex(text.as_bytes()),
                source.remote.sha256.unwrap(),
                "{path}: the fixture is not upstream's file"
            );
            stream.push_str("---\n");
            stream.push_str(&text);
        }
        stream
    }

    fn objects(text: &str) -> Vec<Value> {
        let mut docs: Vec<Value> = yaml::from_multiple(text).unwrap();
        docs.retain(Value::is_object);
        docs.sort_by_key(|d| (d["kind"].to_string(), d["metadata"]["name"].to_string()));
        docs
    }

    /// kina's overlay gives the objects kustomize gives: the fixture is
    /// `kubectl kustomize manifests/overlays/release` (kubectl 1.35.2,
    /// kustomize 5.7.1) on the tag's files, which is how upstream builds
    /// its release asset.
    #[test]
    fn the_release_overlay_is_what_kustomize_builds() {
        let mut manifest = Manifest::parse(NAME, &sources_at_v0_9_0()).unwrap();
        release_overlay(&mut manifest, "v0.9.0").unwrap();
        let kustomized = include_str!("../../tests/fixtures/addons/metrics-server-v0.9.0-kustomize-release.yaml");
        assert_eq!(objects(&manifest.render()), objects(kustomized));
    }

    #[test]
    fn kubelet_certificates_are_not_verified() {
        let render = |text: &str| MetricsServer.render(text, "v0.9.0");
        let out = render(&sources_at_v0_9_0()).unwrap();
        assert!(out.contains("- --secure-port=10250\n"), "{out}");
        assert!(out.contains("- --kubelet-insecure-tls\n"), "{out}");
        assert!(out.contains("image: registry.k8s.io/metrics-server/metrics-server:v0.9.0\n"), "{out}");
        assert!(render(&out).unwrap_err().to_string().contains("image"), "the overlay applies to sources only");
    }

    #[test]
    fn sources_without_the_expected_image_are_refused() {
        let mut manifest = Manifest::parse(NAME, "kind: Deployment\nmetadata:\n  name: metrics-server\nspec:\n  template:\n    spec:\n      containers:\n      - name: metrics-server\n        image: example.com/other:v1\n").unwrap();
        let err = release_overlay(&mut manifest, "v0.9.0").unwrap_err();
        assert!(err.to_string().contains("gcr.io/k8s-staging-metrics-server/metrics-server"), "{err}");
    }
}

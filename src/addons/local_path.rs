//! `local-path-storage`: rancher's local-path-provisioner as the default
//! StorageClass, for clusters created without kind's default storage
//! (kina.dev/v1alpha1 `disableDefaultStorage: true`). Data lives on the node
//! VM's disk and survives `kina stop`/`start`.

use super::addon::{Addon, Facts, Probe, Step, Upstream, delete_upstream, fetch_upstream, wait_until_ready};
use super::catalog::Remote;
use super::kubectl::Wait;
use super::manifest::{Manifest, annotate};
use super::{AddonError, Cx};

const STORAGE_CLASS: &str = "local-path";
/// kind's default storage from the node image: the same provisioner.
const KIND_STORAGE_CLASS: &str = "standard";
const DEFAULT_CLASS: &str = "storageclass.kubernetes.io/is-default-class";

const FACTS: Facts = Facts {
    upstream: &[Upstream::chosen(Remote {
        url: "https://raw.githubusercontent.com/rancher/local-path-provisioner/{version}/deploy/local-path-storage.yaml",
        sha256: Some("9781b39c24f3f651bd6d6e41b561e04e4904bbdb6d4f8c7a6009df3a702dcd65"),
    })],
    edit: Some(the_default_class),
    waits: &[Wait::Rollout { resource: "deployment", namespace: "local-path-storage", name: "local-path-provisioner" }],
    // Upstream's StorageClass; kind's from the node image counts too (see `installed`).
    ..Facts::of("local-path-storage", Probe::Object { resource: "storageclass", namespace: None, name: STORAGE_CLASS })
};

pub(super) struct LocalPath;

fn the_default_class(manifest: &mut Manifest, _version: &str) -> Result<(), AddonError> {
    annotate(manifest.object("StorageClass", STORAGE_CLASS)?, DEFAULT_CLASS, "true");
    Ok(())
}

/// Whether the cluster has kind's default storage from the node image.
async fn kind_storage_present(cx: &Cx<'_>) -> anyhow::Result<bool> {
    cx.exists("storageclass", None, KIND_STORAGE_CLASS).await
}

/// Whether upstream's StorageClass is there (not kind's from the node image).
async fn upstream_installed(cx: &Cx<'_>) -> anyhow::Result<bool> {
    cx.exists("storageclass", None, STORAGE_CLASS).await
}

impl Addon for LocalPath {
    fn facts(&self) -> &'static Facts {
        &FACTS
    }

    /// Nothing to download when the node image's storage is already there.
    fn prefetch<'a>(&'a self, cx: &'a Cx<'_>, version: &'a str, pinned: bool) -> Step<'a> {
        Box::pin(async move {
            if kind_storage_present(cx).await? {
                return Ok(());
            }
            fetch_upstream(FACTS.upstream, cx, version, pinned).await
        })
    }

    fn provided_already<'a>(&'a self, cx: &'a Cx<'_>) -> Step<'a, Option<String>> {
        Box::pin(async move {
            Ok(kind_storage_present(cx).await?.then(|| {
                "The cluster already has local-path storage from the node image (StorageClass standard, the default); \
                 nothing to install"
                    .into()
            }))
        })
    }

    fn ready<'a>(&'a self, cx: &'a Cx<'_>) -> Step<'a> {
        Box::pin(async move {
            if !upstream_installed(cx).await? {
                return Ok(()); // kind's default storage from the node image: nothing was applied.
            }
            wait_until_ready(self, cx).await
        })
    }

    fn reach<'a>(&'a self, cx: &'a Cx<'_>) -> Step<'a> {
        Box::pin(async move {
            let class = if upstream_installed(cx).await? { STORAGE_CLASS } else { KIND_STORAGE_CLASS };
            cx.printer.info(&format!(
                "PersistentVolumeClaims without a storageClassName now get volumes from StorageClass {class} (bound when a pod uses them)"
            ));
            Ok(())
        })
    }

    fn uninstall<'a>(&'a self, cx: &'a Cx<'_>, version: &'a str, pinned: bool) -> Step<'a> {
        Box::pin(async move {
            if !upstream_installed(cx).await? {
                cx.printer.info("StorageClass local-path is not installed; kind's default storage is left alone");
                return Ok(());
            }
            delete_upstream(self, cx, version, pinned).await
        })
    }

    fn installed<'a>(&'a self, cx: &'a Cx<'_>) -> Step<'a, bool> {
        Box::pin(async move { Ok(upstream_installed(cx).await? || kind_storage_present(cx).await?) })
    }

    fn list_state<'a>(&'a self, cx: &'a Cx<'_>) -> Step<'a, &'static str> {
        Box::pin(async move {
            let yes = if upstream_installed(cx).await? { "yes" } else { "node image" };
            Ok(if self.installed(cx).await? { yes } else { "no" })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_storage_class_becomes_the_default() {
        let upstream = "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: local-path\nprovisioner: rancher.io/local-path\n";
        let out = LocalPath.render(upstream, "v0.0.37").unwrap();
        assert!(
            out.contains("storageclass.kubernetes.io/is-default-class: 'true'")
                || out.contains("storageclass.kubernetes.io/is-default-class: \"true\""),
            "{out}"
        );
    }
}

//! `local-path-storage`: rancher's local-path-provisioner as the default
//! StorageClass, for clusters created without kind's default storage
//! (kina.dev/v1alpha1 `disableDefaultStorage: true`). Data lives on the node
//! VM's disk and survives `kina stop`/`start`.

use super::Cx;
use super::catalog::Remote;
use super::kubectl::Wait;
use super::manifest::{Manifest, annotate};
use crate::provider::Provider;

const ADDON: &str = "local-path-storage";
pub const REMOTE: Remote = Remote {
    url: "https://raw.githubusercontent.com/rancher/local-path-provisioner/{version}/deploy/local-path-storage.yaml",
    sha256: Some("9781b39c24f3f651bd6d6e41b561e04e4904bbdb6d4f8c7a6009df3a702dcd65"),
};
const NAMESPACE: &str = "local-path-storage";
const DEPLOYMENT: &str = "local-path-provisioner";
const STORAGE_CLASS: &str = "local-path";
/// kind's default storage from the node image: the same provisioner.
const KIND_STORAGE_CLASS: &str = "standard";
const DEFAULT_CLASS: &str = "storageclass.kubernetes.io/is-default-class";

pub fn render(upstream: &str) -> anyhow::Result<String> {
    let mut manifest = Manifest::parse(ADDON, upstream)?;
    annotate(manifest.object("StorageClass", STORAGE_CLASS)?, DEFAULT_CLASS, "true");
    Ok(manifest.render())
}

/// Whether the cluster has kind's default storage from the node image.
pub async fn kind_storage_present<P: Provider>(cx: &Cx<'_, P>) -> anyhow::Result<bool> {
    cx.exists("storageclass", None, KIND_STORAGE_CLASS).await
}

pub async fn install<P: Provider>(cx: &Cx<'_, P>, version: &str, pinned: bool) -> anyhow::Result<()> {
    let upstream = cx.fetcher.get(&REMOTE, version, pinned).await?;
    cx.apply(&render(&upstream)?, false).await
}

pub async fn ready<P: Provider>(cx: &Cx<'_, P>) -> anyhow::Result<()> {
    if !cx.exists("storageclass", None, STORAGE_CLASS).await? {
        return Ok(()); // kind's default storage from the node image: nothing was applied.
    }
    cx.wait_for(ADDON, &Wait::Rollout { resource: "deployment", namespace: NAMESPACE, name: DEPLOYMENT }).await
}

pub async fn reach<P: Provider>(cx: &Cx<'_, P>) -> anyhow::Result<()> {
    let class = if cx.exists("storageclass", None, STORAGE_CLASS).await? { STORAGE_CLASS } else { KIND_STORAGE_CLASS };
    cx.printer.info(&format!(
        "PersistentVolumeClaims without a storageClassName now get volumes from StorageClass {class} (bound when a pod uses them)"
    ));
    Ok(())
}

pub async fn uninstall<P: Provider>(cx: &Cx<'_, P>, version: &str, pinned: bool) -> anyhow::Result<()> {
    if !cx.exists("storageclass", None, STORAGE_CLASS).await? {
        cx.printer.info("StorageClass local-path is not installed; kind's default storage is left alone");
        return Ok(());
    }
    let upstream = cx.fetcher.get(&REMOTE, version, pinned).await?;
    cx.delete(&upstream).await
}

/// Whether upstream's StorageClass is there (not kind's from the node image).
pub async fn upstream_installed<P: Provider>(cx: &Cx<'_, P>) -> anyhow::Result<bool> {
    cx.exists("storageclass", None, STORAGE_CLASS).await
}

pub async fn installed<P: Provider>(cx: &Cx<'_, P>) -> anyhow::Result<bool> {
    Ok(cx.exists("storageclass", None, STORAGE_CLASS).await?
        || cx.exists("storageclass", None, KIND_STORAGE_CLASS).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_storage_class_becomes_the_default() {
        let upstream = "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: local-path\nprovisioner: rancher.io/local-path\n";
        let out = render(upstream).unwrap();
        assert!(
            out.contains("storageclass.kubernetes.io/is-default-class: 'true'")
                || out.contains("storageclass.kubernetes.io/is-default-class: \"true\""),
            "{out}"
        );
    }
}

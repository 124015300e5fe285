//! Which version of each addon kina installed, kept in the cluster (ConfigMap
//! kube-system/kina-addons), so `--list` shows it and `uninstall` removes what
//! was applied without being told `--version` again.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::Cx;
use crate::node::kubectl;

const NAMESPACE: &str = "kube-system";
const NAME: &str = "kina-addons";

/// Addon name → installed version (empty when nothing was recorded).
pub(super) async fn versions(cx: &Cx<'_>) -> anyhow::Result<BTreeMap<String, String>> {
    let args = ["get", "configmap", NAME, "--namespace=kube-system", "--ignore-not-found", "-o=json"];
    let text = cx.kubectl(&args).await?.stdout;
    if text.trim().is_empty() {
        return Ok(BTreeMap::new());
    }
    let object: Value = serde_json::from_str(&text)?;
    Ok(object["data"]
        .as_object()
        .map(|data| data.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string()))).collect())
        .unwrap_or_default())
}

/// The version of `addon` kina installed, if it recorded one.
pub(super) async fn version_of(cx: &Cx<'_>, addon: &str) -> anyhow::Result<Option<String>> {
    Ok(versions(cx).await?.remove(addon))
}

pub(super) async fn remember(cx: &Cx<'_>, addon: &str, version: &str) -> anyhow::Result<()> {
    let patch = json!({"data": {addon: version}}).to_string();
    if patch_record(cx, &patch).await? {
        return Ok(());
    }
    let literal = format!("--from-literal={addon}={version}");
    cx.kubectl(&["create", "configmap", NAME, &format!("--namespace={NAMESPACE}"), &literal]).await?;
    Ok(())
}

pub(super) async fn forget(cx: &Cx<'_>, addon: &str) -> anyhow::Result<()> {
    patch_record(cx, &json!({"data": {addon: null}}).to_string()).await?;
    Ok(())
}

/// Patches the record; false when it does not exist yet.
async fn patch_record(cx: &Cx<'_>, patch: &str) -> anyhow::Result<bool> {
    let args = ["patch", "configmap", NAME, "--namespace=kube-system", "--type=merge", "-p", patch];
    let out = cx.try_run(&kubectl(args)).await?;
    if out.success() {
        Ok(true)
    } else if out.stderr.contains("NotFound") || out.stderr.contains("not found") {
        Ok(false)
    } else {
        anyhow::bail!("failed to record the addon's version: {}", out.stderr.trim())
    }
}

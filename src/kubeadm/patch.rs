//! kind's kubeadm config patch engine
//! (https://github.com/kubernetes-sigs/kind/tree/v0.32.0/pkg/internal/patch).
//!
//! Per document: every matching merge patch (RFC 7386) in order, then every
//! matching JSON 6902 patch in order. A merge patch matches a document by
//! `kind`, and by `apiVersion` only if the patch sets one; a JSON 6902 patch
//! matches by group/version/kind. For `kubeadm.k8s.io/v1beta4` documents,
//! `extraArgs`/`kubeletExtraArgs` in a merge patch are merged by name into the
//! `name`/`value` list (old-style maps are converted first), and `certSANs`
//! are always merged (union), never replaced. Patches that match no document
//! are not an error (kind ignores them silently); they are reported back so
//! the caller can warn.

use std::fmt;

use serde_json::{Map, Value};

use crate::config::types::PatchJson6902;
use crate::yaml;

/// The kubeadm config patches of one level: the cluster, or one node.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct KubeadmPatches {
    /// `kubeadmConfigPatches`: YAML or JSON merge patches, each possibly a
    /// `---`-separated stream of several.
    pub merge: Vec<String>,
    /// `kubeadmConfigPatchesJSON6902`.
    pub json6902: Vec<PatchJson6902>,
}

/// Where a list of patches comes from in the cluster config.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PatchLevel {
    /// The top-level fields.
    Cluster,
    /// The fields of `nodes[i]`.
    Node(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PatchKind {
    /// `kubeadmConfigPatches`
    Merge,
    /// `kubeadmConfigPatchesJSON6902`
    Json6902,
}

/// One patch, named by its place in the config file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PatchRef {
    pub level: PatchLevel,
    pub kind: PatchKind,
    /// Position in its list.
    pub index: usize,
    /// Position of the document within a multi-document merge patch (0 otherwise).
    pub document: usize,
}

impl fmt::Display for PatchRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let PatchLevel::Node(i) = self.level {
            write!(f, "nodes[{i}].")?;
        }
        let field = match self.kind {
            PatchKind::Merge => "kubeadmConfigPatches",
            PatchKind::Json6902 => "kubeadmConfigPatchesJSON6902",
        };
        write!(f, "{field}[{}]", self.index)?;
        if self.document > 0 {
            write!(f, " (document {})", self.document + 1)?;
        }
        Ok(())
    }
}

/// A patch that matched none of the node's kubeadm documents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UnmatchedPatch {
    pub patch: PatchRef,
    /// The `kind` it targets (may be empty).
    pub kind: String,
    /// The `apiVersion` it targets (empty: any).
    pub api_version: String,
}

impl fmt::Display for UnmatchedPatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = if self.kind.is_empty() { "<no kind>" } else { &self.kind };
        write!(f, "{} (kind {kind}", self.patch)?;
        if !self.api_version.is_empty() {
            write!(f, ", apiVersion {}", self.api_version)?;
        }
        write!(f, ") matches no kubeadm config document")
    }
}

/// A patch that cannot be read or applied, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{patch}: {reason}")]
pub(crate) struct PatchError {
    pub patch: PatchRef,
    pub reason: String,
}

/// kind's `matchInfo`: the v1 TypeMeta of a document or a patch.
#[derive(Debug, Clone, Default)]
struct MatchInfo {
    kind: String,
    api_version: String,
}

impl MatchInfo {
    fn of(value: &Value) -> Self {
        let field = |name: &str| value.get(name).and_then(Value::as_str).unwrap_or_default().to_string();
        MatchInfo { kind: field("kind"), api_version: field("apiVersion") }
    }

    fn of_json6902(patch: &PatchJson6902) -> Self {
        let api_version =
            if patch.group.is_empty() { patch.version.clone() } else { format!("{}/{}", patch.group, patch.version) };
        MatchInfo { kind: patch.kind.clone(), api_version }
    }

    /// Whether a patch with match info `patch` applies to this document.
    fn accepts(&self, patch: &MatchInfo) -> bool {
        if self.kind != patch.kind {
            return false;
        }
        if patch.api_version.is_empty() {
            return true;
        }
        // A patch naming a group but no version matches any version of the group.
        let (group, version) = group_version(&self.api_version);
        let (patch_group, patch_version) = group_version(&patch.api_version);
        group == patch_group && (patch_version.is_empty() || version == patch_version)
    }
}

fn group_version(api_version: &str) -> (&str, &str) {
    api_version.rsplit_once('/').unwrap_or(("", api_version))
}

struct MergePatch {
    at: PatchRef,
    info: MatchInfo,
    value: Value,
}

struct Json6902Patch {
    at: PatchRef,
    info: MatchInfo,
    ops: json_patch::Patch,
}

/// Parses YAML, or JSON that the YAML parser refuses (JSON with tabs, say).
fn parse_documents(text: &str) -> Result<Vec<Value>, String> {
    match yaml::from_multiple::<Value>(text) {
        Ok(docs) => Ok(docs),
        Err(yaml_error) => match serde_json::from_str::<Value>(text) {
            Ok(doc) => Ok(vec![doc]),
            Err(_) => Err(format!("not valid YAML or JSON: {yaml_error}")),
        },
    }
}

fn parse_merge_patches(patches: &[String], level: PatchLevel) -> Result<Vec<MergePatch>, PatchError> {
    let mut parsed = Vec::new();
    for (index, text) in patches.iter().enumerate() {
        let at = |document| PatchRef { level, kind: PatchKind::Merge, index, document };
        let docs = parse_documents(text).map_err(|reason| PatchError { patch: at(0), reason })?;
        for (document, value) in docs.into_iter().enumerate() {
            if !value.is_object() {
                return Err(PatchError {
                    patch: at(document),
                    reason: format!("a merge patch must be a mapping, not {}", describe(&value)),
                });
            }
            parsed.push(MergePatch { at: at(document), info: MatchInfo::of(&value), value });
        }
    }
    Ok(parsed)
}

fn parse_json6902_patches(patches: &[PatchJson6902], level: PatchLevel) -> Result<Vec<Json6902Patch>, PatchError> {
    patches
        .iter()
        .enumerate()
        .map(|(index, patch)| {
            let at = PatchRef { level, kind: PatchKind::Json6902, index, document: 0 };
            let error = |reason| PatchError { patch: at, reason };
            let mut docs = parse_documents(&patch.patch).map_err(error)?;
            if docs.len() != 1 {
                return Err(error(format!("expected one list of operations, found {} documents", docs.len())));
            }
            let ops = serde_json::from_value(docs.remove(0))
                .map_err(|e| error(format!("not a JSON 6902 list of operations: {e}")))?;
            Ok(Json6902Patch { at, info: MatchInfo::of_json6902(patch), ops })
        })
        .collect()
}

/// Applies one level's patches to the documents, kind's way, and returns
/// the patches that matched no document. Every patch is parsed before any
/// is applied, so an invalid patch is an error even if it would match
/// nothing. On error the documents may be partly patched.
pub(crate) fn apply_patches(
    docs: &mut [Value],
    patches: &KubeadmPatches,
    level: PatchLevel,
) -> Result<Vec<UnmatchedPatch>, PatchError> {
    let merge = parse_merge_patches(&patches.merge, level)?;
    let json6902 = parse_json6902_patches(&patches.json6902, level)?;
    let mut merge_used = vec![false; merge.len()];
    let mut json6902_used = vec![false; json6902.len()];
    for doc in docs.iter_mut() {
        // kind reads a document's TypeMeta once, before this level's patches.
        let info = MatchInfo::of(doc);
        for (patch, used) in merge.iter().zip(&mut merge_used) {
            if info.accepts(&patch.info) {
                *used = true;
                merge_kubeadm(doc, &patch.value, &info.api_version);
            }
        }
        for (patch, used) in json6902.iter().zip(&mut json6902_used) {
            if info.accepts(&patch.info) {
                *used = true;
                json_patch::patch(doc, &patch.ops).map_err(|e| PatchError {
                    patch: patch.at,
                    reason: format!("cannot apply to {}: {e}", info.kind),
                })?;
            }
        }
    }
    let unmatched_merge = merge.iter().zip(merge_used).filter(|(_, used)| !used).map(|(p, _)| (p.at, &p.info));
    let unmatched_json6902 = json6902.iter().zip(json6902_used).filter(|(_, used)| !used).map(|(p, _)| (p.at, &p.info));
    Ok(unmatched_merge
        .chain(unmatched_json6902)
        .map(|(patch, info)| UnmatchedPatch { patch, kind: info.kind.clone(), api_version: info.api_version.clone() })
        .collect())
}

/// kind puts `metadata: {name: config}` in its templates for matching and
/// strips it afterwards; a patch that carries it must not leave it behind.
pub(super) fn strip_kind_metadata(doc: &mut Value) {
    let Some(object) = doc.as_object_mut() else { return };
    let Some(Value::Object(metadata)) = object.get_mut("metadata") else { return };
    if metadata.get("name").and_then(Value::as_str) == Some("config") {
        metadata.shift_remove("name");
    }
    if metadata.is_empty() {
        object.shift_remove("metadata");
    }
}

/// RFC 7386 merge with kubeadm's list-valued fields merged, not replaced
/// (kind's `kubeadm_merge.go`).
fn merge_kubeadm(doc: &mut Value, patch: &Value, doc_api_version: &str) {
    let mut patch = patch.clone();
    if let (Value::Object(target), Value::Object(patch)) = (&mut *doc, &mut patch) {
        walk_and_merge(target, patch, doc_api_version.ends_with("/v1beta4"));
    }
    json_patch::merge(doc, &patch);
}

/// Merges the special fields of `patch` into `target` and removes them from
/// the patch, at any depth.
fn walk_and_merge(target: &mut Map<String, Value>, patch: &mut Map<String, Value>, v1beta4: bool) {
    let keys: Vec<String> = patch.keys().cloned().collect();
    for key in keys {
        match key.as_str() {
            "extraArgs" | "kubeletExtraArgs" => {
                // v1beta3 takes maps, which the plain merge patch handles.
                if v1beta4 && let Some(value) = patch.shift_remove(&key) {
                    merge_extra_args(target, &key, value);
                }
            }
            "certSANs" => {
                if let Some(value) = patch.shift_remove(&key) {
                    merge_cert_sans(target, &key, value);
                }
            }
            _ => {
                if let Some(Value::Object(patch_child)) = patch.get_mut(&key) {
                    let target_child = target.entry(key).or_insert_with(|| Value::Object(Map::new()));
                    if let Value::Object(target_child) = target_child {
                        walk_and_merge(target_child, patch_child, v1beta4);
                    }
                }
            }
        }
    }
}

/// kubeadm v1beta4 `extraArgs`: a list of `{name, value}`. Items of the patch
/// (a list, or an old-style map) update the item of the same name, are
/// appended, or with a null value delete it.
fn merge_extra_args(target: &mut Map<String, Value>, key: &str, patch: Value) {
    let patch_items: Vec<(String, Value)> = match patch {
        Value::Array(items) => items
            .into_iter()
            .filter_map(|item| {
                let name = item.get("name")?.as_str()?.to_string();
                Some((name, item.get("value").cloned().unwrap_or(Value::Null)))
            })
            .collect(),
        Value::Object(map) => map.into_iter().collect(),
        _ => Vec::new(),
    };
    let mut list = match target.shift_remove(key) {
        Some(Value::Array(list)) => list,
        Some(Value::Object(map)) => map.into_iter().map(|(name, value)| arg(name, value)).collect(),
        _ => Vec::new(),
    };
    for (name, value) in patch_items {
        let found = list.iter().position(|item| item.get("name").and_then(Value::as_str) == Some(name.as_str()));
        match (found, value.is_null()) {
            (Some(i), true) => {
                list.remove(i);
            }
            (Some(i), false) => {
                if let Value::Object(item) = &mut list[i] {
                    item.insert("value".into(), arg_value(value));
                }
            }
            (None, true) => {}
            (None, false) => list.push(arg(name, value)),
        }
    }
    target.insert(key.to_string(), Value::Array(list));
}

fn arg(name: String, value: Value) -> Value {
    let mut item = Map::new();
    item.insert("name".into(), Value::String(name));
    item.insert("value".into(), arg_value(value));
    Value::Object(item)
}

/// kubeadm's argument values are strings; `true` or `10` written unquoted in
/// a YAML map would fail to decode, so scalars become their text.
fn arg_value(value: Value) -> Value {
    match value {
        Value::Bool(b) => Value::String(b.to_string()),
        Value::Number(n) => Value::String(n.to_string()),
        other => other,
    }
}

/// `certSANs`: the union, in order, target first.
fn merge_cert_sans(target: &mut Map<String, Value>, key: &str, patch: Value) {
    let mut sans = match target.shift_remove(key) {
        Some(Value::Array(sans)) => sans,
        _ => Vec::new(),
    };
    if let Value::Array(patch) = patch {
        for san in patch {
            if !sans.contains(&san) {
                sans.push(san);
            }
        }
    }
    target.insert(key.to_string(), Value::Array(sans));
}

fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn kubeadm_docs(api: &str) -> Vec<Value> {
        vec![
            json!({
                "apiVersion": api,
                "kind": "ClusterConfiguration",
                "apiServer": {
                    "certSANs": ["localhost", "127.0.0.1"],
                    "extraArgs": [{"name": "runtime-config", "value": ""}],
                },
                "networking": {"podSubnet": "10.244.0.0/16"},
            }),
            json!({
                "apiVersion": api,
                "kind": "InitConfiguration",
                "nodeRegistration": {"kubeletExtraArgs": [{"name": "provider-id", "value": "kina://apple/k/n"}]},
            }),
            json!({"apiVersion": "kubelet.config.k8s.io/v1beta1", "kind": "KubeletConfiguration", "failSwapOn": false}),
        ]
    }

    fn merge(patches: &[&str]) -> KubeadmPatches {
        KubeadmPatches { merge: patches.iter().map(|p| p.to_string()).collect(), json6902: Vec::new() }
    }

    fn json6902(group: &str, version: &str, kind: &str, patch: &str) -> PatchJson6902 {
        PatchJson6902 { group: group.into(), version: version.into(), kind: kind.into(), patch: patch.into() }
    }

    fn v4() -> Vec<Value> {
        kubeadm_docs("kubeadm.k8s.io/v1beta4")
    }

    #[test]
    fn merge_patch_matches_by_kind_when_it_sets_no_api_version() {
        let mut docs = v4();
        let unmatched = apply_patches(
            &mut docs,
            &merge(&["kind: KubeletConfiguration\nmaxPods: 50\n", "kind: ClusterConfiguration\nfoo: 1"]),
            PatchLevel::Cluster,
        )
        .unwrap();
        assert!(unmatched.is_empty(), "{unmatched:?}");
        assert_eq!(docs[2]["maxPods"], 50);
        assert_eq!(docs[0]["foo"], 1);
        assert!(docs[1].get("maxPods").is_none() && docs[1].get("foo").is_none());
    }

    #[test]
    fn merge_patch_with_api_version_must_match_it() {
        let mut docs = v4();
        let unmatched = apply_patches(
            &mut docs,
            &merge(&[
                "apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\nold: true",
                "apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nnew: true",
                // A group without a version matches every version of the group.
                "apiVersion: kubeadm.k8s.io/\nkind: ClusterConfiguration\nany: true",
            ]),
            PatchLevel::Cluster,
        )
        .unwrap();
        assert!(docs[0].get("old").is_none());
        assert_eq!(docs[0]["new"], true);
        assert_eq!(docs[0]["any"], true);
        assert_eq!(unmatched.len(), 1);
        assert_eq!(
            unmatched[0].patch,
            PatchRef { level: PatchLevel::Cluster, kind: PatchKind::Merge, index: 0, document: 0 }
        );
        assert_eq!(unmatched[0].api_version, "kubeadm.k8s.io/v1beta3");
        assert_eq!(
            unmatched[0].to_string(),
            "kubeadmConfigPatches[0] (kind ClusterConfiguration, apiVersion kubeadm.k8s.io/v1beta3) \
             matches no kubeadm config document"
        );
    }

    #[test]
    fn multi_document_merge_patch_and_json_patch_text() {
        let mut docs = v4();
        let text = "kind: KubeletConfiguration\nmaxPods: 10\n---\nkind: InitConfiguration\nnodeRegistration:\n  taints: []\n---\nkind: Nothing\n";
        let json_text = "{\n\t\"kind\": \"ClusterConfiguration\",\n\t\"networking\": {\"dnsDomain\": \"k.local\"}\n}";
        let unmatched = apply_patches(&mut docs, &merge(&[text, json_text]), PatchLevel::Node(2)).unwrap();
        assert_eq!(docs[2]["maxPods"], 10);
        assert_eq!(docs[1]["nodeRegistration"]["taints"], json!([]));
        assert_eq!(docs[0]["networking"], json!({"podSubnet": "10.244.0.0/16", "dnsDomain": "k.local"}));
        assert_eq!(unmatched.len(), 1);
        assert_eq!(unmatched[0].patch.to_string(), "nodes[2].kubeadmConfigPatches[0] (document 3)");
    }

    #[test]
    fn merge_patch_null_deletes_and_lists_replace() {
        let mut docs = v4();
        apply_patches(
            &mut docs,
            &merge(&["kind: ClusterConfiguration\nnetworking:\n  podSubnet: null\n  serviceSubnet: 10.0.0.0/16"]),
            PatchLevel::Cluster,
        )
        .unwrap();
        assert_eq!(docs[0]["networking"], json!({"serviceSubnet": "10.0.0.0/16"}));
    }

    #[test]
    fn v1beta4_extra_args_maps_are_merged_into_the_list() {
        let mut docs = v4();
        let patch = "kind: ClusterConfiguration\napiServer:\n  extraArgs:\n    runtime-config: api/all=true\n    audit-log-maxage: 30\n    enable-admission-plugins: NodeRestriction\ncontrollerManager:\n  extraArgs:\n    bind-address: 0.0.0.0\n";
        let node_patch = "kind: InitConfiguration\nnodeRegistration:\n  kubeletExtraArgs:\n    node-labels: \"ingress-ready=true\"\n    provider-id: null\n";
        apply_patches(&mut docs, &merge(&[patch, node_patch]), PatchLevel::Cluster).unwrap();
        assert_eq!(
            docs[0]["apiServer"]["extraArgs"],
            json!([
                {"name": "runtime-config", "value": "api/all=true"},
                {"name": "audit-log-maxage", "value": "30"},
                {"name": "enable-admission-plugins", "value": "NodeRestriction"},
            ])
        );
        assert_eq!(docs[0]["controllerManager"]["extraArgs"], json!([{"name": "bind-address", "value": "0.0.0.0"}]));
        assert_eq!(
            docs[1]["nodeRegistration"]["kubeletExtraArgs"],
            json!([{"name": "node-labels", "value": "ingress-ready=true"}])
        );
    }

    #[test]
    fn v1beta4_extra_args_lists_merge_by_name() {
        let mut docs = v4();
        let patch = "kind: ClusterConfiguration\napiServer:\n  extraArgs:\n  - name: runtime-config\n    value: v1=true\n  - name: v\n    value: \"4\"\n";
        apply_patches(&mut docs, &merge(&[patch]), PatchLevel::Cluster).unwrap();
        assert_eq!(
            docs[0]["apiServer"]["extraArgs"],
            json!([{"name": "runtime-config", "value": "v1=true"}, {"name": "v", "value": "4"}])
        );
        assert_eq!(docs[0]["apiServer"]["certSANs"], json!(["localhost", "127.0.0.1"]), "siblings are kept");
    }

    #[test]
    fn v1beta3_extra_args_merge_as_maps() {
        let mut docs = vec![json!({
            "apiVersion": "kubeadm.k8s.io/v1beta3",
            "kind": "ClusterConfiguration",
            "apiServer": {"extraArgs": {"runtime-config": "", "feature-gates": "A=true"}},
        })];
        apply_patches(
            &mut docs,
            &merge(&["kind: ClusterConfiguration\napiServer:\n  extraArgs:\n    runtime-config: v1=true\n    feature-gates: null\n    v: \"2\""]),
            PatchLevel::Cluster,
        )
        .unwrap();
        assert_eq!(docs[0]["apiServer"]["extraArgs"], json!({"runtime-config": "v1=true", "v": "2"}));
    }

    #[test]
    fn cert_sans_are_merged_not_replaced() {
        for api in ["kubeadm.k8s.io/v1beta4", "kubeadm.k8s.io/v1beta3"] {
            let mut docs = kubeadm_docs(api);
            apply_patches(
                &mut docs,
                &merge(&["kind: ClusterConfiguration\napiServer:\n  certSANs: [127.0.0.1, my.host.test, 10.0.0.1]"]),
                PatchLevel::Cluster,
            )
            .unwrap();
            assert_eq!(
                docs[0]["apiServer"]["certSANs"],
                json!(["localhost", "127.0.0.1", "my.host.test", "10.0.0.1"]),
                "{api}"
            );
        }
    }

    #[test]
    fn json6902_matches_group_version_kind() {
        let mut docs = v4();
        let patches = KubeadmPatches {
            merge: Vec::new(),
            json6902: vec![
                json6902(
                    "kubeadm.k8s.io",
                    "v1beta4",
                    "ClusterConfiguration",
                    "- op: add\n  path: /apiServer/certSANs/-\n  value: extra.test\n",
                ),
                json6902(
                    "kubeadm.k8s.io",
                    "v1beta3",
                    "ClusterConfiguration",
                    "[{\"op\": \"remove\", \"path\": \"/networking\"}]",
                ),
                json6902(
                    "kubelet.config.k8s.io",
                    "v1beta1",
                    "KubeletConfiguration",
                    r#"[{"op": "replace", "path": "/failSwapOn", "value": true}]"#,
                ),
                json6902("", "", "InitConfiguration", r#"[{"op": "add", "path": "/dryRun", "value": true}]"#),
            ],
        };
        let unmatched = apply_patches(&mut docs, &patches, PatchLevel::Cluster).unwrap();
        assert_eq!(docs[0]["apiServer"]["certSANs"], json!(["localhost", "127.0.0.1", "extra.test"]));
        assert!(docs[0].get("networking").is_some(), "the v1beta3 patch must not apply");
        assert_eq!(docs[2]["failSwapOn"], true);
        assert_eq!(docs[1]["dryRun"], true, "no group and version: kind only");
        assert_eq!(unmatched.len(), 1);
        assert_eq!(unmatched[0].patch.kind, PatchKind::Json6902);
        assert_eq!(unmatched[0].patch.index, 1);
        assert_eq!(unmatched[0].patch.to_string(), "kubeadmConfigPatchesJSON6902[1]");
    }

    #[test]
    fn merge_patches_run_before_json6902_within_a_level() {
        let mut docs = v4();
        let patches = KubeadmPatches {
            merge: vec!["kind: KubeletConfiguration\nmaxPods: 10".into()],
            // Fails unless the merge patch already added /maxPods.
            json6902: vec![json6902(
                "kubelet.config.k8s.io",
                "v1beta1",
                "KubeletConfiguration",
                "- op: test\n  path: /maxPods\n  value: 10\n- op: replace\n  path: /maxPods\n  value: 20\n",
            )],
        };
        apply_patches(&mut docs, &patches, PatchLevel::Cluster).unwrap();
        assert_eq!(docs[2]["maxPods"], 20);
    }

    #[test]
    fn invalid_patches_are_named() {
        let mut docs = v4();
        let err = apply_patches(&mut docs, &merge(&["kind: A\n", "kind: [unclosed"]), PatchLevel::Node(1)).unwrap_err();
        assert_eq!(err.patch.to_string(), "nodes[1].kubeadmConfigPatches[1]");
        assert!(err.to_string().starts_with("nodes[1].kubeadmConfigPatches[1]: not valid YAML or JSON"), "{err}");

        let err = apply_patches(&mut docs, &merge(&["- a\n- b\n"]), PatchLevel::Cluster).unwrap_err();
        assert_eq!(err.to_string(), "kubeadmConfigPatches[0]: a merge patch must be a mapping, not a list");

        let bad_op = KubeadmPatches {
            merge: Vec::new(),
            json6902: vec![json6902("", "", "Nothing", "- op: frobnicate\n  path: /a\n")],
        };
        let err = apply_patches(&mut docs, &bad_op, PatchLevel::Cluster).unwrap_err();
        assert!(
            err.to_string().starts_with("kubeadmConfigPatchesJSON6902[0]: not a JSON 6902 list of operations"),
            "{err}"
        );

        let failing = KubeadmPatches {
            merge: Vec::new(),
            json6902: vec![json6902(
                "kubeadm.k8s.io",
                "v1beta4",
                "InitConfiguration",
                r#"[{"op": "remove", "path": "/does/not/exist"}]"#,
            )],
        };
        let err = apply_patches(&mut docs, &failing, PatchLevel::Node(0)).unwrap_err();
        assert_eq!(
            err.patch,
            PatchRef { level: PatchLevel::Node(0), kind: PatchKind::Json6902, index: 0, document: 0 }
        );
        assert!(
            err.to_string()
                .starts_with("nodes[0].kubeadmConfigPatchesJSON6902[0]: cannot apply to InitConfiguration: "),
            "{err}"
        );
        assert!(err.to_string().contains("/does/not/exist"), "{err}");
    }

    #[test]
    fn strips_kind_metadata() {
        let mut doc = json!({"kind": "X", "metadata": {"name": "config"}});
        strip_kind_metadata(&mut doc);
        assert_eq!(doc, json!({"kind": "X"}));
        let mut doc = json!({"kind": "X", "metadata": {"name": "config", "labels": {"a": "b"}}});
        strip_kind_metadata(&mut doc);
        assert_eq!(doc, json!({"kind": "X", "metadata": {"labels": {"a": "b"}}}));
    }
}

//! `kubectl apply|create|delete -f`: objects are parsed, validated and remembered per cluster.

use super::Ctx;
use super::kinds::{self, Kind};
use super::model::Cluster;
use super::objects::{LAST_APPLIED, after_write, subset, user_content};
use crate::out::{Out, or_return};
use crate::util::compact_json;
use serde_json::Value;

const CLUSTER_SCOPED: &[&str] = &[
    "Namespace",
    "Node",
    "ClusterRole",
    "ClusterRoleBinding",
    "StorageClass",
    "CustomResourceDefinition",
    "PersistentVolume",
    "PriorityClass",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "APIService",
    "IngressClass",
    "CSIDriver",
    "RuntimeClass",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
];
const BUILTIN_NAMESPACES: &[&str] = &["default", "kube-system", "kube-public", "kube-node-lease"];
/// API groups the API server itself serves (no CRD needed).
pub const BUILTIN_GROUPS: &[&str] = &[
    "",
    "apps",
    "batch",
    "policy",
    "autoscaling",
    "admissionregistration.k8s.io",
    "apiextensions.k8s.io",
    "apiregistration.k8s.io",
    "authentication.k8s.io",
    "authorization.k8s.io",
    "certificates.k8s.io",
    "coordination.k8s.io",
    "discovery.k8s.io",
    "events.k8s.io",
    "flowcontrol.apiserver.k8s.io",
    "internal.apiserver.k8s.io",
    "networking.k8s.io",
    "node.k8s.io",
    "rbac.authorization.k8s.io",
    "resource.k8s.io",
    "scheduling.k8s.io",
    "storage.k8s.io",
    "storagemigration.k8s.io",
];

pub fn plural(kind: &str) -> String {
    let k = kind.to_ascii_lowercase();
    if k.ends_with('s') || k.ends_with('x') {
        format!("{k}es")
    } else if let Some(stem) = k.strip_suffix('y') {
        format!("{stem}ies")
    } else {
        format!("{k}s")
    }
}

/// Reads the manifests named by `-f` (a node path, or `-` for stdin); returns (source, docs).
pub fn read_manifests(ctx: &mut Ctx, file: &str) -> Result<(String, Vec<Value>), Out> {
    let (source, text) = if file == "-" {
        ("STDIN".to_string(), ctx.take_stdin())
    } else {
        match ctx.node().read(file).cloned() {
            Some(t) => (file.to_string(), t),
            None => return Err(Out::fail(1, format!("error: the path \"{file}\" does not exist"))),
        }
    };
    let docs: Vec<Option<Value>> = serde_saphyr::from_multiple(&text).map_err(|e| {
        Out::fail(1, format!("error: error parsing {source}: error converting YAML to JSON: yaml: {e}"))
    })?;
    let mut out = Vec::new();
    for doc in docs.into_iter().flatten() {
        if doc["kind"] == "List" {
            out.extend(doc["items"].as_array().cloned().unwrap_or_default());
        } else if !doc.is_null() {
            out.push(doc);
        }
    }
    Ok((source, out))
}

/// `apply|create -f FILE [--server-side] [--force-conflicts] [--field-manager=M]`.
pub struct ApplyOpts {
    pub create: bool,
    pub server_side: bool,
}

/// The kind an object maps to, if the server knows it: built-in, a CRD's, or a kind
/// of a built-in group the table lacks (namespaced unless listed cluster-scoped).
pub fn mapping(cluster: &Cluster, api: &str, kind: &str) -> Option<Kind> {
    kinds::by_api(cluster, api, kind).or_else(|| {
        let group = api.rsplit_once('/').map_or("", |(g, _)| g);
        BUILTIN_GROUPS.contains(&group).then(|| Kind {
            kind: kind.to_string(),
            group: group.to_string(),
            plural: plural(kind),
            short: vec![],
            namespaced: !CLUSTER_SCOPED.contains(&kind),
            versions: vec![],
        })
    })
}

/// Applies (or creates) the objects in `file`. As kubectl, every object is mapped to
/// a kind before any is written: a custom resource whose CRD arrives in the same
/// manifest is not found, the others are applied, and the errors come last.
pub fn apply(ctx: &mut Ctx, cp: &str, file: &str, opts: ApplyOpts, default_ns: Option<&str>) -> Out {
    let ApplyOpts { create, server_side } = opts;
    let (source, docs) = or_return!(read_manifests(ctx, file));
    for doc in &docs {
        let mut missing = Vec::new();
        if doc["apiVersion"].as_str().is_none_or(str::is_empty) {
            missing.push("apiVersion not set");
        }
        if doc["kind"].as_str().is_none_or(str::is_empty) {
            missing.push("kind not set");
        }
        if !missing.is_empty() {
            return Out::fail(
                1,
                format!(
                    "error: error validating \"{source}\": error validating data: [{}]; if you choose to ignore these errors, turn validation off with --validate=false",
                    missing.join(", ")
                ),
            );
        }
        if doc["metadata"]["name"].as_str().is_none_or(str::is_empty) {
            return Out::fail(1, "error: resource name may not be empty");
        }
    }
    if docs.is_empty() {
        return Out::fail(1, "error: no objects passed to apply");
    }
    let cluster: &mut Cluster = ctx.state.containers.get_mut(cp).unwrap().node.cluster.as_mut().unwrap();
    let mut mapped = Vec::new();
    let mut errors = Vec::new();
    for doc in docs {
        let api = doc["apiVersion"].as_str().unwrap().to_string();
        let kind = doc["kind"].as_str().unwrap().to_string();
        match mapping(cluster, &api, &kind) {
            Some(k) => mapped.push((k, doc)),
            None => errors.push(format!(
                "error: resource mapping not found for name: {:?} namespace: {:?} from {source:?}: no matches for kind {kind:?} in version {api:?}\nensure CRDs are installed first\n",
                doc["metadata"]["name"].as_str().unwrap_or_default(),
                doc["metadata"]["namespace"].as_str().unwrap_or_default(),
            )),
        }
    }
    let mut out = Out::default();
    for (k, mut doc) in mapped {
        let kind = k.kind.clone();
        let name = doc["metadata"]["name"].as_str().unwrap().to_string();
        let res = k.resource();
        let namespace = if !k.namespaced {
            if let Some(meta) = doc["metadata"].as_object_mut() {
                meta.remove("namespace");
            }
            None
        } else {
            let own = doc["metadata"]["namespace"].as_str().filter(|n| !n.is_empty()).map(str::to_string);
            if let (Some(own), Some(flag)) = (&own, default_ns)
                && own != flag
            {
                out.stderr.push_str(&format!("error: the namespace from the provided object \"{own}\" does not match the namespace \"{flag}\". You must pass '--namespace={own}' to perform this operation.\n"));
                out.code = 1;
                return out;
            }
            let ns = own.or(default_ns.map(str::to_string)).unwrap_or_else(|| "default".into());
            doc["metadata"]["namespace"] = Value::String(ns.clone());
            Some(ns)
        };
        let existing =
            cluster.objects.iter().position(|o| o.resource == res && o.name == name && o.namespace == namespace);
        if let Some(ns) = &namespace
            && existing.is_none()
            && !namespace_exists(cluster, ns)
        {
            let context = if server_side { String::new() } else { format!("error when creating \"{source}\": ") };
            out.stderr.push_str(&format!("Error from server (NotFound): {context}namespaces \"{ns}\" not found\n"));
            out.code = 1;
            continue;
        }
        let content = user_content(&doc);
        if server_side {
            match existing {
                Some(i) => {
                    let mut merged = content;
                    // Server-side apply keeps kubectl's record of an earlier client-side apply.
                    let old = &cluster.objects[i].body["metadata"]["annotations"][LAST_APPLIED];
                    if !old.is_null() {
                        merged["metadata"]["annotations"][LAST_APPLIED] = old.clone();
                    }
                    if !subset(&user_content(&merged), &user_content(&cluster.objects[i].body)) {
                        cluster.update_object(i, merged);
                        after_write(cluster, i);
                    }
                }
                None => {
                    let i = cluster.create_object(&res, namespace, content);
                    after_write(cluster, i);
                }
            }
            out.stdout.push_str(&format!("{res}/{name} serverside-applied\n"));
            continue;
        }
        // What `kubectl apply` records: the object as given, without the record itself.
        let mut recorded = doc.clone();
        if let Some(ann) = recorded["metadata"].get_mut("annotations").and_then(Value::as_object_mut) {
            ann.remove(LAST_APPLIED);
        }
        if recorded["metadata"]["annotations"].as_object().is_some_and(|a| a.is_empty()) {
            recorded["metadata"].as_object_mut().unwrap().remove("annotations");
        }
        let with_record = |mut v: Value| {
            v["metadata"]["annotations"][LAST_APPLIED] = Value::String(compact_json(&recorded) + "\n");
            v
        };
        let word = match existing {
            Some(_) if create => {
                out.stderr.push_str(&format!("Error from server (AlreadyExists): error when creating \"{source}\": {} \"{name}\" already exists\n", k.qualified_plural()));
                out.code = 1;
                continue;
            }
            Some(i) => {
                let live = &cluster.objects[i].body;
                let live_version = live["metadata"]["resourceVersion"].as_str().unwrap_or_default().to_string();
                if let Some(given) = doc["metadata"]["resourceVersion"].as_str()
                    && given != live_version
                {
                    out.stderr.push_str(&format!("Error from server (Conflict): error when applying patch:\n{}\nfor: \"{source}\": error when patching \"{source}\": Operation cannot be fulfilled on {} \"{name}\": the object has been modified; please apply your changes to the latest version and try again\n", compact_json(&content), k.plural));
                    out.code = 1;
                    continue;
                }
                let record = &live["metadata"]["annotations"][LAST_APPLIED];
                let recorded_before = !record.is_null();
                let same_record = record.as_str().is_some_and(|r| r.trim_end() == compact_json(&recorded));
                let same = user_content(live) == content || (same_record && subset(&content, &user_content(live)));
                if recorded_before && same {
                    "unchanged"
                } else {
                    if !recorded_before {
                        out.stderr.push_str(&format!("Warning: resource {}/{name} is missing the {LAST_APPLIED} annotation which is required by kubectl apply. kubectl apply should only be used on resources created declaratively by either kubectl create --save-config or kubectl apply. The missing annotation will be patched automatically.\n", plural(&kind)));
                    }
                    cluster.update_object(i, with_record(content));
                    after_write(cluster, i);
                    "configured"
                }
            }
            None => {
                let body = if create { content } else { with_record(content) };
                let i = cluster.create_object(&res, namespace, body);
                after_write(cluster, i);
                "created"
            }
        };
        out.stdout.push_str(&format!("{res}/{name} {word}\n"));
    }
    for e in errors {
        out.stderr.push_str(&e);
        out.code = 1;
    }
    out
}

/// Whether namespace `ns` exists (the built-in ones always do).
pub fn namespace_exists(cluster: &Cluster, ns: &str) -> bool {
    BUILTIN_NAMESPACES.contains(&ns) || cluster.objects.iter().any(|o| o.resource == "namespace" && o.name == ns)
}

/// Matches a user-typed resource (`ds`, `deployments`, `storageclass.storage.k8s.io`) to a stored one.
pub fn matches(query: &str, stored: &str) -> bool {
    let q = query.to_ascii_lowercase();
    let q = match q.as_str() {
        "ds" => "daemonset".to_string(),
        "deploy" => "deployment".into(),
        "sc" => "storageclass".into(),
        "ns" => "namespace".into(),
        "sa" => "serviceaccount".into(),
        "cm" => "configmap".into(),
        "svc" => "service".into(),
        _ => q,
    };
    let (q_kind, q_group) =
        q.split_once('.').map(|(k, g)| (k.to_string(), Some(g.to_string()))).unwrap_or((q.clone(), None));
    let (s_kind, s_group) = stored.split_once('.').map(|(k, g)| (k, Some(g))).unwrap_or((stored, None));
    let kind_ok = q_kind == s_kind || q_kind == plural(s_kind);
    kind_ok && q_group.is_none_or(|g| Some(g.as_str()) == s_group)
}

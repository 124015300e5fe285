//! `kubectl apply|create|delete -f`: objects are parsed, validated and remembered per cluster.

use super::Ctx;
use super::model::Cluster;
use super::objects::{LAST_APPLIED, after_write, qualified_plural, user_content};
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

/// `daemonset.apps` for `apps/v1` DaemonSet, `serviceaccount` for `v1`.
fn resource(api: &str, kind: &str) -> String {
    match api.split_once('/') {
        Some((group, _)) => format!("{}.{group}", kind.to_ascii_lowercase()),
        None => kind.to_ascii_lowercase(),
    }
}

/// Reads the manifests named by `-f` (a node path, or `-` for stdin); returns (source, docs).
fn read_manifests(ctx: &mut Ctx, file: &str) -> Result<(String, Vec<Value>), Out> {
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

/// Applies (`create == false`) or creates the objects in `file` in `cluster`.
pub fn apply(ctx: &mut Ctx, cp: &str, file: &str, create: bool, default_ns: Option<&str>) -> Out {
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
    let mut out = Out::default();
    for mut doc in docs {
        let api = doc["apiVersion"].as_str().unwrap().to_string();
        let kind = doc["kind"].as_str().unwrap().to_string();
        let name = doc["metadata"]["name"].as_str().unwrap().to_string();
        let res = resource(&api, &kind);
        let namespace = if CLUSTER_SCOPED.contains(&kind.as_str()) {
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
        let verb = if create { "creating" } else { "applying" };
        if let Some(ns) = &namespace {
            let exists = BUILTIN_NAMESPACES.contains(&ns.as_str())
                || cluster.objects.iter().any(|o| o.resource == "namespace" && &o.name == ns);
            if !exists {
                out.stderr.push_str(&format!(
                    "Error from server (NotFound): error when {verb} \"{source}\": namespaces \"{ns}\" not found\n"
                ));
                out.code = 1;
                continue;
            }
        }
        let existing =
            cluster.objects.iter().position(|o| o.resource == res && o.name == name && o.namespace == namespace);
        let content = user_content(&doc);
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
                out.stderr.push_str(&format!("Error from server (AlreadyExists): error when creating \"{source}\": {} \"{name}\" already exists\n", qualified_plural(&res)));
                out.code = 1;
                continue;
            }
            Some(i) => {
                let live = &cluster.objects[i].body;
                let live_version = live["metadata"]["resourceVersion"].as_str().unwrap_or_default().to_string();
                if let Some(given) = doc["metadata"]["resourceVersion"].as_str()
                    && given != live_version
                {
                    out.stderr.push_str(&format!("Error from server (Conflict): error when applying patch:\n{}\nfor: \"{source}\": error when patching \"{source}\": Operation cannot be fulfilled on {} \"{name}\": the object has been modified; please apply your changes to the latest version and try again\n", compact_json(&content), qualified_plural(&res).split('.').next().unwrap()));
                    out.code = 1;
                    continue;
                }
                let recorded_before = !live["metadata"]["annotations"][LAST_APPLIED].is_null();
                if recorded_before && user_content(live) == content {
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
    out
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

pub fn delete(ctx: &mut Ctx, cp: &str, what: &str, names: &[String], ns: Option<&str>) -> Out {
    let cluster = ctx.state.containers.get_mut(cp).unwrap().node.cluster.as_mut().unwrap();
    let mut out = Out::default();
    for name in names {
        if matches(what, "node") {
            let before = cluster.nodes.len();
            cluster.nodes.retain(|n| &n.name != name);
            if before == cluster.nodes.len() {
                out.stderr.push_str(&format!("Error from server (NotFound): nodes \"{name}\" not found\n"));
                out.code = 1;
            } else {
                out.stdout.push_str(&format!("node \"{name}\" deleted\n"));
            }
            continue;
        }
        let pos = cluster.objects.iter().position(|o| {
            matches(what, &o.resource)
                && &o.name == name
                && (o.namespace.is_none() || o.namespace.as_deref() == Some(ns.unwrap_or("default")))
        });
        match pos {
            Some(i) => {
                let o = cluster.objects.remove(i);
                out.stdout.push_str(&format!("{} \"{name}\" deleted\n", o.resource));
            }
            None => {
                let shown = super::objects::resolve(cluster, what).map(|r| qualified_plural(&r));
                out.stderr.push_str(&format!(
                    "Error from server (NotFound): {} \"{name}\" not found\n",
                    shown.unwrap_or_else(|| what.to_string())
                ));
                out.code = 1;
            }
        }
    }
    out
}

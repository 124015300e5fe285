//! `kubectl delete -f FILE` and `kubectl delete TYPE NAME...|TYPE/NAME...`, with the
//! cascades the API server performs: a Namespace takes its objects with it, a
//! CustomResourceDefinition its custom resources.

use super::Ctx;
use super::kinds::{self, CRD, Kind};
use super::kubectl::{file_arg, positionals};
use super::kubectl_apply::{mapping, read_manifests};
use super::model::Cluster;
use crate::out::{Out, or_return};

fn flag_on(words: &[String], name: &str) -> bool {
    words.iter().any(|w| w == name || w == &format!("{name}=true"))
}

/// What to remove once the command is done (the API server's finalizers and GC).
#[derive(Default)]
struct Cascade {
    namespaces: Vec<String>,
    custom: Vec<String>,
}

fn deleted_line(kind: &Kind, name: &str, ns: Option<&str>) -> String {
    match ns {
        Some(ns) => format!("{} \"{name}\" deleted from {ns} namespace\n", kind.resource()),
        None => format!("{} \"{name}\" deleted\n", kind.resource()),
    }
}

/// Removes one object; `None` if it does not exist.
fn remove(cluster: &mut Cluster, kind: &Kind, name: &str, ns: Option<&str>, cascade: &mut Cascade) -> Option<()> {
    let res = kind.resource();
    let i = cluster.objects.iter().position(|o| o.resource == res && o.name == name && o.namespace.as_deref() == ns)?;
    let o = cluster.objects.remove(i);
    if res == "namespace" {
        cascade.namespaces.push(o.name);
    } else if res == CRD {
        let group = o.body["spec"]["group"].as_str().unwrap_or_default();
        let kind = o.body["spec"]["names"]["kind"].as_str().unwrap_or_default();
        cascade.custom.push(format!("{}.{group}", kind.to_ascii_lowercase()));
    }
    Some(())
}

fn finish(cluster: &mut Cluster, cascade: Cascade) {
    cluster.objects.retain(|o| {
        !cascade.custom.contains(&o.resource) && o.namespace.as_ref().is_none_or(|ns| !cascade.namespaces.contains(ns))
    });
}

pub fn delete(ctx: &mut Ctx, cp: &str, words: &[String], ns: Option<&str>) -> Out {
    let ignore = flag_on(words, "--ignore-not-found");
    let default_ns = ns.unwrap_or("default").to_string();
    let mut out = Out::default();
    let mut cascade = Cascade::default();
    if let Some(file) = file_arg(words) {
        let (source, docs) = or_return!(read_manifests(ctx, &file));
        let cluster = ctx.state.containers.get_mut(cp).unwrap().node.cluster.as_mut().unwrap();
        let mut errors = String::new();
        for doc in docs {
            let api = doc["apiVersion"].as_str().unwrap_or_default();
            let kind_name = doc["kind"].as_str().unwrap_or_default();
            let name = doc["metadata"]["name"].as_str().unwrap_or_default().to_string();
            let Some(kind) = mapping(cluster, api, kind_name) else {
                errors.push_str(&format!(
                    "error: resource mapping not found for name: {name:?} namespace: {:?} from {source:?}: no matches for kind {kind_name:?} in version {api:?}\nensure CRDs are installed first\n",
                    doc["metadata"]["namespace"].as_str().unwrap_or_default()
                ));
                continue;
            };
            let obj_ns = kind
                .namespaced
                .then(|| doc["metadata"]["namespace"].as_str().map(str::to_string).unwrap_or(default_ns.clone()));
            match remove(cluster, &kind, &name, obj_ns.as_deref(), &mut cascade) {
                Some(()) => out.stdout.push_str(&deleted_line(&kind, &name, obj_ns.as_deref())),
                None if ignore => {}
                None => errors.push_str(&format!(
                    "Error from server (NotFound): error when deleting \"{source}\": {} \"{name}\" not found\n",
                    kind.qualified_plural()
                )),
            }
        }
        finish(cluster, cascade);
        if !errors.is_empty() {
            out.stderr.push_str(&errors);
            out.code = 1;
        }
        return out;
    }
    let pos = positionals(words);
    let mut targets: Vec<(String, String)> = Vec::new();
    let mut current: Option<String> = None;
    for p in &pos {
        match p.split_once('/') {
            Some((t, n)) => targets.push((t.to_string(), n.to_string())),
            None if current.is_none() && targets.is_empty() => current = Some(p.clone()),
            None => match &current {
                Some(t) => targets.push((t.clone(), p.clone())),
                None => {
                    return Out::fail(
                        1,
                        "error: there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource resource/<resource_name>'",
                    );
                }
            },
        }
    }
    if targets.is_empty() {
        return match current {
            Some(_) => Out::fail(1, "error: resource(s) were provided, but no name was specified"),
            None => Out::fail(
                1,
                "error: You must provide one or more resources by argument or filename.\nExample resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'",
            ),
        };
    }
    let cluster = ctx.state.containers.get_mut(cp).unwrap().node.cluster.as_mut().unwrap();
    for (t, name) in targets {
        let Some(kind) = kinds::by_name(cluster, &t) else {
            out.stderr.push_str(&format!("error: the server doesn't have a resource type \"{t}\"\n"));
            out.code = 1;
            continue;
        };
        if kind.kind == "Node" {
            let before = cluster.nodes.len();
            cluster.nodes.retain(|n| n.name != name);
            if before != cluster.nodes.len() {
                out.stdout.push_str(&format!("node \"{name}\" deleted\n"));
            } else if !ignore {
                out.stderr.push_str(&format!("Error from server (NotFound): nodes \"{name}\" not found\n"));
                out.code = 1;
            }
            continue;
        }
        let obj_ns = kind.namespaced.then(|| default_ns.clone());
        match remove(cluster, &kind, &name, obj_ns.as_deref(), &mut cascade) {
            Some(()) => out.stdout.push_str(&deleted_line(&kind, &name, obj_ns.as_deref())),
            None if ignore => {}
            None => {
                out.stderr.push_str(&format!(
                    "Error from server (NotFound): {} \"{name}\" not found\n",
                    kind.qualified_plural()
                ));
                out.code = 1;
            }
        }
    }
    finish(cluster, cascade);
    out
}

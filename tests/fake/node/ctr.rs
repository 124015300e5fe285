//! `ctr images` in the emulated node: `import`, `ls`, `tag` and `rm`, per
//! containerd namespace. Only `k8s.io` is what the kubelet (the CRI plugin)
//! sees; an image imported into any other namespace exists for `ctr` but not
//! for pods (`ErrImageNeverPull`), see [`cri_images`].
//!
//! The image metadata is kept as JSON in the node's filesystem at
//! [`METADATA`] (containerd's bolt database survives restarts the same way).
//! What an archive holds is read by ctr_import.rs. For tests, every archive an
//! import read is kept as `<n>.tar` under [`IMPORTS`] (readable with `cat`; `ls`
//! counts imports): byte for byte when it is text, as the fake's own archives are.

use super::Ctx;
use super::ctr_import::Options;
use super::files::parent;
use super::model::Node;
use crate::out::Out;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const METADATA: &str = "/var/lib/containerd/io.containerd.metadata.v1.bolt/meta.db";
pub const IMPORTS: &str = "/var/lib/fake-ctr/imports";
const CRI_NAMESPACE: &str = "k8s.io";
const INDEX_TYPE: &str = "application/vnd.oci.image.index.v1+json";

#[derive(Serialize, Deserialize, Clone)]
pub struct Image {
    pub digest: String,
    pub platforms: Vec<String>,
    pub size: u64,
    /// The target's media type (an OCI index, a Docker manifest, ...).
    #[serde(default = "index_type")]
    pub media_type: String,
}

fn index_type() -> String {
    INDEX_TYPE.to_string()
}

/// namespace → image name → image.
type Namespaces = BTreeMap<String, BTreeMap<String, Image>>;

fn load(node: &Node) -> Namespaces {
    node.read(METADATA).and_then(|text| serde_json::from_str(text).ok()).unwrap_or_default()
}

fn store(node: &mut Node, namespaces: &Namespaces) {
    node.mkdir_all(&parent(METADATA));
    let _ = node.write(METADATA, &serde_json::to_string(namespaces).expect("serialisable"), false);
}

/// `crictl images` rows for what the kubelet can run: the `k8s.io` namespace
/// only (an import anywhere else is invisible to it).
pub fn crictl_image_rows(node: &Node) -> Vec<String> {
    let images = load(node).remove(CRI_NAMESPACE).unwrap_or_default();
    images
        .iter()
        .map(|(name, image)| {
            let bare = name.split('@').next().unwrap_or(name);
            let (repo, tag) = match bare.rfind(':') {
                Some(i) if !bare[i..].contains('/') => (&bare[..i], &bare[i + 1..]),
                _ => (bare, "<none>"),
            };
            let id = image.digest.trim_start_matches("sha256:").get(..13).unwrap_or_default();
            format!("{repo:<41} {tag:<19} {id:<19} {}kB", image.size / 1000)
        })
        .collect()
}

fn fail(text: impl AsRef<str>) -> Out {
    Out::fail(1, format!("ctr: {}", text.as_ref()))
}

/// `ctr [--namespace NS | -n NS] [--address A] [--debug] images SUBCOMMAND ...`.
pub fn program(ctx: &mut Ctx, args: &[String]) -> Out {
    let mut namespace = ctx.env.get("CONTAINERD_NAMESPACE").cloned().unwrap_or_else(|| "default".into());
    let mut i = 0;
    while let Some(flag) = args.get(i).filter(|a| a.starts_with('-')) {
        let (name, inline) = match flag.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (flag.as_str(), None),
        };
        let takes_value = matches!(name, "--namespace" | "-n" | "--address" | "-a" | "--timeout" | "--connect-timeout");
        if !takes_value && name != "--debug" {
            return Out::fail(1, format!("Incorrect Usage: flag provided but not defined: {name}"));
        }
        let value = if takes_value && inline.is_none() {
            i += 1;
            args.get(i).cloned()
        } else {
            inline
        };
        if matches!(name, "--namespace" | "-n") {
            match value {
                Some(v) => namespace = v,
                None => return Out::fail(1, format!("Incorrect Usage: flag needs an argument: {name}")),
            }
        }
        i += 1;
    }
    let Some(command) = args.get(i) else { return Out::ok("NAME:\n   ctr - containerd CLI (fake)\n") };
    let rest = &args[i + 1..];
    match command.as_str() {
        "images" | "image" | "i" => images(ctx, &namespace, rest),
        "version" => Out::ok("Client:\n  Version:  v2.1.4\n\nServer:\n  Version:  v2.1.4\n"),
        other => fail(format!("the fake emulates only `ctr images`, not `ctr {other}`")),
    }
}

fn images(ctx: &mut Ctx, namespace: &str, args: &[String]) -> Out {
    let Some(sub) = args.first() else { return fail("no images subcommand") };
    let rest = &args[1..];
    match sub.as_str() {
        "import" => import(ctx, namespace, rest),
        "ls" | "list" => list(ctx.node(), namespace, rest),
        "tag" => tag(ctx.node(), namespace, rest),
        "rm" | "remove" | "delete" => remove(ctx.node(), namespace, rest),
        other => fail(format!("the fake emulates `ctr images import|ls|tag|rm`, not `{other}`")),
    }
}

/// `import [--platform P | --all-platforms] [--digests] [--base-name B] [--snapshotter S] [--no-unpack] FILE|-`.
fn import(ctx: &mut Ctx, namespace: &str, args: &[String]) -> Out {
    let mut platform = None;
    let mut all_platforms = false;
    let mut digests = false;
    let mut skip_digest_for_named = false;
    let mut prefix = None;
    let mut file = None;
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        match a.split_once('=').map_or(a, |(n, _)| n) {
            name @ ("--platform" | "--snapshotter" | "--base-name" | "--index-name") => {
                let value = match a.split_once('=') {
                    Some((_, v)) => Some(v.to_string()),
                    None => {
                        i += 1;
                        args.get(i).cloned()
                    }
                };
                match name {
                    "--platform" => platform = value,
                    "--base-name" => prefix = value,
                    _ => {}
                }
            }
            "--all-platforms" => all_platforms = true,
            "--digests" => digests = true,
            "--skip-digest-for-named" => skip_digest_for_named = true,
            "--no-unpack" | "--local" | "--compress-blobs" | "--sync-fs" => {}
            "-" => file = Some("-".to_string()),
            flag if flag.starts_with('-') => {
                return Out::fail(1, format!("Incorrect Usage: flag provided but not defined: {flag}"));
            }
            path => file = Some(path.to_string()),
        }
        i += 1;
    }
    let Some(file) = file else { return fail("expected 1 argument: the archive (or - for stdin)") };
    let data = if file == "-" {
        ctx.take_stdin_bytes()
    } else {
        match ctx.node().read(&file) {
            Some(text) => text.clone().into_bytes(),
            None => return fail(format!("open {file}: no such file or directory")),
        }
    };
    let arch = ctx.container().config["platform"]["architecture"].as_str().unwrap_or("arm64").to_string();
    let platform = platform.map(|p| p.split('/').take(2).collect::<Vec<_>>().join("/"));
    let options = Options {
        platform: platform.unwrap_or(format!("linux/{arch}")),
        all_platforms,
        digests,
        skip_digest_for_named,
        only_prefixed: prefix.is_some(),
        prefix: prefix.unwrap_or_else(|| format!("import-{}", crate::util::iso_now().get(..10).unwrap_or_default())),
    };
    let images = match super::ctr_import::import(&data, &options) {
        Ok(images) => images,
        Err(e) => return fail(e),
    };
    let mut out = Out::default();
    let node = ctx.node();
    let mut namespaces = load(node);
    for image in images {
        let record = Image {
            digest: image.digest.clone(),
            platforms: image.platforms,
            size: data.len() as u64,
            media_type: image.media_type,
        };
        namespaces.entry(namespace.to_string()).or_default().insert(image.name.clone(), record);
        out.stdout.push_str(&format!("unpacking {} ({})...done\n", image.name, image.digest));
    }
    store(node, &namespaces);
    node.mkdir_all(IMPORTS);
    let n = node.list(IMPORTS).len() + 1;
    let _ = node.write(&format!("{IMPORTS}/{n}.tar"), &String::from_utf8_lossy(&data), false);
    out
}

fn human(size: u64) -> String {
    format!("{:.1} KiB", size as f64 / 1024.0)
}

/// `ls [-q]`: `REF TYPE DIGEST SIZE PLATFORMS LABELS`, aligned like tabwriter.
fn list(node: &mut Node, namespace: &str, args: &[String]) -> Out {
    let images = load(node).remove(namespace).unwrap_or_default();
    if args.iter().any(|a| a == "-q" || a == "--quiet") {
        return Out::lines(&images.keys().collect::<Vec<_>>());
    }
    let labels = if namespace == CRI_NAMESPACE { "io.cri-containerd.image=managed" } else { "-" };
    let mut rows = vec![["REF", "TYPE", "DIGEST", "SIZE", "PLATFORMS", "LABELS"].map(String::from).to_vec()];
    for (name, i) in &images {
        let row = [name, &i.media_type, &i.digest, &human(i.size), &i.platforms.join(","), labels];
        rows.push(row.iter().map(|s| s.to_string()).collect());
    }
    let widths: Vec<usize> = (0..6).map(|c| rows.iter().map(|r| r[c].len()).max().unwrap_or(0)).collect();
    let lines: Vec<String> = rows
        .iter()
        .map(|r| {
            r.iter()
                .zip(&widths)
                .map(|(cell, w)| format!("{cell:<w$}"))
                .collect::<Vec<_>>()
                .join(" ")
                .trim_end()
                .to_string()
        })
        .collect();
    Out::lines(&lines)
}

/// `tag [--force] SOURCE TARGET...`: prints each target.
fn tag(node: &mut Node, namespace: &str, args: &[String]) -> Out {
    let force = args.iter().any(|a| a == "--force");
    let names: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    let [source, targets @ ..] = names.as_slice() else { return fail("please provide an image reference to tag from") };
    if targets.is_empty() {
        return fail("please provide an image reference to tag to");
    }
    let mut namespaces = load(node);
    let images = namespaces.entry(namespace.to_string()).or_default();
    let Some(image) = images.get(source.as_str()).cloned() else {
        return fail(format!("image \"{source}\": not found"));
    };
    let mut out = Out::default();
    for target in targets {
        if images.contains_key(target.as_str()) && !force {
            return fail(format!("image \"{target}\": already exists"));
        }
        images.insert(target.to_string(), image.clone());
        out.stdout.push_str(&format!("{target}\n"));
    }
    store(node, &namespaces);
    out
}

/// `rm NAME...`: prints each removed name.
fn remove(node: &mut Node, namespace: &str, args: &[String]) -> Out {
    let mut namespaces = load(node);
    let images = namespaces.entry(namespace.to_string()).or_default();
    let mut out = Out::default();
    for name in args.iter().filter(|a| !a.starts_with('-')) {
        match images.remove(name) {
            Some(_) => out.stdout.push_str(&format!("{name}\n")),
            None => return fail(format!("image \"{name}\": not found")),
        }
    }
    store(node, &namespaces);
    out
}

/// Records an image the CRI plugin pulled (`crictl pull`), as the kubelet then sees it.
pub fn record_pulled(node: &mut Node, reference: &str, digest: &str, size: u64) {
    let mut namespaces = load(node);
    let image = Image {
        digest: digest.to_string(),
        platforms: vec![crate::oci::STORED_PLATFORM.to_string()],
        size,
        media_type: INDEX_TYPE.to_string(),
    };
    namespaces.entry(CRI_NAMESPACE.to_string()).or_default().insert(reference.to_string(), image);
    store(node, &namespaces);
}

/// Whether the kubelet finds `reference` among its images (the `k8s.io` namespace).
pub fn has_cri_image(node: &Node, reference: &str) -> bool {
    load(node).get(CRI_NAMESPACE).is_some_and(|images| images.contains_key(reference))
}

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
use super::urfave::{self, Flag, Parsed, boolean, value};
use crate::out::{Out, or_return};
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

/// ctr's global flags (containerd 2.x `cmd/ctr/app/main.go`).
const GLOBAL: &[Flag] = &[
    boolean(&["debug"]),
    value(&["address", "a"]),
    value(&["timeout"]),
    value(&["connect-timeout"]),
    value(&["namespace", "n"]),
    boolean(&["version", "v"]),
];
const LIST: &[Flag] = &[boolean(&["quiet", "q"])];
const TAG: &[Flag] = &[boolean(&["force"]), boolean(&["local"]), boolean(&["skip-reference-check"])];
const DELETE: &[Flag] = &[boolean(&["sync"])];
/// `ctr images import`'s flags, with the snapshotter and label flags it appends.
const IMPORT: &[Flag] = &[
    value(&["base-name"]),
    boolean(&["digests"]),
    boolean(&["skip-digest-for-named"]),
    value(&["index-name"]),
    boolean(&["all-platforms"]),
    value(&["platform"]),
    boolean(&["no-unpack"]),
    boolean(&["local"]),
    boolean(&["compress-blobs"]),
    boolean(&["discard-unpacked-layers"]),
    boolean(&["sync-fs"]),
    value(&["snapshotter"]),
    value(&["label"]),
];

/// Parses a ctr command's flags; a bad one is urfave/cli's usage error with ctr's
/// `ctr: <error>` on stderr.
fn flags(command: &str, usage: &str, table: &[Flag], args: &[String]) -> Result<Parsed, Out> {
    urfave::parse(table, args, false).map_err(|e| {
        let help = format!("NAME:\n   ctr {command} - {usage}\n\nUSAGE:\n   ctr {command} [command options]\n");
        urfave::usage_error(&e, &help, format!("ctr: {e}"))
    })
}

/// `ctr [--namespace NS | -n NS] [--address A] [--debug] images SUBCOMMAND ...`.
pub fn program(ctx: &mut Ctx, args: &[String]) -> Out {
    let global = or_return!(flags("", "containerd CLI", GLOBAL, args));
    let namespace = global
        .value("namespace")
        .map(str::to_string)
        .or_else(|| ctx.env.get("CONTAINERD_NAMESPACE").cloned())
        .unwrap_or_else(|| "default".into());
    let Some(command) = global.rest.first() else { return Out::ok("NAME:\n   ctr - containerd CLI (fake)\n") };
    let rest = &global.rest[1..];
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
        "rm" | "remove" | "delete" | "del" => remove(ctx.node(), namespace, rest),
        other => fail(format!("the fake emulates `ctr images import|ls|tag|rm`, not `{other}`")),
    }
}

/// `import [--platform P | --all-platforms] [--digests] [--base-name B] ... FILE|-`.
fn import(ctx: &mut Ctx, namespace: &str, args: &[String]) -> Out {
    let p = or_return!(flags("images import", "Import images", IMPORT, args));
    if p.has("discard-unpacked-layers") && !p.has("local") {
        return fail("\"--discard-unpacked-layers\" requires \"--local\" flag");
    }
    let Some(file) = p.rest.first().cloned() else { return fail("open : no such file or directory") };
    let data = if file == "-" {
        ctx.take_stdin_bytes()
    } else {
        match ctx.node().read(&file) {
            Some(text) => text.clone().into_bytes(),
            None => return fail(format!("open {file}: no such file or directory")),
        }
    };
    let arch = ctx.container().config["platform"]["architecture"].as_str().unwrap_or("arm64").to_string();
    let platform = p.value("platform").map(|p| p.split('/').take(2).collect::<Vec<_>>().join("/"));
    let prefix = p.value("base-name").filter(|b| !b.is_empty()).map(str::to_string);
    let options = Options {
        platform: platform.unwrap_or(format!("linux/{arch}")),
        all_platforms: p.has("all-platforms"),
        digests: p.has("digests"),
        skip_digest_for_named: p.has("skip-digest-for-named"),
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
    let p = or_return!(flags("images list", "List images known to containerd", LIST, args));
    let images = load(node).remove(namespace).unwrap_or_default();
    if p.has("quiet") {
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
    let p = or_return!(flags("images tag", "Tag an image", TAG, args));
    let force = p.has("force");
    let names: Vec<&String> = p.rest.iter().collect();
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
    let p = or_return!(flags("images delete", "Delete one or more images by reference", DELETE, args));
    let mut namespaces = load(node);
    let images = namespaces.entry(namespace.to_string()).or_default();
    let mut out = Out::default();
    for name in &p.rest {
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

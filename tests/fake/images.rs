//! The image store: reference normalisation and `container image ...`.

use crate::app::Session;
use crate::args::{Cmd, flag, opt, subcommand};
use crate::out::{Out, or_return};
use crate::store::{Image, State};
use crate::util::{cli_json, cli_pretty_json, iso_now, stable_hex, table};
use serde_json::{Value, json};

/// A parsed reference: `docker.io/kindest/node:v1.35.5@sha256:...`.
pub struct Ref {
    pub registry: String,
    pub repo: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
}

impl Ref {
    pub fn parse(text: &str) -> Result<Ref, String> {
        let invalid = || format!("invalid reference format: {text}");
        if text.is_empty() || text.contains(char::is_whitespace) {
            return Err(invalid());
        }
        let (name_tag, digest) = match text.split_once('@') {
            Some((n, d)) if d.starts_with("sha256:") && d.len() == 71 => (n, Some(d.to_string())),
            Some(_) => return Err(invalid()),
            None => (text, None),
        };
        let slash = name_tag.rfind('/');
        let (name, tag) = match name_tag.rfind(':') {
            Some(c) if slash.is_none_or(|s| c > s) => (&name_tag[..c], Some(name_tag[c + 1..].to_string())),
            _ => (name_tag, None),
        };
        let (registry, repo) = match name.split_once('/') {
            Some((first, rest)) if first.contains('.') || first.contains(':') || first == "localhost" => {
                (first.to_string(), rest.to_string())
            }
            Some(_) => ("docker.io".to_string(), name.to_string()),
            None => ("docker.io".to_string(), format!("library/{name}")),
        };
        if repo.is_empty() || repo.chars().any(|c| c.is_ascii_uppercase()) || tag.as_deref() == Some("") {
            return Err(invalid());
        }
        let tag = if tag.is_none() && digest.is_none() { Some("latest".to_string()) } else { tag };
        Ok(Ref { registry, repo, tag, digest })
    }

    /// The fully normalised form the image store keys on.
    pub fn normalized(&self) -> String {
        let mut s = format!("{}/{}", self.registry, self.repo);
        if let Some(t) = &self.tag {
            s.push(':');
            s.push_str(t);
        }
        if let Some(d) = &self.digest {
            s.push('@');
            s.push_str(d);
        }
        s
    }
}

/// `alpine:latest` for `docker.io/library/alpine:latest` (the table form).
pub fn display_name(normalized: &str) -> String {
    normalized
        .strip_prefix("docker.io/library/")
        .or_else(|| normalized.strip_prefix("docker.io/"))
        .unwrap_or(normalized)
        .to_string()
}

/// Whether the image looks like a kind node image (entrypoint + STOPSIGNAL).
pub fn is_node_image(reference: &str) -> bool {
    reference.contains("kindest/node") || reference.contains("/node:") || reference.contains("kina-node")
}

/// Finds a stored image by any spelling of its reference.
pub fn lookup<'a>(state: &'a State, text: &str) -> Option<&'a Image> {
    let r = Ref::parse(text).ok()?;
    let key = r.normalized();
    state.images.get(&key).or_else(|| {
        let d = r.digest.as_ref()?;
        state.images.values().find(|i| &i.digest == d && i.reference.starts_with(&format!("{}/{}", r.registry, r.repo)))
    })
}

/// Pulls `text` into the store if missing; progress goes to `stderr` unless `quiet`.
pub fn ensure(state: &mut State, text: &str, quiet: bool, stderr: &mut String) -> Result<String, Out> {
    if let Some(img) = lookup(state, text) {
        return Ok(img.reference.clone());
    }
    let r = Ref::parse(text).map_err(Out::error)?;
    let key = r.normalized();
    if let Some(why) = crate::catalogue::missing(&r.registry, &r.repo, r.tag.as_deref(), r.digest.as_deref()) {
        return Err(Out::error(why));
    }
    if !quiet {
        stderr.push_str(&format!("Fetching image {key}\n[1/2] Fetching image 100% (12 of 12 blobs, 412.3 MB)\n[2/2] Unpacking image for platform linux/arm64 100%\n"));
    }
    // A pinned digest is the real image's; otherwise the digest of the index the fake
    // generates for it, so a saved archive's index is this image.
    let digest = r.digest.clone().unwrap_or_else(|| crate::oci::image(&key).index.digest());
    let image = Image {
        reference: key.clone(),
        digest,
        size: 743,
        created: iso_now(),
        files: Default::default(),
        seed: key.clone(),
    };
    state.images.insert(key.clone(), image);
    Ok(key)
}

pub fn image_json(img: &Image) -> Value {
    let node = is_node_image(&img.reference);
    let (entrypoint, cmd) = if node {
        (json!(["/usr/local/bin/entrypoint", "/sbin/init"]), Value::Null)
    } else {
        (Value::Null, json!(["/bin/sh"]))
    };
    let mut env = vec!["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".to_string()];
    let mut cfg = json!({"Env": [], "WorkingDir": "/"});
    if node {
        env.push("container=docker".into());
        cfg["Entrypoint"] = entrypoint;
        cfg["StopSignal"] = json!("SIGRTMIN+3");
    } else {
        cfg["Cmd"] = cmd;
    }
    cfg["Env"] = json!(env);
    let variant_digest = format!("sha256:{}", stable_hex(&format!("{}-arm64", img.reference), 64));
    json!({
        "id": img.digest.trim_start_matches("sha256:"),
        "configuration": {
            "creationDate": img.created,
            "descriptor": {"digest": img.digest, "mediaType": "application/vnd.oci.image.index.v1+json", "size": img.size},
            "name": img.reference,
        },
        "variants": [{
            "platform": {"architecture": "arm64", "os": "linux", "variant": "v8"},
            "digest": variant_digest,
            "size": if node { 431_234_567u64 } else { 3_623_807 },
            "config": {
                "architecture": "arm64", "os": "linux", "created": img.created, "config": cfg,
                "rootfs": {"type": "layers", "diff_ids": [format!("sha256:{}", stable_hex(&img.reference, 64))]},
                "history": [],
            },
        }],
    })
}

pub fn cmd(s: &mut Session, args: &[String]) -> Out {
    let (sub, rest) = subcommand(args);
    match sub {
        "pull" => pull(s, rest),
        "inspect" => inspect(s, rest),
        "list" | "ls" => list(s, rest),
        "delete" | "rm" => delete(s, rest),
        "tag" => tag(s, rest),
        "save" => crate::archive::save(s, rest),
        "push" => crate::push::push(s, rest),
        "load" | "prune" => Out::error(format!("image {sub} is not emulated by the fake container CLI")),
        "" | "-h" | "--help" => Out::ok(
            "OVERVIEW: Manage images\n\nUSAGE: container image <subcommand>\n\nSUBCOMMANDS:\n  delete, inspect, list, load, pull, push, save, tag, prune\n",
        ),
        other => Out::fail(
            64,
            format!(
                "Error: Unknown subcommand '{other}'\nUsage: container image <subcommand>\n  See 'container image --help' for more information."
            ),
        ),
    }
}

fn pull(s: &mut Session, args: &[String]) -> Out {
    let mut opts = vec![
        opt(&["--scheme"], "<scheme>", "Scheme to use when connecting to the container registry"),
        opt(&["-a", "--arch"], "<arch>", "Limit the pull to the specified architecture"),
        opt(&["--os"], "<os>", "Limit the pull to the specified OS"),
        opt(&["--platform"], "<platform>", "Limit the pull to the specified platform"),
    ];
    if s.cfg.version.at_least(0, 7, 0) {
        opts.push(opt(&["--progress"], "<type>", "Progress type (format: none|ansi|plain|auto|color)"));
        opts.push(opt(&["--max-concurrent-downloads"], "<n>", "Maximum number of concurrent downloads"));
    } else {
        opts.push(flag(&["--disable-progress-updates"], "Disable progress bar updates"));
    }
    let c = Cmd::new("image pull", "Pull an image", "[<options>] <reference>", opts);
    let p = or_return!(c.parse(args));
    let reference = or_return!(c.first_positional(&p, "<reference>"));
    let quiet = p.value("--progress") == Some("none") || p.has("--disable-progress-updates");
    let state = or_return!(s.state());
    let mut stderr = String::new();
    match ensure(state, &reference, quiet, &mut stderr) {
        Ok(_) => Out { stderr, ..Out::default() },
        Err(out) => out.with_stderr(""),
    }
}

fn inspect(s: &mut Session, args: &[String]) -> Out {
    let c = Cmd::new("image inspect", "Display information about one or more images", "<images> ...", vec![]);
    let p = or_return!(c.parse(args));
    if p.positionals.is_empty() {
        return c.usage_error("Missing expected argument '<images> ...'");
    }
    let state = or_return!(s.state());
    let mut found = Vec::new();
    for r in &p.positionals {
        match lookup(state, r) {
            Some(img) => found.push(image_json(img)),
            None => return Out::error(format!("image not found: {r}")),
        }
    }
    Out::lines(&[cli_pretty_json(&json!(found))])
}

fn list(s: &mut Session, args: &[String]) -> Out {
    let c = Cmd::new(
        "image list",
        "List images",
        "[<options>]",
        vec![
            opt(&["--format"], "<format>", "Format of the output (json, table)"),
            flag(&["-q", "--quiet"], "Only output the image name"),
            flag(&["-v", "--verbose"], "Verbose output"),
        ],
    );
    let p = or_return!(c.parse(args));
    let state = or_return!(s.state());
    let images: Vec<&Image> = state.images.values().collect();
    if p.value("--format") == Some("json") {
        let all: Vec<Value> = images.iter().map(|i| image_json(i)).collect();
        return Out::lines(&[cli_json(&json!(all))]);
    }
    if p.has("--quiet") {
        return Out::lines(&images.iter().map(|i| display_name(&i.reference)).collect::<Vec<_>>());
    }
    let mut rows = vec![vec!["NAME".to_string(), "TAG".into(), "DIGEST".into()]];
    for img in images {
        let name = display_name(&img.reference);
        let base = name.split('@').next().unwrap();
        let (n, t) = match base.rfind(':') {
            Some(i) if !base[i..].contains('/') => (base[..i].to_string(), base[i + 1..].to_string()),
            _ => (base.to_string(), "<none>".to_string()),
        };
        rows.push(vec![n, t, img.digest.trim_start_matches("sha256:")[..12].to_string()]);
    }
    Out::ok(table(&rows))
}

fn delete(s: &mut Session, args: &[String]) -> Out {
    let c = Cmd::new(
        "image delete",
        "Delete one or more images",
        "[<options>] [<images> ...]",
        vec![
            flag(&["-a", "--all"], "Delete all images"),
            flag(&["-f", "--force"], "Ignore errors for images that are not found"),
        ],
    );
    let p = or_return!(c.parse(args));
    let state = or_return!(s.state());
    let targets: Vec<String> =
        if p.has("--all") { state.images.keys().cloned().collect() } else { p.positionals.clone() };
    let mut out = Out::default();
    for t in targets {
        let key = lookup(state, &t).map(|i| i.reference.clone());
        match key {
            Some(k) => {
                state.images.remove(&k);
                out.stdout.push_str(&format!("{t}\n"));
            }
            None if p.has("--force") => {}
            None => return Out::error(format!("image not found: {t}")),
        }
    }
    out
}

fn tag(s: &mut Session, args: &[String]) -> Out {
    let c = Cmd::new("image tag", "Create a new reference for an existing image", "<source> <target>", vec![]);
    let p = or_return!(c.parse(args));
    let [src, dst] = p.positionals.as_slice() else {
        return c.usage_error("Missing expected argument '<target>'");
    };
    let state = or_return!(s.state());
    let Some(img) = lookup(state, src).cloned() else {
        return Out::error(format!("image not found: {src}"));
    };
    let key = match Ref::parse(dst) {
        Ok(r) => r.normalized(),
        Err(e) => return Out::error(e),
    };
    state.images.insert(key.clone(), Image { reference: key, ..img });
    Out::default()
}

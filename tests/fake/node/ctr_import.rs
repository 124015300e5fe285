//! What containerd makes of an archive `ctr images import` streams to it
//! (containerd's `core/images/archive/importer.go`, `ImportIndex`, then the transfer
//! service's image store): an OCI image layout (`oci-layout` + `index.json`) or a
//! Docker archive (`manifest.json`). Every regular file is stored under the SHA-256
//! of its bytes, so a blob whose content does not match the digest that refers to it
//! is missing (`content digest sha256:…: not found`), as in containerd's store.

use crate::oci::digest;
use crate::tar;
use serde_json::Value;
use std::collections::BTreeMap;

const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
const DOCKER_MANIFEST_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
const DOCKER_CONFIG: &str = "application/vnd.docker.container.image.v1+json";
const DOCKER_LAYER: &str = "application/vnd.docker.image.rootfs.diff.tar";
const DOCKER_LAYER_GZIP: &str = "application/vnd.docker.image.rootfs.diff.tar.gzip";

/// One image the import created.
#[derive(Debug, PartialEq)]
pub struct Imported {
    pub name: String,
    pub digest: String,
    pub media_type: String,
    pub platforms: Vec<String>,
}

/// What `ctr images import` was asked for.
pub struct Options {
    /// `--platform`, else the node's.
    pub platform: String,
    pub all_platforms: bool,
    /// `--digests`: an image without a name gets `<prefix>@<digest>`.
    pub digests: bool,
    /// `--skip-digest-for-named`: with `--digests`, a named image gets that name too
    /// (ctr passes the flag's negation to the image store, so it reads backwards).
    pub skip_digest_for_named: bool,
    /// `--base-name`, else `import-<date>`.
    pub prefix: String,
    /// A `--base-name` was given: full names outside it are dropped.
    pub only_prefixed: bool,
}

/// The images an archive holds, checked as containerd checks them; the error is
/// containerd's message (ctr prints it after `ctr: `).
pub fn import(bytes: &[u8], options: &Options) -> Result<Vec<Imported>, String> {
    let entries = tar::read(bytes).map_err(|broken| match broken.in_entry.filter(tar::Entry::is_file) {
        Some(cut) => match clean(&cut.name).as_str() {
            "oci-layout" => format!("untar oci layout {:?}: {}", cut.name, broken.message),
            "manifest.json" => format!("untar manifest {:?}: {}", cut.name, broken.message),
            _ => format!("failed to ingest {:?}: failed to copy: {}", cut.name, broken.message),
        },
        None => broken.message.to_string(),
    })?;
    let mut store: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut files: BTreeMap<String, (String, u64)> = BTreeMap::new();
    let mut symlinks = BTreeMap::new();
    let mut layout: Option<Value> = None;
    let mut manifests: Option<Value> = None;
    for entry in entries {
        let name = clean(&entry.name);
        if entry.kind == b'2' {
            let dir = name.rsplit_once('/').map_or("", |(d, _)| d);
            symlinks.insert(name.clone(), clean(&format!("{dir}/{}", entry.link)));
        }
        if !entry.is_file() {
            continue;
        }
        match name.as_str() {
            "oci-layout" => {
                let json =
                    serde_json::from_slice(&entry.data).map_err(|e| json_error("untar oci layout", &entry.name, &e))?;
                layout = Some(json);
            }
            "manifest.json" => {
                let json =
                    serde_json::from_slice(&entry.data).map_err(|e| json_error("untar manifest", &entry.name, &e))?;
                manifests = Some(json);
            }
            _ => {
                let d = digest(&entry.data);
                files.insert(name, (d.clone(), entry.data.len() as u64));
                store.insert(d, entry.data);
            }
        }
    }
    let content = Content(store);
    if let Some(version) = layout.as_ref().and_then(|l| l["imageLayoutVersion"].as_str()).filter(|v| !v.is_empty()) {
        if version != "1.0.0" {
            return Err(format!("unsupported OCI version {version}"));
        }
        let Some((index_digest, _)) = files.get("index.json") else {
            return Err("missing index.json in OCI layout 1.0.0".into());
        };
        let index = content.json(index_digest)?;
        let mut out = Vec::new();
        for desc in index["manifests"].as_array().cloned().unwrap_or_default() {
            let annotations = &desc["annotations"];
            out.extend(stored(&content, &desc, image_name(annotations, options), options)?);
        }
        return Ok(out);
    }
    let Some(manifests) = manifests else { return Err("unrecognized image format".into()) };
    let resolve = |name: &str| files.get(symlinks.get(name).map_or(name, String::as_str)).cloned();
    for (name, target) in &symlinks {
        if !files.contains_key(target) {
            return Err(format!("no target for symlink layer from {name:?} to {target:?}"));
        }
    }
    let mut out = Vec::new();
    for m in manifests.as_array().cloned().unwrap_or_default() {
        let config_name = m["Config"].as_str().unwrap_or_default();
        let Some((config_digest, config_size)) = resolve(config_name) else {
            return Err(format!("image config {config_name:?} not found"));
        };
        let mut layers = Vec::new();
        for layer in m["Layers"].as_array().cloned().unwrap_or_default() {
            let layer = layer.as_str().unwrap_or_default();
            let Some((d, size)) = resolve(layer) else {
                return Err(format!("failed to resolve layers: layer {layer:?} not found"));
            };
            let gzip = content.0[&d].starts_with(&[0x1f, 0x8b]);
            let media_type = if gzip { DOCKER_LAYER_GZIP } else { DOCKER_LAYER };
            layers.push(serde_json::json!({"mediaType": media_type, "digest": d, "size": size}));
        }
        // The manifest containerd writes for it, byte for byte as Go marshals it.
        let manifest = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": DOCKER_MANIFEST,
            "config": {"mediaType": DOCKER_CONFIG, "digest": config_digest, "size": config_size},
            "layers": layers,
        });
        let bytes = manifest.to_string().into_bytes();
        let desc = serde_json::json!({"mediaType": DOCKER_MANIFEST, "digest": digest(&bytes), "size": bytes.len()});
        let mut content = Content(content.0.clone());
        content.0.insert(digest(&bytes), bytes);
        let tags: Vec<String> =
            m["RepoTags"].as_array().into_iter().flatten().filter_map(Value::as_str).map(normalize).collect();
        if tags.is_empty() {
            out.extend(stored(&content, &desc, None, options)?);
        }
        for tag in tags {
            out.extend(stored(&content, &desc, Some(tag), options)?);
        }
    }
    Ok(out)
}

/// The transfer service's `imageName`: `io.containerd.image.name` if it is a full
/// reference (under `--base-name` when given), else the OCI ref name, a bare tag
/// going under the prefix.
fn image_name(annotations: &Value, options: &Options) -> Option<String> {
    let translate = |name: &str| -> Option<String> {
        if !name.contains(['/', ':', '@']) {
            return Some(format!("{}:{name}", options.prefix));
        }
        let under = name.strip_prefix(options.prefix.as_str()).is_some_and(|rest| rest.starts_with(['/', ':', '@']));
        (!options.only_prefixed || under).then(|| name.to_string())
    };
    if let Some(name) = annotations["io.containerd.image.name"].as_str().filter(|n| !n.is_empty()) {
        return translate(name).filter(|n| n == name);
    }
    annotations["org.opencontainers.image.ref.name"].as_str().filter(|n| !n.is_empty()).and_then(translate)
}

fn json_error(what: &str, name: &str, e: &serde_json::Error) -> String {
    format!("{what} {name:?}: {e}")
}

/// `path.Clean` of a name in the archive.
fn clean(name: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in name.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            part => parts.push(part),
        }
    }
    parts.join("/")
}

/// Docker's normalisation of a `RepoTags` entry (`foo:1` → `docker.io/library/foo:1`).
pub fn normalize(reference: &str) -> String {
    let (first, _) = reference.split_once('/').unwrap_or(("", reference));
    let has_registry = reference.contains('/') && (first.contains(['.', ':']) || first == "localhost");
    let full = match () {
        _ if has_registry => reference.to_string(),
        _ if reference.contains('/') => format!("docker.io/{reference}"),
        _ => format!("docker.io/library/{reference}"),
    };
    let last = full.rsplit('/').next().unwrap_or_default();
    if last.contains([':', '@']) { full } else { format!("{full}:latest") }
}

/// The blobs containerd holds after reading the archive, by digest.
struct Content(BTreeMap<String, Vec<u8>>);

impl Content {
    fn get(&self, d: &str) -> Result<&[u8], String> {
        self.0.get(d).map(Vec::as_slice).ok_or_else(|| format!("content digest {d}: not found"))
    }

    fn json(&self, d: &str) -> Result<Value, String> {
        serde_json::from_slice(self.get(d)?).map_err(|e| format!("failed to unmarshal {d}: {e}"))
    }
}

/// The images an index entry becomes, after its content is checked: an index's
/// manifests for the wanted platforms (all with `--all-platforms`), each manifest's
/// config and layers.
fn stored(content: &Content, desc: &Value, name: Option<String>, options: &Options) -> Result<Vec<Imported>, String> {
    let target = desc["digest"].as_str().unwrap_or_default().to_string();
    let media_type = desc["mediaType"].as_str().unwrap_or_default().to_string();
    let top = content.json(&target)?;
    let mut platforms = Vec::new();
    if matches!(media_type.as_str(), crate::oci::INDEX | DOCKER_MANIFEST_LIST) {
        let children = top["manifests"].as_array().cloned().unwrap_or_default();
        let mut matched = 0;
        for child in &children {
            let platform = format!(
                "{}/{}",
                child["platform"]["os"].as_str().unwrap_or_default(),
                child["platform"]["architecture"].as_str().unwrap_or_default()
            );
            if !options.all_platforms && platform != options.platform {
                continue;
            }
            matched += 1;
            let manifest = content.json(child["digest"].as_str().unwrap_or_default())?;
            check_manifest(content, &manifest)?;
            platforms.push(platform);
        }
        if matched == 0 {
            return Err("no match for platform in manifest: not found".into());
        }
    } else {
        check_manifest(content, &top)?;
        let config = content.json(top["config"]["digest"].as_str().unwrap_or_default())?;
        let platform = format!(
            "{}/{}",
            config["os"].as_str().unwrap_or_default(),
            config["architecture"].as_str().unwrap_or_default()
        );
        if !options.all_platforms && platform != options.platform {
            return Err(format!("no match for platform in manifest {target}: not found"));
        }
        platforms.push(platform);
    }
    let image = |name: String| Imported {
        name,
        digest: target.clone(),
        media_type: media_type.clone(),
        platforms: platforms.clone(),
    };
    let digest_name = options.digests && (name.is_none() || options.skip_digest_for_named);
    let mut out: Vec<Imported> = name.into_iter().map(image).collect();
    if digest_name {
        out.push(image(format!("{}@{target}", options.prefix)));
    }
    if out.is_empty() {
        return Err("no image name found: not found".into());
    }
    Ok(out)
}

fn check_manifest(content: &Content, manifest: &Value) -> Result<(), String> {
    content.get(manifest["config"]["digest"].as_str().unwrap_or_default())?;
    for layer in manifest["layers"].as_array().into_iter().flatten() {
        content.get(layer["digest"].as_str().unwrap_or_default())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oci::{Saved, image, layout};
    use crate::tar::{Entry, write};

    fn options(platform: &str) -> Options {
        Options {
            platform: platform.into(),
            all_platforms: false,
            digests: false,
            skip_digest_for_named: false,
            prefix: "import-2026-12-07".into(),
            only_prefixed: false,
        }
    }

    fn saved(reference: &str) -> Vec<u8> {
        layout(&[Saved { reference, seed: reference }])
    }

    #[test]
    fn an_oci_layout_from_image_save_imports_with_its_index_digest() {
        let archive = saved("docker.io/library/foo:latest");
        let images = import(&archive, &options("linux/arm64")).unwrap();
        let index = image("docker.io/library/foo:latest").index.digest();
        assert_eq!(
            images,
            [Imported {
                name: "docker.io/library/foo:latest".into(),
                digest: index.clone(),
                media_type: crate::oci::INDEX.into(),
                platforms: vec!["linux/arm64".into()],
            }]
        );
        let names = |options: Options| -> Vec<String> {
            import(&archive, &options).unwrap().into_iter().map(|i| i.name).collect()
        };
        // --digests names only unnamed images, unless --skip-digest-for-named (sic).
        assert_eq!(names(Options { digests: true, ..options("linux/arm64") }), ["docker.io/library/foo:latest"]);
        let both = Options { digests: true, skip_digest_for_named: true, ..options("linux/arm64") };
        assert_eq!(names(both), ["docker.io/library/foo:latest".to_string(), format!("import-2026-12-07@{index}")]);
        // A --base-name keeps only the names under it.
        let base = Options { prefix: "docker.io/library/bar".into(), only_prefixed: true, ..options("linux/arm64") };
        assert_eq!(import(&archive, &base).unwrap_err(), "no image name found: not found");
    }

    #[test]
    fn content_the_archive_lacks_or_that_does_not_match_its_digest_is_not_found() {
        let archive = saved("docker.io/library/foo:latest");
        // The index lists amd64, whose content a Mac's store does not hold (kind#3795).
        let amd64 = image("docker.io/library/foo:latest").index;
        let amd64: Value = serde_json::from_slice(&amd64.bytes).unwrap();
        let amd64 = amd64["manifests"][0]["digest"].as_str().unwrap().to_string();
        let all = Options { all_platforms: true, ..options("linux/arm64") };
        assert_eq!(import(&archive, &all).unwrap_err(), format!("content digest {amd64}: not found"));
        assert_eq!(
            import(&archive, &options("linux/s390x")).unwrap_err(),
            "no match for platform in manifest: not found"
        );
        // One byte of the layer changed: stored under another digest, so the manifest's is missing.
        let layer = image("docker.io/library/foo:latest").content.pop().unwrap();
        let at = archive.windows(layer.bytes.len()).position(|w| w == layer.bytes.as_slice()).unwrap();
        let mut corrupt = archive.clone();
        corrupt[at + 600] ^= 1;
        assert_eq!(
            import(&corrupt, &options("linux/arm64")).unwrap_err(),
            format!("content digest {}: not found", layer.digest())
        );
    }

    #[test]
    fn garbage_fails_with_containerds_errors() {
        let arm = options("linux/arm64");
        assert_eq!(import(b"", &arm).unwrap_err(), "unrecognized image format");
        assert_eq!(import(b"not a tar", &arm).unwrap_err(), "unexpected EOF");
        assert_eq!(import(&[b'x'; 4096], &arm).unwrap_err(), "archive/tar: invalid tar header");
        let just_files = write(&[Entry::file("hello.txt", b"hi".to_vec())]);
        assert_eq!(import(&just_files, &arm).unwrap_err(), "unrecognized image format");
        let archive = saved("docker.io/library/foo:latest");
        assert!(
            import(&archive[..archive.len() / 2], &arm).unwrap_err().starts_with("failed to ingest \"blobs/sha256/")
        );
        let v2 = write(&[Entry::file("oci-layout", br#"{"imageLayoutVersion":"2.0.0"}"#.to_vec())]);
        assert_eq!(import(&v2, &arm).unwrap_err(), "unsupported OCI version 2.0.0");
        let no_index = write(&[Entry::file("oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec())]);
        assert_eq!(import(&no_index, &arm).unwrap_err(), "missing index.json in OCI layout 1.0.0");
    }

    /// A Docker archive as `docker save` writes it: `manifest.json`, the config, a layer.
    fn docker_archive(tags: &[&str], arch: &str) -> (Vec<u8>, String) {
        let layer = write(&[Entry::file("etc/hello", b"hello\n".to_vec())]);
        let config = serde_json::json!({"architecture": arch, "os": "linux", "rootfs": {"type": "layers", "diff_ids": [digest(&layer)]}});
        let config = config.to_string().into_bytes();
        let config_name = format!("{}.json", digest(&config).trim_start_matches("sha256:"));
        let manifest = serde_json::json!([{"Config": config_name, "RepoTags": tags, "Layers": ["abc/layer.tar"]}]);
        let archive = write(&[
            Entry::file("manifest.json", manifest.to_string().into_bytes()),
            Entry::file(&config_name, config.clone()),
            Entry::dir("abc/"),
            Entry::file("abc/layer.tar", layer.clone()),
        ]);
        let want = serde_json::json!({
            "schemaVersion": 2, "mediaType": DOCKER_MANIFEST,
            "config": {"mediaType": DOCKER_CONFIG, "digest": digest(&config), "size": config.len()},
            "layers": [{"mediaType": DOCKER_LAYER, "digest": digest(&layer), "size": layer.len()}],
        });
        (archive, digest(want.to_string().as_bytes()))
    }

    #[test]
    fn a_docker_archive_imports_under_its_normalised_tags() {
        let (archive, manifest) = docker_archive(&["foo:1", "ghcr.io/me/app:2"], "arm64");
        let images = import(&archive, &options("linux/arm64")).unwrap();
        let names: Vec<(&str, &str, &str)> =
            images.iter().map(|i| (i.name.as_str(), i.digest.as_str(), i.media_type.as_str())).collect();
        assert_eq!(
            names,
            [
                ("docker.io/library/foo:1", manifest.as_str(), DOCKER_MANIFEST),
                ("ghcr.io/me/app:2", manifest.as_str(), DOCKER_MANIFEST)
            ]
        );
        // Another platform's image, and one without a name (unless --digests names it).
        let (amd64, _) = docker_archive(&["foo:1"], "amd64");
        assert!(
            import(&amd64, &options("linux/arm64"))
                .unwrap_err()
                .starts_with("no match for platform in manifest sha256:")
        );
        let (unnamed, manifest) = docker_archive(&[], "arm64");
        assert_eq!(import(&unnamed, &options("linux/arm64")).unwrap_err(), "no image name found: not found");
        let named = import(&unnamed, &Options { digests: true, ..options("linux/arm64") }).unwrap();
        assert_eq!(named[0].name, format!("import-2026-12-07@{manifest}"));
    }

    #[test]
    fn docker_archive_references_must_be_in_the_archive() {
        let manifest = serde_json::json!([{"Config": "c.json", "RepoTags": ["foo:1"], "Layers": ["l.tar"]}]);
        let mut entries = vec![Entry::file("manifest.json", manifest.to_string().into_bytes())];
        let arm = options("linux/arm64");
        assert_eq!(import(&write(&entries), &arm).unwrap_err(), "image config \"c.json\" not found");
        entries.push(Entry::file("c.json", br#"{"architecture":"arm64","os":"linux"}"#.to_vec()));
        assert_eq!(import(&write(&entries), &arm).unwrap_err(), "failed to resolve layers: layer \"l.tar\" not found");
    }

    #[test]
    fn repo_tags_are_normalised_as_docker_does() {
        assert_eq!(normalize("foo"), "docker.io/library/foo:latest");
        assert_eq!(normalize("me/app:2"), "docker.io/me/app:2");
        assert_eq!(normalize("localhost:5000/app"), "localhost:5000/app:latest");
        assert_eq!(normalize("ghcr.io/me/app:2"), "ghcr.io/me/app:2");
    }

    #[test]
    fn names_are_cleaned_as_go_path_clean_does() {
        assert_eq!(clean("./blobs//sha256/a"), "blobs/sha256/a");
        assert_eq!(clean("abc/../def.tar"), "def.tar");
    }
}

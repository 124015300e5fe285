//! `container image push`: the scheme as apple/container decides it, then a real push
//! with `skopeo` of an OCI image made from the stored image (one layer holding its
//! files), so a registry the tests run really receives it.
//!
//! The scheme (`Sources/Services/ContainerAPIService/Client/RequestScheme.swift`):
//! up to 1.2.x `--scheme` defaults to `auto`, which picks plain HTTP only when the
//! reference's domain *is* `localhost` or a private IPv4 address: the domain keeps
//! its port (`localhost:5001`), so a registry on a port gets HTTPS. From 1.3.0
//! (https://github.com/apple/container/pull/2100) `auto` is gone and the default is
//! `https`. Either way `--scheme http` is what a plain-HTTP registry needs.

use std::path::Path;
use std::process::Command;

use crate::app::Session;
use crate::args::{Cmd, opt};
use crate::images::{Ref, lookup};
use crate::oci::{self, Blob};
use crate::out::{Out, or_return};
use crate::tar;
use serde_json::json;

const REMOVED_AUTO: (u32, u32, u32) = (1, 3, 0);

fn internal_host(host: &str) -> bool {
    if host == "localhost" {
        return true;
    }
    let Ok(ip) = host.parse::<std::net::Ipv4Addr>() else { return false };
    let o = ip.octets();
    o[0] == 10 || o[0] == 127 || (o[0] == 192 && o[1] == 168) || (o[0] == 172 && (16..32).contains(&o[1]))
}

pub fn push(s: &mut Session, args: &[String]) -> Out {
    let opts = vec![
        opt(&["--scheme"], "<scheme>", "Scheme to use when connecting to the container registry"),
        opt(&["-a", "--arch"], "<arch>", "Limit the push to the specified architecture"),
        opt(&["--os"], "<os>", "Limit the push to the specified OS"),
        opt(&["--platform"], "<platform>", "Limit the push to the specified platform"),
        opt(&["--progress"], "<type>", "Progress type (format: none|ansi|plain|auto|color)"),
    ];
    let c = Cmd::new("image push", "Push an image", "[<options>] <reference>", opts);
    let p = or_return!(c.parse(args));
    let reference = or_return!(c.first_positional(&p, "<reference>"));
    let (major, minor, patch) = REMOVED_AUTO;
    let auto_removed = s.cfg.version.at_least(major, minor, patch);
    let scheme = p.value("--scheme").unwrap_or(if auto_removed { "https" } else { "auto" }).to_string();
    let known = ["http", "https"].contains(&scheme.as_str()) || (scheme == "auto" && !auto_removed);
    if !known {
        return Out::error(format!("unsupported scheme {scheme}"));
    }
    let state_dir = s.cfg.state_dir.clone();
    let state = or_return!(s.state());
    let Some(image) = lookup(state, &reference).cloned() else {
        return Out::error(format!("image not found: {reference}"));
    };
    let r = or_return!(Ref::parse(&reference).map_err(Out::error));
    let http = scheme == "http" || (scheme == "auto" && internal_host(&r.registry));
    let work = state_dir.join("push").join(crate::util::uuid());
    let result = write_layout(&work, &image.reference, &image.files).and_then(|()| {
        let source = format!("oci:{}:latest", work.display());
        let target = format!("docker://{}", r.normalized());
        let output = Command::new("skopeo")
            .args(["copy", "--quiet", &format!("--dest-tls-verify={}", !http), &source, &target])
            .output()
            .map_err(|e| format!("cannot run skopeo: {e}"))?;
        if output.status.success() { Ok(()) } else { Err(String::from_utf8_lossy(&output.stderr).trim().to_string()) }
    });
    let _ = std::fs::remove_dir_all(&work);
    match result {
        Ok(()) => Out::default(),
        // The cause is the real client's words; the wrapper is the fake's own.
        Err(why) => Out::error(format!("internalError: \"failed to push image {reference}\" (cause: \"{why}\")")),
    }
}

/// An OCI image layout at `dir`: one uncompressed layer with the image's files (or one
/// file naming it), its config, manifest and index, tagged `latest`; the blobs are
/// made as `image save`'s are (`oci.rs`).
fn write_layout(dir: &Path, reference: &str, files: &std::collections::BTreeMap<String, String>) -> Result<(), String> {
    let mut content = files.clone();
    if content.is_empty() {
        content.insert("/etc/fake-image".into(), format!("{reference}\n"));
    }
    let mut entries = Vec::new();
    let mut dirs = std::collections::BTreeSet::new();
    for (path, text) in content.iter().filter(|(_, text)| !text.starts_with("-> ")) {
        let path = path.trim_start_matches('/');
        let mut parent = String::new();
        for part in path.split('/').rev().skip(1).collect::<Vec<_>>().into_iter().rev() {
            parent.push_str(part);
            parent.push('/');
            if dirs.insert(parent.clone()) {
                entries.push(tar::Entry::dir(&parent));
            }
        }
        entries.push(tar::Entry::file(path, text.clone().into_bytes()));
    }
    let layer = Blob { media_type: oci::LAYER, bytes: tar::write(&entries) };
    let config = json!({"architecture": "arm64", "os": "linux", "config": {},
        "rootfs": {"type": "layers", "diff_ids": [layer.digest()]}});
    let config = Blob { media_type: oci::CONFIG, bytes: config.to_string().into_bytes() };
    let manifest = json!({"schemaVersion": 2, "mediaType": oci::MANIFEST,
        "config": config.descriptor(), "layers": [layer.descriptor()]});
    let manifest = Blob { media_type: oci::MANIFEST, bytes: manifest.to_string().into_bytes() };
    let mut entry = manifest.descriptor();
    entry["annotations"] = json!({"org.opencontainers.image.ref.name": "latest"});
    let index = json!({"schemaVersion": 2, "manifests": [entry]});
    let io = |e: std::io::Error| e.to_string();
    let blobs = dir.join("blobs").join("sha256");
    std::fs::create_dir_all(&blobs).map_err(io)?;
    for blob in [&layer, &config, &manifest] {
        std::fs::write(blobs.join(blob.digest().trim_start_matches("sha256:")), &blob.bytes).map_err(io)?;
    }
    std::fs::write(dir.join("index.json"), index.to_string()).map_err(io)?;
    std::fs::write(dir.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).map_err(io)?;
    Ok(())
}

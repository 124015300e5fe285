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
use crate::out::{Out, or_return};
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
/// file naming it), its config, manifest and index, tagged `latest`.
fn write_layout(dir: &Path, reference: &str, files: &std::collections::BTreeMap<String, String>) -> Result<(), String> {
    let rootfs = dir.join("rootfs");
    let blobs = dir.join("blobs").join("sha256");
    let io = |e: std::io::Error| e.to_string();
    std::fs::create_dir_all(&rootfs).map_err(io)?;
    std::fs::create_dir_all(&blobs).map_err(io)?;
    let mut content = files.clone();
    if content.is_empty() {
        content.insert("/etc/fake-image".into(), format!("{reference}\n"));
    }
    for (path, text) in &content {
        if text.starts_with("-> ") {
            continue;
        }
        let target = rootfs.join(path.trim_start_matches('/'));
        std::fs::create_dir_all(target.parent().unwrap()).map_err(io)?;
        std::fs::write(&target, text).map_err(io)?;
    }
    let layer_path = dir.join("layer.tar");
    let tar = Command::new("tar")
        .args(["--sort=name", "--mtime=@0", "--owner=0", "--group=0", "-cf"])
        .arg(&layer_path)
        .arg("-C")
        .arg(&rootfs)
        .arg(".")
        .status()
        .map_err(io)?;
    if !tar.success() {
        return Err("tar failed".into());
    }
    let layer = std::fs::read(&layer_path).map_err(io)?;
    let blob = |data: &[u8]| -> Result<(String, usize), String> {
        let digest = crate::sha256::hex(data);
        std::fs::write(blobs.join(&digest), data).map_err(io)?;
        Ok((format!("sha256:{digest}"), data.len()))
    };
    let (layer_digest, layer_size) = blob(&layer)?;
    let config = json!({"architecture": "arm64", "os": "linux", "config": {},
        "rootfs": {"type": "layers", "diff_ids": [layer_digest]}});
    let (config_digest, config_size) = blob(config.to_string().as_bytes())?;
    let manifest = json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": config_size},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": layer_digest, "size": layer_size}]});
    let (manifest_digest, manifest_size) = blob(manifest.to_string().as_bytes())?;
    let index = json!({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": manifest_digest, "size": manifest_size,
        "annotations": {"org.opencontainers.image.ref.name": "latest"}}]});
    std::fs::write(dir.join("index.json"), index.to_string()).map_err(io)?;
    std::fs::write(dir.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).map_err(io)?;
    Ok(())
}

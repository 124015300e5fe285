//! The image's scripts run under dash against a scratch root: they must
//! produce exactly the files kina relies on to skip its steps.

use std::path::Path;
use std::process::Command;

use super::manifest::ManifestError;
use super::*;

const BASE: &str = "kindest/node:v1.35.5@sha256:ce977ae6d65918d0b58a5f8b5e940429c2ce42fa3a5619ec2bbc60b949c0ac95";

/// Runs `images/node/<script>` (the embedded copy) with dash.
fn dash(context: &Path, script: &str, args: &[&str]) -> std::process::Output {
    Command::new("dash").arg(context.join(script)).args(args).output().expect("dash is installed (scripts/test)")
}

/// A scratch root holding what a kindest/node image has that the scripts read.
fn kindest_root(version: &str) -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("kind")).unwrap();
    std::fs::write(root.path().join("kind/version"), format!("{version}\n")).unwrap();
    root
}

fn files_under(root: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            if meta.is_dir() {
                pending.push(path);
            } else {
                found.push(path.strip_prefix(root).unwrap().display().to_string());
            }
        }
    }
    found.sort();
    found
}

fn parse(text: &str) -> Result<ImageManifest, ManifestError> {
    let (manifest, rest) = ImageManifest::parse_prefix(text)?;
    assert!(rest.trim().is_empty(), "{rest}");
    Ok(manifest)
}

#[test]
fn bake_produces_exactly_the_files_kina_expects() {
    let context = tempfile::tempdir().unwrap();
    write_build_context(context.path()).unwrap();
    let root = kindest_root("v1.35.5");
    let out = dash(context.path(), "bake.sh", &[root.path().to_str().unwrap(), "0.4.0", BASE]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    assert_eq!(
        files_under(root.path()),
        [
            "etc/systemd/system/kina-node-address.service",
            "etc/systemd/system/kina-runtime-settings.service",
            "etc/systemd/system/multi-user.target.wants/kina-runtime-settings.service",
            "kina/bin/init-control-plane.sh",
            "kina/bin/node-address.sh",
            "kina/bin/runtime-settings.sh",
            "kina/bin/single-node.sh",
            "kina/image.json",
            "kind/version",
        ]
    );
    let manifest = parse(&std::fs::read_to_string(root.path().join("kina/image.json")).unwrap()).unwrap();
    assert_eq!(
        manifest,
        ImageManifest {
            image_version: "0.4.0".into(),
            kubernetes_version: "v1.35.5".into(),
            base_image: BASE.into(),
            baked: vec![Baked::RuntimeSettings, Baked::InitControlPlane, Baked::NodeAddress],
        }
    );
    // The address unit is the one kina installs by a separate exec on other
    // images, not enabled (the files list has no link for it): the init script
    // enables it on a node with a fixed address.
    let unit = std::fs::read_to_string(root.path().join("etc/systemd/system/kina-node-address.service")).unwrap();
    assert_eq!(unit, crate::cluster::network::unit::UNIT_FILE);
    let script = std::fs::read_to_string(root.path().join("kina/bin/node-address.sh")).unwrap();
    assert_eq!(script, crate::cluster::network::unit::ADDRESS_SCRIPT);
    for script in ["init-control-plane.sh", "single-node.sh"] {
        let installed = std::fs::read_to_string(root.path().join("kina/bin").join(script)).unwrap();
        let embedded = BUILD_CONTEXT.iter().find(|(name, _)| *name == script).unwrap().1;
        assert_eq!(installed, embedded, "{script}");
    }
    // The unit runs the very script kina would otherwise send with `sh -c`.
    let installed = std::fs::read_to_string(root.path().join("kina/bin/runtime-settings.sh")).unwrap();
    assert_eq!(installed, crate::cluster::node_boot::RUNTIME_SETTINGS);
    let link = std::fs::read_link(
        root.path().join("etc/systemd/system/multi-user.target.wants/kina-runtime-settings.service"),
    )
    .unwrap();
    assert_eq!(link, Path::new("/etc/systemd/system/kina-runtime-settings.service"));
    let unit = std::fs::read_to_string(root.path().join("etc/systemd/system/kina-runtime-settings.service")).unwrap();
    assert!(unit.contains("ExecStart=/bin/sh /kina/bin/runtime-settings.sh\n"), "{unit}");
    assert!(unit.contains("Before=containerd.service kubelet.service\n"), "{unit}");
}

#[test]
fn bake_refuses_a_base_that_is_not_a_kind_node_image() {
    let context = tempfile::tempdir().unwrap();
    write_build_context(context.path()).unwrap();
    let root = tempfile::tempdir().unwrap();
    let out = dash(context.path(), "bake.sh", &[root.path().to_str().unwrap(), "0.4.0", "alpine:3"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("/kind/version is missing"));
    assert!(files_under(root.path()).is_empty(), "nothing written");
}

#[test]
fn manifest_values_that_need_escaping_are_refused() {
    let context = tempfile::tempdir().unwrap();
    write_build_context(context.path()).unwrap();
    let root = kindest_root("v1.35.5");
    let out = dash(context.path(), "write-manifest.sh", &[root.path().to_str().unwrap(), "0.4\"", "v1.35.5", BASE]);
    assert!(!out.status.success());
    assert!(!root.path().join("kina/image.json").exists());
}

#[test]
fn the_containerfile_copies_every_script_and_defaults_to_a_pinned_table_image() {
    let containerfile = BUILD_CONTEXT[0].1;
    assert_eq!(BUILD_CONTEXT[0].0, "Containerfile");
    let copy = containerfile.lines().find(|l| l.starts_with("COPY ")).unwrap();
    for (name, _) in &BUILD_CONTEXT[1..] {
        assert!(copy.contains(name), "{name} not copied: {copy}");
    }
    let default_base = containerfile.lines().find_map(|l| l.strip_prefix("ARG BASE_IMAGE=")).unwrap();
    assert!(crate::versions::NODE_IMAGES.iter().any(|n| n.image == default_base), "{default_base}");
}

#[test]
fn manifests_name_what_is_baked_and_unknown_steps_are_not_guessed() {
    let text = r#"{"schema":1,"imageVersion":"1","kubernetesVersion":"v1.37.0","baseImage":"b","baked":["runtime-settings","future-step"]}"#;
    assert_eq!(parse(text).unwrap().baked, [Baked::RuntimeSettings]);
    let both = r#"{"schema":1,"imageVersion":"1","kubernetesVersion":"v1.37.0","baseImage":"b","baked":["init-control-plane","runtime-settings","node-address"]}"#;
    assert_eq!(parse(both).unwrap().baked, [Baked::InitControlPlane, Baked::RuntimeSettings, Baked::NodeAddress]);
    let none = r#"{"schema":1,"imageVersion":"1","kubernetesVersion":"v1.37.0","baseImage":"b"}"#;
    assert!(!parse(none).unwrap().has(Baked::RuntimeSettings));
    let newer = r#"{"schema":2,"imageVersion":"1","kubernetesVersion":"v1.37.0","baseImage":"b","baked":[]}"#;
    assert!(matches!(parse(newer), Err(ManifestError::Schema { found: 2 })));
    assert!(parse("not json").is_err());
}

//! Image archives are real: `container image save` writes an OCI image layout whose
//! blobs are named by their SHA-256 (skopeo reads and copies it), and the node's
//! `ctr images import` takes OCI layouts and Docker archives written by other tools
//! (skopeo, GNU tar), checks their content as containerd does and refuses garbage
//! with containerd's errors.

use crate::support::{Run, World};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const NODE_IMAGE: &str = "kindest/node:v1.35.5";

fn world_with_node() -> World {
    let world = World::new();
    world.container(&["image", "pull", "--progress", "none", "foo:latest"]).success();
    world.container(&["run", "-d", "--name", "node1", "--cap-add", "ALL", "--progress", "none", NODE_IMAGE]).success();
    world
}

fn save(world: &World, name: &str, image: &str) -> PathBuf {
    let path = world.path(name);
    world.container(&["image", "save", "--platform", "linux/arm64", "-o", path.to_str().unwrap(), image]).success();
    path
}

/// `ctr -n k8s.io images import [flags] -` in the node, the archive's bytes on stdin.
fn import(world: &World, archive: &Path, flags: &[&str]) -> Run {
    let mut args = vec!["exec", "-i", "node1", "ctr", "-n", "k8s.io", "images", "import"];
    args.extend_from_slice(flags);
    args.push("-");
    let mut cmd = world.command_for(crate::support::FAKE, &args);
    cmd.stdin(std::fs::File::open(archive).unwrap()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let output = cmd.output().unwrap();
    let mut argv = vec!["container".to_string()];
    argv.extend(args.iter().map(|a| a.to_string()));
    Run { argv, output }
}

fn images(world: &World) -> String {
    world.container(&["exec", "node1", "ctr", "-n", "k8s.io", "images", "ls"]).success().stdout()
}

fn skopeo(args: &[&str]) {
    let out = Command::new("skopeo").args(["--override-os", "linux", "--override-arch", "arm64"]).args(args).output();
    let out = out.unwrap_or_else(|e| panic!("skopeo: {e} (scripts/test installs it: apt-get install skopeo)"));
    assert!(out.status.success(), "skopeo {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn image_save_writes_an_oci_layout_whose_blobs_verify() {
    let world = world_with_node();
    let archive = save(&world, "saved.tar", "foo:latest");
    let dir = world.path("unpacked");
    std::fs::create_dir_all(&dir).unwrap();
    let untar = Command::new("tar").arg("-xf").arg(&archive).arg("-C").arg(&dir).status().unwrap();
    assert!(untar.success(), "GNU tar reads it");
    let layout: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("oci-layout")).unwrap()).unwrap();
    assert_eq!(layout["imageLayoutVersion"], "1.0.0");
    let index: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("index.json")).unwrap()).unwrap();
    let entry = &index["manifests"][0];
    assert_eq!(entry["annotations"]["io.containerd.image.name"], "docker.io/library/foo:latest");
    // The index is the image: its digest is what `image inspect` shows.
    let inspect: serde_json::Value =
        serde_json::from_str(&world.container(&["image", "inspect", "foo:latest"]).stdout()).unwrap();
    assert_eq!(entry["digest"], inspect[0]["configuration"]["descriptor"]["digest"]);
    let blobs: Vec<_> = std::fs::read_dir(dir.join("blobs/sha256")).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(blobs.len(), 4, "index, arm64 manifest, config, layer: {blobs:?}");
    for blob in blobs {
        let name = blob.file_name().unwrap().to_string_lossy().into_owned();
        assert_eq!(sha256(&std::fs::read(&blob).unwrap()), name, "blob named by its digest");
    }
    // skopeo verifies every digest while it copies.
    let copied = world.path("copied.tar");
    skopeo(&[
        "copy",
        &format!("oci-archive:{}", archive.display()),
        &format!("oci-archive:{}:foo:copy", copied.display()),
    ]);
}

#[test]
fn archives_written_by_skopeo_import_as_containerd_imports_them() {
    let world = world_with_node();
    let saved = format!("oci-archive:{}", save(&world, "saved.tar", "foo:latest").display());
    // A Docker archive (manifest.json, a layer reached through a symbolic link).
    let docker = world.path("docker.tar");
    skopeo(&["copy", &saved, &format!("docker-archive:{}:foo:docker", docker.display())]);
    import(&world, &docker, &[]).success().stdout_has("unpacking docker.io/library/foo:docker (sha256:");
    // An OCI layout with a gzip-compressed (binary) layer, named by its ref name only.
    let gzip = world.path("gzip.tar");
    skopeo(&[
        "copy",
        "--dest-compress",
        "--dest-compress-format",
        "gzip",
        &saved,
        &format!("oci-archive:{}:foo:gz", gzip.display()),
    ]);
    import(&world, &gzip, &[]).success().stdout_has("unpacking foo:gz (sha256:");
    let listing = images(&world);
    assert!(
        listing.lines().any(|l| l.starts_with("docker.io/library/foo:docker ")
            && l.contains("application/vnd.docker.distribution.manifest.v2+json")),
        "{listing}"
    );
    assert!(
        listing.lines().any(|l| l.starts_with("foo:gz ") && l.contains("application/vnd.oci.image.manifest.v1+json")),
        "{listing}"
    );
}

#[test]
fn what_containerd_refuses_the_node_refuses() {
    let world = world_with_node();
    let archive = save(&world, "saved.tar", "foo:latest");
    let bytes = std::fs::read(&archive).unwrap();
    // The index lists linux/amd64, whose content is not in a Mac's store (kind#3795).
    import(&world, &archive, &["--all-platforms"])
        .code_is(1)
        .stderr_has("ctr: content digest sha256:")
        .stderr_has(": not found");
    import(&world, &archive, &["--platform", "linux/arm64"]).success();
    // A byte of the layer changed: its content no longer has the digest the manifest names.
    let mut corrupt = bytes.clone();
    let at = bytes.windows(5).position(|w| w == b"blob ").expect("the layer's text");
    corrupt[at] = b'B';
    let corrupt_path = world.path("corrupt.tar");
    std::fs::write(&corrupt_path, corrupt).unwrap();
    import(&world, &corrupt_path, &[]).code_is(1).stderr_has("ctr: content digest sha256:");
    // Cut short, garbage, an empty stream, a tar with no image.
    let cut = world.path("cut.tar");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    import(&world, &cut, &[])
        .code_is(1)
        .stderr_has("ctr: failed to ingest \"blobs/sha256/")
        .stderr_has("unexpected EOF");
    let garbage = world.path("garbage.tar");
    std::fs::write(&garbage, vec![b'x'; 4096]).unwrap();
    import(&world, &garbage, &[]).code_is(1).stderr_has("ctr: archive/tar: invalid tar header");
    let empty = world.path("empty.tar");
    std::fs::write(&empty, "").unwrap();
    import(&world, &empty, &[]).code_is(1).stderr_has("ctr: unrecognized image format");
    assert!(!images(&world).contains("corrupt"));
}

#[test]
fn a_docker_archive_gnu_tar_packs_imports_and_digests_name_an_unnamed_one() {
    let world = world_with_node();
    let dir = world.path("docker");
    std::fs::create_dir_all(dir.join("layer")).unwrap();
    std::fs::write(dir.join("layer/hello"), "hello\n").unwrap();
    let layer_tar = dir.join("layer.tar");
    assert!(
        Command::new("tar")
            .arg("-cf")
            .arg(&layer_tar)
            .arg("-C")
            .arg(dir.join("layer"))
            .arg("hello")
            .status()
            .unwrap()
            .success()
    );
    let layer = std::fs::read(&layer_tar).unwrap();
    let config = format!(
        r#"{{"architecture":"arm64","os":"linux","rootfs":{{"type":"layers","diff_ids":["sha256:{}"]}}}}"#,
        sha256(&layer)
    );
    std::fs::write(dir.join("config.json"), &config).unwrap();
    let pack = |tags: &str, name: &str| {
        let manifest = format!(r#"[{{"Config":"config.json","RepoTags":[{tags}],"Layers":["layer.tar"]}}]"#);
        std::fs::write(dir.join("manifest.json"), manifest).unwrap();
        let archive = world.path(name);
        let packed = Command::new("tar")
            .arg("-cf")
            .arg(&archive)
            .arg("-C")
            .arg(&dir)
            .args(["manifest.json", "config.json", "layer.tar"])
            .status()
            .unwrap();
        assert!(packed.success());
        archive
    };
    import(&world, &pack(r#""hello:1""#, "named.tar"), &[])
        .success()
        .stdout_has("unpacking docker.io/library/hello:1 (sha256:");
    let unnamed = pack("", "unnamed.tar");
    import(&world, &unnamed, &[]).code_is(1).stderr_has("ctr: no image name found: not found");
    import(&world, &unnamed, &["--digests"]).success().stdout_has("unpacking import-");
    assert!(images(&world).lines().any(|l| l.starts_with("import-") && l.contains("@sha256:")));
}

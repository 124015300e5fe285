//! `kina load docker-image` / `kina load image-archive` through the real
//! binary: `container image save` streams into `ctr images import` in each
//! node, and the fake node keeps every archive it imported (as
//! `/var/lib/fake-ctr/imports/<n>.tar`) so the bytes can be compared.

use crate::support::{Run, World};

const IMPORTS: &str = "/var/lib/fake-ctr/imports";

/// A world whose TMPDIR is an empty directory, so a test can check it stays empty.
fn world() -> World {
    let mut world = World::new();
    std::fs::create_dir_all(world.path("tmp")).unwrap();
    let tmp = world.path("tmp").display().to_string();
    world.env("TMPDIR", tmp);
    world
}

fn pull(world: &World, image: &str) {
    world.container(&["image", "pull", "--progress", "none", image]).success();
}

/// What `container image save` produces for the node's platform.
fn saved(world: &World, image: &str) -> String {
    let run = world.container(&["image", "save", "--platform", "linux/arm64", image]);
    run.success();
    run.stdout()
}

fn image_id(world: &World, image: &str) -> String {
    let inspect: serde_json::Value =
        serde_json::from_str(&world.container(&["image", "inspect", image]).stdout()).unwrap();
    inspect[0]["configuration"]["descriptor"]["digest"].as_str().unwrap().to_string()
}

fn in_node(world: &World, node: &str, argv: &[&str]) -> Run {
    let mut args = vec!["exec", node];
    args.extend_from_slice(argv);
    world.container(&args)
}

/// The archives a node imported, in order.
fn imports(world: &World, node: &str) -> Vec<String> {
    let listing = in_node(world, node, &["ls", IMPORTS]);
    if !listing.output.status.success() {
        return Vec::new();
    }
    let names: Vec<String> = listing.stdout().lines().map(str::to_string).collect();
    names.iter().map(|n| in_node(world, node, &["cat", &format!("{IMPORTS}/{n}")]).stdout()).collect()
}

/// `ctr -n k8s.io images ls -q` in a node.
fn names(world: &World, node: &str) -> Vec<String> {
    let run = in_node(world, node, &["ctr", "-n", "k8s.io", "images", "ls", "-q"]);
    run.success();
    run.stdout().lines().map(str::to_string).collect()
}

fn tmp_is_empty(world: &World) {
    let left: Vec<_> = std::fs::read_dir(world.path("tmp")).unwrap().collect();
    assert!(left.is_empty(), "kina left files in TMPDIR: {left:?}");
}

#[test]
fn loading_delivers_the_saved_bytes_to_every_node_in_parallel() {
    let mut world = world();
    world.kina(&["create", "cluster", "--workers", "2"]).success();
    pull(&world, "foo:latest");
    let id = image_id(&world, "foo:latest");
    let expected = saved(&world, "foo:latest");
    assert!(expected.len() > 64 * 1024, "more than a pipe buffer: {}", expected.len());

    world.clear_fake_log();
    // Each node's save and import wait at the fake until all three are under way at once.
    world.env("KINA_FAKE_BARRIER", "3:image save;3:images import");
    let run = world.kina(&["load", "docker-image", "foo:latest"]);
    let calls = world.fake_calls();
    run.success().stdout_is("");
    for node in ["kina-control-plane", "kina-worker", "kina-worker2"] {
        run.stderr_has(&format!(
            "Image: \"foo:latest\" with ID \"{id}\" not yet present on node \"{node}\", loading..."
        ));
        assert_eq!(
            imports(&world, node),
            std::slice::from_ref(&expected),
            "{node} received exactly what image save wrote"
        );
        assert_eq!(names(&world, node), ["docker.io/library/foo:latest", "foo:latest"], "{node}");
        let cri = in_node(&world, node, &["crictl", "images"]).stdout();
        assert!(cri.contains("docker.io/library/foo"), "the kubelet sees it:\n{cri}");
    }
    let saves: Vec<_> = calls.iter().filter(|c| c.starts_with("image save")).collect();
    assert_eq!(saves.len(), 3, "{calls:#?}");
    assert!(
        saves.iter().all(|c| *c == "image save --platform linux/arm64 foo:latest"),
        "to stdout, never -o: {saves:?}"
    );
    let import_calls = calls.iter().filter(|c| c.starts_with("exec -i ")).count();
    assert_eq!(import_calls, 3, "{calls:#?}");
    assert_eq!(calls.iter().filter(|c| *c == "--version").count(), 1, "asked once: {calls:#?}");
    tmp_is_empty(&world);
}

#[test]
fn nodes_narrows_the_targets_and_present_images_are_skipped() {
    let world = world();
    world.kina(&["create", "cluster", "--workers", "1"]).success();
    pull(&world, "docker.io/library/foo:1.0");
    let id = image_id(&world, "foo:1.0");

    let run = world.kina(&["load", "image", "docker.io/library/foo:1.0", "--nodes", "kina-worker"]);
    run.success().stdout_is("");
    assert!(!run.stderr().contains("kina-control-plane"), "{}", run.stderr());
    assert_eq!(imports(&world, "kina-worker").len(), 1);
    assert!(imports(&world, "kina-control-plane").is_empty());
    assert_eq!(names(&world, "kina-worker"), ["docker.io/library/foo:1.0"], "already the full name: no extra tag");

    let run = world.kina(&["load", "docker-image", "docker.io/library/foo:1.0"]);
    run.success()
        .stderr_has(&format!(
            "Image: \"docker.io/library/foo:1.0\" with ID \"{id}\" not yet present on node \"kina-control-plane\", loading..."
        ));
    assert!(!run.stderr().contains("kina-worker"), "the worker has it: {}", run.stderr());
    assert_eq!(imports(&world, "kina-control-plane").len(), 1);
    assert_eq!(imports(&world, "kina-worker").len(), 1);

    world.kina(&["load", "docker-image", "docker.io/library/foo:1.0"]).success().stderr_has(&format!(
        "Image: \"docker.io/library/foo:1.0\" with ID \"{id}\" found to be already present on all nodes."
    ));
    assert_eq!(imports(&world, "kina-control-plane").len(), 1, "nothing imported again");
}

#[test]
fn short_names_are_tagged_restored_and_follow_a_rebuilt_image() {
    let world = world();
    world.kina(&["create", "cluster"]).success();
    pull(&world, "foo");
    pull(&world, "bar:2");
    world.kina(&["load", "docker-image", "foo"]).success();
    assert_eq!(names(&world, "kina-control-plane"), ["docker.io/library/foo:latest", "foo"]);

    // The short name got lost: only the tag is put back, nothing is imported.
    in_node(&world, "kina-control-plane", &["ctr", "-n", "k8s.io", "images", "rm", "foo"]).success();
    let id = image_id(&world, "foo");
    world.kina(&["load", "docker-image", "foo"]).success().stderr_has(&format!(
        "Image with ID: {id} already present on the node kina-control-plane but is missing the tag foo. re-tagging..."
    ));
    assert_eq!(names(&world, "kina-control-plane"), ["docker.io/library/foo:latest", "foo"]);
    assert_eq!(imports(&world, "kina-control-plane").len(), 1);

    // `foo` now names other content on the Mac (a rebuild): it is loaded again
    // and both names move to it.
    world.container(&["image", "tag", "bar:2", "foo:latest"]).success();
    let rebuilt = image_id(&world, "foo");
    assert_ne!(rebuilt, id);
    world.kina(&["load", "docker-image", "foo"]).success().stderr_has("not yet present on node \"kina-control-plane\"");
    assert_eq!(imports(&world, "kina-control-plane").len(), 2);
    let listing = in_node(&world, "kina-control-plane", &["ctr", "-n", "k8s.io", "images", "ls"]).stdout();
    let foo_rows: Vec<&str> =
        listing.lines().filter(|l| l.starts_with("foo ") || l.starts_with("docker.io/library/foo:")).collect();
    assert_eq!(foo_rows.len(), 2, "{listing}");
    assert!(foo_rows.iter().all(|row| row.contains(&rebuilt)), "{listing}");
}

#[test]
fn several_images_share_one_stream_per_node() {
    let world = world();
    world.kina(&["create", "cluster"]).success();
    pull(&world, "foo:1");
    pull(&world, "ghcr.io/me/app:2");
    world.clear_fake_log();
    world.kina(&["load", "docker-image", "foo:1", "ghcr.io/me/app:2", "foo:1"]).success();
    let saves: Vec<String> = world.fake_calls().into_iter().filter(|c| c.starts_with("image save")).collect();
    assert_eq!(saves, ["image save --platform linux/arm64 foo:1 ghcr.io/me/app:2"]);
    let both = world.container(&["image", "save", "--platform", "linux/arm64", "foo:1", "ghcr.io/me/app:2"]).stdout();
    assert_eq!(imports(&world, "kina-control-plane"), [both]);
    assert_eq!(names(&world, "kina-control-plane"), ["docker.io/library/foo:1", "foo:1", "ghcr.io/me/app:2"]);
}

#[test]
fn image_archive_streams_the_file_into_each_selected_node() {
    let world = world();
    world.kina(&["create", "cluster", "--workers", "1"]).success();
    pull(&world, "foo:latest");
    let archive = world.path("foo.tar");
    world.container(&["image", "save", "-o", archive.to_str().unwrap(), "foo:latest"]).success();
    let bytes = std::fs::read_to_string(&archive).unwrap();

    world.kina(&["load", "image-archive", archive.to_str().unwrap()]).success().stdout_is("");
    for node in ["kina-control-plane", "kina-worker"] {
        assert_eq!(imports(&world, node), std::slice::from_ref(&bytes), "{node}");
        assert_eq!(names(&world, node), ["docker.io/library/foo:latest"], "{node}");
    }
    world.kina(&["load", "image-archive", archive.to_str().unwrap(), "--nodes", "kina-worker"]).success();
    assert_eq!(imports(&world, "kina-worker").len(), 2);
    assert_eq!(imports(&world, "kina-control-plane").len(), 1);

    // Not an archive, or a tar without an image in it: containerd's errors, naming the command.
    let junk = world.path("junk.tar");
    std::fs::write(&junk, "not a tar\n".repeat(100)).unwrap();
    world
        .kina(&["load", "image-archive", junk.to_str().unwrap()])
        .code_is(1)
        .stderr_has("ctr --namespace k8s.io images import --platform linux/arm64 -")
        .stderr_has("ctr: archive/tar: invalid tar header");
    let plain = world.path("plain.tar");
    let tar = std::process::Command::new("tar")
        .args(["-cf", plain.to_str().unwrap(), "-C", world.path("").to_str().unwrap(), "junk.tar"])
        .status()
        .unwrap();
    assert!(tar.success());
    world
        .kina(&["load", "image-archive", plain.to_str().unwrap()])
        .code_is(1)
        .stderr_has("ctr: unrecognized image format");
    tmp_is_empty(&world);
}

#[test]
fn only_the_k8s_io_namespace_reaches_the_kubelet() {
    let world = world();
    world.kina(&["create", "cluster"]).success();
    pull(&world, "foo:latest");
    let archive = saved(&world, "foo:latest");
    let import = ["exec", "-i", "kina-control-plane", "ctr", "images", "import", "-"];
    world.container_stdin(&import, &archive).success().stdout_has("unpacking docker.io/library/foo:latest");
    let cri = in_node(&world, "kina-control-plane", &["crictl", "images"]).stdout();
    assert!(!cri.contains("library/foo"), "imported into `default`, invisible to the kubelet:\n{cri}");
    world.kina(&["load", "docker-image", "foo:latest"]).success().stderr_has("not yet present");
    let cri = in_node(&world, "kina-control-plane", &["crictl", "images"]).stdout();
    assert!(cri.contains("docker.io/library/foo"), "{cri}");
}

#[test]
fn kinds_errors_for_missing_images_nodes_clusters_and_arguments() {
    let world = world();
    pull(&world, "foo:latest");
    // Checked before the cluster, as kind does.
    world
        .kina(&["load", "docker-image", "nope:1"])
        .code_is(1)
        .stderr_has("ERROR: image: \"nope:1\" not present locally");
    world
        .kina(&["load", "docker-image", "foo:latest"])
        .code_is(1)
        .stderr_has("ERROR: no nodes found for cluster \"kina\"");
    world
        .kina(&["load", "image-archive", "missing.tar"])
        .code_is(1)
        .stderr_has("ERROR: stat missing.tar: no such file or directory");
    world.kina(&["load", "docker-image"]).code_is(1).stderr_has("ERROR: a list of image names is required");
    world.kina(&["load", "image-archive"]).code_is(1).stderr_has("ERROR: name of image archive is required");

    world.kina(&["create", "cluster"]).success();
    world
        .kina(&["load", "docker-image", "foo:latest", "--nodes", "kina-control-plane,bad"])
        .code_is(1)
        .stderr_has("ERROR: unknown node: \"bad\"");
    let archive = world.path("foo.tar");
    world.container(&["image", "save", "-o", archive.to_str().unwrap(), "foo:latest"]).success();
    world
        .kina(&["load", "image-archive", archive.to_str().unwrap(), "--nodes", "bad"])
        .code_is(1)
        .stderr_has("ERROR: unknown node: bad");
    world
        .kina(&["load", "image", "foo:latest", "-n", "other"])
        .code_is(1)
        .stderr_has("no nodes found for cluster \"other\"");
    assert!(imports(&world, "kina-control-plane").is_empty());

    world.container(&["stop", "kina-control-plane"]).success();
    world
        .kina(&["load", "docker-image", "foo:latest"])
        .code_is(1)
        .stderr_has("node \"kina-control-plane\" of cluster \"kina\" is not running");
    tmp_is_empty(&world);
}

#[test]
fn releases_that_corrupt_the_save_stream_are_refused_with_an_upgrade_hint() {
    let mut world = world();
    world.kina(&["create", "cluster"]).success();
    pull(&world, "foo:latest");
    // 1.0.x writes the reference names after the archive on stdout.
    world.env("KINA_FAKE_VERSION", "1.0.1");
    let corrupt = world.container(&["image", "save", "foo:latest"]).stdout();
    assert!(corrupt.ends_with(&format!("{}foo:latest\n", "\0".repeat(1024))), "the tar's end, then the name");
    world
        .kina(&["load", "docker-image", "foo:latest"])
        .code_is(1)
        .stderr_has("Apple container 1.0.1")
        .stderr_has("loading images needs 1.1.0 or newer")
        .stderr_has("hint: upgrade Apple container");
    assert!(imports(&world, "kina-control-plane").is_empty());
    assert!(!world.fake_calls().iter().any(|c| c.starts_with("image save --platform")));
    // An archive file is not affected.
    let archive = world.path("foo.tar");
    world.container(&["image", "save", "-o", archive.to_str().unwrap(), "foo:latest"]).success();
    world.kina(&["load", "image-archive", archive.to_str().unwrap()]).success();
    assert_eq!(imports(&world, "kina-control-plane").len(), 1);
}

#[test]
fn a_failing_save_is_reported_with_its_command_and_stderr() {
    let mut world = world();
    world.kina(&["create", "cluster"]).success();
    pull(&world, "foo:latest");
    world.env("KINA_FAKE_FAIL", "image save");
    world
        .kina(&["load", "docker-image", "foo:latest"])
        .code_is(1)
        .stderr_has("failed to load image into node \"kina-control-plane\"")
        .stderr_has("command \"")
        .stderr_has("image save --platform linux/arm64 foo:latest\" failed with exit code 1")
        .stderr_has("injected failure: image save");
    assert!(imports(&world, "kina-control-plane").is_empty());
}

#[test]
fn ctrl_c_during_a_load_stops_the_stream_and_exits_130() {
    let mut world = world();
    world.kina(&["create", "cluster"]).success();
    pull(&world, "docker.io/library/foo:1.0");
    world.env("KINA_FAKE_HANG", "images import");
    let child = world
        .kina_command(&["load", "docker-image", "docker.io/library/foo:1.0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let state = world.path("state").display().to_string();
    let importing = || {
        std::fs::read_dir("/proc").unwrap().flatten().any(|p| {
            let cmdline =
                String::from_utf8_lossy(&std::fs::read(p.path().join("cmdline")).unwrap_or_default()).into_owned();
            let environ =
                String::from_utf8_lossy(&std::fs::read(p.path().join("environ")).unwrap_or_default()).into_owned();
            cmdline.contains("import") && environ.contains(&format!("KINA_FAKE_STATE={state}"))
        })
    };
    world.wait_for_hang("images import");
    let pid = child.id().to_string();
    assert!(std::process::Command::new("kill").args(["-INT", &pid]).status().unwrap().success());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("ERROR: interrupted"), "{stderr}");
    crate::support::wait_until("the hanging import to end with kina", || !importing());
}

#[test]
fn image_archive_dash_reads_stdin_once_for_every_node() {
    use std::io::Write as _;
    let world = world();
    world.kina(&["create", "cluster", "--workers", "1"]).success();
    pull(&world, "foo:latest");
    let archive = world.path("foo.tar");
    world.container(&["image", "save", "-o", archive.to_str().unwrap(), "foo:latest"]).success();
    let bytes = std::fs::read(&archive).unwrap();

    // `docker save foo | kina load image-archive -`
    let mut child = world
        .kina_command(&["load", "image-archive", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&bytes).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for node in ["kina-control-plane", "kina-worker"] {
        assert_eq!(imports(&world, node), [String::from_utf8_lossy(&bytes).into_owned()], "{node}");
    }
    tmp_is_empty(&world);

    world
        .kina_stdin(&["load", "image-archive", "-"], "")
        .code_is(1)
        .stderr_has("ERROR: the image archive on stdin is empty")
        .stderr_has("hint: pipe an image archive into it, e.g. `docker save IMAGE | kina load image-archive -`");
    tmp_is_empty(&world);
}

#[test]
fn a_missing_image_says_where_kina_looks_and_how_docker_users_load() {
    let world = world();
    world
        .kina(&["load", "docker-image", "my-app:dev"])
        .code_is(1)
        .stderr_has("ERROR: image: \"my-app:dev\" not present locally")
        .stderr_has("hint: kina loads from Apple container's image store: `container image pull my-app:dev`")
        .stderr_has("From Docker: `docker save my-app:dev | kina load image-archive -`");
    world
        .kina(&["load", "docker-image", "$(touch pwned)"])
        .code_is(1)
        .stderr_has("`container image pull '$(touch pwned)'`");
}

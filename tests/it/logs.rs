//! `kina export logs`: kind's layout, one directory per node, notes instead of aborts.

use crate::support::World;

#[test]
fn collects_every_node_into_kinds_layout() {
    let world = World::new();
    world.kina(&["create", "cluster", "--workers", "1"]).success();
    let out = world.path("logs");
    let run = world.kina(&["export", "logs", out.to_str().unwrap()]);
    run.success().stdout_is(&format!("{}\n", out.display())).stderr_has("Exporting logs for cluster \"kina\" to:");

    let read = |rel: &str| std::fs::read_to_string(out.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    assert!(read("kina-version.txt").starts_with(&format!("kina v{}", env!("CARGO_PKG_VERSION"))));
    assert!(read("container-version.txt").starts_with("container CLI version 1.2.2"));
    for node in ["kina-control-plane", "kina-worker"] {
        let inspect: serde_json::Value = serde_json::from_str(&read(&format!("{node}/inspect.json"))).unwrap();
        assert_eq!(inspect[0]["configuration"]["id"], node);
        assert!(read(&format!("{node}/kubelet.log")).contains("kubelet"));
        assert!(read(&format!("{node}/containerd.log")).contains("containerd"));
        assert!(read(&format!("{node}/images.log")).contains("IMAGE"));
        assert!(read(&format!("{node}/containers.log")).contains("CONTAINER"));
        assert_eq!(read(&format!("{node}/kubernetes-version.txt")).trim(), "v1.35.5");
        for file in ["journal.log", "serial.log", "boot.log"] {
            assert!(out.join(node).join(file).exists(), "{node}/{file}");
        }
        assert!(!out.join(node).join("NOTES.txt").exists(), "{node}: {}", read(&format!("{node}/NOTES.txt")));
    }
    assert!(read("kina-control-plane/kubeadm.conf").contains("kind: InitConfiguration"));
    assert!(read("kina-worker/kubeadm.conf").contains("kind: JoinConfiguration"));
    let pods = out.join("kina-control-plane/var/log/pods");
    let pod_logs = std::fs::read_dir(&pods).unwrap().count();
    assert_eq!(pod_logs, 4, "the four static pods' logs");
    assert!(out.join("kina-control-plane/var/log/containers").exists());
}

#[test]
fn defaults_to_a_new_temporary_directory() {
    let mut world = World::new();
    let tmp = world.path("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    world.env("TMPDIR", tmp.to_str().unwrap());
    world.kina(&["create", "cluster"]).success();
    let first = world.kina(&["export", "logs"]).stdout();
    let second = world.kina(&["export", "logs"]).stdout();
    assert!(first.starts_with(tmp.to_str().unwrap()), "{first}");
    assert_ne!(first, second, "each export gets its own directory");
    assert!(std::path::Path::new(first.trim()).join("kina-control-plane/inspect.json").exists());
}

#[test]
fn a_node_that_cannot_answer_gets_a_note() {
    let mut world = World::new();
    world.kina(&["create", "cluster", "--workers", "1"]).success();
    world.container(&["stop", "kina-worker"]).success();
    world.env("KINA_FAKE_FAIL", "exec kina-control-plane journalctl --no-pager -u kubelet");
    let out = world.path("logs");
    world.kina(&["export", "logs", out.to_str().unwrap()]).success();
    let worker = std::fs::read_to_string(out.join("kina-worker/NOTES.txt")).unwrap();
    assert!(worker.contains("the node is stopped"), "{worker}");
    assert!(out.join("kina-worker/inspect.json").exists());
    let control_plane = std::fs::read_to_string(out.join("kina-control-plane/NOTES.txt")).unwrap();
    assert!(control_plane.contains("kubelet.log:") && control_plane.contains("injected failure"), "{control_plane}");
    assert!(out.join("kina-control-plane/journal.log").exists(), "the rest is still collected");
}

#[test]
fn unknown_cluster_is_kinds_error() {
    let world = World::new();
    world.kina(&["export", "logs", "-n", "ghost"]).code_is(1).stderr_has("ERROR: unknown cluster \"ghost\"");
}

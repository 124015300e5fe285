//! `kina delete cluster` and `kina delete clusters`.

use crate::support::World;

#[test]
fn delete_removes_nodes_and_only_kinas_kubeconfig_entries() {
    let world = World::new();
    world.kina(&["create", "cluster"]).success();
    world.kina(&["create", "cluster", "-n", "other"]).success();
    world
        .kina(&["delete", "cluster"])
        .success()
        .stdout_is("")
        .stderr_has("Deleting cluster \"kina\" ...")
        .stderr_has("Deleted nodes: [\"kina-control-plane\"]");
    assert_eq!(world.container_names(), ["other-control-plane"]);
    let text = std::fs::read_to_string(world.default_kubeconfig()).unwrap();
    assert!(!text.contains("kina-kina"), "{text}");
    assert!(text.contains("kina-other"), "{text}");
}

#[test]
fn deleting_a_missing_cluster_succeeds_like_kind() {
    let world = World::new();
    let run = world.kina(&["delete", "cluster", "-n", "ghost"]);
    run.success().stderr_has("Deleting cluster \"ghost\" ...");
    assert!(!run.stderr().contains("Deleted nodes"));
    assert!(!world.default_kubeconfig().exists(), "delete must not create a kubeconfig");
}

#[test]
fn delete_cleans_kubeconfig_even_without_nodes() {
    let world = World::new();
    world.kina(&["create", "cluster"]).success();
    world.container(&["delete", "--force", "kina-control-plane"]).success();
    world.kina(&["delete", "cluster"]).success();
    let text = std::fs::read_to_string(world.default_kubeconfig()).unwrap();
    assert!(!text.contains("kina-kina"), "{text}");
}

#[test]
fn delete_honours_kina_cluster_name() {
    let mut world = World::new();
    world.kina(&["create", "cluster", "-n", "envname"]).success();
    world.env("KINA_CLUSTER_NAME", "envname");
    world.kina(&["delete", "cluster"]).success().stderr_has("Deleting cluster \"envname\"");
    assert!(world.container_names().is_empty());
}

#[test]
fn delete_clusters_by_name_all_or_none() {
    let world = World::new();
    for name in ["a", "b", "c"] {
        world.kina(&["create", "cluster", "-n", name]).success();
    }
    world.kina(&["delete", "clusters"]).code_is(1).stderr_has("ERROR: no cluster names provided");
    world.kina(&["delete", "clusters", "a", "b"]).success().stderr_has("Deleted clusters: [\"a\" \"b\"]");
    assert_eq!(world.container_names(), ["c-control-plane"]);
    world.kina(&["create", "cluster", "-n", "d"]).success();
    world.clear_fake_log();
    world.kina(&["delete", "clusters", "--all"]).success().stderr_has("Deleted clusters: [\"c\" \"d\"]");
    let calls = world.fake_calls();
    assert!(world.container_names().is_empty());
    assert_eq!(
        calls,
        [
            "system status",
            "list --all --format json",
            "delete --force c-control-plane d-control-plane",
            "network delete kina-c",
            "network delete kina-d"
        ]
    );
}

#[test]
fn delete_clusters_reports_every_name_like_kind() {
    let world = World::new();
    world.kina(&["create", "cluster", "-n", "real"]).success();
    world
        .kina(&["delete", "clusters", "real", "nope", "real"])
        .success()
        .stderr_has("Deleted clusters: [\"nope\" \"real\"]");
    assert!(world.container_names().is_empty());
}

#[test]
fn delete_works_on_releases_that_cannot_create_nodes() {
    let mut world = World::new();
    world.kina(&["create", "cluster"]).success();
    world.env("KINA_FAKE_VERSION", "1.2.0");
    world.kina(&["delete", "cluster"]).success().stderr_has("Deleted nodes: [\"kina-control-plane\"]");
}

#[test]
fn delete_with_the_service_down_still_cleans_the_kubeconfig() {
    let mut world = World::new();
    world.kina(&["create", "cluster"]).success();
    world.env("KINA_FAKE_APISERVER", "down");
    world.kina(&["delete", "cluster"]).code_is(1).stderr_has("container system start");
    let text = std::fs::read_to_string(world.default_kubeconfig()).unwrap();
    assert!(!text.contains("kina-kina"), "{text}");
    world.remove_env("KINA_FAKE_APISERVER");
    assert_eq!(world.container_names(), ["kina-control-plane"]);
}

#[test]
fn delete_leaves_foreign_containers_alone() {
    let world = World::new();
    world.container(&["run", "-d", "--name", "kina-control-plane-lookalike", "alpine:latest"]).success();
    world.kina(&["create", "cluster"]).success();
    world.kina(&["delete", "clusters", "-A"]).success();
    assert_eq!(world.container_names(), ["kina-control-plane-lookalike"]);
}

#[test]
fn an_empty_listing_is_an_error_not_an_empty_cluster() {
    let mut world = World::new();
    world.kina(&["create", "cluster"]).success();
    world.env("KINA_FAKE_SILENT", "list --all");
    world
        .kina(&["delete", "cluster"])
        .code_is(1)
        .stderr_has("no output where a JSON array was expected (an empty list prints `[]`)")
        .stderr_has("container list --all --format json");
    world.remove_env("KINA_FAKE_SILENT");
    assert_eq!(world.container_names(), ["kina-control-plane"], "the VM is not left running unnoticed");
    world.kina(&["delete", "cluster"]).success();
}

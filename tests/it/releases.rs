//! The `container` releases people run today, 1.4.1 and 1.5.0: their reshaped
//! `system status`, JSON that no longer escapes `/`, and a fresh 1.5.0 without a kernel.

use crate::support::World;
use serde_json::Value;

fn status_json(world: &World) -> (String, Value) {
    let text = world.container(&["system", "status", "--format", "json"]).success().stdout();
    let value = serde_json::from_str(&text).unwrap();
    (text, value)
}

#[test]
fn each_current_release_creates_lists_and_deletes() {
    for version in ["1.4.1", "1.5.0"] {
        let mut world = World::new();
        world.env("KINA_FAKE_VERSION", version);
        world.kina(&["create", "cluster"]).success().stderr_has("Creating cluster \"kina\"");
        world.kina(&["get", "clusters"]).success().stdout_is("kina\n");
        let list: Value = serde_json::from_str(&world.kina(&["list", "-o", "json"]).success().stdout()).unwrap();
        assert!(list[0]["nodes"][0]["ip"].as_str().is_some_and(|ip| !ip.is_empty()), "{list}");
        world.kina(&["get", "nodes"]).success().stdout_has("kina-control-plane");
        world.kina(&["delete", "cluster"]).success();
        assert!(world.container_names().is_empty());
    }
}

#[test]
fn status_moved_under_paths_and_server_in_1_4_1() {
    let mut world = World::new();
    let (old_text, old) = status_json(&world);
    // Up to 1.2.x: flat keys, and Swift's JSONEncoder escapes `/`.
    assert!(old["appRoot"].as_str().is_some_and(|r| r.ends_with("/app-root/")), "{old}");
    assert!(old_text.contains("\\/app-root\\/"), "{old_text}");
    assert_eq!(old["apiServerVersion"].as_str().unwrap().split(' ').next(), Some("container-apiserver"));

    world.env("KINA_FAKE_VERSION", "1.4.1");
    let (text, new) = status_json(&world);
    assert!(!text.contains("\\/"), "1.4.1 no longer escapes slashes: {text}");
    assert_eq!(new.get("appRoot"), None, "{new}");
    assert!(new["paths"]["appRoot"].as_str().is_some_and(|r| r.ends_with("/app-root/")), "{new}");
    assert_eq!(new["paths"]["installRoot"], "/usr/local/");
    assert_eq!(new["server"]["version"], "1.4.1", "the bare version: {new}");
    assert_eq!(new["client"]["version"], "1.4.1");
    assert_eq!(new["status"], "running");
    let table = world.container(&["system", "status"]).success().stdout();
    assert!(table.lines().any(|l| l.starts_with("paths.appRoot ")), "{table}");

    // A stopped service answers only with its status.
    world.env("KINA_FAKE_APISERVER", "down");
    world.container(&["system", "status", "--format", "json"]).code_is(1).stdout_is("{\"status\":\"not running\"}\n");
    world.kina(&["create", "cluster"]).code_is(1).stderr_has("the Apple container system service is not running");
}

#[test]
fn inspect_escapes_slashes_before_1_4_1_and_kina_reads_both() {
    let mut world = World::new();
    world.kina(&["create", "cluster"]).success();
    let inspect = world.container(&["inspect", "kina-control-plane"]).success().stdout();
    assert!(inspect.contains("kindest\\/node"), "1.2.2 escapes `/`: {inspect}");
    world.env("KINA_FAKE_VERSION", "1.5.0");
    let inspect = world.container(&["inspect", "kina-control-plane"]).success().stdout();
    assert!(inspect.contains("kindest/node") && !inspect.contains("\\/"), "{inspect}");
    world.kina(&["get", "nodes"]).success().stdout_has("kina-control-plane");
}

#[test]
fn a_fresh_1_5_0_has_no_kernel_until_kernel_set_recommended() {
    let mut world = World::new();
    world.env("KINA_FAKE_VERSION", "1.5.0").env("KINA_FAKE_NO_KERNEL", "1");
    world.container(&["image", "pull", "--progress", "none", "alpine"]).success();
    world
        .container(&["run", "-d", "--name", "probe", "--progress", "none", "alpine"])
        .code_is(1)
        .stderr_has("Error: notFound: \"default kernel not configured for architecture arm64, please use the `container system kernel set` command to configure it\"");
    assert!(world.container_names().is_empty());

    // kina says so before it creates anything.
    world.clear_fake_log();
    world
        .kina(&["create", "cluster"])
        .code_is(1)
        .stderr_has("Apple container has no default kernel for node VMs to boot")
        .stderr_has("kernels/default.kernel-arm64 does not exist")
        .stderr_has("hint: install the recommended kernel: `container system kernel set --recommended`");
    let calls = world.fake_calls();
    assert!(!calls.iter().any(|c| c.starts_with("run ") || c.starts_with("image pull")), "{calls:#?}");

    world.container(&["system", "kernel", "set", "--recommended"]).success();
    world.container(&["run", "-d", "--name", "probe", "--progress", "none", "alpine"]).success();
    world.kina(&["create", "cluster"]).success();
}

//! What kina checks before it changes anything.

use crate::support::World;

#[test]
fn missing_container_binary_says_how_to_install() {
    let mut world = World::new();
    world.env("KINA_CONTAINER_BIN", "/nonexistent/container");
    world
        .kina(&["create", "cluster"])
        .code_is(1)
        .stderr_has("ERROR: Apple's `container` CLI was not found at /nonexistent/container")
        .stderr_has("hint:");
}

#[test]
fn without_container_on_linux_the_hint_says_what_kina_needs_and_how_to_try_it() {
    // A developer's first `cargo run -- create cluster` on Linux: no `container` on PATH.
    let mut world = World::new();
    world.remove_env("KINA_CONTAINER_BIN");
    let empty = world.path("empty-bin");
    std::fs::create_dir_all(&empty).unwrap();
    let run = world
        .kina_command(&["create", "cluster"])
        .env_remove("KINA_CONTAINER_BIN")
        .env("PATH", &empty)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("ERROR: Apple's `container` CLI was not found on PATH"), "{stderr}");
    if cfg!(target_os = "macos") {
        assert!(stderr.contains("brew install container"), "{stderr}");
    } else {
        assert!(stderr.contains("which need macOS on Apple silicon"), "{stderr}");
        assert!(stderr.contains("KINA_CONTAINER_BIN=target/debug/container"), "{stderr}");
    }
}

#[test]
fn stopped_service_points_at_container_system_start() {
    for state in ["down", "unregistered"] {
        let mut world = World::new();
        world.env("KINA_FAKE_APISERVER", state);
        for args in [&["create", "cluster"][..], &["delete", "cluster"], &["get", "clusters"], &["list"]] {
            world
                .kina(args)
                .code_is(1)
                .stderr_has("the Apple container system service is not running")
                .stderr_has("hint: start it with `container system start`");
        }
        assert!(!world.fake_calls().iter().any(|c| c.starts_with("run")));
    }
}

#[test]
fn unsupported_versions_are_refused_with_an_upgrade_hint() {
    for (version, says) in [("1.2.0", "/proc/sys"), ("0.12.3", "too old"), ("0.7.1", "too old")] {
        let mut world = World::new();
        world.env("KINA_FAKE_VERSION", version);
        world
            .kina(&["create", "cluster"])
            .code_is(1)
            .stderr_has(says)
            .stderr_has("hint: upgrade Apple container to 1.2.1 or newer");
        assert!(world.container_names().is_empty());
    }
}

#[test]
fn releases_before_1_2_1_run_without_the_path_flags() {
    let mut world = World::new();
    world.env("KINA_FAKE_VERSION", "1.1.0");
    world.kina(&["create", "cluster"]).success();
    let run = world.fake_calls().into_iter().find(|c| c.starts_with("run ")).unwrap();
    assert!(!run.contains("--masked-path"), "{run}");
    assert!(run.contains("--cap-add ALL"), "{run}");
}

#[test]
fn newer_releases_are_accepted() {
    let mut world = World::new();
    world.env("KINA_FAKE_VERSION", "1.4.1");
    world.kina(&["create", "cluster"]).success();
}

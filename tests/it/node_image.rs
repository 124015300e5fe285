//! kina's node image and the versions table through the real binary:
//! `kina build node-image` on the fake's `container build`, a create on the
//! image it produced, and `--kubernetes-version`.

use crate::support::World;

const V1_36_4: &str = "kindest/node:v1.36.4@sha256:099e049362a1526b2db71494e1947aae99bd16290d7c895f2b7ea312e3cbfaed";

/// The calls with the build context's temporary path (it holds kina's pid) made stable.
fn calls_with_context(world: &World) -> Vec<String> {
    world
        .fake_calls()
        .iter()
        .map(|call| {
            let words: Vec<String> = call
                .split(' ')
                .map(|w| match w.find("kina-node-image-") {
                    Some(start) => {
                        let end = w[start..].find('/').map_or(w.len(), |i| start + i);
                        format!("CONTEXT{}", &w[end..])
                    }
                    None => w.to_string(),
                })
                .collect();
            words.join(" ")
        })
        .collect()
}

#[test]
fn build_node_image_runs_container_build_with_the_embedded_context() {
    let world = World::new();
    world
        .kina(&["build", "node-image", "--kubernetes-version", "1.36"])
        .success()
        .stderr_has("Building kina-node:v1.36.4 on kindest/node:v1.36.4")
        .stderr_has("use it with `kina create cluster --image kina-node:v1.36.4`");
    let calls = calls_with_context(&world);
    assert_eq!(
        calls.last().unwrap(),
        &format!(
            "build --file CONTEXT/Containerfile --tag kina-node:v1.36.4 --build-arg 'BASE_IMAGE={V1_36_4}' --build-arg 'KINA_IMAGE_VERSION={}' --progress plain CONTEXT",
            env!("CARGO_PKG_VERSION")
        ),
        "{calls:#?}"
    );
    // The image is in the store and holds what the scripts wrote.
    world.container(&["image", "inspect", "kina-node:v1.36.4"]).success();
}

#[test]
fn build_flags_name_the_base_and_the_tag() {
    let world = World::new();
    world.kina(&["build", "node-image", "--base-image", V1_36_4, "--image", "my/node:test"]).success();
    assert!(calls_with_context(&world).last().unwrap().contains("--tag my/node:test --build-arg 'BASE_IMAGE="));
    world
        .kina(&["build", "node-image", "--kubernetes-version", "1.33"])
        .code_is(1)
        .stderr_has("no node image for Kubernetes \"1.33\"; available: 1.37 (1.37.0), 1.36 (1.36.4)");
    world
        .kina(&["build", "node-image", "--base-image", "example.com/node:dev"])
        .code_is(1)
        .stderr_has("name the result with --image");
}

#[test]
fn a_stopped_builder_is_a_clear_error() {
    let mut world = World::new();
    world.env("KINA_FAKE_BUILDER", "stopped");
    world
        .kina(&["build", "node-image"])
        .code_is(1)
        .stderr_has("ERROR: failed to build node image")
        .stderr_has("container build --file")
        .stderr_has("builder is not running")
        .stderr_has("hint: `container build` runs in Apple's BuildKit builder VM")
        .stderr_has("`container builder start`");
    world.container(&["image", "inspect", "kina-node:v1.35.5"]).failure();
    world.container(&["builder", "start"]).success();
    world.kina(&["build", "node-image"]).success();
    world.container(&["image", "inspect", "kina-node:v1.35.5"]).success();
}

/// A single-node create on kina-node: the runtime settings are the image's
/// boot unit, so the node needs no prepare exec; kindnet's conflist is written
/// by the `kubeadm init` exec instead. 14 calls against kindest/node's 15.
#[test]
fn a_create_on_a_kina_node_image_skips_what_the_image_bakes_in() {
    let world = World::new();
    world.kina(&["build", "node-image", "--kubernetes-version", "1.36"]).success();
    world.kina(&["create", "cluster", "-n", "first"]).success();
    world.clear_fake_log();
    world.kina(&["create", "cluster", "--image", "kina-node:v1.36.4"]).success();
    let calls = world.fake_calls();
    assert_eq!(calls.len(), 14, "{calls:#?}");
    assert!(!calls.iter().any(|c| c.contains("sysctl -w")), "no runtime-settings exec: {calls:#?}");
    assert!(calls[8].starts_with("exec -i kina-control-plane sh -c 'set -e\\nmkdir -p /etc/cni/net.d\\ncat > /etc/cni/net.d/10-kindnet.conflist\\nkubeadm init --config=/kind/kubeadm.conf"), "{calls:#?}");

    // What kina skipped is in place all the same.
    world.container(&["exec", "kina-control-plane", "sysctl", "-n", "net.ipv4.ip_forward"]).success().stdout_is("1\n");
    world
        .container(&["exec", "kina-control-plane", "cat", "/etc/cni/net.d/10-kindnet.conflist"])
        .success()
        .stdout_has("\"subnet\": \"10.244.0.0/24\"");
    world.kina(&["list"]).success().stdout_has("v1.36.4");
    world.kina(&["get", "nodes", "-o", "json"]).success().stdout_has("\"kubernetesVersion\": \"v1.36.4\"");

    // A restart needs no runtime-settings exec either: the unit runs at every boot.
    world.kina(&["stop", "cluster"]).success();
    world.clear_fake_log();
    world.kina(&["start", "cluster"]).success();
    assert!(!world.fake_calls().iter().any(|c| c.contains("sysctl -w")), "{:#?}", world.fake_calls());
    world.container(&["exec", "kina-control-plane", "sysctl", "-n", "net.ipv4.ip_forward"]).success().stdout_is("1\n");
}

#[test]
fn kubernetes_version_picks_from_the_table() {
    let world = World::new();
    world.kina(&["create", "cluster", "--kubernetes-version", "v1.36"]).success();
    assert!(
        world.fake_calls().iter().any(|c| c.starts_with("run ") && c.ends_with(V1_36_4)),
        "{:#?}",
        world.fake_calls()
    );
    world.kina(&["list"]).success().stdout_has("v1.36.4");
    world.kina(&["create", "cluster", "-n", "exact", "--kubernetes-version", "1.35.5"]).success();
    world.kina(&["list"]).success().stdout_has("v1.35.5");
    world
        .kina(&["create", "cluster", "-n", "nope", "--kubernetes-version", "1.33"])
        .code_is(1)
        .stderr_has("ERROR: failed to create cluster")
        .stderr_has("available: 1.37 (1.37.0), 1.36 (1.36.4), 1.35 (1.35.8, 1.35.5), 1.34 (1.34.11)");
    world
        .kina(&["create", "cluster", "-n", "both", "--image", V1_36_4, "--kubernetes-version", "1.34"])
        .success()
        .stderr_has(&format!("--image {V1_36_4} wins over --kubernetes-version 1.34"));
}

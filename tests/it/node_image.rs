//! kina's node image and the versions table through the real binary:
//! `kina build node-image` on the fake's `container build`, a create on the
//! image it produced, and `--kubernetes-version`.

use crate::snapshots::without_port;
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

/// The boot probe: containerd's socket, then what the image holds.
const BOOT_PROBE: &str = "exec kina-control-plane sh -c 'set -e\\ntest -S /run/containerd/containerd.sock\\ncat /kind/version\\nif [ -f /kina/image.json ]; then\\ncat /kina/image.json\\ncat /kind/manifests/default-cni.yaml 2>/dev/null || true\\nfi\\n'";

/// A single-node create on kina-node on the runtime's default network, call
/// by call: the runtime settings are the image's boot unit, kindnet's template
/// came with the boot probe, and the image's init-control-plane.sh does the
/// rest in one exec (8 calls against kindest/node's 15; docs/architecture.md).
/// With fixed addresses: 9 calls (below).
#[test]
fn a_create_on_a_kina_node_image_makes_eight_calls() {
    let mut world = World::new();
    world.env("KINA_FIXED_ADDRESSES", "off");
    world.kina(&["build", "node-image", "--kubernetes-version", "1.36"]).success();
    world.kina(&["create", "cluster", "-n", "first"]).success();
    world.clear_fake_log();
    let run = world.kina(&["create", "cluster", "--image", "kina-node:v1.36.4"]);
    run.success()
        .stderr_has(" ✓ Writing configuration 📜")
        .stderr_has(" ✓ Starting control-plane 🕹️ with CNI 🔌 and StorageClass 💾");
    assert!(!run.stderr().contains("Installing"), "{}", run.stderr());
    let calls: Vec<String> = world.fake_calls().iter().map(|c| without_port(c)).collect();
    let lines = |path: &str| {
        let text = world.container(&["exec", "kina-control-plane", "cat", path]).success().stdout();
        text.matches('\n').count()
    };
    let init_prefix = format!(
        "exec -i kina-control-plane sh /kina/bin/init-control-plane.sh --kubeadm-config {} --cni-config {} --cni-manifest ",
        lines("/kind/kubeadm.conf"),
        lines("/etc/cni/net.d/10-kindnet.conflist"),
    );
    // kindnet's manifest as kina rendered it is gone (the node keeps the objects): any whole number of lines.
    let init = calls.last().unwrap();
    let cni_lines = init.strip_prefix(&init_prefix).and_then(|r| r.strip_suffix(" --single-node --storage"));
    assert!(cni_lines.is_some_and(|n| n.parse::<u32>().is_ok_and(|n| n > 20)), "{init}");
    assert_eq!(
        calls,
        [
            "--version",
            "system status --format json",
            "list --all --format json",
            "image inspect kina-node:v1.36.4",
            "run -d --name kina-control-plane --cap-add ALL --masked-path NONE --read-only-path NONE --cpus 4 --memory 4G -l 'io.kina.cluster=kina' -l 'io.kina.role=control-plane' -l 'io.kina.kubernetes-version=v1.36.4' -p 127.0.0.1:PORT:6443/tcp -e 'KUBECONFIG=/etc/kubernetes/admin.conf' --progress none kina-node:v1.36.4",
            BOOT_PROBE,
            "inspect kina-control-plane",
            init.as_str(),
        ],
        "{calls:#?}"
    );

    // What kina skipped is in place all the same.
    world.container(&["exec", "kina-control-plane", "sysctl", "-n", "net.ipv4.ip_forward"]).success().stdout_is("1\n");
    world
        .container(&["exec", "kina-control-plane", "cat", "/etc/cni/net.d/10-kindnet.conflist"])
        .success()
        .stdout_has("\"subnet\": \"10.244.0.0/24\"");
    world
        .container(&["exec", "kina-control-plane", "cat", "/kind/kubeadm.conf"])
        .success()
        .stdout_has("kind: InitConfiguration");
    let kubectl = |args: &[&str]| world.kubectl("kina-control-plane", args).success().stdout();
    assert!(kubectl(&["get", "daemonset", "-n", "kube-system", "kindnet"]).contains("kindnet"));
    assert!(kubectl(&["get", "storageclass", "standard"]).contains("standard"));
    assert!(!kubectl(&["get", "nodes", "-o", "jsonpath={.items[0].spec.taints}"]).contains("control-plane"));
    world.kina(&["list"]).success().stdout_has("v1.36.4");
    world.kina(&["get", "nodes", "-o", "json"]).success().stdout_has("\"kubernetesVersion\": \"v1.36.4\"");
    // The kubeconfig came from the init exec's stdout and works as kina's own.
    world.kina(&["get", "kubeconfig"]).success().stdout_has("server: https://127.0.0.1:");

    // A restart needs no runtime-settings exec either: the unit runs at every boot.
    world.kina(&["stop", "cluster"]).success();
    world.clear_fake_log();
    world.kina(&["start", "cluster"]).success();
    assert!(!world.fake_calls().iter().any(|c| c.contains("sysctl -w")), "{:#?}", world.fake_calls());
    world.container(&["exec", "kina-control-plane", "sysctl", "-n", "net.ipv4.ip_forward"]).success().stdout_is("1\n");
}

/// The same create with fixed addresses (macOS 26, the default): the network's
/// two calls come before the `run`, the `inspect` goes (the address is kina's
/// choice), and the image's init script gives the node its address before
/// `kubeadm init` (`node-address` in /kina/image.json): 9 calls.
#[test]
fn a_create_on_a_kina_node_image_with_a_fixed_address_makes_nine_calls() {
    let world = World::new();
    world.kina(&["build", "node-image"]).success();
    world.clear_fake_log();
    world.kina(&["create", "cluster", "--image", "kina-node:v1.35.5"]).success();
    let calls: Vec<String> = world.fake_calls().iter().map(|c| without_port(c)).collect();
    let init = calls.last().unwrap();
    assert!(
        init.starts_with(
            "exec -i kina-control-plane sh /kina/bin/init-control-plane.sh --node-address 1 --kubeadm-config "
        ) && init.ends_with(" --single-node --storage"),
        "{init}"
    );
    assert_eq!(
        calls,
        [
            "--version",
            "system status --format json",
            "list --all --format json",
            "network list --format json",
            "network create --label 'io.kina.cluster=kina' --subnet 192.168.100.0/24 kina-kina",
            "image inspect kina-node:v1.35.5",
            "run -d --name kina-control-plane --cap-add ALL --masked-path NONE --read-only-path NONE --cpus 4 --memory 4G -l 'io.kina.cluster=kina' -l 'io.kina.role=control-plane' -l 'io.kina.kubernetes-version=v1.35.5' -l 'io.kina.network=kina-kina' -l 'io.kina.subnet=192.168.100.0/24' -l 'io.kina.address=192.168.100.254' --network kina-kina -p 127.0.0.1:PORT:6443/tcp -e 'KUBECONFIG=/etc/kubernetes/admin.conf' --progress none kina-node:v1.35.5",
            BOOT_PROBE,
            init.as_str(),
        ],
        "{calls:#?}"
    );
    let node = |args: &[&str]| {
        let mut argv = vec!["exec", "kina-control-plane"];
        argv.extend(args);
        world.container(&argv).success().stdout()
    };
    assert_eq!(node(&["cat", "/kina/node-address"]), "192.168.100.254/24\n");
    assert!(node(&["ip", "addr"]).contains("inet 192.168.100.254/24 "));
    assert_eq!(node(&["systemctl", "is-enabled", "kina-node-address.service"]), "enabled\n");
    assert!(node(&["cat", "/kind/kubeadm.conf"]).contains("advertiseAddress: \"192.168.100.254\""));
    world.kina(&["get", "kubeconfig", "--internal"]).success().stdout_has("server: https://192.168.100.254:6443");

    // The unit the image carries brings the address back at the next boot.
    world.kina(&["stop", "cluster"]).success();
    world.kina(&["start", "cluster"]).success();
    assert!(node(&["ip", "addr"]).contains("inet 192.168.100.254/24 "));
}

/// A kina-node image built before `node-address` (its manifest does not name
/// it) gets the address unit from a separate exec, as kindest/node does, and
/// its init script no `--node-address` (which it would refuse): 10 calls.
#[test]
fn an_older_kina_node_image_gets_its_address_from_a_separate_exec() {
    let world = World::new();
    let context = world.path("old-node-image");
    std::fs::create_dir_all(&context).unwrap();
    let images = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("images/node");
    for entry in std::fs::read_dir(&images).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let text = text.replace(", \"node-address\"]", "]");
        std::fs::write(context.join(path.file_name().unwrap()), text).unwrap();
    }
    let containerfile = context.join("Containerfile");
    world
        .container(&[
            "build",
            "--file",
            containerfile.to_str().unwrap(),
            "--tag",
            "kina-node:old",
            "--progress",
            "plain",
            context.to_str().unwrap(),
        ])
        .success();
    world.clear_fake_log();
    world.kina(&["create", "cluster", "--image", "kina-node:old"]).success();
    let calls = world.fake_calls();
    assert_eq!(calls.len(), 10, "{calls:#?}");
    assert!(
        calls[8].starts_with("exec -i kina-control-plane sh -c 'set -e\\nmkdir -p /kina/bin\\nIFS= read -r address")
    );
    assert!(calls[9].starts_with("exec -i kina-control-plane sh /kina/bin/init-control-plane.sh --kubeadm-config "));
    world.container(&["exec", "kina-control-plane", "ip", "addr"]).success().stdout_has("inet 192.168.100.254/24 ");
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

/// Each step of the image's one-exec init that fails is named as on
/// kindest/node (the fixed address first: clusters get a network of their own
/// by default), with the script's command line, the step's own command
/// line and its stderr; the node is removed.
#[test]
fn each_failing_step_of_the_one_exec_init_is_named() {
    let mut world = World::new();
    world.kina(&["build", "node-image"]).success();
    // (injected failure of the step's own command, the step as kina names it, that command)
    let steps = [
        ("addr replace", "failed to give the node its fixed address", "sh /kina/bin/node-address.sh"),
        (
            "kubeadm init",
            "failed to init node with kubeadm",
            "kubeadm init --config=/kind/kubeadm.conf --skip-token-print --v=6",
        ),
        ("taint nodes", "failed to remove control plane taint", "sh /kina/bin/single-node.sh"),
        (
            "kina-init.",
            "failed to apply overlay network",
            "kubectl --kubeconfig=/etc/kubernetes/admin.conf apply -f /tmp/kina-init.",
        ),
        (
            "default-storage.yaml",
            "failed to add default storage class",
            "kubectl --kubeconfig=/etc/kubernetes/admin.conf apply -f /kind/manifests/default-storage.yaml",
        ),
    ];
    for (pattern, message, command) in steps {
        world.env("KINA_FAKE_FAIL", pattern);
        world
            .kina(&["create", "cluster", "--image", "kina-node:v1.35.5"])
            .code_is(1)
            .stderr_has("ERROR: failed to create cluster")
            .stderr_has(&format!("Caused by: {message}"))
            .stderr_has(
                "container exec -i kina-control-plane sh /kina/bin/init-control-plane.sh --node-address 1 --kubeadm-config ",
            )
            .stderr_has(&format!("init-control-plane.sh: \"{command}"))
            .stderr_has("injected failure")
            .stderr_has("hint: re-run with --retain");
        assert!(world.container_names().is_empty(), "{pattern}: nodes left behind");
    }
    world.remove_env("KINA_FAKE_FAIL");
    world.kina(&["create", "cluster", "--image", "kina-node:v1.35.5"]).success();
}

//! `kina get clusters|nodes|kubeconfig`, `kina export kubeconfig`, `kina list`.

use crate::support::World;

#[test]
fn get_clusters_and_nodes_print_names_on_stdout() {
    let world = World::new();
    world.kina(&["get", "clusters"]).success().stdout_is("").stderr_has("No kina clusters found.");
    world.kina(&["create", "cluster", "-n", "zeta"]).success();
    world.kina(&["create", "cluster", "-n", "alpha"]).success();
    world.kina(&["get", "clusters"]).success().stdout_is("alpha\nzeta\n");
    world.kina(&["get", "nodes", "-n", "alpha"]).success().stdout_is("alpha-control-plane\n");
    world.kina(&["get", "nodes"]).success().stdout_is("").stderr_has("No kina nodes found for cluster \"kina\".");
    let all = world.kina(&["get", "nodes", "-A"]);
    let mut lines: Vec<_> = all.success().stdout().lines().map(str::to_string).collect();
    lines.sort();
    assert_eq!(lines, ["alpha-control-plane", "zeta-control-plane"]);
}

#[test]
fn read_commands_make_exactly_one_list_call() {
    let world = World::new();
    for name in ["a", "b", "c"] {
        world.kina(&["create", "cluster", "-n", name]).success();
    }
    for args in [&["get", "clusters"][..], &["list"], &["get", "nodes", "-A"]] {
        world.clear_fake_log();
        world.kina(args).success();
        assert_eq!(world.fake_calls().len(), 1, "{args:?}: {:?}", world.fake_calls());
        assert!(world.fake_calls()[0].starts_with("list --all --format json"));
    }
    // `-o wide|json|yaml` also reads each running cluster's LoadBalancer Services
    // and names: two kubectl calls in its control plane, none for a stopped one.
    world.container(&["stop", "c-control-plane"]).success();
    for format in ["wide", "json", "yaml"] {
        world.clear_fake_log();
        world.kina(&["list", "-o", format]).success();
        let calls = world.fake_calls();
        assert_eq!(calls.len(), 5, "{format}: {calls:?}");
        assert!(calls[0].starts_with("list --all --format json"));
        for cluster in ["a", "b"] {
            let execs = calls.iter().filter(|c| c.starts_with(&format!("exec {cluster}-control-plane kubectl ")));
            assert_eq!(execs.count(), 2, "{format}: {calls:?}");
        }
    }
}

#[test]
fn list_shows_state_version_and_endpoint() {
    let world = World::new();
    world.kina(&["list"]).success().stdout_is("").stderr_has("No kina clusters found.");
    world.kina(&["list", "-o", "json"]).success().stdout_is("[]\n");
    world.kina(&["create", "cluster"]).success();
    world.kina(&["create", "cluster", "-n", "old", "--image", "kindest/node:v1.34.1"]).success();
    world.container(&["stop", "old-control-plane"]).success();

    let table = world.kina(&["list"]);
    let stdout = table.success().stdout();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    assert!(lines[0].starts_with("NAME"), "{stdout}");
    assert!(lines[1].starts_with("kina ") && lines[1].contains("running") && lines[1].contains("v1.35.5"), "{stdout}");
    assert!(lines[1].contains("https://127.0.0.1:"), "{stdout}");
    assert!(lines[2].starts_with("old ") && lines[2].contains("stopped") && lines[2].contains("v1.34.1"), "{stdout}");

    let json: serde_json::Value = serde_json::from_str(&world.kina(&["list", "-o", "json"]).stdout()).unwrap();
    assert_eq!(json[0]["name"], "kina");
    assert_eq!(json[0]["state"], "running");
    assert_eq!(json[0]["kubernetesVersion"], "v1.35.5");
    assert_eq!(json[0]["nodes"][0]["name"], "kina-control-plane");
    assert_eq!(json[0]["nodes"][0]["role"], "control-plane");
    assert_eq!(json[0]["nodes"][0]["ip"], "192.168.100.254", "the fixed address");
    assert_eq!(json[1]["state"], "stopped");
    assert!(json[1]["nodes"][0]["ip"].is_null());
}

#[test]
fn get_kubeconfig_external_and_internal() {
    let world = World::new();
    world
        .kina(&["get", "kubeconfig"])
        .code_is(1)
        .stderr_has("could not locate any control plane nodes for cluster named 'kina'. Use the --name option to select a different cluster");
    world.kina(&["create", "cluster"]).success();
    let external = world.kina(&["get", "kubeconfig"]);
    let yaml = external.success().stdout();
    assert!(yaml.starts_with("apiVersion: v1\nclusters:\n"), "{yaml}");
    assert!(yaml.contains("name: kina-kina"), "{yaml}");
    assert!(yaml.contains("server: https://127.0.0.1:"), "{yaml}");
    assert!(yaml.contains("current-context: kina-kina"), "{yaml}");

    let ip = crate::support::node_address(&world, "kina-control-plane");
    world.kina(&["get", "kubeconfig", "--internal"]).success().stdout_has(&format!("server: https://{ip}:6443"));
}

#[test]
fn get_kubeconfig_of_a_stopped_cluster_says_so() {
    let world = World::new();
    world.kina(&["create", "cluster"]).success();
    world.container(&["stop", "kina-control-plane"]).success();
    world
        .kina(&["get", "kubeconfig"])
        .code_is(1)
        .stderr_has("is not running")
        .stderr_has("hint: start the cluster with `kina start cluster --name kina`");
}

#[test]
fn export_kubeconfig_restores_a_deleted_entry() {
    let world = World::new();
    world.kina(&["create", "cluster"]).success();
    let target = world.path("exported");
    world
        .kina(&["export", "kubeconfig", "--kubeconfig", target.to_str().unwrap()])
        .success()
        .stdout_is("")
        .stderr_has("Set kubectl context to \"kina-kina\"");
    let text = std::fs::read_to_string(&target).unwrap();
    assert!(text.contains("current-context: kina-kina"), "{text}");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&target).unwrap().permissions().mode() & 0o777, 0o600);
}

#[test]
fn version_is_kind_shaped() {
    let world = World::new();
    let run = world.kina(&["version"]);
    let out = run.success().stdout();
    // `kina v<semver> <git sha> <os>/<arch>`: the sha comes from build.rs, `unknown` outside git.
    let words: Vec<&str> = out.trim_end().split(' ').collect();
    assert_eq!(words.len(), 4, "{out}");
    assert_eq!(words[0], "kina", "{out}");
    assert_eq!(words[1], format!("v{}", env!("CARGO_PKG_VERSION")), "{out}");
    let sha = words[2];
    assert!(sha == "unknown" || (sha.len() == 12 && sha.chars().all(|c| c.is_ascii_hexdigit())), "{out}");
    if std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.git")).exists() {
        assert_ne!(sha, "unknown", "built from a git checkout: {out}");
    }
    let (os, arch) = words[3].split_once('/').unwrap_or_else(|| panic!("{out}"));
    assert!(!os.is_empty() && !arch.is_empty(), "{out}");
    world.kina(&["version", "-q"]).success().stdout_is(&format!("{}\n", env!("CARGO_PKG_VERSION")));
    world.kina(&["--version"]).success().stdout_is(&format!("kina version {}\n", env!("CARGO_PKG_VERSION")));
    assert!(world.fake_calls().is_empty(), "version needs no container call");
}

#[test]
fn usage_errors_exit_1_like_kind() {
    let world = World::new();
    world.kina(&["create", "cluster", "--wait", "5"]).code_is(1).stderr_has("invalid duration");
    world.kina(&["frobnicate"]).code_is(1).stderr_has("frobnicate");
    let quiet = world.kina(&["-q", "frobnicate"]);
    quiet.code_is(1);
    assert_eq!(quiet.stderr(), "");
    world.kina(&["--help"]).success().stdout_has("create");
}

#[test]
fn get_clusters_and_nodes_machine_readable() {
    let world = World::new();
    for format in ["json", "yaml"] {
        for args in [&["get", "clusters", "-o", format][..], &["get", "nodes", "-A", "-o", format]] {
            let run = world.kina(args);
            run.success().stdout_is("[]\n");
            assert_eq!(run.stderr(), "", "{args:?}: no 'No kina ... found' chatter with -o");
        }
    }
    world.kina(&["create", "cluster", "-n", "zeta"]).success();
    world.kina(&["create", "cluster", "-n", "alpha"]).success();
    world.container(&["stop", "zeta-control-plane"]).success();

    let clusters: serde_json::Value =
        serde_json::from_str(&world.kina(&["get", "clusters", "-o", "json"]).success().stdout()).unwrap();
    assert_eq!(clusters, serde_json::json!([{ "name": "alpha" }, { "name": "zeta" }]));
    world.kina(&["get", "clusters", "-o", "yaml"]).success().stdout_is("- name: alpha\n- name: zeta\n");

    let nodes: serde_json::Value =
        serde_json::from_str(&world.kina(&["get", "nodes", "-A", "-o", "json"]).success().stdout()).unwrap();
    let nodes = nodes.as_array().unwrap();
    assert_eq!(nodes.len(), 2, "{nodes:?}");
    // Sorted by cluster, then name; exactly these keys, in this order.
    let keys: Vec<&String> = nodes[0].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["name", "cluster", "role", "state", "ip", "kubernetesVersion"]);
    assert_eq!(nodes[0]["kubernetesVersion"], "v1.35.5");
    assert_eq!(nodes[0]["name"], "alpha-control-plane");
    assert_eq!(nodes[0]["cluster"], "alpha");
    assert_eq!(nodes[0]["role"], "control-plane");
    assert_eq!(nodes[0]["state"], "running");
    assert_eq!(nodes[0]["ip"], crate::support::node_address(&world, "alpha-control-plane").as_str(), "{nodes:?}");
    assert_eq!(nodes[1]["name"], "zeta-control-plane");
    assert_eq!(nodes[1]["state"], "stopped");
    assert!(nodes[1]["ip"].is_null());

    // --name selects as without -o; YAML carries the same fields.
    let alpha = world.kina(&["get", "nodes", "-n", "alpha", "-o", "yaml"]);
    let yaml = alpha.success().stdout();
    assert!(
        yaml.starts_with(
            "- name: alpha-control-plane\n  cluster: alpha\n  role: control-plane\n  state: running\n  ip: "
        ),
        "{yaml}"
    );
    assert!(!yaml.contains("zeta"), "{yaml}");

    // The default output is still kind's plain names.
    world.kina(&["get", "clusters"]).success().stdout_is("alpha\nzeta\n");
    world.kina(&["get", "nodes", "-n", "alpha"]).success().stdout_is("alpha-control-plane\n");
    world.kina(&["get", "clusters", "-o", "xml"]).code_is(1).stderr_has("xml");
}

#[test]
fn list_yaml_matches_list_json() {
    let world = World::new();
    world.kina(&["list", "-o", "yaml"]).success().stdout_is("[]\n");
    world.kina(&["create", "cluster"]).success();
    let run = world.kina(&["list", "-o", "yaml"]);
    let yaml = run.success().stdout();
    assert!(
        yaml.starts_with(
            "- name: kina\n  state: running\n  kubernetesVersion: v1.35.5\n  apiServer: https://127.0.0.1:"
        ),
        "{yaml}"
    );
    assert!(
        yaml.contains("  nodes:\n  - name: kina-control-plane\n    role: control-plane\n    state: running\n    ip: "),
        "{yaml}"
    );
}

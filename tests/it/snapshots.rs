//! What a user sees, pinned: exit code, stdout and stderr of the real `kina`
//! binary against the fake `container` for each command and the main errors,
//! and the exact `container` calls of a default create (the table in
//! docs/architecture.md).
//!
//! The snapshots are in `tests/it/snapshots/`. After an intended change, run the
//! failing test with `INSTA_UPDATE=always`, read the diff of the `.snap` files and
//! commit them (docs/testing.md). What differs between runs and machines (ports,
//! temp paths, elapsed times, certificates, the build) is replaced
//! by a `[PLACEHOLDER]` before the comparison.

use crate::support::{FAKE, Run, World};

/// The filters for what varies between runs; everything else is compared as is.
pub(crate) fn settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    let filters = [
        // Free host ports for the API server.
        (r"127\.0\.0\.1:\d+", "127.0.0.1:[PORT]"),
        // Elapsed times, the only values derived from the clock: per finished step
        // (` ✓ Preparing nodes 📦 (0.1s)`) and in total.
        (r"(?m)^( [✓✗] .*) \([0-9hms.]+\)$", "$1 ([ELAPSED])"),
        (r"(?i)((?:ready|created) after) \d[0-9hms.]*", "$1 [ELAPSED]"),
        // Certificates and keys the fake generates per cluster.
        (
            r"(certificate-authority-data|client-certificate-data|client-key-data):( >-)?\s+[A-Za-z0-9+/=]+",
            "$1: [BASE64]",
        ),
    ];
    for (pattern, replacement) in filters {
        settings.add_filter(pattern, replacement);
    }
    settings
}

/// One run as the user saw it. The fake's and the world's paths become
/// `[CONTAINER]` and `[WORLD]`; stderr must be plain text (no spinner, no
/// colour, no carriage returns) because it is not a terminal here.
pub(crate) fn shown(world: &World, run: &Run) -> String {
    let stderr = run.stderr();
    assert!(!stderr.contains('\x1b') && !stderr.contains('\r'), "stderr is not plain:\n{stderr:?}");
    let text = format!(
        "$ {}\nexit code: {}\n----- stdout -----\n{}----- stderr -----\n{}",
        run.argv.join(" "),
        run.code(),
        run.stdout(),
        stderr
    );
    text.replace(FAKE, "[CONTAINER]").replace(&world.dir.path().display().to_string(), "[WORLD]")
}

macro_rules! assert_shown {
    ($name:expr, $world:expr, $run:expr) => {
        settings().bind(|| insta::assert_snapshot!($name, shown($world, $run)))
    };
}

fn fixtures() -> String {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/addons").display().to_string()
}

/// A world with one default cluster, its node image already pulled.
fn with_cluster() -> World {
    let mut world = World::new();
    world.env("KINA_ADDON_MIRROR", fixtures());
    world.kina(&["create", "cluster"]).success();
    world
}

#[test]
fn create_default() {
    let world = World::new();
    assert_shown!("create_default", &world, &world.kina(&["create", "cluster"]));
}

#[test]
fn create_with_workers() {
    let world = World::new();
    assert_shown!("create_with_workers", &world, &world.kina(&["create", "cluster", "--workers", "2"]));
}

#[test]
fn delete_cluster() {
    let world = with_cluster();
    assert_shown!("delete_cluster", &world, &world.kina(&["delete", "cluster"]));
}

#[test]
fn get_clusters_nodes_and_kubeconfig() {
    let world = with_cluster();
    world.kina(&["create", "cluster", "-n", "two", "--workers", "1"]).success();
    assert_shown!("get_clusters", &world, &world.kina(&["get", "clusters"]));
    assert_shown!("get_nodes", &world, &world.kina(&["get", "nodes", "--name", "two"]));
    assert_shown!("get_kubeconfig", &world, &world.kina(&["get", "kubeconfig"]));
}

#[test]
fn list_as_table_and_json() {
    let world = with_cluster();
    world.kina(&["create", "cluster", "-n", "two", "--workers", "1"]).success();
    world.kina(&["stop", "cluster", "-n", "two"]).success();
    assert_shown!("list_table", &world, &world.kina(&["list"]));
    assert_shown!("list_json", &world, &world.kina(&["list", "-o", "json"]));
}

#[test]
fn install_an_addon_and_list_the_addons() {
    let world = with_cluster();
    assert_shown!("install_metrics_server", &world, &world.kina(&["install", "metrics-server"]));
    assert_shown!("install_list", &world, &world.kina(&["install", "--list"]));
}

#[test]
fn load_docker_image() {
    let world = with_cluster();
    world.container(&["image", "pull", "--progress", "none", "nginx:1.27"]).success();
    assert_shown!("load_docker_image", &world, &world.kina(&["load", "docker-image", "nginx:1.27"]));
    assert_shown!("load_docker_image_again", &world, &world.kina(&["load", "docker-image", "nginx:1.27"]));
}

#[test]
fn stop_and_start() {
    let world = with_cluster();
    assert_shown!("stop_cluster", &world, &world.kina(&["stop", "cluster"]));
    assert_shown!("start_cluster", &world, &world.kina(&["start", "cluster"]));
}

/// macOS 15: no fixed addresses, so a start heals the control plane's new one.
#[test]
fn start_with_healing() {
    let mut world = World::new();
    world.env("KINA_FAKE_MACOS", "15");
    world.kina(&["create", "cluster"]).success();
    world.kina(&["stop", "cluster"]).success();
    assert_shown!("start_cluster_healed", &world, &world.kina(&["start", "cluster"]));
}

/// After a restart the runtime gave the cluster's network the default one's subnet.
#[test]
fn error_subnet_swapped() {
    let mut world = with_cluster();
    world.kina(&["stop", "cluster"]).success();
    world.env("KINA_FAKE_SUBNET_SWAP", "kina-kina");
    world.container(&["system", "stop"]).success();
    world.container(&["system", "start"]).success();
    assert_shown!("error_subnet_swapped", &world, &world.kina(&["start", "cluster"]));
}

#[test]
fn version() {
    let world = World::new();
    let run = world.kina(&["version"]);
    let filters = [
        (env!("CARGO_PKG_VERSION").replace('.', r"\."), "[VERSION]"),
        (r" ([0-9a-f]{12}|unknown) ".to_string(), " [GIT SHA] "),
        (r"(darwin|linux)/(arm64|amd64)".to_string(), "[PLATFORM]"),
    ];
    let mut settings = settings();
    for (pattern, replacement) in &filters {
        settings.add_filter(pattern, *replacement);
    }
    settings.bind(|| insta::assert_snapshot!("version", shown(&world, &run)));
}

#[test]
fn error_without_the_container_cli() {
    let mut world = World::new();
    world.env("KINA_CONTAINER_BIN", "/nonexistent/container");
    assert_shown!("error_no_container_cli", &world, &world.kina(&["create", "cluster"]));
}

#[test]
fn error_when_the_service_is_down() {
    let mut world = World::new();
    world.env("KINA_FAKE_APISERVER", "down");
    assert_shown!("error_service_down", &world, &world.kina(&["get", "clusters"]));
}

#[test]
fn error_when_the_cluster_exists() {
    let world = with_cluster();
    assert_shown!("error_cluster_exists", &world, &world.kina(&["create", "cluster"]));
}

#[test]
fn error_for_an_unknown_config_field() {
    let world = World::new();
    let config = world.path("kind.yaml");
    let yaml = "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- role: control-plane\n  extraMount: []\n";
    std::fs::write(&config, yaml).unwrap();
    let run = world.kina(&["create", "cluster", "--config", config.to_str().unwrap()]);
    assert_shown!("error_unknown_config_field", &world, &run);
}

#[test]
fn error_from_a_failing_container_call() {
    let mut world = World::new();
    world.env("KINA_FAKE_FAIL", "kubeadm init");
    assert_shown!("error_failing_container_call", &world, &world.kina(&["create", "cluster"]));
}

#[test]
fn error_for_an_unsupported_version() {
    let mut world = World::new();
    world.env("KINA_FAKE_VERSION", "1.2.0");
    assert_shown!("error_unsupported_version", &world, &world.kina(&["create", "cluster"]));
}

/// Every `container` call of a default single-node create once the node image is
/// present: the 16 rows of docs/architecture.md's table, in order. `--wait` adds
/// one `kubectl wait` before the kubeconfig is read.
#[test]
fn container_calls_of_a_default_create() {
    let world = World::new();
    world.kina(&["create", "cluster", "-n", "first"]).success();
    world.clear_fake_log();
    world.kina(&["create", "cluster"]).success();
    let calls = world.fake_calls();
    assert_eq!(calls.len(), 16, "{}", calls.join("\n"));
    settings().bind(|| insta::assert_snapshot!("container_calls_create_default", calls.join("\n")));

    world.clear_fake_log();
    world.kina(&["create", "cluster", "-n", "waited", "--wait", "1m"]).success();
    let calls = world.fake_calls();
    settings().bind(|| insta::assert_snapshot!("container_calls_create_wait", calls.join("\n")));
}

/// docs/architecture.md's table of a create's calls says what the snapshot pins:
/// row by row, each documented call (placeholders filled in, cut at the first
/// one left such as `<constant script>` or `…`) begins the actual call.
#[test]
fn the_documented_create_calls_are_the_real_ones() {
    let world = World::new();
    world.kina(&["create", "cluster", "-n", "first"]).success();
    world.clear_fake_log();
    world.kina(&["create", "cluster"]).success();
    assert_documented("## `kina create cluster`, call by call", &world.fake_calls());
}

/// The same for the table of a create on a kina-node image.
#[test]
fn the_documented_kina_node_create_calls_are_the_real_ones() {
    let world = World::new();
    // The table is macOS 26's, with a fixed address (docs/architecture.md).
    world.kina(&["build", "node-image"]).success();
    world.clear_fake_log();
    world.kina(&["create", "cluster", "--image", "kina-node:v1.35.5"]).success();
    assert_documented("### On a kina-node image", &world.fake_calls());
}

/// The first table after `heading` in docs/architecture.md matches `calls` row by row.
fn assert_documented(heading: &str, calls: &[String]) {
    let image = calls
        .iter()
        .find_map(|c| c.strip_prefix("image inspect ").map(str::to_string))
        .expect("a create inspects the image");
    let calls: Vec<String> = calls.iter().map(|c| without_port(&c.replace('\'', ""))).collect();

    let doc =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/architecture.md")).unwrap();
    let section = &doc[doc.find(heading).unwrap_or_else(|| panic!("{heading} not in docs/architecture.md"))..];
    let rows: Vec<String> = section
        .lines()
        .skip_while(|line| !line.starts_with('|'))
        .take_while(|line| line.starts_with('|'))
        .filter_map(|line| {
            let mut cells = line.split(" | ");
            let number = cells.next()?.strip_prefix("| ")?;
            number.parse::<usize>().ok()?;
            let call = cells.next()?.trim_matches('`').strip_prefix("container ")?.to_string();
            Some(call)
        })
        .collect();
    assert_eq!(rows.len(), calls.len(), "documented rows:\n{}\nactual calls:\n{}", rows.join("\n"), calls.join("\n"));
    for (row, call) in rows.iter().zip(&calls) {
        let filled = row
            .replace("<node>", "kina-control-plane")
            .replace("<c>", "kina")
            .replace("<v>", "v1.35.5")
            .replace("<port>", "PORT")
            .replace("IMAGE", &image);
        let prefix = filled.split(['<', '…']).next().unwrap().trim_end();
        assert!(call.starts_with(prefix), "docs/architecture.md says\n  {row}\nbut kina calls\n  {call}");
    }
}

/// `127.0.0.1:<any port>` as `127.0.0.1:PORT`.
pub(crate) fn without_port(call: &str) -> String {
    match call.split_once("127.0.0.1:") {
        Some((before, after)) => {
            let rest = after.trim_start_matches(|c: char| c.is_ascii_digit());
            format!("{before}127.0.0.1:PORT{rest}")
        }
        None => call.to_string(),
    }
}

#[test]
fn names_install_list_and_delete() {
    let mut world = World::new();
    world.env("KINA_ADDON_MIRROR", fixtures());
    world.with_sudo_shim().env("KINA_RESOLVER", "sudo");
    world.kina(&["create", "cluster"]).success();
    assert_shown!("names_install", &world, &world.kina(&["install", "names"]));
    let web = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: default\nspec:\n  type: LoadBalancer\n  ports:\n  - port: 8080\n";
    let argv =
        ["exec", "-i", "kina-control-plane", "kubectl", "--kubeconfig=/etc/kubernetes/admin.conf", "apply", "-f", "-"];
    world.container_stdin(&argv, web).success();
    assert_shown!("names_list_wide", &world, &world.kina(&["list", "-o", "wide"]));
    assert_shown!("names_list_json", &world, &world.kina(&["list", "-o", "json"]));
    assert_shown!("names_delete", &world, &world.kina(&["delete", "cluster"]));
}

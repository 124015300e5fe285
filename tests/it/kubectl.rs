//! A real kubectl 1.35 reads the kubeconfigs kina writes, next to entries
//! kina must never disturb (exec plugins, extensions, other clusters).

use std::path::PathBuf;
use std::process::Command;

use crate::support::World;

const FOREIGN: &str = r#"apiVersion: v1
kind: Config
preferences:
  colors: true
clusters:
- name: prod
  cluster:
    server: https://prod.example.com:443
    certificate-authority-data: cHJvZC1jYQ==
    extensions:
    - name: client.authentication.k8s.io/exec
      extension:
        audience: prod
- name: eks
  cluster:
    server: https://ABC.gr7.us-west-2.eks.amazonaws.com
    certificate-authority-data: ZWtzLWNh
    proxy-url: http://proxy.corp:3128
contexts:
- name: prod
  context:
    cluster: prod
    user: prod-admin
    namespace: payments
- name: eks
  context:
    cluster: eks
    user: eks-user
current-context: prod
users:
- name: prod-admin
  user:
    token: "010"
- name: eks-user
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: aws
      args: ["--region", "us-west-2", "eks", "get-token", "--cluster-name", "on"]
      env: null
      interactiveMode: IfAvailable
      provideClusterInfo: false
extensions:
- name: example.com/team
  extension:
    owner: "yes"
"#;

pub fn kubectl() -> PathBuf {
    if let Some(path) = std::env::var_os("KINA_TEST_KUBECTL") {
        return PathBuf::from(path);
    }
    let local = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".tools/kubectl");
    assert!(local.exists(), "no kubectl for the kubeconfig tests: run scripts/install-kubectl.sh (scripts/test does)");
    local
}

fn kubectl_out(world: &World, kubeconfig: &str, args: &[&str]) -> String {
    let output = Command::new(kubectl())
        .args(args)
        .env_clear()
        .env("HOME", world.home())
        .env("KUBECONFIG", kubeconfig)
        .output()
        .unwrap();
    assert!(output.status.success(), "kubectl {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

fn view(world: &World, kubeconfig: &str) -> serde_json::Value {
    serde_json::from_str(&kubectl_out(world, kubeconfig, &["config", "view", "--raw", "-o", "json"])).unwrap()
}

#[test]
fn kubectl_reads_the_merged_file_and_foreign_entries_survive() {
    let world = World::new();
    let file = world.default_kubeconfig();
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, FOREIGN).unwrap();
    let path = file.to_str().unwrap();
    let before = view(&world, path);

    world.kina(&["create", "cluster"]).success();
    let contexts = kubectl_out(&world, path, &["config", "get-contexts", "-o", "name"]);
    let mut contexts: Vec<&str> = contexts.lines().collect();
    contexts.sort();
    assert_eq!(contexts, ["eks", "kina-kina", "prod"]);
    assert_eq!(kubectl_out(&world, path, &["config", "current-context"]), "kina-kina\n");
    let server = kubectl_out(
        &world,
        path,
        &["config", "view", "--raw", "-o", "jsonpath={.clusters[?(@.name==\"kina-kina\")].cluster.server}"],
    );
    assert!(server.starts_with("https://127.0.0.1:"), "{server}");
    let ca = kubectl_out(
        &world,
        path,
        &[
            "config",
            "view",
            "--raw",
            "-o",
            "jsonpath={.clusters[?(@.name==\"kina-kina\")].cluster.certificate-authority-data}",
        ],
    );
    assert!(ca.len() > 20, "CA data comes from the node: {ca}");
    let user = kubectl_out(
        &world,
        path,
        &["config", "view", "--raw", "-o", "jsonpath={.users[?(@.name==\"kina-kina\")].user.client-certificate-data}"],
    );
    assert!(!user.is_empty());

    let during = view(&world, path);
    for key in ["clusters", "contexts", "users"] {
        for entry in before[key].as_array().unwrap() {
            assert!(during[key].as_array().unwrap().contains(entry), "{key} entry changed: {entry}");
        }
    }
    assert_eq!(during["preferences"], before["preferences"]);
    let raw = std::fs::read_to_string(&file).unwrap();
    assert!(raw.contains("example.com/team"), "unknown top-level field kept:\n{raw}");
    assert!(raw.contains("token: \"010\""), "string scalars stay strings:\n{raw}");

    world.kina(&["delete", "cluster"]).success();
    let mut after = view(&world, path);
    assert_eq!(after["current-context"], "", "current-context pointed at the deleted cluster");
    after["current-context"] = before["current-context"].clone();
    assert_eq!(after, before, "delete must restore everything else exactly");
}

#[test]
fn kubeconfig_env_list_writes_to_the_first_existing_file() {
    let world = World::new();
    let missing = world.path("missing.yaml");
    let existing = world.path("existing.yaml");
    std::fs::write(&existing, FOREIGN).unwrap();
    let list = std::env::join_paths([&missing, &existing]).unwrap().into_string().unwrap();
    let mut world = world;
    world.env("KUBECONFIG", list.clone());
    world.kina(&["create", "cluster"]).success();
    assert!(!missing.exists());
    assert!(std::fs::read_to_string(&existing).unwrap().contains("kina-kina"));
    let contexts = kubectl_out(&world, &list, &["config", "get-contexts", "-o", "name"]);
    assert!(contexts.lines().any(|c| c == "kina-kina"), "{contexts}");
    world.kina(&["delete", "cluster"]).success();
    assert!(!std::fs::read_to_string(&existing).unwrap().contains("kina-kina"));
}

#[test]
fn get_kubeconfig_output_is_a_valid_standalone_kubeconfig() {
    let world = World::new();
    world.kina(&["create", "cluster"]).success();
    let standalone = world.path("standalone.yaml");
    std::fs::write(&standalone, world.kina(&["get", "kubeconfig"]).stdout()).unwrap();
    let path = standalone.to_str().unwrap();
    assert_eq!(kubectl_out(&world, path, &["config", "current-context"]), "kina-kina\n");
    assert_eq!(kubectl_out(&world, path, &["config", "get-clusters"]), "NAME\nkina-kina\n");
}

//! The assignment program, run through the same `awk` invocation as the node's script.

use std::io::Write as _;
use std::process::{Command, Stdio};

use super::{ASSIGN, NAMES, QUERY, script};

fn node(name: &str, ip: &str) -> String {
    format!("Node\t\t{name}\t\t\t\t\t{ip},\t\t\n")
}

fn service(ns: &str, name: &str, ports: &str, current: &str) -> String {
    service_with(ns, name, ports, current, "Cluster", "")
}

fn service_with(ns: &str, name: &str, ports: &str, current: &str, policy: &str, node_ports: &str) -> String {
    let current = if current.is_empty() { String::new() } else { format!("{current},") };
    format!("Service\t{ns}\t{name}\tLoadBalancer\t\t{ports}\t{current}\t\t\t\t{policy}\t{node_ports}\n")
}

fn slice(ns: &str, service: &str, endpoints: &str) -> String {
    format!("EndpointSlice\t{ns}\t{service}-abcde\t\t\t\t\t\t{service}\t{endpoints}\n")
}

fn pod(ns: &str, name: &str, node: &str, host_ports: &str) -> String {
    format!("Pod\t{ns}\t{name}\t\t\t\t\t\t\t\t\t\t{node}\t{host_ports}\n")
}

/// awk's exit code and output lines.
fn assign_status(mode: &str, input: &str) -> (i32, Vec<String>) {
    let mut child = Command::new("awk")
        .args(["-F", "\t", "-v", &format!("mode={mode}"), ASSIGN])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("awk runs");
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let lines = String::from_utf8(out.stdout).unwrap().lines().map(str::to_string).collect();
    (out.status.code().unwrap_or(-1), lines)
}

fn assign(mode: &str, input: &str) -> Vec<String> {
    awk(ASSIGN, &format!("mode={mode}"), input)
}

/// The awk `program` with one `-v` assignment, tab-separated `input` on stdin: its lines.
fn awk(program: &str, assignment: &str, input: &str) -> Vec<String> {
    let mut child = Command::new("awk")
        .args(["-F", "\t", "-v", assignment, program])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("awk runs");
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "awk failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().lines().map(str::to_string).collect()
}

const CP: &str = "192.168.64.3";
const W1: &str = "192.168.64.4";
const W2: &str = "192.168.64.5";

fn three_nodes() -> String {
    node("kina-control-plane", CP) + &node("kina-worker", W1) + &node("kina-worker2", W2)
}

#[test]
fn services_with_different_ports_share_the_single_node() {
    let input = node("kina-control-plane", CP)
        + &service("default", "web", "TCP/80,", "")
        + &service("default", "db", "TCP/5432,", "");
    assert_eq!(assign("once", &input), [format!("set default web {CP}"), format!("set default db {CP}")]);
}

#[test]
fn a_taken_port_moves_the_service_to_another_node() {
    let input = three_nodes()
        + &service("a", "one", "TCP/80,TCP/443,", "")
        + &service("b", "two", "TCP/443,", "")
        + &service("c", "three", "TCP/80,", "");
    assert_eq!(
        assign("once", &input),
        [format!("set a one {CP}"), format!("set b two {W1}"), format!("set c three {W1}")]
    );
}

#[test]
fn the_same_port_number_over_udp_does_not_collide() {
    let input = node("n", CP) + &service("d", "tcp", "TCP/53,", "") + &service("d", "udp", "UDP/53,", "");
    assert_eq!(assign("once", &input), [format!("set d tcp {CP}"), format!("set d udp {CP}")]);
}

#[test]
fn when_every_node_serves_the_port_the_service_waits() {
    let input = node("n", CP) + &service("d", "first", "TCP/80,", "") + &service("d", "second", "TCP/80,", "");
    assert_eq!(
        assign("once", &input),
        [format!("set d first {CP}"), "pending d second its ports are taken on every node".to_string()]
    );
}

#[test]
fn a_node_running_an_endpoint_is_preferred() {
    let input = three_nodes() + &service("d", "web", "TCP/80,", "") + &slice("d", "web", "kina-worker2=true,");
    assert_eq!(assign("once", &input), [format!("set d web {W2}")]);
}

#[test]
fn endpoints_that_are_not_ready_do_not_count() {
    let input = three_nodes() + &service("d", "web", "TCP/80,", "") + &slice("d", "web", "kina-worker2=false,");
    assert_eq!(assign("once", &input), [format!("set d web {CP}")]);
}

#[test]
fn an_endpoint_without_a_ready_condition_counts_as_ready() {
    let input = three_nodes() + &service("d", "web", "TCP/80,", "") + &slice("d", "web", "kina-worker=,");
    assert_eq!(assign("once", &input), [format!("set d web {W1}")]);
}

#[test]
fn services_without_endpoints_still_get_an_address() {
    let input = three_nodes() + &service("d", "empty", "TCP/8080,", "") + &slice("d", "other", "kina-worker=true,");
    assert_eq!(assign("once", &input), [format!("set d empty {CP}")]);
}

#[test]
fn an_address_that_is_still_a_nodes_stays_put() {
    let input = three_nodes() + &service("d", "web", "TCP/80,", W2) + &slice("d", "web", "kina-worker=true,");
    assert!(assign("once", &input).is_empty());
}

#[test]
fn after_the_nodes_move_services_follow() {
    // `kina start` gave the single node a new address.
    let input = node("kina-control-plane", "192.168.64.9") + &service("d", "web", "TCP/80,", CP);
    assert_eq!(assign("once", &input), ["set d web 192.168.64.9"]);
}

#[test]
fn kept_addresses_claim_their_ports_before_new_services_choose() {
    let input =
        node("a", CP) + &node("b", W1) + &service("d", "new", "TCP/80,", "") + &service("d", "old", "TCP/80,", CP);
    assert_eq!(assign("once", &input), [format!("set d new {W1}")]);
}

#[test]
fn a_stale_address_with_no_free_node_is_cleared() {
    let input = node("n", CP) + &service("d", "holder", "TCP/80,", CP) + &service("d", "stale", "TCP/80,", "10.0.0.1");
    assert_eq!(assign("once", &input), ["clear d stale"]);
}

#[test]
fn other_classes_and_other_types_are_left_alone() {
    let input = node("n", CP)
        + "Service\td\tclassy\tLoadBalancer\texample.com/lb\tTCP/80,\t\t\t\t\n"
        + "Service\td\tplain\tClusterIP\t\tTCP/80,\t\t\t\t\n"
        + "Service\td\tnodeport\tNodePort\t\tTCP/80,\t\t\t\t\n";
    assert!(assign("once", &input).is_empty());
}

#[test]
fn clear_mode_clears_the_node_addresses_it_gave() {
    let input = node("n", CP)
        + &service("d", "a", "TCP/80,", CP)
        + &service("d", "b", "TCP/81,", "")
        + &service("d", "elsewhere", "TCP/82,", "10.9.9.9");
    assert_eq!(assign("clear", &input), ["clear d a"]);
}

#[test]
fn an_incomplete_listing_without_nodes_changes_nothing_and_says_so() {
    assert_eq!(assign_status("once", &service("d", "web", "TCP/80,", CP)), (2, vec![]));
    assert_eq!(assign_status("clear", &service("d", "web", "TCP/80,", CP)), (2, vec![]));
}

#[test]
fn a_pods_host_port_keeps_other_services_off_its_node() {
    // ingress-nginx's controller listens on hostPort 80 of the worker.
    let input = three_nodes()
        + &pod("ingress-nginx", "controller-abc", "kina-worker", "TCP/80,TCP/443,TCP/,")
        + &service("ingress-nginx", "controller", "TCP/80,TCP/443,", "")
        + &slice("ingress-nginx", "controller", "kina-worker=true=controller-abc,")
        + &service("default", "web", "TCP/80,", "");
    // Its own Service may use the worker's hostPorts; another Service on :80 may not.
    let (code, lines) = assign_status("once", &input);
    assert_eq!(code, 0);
    assert_eq!(lines, [format!("set ingress-nginx controller {W1}"), format!("set default web {CP}")]);
    let only_worker = node("kina-worker", W1)
        + &pod("ingress-nginx", "controller-abc", "kina-worker", "TCP/80,")
        + &service("default", "web", "TCP/80,", "");
    assert_eq!(assign("once", &only_worker), ["pending default web its ports are taken on every node"]);
}

#[test]
fn local_services_choose_before_the_others() {
    // Both want port 80; the Local one can only go where its pod runs (the
    // control plane), so it goes first and the other takes the worker.
    let input = node("kina-control-plane", CP)
        + &node("kina-worker", W1)
        + &service("a", "cluster-wide", "TCP/80,", "")
        + &service_with("z", "gateway", "TCP/80,", "", "Local", "")
        + &slice("a", "cluster-wide", "kina-control-plane=true,")
        + &slice("z", "gateway", "kina-control-plane=true,");
    assert_eq!(assign("once", &input), [format!("set z gateway {CP}"), format!("set a cluster-wide {W1}")]);
}

#[test]
fn health_check_node_ports_are_kept_free() {
    let input = node("n", CP)
        + &service_with("d", "local", "TCP/80,", CP, "Local", "TCP/30080,TCP/32000,")
        + &service("d", "clash", "TCP/32000,", "");
    assert_eq!(assign("once", &input), ["pending d clash its ports are taken on every node"]);
}

#[test]
fn the_clusters_own_ports_are_never_given_away() {
    let input = three_nodes()
        + &service("d", "api", "TCP/6443,", "")
        + &service("d", "kubelet", "TCP/10250,", "")
        + &service("d", "udp", "UDP/6443,", "");
    assert_eq!(
        assign("once", &input),
        [
            "pending d api its ports are taken on every node".to_string(),
            "pending d kubelet its ports are taken on every node".to_string(),
            format!("set d udp {CP}"),
        ]
    );
}

#[test]
fn node_ports_of_any_service_are_kept_free() {
    let input = node("n", CP)
        + "Service\td\tnp\tNodePort\t\tTCP/80,\t\t\t\t\tCluster\tTCP/30080,\n"
        + &service("d", "clash", "TCP/30080,", "");
    assert_eq!(assign("once", &input), ["pending d clash its ports are taken on every node"]);
}

#[test]
fn a_local_policy_service_waits_for_an_endpoint_and_goes_where_it_runs() {
    let local = |current: &str| service_with("d", "gw", "TCP/80,", current, "Local", "TCP/31000,");
    // Created before its pod is ready: no node would answer yet.
    assert_eq!(
        assign("once", &(three_nodes() + &local(""))),
        ["pending d gw no ready endpoint yet (externalTrafficPolicy: Local)"]
    );
    // The pod is ready on a worker.
    let ready = slice("d", "gw", "kina-worker=true,");
    assert_eq!(assign("once", &(three_nodes() + &local("") + &ready)), [format!("set d gw {W1}")]);
    // It moved: the address follows, and a rollout with no ready pod keeps it.
    let moved = slice("d", "gw", "kina-worker=false,kina-worker2=true,");
    assert_eq!(assign("once", &(three_nodes() + &local(W1) + &moved)), [format!("set d gw {W2}")]);
    assert!(assign("once", &(three_nodes() + &local(W2) + &slice("d", "gw", "kina-worker2=false,"))).is_empty());
}

#[test]
fn a_local_policy_service_never_lands_on_a_node_without_its_endpoint() {
    let input = three_nodes()
        + &service("x", "holder", "TCP/80,", W1)
        + &service_with("d", "gw", "TCP/80,", "", "Local", "")
        + &slice("d", "gw", "kina-worker=true,");
    assert_eq!(assign("once", &input), ["pending d gw its ports are taken on the nodes that run its endpoints"]);
}

#[test]
fn the_script_inlines_query_and_program_in_single_quotes() {
    assert!(!ASSIGN.contains('\''), "the awk program is single-quoted in the script");
    assert!(!QUERY.contains('\''), "the query is single-quoted in the script");
    let text = script();
    assert!(text.contains(&format!("QUERY='{}'\n", QUERY.trim_end())));
    assert!(text.contains(&format!("ASSIGN='{}'\n", ASSIGN.trim_end())));
    assert!(!text.contains("@QUERY@") && !text.contains("@ASSIGN@"));
}

#[test]
fn kina_reads_the_programs_own_reasons() {
    for reason in [super::PORTS_TAKEN, super::PORTS_TAKEN_LOCAL] {
        assert!(ASSIGN.contains(&format!("\"{reason}\"")), "{reason}");
    }
}

#[test]
fn the_script_is_valid_posix_shell() {
    let out = Command::new("sh").args(["-n", "-c", &script()]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// Runs the real script with `sh` and a stub `kubectl` that answers `get` with
/// `listing` (or fails when it is None) and records every `patch`.
fn run_script(mode: &str, listing: Option<&str>, patch_fails: bool) -> (std::process::Output, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kina-lb");
    std::fs::write(&path, script()).unwrap();
    std::fs::write(dir.path().join("listing"), listing.unwrap_or("")).unwrap();
    let stub = format!(
        "#!/bin/sh\ncase \"$2 $3\" in\n'get configmap') ;;\nget*) {};;\npatch*) printf '%s\\n' \"$*\" >> '{}/patches'; {} ;;\nesac\n",
        if listing.is_some() {
            format!("cat '{}/listing'", dir.path().display())
        } else {
            "echo boom >&2; exit 1".into()
        },
        dir.path().display(),
        if patch_fails { "exit 1" } else { "true" },
    );
    let kubectl = dir.path().join("kubectl");
    std::fs::write(&kubectl, stub).unwrap();
    let chmod = Command::new("chmod").arg("755").arg(&kubectl).status().unwrap();
    assert!(chmod.success());
    let search = format!("{}:{}", dir.path().display(), std::env::var("PATH").unwrap_or_default());
    let out = Command::new("sh").arg(&path).arg(mode).env("PATH", search).output().unwrap();
    let patches = std::fs::read_to_string(dir.path().join("patches")).unwrap_or_default();
    (out, patches)
}

#[test]
fn the_script_patches_what_the_program_decides() {
    // `gone` shows an address no node has any more, and its port is taken now.
    let listing =
        node("n", CP) + &service("default", "web", "TCP/80,", "") + &service("d", "gone", "TCP/80,", "10.1.1.1");
    let (out, patches) = run_script("once", Some(&listing), false);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), format!("default/web: {CP}\nd/gone: cleared\n"));
    let lines: Vec<&str> = patches.lines().collect();
    assert_eq!(
        lines,
        [
            format!(
                "--kubeconfig=/etc/kubernetes/admin.conf patch service web --namespace=default --subresource=status --type=merge -p {{\"status\":{{\"loadBalancer\":{{\"ingress\":[{{\"ip\":\"{CP}\"}}]}}}}}}"
            ),
            "--kubeconfig=/etc/kubernetes/admin.conf patch service gone --namespace=d --subresource=status --type=merge -p {\"status\":{\"loadBalancer\":{\"ingress\":null}}}".to_string(),
        ]
    );
}

#[test]
fn the_script_reports_pending_services_only_when_asked_once() {
    let listing = node("n", CP) + &service("d", "api", "TCP/6443,", "");
    let (out, _) = run_script("once", Some(&listing), false);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "d/api: pending (its ports are taken on every node)\n");
}

#[test]
fn a_failed_listing_or_patch_fails_the_pass_and_changes_nothing_else() {
    let (out, patches) = run_script("once", None, false);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("could not list"), "{out:?}");
    assert!(patches.is_empty());
    let listing = node("n", CP) + &service("default", "web", "TCP/80,", "");
    let (out, _) = run_script("once", Some(&listing), true);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
}

#[test]
fn the_script_refuses_unknown_modes() {
    let (out, _) = run_script("sideways", Some(""), false);
    assert_eq!(out.status.code(), Some(2));
}

/// The hosts file the names program makes from Ingress, Gateway and HTTPRoute lines.
fn names(zone: &str, input: &str) -> Vec<String> {
    awk(NAMES, &format!("zone={zone}"), input)
}

const ZONE: &str = "kina.kina.internal";

#[test]
fn ingress_hosts_under_the_zone_get_the_ingress_addresses() {
    let input = format!(
        "Ingress\tdefault\tweb\tweb.{ZONE},Other.example.com,*.{ZONE},{ZONE},\t{CP},\t\t\t\n\
         Ingress\tdefault\tlocal\tlocal.{ZONE},\t\t\t\t\n\
         Ingress\tdefault\tnamed\tnamed.{ZONE},\tlocalhost,\t\t\t\n"
    );
    // Only names under the zone, no wildcard, not the apex; only IPv4 addresses.
    assert_eq!(names(ZONE, &input), [format!("{CP} web.{ZONE}")]);
}

#[test]
fn http_route_hostnames_get_the_addresses_of_their_gateways() {
    let input = format!(
        "HTTPRoute\tapps\tshop\t\t\tdefault/kina,/mine,\tShop.{ZONE},shop.example.com,\t\n\
         Gateway\tdefault\tkina\t\t\t\t\t{W1},\n\
         Gateway\tapps\tmine\t\t\t\t\t{W2},\n\
         HTTPRoute\tapps\torphan\t\t\tdefault/none,\torphan.{ZONE},\t\n"
    );
    assert_eq!(names(ZONE, &input), [format!("{W1} shop.{ZONE}"), format!("{W2} shop.{ZONE}")]);
}

#[test]
fn the_script_keeps_the_hosts_file_of_names() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kina-lb");
    std::fs::write(&path, script()).unwrap();
    let d = dir.path().display();
    // No Gateway API here: listing gateways fails, and the pass still works.
    let stub = format!(
        "#!/bin/sh\ncase \"$*\" in\n\
         *'{{.data.zone}}'*) echo {ZONE} ;;\n\
         *'{{.data.hosts}}'*) cat '{d}/hosts' 2>/dev/null; true ;;\n\
         *' get ingresses.networking.k8s.io '*) printf 'Ingress\\tdefault\\tweb\\tweb.{ZONE},\\t{CP},\\t\\t\\t\\n' ;;\n\
         *' get gateways'*) echo 'error: the server does not have a resource type' >&2; exit 1 ;;\n\
         *' get nodes'*) printf 'Node\\t\\tn\\t\\t\\t\\t\\t{CP},\\t\\t\\n' ;;\n\
         *' patch '*) printf '%s\\n' \"$*\" >> '{d}/patches' ;;\n\
         esac\n"
    );
    let kubectl = dir.path().join("kubectl");
    std::fs::write(&kubectl, stub).unwrap();
    assert!(Command::new("chmod").arg("755").arg(&kubectl).status().unwrap().success());
    let search = format!("{d}:{}", std::env::var("PATH").unwrap_or_default());
    let run = || Command::new("sh").arg(&path).arg("once").env("PATH", &search).output().unwrap();
    let out = run();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("names under {ZONE}: 1 Ingress and HTTPRoute hostnames\n")
    );
    let patches = std::fs::read_to_string(dir.path().join("patches")).unwrap();
    assert_eq!(
        patches.trim_end(),
        format!(
            "--kubeconfig=/etc/kubernetes/admin.conf patch configmap kina-names --namespace=kube-system --type=merge -p {{\"data\":{{\"hosts\":\"{CP} web.{ZONE}\\n\"}}}}"
        )
    );
    // The same records again: nothing to patch.
    std::fs::write(dir.path().join("hosts"), format!("{CP} web.{ZONE}\n")).unwrap();
    std::fs::remove_file(dir.path().join("patches")).unwrap();
    let out = run();
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
    assert!(!dir.path().join("patches").exists());
}

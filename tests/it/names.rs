//! `kina install names` through the real binary: the Corefile kina gives
//! CoreDNS, the NodePort in front of it, the Mac's resolver file (written
//! through a `sudo` on PATH that the test provides), and names that resolve
//! with dig against what the fake cluster would answer (tests/it/dns_responder.rs).

use std::path::PathBuf;
use std::process::Command;

use crate::dns_responder::Responder;
use crate::support::World;

const CP: &str = "kina-control-plane";
const ZONE: &str = "kina.kina.internal";

const WEB: &str = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: default\nspec:\n  type: LoadBalancer\n  selector:\n    app: web\n  ports:\n  - port: 8080\n    protocol: TCP\n";

/// A world on its own loopback subnet (so its node port can be bound), with
/// addon manifests from the fixtures, the resolver directory in the world and
/// a `sudo` that logs its argv and runs it.
fn world(subnet: u8) -> World {
    let mut world = World::new();
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/addons");
    world.env("KINA_ADDON_MIRROR", fixtures.display().to_string());
    world.env("KINA_FAKE_SUBNET", format!("127.79.{subnet}"));
    // The tests answer DNS on the nodes' loopback addresses: the default network's.
    world.env("KINA_FIXED_ADDRESSES", "off");
    world.with_sudo_shim();
    world
}

fn resolver_file(world: &World) -> PathBuf {
    world.path("resolver").join(ZONE)
}

fn apply(world: &World, manifest: &str) {
    let argv = ["exec", "-i", CP, "kubectl", "--kubeconfig=/etc/kubernetes/admin.conf", "apply", "-f", "-"];
    world.container_stdin(&argv, manifest).success();
}

fn node_ip(world: &World) -> String {
    let inspect: serde_json::Value = serde_json::from_str(&world.container(&["inspect", CP]).stdout()).unwrap();
    inspect[0]["status"]["networks"][0]["ipv4Address"].as_str().unwrap().split('/').next().unwrap().to_string()
}

/// `dig` at the server the resolver file names: (status, addresses).
fn dig(world: &World, name: &str) -> (String, Vec<String>) {
    let text = std::fs::read_to_string(resolver_file(world)).expect("the resolver file");
    let value =
        |key: &str| text.lines().find_map(|l| l.strip_prefix(&format!("{key} ")).map(str::to_string)).expect(key);
    let out = Command::new("dig")
        .args([&format!("@{}", value("nameserver")), "-p", &value("port"), "+tries=1", "+time=2", name, "A"])
        .output()
        .expect("dig (bind9-dnsutils; scripts/test installs it)");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let status = text
        .lines()
        .find_map(|l| l.split("status: ").nth(1).map(|s| s.split(',').next().unwrap().to_string()))
        .unwrap_or_else(|| format!("no answer ({})", text.lines().find(|l| l.contains(";;")).unwrap_or("")));
    let answers = text
        .lines()
        .skip_while(|l| !l.starts_with(";; ANSWER SECTION"))
        .skip(1)
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_whitespace().last().map(str::to_string))
        .collect();
    (status, answers)
}

/// `kina doctor`'s `names` check: (status, message).
fn doctor_names(world: &World) -> (String, String) {
    let run = world.kina(&["doctor", "-o", "json"]);
    let checks: serde_json::Value = serde_json::from_str(&run.stdout()).expect("doctor -o json");
    let check = checks.as_array().unwrap().iter().find(|c| c["check"] == "names").expect("a names check");
    (check["status"].as_str().unwrap().to_string(), check["message"].as_str().unwrap().to_string())
}

#[test]
fn a_loadbalancer_service_gets_a_name_on_the_mac_until_the_cluster_is_deleted() {
    let mut world = world(1);
    world.env("KINA_RESOLVER", "sudo");
    world.kina(&["create", "cluster"]).success();
    let install = world.kina(&["install", "names"]);
    install.success().stderr_has("names needs load-balancer; installing it first");
    let ip = node_ip(&world);
    let file = resolver_file(&world);
    let expected = format!(
        "# kina: names of cluster \"kina\" (kina install names); `kina delete cluster --name kina` removes this file\n\
         domain {ZONE}\nnameserver {ip}\nport 30053\n"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), expected);
    install.stderr_has(&format!("    nameserver {ip}"));
    let dir = world.path("resolver");
    assert_eq!(
        world.sudo_calls(),
        [format!("mkdir -p {}", dir.display()), format!("tee {}", file.display())],
        "kina runs exactly these, with the content on stdin"
    );

    let corefile = world
        .kubectl(CP, &["get", "configmap", "coredns", "-n", "kube-system", "-o=jsonpath={.data.Corefile}"])
        .success()
        .stdout();
    assert!(corefile.starts_with(".:53 {\n    errors\n"), "kubeadm's block stays first:\n{corefile}");
    assert!(corefile.contains(&format!("{ZONE}:53 {{\n    errors\n    hosts /etc/kina-names/hosts {ZONE} {{\n        ttl 5\n        fallthrough\n    }}\n    kubernetes cluster.local\n    k8s_external {ZONE}\n}}\n")), "{corefile}");

    let _dns = Responder::start(&ip, 30053, world.path("state"));
    apply(&world, WEB);
    assert_eq!(dig(&world, &format!("web.default.{ZONE}")), ("NOERROR".to_string(), vec![ip.clone()]));
    assert_eq!(dig(&world, &format!("nothing.default.{ZONE}")).0, "NXDOMAIN");
    assert_eq!(dig(&world, &format!("web.other.{ZONE}")).0, "NXDOMAIN");

    // Installing again rewrites nothing, asks for no sudo, and prints the URLs.
    world.kina(&["install", "names"]).success().stderr_has(&format!(" • http://web.default.{ZONE}:8080/"));
    assert_eq!(world.sudo_calls().len(), 2);

    world.kina(&["delete", "cluster"]).success().stderr_has(&format!("Removing {}", file.display()));
    assert!(!file.exists());
    assert_eq!(world.sudo_calls().last().unwrap(), &format!("rm -f {}", file.display()));
}

#[test]
fn names_need_the_node_port_and_kinas_corefile_block() {
    let mut world = world(2);
    world.env("KINA_RESOLVER", "sudo");
    world.kina(&["create", "cluster"]).success();
    world.kina(&["install", "names"]).success();
    let ip = node_ip(&world);
    let _dns = Responder::start(&ip, 30053, world.path("state"));
    apply(&world, WEB);
    let name = format!("web.default.{ZONE}");
    assert_eq!(dig(&world, &name).0, "NOERROR");
    assert_eq!(doctor_names(&world), ("ok".to_string(), format!("names under {ZONE} resolve (DNS at {ip}:30053)")));

    // k8s_external answers nothing without the kubernetes plugin in its block.
    let corefile = world
        .kubectl(CP, &["get", "configmap", "coredns", "-n", "kube-system", "-o=jsonpath={.data.Corefile}"])
        .success()
        .stdout();
    let broken = corefile.replace("    kubernetes cluster.local\n    k8s_external", "    k8s_external");
    let patch = serde_json::json!({"data": {"Corefile": broken}}).to_string();
    world.kubectl(CP, &["patch", "configmap", "coredns", "-n", "kube-system", "--type=merge", "-p", &patch]).success();
    assert_eq!(dig(&world, &name).0, "SERVFAIL");
    let (status, message) = doctor_names(&world);
    assert_eq!(status, "fail");
    assert!(message.ends_with("answered with error code 2"), "{message}");
    // Installing again puts the block right.
    world.kina(&["install", "names"]).success();
    assert_eq!(dig(&world, &name).0, "NOERROR");

    // Without the NodePort, nothing answers on the node port.
    world.kubectl(CP, &["delete", "service", "kina-names-dns", "-n", "kube-system"]).success();
    assert!(dig(&world, &name).0.starts_with("no answer"), "{:?}", dig(&world, &name));
    let (status, message) = doctor_names(&world);
    assert_eq!(status, "fail");
    assert!(message.starts_with(&format!("no DNS answer for {ZONE} from {ip}:30053")), "{message}");
}

#[test]
fn without_a_terminal_kina_prints_the_commands_instead_of_running_sudo() {
    let world = world(3);
    world.kina(&["create", "cluster"]).success();
    let install = world.kina(&["install", "names"]);
    install.success().stderr_has("kina did not run sudo; to do it yourself, run:");
    let file = resolver_file(&world);
    install.stderr_has(&format!("sudo tee {} >/dev/null <<'EOF'\n# kina: names of cluster", file.display()));
    assert!(!file.exists());
    assert!(world.sudo_calls().is_empty());

    world.kina(&["install", "names", "--resolver", "sudo"]).success();
    assert!(file.exists());
    world
        .kina(&["uninstall", "names", "--resolver", "print"])
        .success()
        .stderr_has(&format!("sudo rm -f {}", file.display()));
    assert!(file.exists(), "print leaves the file to the user");
    let corefile = world
        .kubectl(CP, &["get", "configmap", "coredns", "-n", "kube-system", "-o=jsonpath={.data.Corefile}"])
        .success()
        .stdout();
    assert!(!corefile.contains("kina"), "{corefile}");
    let volumes = world
        .kubectl(
            CP,
            &["get", "deployment", "coredns", "-n", "kube-system", "-o=jsonpath={.spec.template.spec.volumes[*].name}"],
        )
        .success()
        .stdout();
    assert_eq!(volumes.trim(), "config-volume");
}

/// Runs `kina args` on a terminal (util-linux `script` gives it a pty) with `answer`
/// typed in: what the terminal showed.
fn kina_on_a_terminal(world: &World, args: &[&str], answer: &str) -> String {
    let line = std::iter::once(crate::support::KINA).chain(args.iter().copied()).collect::<Vec<_>>();
    let mut script = world.command_for("script", &["-q", "-e", "-c", &shell_words::join(line), "/dev/null"]);
    script.env("SHELL", "/bin/sh").stdin(std::process::Stdio::piped()).stdout(std::process::Stdio::piped());
    let mut child = script.spawn().expect("script (util-linux)");
    use std::io::Write;
    child.stdin.take().unwrap().write_all(answer.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let shown = String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n");
    assert!(out.status.success(), "{shown}");
    shown
}

#[test]
fn on_a_terminal_kina_asks_before_each_sudo() {
    let world = world(9);
    world.kina(&["create", "cluster"]).success();
    let file = resolver_file(&world);
    let question = format!("Write {} with sudo? [y/N]", file.display());

    let declined = kina_on_a_terminal(&world, &["install", "names"], "n\n");
    assert!(declined.contains(&question), "{declined}");
    assert!(declined.contains("kina did not run sudo; to do it yourself, run:"), "{declined}");
    assert!(!file.exists());
    assert!(world.sudo_calls().is_empty());

    let accepted = kina_on_a_terminal(&world, &["install", "names"], "y\n");
    assert!(accepted.contains(&question), "{accepted}");
    assert!(file.exists(), "{accepted}");
    assert_eq!(world.sudo_calls().len(), 2, "mkdir and tee");

    let deleted = kina_on_a_terminal(&world, &["delete", "cluster"], "yes\n");
    assert!(deleted.contains(&format!("Remove {} with sudo? [y/N]", file.display())), "{deleted}");
    assert!(!file.exists());
    assert_eq!(world.sudo_calls().last().unwrap(), &format!("rm -f {}", file.display()));
}

#[test]
fn a_file_kina_did_not_write_is_left_alone() {
    let mut world = world(4);
    world.env("KINA_RESOLVER", "sudo");
    world.kina(&["create", "cluster"]).success();
    std::fs::create_dir_all(world.path("resolver")).unwrap();
    std::fs::write(resolver_file(&world), "nameserver 10.0.0.1\n").unwrap();
    world.kina(&["delete", "cluster"]).success().stderr_has("was not written by kina: kina leaves it");
    assert!(resolver_file(&world).exists());
}

const INGRESS: &str = "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\n  namespace: default\nspec:\n  ingressClassName: nginx\n  rules:\n  - host: web.kina.kina.internal\n    http:\n      paths:\n      - path: /\n        pathType: Prefix\n        backend:\n          service:\n            name: web\n            port:\n              number: 8080\n  - host: web.example.com\n";

const ROUTE: &str = "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n  name: shop\n  namespace: default\nspec:\n  parentRefs:\n  - name: kina\n  hostnames:\n  - shop.kina.kina.internal\n  rules:\n  - backendRefs:\n    - name: web\n      port: 8080\n";

#[test]
fn ingress_hosts_under_the_zone_resolve_to_the_controllers_address() {
    let mut world = world(5);
    world.env("KINA_RESOLVER", "sudo");
    world.kina(&["create", "cluster"]).success();
    world.kina(&["install", "names"]).success();
    // Not the pinned version: the fixture stands in for the real manifest, whose checksum kina pins.
    world.kina(&["install", "ingress-nginx", "--version", "v1.15.0"]).success();
    let ip = node_ip(&world);
    let _dns = Responder::start(&ip, 30053, world.path("state"));
    assert_eq!(dig(&world, &format!("web.{ZONE}")).0, "NXDOMAIN");
    apply(&world, INGRESS);
    let status = world
        .kubectl(CP, &["get", "ingress", "web", "-o=jsonpath={.status.loadBalancer.ingress[*].ip}"])
        .success()
        .stdout();
    assert_eq!(status.trim(), ip, "ingress-nginx publishes its Service's address");
    assert_eq!(dig(&world, &format!("web.{ZONE}")), ("NOERROR".to_string(), vec![ip.clone()]));
    let hosts = world
        .kubectl(CP, &["get", "configmap", "kina-names", "-n", "kube-system", "-o=jsonpath={.data.hosts}"])
        .success()
        .stdout();
    assert_eq!(hosts, format!("{ip} web.{ZONE}\n"), "only names under the zone");

    world.kubectl(CP, &["delete", "ingress", "web"]).success();
    assert_eq!(dig(&world, &format!("web.{ZONE}")).0, "NXDOMAIN");
}

#[test]
fn http_route_hostnames_resolve_to_their_gateways_address() {
    let mut world = world(6);
    world.env("KINA_RESOLVER", "sudo");
    world.kina(&["create", "cluster"]).success();
    world
        .kina(&["install", "gateway"])
        .success()
        .stderr_has(&format!("For names such as http://web.{ZONE}/: `kina install names`"));
    world.kina(&["install", "names"]).success();
    world
        .kina(&["install", "gateway"])
        .success()
        .stderr_has(&format!("An HTTPRoute with hostnames: [web.{ZONE}] answers at http://web.{ZONE}/ on this Mac"));
    let ip = node_ip(&world);
    let _dns = Responder::start(&ip, 30053, world.path("state"));
    apply(&world, ROUTE);
    let gateway =
        world.kubectl(CP, &["get", "gateway", "kina", "-o=jsonpath={.status.addresses[*].value}"]).success().stdout();
    assert_eq!(dig(&world, &format!("shop.{ZONE}")), ("NOERROR".to_string(), vec![gateway.trim().to_string()]));
    // The Envoy Service of the Gateway has a name of its own too.
    assert_eq!(dig(&world, &format!("nothing.{ZONE}")).0, "NXDOMAIN");
}

/// Without stable node addresses (macOS 15, or a cluster made before them) a
/// restart gives the control plane a new address: `kina start` rewrites the
/// resolver file, with the same rules for sudo, and names follow.
#[test]
fn kina_start_moves_the_resolver_file_to_the_new_node_address() {
    let mut world = world(7);
    // The fake heals a restarted control plane on its default VM network only.
    world.remove_env("KINA_FAKE_SUBNET");
    // macOS 15: no per-cluster networks, so every start gives a new address.
    world.env("KINA_FAKE_MACOS", "15");
    world.env("KINA_RESOLVER", "sudo");
    world.kina(&["create", "cluster"]).success();
    world.kina(&["install", "names"]).success();
    apply(&world, WEB);
    let before = node_ip(&world);
    world.kina(&["stop", "cluster"]).success();
    world.kina(&["start", "cluster"]).success().stderr_has("names under kina.kina.internal follow it");
    let after = node_ip(&world);
    assert_ne!(before, after);
    let text = std::fs::read_to_string(resolver_file(&world)).unwrap();
    assert!(text.contains(&format!("\nnameserver {after}\nport 30053\n")), "{text}");
    assert_eq!(world.sudo_calls().len(), 4, "mkdir and tee at install, and again at start");
    // That address is not on this machine: ask the fake what the cluster answers there.
    let name = format!("web.default.{ZONE}");
    let at = |ip: &str| world.container(&[crate::support::FAKE_DNS, ip, "30053", "udp", &name]).success().stdout();
    assert_eq!(at(&after), format!("NOERROR\n{after}\n"));
    assert_eq!(at(&before), "NOSERVER\n");

    // Printing instead: the file stays, and kina says what to run.
    world.kina(&["stop", "cluster"]).success();
    world.env("KINA_RESOLVER", "print");
    world.kina(&["start", "cluster"]).success().stderr_has("kina did not run sudo");
    assert!(std::fs::read_to_string(resolver_file(&world)).unwrap().contains(&format!("nameserver {after}\n")));
}

/// On macOS 26 the resolver file names the control plane's fixed address: names
/// answer there, and a stop and start leaves the Mac's side as it was.
#[test]
fn names_at_a_fixed_address_need_nothing_new_after_a_restart() {
    let mut world = World::new();
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/addons");
    world.env("KINA_ADDON_MIRROR", fixtures.display().to_string());
    world.with_sudo_shim();
    world.env("KINA_RESOLVER", "sudo");
    world.kina(&["create", "cluster"]).success();
    world.kina(&["install", "names"]).success();
    apply(&world, WEB);
    let fixed = "192.168.100.254";
    assert_ne!(node_ip(&world), fixed, "the runtime's address is another one");
    let text = std::fs::read_to_string(resolver_file(&world)).unwrap();
    assert!(text.contains(&format!("\nnameserver {fixed}\nport 30053\n")), "{text}");
    // That address is not on this machine: ask the fake what the cluster answers there.
    let name = format!("web.default.{ZONE}");
    let at = |ip: &str| world.container(&[crate::support::FAKE_DNS, ip, "30053", "udp", &name]).success().stdout();
    assert_eq!(at(fixed), format!("NOERROR\n{fixed}\n"));

    world.kina(&["stop", "cluster"]).success();
    let started = world.kina(&["start", "cluster"]);
    assert!(!started.success().stderr().contains("names under"), "{}", started.stderr());
    assert_eq!(std::fs::read_to_string(resolver_file(&world)).unwrap(), text);
    assert_eq!(world.sudo_calls().len(), 2, "mkdir and tee at install, nothing at start");
    assert_eq!(at(fixed), format!("NOERROR\n{fixed}\n"));
    world.kina(&["install", "names"]).success().stderr_has(&format!(" • http://{name}:8080/"));
}

#[test]
fn a_failed_sudo_at_delete_leaves_the_file_and_says_so() {
    let mut world = world(8);
    world.env("KINA_RESOLVER", "sudo");
    world.kina(&["create", "cluster"]).success();
    world.kina(&["install", "names"]).success();
    std::fs::write(world.path("bin/sudo"), "#!/bin/sh\necho 'sudo: a password is required' >&2\nexit 1\n").unwrap();
    let file = resolver_file(&world);
    world.kina(&["delete", "cluster"]).success().stderr_has(&format!(
        "WARNING: {} is still there: could not remove {} with sudo",
        file.display(),
        file.display()
    ));
    assert!(file.exists());
    assert!(world.container_names().is_empty(), "the cluster is gone all the same");
}

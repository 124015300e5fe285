//! The emulated kindest/node fails where a real one fails: its tools refuse options
//! they do not have, with the real messages and exit codes, and kubeadm validates the
//! configuration it is given (kubeadmConfigPatches reach it unchecked by kina).

use crate::support::{Run, World};

fn node(world: &World, name: &str, image: &str) {
    world
        .container(&[
            "run",
            "-d",
            "--name",
            name,
            "--cap-add",
            "ALL",
            "-c",
            "2",
            "-m",
            "2g",
            "--progress",
            "none",
            image,
        ])
        .success();
}

fn exec(world: &World, name: &str, argv: &[&str]) -> Run {
    let mut args = vec!["exec", name];
    args.extend_from_slice(argv);
    world.container(&args)
}

#[test]
fn node_tools_refuse_unknown_options_as_the_real_ones_do() {
    let world = World::new();
    node(&world, "node1", "kindest/node:v1.35.5");
    exec(&world, "node1", &["kubectl", "get", "nodes", "--timout=5s"])
        .code_is(1)
        .stdout_is("")
        .stderr_has("error: unknown flag: --timout\nSee 'kubectl get --help' for usage.\n");
    exec(&world, "node1", &["kubectl", "-n", "kube-system", "rollout", "status", "ds/kindnet", "-x"])
        .code_is(1)
        .stderr_has("error: unknown shorthand flag: 'x' in -x\nSee 'kubectl rollout status --help' for usage.");
    exec(&world, "node1", &["systemctl", "--bogus", "restart", "kubelet"])
        .code_is(1)
        .stderr_has("systemctl: unrecognized option '--bogus'");
    exec(&world, "node1", &["journalctl", "-u"])
        .code_is(1)
        .stderr_has("journalctl: option requires an argument -- 'u'");
    // procps-ng's sysctl complains and prints its usage, but exits 0.
    exec(&world, "node1", &["sysctl", "--bogus"])
        .code_is(0)
        .stderr_has("sysctl: unrecognized option '--bogus'")
        .stdout_has("Usage:\n sysctl [options] [variable[=value] ...]");
    exec(&world, "node1", &["ip", "--bogus", "link"])
        .code_is(255)
        .stderr_has("Option \"-bogus\" is unknown, try \"ip -help\".");
    exec(&world, "node1", &["ip", "lonk"]).code_is(255).stderr_has("Object \"lonk\" is unknown, try \"ip help\".");
    exec(&world, "node1", &["iptables-nft", "--bogus"]).code_is(2).stderr_has(
        "iptables v1.8.11 (nf_tables): unknown option \"--bogus\"\nTry `iptables -h' or 'iptables --help' for more information.",
    );
    // An extension's option only exists once the extension is loaded.
    exec(&world, "node1", &["iptables-nft", "-t", "mangle", "-A", "OUTPUT", "--set-mss", "1220"])
        .code_is(2)
        .stderr_has("unknown option \"--set-mss\"");
    // crictl and ctr parse with urfave/cli over Go's flag package: the usage error on
    // stdout, then crictl's logrus fatal line or ctr's own line on stderr, exit 1.
    exec(&world, "node1", &["crictl", "ps", "--bogus"])
        .code_is(1)
        .stdout_has("Incorrect Usage: flag provided but not defined: -bogus")
        .stderr_has(" level=fatal msg=\"flag provided but not defined: -bogus\"");
    exec(&world, "node1", &["crictl", "--timeout"]).code_is(1).stderr_has("msg=\"flag needs an argument: -timeout\"");
    exec(&world, "node1", &["ctr", "--bogus", "images", "ls"])
        .code_is(1)
        .stdout_has("Incorrect Usage: flag provided but not defined: -bogus")
        .stderr_has("ctr: flag provided but not defined: -bogus\n");
    exec(&world, "node1", &["ctr", "-n", "k8s.io", "images", "import", "--all-platform", "-"])
        .code_is(1)
        .stderr_has("ctr: flag provided but not defined: -all-platform");
    exec(&world, "node1", &["ctr", "images", "ls", "-q=maybe"])
        .code_is(1)
        .stderr_has("ctr: invalid boolean value \"maybe\" for -q: parse error");
    exec(&world, "node1", &["ethtool", "--bogus", "eth0"])
        .code_is(1)
        .stderr_has("ethtool: bad command line argument(s)\nFor more information run ethtool -h");
    exec(&world, "node1", &["ethtool", "-K", "eth0", "tso"]).code_is(1).stderr_has("bad command line argument(s)");
    exec(&world, "node1", &["ethtool", "-K", "eth0", "tso", "of"])
        .code_is(1)
        .stderr_has("bad command line argument(s)");
    // What kina runs still parses.
    exec(&world, "node1", &["crictl", "ps", "-a"]).success();
    exec(&world, "node1", &["crictl", "images"]).success();
    exec(&world, "node1", &["ctr", "--namespace", "k8s.io", "images", "ls"]).success();
    exec(&world, "node1", &["ctr", "--namespace", "k8s.io", "images", "tag", "--force", "a", "b"])
        .code_is(1)
        .stderr_has("ctr: image \"a\": not found");
    exec(&world, "node1", &["ethtool", "-K", "eth0", "tso", "off", "gso", "off"]).success();
    exec(&world, "node1", &["ip", "-o", "link", "show", "eth0"]).success();
    exec(&world, "node1", &["sysctl", "-n", "vm.max_map_count"]).success();
    exec(&world, "node1", &["journalctl", "--no-pager", "-u", "containerd.service"]).success();
}

#[test]
fn kubeadm_refuses_what_kubeadm_refuses() {
    let world = World::new();
    node(&world, "old", "kindest/node:v1.35.5");
    node(&world, "new", "kindest/node:v1.37.0");
    let init = ["kubeadm", "init", "--config=/kind/kubeadm.conf", "--skip-token-print"];
    let write = |node: &str, text: &str| {
        world.container_stdin(&["exec", "-i", node, "cp", "/dev/stdin", "/kind/kubeadm.conf"], text).success();
    };
    let v1beta3 = "apiVersion: kubeadm.k8s.io/v1beta3\nkind: InitConfiguration\nskipPhases: [preflight]\n";
    // 1.37 removed v1beta3; 1.31 to 1.36 read it with a deprecation warning.
    write("new", v1beta3);
    exec(&world, "new", &init).code_is(1).stderr_has(
        "your configuration file uses an old API spec: \"kubeadm.k8s.io/v1beta3\" (kind: \"InitConfiguration\"). Please use kubeadm v1.36 instead",
    );
    write("old", v1beta3);
    exec(&world, "old", &init).success().stderr_has("uses a deprecated API spec: \"kubeadm.k8s.io/v1beta3\"");

    let cluster = |networking: &str, name: &str| {
        format!(
            "apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nnetworking:\n{networking}\n---\n\
             apiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\nskipPhases: [preflight]\nnodeRegistration:\n  name: {name}\n"
        )
    };
    write("new", &cluster("  podSubnet: 10.244.0.0/33", "new"));
    exec(&world, "new", &init)
        .code_is(1)
        .stderr_has("networking.podSubnet: Invalid value: \"10.244.0.0/33\": couldn't parse subnet");
    write("new", &cluster("  podSubnet: 10.244.0.0/16", "Kina_CP"));
    exec(&world, "new", &init)
        .code_is(1)
        .stderr_has("nodeRegistration.name: Invalid value: \"Kina_CP\": a lowercase RFC 1123 subdomain");
    // Unknown fields are a warning, as in kubeadm.
    write("new", &cluster("  podSubnett: 10.244.0.0/16", "new"));
    exec(&world, "new", &init).success().stderr_has("strict decoding error: unknown field \"networking.podSubnett\"");
    exec(&world, "old", &["kubeadm", "init", "--config=/kind/kubeadm.conf", "--pod-network-cidr=10.0.0.0/16"])
        .code_is(1)
        .stderr_has("can not mix '--config' with arguments [pod-network-cidr]");
}

#[test]
fn a_kubeadm_config_patch_kubeadm_rejects_fails_the_create() {
    let world = World::new();
    let config = "kind: Cluster
apiVersion: kind.x-k8s.io/v1alpha4
kubeadmConfigPatches:
- |
  kind: ClusterConfiguration
  networking:
    podSubnet: 10.244.0.0/33
";
    world
        .kina_stdin(&["create", "cluster", "--config", "-"], config)
        .code_is(1)
        .stderr_has("kubeadm init")
        .stderr_has("networking.podSubnet: Invalid value: \"10.244.0.0/33\": couldn't parse subnet");
}

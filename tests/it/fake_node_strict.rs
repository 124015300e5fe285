//! The emulated kindest/node fails where a real one fails: its tools refuse options
//! they do not have, with the real messages and exit codes, and kubeadm validates the
//! configuration it is given (kubeadmConfigPatches reach it unchecked by kina).

use crate::support::{Run, World};
use std::process::{Command, Stdio};

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

/// What the test machine's own program answers to `argv`: (exit code, stdout,
/// stderr). Its coreutils 9.1, procps-ng 4.0.2 and hostname 3.23 are Debian
/// bookworm's, as in kindest/node; it runs in the node's C locale, in an empty
/// directory, so the operands below name nothing, and as `nobody` (util-linux
/// `setpriv`), so that a case that did not fail as expected cannot change the test
/// machine (the suite runs as root).
fn real(argv: &[&str]) -> (i32, String, String) {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    // Readable by `nobody`, not writable.
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--no-new-privs", "--"])
        .args(argv)
        .env("LC_ALL", "C")
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run the real {}: {e}", argv[0]));
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.code().unwrap_or(-1), text(&out.stdout), text(&out.stderr))
}

/// The fake node answers `argv` exactly as the real program does.
#[track_caller]
fn same_as_real(world: &World, argv: &[&str]) -> i32 {
    let (code, stdout, stderr) = real(argv);
    let fake = exec(world, "node1", argv);
    assert_eq!(
        (fake.code(), fake.stdout(), fake.stderr()),
        (code, stdout, stderr),
        "the fake node's {argv:?} (left) differs from the real program's (right)"
    );
    code
}

/// The node's programs that kina and its scripts exec directly, each with a short
/// option the real one lacks and harmless operands.
const DIRECT: &[(&str, &str, &[&str])] = &[
    ("cat", "-Z", &[]),
    ("cp", "-Q", &["a", "b"]),
    ("mv", "-Q", &["a", "b"]),
    ("mkdir", "-Q", &["a"]),
    ("rm", "-Q", &["a"]),
    ("tee", "-Q", &[]),
    ("ls", "-y", &["a"]),
    ("chmod", "-Z", &["0755", "a"]),
    ("chown", "-Z", &["root", "a"]),
    ("sleep", "-Z", &["1"]),
    ("nproc", "-Z", &[]),
    ("uname", "-Z", &[]),
    ("hostname", "-Z", &[]),
    ("pgrep", "-Z", &["kubelet"]),
];

#[test]
fn direct_execs_refuse_unknown_options_as_the_real_programs_do() {
    let world = World::new();
    node(&world, "node1", "kindest/node:v1.35.5");
    for (program, short, operands) in DIRECT {
        for bad in ["--bogus", "--bogus=1", short] {
            let mut argv = vec![*program, bad];
            argv.extend_from_slice(operands);
            assert_ne!(same_as_real(&world, &argv), 0, "the real {argv:?} succeeded: pick another option");
        }
        // GNU getopt permutes: an option after the operands is still an option.
        let mut argv = vec![*program];
        argv.extend_from_slice(operands);
        argv.push("--bogus");
        same_as_real(&world, &argv);
    }
    // echo, test and [ take no options: the words are printed or tested.
    for argv in [
        &["echo", "--bogus", "-Z", "--", "-n"][..],
        &["echo", "-ne", "a\\tb"],
        &["echo", "-nx", "a"],
        &["test", "--bogus"],
        &["test", "-Z"],
        &["test", "-Z", "x"],
        &["test", "a", "b", "c"],
        &["test", "1", "-eq", "x"],
        &["test", "(", "x", "-a", "y"],
        &["test", "-n", "-a", "-n"],
        &["[", "--bogus", "]"],
        &["[", "-Z", "x", "]"],
        &["[", "x"],
    ] {
        same_as_real(&world, argv);
    }
    // Values, abbreviations and operands are checked as the real programs check them.
    for argv in [
        &["cp", "--r", "a", "b"][..],
        &["cp", "--force=1", "a", "b"],
        &["cp", "--sparse=a", "a", "b"],
        &["cp", "--preserve=mode,bogus", "a", "b"],
        &["cp", "a"],
        &["cp", "-t"],
        &["mv"],
        &["mkdir", "-m"],
        &["mkdir", "-m", "999", "a"],
        &["mkdir"],
        &["rm", "--interactive=bogus", "a"],
        &["rm"],
        &["rm", "-f"],
        &["tee", "--output-error=x"],
        &["ls", "--sort=bogus"],
        &["ls", "-w", "x"],
        &["chmod", "999", "a"],
        &["chmod", "-Rw", "a"],
        &["chmod", "0755"],
        &["chown", "nobody2", "a"],
        &["chown", "root:bogus", "a"],
        &["nproc", "--ignore=x"],
        &["nproc", "x"],
        &["uname", "x"],
        &["uname", "--k"],
        &["sleep"],
        &["sleep", "x"],
        &["hostname", "--f"],
        &["pgrep"],
        &["pgrep", "a", "b"],
        &["pgrep", "-d"],
    ] {
        same_as_real(&world, argv);
    }
}

#[test]
fn direct_execs_of_what_kina_runs_still_work() {
    let world = World::new();
    node(&world, "node1", "kindest/node:v1.35.5");
    let stdin = |argv: &[&str], text: &str| {
        let mut args = vec!["exec", "-i", "node1"];
        args.extend_from_slice(argv);
        world.container_stdin(&args, text)
    };
    exec(&world, "node1", &["mkdir", "-p", "/etc/containerd/certs.d/localhost:5001"]).success();
    stdin(&["cp", "/dev/stdin", "/etc/containerd/certs.d/localhost:5001/hosts.toml"], "server = 'x'\n").success();
    exec(&world, "node1", &["cat", "/etc/containerd/certs.d/localhost:5001/hosts.toml"])
        .success()
        .stdout_is("server = 'x'\n");
    stdin(&["cp", "/dev/stdin", "/tmp/kina-lb.new"], "#!/bin/sh\n").success();
    exec(&world, "node1", &["chmod", "0755", "/tmp/kina-lb.new"]).success();
    exec(&world, "node1", &["mv", "-f", "/tmp/kina-lb.new", "/usr/local/bin/kina-lb"]).success();
    exec(&world, "node1", &["test", "-e", "/usr/local/bin/kina-lb"]).success();
    exec(&world, "node1", &["test", "-e", "/tmp/kina-lb.new"]).code_is(1);
    exec(&world, "node1", &["rm", "-f", "/usr/local/bin/kina-lb", "/etc/nope"]).success();
    exec(&world, "node1", &["test", "-e", "/usr/local/bin/kina-lb"]).code_is(1);
    exec(&world, "node1", &["cat", "/kind/version"]).success().stdout_is("v1.35.5\n");
    exec(&world, "node1", &["uname", "-r"]).success().stdout_is("6.18.15\n");
    exec(&world, "node1", &["uname", "-a"])
        .success()
        .stdout_is("Linux node1 6.18.15 #1 SMP PREEMPT aarch64 GNU/Linux\n");
    exec(&world, "node1", &["nproc"]).success().stdout_is("2\n");
    exec(&world, "node1", &["hostname"]).success().stdout_is("node1\n");
    exec(&world, "node1", &["pgrep", "-x", "systemd"]).success().stdout_is("1\n");
    exec(&world, "node1", &["echo", "-n", "a", "b"]).success().stdout_is("a b");
    // Clustered, permuted and `--`-ended options parse as GNU's do.
    exec(&world, "node1", &["mkdir", "/tmp/d", "-pv"]).success().stdout_is("mkdir: created directory '/tmp/d'\n");
    stdin(&["tee", "-a", "/tmp/d/log"], "one\n").success().stdout_is("one\n");
    stdin(&["tee", "--append", "/tmp/d/log"], "two\n").success();
    exec(&world, "node1", &["cat", "-n", "/tmp/d/log"]).success().stdout_is("     1\tone\n     2\ttwo\n");
    exec(&world, "node1", &["cp", "-rv", "/tmp/d", "/tmp/e"])
        .success()
        .stdout_is("'/tmp/d' -> '/tmp/e'\n'/tmp/d/log' -> '/tmp/e/log'\n");
    exec(&world, "node1", &["ls", "-1", "/tmp/e"]).success().stdout_is("log\n");
    exec(&world, "node1", &["rm", "-rf", "--", "/tmp/d", "/tmp/e"]).success();
    exec(&world, "node1", &["ls", "/tmp/d"])
        .code_is(2)
        .stderr_has("ls: cannot access '/tmp/d': No such file or directory");
    // What the fake cannot know is refused rather than guessed.
    exec(&world, "node1", &["ls", "-l", "/kind"]).code_is(1).stderr_has("fake container: `ls -l` is not modelled");
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

//! Kernel and network tools: `sysctl`, `ethtool`, `iptables`, `ip`.

use super::Ctx;
use crate::out::Out;

fn default_sysctl(ctx: &Ctx, key: &str) -> String {
    let modern = ctx.cfg.version.at_least(1, 2, 1);
    match key {
        "vm.overcommit_memory" => if modern { "1" } else { "0" }.into(),
        "vm.max_map_count" => if modern { "262144" } else { "65530" }.into(),
        "fs.inotify.max_user_watches" => "8192".into(),
        "fs.inotify.max_user_instances" => "128".into(),
        "net.core.somaxconn" => "4096".into(),
        k if k.starts_with("net.bridge.bridge-nf-call-") => "1".into(),
        _ => "0".into(),
    }
}

const SYSCTL_USAGE: &str = "
Usage:
 sysctl [options] [variable[=value] ...]

Options:
  -a, --all            display all variables
  -A                   alias of -a
  -X                   alias of -a
      --deprecated     include deprecated parameters to listing
      --dry-run        Print the key and values but do not write
  -b, --binary         print value without new line
  -e, --ignore         ignore unknown variables errors
  -N, --names          print variable names without values
  -n, --values         print only values of the given variable(s)
  -p, --load[=<file>]  read values from file
  -f                   alias of -p
      --system         read values from all system directories
  -r, --pattern <expression>
                       select setting that match expression
  -q, --quiet          do not echo variable set
  -w, --write          enable writing a value to variable
  -o                   does nothing
  -x                   does nothing
  -d                   alias of -h

 -h, --help     display this help and exit
 -V, --version  output version information and exit

For more details see sysctl(8).
";

/// `sysctl [-w] [-n] [-q] key[=value]...`; writes fail while `/proc/sys` is read-only.
pub fn sysctl(ctx: &mut Ctx, args: &[String]) -> Out {
    let parsed = match super::getopt::parse("sysctl", &super::getopt::SYSCTL, args) {
        Ok(parsed) => parsed,
        // procps-ng's sysctl (4.0.2, Debian's) prints its usage to stdout and exits 0.
        Err(why) => return Out::ok(SYSCTL_USAGE).with_stderr(format!("{why}\n")),
    };
    let value_only = parsed.has(Some('n'), "values");
    let quiet = parsed.has(Some('q'), "quiet");
    let mut out = Out::default();
    for arg in &parsed.operands {
        let (key, value) = match arg.split_once('=') {
            Some((k, v)) => (k.trim().replace('/', "."), Some(v.trim().to_string())),
            None => (arg.replace('/', "."), None),
        };
        if (key.starts_with("net.bridge.") && !ctx.cfg.kernel_has("br_netfilter")) || key.is_empty() {
            out.stderr.push_str(&format!(
                "sysctl: cannot stat /proc/sys/{}: No such file or directory\n",
                key.replace('.', "/")
            ));
            out.code = 255;
            continue;
        }
        match value {
            Some(v) => {
                if ctx.container().proc_sys_readonly {
                    out.stderr.push_str(&format!("sysctl: permission denied on key \"{key}\"\n"));
                    out.code = 255;
                    continue;
                }
                ctx.node().sysctls.insert(key.clone(), v.clone());
                if !quiet {
                    out.stdout.push_str(&format!("{key} = {v}\n"));
                }
            }
            None => {
                let v = ctx.node().sysctls.get(&key).cloned().unwrap_or_else(|| default_sysctl(ctx, &key));
                out.stdout.push_str(&if value_only { format!("{v}\n") } else { format!("{key} = {v}\n") });
            }
        }
    }
    out
}

/// `ethtool -K eth0 tso off gso off` (recorded) and `ethtool -k eth0`.
/// Offload features `ethtool -K` takes by their short (legacy) names, and a virtio
/// NIC's kernel names for the segmentation and receive offloads.
const ETHTOOL_FEATURES: &[&str] = &[
    "sg",
    "tx",
    "rx",
    "tso",
    "ufo",
    "gso",
    "gro",
    "lro",
    "rxvlan",
    "txvlan",
    "ntuple",
    "rxhash",
    "tcp-segmentation-offload",
    "generic-segmentation-offload",
    "generic-receive-offload",
];

/// ethtool 6.1's `exit_bad_args()`: any option, device or feature list it cannot
/// parse.
fn ethtool_bad_args() -> Out {
    Out::fail(1, "ethtool: bad command line argument(s)\nFor more information run ethtool -h")
}

/// `ethtool -K|--features|--offload DEV FEATURE on|off...`, `-k|--show-features|--show-offload DEV`,
/// `--version`; anything else is a bad command line, as ethtool 6.1 parses it.
pub fn ethtool(ctx: &mut Ctx, args: &[String]) -> Out {
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    let no_device = || Out::fail(1, "Cannot get device feature names: No such device");
    match a.as_slice() {
        ["--version"] => Out::ok("ethtool version 6.1\n"),
        [flag, iface, settings @ ..] if ["-K", "--offload", "--features"].contains(flag) => {
            let valid = !settings.is_empty()
                && settings.len() % 2 == 0
                && settings.chunks(2).all(|kv| ETHTOOL_FEATURES.contains(&kv[0]) && ["on", "off"].contains(&kv[1]));
            if !valid {
                return ethtool_bad_args();
            }
            if *iface != "eth0" {
                return no_device();
            }
            let segmentation = ["tso", "gso", "tcp-segmentation-offload", "generic-segmentation-offload"];
            if settings.chunks(2).any(|kv| segmentation.contains(&kv[0]) && kv[1] == "off") {
                ctx.node().offload_off = true;
            }
            Out::default()
        }
        [flag, iface] if ["-k", "--show-offload", "--show-features"].contains(flag) => {
            if *iface != "eth0" {
                return no_device();
            }
            let state = if ctx.node().offload_off { "off" } else { "on" };
            Out::ok(format!(
                "Features for eth0:\ntcp-segmentation-offload: {state}\ngeneric-segmentation-offload: {state}\n"
            ))
        }
        _ => ethtool_bad_args(),
    }
}

/// iptables' own name in its messages (xtables-nft-multi names itself `iptables`).
fn xtables_name(prog: &str) -> &'static str {
    if prog.starts_with("ip6") { "ip6tables" } else { "iptables" }
}

/// How iptables 1.8 (nf_tables, Debian trixie's 1.8.11) reports a bad command line: exit 2.
fn iptables_problem(prog: &str, why: &str) -> Out {
    let name = xtables_name(prog);
    Out::fail(2, format!("{name} v1.8.11 (nf_tables): {why}\nTry `{name} -h' or '{name} --help' for more information."))
}

/// iptables' generic options: (short, long, takes a value).
const IPTABLES_OPTIONS: &[(&str, &str, bool)] = &[
    ("-A", "--append", false),
    ("-C", "--check", false),
    ("-D", "--delete", false),
    ("-I", "--insert", false),
    ("-R", "--replace", false),
    ("-L", "--list", false),
    ("-S", "--list-rules", false),
    ("-F", "--flush", false),
    ("-Z", "--zero", false),
    ("-N", "--new-chain", false),
    ("-X", "--delete-chain", false),
    ("-P", "--policy", false),
    ("-E", "--rename-chain", false),
    ("-p", "--protocol", true),
    ("-s", "--source", true),
    ("-d", "--destination", true),
    ("-i", "--in-interface", true),
    ("-o", "--out-interface", true),
    ("-j", "--jump", true),
    ("-g", "--goto", true),
    ("-m", "--match", true),
    ("-t", "--table", true),
    ("-c", "--set-counters", true),
    ("-f", "--fragment", false),
    ("-v", "--verbose", false),
    ("-n", "--numeric", false),
    ("-x", "--exact", false),
    ("-w", "--wait", false),
    ("-W", "--wait-interval", true),
    ("-4", "--ipv4", false),
    ("-6", "--ipv6", false),
    ("-h", "--help", false),
    ("-V", "--version", false),
    ("", "--line-numbers", false),
    ("", "--modprobe", true),
];

/// Options an extension adds once `-p`, `-m` or `-j` loaded it: (extension, option, takes a value).
const IPTABLES_EXTENSIONS: &[(&str, &str, bool)] = &[
    ("tcp", "--tcp-flags", true),
    ("tcp", "--dport", true),
    ("tcp", "--sport", true),
    ("tcp", "--destination-port", true),
    ("tcp", "--source-port", true),
    ("tcp", "--syn", false),
    ("tcp", "--tcp-option", true),
    ("udp", "--dport", true),
    ("udp", "--sport", true),
    ("udp", "--destination-port", true),
    ("udp", "--source-port", true),
    ("comment", "--comment", true),
    ("conntrack", "--ctstate", true),
    ("state", "--state", true),
    ("addrtype", "--dst-type", true),
    ("addrtype", "--src-type", true),
    ("mark", "--mark", true),
    ("multiport", "--dports", true),
    ("multiport", "--sports", true),
    ("TCPMSS", "--set-mss", true),
    ("TCPMSS", "--clamp-mss-to-pmtu", false),
    ("DNAT", "--to-destination", true),
    ("SNAT", "--to-source", true),
    ("MASQUERADE", "--to-ports", true),
    ("MASQUERADE", "--random", false),
    ("MARK", "--set-mark", true),
    ("MARK", "--set-xmark", true),
    ("REJECT", "--reject-with", true),
    ("LOG", "--log-prefix", true),
];

/// Checks the options the way iptables' parser does before it touches a table.
fn iptables_check(prog: &str, args: &[String]) -> Result<(), Out> {
    let mut loaded: Vec<String> = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        i += 1;
        if !a.starts_with('-') || a == "!" || a.parse::<i64>().is_ok() {
            continue;
        }
        let (name, inline) = a.split_once('=').map(|(n, v)| (n, Some(v))).unwrap_or((a, None));
        let generic = IPTABLES_OPTIONS.iter().find(|(short, long, _)| *short == name || *long == name);
        let extension = IPTABLES_EXTENSIONS
            .iter()
            .find(|(ext, option, _)| *option == name && loaded.iter().any(|l| l.eq_ignore_ascii_case(ext)));
        let takes_value = match (generic, extension) {
            (Some((_, _, v)), _) | (None, Some((_, _, v))) => *v,
            (None, None) => return Err(iptables_problem(prog, &format!("unknown option \"{name}\""))),
        };
        if takes_value && inline.is_none() {
            let Some(value) = args.get(i) else {
                return Err(iptables_problem(prog, &format!("option \"{name}\" requires an argument")));
            };
            if matches!(name, "-p" | "--protocol" | "-m" | "--match" | "-j" | "--jump") {
                loaded.push(value.clone());
            }
            i += 1;
        }
    }
    Ok(())
}

/// `iptables[-nft] [-t table] -C|-A|-I|-D|-S|-L chain [rule...]`.
pub fn iptables(ctx: &mut Ctx, prog: &str, args: &[String]) -> Out {
    if let Err(out) = iptables_check(prog, args) {
        return out;
    }
    let family = if prog.starts_with("ip6") { "ip6" } else { "ip" };
    let mut table = "filter".to_string();
    let mut op: Option<String> = None;
    let mut chain = String::new();
    let mut rule: Vec<String> = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        match a {
            "-t" | "--table" => {
                table = args.get(i + 1).cloned().unwrap_or_default();
                i += 1;
            }
            "-w" | "--wait" => {
                if args.get(i + 1).is_some_and(|n| n.parse::<u32>().is_ok()) {
                    i += 1;
                }
            }
            "-V" | "--version" => return Out::lines(&[format!("{prog} v1.8.11 (nf_tables)")]),
            "-C" | "--check" | "-A" | "--append" | "-I" | "--insert" | "-D" | "--delete" | "-S" | "--list-rules"
            | "-L" | "--list" | "-N" | "--new-chain" | "-F" | "--flush"
                if op.is_none() =>
            {
                op = Some(a.trim_start_matches('-').chars().next().unwrap().to_ascii_uppercase().to_string());
                if let Some(c) = args.get(i + 1).filter(|c| !c.starts_with('-')) {
                    chain = c.clone();
                    i += 1;
                }
                if a == "-I" && args.get(i + 1).is_some_and(|n| n.parse::<u32>().is_ok()) {
                    i += 1;
                }
            }
            _ => rule.push(a.to_string()),
        }
        i += 1;
    }
    let key = format!("{family} {table} {chain} {}", rule.join(" "));
    let rules = &mut ctx.node().iptables;
    match op.as_deref() {
        Some("C") => {
            if rules.contains(&key) {
                Out::default()
            } else {
                Out::fail(1, "iptables: Bad rule (does a matching rule exist in that chain?).")
            }
        }
        Some("A") | Some("I") => {
            rules.push(key);
            Out::default()
        }
        Some("D") => match rules.iter().position(|r| *r == key) {
            Some(pos) => {
                rules.remove(pos);
                Out::default()
            }
            None => Out::fail(1, "iptables: Bad rule (does a matching rule exist in that chain?)."),
        },
        Some("S") | Some("L") => {
            let prefix = format!("{family} {table} ");
            let mut text = String::new();
            for r in rules.iter().filter_map(|r| r.strip_prefix(&prefix)) {
                let (c, body) = r.split_once(' ').unwrap_or((r, ""));
                if chain.is_empty() || c == chain {
                    text.push_str(&format!("-A {c} {body}\n"));
                }
            }
            Out::ok(text)
        }
        Some(_) => Out::default(),
        None => iptables_problem(prog, "no command specified"),
    }
}

/// `ip link add NAME type vxlan id N dstport P [dev eth0]` (a probe for the kernel's
/// VXLAN support), `ip link del NAME`, `ip link show NAME`.
fn link(ctx: &mut Ctx, words: &[&str]) -> Option<Out> {
    match words {
        ["add", name, "type", kind, ..] => {
            let supported = match *kind {
                "vxlan" => ctx.cfg.kernel_has("vxlan"),
                "dummy" => ctx.cfg.kernel_has("dummy"),
                "bridge" | "veth" => true,
                _ => false,
            };
            if !supported {
                return Some(Out::fail(2, "Error: Unknown device type."));
            }
            if *kind == "vxlan" && !words.contains(&"id") {
                return Some(Out::fail(
                    2,
                    "Error: vxlan: missing virtual network identifier.\nSee \"ip link help vxlan\"",
                ));
            }
            let links = &mut ctx.node().links;
            if links.iter().any(|(n, _)| n == name) || *name == "eth0" || *name == "lo" {
                return Some(Out::fail(2, "RTNETLINK answers: File exists"));
            }
            links.push((name.to_string(), kind.to_string()));
            Some(Out::default())
        }
        ["del" | "delete", name, ..] | ["show", name, ..] if *name != "eth0" => {
            let links = &mut ctx.node().links;
            let Some(at) = links.iter().position(|(n, _)| n == name) else {
                return Some(Out::fail(1, format!("Cannot find device \"{name}\"")));
            };
            if words[0] == "show" {
                return Some(Out::ok(format!(
                    "7: {name}: <BROADCAST,MULTICAST> mtu 1230 qdisc noop state DOWN mode DEFAULT group default qlen 1000\n    link/ether 02:42:ac:11:00:07 brd ff:ff:ff:ff:ff:ff\n"
                )));
            }
            links.remove(at);
            Some(Out::default())
        }
        _ => None,
    }
}

/// `ip addr add|replace|del ADDRESS[/LEN] dev eth0`: addresses added inside the guest,
/// which last until the VM stops (a unit that runs at boot brings them back).
fn address(ctx: &mut Ctx, words: &[&str]) -> Option<Out> {
    let (verb, rest) = words.split_first()?;
    let verb = ["add", "replace", "change", "delete"].into_iter().find(|v| v.starts_with(*verb) && verb.len() >= 2)?;
    let (Some(local), Some(&"dev"), Some(device), None) = (rest.first(), rest.get(1), rest.get(2), rest.get(3)) else {
        return Some(Out::fail(
            255,
            format!("Error: either \"local\" is duplicate, or \"{}\" is a garbage.", rest.get(1).unwrap_or(&"")),
        ));
    };
    if *device != "eth0" {
        return Some(Out::fail(1, format!("Cannot find device \"{device}\"")));
    }
    let (ip, len) = local.split_once('/').unwrap_or((local, "32"));
    if !crate::util::is_ipv4(ip) || len.parse::<u8>().map_or(true, |l| l > 32) {
        return Some(Out::fail(1, format!("Error: any valid prefix is expected rather than \"{local}\".")));
    }
    let entry = format!("{ip}/{len}");
    let addresses = &mut ctx.node().addresses;
    let at = addresses.iter().position(|a| a.split('/').next() == Some(ip));
    match (verb, at) {
        ("add", Some(_)) => Some(Out::fail(2, "RTNETLINK answers: File exists")),
        ("delete", None) => Some(Out::fail(2, "RTNETLINK answers: Cannot assign requested address")),
        ("delete", Some(i)) => {
            addresses.remove(i);
            Some(Out::default())
        }
        ("change", None) => Some(Out::fail(2, "RTNETLINK answers: No such file or directory")),
        (_, Some(i)) => {
            addresses[i] = entry;
            Some(Out::default())
        }
        (_, None) => {
            addresses.push(entry);
            Some(Out::default())
        }
    }
}

/// iproute2's global options, in the order `ip` tries them (`ip/ip.c`, `main`): an
/// option matches any prefix of its name; (name, takes a value).
const IP_OPTIONS: &[(&str, bool)] = &[
    ("-loops", true),
    ("-family", true),
    ("-4", false),
    ("-6", false),
    ("-0", false),
    ("-M", false),
    ("-B", false),
    ("-human", false),
    ("-human-readable", false),
    ("-iec", false),
    ("-stats", false),
    ("-statistics", false),
    ("-details", false),
    ("-resolve", false),
    ("-oneline", false),
    ("-timestamp", false),
    ("-tshort", false),
    ("-Version", false),
    ("-force", false),
    ("-batch", true),
    ("-brief", false),
    ("-json", false),
    ("-pretty", false),
    ("-rcvbuf", true),
    ("-color", false),
    ("-colour", false),
    ("-help", false),
    ("-netns", true),
    ("-Numeric", false),
    ("-all", false),
    ("-echo", false),
];

/// iproute2's objects, in `ip`'s table order (a prefix picks the first match).
const IP_OBJECTS: &[&str] = &[
    "address",
    "addrlabel",
    "maddress",
    "route",
    "rule",
    "neighbor",
    "neighbour",
    "ntable",
    "ntbl",
    "link",
    "l2tp",
    "fou",
    "ila",
    "macsec",
    "tunnel",
    "tuntap",
    "tap",
    "token",
    "tcpmetrics",
    "tcp_metrics",
    "monitor",
    "xfrm",
    "mroute",
    "mrule",
    "netns",
    "netconf",
    "vrf",
    "sr",
    "nexthop",
    "mptcp",
    "ioam",
    "stats",
    "help",
];

/// `ip [OPTIONS] OBJECT ...`: the options and the object, checked as `ip` does
/// (exit 255 on a bad one); returns the object's full name and its words.
fn ip_command(args: &[String]) -> Result<(&'static str, Vec<String>), Out> {
    let mut i = 0;
    while let Some(arg) = args.get(i).filter(|a| a.starts_with('-') && a.len() > 1) {
        let opt = if arg.starts_with("--") { &arg[1..] } else { arg.as_str() };
        let opt = opt.split_once('=').map(|(o, _)| o).unwrap_or(opt);
        let known = IP_OPTIONS.iter().find(|(name, _)| name.starts_with(opt));
        match known {
            Some((_, true)) if args.get(i + 1).is_none() => {
                return Err(Out::fail(255, "Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }"));
            }
            Some((_, true)) => i += 2,
            Some(_) => i += 1,
            None => return Err(Out::fail(255, format!("Option \"{opt}\" is unknown, try \"ip -help\"."))),
        }
    }
    let Some(object) = args.get(i) else {
        return Err(Out::fail(255, "Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }"));
    };
    match IP_OBJECTS.iter().find(|o| o.starts_with(object.as_str())) {
        Some(full) => Ok((full, args[i + 1..].to_vec())),
        None => Err(Out::fail(255, format!("Object \"{object}\" is unknown, try \"ip help\"."))),
    }
}

/// `ip route|addr|link` views of eth0.
pub fn ip(ctx: &mut Ctx, args: &[String]) -> Out {
    let (object, rest) = match ip_command(args) {
        Ok(found) => found,
        Err(out) => return out,
    };
    let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
    if object == "link"
        && let Some(out) = link(ctx, &rest)
    {
        return out;
    }
    if object == "address"
        && let Some(out) = address(ctx, &rest)
    {
        return out;
    }
    let c = ctx.container();
    let Some(att) = c.networks.first().cloned() else {
        return Out::default();
    };
    let addr = c.ip().unwrap_or_default();
    match (object, rest.as_slice()) {
        ("route", ["get", target, ..]) => {
            Out::ok(format!("{target} via {} dev eth0 src {addr} uid 0 \n    cache \n", att.ipv4_gateway))
        }
        ("route", rest) => {
            let default = format!("default via {} dev eth0 \n", att.ipv4_gateway);
            if rest.contains(&"default") {
                Out::ok(default)
            } else {
                let net = att.ipv4_address.rsplit_once('.').map(|(n, _)| format!("{n}.0/24")).unwrap_or_default();
                Out::ok(format!("{default}{net} dev eth0 proto kernel scope link src {addr} \n"))
            }
        }
        ("address", _) => {
            let mut text = format!(
                "2: eth0    inet {} brd {}.255 scope global eth0\\       valid_lft forever preferred_lft forever\n",
                att.ipv4_address,
                addr.rsplit_once('.').map(|(n, _)| n).unwrap_or_default()
            );
            for added in &c.node.addresses {
                text.push_str(&format!(
                    "2: eth0    inet {added} scope global secondary eth0\\       valid_lft forever preferred_lft forever\n"
                ));
            }
            Out::ok(text)
        }
        ("link", _) => Out::ok(format!(
            "2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu {} qdisc pfifo_fast state UP mode DEFAULT group default qlen 1000\n    link/ether {} brd ff:ff:ff:ff:ff:ff\n",
            att.mtu, att.mac_address
        )),
        (other, _) => Out::fail(255, format!("ip {other}: not emulated by the fake")),
    }
}

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

/// `sysctl [-w] [-n] [-q] key[=value]...`; writes fail while `/proc/sys` is read-only.
pub fn sysctl(ctx: &mut Ctx, args: &[String]) -> Out {
    let value_only = args.iter().any(|a| a == "-n");
    let quiet = args.iter().any(|a| a == "-q");
    let mut out = Out::default();
    for arg in args.iter().filter(|a| !a.starts_with('-')) {
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
pub fn ethtool(ctx: &mut Ctx, args: &[String]) -> Out {
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    match a.as_slice() {
        [flag, iface, settings @ ..] if ["-K", "--offload", "--features"].contains(flag) => {
            if *iface != "eth0" {
                return Out::fail(1, "Cannot get device feature names: No such device");
            }
            let off =
                settings.chunks(2).any(|kv| kv.len() == 2 && (kv[0] == "tso" || kv[0] == "gso") && kv[1] == "off");
            if off {
                ctx.node().offload_off = true;
            }
            Out::default()
        }
        [flag, iface] if ["-k", "--show-offload", "--show-features"].contains(flag) => {
            if *iface != "eth0" {
                return Out::fail(1, "Cannot get device feature names: No such device");
            }
            let state = if ctx.node().offload_off { "off" } else { "on" };
            Out::ok(format!(
                "Features for eth0:\ntcp-segmentation-offload: {state}\ngeneric-segmentation-offload: {state}\n"
            ))
        }
        _ => Out::fail(1, "ethtool: bad command line argument(s)\nFor more information run ethtool -h"),
    }
}

/// `iptables[-nft] [-t table] -C|-A|-I|-D|-S|-L chain [rule...]`.
pub fn iptables(ctx: &mut Ctx, prog: &str, args: &[String]) -> Out {
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
            "-V" | "--version" => return Out::lines(&[format!("{prog} v1.8.9 (nf_tables)")]),
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
        None => Out::fail(
            2,
            format!(
                "{prog} v1.8.9 (nf_tables): no command specified\nTry `{prog} -h' or '{prog} --help' for more information."
            ),
        ),
    }
}

/// `ip link add NAME type vxlan id N dstport P [dev eth0]` (a probe for the kernel's
/// VXLAN support), `ip link del NAME`, `ip link show NAME`.
fn link(ctx: &mut Ctx, words: &[&str]) -> Option<Out> {
    match words {
        ["add", name, "type", kind, ..] => {
            let supported = match *kind {
                "vxlan" => ctx.cfg.kernel_has("vxlan"),
                "dummy" | "bridge" | "veth" => true,
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

/// `ip route|addr|link` views of eth0.
pub fn ip(ctx: &mut Ctx, args: &[String]) -> Out {
    let words: Vec<&str> = args.iter().map(String::as_str).filter(|a| !a.starts_with('-')).collect();
    if let ["link" | "l", rest @ ..] = words.as_slice()
        && let Some(out) = link(ctx, rest)
    {
        return out;
    }
    let c = ctx.container();
    let Some(att) = c.networks.first().cloned() else {
        return Out::default();
    };
    let addr = c.ip().unwrap_or_default();
    let words: Vec<&str> = args.iter().map(String::as_str).filter(|a| !a.starts_with('-')).collect();
    match words.as_slice() {
        ["route" | "r" | "ro", "get", target, ..] => {
            Out::ok(format!("{target} via {} dev eth0 src {addr} uid 0 \n    cache \n", att.ipv4_gateway))
        }
        ["route" | "r" | "ro", rest @ ..] => {
            let default = format!("default via {} dev eth0 \n", att.ipv4_gateway);
            if rest.contains(&"default") {
                Out::ok(default)
            } else {
                let net = att.ipv4_address.rsplit_once('.').map(|(n, _)| format!("{n}.0/24")).unwrap_or_default();
                Out::ok(format!("{default}{net} dev eth0 proto kernel scope link src {addr} \n"))
            }
        }
        ["addr" | "a" | "address", ..] => Out::ok(format!(
            "2: eth0    inet {} brd {}.255 scope global eth0\\       valid_lft forever preferred_lft forever\n",
            att.ipv4_address,
            addr.rsplit_once('.').map(|(n, _)| n).unwrap_or_default()
        )),
        ["link" | "l", ..] => Out::ok(format!(
            "2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu {} qdisc pfifo_fast state UP mode DEFAULT group default qlen 1000\n    link/ether {} brd ff:ff:ff:ff:ff:ff\n",
            att.mtu, att.mac_address
        )),
        _ => Out::fail(1, "Object is unknown, try \"ip help\"."),
    }
}

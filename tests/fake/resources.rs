//! `container volume ...` and `container network ...` (macOS 26 only).

use crate::app::Session;
use crate::args::{Cmd, Parsed, flag, opt, subcommand};
use crate::out::{Out, or_return};
use crate::store::{Network, State, Volume};
use crate::util::{cli_json, cli_pretty_json, iso_now, table};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// `--label key=value` pairs (a bare `key` gets an empty value).
fn parse_labels(p: &Parsed) -> BTreeMap<String, String> {
    p.values("--label")
        .iter()
        .map(|v| {
            let (k, val) = v.split_once('=').unwrap_or((v, ""));
            (k.to_string(), val.to_string())
        })
        .collect()
}

fn volume_json(v: &Volume) -> Value {
    let mut cfg = json!({"name": v.name, "driver": "local", "format": "ext4",
        "source": format!("/Users/fake/Library/Application Support/com.apple.container/volumes/{}/volume.img", v.name),
        "creationDate": v.created, "labels": v.labels, "options": {}});
    if let Some(size) = &v.size {
        cfg["sizeInBytes"] = json!(crate::spec_parse::parse_memory(size).unwrap_or(0));
    }
    json!({"id": v.name, "configuration": cfg})
}

fn volume_users(state: &State, name: &str) -> Vec<String> {
    state
        .containers
        .values()
        .filter(|c| {
            c.config["mounts"].as_array().is_some_and(|m| m.iter().any(|m| m["type"]["volume"]["name"] == name))
        })
        .map(|c| c.id.clone())
        .collect()
}

pub fn volume(s: &mut Session, args: &[String]) -> Out {
    let (sub, rest) = subcommand(args);
    let c = match sub {
        "create" => Cmd::new(
            "volume create",
            "Create a volume",
            "[<options>] <name>",
            vec![
                opt(&["--label"], "<label>", "Set metadata on a volume"),
                opt(&["--opt"], "<opt>", "Set driver specific options"),
                opt(&["-s"], "<size>", "Size of the volume"),
            ],
        ),
        "list" | "ls" => Cmd::new(
            "volume list",
            "List volumes",
            "[<options>]",
            vec![
                opt(&["--format"], "<format>", "Format of the output (json, table)"),
                flag(&["-q", "--quiet"], "Only display volume names"),
            ],
        ),
        "inspect" => Cmd::new("volume inspect", "Display information about volumes", "<names> ...", vec![]),
        "delete" | "rm" => Cmd::new(
            "volume delete",
            "Delete one or more volumes",
            "[<options>] [<names> ...]",
            vec![flag(&["-a", "--all"], "Delete all volumes")],
        ),
        "prune" => Cmd::new("volume prune", "Remove volumes with no container references", "", vec![]),
        _ => {
            return Out::ok(
                "OVERVIEW: Manage container volumes\n\nUSAGE: container volume <subcommand>\n\nSUBCOMMANDS:\n  create, delete, inspect, list, prune\n",
            );
        }
    };
    let p = or_return!(c.parse(rest));
    let state_dir = s.cfg.state_dir.clone();
    let state = or_return!(s.state());
    match sub {
        "create" => {
            let name = or_return!(c.first_positional(&p, "<name>"));
            if state.volumes.contains_key(&name) {
                return Out::error(format!("volume {name} already exists"));
            }
            let labels = parse_labels(&p);
            state.volumes.insert(
                name.clone(),
                Volume { name: name.clone(), created: iso_now(), labels, size: p.value("-s").map(str::to_string) },
            );
            Out::lines(&[name])
        }
        "list" | "ls" => {
            let vols: Vec<&Volume> = state.volumes.values().collect();
            if p.value("--format") == Some("json") {
                return Out::lines(&[cli_json(&json!(vols.iter().map(|v| volume_json(v)).collect::<Vec<_>>()))]);
            }
            if p.has("--quiet") {
                return Out::lines(&vols.iter().map(|v| v.name.clone()).collect::<Vec<_>>());
            }
            let mut rows = vec![vec!["NAME".to_string(), "DRIVER".into(), "OPTIONS".into()]];
            rows.extend(vols.iter().map(|v| vec![v.name.clone(), "local".into(), String::new()]));
            Out::ok(table(&rows))
        }
        "inspect" => {
            let mut items = Vec::new();
            for n in &p.positionals {
                match state.volumes.get(n) {
                    Some(v) => items.push(volume_json(v)),
                    None => return Out::error(format!("volume not found: {n}")),
                }
            }
            Out::lines(&[cli_pretty_json(&json!(items))])
        }
        _ => {
            let prune = sub == "prune";
            let names: Vec<String> =
                if prune || p.has("--all") { state.volumes.keys().cloned().collect() } else { p.positionals.clone() };
            let mut out = Out::default();
            for n in names {
                if !state.volumes.contains_key(&n) {
                    return Out::error(format!("volume not found: {n}"));
                }
                let users = volume_users(state, &n);
                if !users.is_empty() {
                    if prune || p.has("--all") {
                        continue;
                    }
                    return Out::error(format!("volume {n} is in use by container(s): {}", users.join(", ")));
                }
                state.volumes.remove(&n);
                // A registry's data (registry.rs) goes with its volume.
                let _ = std::fs::remove_dir_all(state_dir.join("volume-data").join(&n));
                out.stdout.push_str(&format!("{n}\n"));
            }
            out
        }
    }
}

fn valid_network_name(n: &str) -> bool {
    let b = n.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && (b[0].is_ascii_lowercase() || b[0].is_ascii_digit())
        && (b[b.len() - 1].is_ascii_lowercase() || b[b.len() - 1].is_ascii_digit())
        && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || b"._-".contains(c))
}

fn network_json(n: &Network) -> Value {
    let mut cfg = json!({"creationDate": n.created, "labels": n.labels, "mode": if n.internal { "hostOnly" } else { "nat" },
        "name": n.name, "options": {}, "plugin": "container-network-vmnet"});
    // `configuration.ipv4Subnet` only when one was configured; the live one is in `status`.
    if n.configured {
        cfg["ipv4Subnet"] = json!(n.subnet);
    }
    json!({"id": n.name, "configuration": cfg, "status": {"ipv4Gateway": n.gateway(), "ipv4Subnet": n.subnet}})
}

pub fn network(s: &mut Session, args: &[String]) -> Out {
    let (sub, rest) = subcommand(args);
    let c = match sub {
        "create" => Cmd::new(
            "network create",
            "Create a new network",
            "[<options>] <name>",
            vec![
                flag(&["--internal"], "Restrict the network to host-only traffic"),
                opt(&["--label"], "<label>", "Set metadata for a network"),
                opt(&["--option"], "<option>", "Set plugin options"),
                opt(&["--plugin"], "<plugin>", "Network plugin"),
                opt(&["--subnet"], "<subnet>", "Set the IPv4 subnet"),
                opt(&["--subnet-v6"], "<subnet>", "Set the IPv6 subnet"),
            ],
        ),
        "list" | "ls" => Cmd::new(
            "network list",
            "List networks",
            "[<options>]",
            vec![
                opt(&["--format"], "<format>", "Format of the output (json, table)"),
                flag(&["-q", "--quiet"], "Only output the network name"),
            ],
        ),
        "inspect" => {
            Cmd::new("network inspect", "Display information about one or more networks", "<networks> ...", vec![])
        }
        "delete" | "rm" => Cmd::new(
            "network delete",
            "Delete one or more networks",
            "[<options>] [<network-names> ...]",
            vec![flag(&["-a", "--all"], "Delete all networks")],
        ),
        "prune" => Cmd::new("network prune", "Remove networks with no container connections", "", vec![]),
        _ => {
            return Out::ok(
                "OVERVIEW: Manage container networks\n\nUSAGE: container network <subcommand>\n\nSUBCOMMANDS:\n  create, delete, inspect, list, prune\n",
            );
        }
    };
    let p = or_return!(c.parse(rest));
    let state = or_return!(s.state());
    state.network_mut("default");
    match sub {
        "create" => {
            let name = or_return!(c.first_positional(&p, "<name>"));
            if !valid_network_name(&name) {
                return Out::error(format!("invalid network name {name}"));
            }
            if state.networks.contains_key(&name) {
                return Out::error(format!("network {name} already exists"));
            }
            let (subnet, configured) = match p.value("--subnet") {
                Some(sub) => {
                    let Some((base, len)) = crate::store::parse_cidr(sub).filter(|(_, len)| (8..=30).contains(len))
                    else {
                        return Out::error(format!("invalid IPv4 subnet {sub}"));
                    };
                    let subnet = format!("{}/{len}", crate::store::ipv4(base));
                    if let Some(other) = state.networks.values().find(|n| n.overlaps(&subnet)) {
                        return Out::error(format!("subnet {sub} overlaps network {} ({})", other.name, other.subnet));
                    }
                    (subnet, true)
                }
                // vmnet picks the next free /24 after the default network's.
                None => match (65..=250)
                    .map(|o| format!("192.168.{o}.0/24"))
                    .find(|s| !state.networks.values().any(|n| n.overlaps(s)))
                {
                    Some(subnet) => (subnet, false),
                    None => return Out::error("no free subnet"),
                },
            };
            let mut net = Network::new(&name, &subnet, iso_now());
            net.configured = configured;
            net.internal = p.has("--internal");
            net.labels = parse_labels(&p);
            state.networks.insert(name.clone(), net);
            Out::lines(&[name])
        }
        "list" | "ls" => {
            let nets: Vec<&Network> = state.networks.values().collect();
            if p.value("--format") == Some("json") {
                return Out::lines(&[cli_json(&json!(nets.iter().map(|n| network_json(n)).collect::<Vec<_>>()))]);
            }
            if p.has("--quiet") {
                return Out::lines(&nets.iter().map(|n| n.name.clone()).collect::<Vec<_>>());
            }
            let mut rows = vec![vec!["NETWORK".to_string(), "STATE".into(), "SUBNET".into()]];
            rows.extend(nets.iter().map(|n| vec![n.name.clone(), "running".into(), n.subnet.clone()]));
            Out::ok(table(&rows))
        }
        "inspect" => {
            let mut items = Vec::new();
            for n in &p.positionals {
                match state.networks.get(n) {
                    Some(net) => items.push(network_json(net)),
                    None => return Out::error(format!("network {n} not found")),
                }
            }
            Out::lines(&[cli_pretty_json(&json!(items))])
        }
        _ => {
            let all = sub == "prune" || p.has("--all");
            let names: Vec<String> = if all {
                state.networks.keys().filter(|n| *n != "default").cloned().collect()
            } else {
                p.positionals.clone()
            };
            let mut out = Out::default();
            for n in names {
                if n == "default" {
                    return Out::error("cannot delete the default network");
                }
                if !state.networks.contains_key(&n) {
                    return Out::error(format!("network {n} not found"));
                }
                let users: Vec<String> = state
                    .containers
                    .values()
                    .filter(|c| c.attach.iter().any(|a| a.0 == n))
                    .map(|c| c.id.clone())
                    .collect();
                if !users.is_empty() {
                    if all {
                        continue;
                    }
                    // The API server refuses a network any container's configuration names,
                    // running or not (`NetworksService.delete`); the CLI logs that and fails.
                    let why = format!("cannot delete subnet {n} with referring containers: {}", users.join(", "));
                    let mut out =
                        Out::error(format!("internalError: \"delete failed for one or more networks: [\"{n}\"]\""));
                    out.stderr = format!("failed to delete network {n}: invalidState: \"{why}\"\n{}", out.stderr);
                    return out;
                }
                state.networks.remove(&n);
                out.stdout.push_str(&format!("{n}\n"));
            }
            out
        }
    }
}

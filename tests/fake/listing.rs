//! `container list` and `container inspect`, with the 1.x `ManagedContainer` JSON shape.

use crate::app::Session;
use crate::args::{Cmd, flag, opt};
use crate::out::{Out, or_return};
use crate::store::Container;
use crate::util::{cli_json, cli_pretty_json, table};
use serde_json::{Value, json};

/// `{id, configuration, status: {state, networks, startedDate?}}`.
pub fn container_json(c: &Container) -> Value {
    let networks: Vec<Value> = c
        .networks
        .iter()
        .map(|a| {
            json!({"network": a.network, "hostname": a.hostname, "ipv4Address": a.ipv4_address,
                   "ipv4Gateway": a.ipv4_gateway, "macAddress": a.mac_address, "mtu": a.mtu, "variant": a.variant})
        })
        .collect();
    let mut status = json!({"state": c.state, "networks": networks});
    if let Some(d) = &c.started {
        status["startedDate"] = json!(d);
    }
    json!({"id": c.id, "configuration": c.config, "status": status})
}

pub fn list(s: &mut Session, args: &[String]) -> Out {
    let c = Cmd::new(
        "list",
        "List containers",
        "[<options>]",
        vec![
            flag(&["-a", "--all"], "Include containers that are not running"),
            opt(&["--format"], "<format>", "Format of the output (json, table)"),
            flag(&["-q", "--quiet"], "Only output the container ID"),
        ],
    );
    let p = or_return!(c.parse(args));
    let format = p.value("--format").unwrap_or("table");
    if !["json", "table"].contains(&format) {
        return c.usage_error(format!("The value '{format}' is invalid for '--format <format>'"));
    }
    let state = or_return!(s.state_for_list());
    let all = p.has("--all");
    let shown: Vec<&Container> = state.containers.values().filter(|c| all || c.running()).collect();
    if format == "json" {
        let items: Vec<Value> = shown.iter().map(|c| container_json(c)).collect();
        return Out::lines(&[cli_json(&json!(items))]);
    }
    if p.has("--quiet") {
        return Out::lines(&shown.iter().map(|c| c.id.clone()).collect::<Vec<_>>());
    }
    let mut rows =
        vec![["ID", "IMAGE", "OS", "ARCH", "STATE", "IP", "CPUS", "MEMORY", "STARTED"].map(String::from).to_vec()];
    for c in shown {
        let cfg = &c.config;
        rows.push(vec![
            c.id.clone(),
            crate::images::display_name(&c.image_ref()),
            cfg["platform"]["os"].as_str().unwrap_or_default().to_string(),
            cfg["platform"]["architecture"].as_str().unwrap_or_default().to_string(),
            c.state.clone(),
            c.networks.first().map(|a| a.ipv4_address.clone()).unwrap_or_default(),
            cfg["resources"]["cpus"].to_string(),
            format!("{} MB", cfg["resources"]["memoryInBytes"].as_u64().unwrap_or(0) >> 20),
            c.started.clone().unwrap_or_default(),
        ]);
    }
    Out::ok(table(&rows))
}

pub fn inspect(s: &mut Session, args: &[String]) -> Out {
    let c = Cmd::new("inspect", "Display information about one or more containers", "<container-ids> ...", vec![]);
    let p = or_return!(c.parse(args));
    if p.positionals.is_empty() {
        return c.usage_error("Missing expected argument '<container-ids> ...'");
    }
    let state = or_return!(s.state());
    let missing: Vec<&str> =
        p.positionals.iter().filter(|id| !state.containers.contains_key(*id)).map(String::as_str).collect();
    if !missing.is_empty() {
        return Out::error(format!("container not found: {}", missing.join(", ")));
    }
    let items: Vec<Value> = p.positionals.iter().map(|id| container_json(&state.containers[id])).collect();
    Out::lines(&[cli_pretty_json(&json!(items))])
}

//! `start`, `stop`, `kill`, `delete`, `logs`, and the network attach/release they share.

use crate::app::Session;
use crate::args::{Cmd, flag, opt};
use crate::config::Config;
use crate::out::{Out, or_return};
use crate::store::{Attachment, Container, State};

/// Starts a stopped container: new addresses from the rotating allocator, then the
/// emulated node boot (which may kill the container again, like the real entrypoint).
pub fn boot(state: &mut State, cfg: &Config, id: &str) {
    let Some(c) = state.containers.get(id).cloned() else { return };
    if c.running() {
        return;
    }
    let mut networks = Vec::new();
    for (i, (name, mtu, mac)) in c.attach.iter().enumerate() {
        let Some(net) = state.network_mut(name) else { continue };
        let Some(host) = net.free.pop_front() else { continue };
        networks.push(Attachment {
            network: name.clone(),
            hostname: c.hostname.clone(),
            ipv4_address: format!("{}/{}", crate::store::ipv4(host), net.prefix_len()),
            ipv4_gateway: net.gateway(),
            mac_address: mac
                .clone()
                .unwrap_or_else(|| if i == 0 { c.mac.clone() } else { format!("{}:{i:02x}", &c.mac[..14]) }),
            mtu: *mtu,
            variant: if cfg.macos >= 26 { "reserved".into() } else { "allocationOnly".into() },
        });
    }
    let c = state.containers.get_mut(id).unwrap();
    c.networks = networks;
    c.state = "running".into();
    c.started = Some(crate::util::iso_now());
    if crate::registry::is_registry_image(&c.image_ref()) {
        crate::registry::start(&cfg.state_dir, c);
        return;
    }
    let alive = crate::node::boot::on_start(c, cfg);
    if !alive {
        halt(state, id);
        return;
    }
    crate::registry::start_static_pod(&cfg.state_dir, c);
    crate::node::controllers::after_boot(state, cfg);
}

/// Stops a container: addresses go back to the end of their pools.
pub fn halt(state: &mut State, id: &str) {
    crate::registry::stop(&Config::from_env().state_dir, id);
    let Some(c) = state.containers.get_mut(id) else { return };
    let released: Vec<Attachment> = std::mem::take(&mut c.networks);
    c.state = "stopped".into();
    let auto_remove = c.auto_remove;
    for a in released {
        let host = a.ipv4_address.split('/').next().and_then(|h| h.parse::<std::net::Ipv4Addr>().ok());
        if let (Some(net), Some(host)) = (state.network_mut(&a.network), host) {
            net.free.push_back(u32::from(host));
        }
    }
    if auto_remove {
        state.containers.remove(id);
    }
}

pub fn cmd(s: &mut Session, name: &str, args: &[String]) -> Out {
    match name {
        "start" => start(s, args),
        "stop" | "kill" => stop(s, name, args),
        "logs" => logs(s, args),
        _ => delete(s, args),
    }
}

/// The container `id`, or the CLI's `get failed` error.
pub fn find_container<'s>(state: &'s State, id: &str) -> Result<&'s Container, Out> {
    state.containers.get(id).ok_or_else(|| Out::error(format!("get failed: container {id} not found")))
}

fn start(s: &mut Session, args: &[String]) -> Out {
    let c = Cmd::new(
        "start",
        "Start a container",
        "[<options>] <container-id>",
        vec![flag(&["-a", "--attach"], "Attach stdout/stderr"), flag(&["-i", "--interactive"], "Attach stdin")],
    );
    let p = or_return!(c.parse(args));
    let id = or_return!(c.first_positional(&p, "<container-id>"));
    let cfg = s.cfg;
    let state = or_return!(s.state());
    let container = or_return!(find_container(state, &id));
    if container.running() && p.has("--attach") {
        return Out::error("attach is currently unsupported on already running containers");
    }
    if !container.running() {
        or_return!(crate::ports::check_bind(state, &id));
    }
    let was_running = container.running();
    boot(state, cfg, &id);
    // systemd's oneshot units run once the VM is up, outside the state lock.
    let booted = !was_running && state.containers.get(&id).is_some_and(|c| c.running());
    if booted {
        let (env, oneshots) = crate::node::units::oneshots_at_boot(state, &id);
        or_return!(s.release());
        crate::node::units::run_oneshots_at_boot(cfg, &id, &env, oneshots);
    }
    Out::lines(&[id])
}

/// `code: "message" (cause: ...)` entries of an AggregateError, one per failed ID.
fn aggregate(errors: Vec<String>, mut out: Out) -> Out {
    if !errors.is_empty() {
        out.stderr.push_str(&format!("Error: {}\n", errors.join("\n")));
        out.code = 1;
    }
    out
}

fn not_found(verb: &str, id: &str) -> String {
    format!("internalError: \"failed to {verb} container\" (cause: \"notFound: \"container with ID {id} not found\"\")")
}

fn stop(s: &mut Session, name: &str, args: &[String]) -> Out {
    let kill = name == "kill";
    let mut opts = vec![
        flag(&["-a", "--all"], "Act on all running containers"),
        opt(&["-s", "--signal"], "<signal>", "Signal to send"),
    ];
    if !kill {
        opts.push(opt(&["-t", "--time"], "<time>", "Seconds to wait before killing the container(s)"));
    }
    let verb = if kill { "kill" } else { "stop" };
    let overview =
        if kill { "Kill or signal one or more running containers" } else { "Stop one or more running containers" };
    let c = Cmd::new(verb, overview, "[<options>] [<container-ids> ...]", opts);
    let p = or_return!(c.parse(args));
    if p.positionals.is_empty() && !p.has("--all") {
        return Out::error("no containers specified and --all not supplied");
    }
    let signal = p.value("--signal").unwrap_or(if kill { "KILL" } else { "" }).to_ascii_uppercase();
    let signal = signal.trim_start_matches("SIG").to_string();
    let stops = ["", "KILL", "9", "TERM", "15", "INT", "2", "RTMIN+3", "QUIT"].contains(&signal.as_str());
    let state = or_return!(s.state());
    let ids: Vec<String> = if p.has("--all") {
        state.containers.values().filter(|c| c.running()).map(|c| c.id.clone()).collect()
    } else {
        p.positionals.clone()
    };
    let (mut out, mut errors) = (Out::default(), Vec::new());
    for id in ids {
        let Some(c) = state.containers.get(&id) else {
            errors.push(not_found(verb, &id));
            continue;
        };
        if kill && !c.running() {
            errors.push(format!("internalError: \"failed to kill container\" (cause: \"invalidState: \"container {id} is not running\"\")"));
            continue;
        }
        if c.running() && stops {
            halt(state, &id);
        }
        out.stdout.push_str(&format!("{id}\n"));
    }
    aggregate(errors, out)
}

fn delete(s: &mut Session, args: &[String]) -> Out {
    let c = Cmd::new(
        "delete",
        "Delete one or more containers",
        "[<options>] [<container-ids> ...]",
        vec![
            flag(&["-a", "--all"], "Delete all containers"),
            flag(&["-f", "--force"], "Delete containers even if they are running"),
        ],
    );
    let p = or_return!(c.parse(args));
    if p.positionals.is_empty() && !p.has("--all") {
        return Out::error("no containers specified and --all not supplied");
    }
    let force = p.has("--force");
    let state = or_return!(s.state());
    let all = p.has("--all");
    let ids: Vec<String> = if all { state.containers.keys().cloned().collect() } else { p.positionals.clone() };
    let (mut out, mut errors) = (Out::default(), Vec::new());
    for id in ids {
        let Some(c) = state.containers.get(&id) else {
            errors.push(not_found("delete", &id));
            continue;
        };
        if c.running() {
            if all && !force {
                continue;
            }
            if !force {
                errors.push(format!("internalError: \"failed to delete container\" (cause: \"invalidState: \"container {id} is running and can not be deleted\"\")"));
                continue;
            }
            halt(state, &id);
        }
        state.containers.remove(&id);
        out.stdout.push_str(&format!("{id}\n"));
    }
    aggregate(errors, out)
}

fn logs(s: &mut Session, args: &[String]) -> Out {
    let c = Cmd::new(
        "logs",
        "Fetch container logs",
        "[<options>] <container-id>",
        vec![
            flag(&["--boot"], "Display the boot log for the container instead of stdio"),
            flag(&["-f", "--follow"], "Follow log output"),
            opt(&["-n"], "<n>", "Number of lines to show from the end of the logs"),
        ],
    );
    let p = or_return!(c.parse(args));
    let id = or_return!(c.first_positional(&p, "<container-id>"));
    let registry_log = std::fs::read_to_string(crate::registry::log_file(&s.cfg.state_dir, &id)).ok();
    let state = or_return!(s.state());
    let container = or_return!(find_container(state, &id));
    let registry_lines: Vec<String> = registry_log.iter().flat_map(|t| t.lines().map(str::to_string)).collect();
    let lines = if p.has("--boot") {
        &container.boot_log
    } else if registry_log.is_some() {
        &registry_lines
    } else {
        &container.log
    };
    let skip = p.value("-n").and_then(|n| n.parse::<usize>().ok()).map_or(0, |n| lines.len().saturating_sub(n));
    Out::lines(&lines[skip..])
}

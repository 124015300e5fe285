//! `systemctl`: the node's own daemons (containerd, kubelet, ...) and the units whose
//! files kina writes under /etc/systemd/system, with enablement (kept across restarts)
//! and activity (this boot; enabled units start at boot).

use super::Ctx;
use super::getopt;
use super::programs::{containerd_config_error, containerd_up};
use crate::out::Out;

const BUILTIN: &[&str] = &["containerd", "kubelet", "systemd-journald", "undo-mount-hacks", "dbus"];
const WANTS: &str = "/etc/systemd/system/multi-user.target.wants";

/// `kina-lb` / `kina-lb.service` → `kina-lb.service`.
fn unit_name(u: &str) -> String {
    if u.contains('.') { u.to_string() } else { format!("{u}.service") }
}

/// A unit file beyond the node's own daemons (whose files the image ships).
fn custom_file(ctx: &mut Ctx, unit: &str) -> bool {
    !BUILTIN.contains(&unit.trim_end_matches(".service"))
        && ctx.node().read(&format!("/etc/systemd/system/{unit}")).is_some()
}

/// Whether the node has this unit (without probing its state).
fn unit_exists(ctx: &mut Ctx, unit: &str) -> bool {
    let base = unit.trim_end_matches(".service");
    let node = ctx.node();
    BUILTIN.contains(&base)
        || ["/etc/systemd/system", "/lib/systemd/system", "/usr/lib/systemd/system"]
            .iter()
            .any(|d| node.read(&format!("{d}/{unit}")).is_some())
}

/// The state `systemctl is-active` prints for a unit, or `None` if there is no such unit.
fn unit_state(ctx: &mut Ctx, unit: &str) -> Option<&'static str> {
    match unit.trim_end_matches(".service") {
        "containerd" => Some(if containerd_up(ctx) { "active" } else { "activating" }),
        "kubelet" => {
            let node = ctx.node();
            Some(if node.kubelet_stopped {
                "inactive"
            } else if node.kubelet_server.is_some() {
                "active"
            } else {
                // No kubelet.conf yet: the kubelet exits and systemd restarts it.
                "activating"
            })
        }
        b if BUILTIN.contains(&b) => Some("active"),
        _ if custom_file(ctx, unit) => {
            Some(if ctx.node().units.get(unit).is_some_and(|u| u.active) { "active" } else { "inactive" })
        }
        _ => unit_exists(ctx, unit).then_some("active"),
    }
}

pub fn systemctl(ctx: &mut Ctx, args: &[String]) -> Out {
    let parsed = match getopt::parse("systemctl", &getopt::SYSTEMCTL, args) {
        Ok(parsed) => parsed,
        Err(why) => return Out::fail(1, why),
    };
    let quiet = parsed.has(Some('q'), "quiet");
    let now = parsed.has(None, "now");
    let rest: Vec<&str> = parsed.operands.iter().map(String::as_str).collect();
    let Some((cmd, units)) = rest.split_first() else { return Out::fail(1, "Unknown command verb.") };
    let units: Vec<String> = units.iter().map(|u| unit_name(u)).collect();
    let mut out = Out::default();
    match *cmd {
        "daemon-reload" => {}
        "is-active" => {
            for unit in &units {
                let state = unit_state(ctx, unit).unwrap_or("inactive");
                if !quiet {
                    out.stdout.push_str(&format!("{state}\n"));
                }
                if state != "active" {
                    out.code = 3;
                }
            }
        }
        "is-enabled" => {
            for unit in &units {
                let state = if BUILTIN.contains(&unit.trim_end_matches(".service")) {
                    "enabled"
                } else if custom_file(ctx, unit) || unit_exists(ctx, unit) {
                    if ctx.node().units.get(unit).is_some_and(|u| u.enabled) { "enabled" } else { "disabled" }
                } else {
                    out.stderr
                        .push_str(&format!("Failed to get unit file state for {unit}: No such file or directory\n"));
                    out.code = 1;
                    continue;
                };
                if !quiet {
                    out.stdout.push_str(&format!("{state}\n"));
                }
                if state != "enabled" {
                    out.code = 1;
                }
            }
        }
        "status" => {
            let unit = units.first().cloned().unwrap_or_default();
            let Some(state) = unit_state(ctx, &unit) else {
                return Out::fail(4, format!("Unit {unit} could not be found."));
            };
            let active = match state {
                "active" => "active (running)",
                "activating" => "activating (auto-restart) (Result: exit-code)",
                _ => "inactive (dead)",
            };
            let text = format!("● {unit}\n     Loaded: loaded\n     Active: {active}\n");
            return if state == "active" { Out::ok(text) } else { Out::ok(text).exit(3) };
        }
        "enable" | "disable" => {
            for unit in &units {
                if !unit_exists(ctx, unit) {
                    return Out::fail(1, format!("Failed to {cmd} unit: Unit file {unit} does not exist."));
                }
                let enable = *cmd == "enable";
                if custom_file(ctx, unit) {
                    let u = ctx.node().units.entry(unit.clone()).or_default();
                    if u.enabled != enable {
                        u.enabled = enable;
                        let link = format!("{WANTS}/{unit}");
                        out.stderr.push_str(&if enable {
                            format!("Created symlink '{link}' → '/etc/systemd/system/{unit}'.\n")
                        } else {
                            format!("Removed '{link}'.\n")
                        });
                    }
                }
                if now {
                    lifecycle(ctx, unit, enable);
                }
            }
        }
        "start" | "stop" | "restart" | "reload" | "try-restart" | "mask" | "unmask" => {
            for unit in &units {
                if !unit_exists(ctx, unit) {
                    let why = if *cmd == "stop" { "not loaded" } else { "not found" };
                    return Out::fail(5, format!("Failed to {cmd} {unit}: Unit {unit} {why}."));
                }
                if matches!(*cmd, "start" | "restart" | "try-restart")
                    && unit == "containerd.service"
                    && containerd_config_error(ctx.node()).is_some()
                {
                    // containerd is `Type=notify`: systemd reports the failed start.
                    return Out::fail(
                        1,
                        format!(
                            "Job for {unit} failed because the control process exited with error code.\nSee \"systemctl status {unit}\" and \"journalctl -xeu {unit}\" for details."
                        ),
                    );
                }
                match *cmd {
                    "start" | "restart" => lifecycle(ctx, unit, true),
                    "try-restart" if unit_state(ctx, unit) == Some("active") => lifecycle(ctx, unit, true),
                    "stop" => lifecycle(ctx, unit, false),
                    _ => {}
                }
            }
        }
        _ => return Out::fail(1, format!("Unknown command verb '{cmd}'.")),
    }
    out
}

/// Starts or stops a unit now.
fn lifecycle(ctx: &mut Ctx, unit: &str, start: bool) {
    if unit == "kubelet.service" {
        kubelet_lifecycle(ctx, start);
        return;
    }
    if !custom_file(ctx, unit) {
        return;
    }
    ctx.node().units.entry(unit.to_string()).or_default().active = start;
    if start && ctx.node().cluster.is_some() {
        // A controller's first turn happens as soon as it starts.
        let cp = ctx.id.clone();
        super::controllers::settle(ctx, &cp);
    }
}

/// `systemctl (re)start|stop kubelet`: a started kubelet reads kubelet.conf again.
fn kubelet_lifecycle(ctx: &mut Ctx, start: bool) {
    const UNIT: &str = "kubelet.service - kubelet: The Kubernetes Node Agent";
    let was_running = {
        let node = ctx.node();
        node.kubelet_server.is_some() && !node.kubelet_stopped
    };
    let mut lines = Vec::new();
    if was_running {
        lines.push(format!("         Stopping {UNIT}..."));
        lines.push(format!("[  OK  ] Stopped {UNIT}."));
    }
    let node = ctx.node();
    if start {
        node.start_kubelet();
        node.kubelet_restarts += 1;
        lines.push(format!("[  OK  ] Started {UNIT}."));
    } else {
        node.kubelet_stopped = true;
    }
    ctx.container().log.extend(lines);
}

/// A unit's name and its `ExecStart=` command lines.
pub type Oneshot = (String, Vec<Vec<String>>);

/// The enabled oneshot units kina wrote, with their `ExecStart=` lines and the
/// container's environment: what systemd runs at boot (read under the state lock).
pub fn oneshots_at_boot(
    state: &crate::store::State,
    id: &str,
) -> (std::collections::BTreeMap<String, String>, Vec<Oneshot>) {
    let Some(c) = state.containers.get(id) else { return Default::default() };
    let env = c.env.iter().filter_map(|kv| kv.split_once('=')).map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let oneshots = c
        .node
        .units
        .iter()
        .filter(|(_, u)| u.enabled)
        .filter_map(|(name, _)| {
            let text = c.node.files.get(&format!("/etc/systemd/system/{name}"))?;
            let oneshot = text.lines().any(|l| l.trim() == "Type=oneshot");
            let starts: Vec<Vec<String>> = text
                .lines()
                .filter_map(|l| l.trim().strip_prefix("ExecStart="))
                .map(|cmd| cmd.split_whitespace().map(str::to_string).collect())
                .collect();
            oneshot.then(|| (name.clone(), starts))
        })
        .collect();
    (env, oneshots)
}

/// systemd at boot, after the container started and with no state lock held: each
/// enabled oneshot unit runs its `ExecStart=` lines in order (the node's real shell,
/// the emulated tools), stopping at the first that fails, as systemd does; a failure
/// leaves the unit inactive with the reason in its journal.
pub fn run_oneshots_at_boot(
    cfg: &crate::config::Config,
    id: &str,
    env: &std::collections::BTreeMap<String, String>,
    oneshots: Vec<(String, Vec<Vec<String>>)>,
) {
    for (name, starts) in oneshots {
        for argv in starts {
            let out = super::root::run_real(cfg, id, env.clone(), None, &argv);
            if out.code != 0 {
                let Ok(mut locked) = crate::store::Locked::open(&cfg.state_dir) else { return };
                if let Some(c) = locked.state.containers.get_mut(id) {
                    let journal = c.node.journal.entry(name.clone()).or_default();
                    journal.extend(out.stderr.lines().map(str::to_string));
                    journal.push(format!("{name}: Main process exited, code=exited, status={}/FAILURE", out.code));
                    c.node.units.entry(name.clone()).or_default().active = false;
                }
                let _ = locked.save();
                break;
            }
        }
    }
}

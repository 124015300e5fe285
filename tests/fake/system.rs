//! `container system ...`: status, version, start, stop, dns list.

use crate::app::Session;
use crate::args::{Cmd, flag, opt, subcommand};
use crate::config::{ApiServer, COMMIT, Config};
use crate::out::{Out, or_return};
use crate::util::{cli_json, table};
use serde_json::json;

const INSTALL_ROOT: &str = "/usr/local/";

pub fn cmd(s: &mut Session, args: &[String]) -> Out {
    let (sub, rest) = subcommand(args);
    match sub {
        "status" => status(s, rest),
        "version" => version(s, rest),
        "start" => start(s, rest),
        "stop" => stop(s, rest),
        "kernel" => kernel(s, rest),
        "dns" if matches!(rest.first().map(String::as_str), Some("list" | "ls")) => dns_list(s, &rest[1..]),
        "" | "-h" | "--help" => Out::ok(
            "OVERVIEW: Manage the container system\n\nUSAGE: container system <subcommand>\n\n\
             SUBCOMMANDS:\n  start, stop, status, version, logs, df, dns, kernel, property\n",
        ),
        other => Out::error(format!("'system {other}' is not emulated by the fake container CLI")),
    }
}

fn status(s: &mut Session, args: &[String]) -> Out {
    let c = Cmd::new(
        "system status",
        "Show the status of the container services",
        "[<options>]",
        vec![
            opt(&["--format"], "<format>", "Format of the output (json, table)"),
            opt(&["-p", "--prefix"], "<prefix>", "Launchd prefix for services"),
        ],
    );
    let p = or_return!(c.parse(args));
    or_return!(s.refuse_injected());
    let state = or_return!(s.apiserver());
    let json_out = p.value("--format") == Some("json");
    let (word, line) = match state {
        ApiServer::Running => ("running", ""),
        ApiServer::Down => ("not running", "apiserver is not running"),
        ApiServer::Unregistered => ("unregistered", "apiserver is not running and not registered with launchd"),
    };
    let app_root = or_return!(app_root(s.cfg));
    if s.cfg.version.at_least(1, 4, 1) {
        return status_1_4(s, (state, word), json_out, line, app_root);
    }
    let server_version = s.cfg.version_line("container-apiserver");
    if json_out {
        let value = if state == ApiServer::Running {
            json!({"apiServerAppName": "container-apiserver", "apiServerBuild": "release", "apiServerCommit": COMMIT,
                   "apiServerVersion": server_version, "appRoot": app_root, "installRoot": INSTALL_ROOT, "status": word})
        } else {
            json!({"apiServerAppName": "", "apiServerBuild": "", "apiServerCommit": "", "apiServerVersion": "",
                   "appRoot": "", "installRoot": "", "status": word})
        };
        return Out::lines(&[cli_json(&value)]).exit(if state == ApiServer::Running { 0 } else { 1 });
    }
    if state != ApiServer::Running {
        return Out::lines(&[line]).exit(1);
    }
    let rows: Vec<Vec<String>> = [
        ("FIELD", "VALUE".to_string()),
        ("status", "running".to_string()),
        ("appRoot", app_root),
        ("installRoot", INSTALL_ROOT.to_string()),
        ("apiserver.version", server_version),
        ("apiserver.commit", COMMIT.to_string()),
        ("apiserver.build", "release".to_string()),
        ("apiserver.appName", "container-apiserver".to_string()),
    ]
    .into_iter()
    .map(|(a, b)| vec![a.to_string(), b])
    .collect();
    Out::ok(table(&rows))
}

/// 1.4.1 reshaped the status (https://github.com/apple/container/pull/1769): `client`,
/// `host`, `resources`, `server` (bare version) and `paths` objects while the server
/// runs, only `status` otherwise; the table's rows are named after the JSON paths.
fn status_1_4(
    s: &mut Session,
    (state, word): (ApiServer, &str),
    json_out: bool,
    down_line: &str,
    app_root: String,
) -> Out {
    if state != ApiServer::Running {
        let text = if json_out { cli_json(&json!({ "status": word })) } else { down_line.to_string() };
        return Out::lines(&[text]).exit(1);
    }
    let version = s.cfg.version_text.clone();
    let containers = match s.load() {
        Ok(st) => st.containers.values().map(|c| c.running()).collect::<Vec<_>>(),
        Err(out) => return out,
    };
    let images = s.load().map(|st| st.images.len()).unwrap_or(0);
    let value = json!({
        "status": "running",
        "client": {"appName": "container", "build": "release", "commit": COMMIT, "version": version},
        "host": {"architecture": "arm64", "cpus": 10, "operatingSystem": "Version 26.5.1 (Build 25F80)"},
        "resources": {"containersRunning": containers.iter().filter(|r| **r).count(),
                      "containersTotal": containers.len(), "images": images},
        "server": {"appName": "container-apiserver", "build": "release", "commit": COMMIT, "version": version},
        "paths": {"appRoot": app_root, "installRoot": INSTALL_ROOT},
    });
    if json_out {
        return Out::lines(&[cli_json(&value)]);
    }
    let rows: Vec<Vec<String>> = [
        ("FIELD", "VALUE".to_string()),
        ("status", "running".to_string()),
        ("paths.appRoot", app_root),
        ("paths.installRoot", INSTALL_ROOT.to_string()),
        ("server.version", version.clone()),
        ("server.commit", COMMIT.to_string()),
        ("server.build", "release".to_string()),
        ("server.appName", "container-apiserver".to_string()),
        ("client.version", version),
    ]
    .into_iter()
    .map(|(a, b)| vec![a.to_string(), b])
    .collect();
    Out::ok(table(&rows))
}

/// A real directory inside the fake's state dir, so `df` on it works. Made on first use
/// with the recommended kernel installed, unless `KINA_FAKE_NO_KERNEL` (a fresh 1.5.0).
pub fn app_root(cfg: &Config) -> Result<String, Out> {
    let dir = cfg.state_dir.join("app-root");
    if !dir.is_dir() {
        std::fs::create_dir_all(&dir).map_err(|e| Out::error(format!("cannot create {}: {e}", dir.display())))?;
        if !cfg.no_kernel {
            install_recommended_kernel(cfg)?;
        }
    }
    Ok(format!("{}/", dir.display()))
}

/// `<appRoot>/kernels/default.kernel-arm64`, the link `kernel set` points at the default kernel.
fn default_kernel(cfg: &Config) -> std::path::PathBuf {
    cfg.state_dir.join("app-root").join("kernels").join("default.kernel-arm64")
}

/// Whether `run` finds a default kernel (the API server's `getDefaultKernel`).
pub fn default_kernel_installed(cfg: &Config) -> Result<bool, Out> {
    app_root(cfg)?;
    Ok(default_kernel(cfg).exists())
}

fn install_recommended_kernel(cfg: &Config) -> Result<(), Out> {
    let link = default_kernel(cfg);
    let dir = link.parent().expect("kernels/");
    let binary = dir.join("vmlinux-6.18.35-197-debug");
    let fail = |e: std::io::Error| Out::error(format!("cannot install the fake kernel in {}: {e}", dir.display()));
    std::fs::create_dir_all(dir).map_err(fail)?;
    std::fs::write(&binary, "fake kernel\n").map_err(fail)?;
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(&binary, &link).map_err(fail)
}

/// `system kernel set --recommended [--force]`: the only form the fake emulates.
fn kernel(s: &mut Session, args: &[String]) -> Out {
    let (sub, rest) = subcommand(args);
    if sub != "set" {
        return Out::error(format!("'system kernel {sub}' is not emulated by the fake container CLI"));
    }
    let c = Cmd::new(
        "system kernel set",
        "Set the default kernel",
        "[<options>]",
        vec![
            opt(&["--arch"], "<arch>", "The architecture of the kernel binary (values: amd64, arm64)"),
            opt(&["--binary"], "<binary>", "Path to the kernel file (or archive member, if used with --tar)"),
            flag(&["--force"], "Overwrites an existing kernel with the same name"),
            flag(&["--recommended"], "Download and install the recommended kernel as the default"),
            opt(&["--tar"], "<tar>", "Filesystem path or remote URL to a tar archive containing a kernel file"),
            opt(&["--digest"], "<digest>", "Expected digest for the tar archive"),
        ],
    );
    let p = or_return!(c.parse(rest));
    or_return!(s.refuse_injected());
    if !p.has("--recommended") {
        return Out::error("the fake container CLI only emulates `system kernel set --recommended`");
    }
    if or_return!(s.apiserver()) != ApiServer::Running {
        return crate::app::xpc_error(false);
    }
    or_return!(app_root(s.cfg));
    or_return!(install_recommended_kernel(s.cfg));
    Out::default()
}

/// `system dns list [-q] [--format json]`: the domains in `KINA_FAKE_DNS_DOMAINS`.
/// Like the real one it reads `/etc/resolver`, so it works while the API server is down.
fn dns_list(s: &mut Session, args: &[String]) -> Out {
    let c = Cmd::new(
        "system dns list",
        "List local DNS domains",
        "[<options>]",
        vec![
            opt(&["--format"], "<format>", "Format of the output (json, table)"),
            flag(&["-q", "--quiet"], "Only output the domain"),
        ],
    );
    let p = or_return!(c.parse(args));
    or_return!(s.refuse_injected());
    let domains = &s.cfg.dns_domains;
    if p.value("--format") == Some("json") {
        return Out::lines(&[cli_json(&json!(domains))]);
    }
    if p.has("--quiet") {
        return Out::lines(domains);
    }
    let mut rows = vec![vec!["DOMAIN".to_string()]];
    rows.extend(domains.iter().map(|d| vec![d.clone()]));
    Out::ok(table(&rows))
}

fn version(s: &mut Session, args: &[String]) -> Out {
    let c = Cmd::new(
        "system version",
        "Show version information",
        "[<options>]",
        vec![opt(&["--format"], "<format>", "Format of the output (json, table)")],
    );
    let p = or_return!(c.parse(args));
    or_return!(s.refuse_injected());
    let up = matches!(s.apiserver(), Ok(ApiServer::Running));
    let mut entries =
        vec![json!({"appName": "container", "buildType": "release", "commit": COMMIT, "version": s.cfg.version_text})];
    if up {
        // From 1.4.1 the server reports its bare version, like the client (apple/container#1769).
        let server = if s.cfg.version.at_least(1, 4, 1) {
            s.cfg.version_text.clone()
        } else {
            s.cfg.version_line("container-apiserver")
        };
        entries.push(json!({"appName": "container-apiserver", "buildType": "release", "commit": COMMIT,
                            "version": server}));
    }
    if p.value("--format") == Some("json") {
        return Out::lines(&[cli_json(&json!(entries))]);
    }
    let mut rows = vec![vec!["COMPONENT".to_string(), "VERSION".into(), "BUILD".into(), "COMMIT".into()]];
    for e in &entries {
        rows.push(vec![
            e["appName"].as_str().unwrap().to_string(),
            s.cfg.version_text.clone(),
            "release".into(),
            COMMIT.into(),
        ]);
    }
    Out::ok(table(&rows))
}

fn start(s: &mut Session, args: &[String]) -> Out {
    let c = Cmd::new(
        "system start",
        "Start the container services",
        "[<options>]",
        vec![
            opt(&["-a", "--app-root"], "<path>", "Path to the root directory for application data"),
            opt(&["--install-root"], "<path>", "Path to the root directory for application executables and plugins"),
            opt(&["--log-root"], "<path>", "Path to the root directory for logs"),
            flag(&["--enable-kernel-install"], "Install the recommended default kernel"),
            flag(&["--disable-kernel-install"], "Skip installing the recommended default kernel"),
            opt(&["--timeout"], "<secs>", "Seconds to wait for the services to start"),
        ],
    );
    or_return!(c.parse(args));
    or_return!(s.refuse_injected());
    let state = or_return!(s.load());
    let was_stopped = state.system.as_deref() == Some("stopped");
    state.system = Some("running".into());
    // apple/container#2051: after a restart the default network and a custom one
    // can come back with each other's subnets.
    if was_stopped && let Some(other) = std::env::var("KINA_FAKE_SUBNET_SWAP").ok().filter(|n| !n.is_empty()) {
        state.network_mut("default");
        if let (Some(default), Some(custom)) = (state.networks.get("default"), state.networks.get(&other)) {
            let (subnet, free) = (default.subnet.clone(), default.free.clone());
            let (custom_subnet, custom_free) = (custom.subnet.clone(), custom.free.clone());
            let default = state.networks.get_mut("default").unwrap();
            (default.subnet, default.free) = (custom_subnet, custom_free);
            let custom = state.networks.get_mut(&other).unwrap();
            (custom.subnet, custom.free) = (subnet, free);
        }
    }
    Out::lines(&["Verifying apiserver is running..."])
}

fn stop(s: &mut Session, args: &[String]) -> Out {
    let c = Cmd::new(
        "system stop",
        "Stop all container services",
        "[<options>]",
        vec![opt(&["-p", "--prefix"], "<prefix>", "Launchd prefix for services")],
    );
    or_return!(c.parse(args));
    or_return!(s.refuse_injected());
    let state = or_return!(s.load());
    let running: Vec<String> = state.containers.values().filter(|c| c.running()).map(|c| c.id.clone()).collect();
    let mut lines = Vec::new();
    for id in running {
        crate::lifecycle::halt(state, &id);
        lines.push(format!("stopping container {id}"));
    }
    state.system = Some("stopped".into());
    lines.push("stopping the apiserver".into());
    Out::lines(&lines)
}

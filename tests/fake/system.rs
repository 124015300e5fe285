//! `container system ...`: status, version, start, stop, dns list.

use crate::app::Session;
use crate::args::{Cmd, flag, opt, subcommand};
use crate::config::{ApiServer, COMMIT};
use crate::out::{Out, or_return};
use crate::util::{compact_json, table};
use serde_json::json;

const INSTALL_ROOT: &str = "/usr/local/";

pub fn cmd(s: &mut Session, args: &[String]) -> Out {
    let (sub, rest) = subcommand(args);
    match sub {
        "status" => status(s, rest),
        "version" => version(s, rest),
        "start" => start(s, rest),
        "stop" => stop(s, rest),
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
    let server_version = s.cfg.version_line("container-apiserver");
    let app_root = or_return!(app_root(s));
    if json_out {
        let value = if state == ApiServer::Running {
            json!({"apiServerAppName": "container-apiserver", "apiServerBuild": "release", "apiServerCommit": COMMIT,
                   "apiServerVersion": server_version, "appRoot": app_root, "installRoot": INSTALL_ROOT, "status": word})
        } else {
            json!({"apiServerAppName": "", "apiServerBuild": "", "apiServerCommit": "", "apiServerVersion": "",
                   "appRoot": "", "installRoot": "", "status": word})
        };
        return Out::lines(&[compact_json(&value)]).exit(if state == ApiServer::Running { 0 } else { 1 });
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

/// A real directory inside the fake's state dir, so `df` on it works.
fn app_root(s: &Session) -> Result<String, Out> {
    let dir = s.cfg.state_dir.join("app-root");
    std::fs::create_dir_all(&dir).map_err(|e| Out::error(format!("cannot create {}: {e}", dir.display())))?;
    Ok(format!("{}/", dir.display()))
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
        return Out::lines(&[compact_json(&json!(domains))]);
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
        entries.push(json!({"appName": "container-apiserver", "buildType": "release", "commit": COMMIT,
                            "version": s.cfg.version_line("container-apiserver")}));
    }
    if p.value("--format") == Some("json") {
        return Out::lines(&[compact_json(&json!(entries))]);
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
    or_return!(s.load()).system = Some("running".into());
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

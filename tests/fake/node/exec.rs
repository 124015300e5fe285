//! `container exec`: checks the target, then runs the emulated in-node program.

use super::{Ctx, program_name};
use crate::app::Session;
use crate::args::{Cmd, flag, opt};
use crate::lifecycle::find_container;
use crate::out::{Out, or_return};
use std::collections::BTreeMap;
use std::io::Read;

fn exec_cmd() -> Cmd {
    Cmd::new(
        "exec",
        "Run a new command in a running container",
        "[<options>] <container-id> <arguments> ...",
        vec![
            flag(&["-d", "--detach"], "Run the process and detach from it"),
            opt(&["-e", "--env"], "<env>", "Set environment variables (format: key=value)"),
            opt(&["--env-file"], "<env-file>", "Read in a file of environment variables"),
            opt(&["--gid"], "<gid>", "Set the group ID for the process"),
            flag(&["-i", "--interactive"], "Keep the standard input open even if not attached"),
            flag(&["-t", "--tty"], "Open a TTY with the process"),
            opt(&["-u", "--user"], "<user>", "Set the user for the process"),
            opt(&["--uid"], "<uid>", "Set the user ID for the process"),
            opt(&["-w", "--workdir", "--cwd"], "<dir>", "Set the initial working directory"),
        ],
    )
    .passthrough(1)
}

/// What a `KINA_FAKE_FAIL`-matched in-node command prints (exit 1).
pub fn injected(argv: &[String], pattern: &str) -> Out {
    let why = format!("injected failure (KINA_FAKE_FAIL matched {pattern:?})");
    let prog = program_name(&argv[0]);
    let text = match prog {
        "kubeadm" => {
            let phase = match argv.get(1).map(String::as_str) {
                Some("join") => "kubelet-start",
                Some("init") => "wait-control-plane",
                _ => "preflight",
            };
            format!(
                "error execution phase {phase}: {why}\nTo see the stack trace of this error execute with --v=5 or higher"
            )
        }
        "kubectl" => format!("error: {why}"),
        "sh" | "bash" => format!("{prog}: 1: {why}"),
        _ => format!("{prog}: {why}"),
    };
    Out::fail(1, text)
}

pub fn cmd(s: &mut Session, args: &[String]) -> Out {
    let c = exec_cmd();
    let p = or_return!(c.parse(args));
    let id = or_return!(c.first_positional(&p, "<container-id>"));
    if p.rest.is_empty() {
        return c.usage_error("Missing expected argument '<arguments> ...'");
    }
    let stdin = p.has("--interactive").then(|| {
        let mut buf = Vec::new();
        let _ = std::io::stdin().read_to_end(&mut buf);
        buf
    });
    if let Some(pattern) = s.injected() {
        return injected(&p.rest, pattern);
    }
    let cfg = s.cfg;
    let state = or_return!(s.state());
    let env = or_return!(process_env(state, &id, &p.values("--env")));
    // The program runs with no lock held: other calls go on meanwhile, as on a Mac.
    or_return!(s.release());
    if let Err(e) = crate::handshake::arrive(&cfg.state_dir, &cfg.barriers, &s.args.join(" ")) {
        return Out::error(e);
    }
    let out = if super::root::is_real(program_name(&p.rest[0])) {
        super::root::run_real(cfg, &id, env, stdin, &p.rest)
    } else {
        // An emulated tool is one update of the state, under the lock.
        let state = or_return!(s.load());
        or_return!(process_env(state, &id, &[]));
        let mut ctx = Ctx { state, cfg, id: id.clone(), env, stdin };
        super::run(&mut ctx, &p.rest, false)
    };
    // The kubelet starts a registry static pod written by this call (registry.rs);
    // under the lock, so two calls never start it twice.
    let state = or_return!(s.load());
    if let Some(c) = state.containers.get(&id) {
        crate::registry::start_static_pod(&cfg.state_dir, c);
    }
    if p.has("--detach") { Out::default() } else { out }
}

/// The environment of a process in the running container `id`: its init process's,
/// then the `--env` values.
fn process_env(state: &crate::store::State, id: &str, extra: &[&str]) -> Result<BTreeMap<String, String>, Out> {
    let container = find_container(state, id)?;
    if !container.running() {
        return Err(Out::error(format!("container {id} is not running")));
    }
    let extra: Vec<String> = extra
        .iter()
        .map(|e| if e.contains('=') { e.to_string() } else { format!("{e}={}", std::env::var(e).unwrap_or_default()) })
        .collect();
    let mut env = BTreeMap::new();
    for kv in container.env.iter().chain(extra.iter()) {
        if let Some((k, v)) = kv.split_once('=') {
            env.insert(k.to_string(), v.to_string());
        }
    }
    Ok(env)
}

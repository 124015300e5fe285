//! Top-level dispatch, the per-invocation session (lock, injected failures, API server state).

use crate::config::{ApiServer, Config};
use crate::out::Out;
use crate::store::{Locked, State};

pub struct Session<'a> {
    pub cfg: &'a Config,
    pub args: &'a [String],
    locked: Option<Locked>,
}

const XPC: &str = "interrupted: \"XPC connection error: Connection invalid\"";
const HINT: &str = "Ensure container system service has been started with `container system start`.";

/// The error every command prints while the API server is not running.
pub fn xpc_error(list: bool) -> Out {
    let first =
        if list { format!("internalError: \"failed to list containers\" (cause: \"{XPC}\")") } else { XPC.to_string() };
    Out::fail(1, format!("Error: {first}\n{HINT}"))
}

impl<'a> Session<'a> {
    /// The `KINA_FAKE_FAIL` pattern this invocation matches, if any.
    pub fn injected(&self) -> Option<&'a str> {
        Config::matching(&self.cfg.fail, &self.args.join(" "))
    }

    /// The CLI's error for an invocation that `KINA_FAKE_FAIL` matches.
    pub fn refuse_injected(&self) -> Result<(), Out> {
        match self.injected() {
            Some(pattern) => Err(Out::error(format!("injected failure: {pattern}"))),
            None => Ok(()),
        }
    }

    /// The state under lock, without any check (for `system` commands).
    pub fn load(&mut self) -> Result<&mut State, Out> {
        if self.locked.is_none() {
            self.locked = Some(Locked::open(&self.cfg.state_dir).map_err(Out::error)?);
        }
        Ok(&mut self.locked.as_mut().unwrap().state)
    }

    /// Saves the state and gives up the lock, for a call that goes on to wait or run
    /// a program; a later [`Session::load`] takes the lock again and reads the state
    /// afresh (other calls may have changed it meanwhile).
    pub fn release(&mut self) -> Result<(), Out> {
        if let Some(locked) = self.locked.take() {
            locked.save().map_err(|e| Out::error(format!("cannot save fake state: {e}")))?;
        }
        Ok(())
    }

    /// Whether the API server answers, after `system start`/`stop` overrides.
    pub fn apiserver(&mut self) -> Result<ApiServer, Out> {
        let env = self.cfg.apiserver;
        let state = self.load()?;
        Ok(match state.system.as_deref() {
            Some("running") => ApiServer::Running,
            Some(_) => ApiServer::Down,
            None => env,
        })
    }

    /// The state for a command that talks to the API server: injected failures and a
    /// down server are reported here, before anything changes.
    pub fn state(&mut self) -> Result<&mut State, Out> {
        self.checked(false)
    }

    /// Like [`Session::state`] with `list`'s wording of the XPC error.
    pub fn state_for_list(&mut self) -> Result<&mut State, Out> {
        self.checked(true)
    }

    fn checked(&mut self, list: bool) -> Result<&mut State, Out> {
        self.refuse_injected()?;
        if self.apiserver()? != ApiServer::Running {
            return Err(xpc_error(list));
        }
        self.load()
    }
}

pub fn run(cfg: &Config, args: &[String]) -> Out {
    let mut session = Session { cfg, args, locked: None };
    let out = dispatch(&mut session);
    if let Some(locked) = &session.locked
        && let Err(e) = locked.save()
    {
        return Out::error(format!("cannot save fake state: {e}"));
    }
    out
}

fn dispatch(s: &mut Session) -> Out {
    let mut args: Vec<String> = s.args.to_vec();
    while args.first().is_some_and(|a| a == "--debug") {
        args.remove(0);
    }
    let Some(first) = args.first().cloned() else { return top_help() };
    let rest = &args[1..];
    match first.as_str() {
        "--help" | "-h" | "help" => top_help(),
        "--version" => Out::lines(&[s.cfg.version_line("container CLI")]),
        "system" | "s" => crate::system::cmd(s, rest),
        "run" => crate::runcmd::cmd(s, rest, false),
        "create" => crate::runcmd::cmd(s, rest, true),
        "start" | "stop" | "kill" | "delete" | "rm" | "logs" => crate::lifecycle::cmd(s, &first, rest),
        "list" | "ls" => crate::listing::list(s, rest),
        "inspect" => crate::listing::inspect(s, rest),
        "exec" => crate::node::exec::cmd(s, rest),
        "image" | "i" => crate::images::cmd(s, rest),
        "volume" | "v" => crate::resources::volume(s, rest),
        "network" | "n" if s.cfg.macos >= 26 && s.cfg.version.at_least(0, 2, 0) => crate::resources::network(s, rest),
        "build" => crate::build::build(s, rest),
        "builder" => crate::build::builder(s, rest),
        "registry" | "r" | "stats" | "prune" | "copy" | "cp" | "export" | "machine" | "m" => {
            Out::error(format!("'{first}' is not emulated by the fake container CLI"))
        }
        other if other.starts_with('-') => Out::fail(
            64,
            format!(
                "Error: Unknown option '{other}'\nUsage: container <subcommand>\n  See 'container --help' for more information."
            ),
        ),
        other => Out::error(format!("Plugin 'container-{other}' not found")),
    }
}

fn top_help() -> Out {
    Out::ok(
        "OVERVIEW: A container platform for macOS (fake for kina's tests)\n\n\
         USAGE: container [--debug] <subcommand>\n\n\
         OPTIONS:\n  --debug                 Enable debug output\n  --version               Show the version.\n  -h, --help              Show help information.\n\n\
         CONTAINER SUBCOMMANDS:\n  create, delete, exec, inspect, kill, list, logs, run, start, stop\n\n\
         IMAGE SUBCOMMANDS:\n  image\n\n\
         OTHER SUBCOMMANDS:\n  network, system, volume\n",
    )
}

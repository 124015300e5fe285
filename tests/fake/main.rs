//! A stateful fake of Apple's `container` CLI (1.x behaviour) for kina's tests and
//! benchmarks on Linux. The `KINA_FAKE_*` environment variables are its contract;
//! see `config.rs` and the integration tests in `tests/it/fake_container.rs`.

mod app;
mod archive;
mod args;
mod build;
mod catalogue;
mod config;
mod flags;
mod handshake;
mod images;
mod lifecycle;
mod listing;
mod node;
mod oci;
mod out;
mod ports;
mod push;
mod registry;
mod resources;
mod runcmd;
mod sha256;
mod spec;
mod spec_parse;
mod store;
mod system;
mod tar;
mod util;

use std::io::Write;
use std::time::{Duration, Instant};

fn main() {
    let started = Instant::now();
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().is_some_and(|a| a == node::root::ENTER) {
        std::process::exit(node::root::enter(&args[1..]));
    }
    let cfg = config::Config::from_env();
    if args.first().is_some_and(|a| a == node::dns::COMMAND) {
        // Read under the state lock, and never saved: answering changes nothing.
        let (code, ips) = match store::Locked::open(&cfg.state_dir) {
            Ok(locked) => node::dns::command(&locked.state, &args[1..]),
            Err(e) => (e, Vec::new()),
        };
        println!("{code}");
        for ip in ips {
            println!("{ip}");
        }
        std::process::exit(0);
    }
    util::set_cli_version(cfg.version);
    let argv0 = std::env::args().next().unwrap_or_default();
    let called_as = node::program_name(&argv0).to_string();
    if called_as != "container" && std::env::var_os(node::root::NODE_VAR).is_some() {
        // An emulated tool called from a node's script.
        let out = node::root::tool(&cfg, &called_as, &args);
        finish(&out);
        std::process::exit(out.code);
    }
    if cfg.latency_ms > 0 {
        std::thread::sleep(Duration::from_millis(cfg.latency_ms));
    }
    let joined = args.join(" ");
    if config::Config::matching(&cfg.hang, &joined).is_some() {
        handshake::hang(&cfg.state_dir, &joined);
    }
    // An `exec` meets its barrier later, once it holds no lock and its program is
    // about to run (node/exec.rs): a barrier of execs proves their programs overlap.
    let is_exec = args.iter().find(|a| *a != "--debug").is_some_and(|a| a == "exec");
    let arrived = if is_exec { Ok(()) } else { handshake::arrive(&cfg.state_dir, &cfg.barriers, &joined) };
    let mut out = match arrived {
        Ok(()) => app::run(&cfg, &args),
        Err(e) => out::Out::error(e),
    };
    if config::Config::matching(&cfg.silent, &joined).is_some() {
        // The call did its work but printed nothing (a CLI cut short, a broken pipe).
        out.stdout.clear();
    }
    finish(&out);
    if let Some(path) = &cfg.log {
        log_invocation(path, &args, started);
    }
    std::process::exit(out.code);
}

fn finish(out: &out::Out) {
    {
        let mut stdout = std::io::stdout().lock();
        let _ = stdout.write_all(out.stdout.as_bytes());
        let _ = stdout.flush();
    }
    let _ = std::io::stderr().write_all(out.stderr.as_bytes());
}

/// Appends `<quoted argv>\t<micros>\n` in a single O_APPEND write.
fn log_invocation(path: &std::path::Path, args: &[String], started: Instant) {
    let quoted: Vec<String> = args.iter().map(|a| shell_words::quote(a).into_owned()).collect();
    // One line per call: newlines inside arguments (sh -c scripts) are written as `\n`.
    let line = format!("{}\t{}\n", quoted.join(" ").replace('\n', "\\n"), started.elapsed().as_micros());
    if let Ok(mut f) = std::fs::OpenOptions::new().create(true).append(true).open(path) {
        let _ = f.write_all(line.as_bytes());
    }
}

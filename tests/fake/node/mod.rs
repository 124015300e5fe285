//! The emulated kindest/node: an in-memory filesystem plus the handful of programs
//! kina runs through `container exec`.

pub mod boot;
pub mod controllers;
pub mod coredns;
pub mod ctr;
pub mod ctr_import;
pub mod diag;
pub mod dial;
pub mod dns;
pub mod endpoints;
pub mod envoy;
pub mod exec;
pub mod file_tools;
pub mod files;
pub mod getopt;
pub mod image_files;
pub mod ingress_status;
pub mod jsonpath;
pub mod kina_lb;
pub mod kina_lb_names;
pub mod kinds;
pub mod kubeadm;
pub mod kubeadm_config;
pub mod kubeadm_join;
pub mod kubeadm_ops;
pub mod kubeadm_validate;
pub mod kubectl;
pub mod kubectl_apply;
pub mod kubectl_delete;
pub mod kubectl_edit;
pub mod kubectl_flags;
pub mod kubectl_get;
pub mod kubectl_misc;
pub mod kubectl_rollout;
pub mod kubectl_wait;
pub mod manifests;
pub mod model;
pub mod netprog;
pub mod objects;
pub mod pki;
pub mod programs;
pub mod registry_pull;
pub mod render;
pub mod root;
pub mod test_expr;
pub mod tool_options;
pub mod units;
pub mod urfave;
pub mod workloads;

use crate::config::Config;
use crate::out::Out;
use crate::store::{Container, State};
use model::Node;
use std::collections::BTreeMap;

/// One in-node process: which container, its environment and (if `-i`) its stdin.
pub struct Ctx<'a> {
    pub state: &'a mut State,
    pub cfg: &'a Config,
    pub id: String,
    pub env: BTreeMap<String, String>,
    /// Consumed by the first reader, like a real pipe; bytes, as an image archive is.
    pub stdin: Option<Vec<u8>>,
}

impl Ctx<'_> {
    pub fn container(&mut self) -> &mut Container {
        self.state.containers.get_mut(&self.id).expect("exec target exists")
    }

    pub fn node(&mut self) -> &mut Node {
        &mut self.container().node
    }

    pub fn take_stdin(&mut self) -> String {
        String::from_utf8_lossy(&self.take_stdin_bytes()).into_owned()
    }

    pub fn take_stdin_bytes(&mut self) -> Vec<u8> {
        self.stdin.take().unwrap_or_default()
    }

    /// One line of stdin (an answer to a prompt), leaving the rest; `None` at its end.
    pub fn read_stdin_line(&mut self) -> Option<String> {
        let bytes = self.stdin.as_mut().filter(|b| !b.is_empty())?;
        let end = bytes.iter().position(|b| *b == b'\n').map_or(bytes.len(), |i| i + 1);
        let line: Vec<u8> = bytes.drain(..end).collect();
        Some(String::from_utf8_lossy(&line).trim_end_matches('\n').to_string())
    }
}

/// `/usr/bin/kubeadm` → `kubeadm`.
pub fn program_name(arg: &str) -> &str {
    arg.rsplit('/').next().unwrap_or(arg)
}

/// Runs one in-node program; `in_shell` changes the not-found message to the shell's.
pub fn run(ctx: &mut Ctx, argv: &[String], in_shell: bool) -> Out {
    let Some(first) = argv.first() else { return Out::default() };
    let args = &argv[1..];
    match program_name(first) {
        // Real programs run from `container exec` (exec.rs), never inside an update of the state.
        real if root::is_real(real) => Out::fail(126, format!("fake container: {real} cannot run here")),
        "kubeadm" => kubeadm::program(ctx, args),
        "kubectl" => kubectl::program(ctx, args),
        "sysctl" => netprog::sysctl(ctx, args),
        "ethtool" => netprog::ethtool(ctx, args),
        "iptables" | "iptables-nft" | "iptables-legacy" | "ip6tables" | "ip6tables-nft" => {
            netprog::iptables(ctx, program_name(first), args)
        }
        "ip" => netprog::ip(ctx, args),
        "systemctl" => units::systemctl(ctx, args),
        "journalctl" => diag::journalctl(ctx, args),
        "crictl" => diag::crictl(ctx, args),
        "ctr" => ctr::program(ctx, args),
        "find" => diag::find(ctx, args),
        "kina-lb" => match kina_lb::locate(ctx, first) {
            Some(path) => kina_lb::program(ctx, &path, args),
            None => not_found(first, in_shell),
        },
        _ => match programs::run(ctx, first, args) {
            Some(out) => out,
            None => not_found(first, in_shell),
        },
    }
}

fn not_found(first: &str, in_shell: bool) -> Out {
    match () {
        _ if in_shell => Out::fail(127, format!("sh: 1: {first}: not found")),
        _ => Out::fail(
            127,
            format!("Error: failed to start process: exec: \"{first}\": executable file not found in $PATH"),
        ),
    }
}

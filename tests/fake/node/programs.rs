//! Simple in-node programs: file utilities, `test`, `echo`, `systemctl`, ...

use super::Ctx;
use super::files::{WriteError, basename, norm};
use crate::out::{Out, or_return};

/// Runs a simple program, or `None` if the node has no such executable.
pub fn run(ctx: &mut Ctx, name: &str, args: &[String]) -> Option<Out> {
    Some(match name {
        "true" | ":" => Out::default(),
        "false" => Out::fail(1, ""),
        "echo" => echo(args),
        "sleep" => Out::default(),
        "hostname" => Out::lines(&[ctx.container().hostname.clone()]),
        "cat" => cat(ctx, args),
        "cp" => cp(ctx, args),
        "mv" => mv(ctx, args),
        "tee" => tee(ctx, args),
        "mkdir" => mkdir(ctx, args),
        "rm" => rm(ctx, args),
        "ls" => ls(ctx, args),
        "chmod" | "chown" => chmod(ctx, name, args),
        "test" | "[" => test(ctx, args),
        "pgrep" => pgrep(ctx, args),
        "nproc" => Out::lines(&[ctx.container().config["resources"]["cpus"].to_string()]),
        "uname" => Out::lines(&[if args.iter().any(|a| a == "-r") { ctx.cfg.kernel.as_str() } else { "Linux" }]),
        _ => return None,
    })
}

fn echo(args: &[String]) -> Out {
    let (newline, words) = match args.first().map(String::as_str) {
        Some("-n") => (false, &args[1..]),
        _ => (true, args),
    };
    let mut text = words.join(" ");
    if newline {
        text.push('\n');
    }
    Out::ok(text)
}

pub(super) fn operands(args: &[String]) -> (Vec<&str>, Vec<&str>) {
    let mut flags = Vec::new();
    let mut paths = Vec::new();
    let mut done = false;
    for a in args {
        if !done && a == "--" {
            done = true;
        } else if !done && a.len() > 1 && a.starts_with('-') {
            flags.push(a.as_str());
        } else {
            paths.push(a.as_str());
        }
    }
    (flags, paths)
}

pub(super) fn has_flag(flags: &[&str], c: char, long: &str) -> bool {
    flags.iter().any(|f| *f == long || (!f.starts_with("--") && f.contains(c)))
}

fn cat(ctx: &mut Ctx, args: &[String]) -> Out {
    let (_, paths) = operands(args);
    if paths.is_empty() || paths == ["-"] {
        return Out::ok(ctx.take_stdin());
    }
    let mut out = Out::default();
    for p in paths {
        let node = ctx.node();
        if node.is_dir(p) {
            out.stderr.push_str(&format!("cat: {p}: Is a directory\n"));
            out.code = 1;
        } else if let Some(text) = node.read(p) {
            out.stdout.push_str(text);
        } else if p == "/dev/stdin" || p == "-" {
            let text = ctx.take_stdin();
            out.stdout.push_str(&text);
        } else {
            out.stderr.push_str(&format!("cat: {p}: No such file or directory\n"));
            out.code = 1;
        }
    }
    out
}

/// Resolves a copy destination: into the directory if `dst` is one.
fn target(ctx: &mut Ctx, src: &str, dst: &str) -> String {
    if ctx.node().is_dir(dst) { format!("{}/{}", norm(dst), basename(src)) } else { norm(dst) }
}

fn write_err(prog: &str, dst: &str, e: WriteError) -> Out {
    match e {
        WriteError::NoParent => {
            Out::fail(1, format!("{prog}: cannot create regular file '{dst}': No such file or directory"))
        }
        WriteError::IsDir => Out::fail(1, format!("{prog}: cannot overwrite directory '{dst}' with non-directory")),
    }
}

fn source(ctx: &mut Ctx, prog: &str, src: &str) -> Result<String, Out> {
    if src == "/dev/stdin" || src == "-" {
        return Ok(ctx.take_stdin());
    }
    if src == "/dev/null" {
        return Ok(String::new());
    }
    let node = ctx.node();
    match node.read(src) {
        Some(text) => Ok(text.clone()),
        None if node.is_dir(src) => Err(Out::fail(1, format!("{prog}: -r not specified; omitting directory '{src}'"))),
        None => Err(Out::fail(1, format!("{prog}: cannot stat '{src}': No such file or directory"))),
    }
}

fn cp(ctx: &mut Ctx, args: &[String]) -> Out {
    let (_, paths) = operands(args);
    let [src, dst] = paths.as_slice() else {
        return Out::fail(1, "cp: missing destination file operand\nTry 'cp --help' for more information.");
    };
    let content = or_return!(source(ctx, "cp", src));
    let to = target(ctx, src, dst);
    match ctx.node().write(&to, &content, false) {
        Ok(()) => Out::default(),
        Err(e) => write_err("cp", dst, e),
    }
}

fn mv(ctx: &mut Ctx, args: &[String]) -> Out {
    let (_, paths) = operands(args);
    let [src, dst] = paths.as_slice() else {
        return Out::fail(1, "mv: missing destination file operand");
    };
    let Some(content) = ctx.node().read(src).cloned() else {
        return Out::fail(1, format!("mv: cannot stat '{src}': No such file or directory"));
    };
    let to = target(ctx, src, dst);
    match ctx.node().write(&to, &content, false) {
        Ok(()) => {
            let _ = ctx.node().remove(src, false);
            Out::default()
        }
        Err(e) => write_err("mv", dst, e),
    }
}

fn tee(ctx: &mut Ctx, args: &[String]) -> Out {
    let (flags, paths) = operands(args);
    let append = has_flag(&flags, 'a', "--append");
    let text = ctx.take_stdin();
    let mut out = Out::ok(text.clone());
    for p in paths {
        if let Err(e) = ctx.node().write(p, &text, append) {
            let err = write_err("tee", p, e);
            out.stderr.push_str(&err.stderr.replace("cannot create regular file", "cannot open"));
            out.code = 1;
        }
    }
    out
}

fn mkdir(ctx: &mut Ctx, args: &[String]) -> Out {
    let (flags, paths) = operands(args);
    let parents = has_flag(&flags, 'p', "--parents");
    let mut out = Out::default();
    for p in paths.into_iter().filter(|p| !p.starts_with("-m") && p.parse::<u32>().is_err()) {
        let node = ctx.node();
        let exists = node.exists(p);
        let ok = if parents {
            node.mkdir_all(p)
        } else if exists {
            out.stderr.push_str(&format!("mkdir: cannot create directory '{p}': File exists\n"));
            false
        } else if !node.is_dir(&super::files::parent(&norm(p))) {
            out.stderr.push_str(&format!("mkdir: cannot create directory '{p}': No such file or directory\n"));
            false
        } else {
            node.mkdir_all(p)
        };
        if !ok {
            if parents {
                out.stderr.push_str(&format!("mkdir: cannot create directory '{p}': Not a directory\n"));
            }
            out.code = 1;
        }
    }
    out
}

fn rm(ctx: &mut Ctx, args: &[String]) -> Out {
    let (flags, paths) = operands(args);
    let force = has_flag(&flags, 'f', "--force");
    let recursive = has_flag(&flags, 'r', "--recursive") || has_flag(&flags, 'R', "--recursive");
    let mut out = Out::default();
    for p in paths {
        match ctx.node().remove(p, recursive) {
            Ok(()) => {}
            Err("No such file or directory") if force => {}
            Err(why) => {
                out.stderr.push_str(&format!("rm: cannot remove '{p}': {why}\n"));
                out.code = 1;
            }
        }
    }
    out
}

fn ls(ctx: &mut Ctx, args: &[String]) -> Out {
    let (_, paths) = operands(args);
    let paths = if paths.is_empty() { vec!["/"] } else { paths };
    let mut out = Out::default();
    for p in paths {
        let node = ctx.node();
        if node.is_dir(p) {
            for name in node.list(p) {
                out.stdout.push_str(&format!("{name}\n"));
            }
        } else if node.exists(p) {
            out.stdout.push_str(&format!("{p}\n"));
        } else {
            out.stderr.push_str(&format!("ls: cannot access '{p}': No such file or directory\n"));
            out.code = 2;
        }
    }
    out
}

fn chmod(ctx: &mut Ctx, name: &str, args: &[String]) -> Out {
    let (_, paths) = operands(args);
    for p in paths.iter().skip(1) {
        if !ctx.node().exists(p) {
            return Out::fail(1, format!("{name}: cannot access '{p}': No such file or directory"));
        }
    }
    Out::default()
}

/// The containerd socket probe; fails while `KINA_FAKE_BOOT_POLLS` probes remain, and
/// for as long as containerd cannot load its config.
pub fn containerd_up(ctx: &mut Ctx) -> bool {
    if !crate::spec::boots_systemd(&ctx.container().config) {
        return false;
    }
    let node = ctx.node();
    if node.boot_polls_left > 0 {
        node.boot_polls_left -= 1;
        return false;
    }
    containerd_config_error(node).is_none()
}

/// Why the running containerd serves no CRI (a CRI plugin that failed to load), if so.
pub fn cri_error(node: &super::model::Node) -> Option<String> {
    if containerd_config_error(node).is_some() {
        return None;
    }
    node.read(super::image_files::CONTAINERD_CONFIG_PATH).and_then(|text| super::image_files::cri_plugin_error(text))
}

/// What a CRI client gets from a containerd that serves no CRI (`service` is
/// `RuntimeService` or `ImageService`).
pub fn cri_unimplemented(service: &str) -> String {
    let api = if service == "ImageService" { "image" } else { "runtime" };
    format!(
        "validate service connection: validate CRI v1 {api} API for endpoint \"unix:///run/containerd/containerd.sock\": rpc error: code = Unimplemented desc = unknown service runtime.v1.{service}"
    )
}

/// Why containerd would exit at start with the node's config, if it would.
pub fn containerd_config_error(node: &super::model::Node) -> Option<String> {
    match node.read(super::image_files::CONTAINERD_CONFIG_PATH) {
        Some(text) => super::image_files::containerd_config_error(text),
        None => None,
    }
}

/// `pgrep [-x] containerd|kubelet|systemd`: the node's long-running daemons.
fn pgrep(ctx: &mut Ctx, args: &[String]) -> Out {
    let (_, names) = operands(args);
    let node = ctx.node();
    let running = |name: &str| match name {
        "containerd" => node.boot_polls_left == 0 && containerd_config_error(node).is_none(),
        "kubelet" => node.kubelet_server.is_some() && !node.kubelet_stopped,
        "systemd" | "init" => true,
        _ => false,
    };
    if names.iter().any(|n| running(n)) { Out::lines(&["1"]) } else { Out::fail(1, "") }
}

/// Kernel directories that exist only with a feature (`KINA_FAKE_KERNEL_FEATURES`).
fn kernel_dir(path: &str) -> Option<&'static str> {
    match norm(path).as_str() {
        "/proc/sys/net/bridge" => Some("br_netfilter"),
        "/sys/fs/bpf" => Some("bpf"),
        "/sys/module/ip_set" | "/proc/net/ip_set" => Some("ip_set"),
        "/sys/module/vxlan" => Some("vxlan"),
        "/proc/net/ip_vs" | "/sys/module/ip_vs" => Some("ip_vs"),
        _ => None,
    }
}

fn test(ctx: &mut Ctx, args: &[String]) -> Out {
    let args: Vec<&str> = args.iter().map(String::as_str).filter(|a| *a != "]").collect();
    let (negate, args) = match args.split_first() {
        Some((&"!", rest)) => (true, rest.to_vec()),
        _ => (false, args),
    };
    let result = match args.as_slice() {
        ["-S", p] => norm(p) == "/run/containerd/containerd.sock" && containerd_up(ctx),
        ["-f", p] => ctx.node().read(p).is_some(),
        // The fake keeps no file modes: a file is executable if it exists.
        ["-x", p] => ctx.node().read(p).is_some(),
        ["-s", p] => ctx.node().read(p).is_some_and(|t| !t.is_empty()),
        ["-d", p] => match kernel_dir(p) {
            Some(feature) => ctx.cfg.kernel_has(feature),
            None => ctx.node().is_dir(p),
        },
        ["-e", p] if kernel_dir(p).is_some() => ctx.cfg.kernel_has(kernel_dir(p).unwrap()),
        ["-e", p] => ctx.node().exists(p) || (norm(p) == "/run/containerd/containerd.sock" && containerd_up(ctx)),
        ["-n", s] => !s.is_empty(),
        ["-z", s] => s.is_empty(),
        [a, "=", b] | [a, "==", b] => a == b,
        [a, "!=", b] => a != b,
        [s] => !s.is_empty(),
        [] => false,
        _ => return Out::fail(2, "test: unsupported expression in fake"),
    };
    if result != negate { Out::default() } else { Out::fail(1, "") }
}

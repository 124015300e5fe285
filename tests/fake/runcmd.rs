//! `container run` and `container create`.

use crate::app::Session;
use crate::flags::run_cmd;
use crate::node::model::Node;
use crate::out::{Out, or_return};
use crate::store::{Container, Volume};
use crate::util::{hex, iso_now, random_bytes, uuid};

/// `^[a-zA-Z0-9][a-zA-Z0-9_.-]+$`, at most 63 characters.
pub fn valid_name(id: &str) -> bool {
    let b = id.as_bytes();
    b.len() >= 2
        && b.len() <= 63
        && b[0].is_ascii_alphanumeric()
        && b[1..].iter().all(|c| c.is_ascii_alphanumeric() || b"_.-".contains(c))
}

/// The kernel the VM would boot, as the CLI resolves it after fetching the image:
/// `--kernel` must exist, otherwise the default kernel must be installed.
fn kernel(cfg: &crate::config::Config, custom: Option<&str>) -> Result<(), Out> {
    if let Some(path) = custom {
        if std::path::Path::new(path).exists() {
            return Ok(());
        }
        return Err(Out::error(format!("notFound: \"kernel file not found at path {path}\"")));
    }
    if crate::system::default_kernel_installed(cfg)? {
        return Ok(());
    }
    Err(Out::error(
        "notFound: \"default kernel not configured for architecture arm64, please use the `container system kernel set` command to configure it\"",
    ))
}

pub fn cmd(s: &mut Session, args: &[String], create: bool) -> Out {
    let cfg = s.cfg;
    let c = run_cmd(cfg.version, create);
    let p = or_return!(c.parse(args));
    let image_arg = or_return!(c.first_positional(&p, "<image>"));
    if let Some(cpus) = p.value("--cpus")
        && cpus.parse::<u64>().is_err()
    {
        return c.usage_error(format!("The value '{cpus}' is invalid for '-c <cpus>'"));
    }
    let id = p.value("--name").map(str::to_string).unwrap_or_else(uuid);
    let state = or_return!(s.state());
    if !create && state.containers.contains_key(&id) {
        return Out::error(format!("container with id {id} already exists"));
    }
    let quiet = p.value("--progress") == Some("none") || p.has("--disable-progress-updates");
    let mut stderr = String::new();
    let image = or_return!(crate::images::ensure(state, &image_arg, quiet, &mut stderr));
    if let Err(out) = kernel(cfg, p.value("--kernel")) {
        return Out { stderr, ..Out::default() }.with_stderr(out.stderr).exit(out.code);
    }
    if create && state.containers.contains_key(&id) {
        return Out::error(format!("container already exists: {id}")).with_stderr("");
    }
    if !valid_name(&id) {
        return Out::error(format!("container ID {id} is not a valid container ID"));
    }
    let spec = match crate::spec::build(cfg, &p, &id, &image, state) {
        Ok(spec) => spec,
        Err(msg) => return Out { stderr, ..Out::default() }.with_stderr(format!("Error: {msg}\n")).exit(1),
    };
    if crate::ports::overlapping(&spec.config) {
        return Out { stderr, ..Out::default() }.with_stderr(format!("Error: {}\n", crate::ports::OVERLAP)).exit(1);
    }
    for v in &spec.new_volumes {
        stderr.push_str(&format!("Warning: volume {v} does not exist, creating it\n"));
        state
            .volumes
            .insert(v.clone(), Volume { name: v.clone(), created: iso_now(), labels: Default::default(), size: None });
    }
    let mac = spec.attach.first().and_then(|a| a.2.clone()).unwrap_or_else(|| {
        let b = random_bytes(5);
        format!("f2:{}", b.iter().map(|x| hex(&[*x])).collect::<Vec<_>>().join(":"))
    });
    let container = Container {
        id: id.clone(),
        config: spec.config,
        state: "stopped".into(),
        networks: vec![],
        started: None,
        auto_remove: p.has("--rm"),
        hostname: spec.hostname,
        mac,
        attach: spec.attach,
        proc_sys_readonly: spec.proc_sys_readonly,
        env: spec.env,
        boot_log: vec![],
        log: vec![],
        node: Node::from_image(&image, crate::images::lookup(state, &image).map(|i| &i.files)),
    };
    state.containers.insert(id.clone(), container);
    if !create {
        // The forwarders bind during bootstrap; a failed `run` deletes what it made.
        if let Err(out) = crate::ports::check_bind(state, &id) {
            state.containers.remove(&id);
            return Out { stderr, ..Out::default() }.with_stderr(out.stderr).exit(out.code);
        }
        crate::lifecycle::boot(state, cfg, &id);
    }
    if let Some(path) = p.value("--cidfile")
        && let Err(e) = std::fs::write(path, &id)
    {
        return Out::error(format!("failed to write cidfile {path}: {e}"));
    }
    // Attached runs of long-lived images would block forever; the fake returns at once.
    let stdout = if create || p.has("--detach") { format!("{id}\n") } else { String::new() };
    Out { stdout, stderr, code: 0 }
}

//! Turns `run`/`create` flags into the `configuration` object that `inspect` shows.

use crate::args::Parsed;
use crate::config::Config;
use crate::images::is_node_image;
use crate::spec_parse::*;
use crate::store::State;
use serde_json::{Value, json};

/// Everything `run`/`create` derives from its flags besides the JSON itself.
pub struct Spec {
    pub config: Value,
    pub hostname: String,
    pub attach: Vec<(String, u32, Option<String>)>,
    pub env: Vec<String>,
    pub proc_sys_readonly: bool,
    pub new_volumes: Vec<String>,
}

const PATH_ENV: &str = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// Builds the container's configuration; errors are `Error: <msg>` texts (exit 1).
pub fn build(cfg: &Config, p: &Parsed, id: &str, image: &str, state: &State) -> Result<Spec, String> {
    let v = cfg.version;
    let node = is_node_image(image);
    let hostname = id.split('.').next().unwrap_or(id).to_string();
    let labels = parse_labels(&p.values("--label"))?;
    let cpus: u64 = match p.value("--cpus") {
        Some(c) => c.parse().map_err(|_| format!("invalid cpus value {c}"))?,
        None => 4,
    };
    let memory = match p.value("--memory") {
        Some(m) => parse_memory(m)?,
        None => 1 << 30,
    };
    if memory < 200 << 20 {
        return Err(format!("minimum memory amount allowed is 200 MiB (got {memory} bytes)"));
    }
    let ports = p.values("--publish").iter().map(|s| parse_publish(s)).collect::<Result<Vec<_>, _>>()?;
    if ports.len() > 64 {
        return Err("a maximum of 64 port publish specifications is allowed".into());
    }
    let mut new_volumes = Vec::new();
    let mut mounts = Vec::new();
    for t in p.values("--tmpfs") {
        mounts.push(mount(json!({"tmpfs": {}}), "", t, false));
    }
    for spec in p.values("--volume") {
        mounts.push(parse_volume(spec, &mut new_volumes, state)?);
    }
    for spec in p.values("--mount") {
        mounts.push(parse_mount(spec, &mut new_volumes, state)?);
    }
    let mut env = vec![PATH_ENV.to_string()];
    if node {
        env.push("container=docker".into());
    }
    env.extend(parse_env(p)?);
    let (mut executable, mut arguments): (String, Vec<String>) =
        if node { ("/usr/local/bin/entrypoint".into(), vec!["/sbin/init".into()]) } else { ("/bin/sh".into(), vec![]) };
    if let Some(ep) = p.value("--entrypoint") {
        executable = ep.to_string();
        arguments = p.rest.clone();
    } else if !p.rest.is_empty() {
        if node {
            arguments = p.rest.clone();
        } else {
            executable = p.rest[0].clone();
            arguments = p.rest[1..].to_vec();
        }
    }
    let dns_flags = ["--dns", "--dns-domain", "--dns-option", "--dns-search"];
    if p.has("--no-dns") && dns_flags.iter().any(|f| p.has(f)) {
        return Err("--no-dns cannot be used with --dns, --dns-domain, --dns-option or --dns-search".into());
    }
    let mut attach = Vec::new();
    for spec in p.values("--network") {
        let (name, mtu, mac) = parse_network(spec)?;
        if name == "none" {
            continue;
        }
        if name != "default" && cfg.macos < 26 {
            return Err("non-default network configuration requires macOS 26 or newer".into());
        }
        if name != "default" && !state.networks.contains_key(&name) {
            return Err(format!("network {name} not found"));
        }
        attach.push((name, mtu, mac));
    }
    if p.values("--network").is_empty() {
        attach.push(("default".into(), 1280, None));
    }
    let mut arch = "arm64".to_string();
    if let Some(plat) = p.value("--platform") {
        if let Some(a) = plat.split('/').nth(1) {
            arch = a.to_string();
        }
    } else if let Some(a) = p.value("--arch") {
        arch = if a == "x86_64" { "amd64".into() } else { a.to_string() };
    }
    let variant = (arch == "arm64").then_some("v8");
    let digest = state.images.get(image).map(|i| i.digest.clone()).unwrap_or_default();
    let mut c = json!({
        "id": id,
        "image": {"reference": image, "descriptor": {"digest": digest, "mediaType": "application/vnd.oci.image.index.v1+json", "size": 743}},
        "mounts": mounts,
        "publishedPorts": ports,
        "publishedSockets": [],
        "labels": labels,
        "sysctls": {},
        "networks": attach.iter().map(|(n, mtu, mac)| {
            let mut o = json!({"hostname": hostname, "mtu": mtu});
            if let Some(m) = mac { o["macAddress"] = json!(m); }
            json!({"network": n, "options": o})
        }).collect::<Vec<_>>(),
        "rosetta": p.has("--rosetta") || arch == "amd64",
        "virtualization": p.has("--virtualization"),
        "ssh": p.has("--ssh"),
        "readOnly": p.has("--read-only"),
        "useInit": p.has("--init"),
        "initProcess": {
            "executable": executable, "arguments": arguments, "environment": env,
            "workingDirectory": p.value("--workdir").unwrap_or("/"), "terminal": p.has("--tty"),
            "user": match p.value("--user") { Some(u) => json!({"raw": {"userString": u}}), None => json!({"id": {"gid": 0, "uid": 0}}) },
            "supplementalGroups": [], "rlimits": [],
        },
        "platform": {"os": "linux", "architecture": arch},
        "resources": {"cpus": cpus, "memoryInBytes": memory, "cpuOverhead": 1},
        "runtimeHandler": p.value("--runtime").unwrap_or("container-runtime-linux"),
        "creationDate": crate::util::iso_now(),
    });
    if let Some(var) = variant {
        c["platform"]["variant"] = json!(var);
    }
    if !p.has("--no-dns") {
        let mut dns = json!({"nameservers": p.values("--dns"), "searchDomains": p.values("--dns-search"), "options": p.values("--dns-option")});
        if let Some(d) = p.value("--dns-domain") {
            dns["domain"] = json!(d);
        }
        c["dns"] = dns;
    }
    if v.at_least(0, 12, 0) {
        c["capAdd"] = json!(p.values("--cap-add").iter().map(|s| normalize_cap(s)).collect::<Vec<_>>());
        c["capDrop"] = json!(p.values("--cap-drop").iter().map(|s| normalize_cap(s)).collect::<Vec<_>>());
    }
    if let Some(size) = p.value("--shm-size") {
        c["shmSize"] = json!(parse_memory(size)?);
    }
    if node {
        c["stopSignal"] = json!("SIGRTMIN+3");
    }
    let masked = path_overrides(&p.values("--masked-path"))?;
    let readonly = path_overrides(&p.values("--read-only-path"))?;
    if let Some(m) = &masked {
        c["maskedPaths"] = json!(m);
    }
    if let Some(r) = &readonly {
        c["readonlyPaths"] = json!(r);
    }
    let proc_sys_readonly = match &readonly {
        None => v.at_least(1, 2, 0),
        Some(list) => list.iter().any(|p| p == "/proc" || p == "/proc/sys" || p.starts_with("/proc/sys/")),
    };
    Ok(Spec { config: c, hostname, attach, env, proc_sys_readonly, new_volumes })
}

/// Whether kindest/node's entrypoint and systemd can run: they need every capability
/// (mounts, cgroups, sysctls). Before 0.12 VMs had all of them (no `capAdd` recorded);
/// from 0.12 the default is the OCI set and only `--cap-add ALL` restores them, so
/// without it containerd never starts and its socket never appears.
pub fn boots_systemd(config: &Value) -> bool {
    match config.get("capAdd").and_then(Value::as_array) {
        None => true,
        Some(added) => added.iter().any(|cap| cap == "ALL"),
    }
}

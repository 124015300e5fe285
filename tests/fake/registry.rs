//! A registry VM in the fake is a real distribution registry: when a container of the
//! `registry` image boots, the fake starts Debian's `docker-registry` (the same
//! distribution code as `registry:3`'s image, in its 2.8 release) listening on each
//! published host port (the Mac side, e.g. `127.0.0.1:5001`). A node that dials
//! `<VM IP>:5000` (the `hosts.toml` kina writes) is routed there by [`route`] while
//! the VM runs with that address on a network the node is on too, as the VM network
//! would carry it; any other address is unreachable. Storage is a directory per named volume in the state directory, so
//! images outlive the VM as they do on the volume. Stopping or deleting the VM
//! stops the processes.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::store::Container;

/// The registry image's repository, as the fake's store normalises it.
pub const REPOSITORY: &str = "docker.io/library/registry";
const BINARY: &str = "docker-registry";

pub fn is_registry_image(reference: &str) -> bool {
    reference.starts_with(&format!("{REPOSITORY}:")) || reference.starts_with(&format!("{REPOSITORY}@"))
}

fn dir(state_dir: &Path) -> PathBuf {
    state_dir.join("registries")
}

fn pid_file(state_dir: &Path, id: &str) -> PathBuf {
    dir(state_dir).join(format!("{id}.pids"))
}

/// The registry's log, which `container logs` shows.
pub fn log_file(state_dir: &Path, id: &str) -> PathBuf {
    dir(state_dir).join(format!("{id}.log"))
}

/// The volume mounted at `data`, as a directory of the fake's state.
fn storage(state_dir: &Path, c: &Container, data: &str) -> PathBuf {
    let mounts = c.config["mounts"].as_array().cloned().unwrap_or_default();
    let volume = mounts
        .iter()
        .find(|m| m["destination"] == data)
        .and_then(|m| m["type"]["volume"]["name"].as_str().map(str::to_string))
        .unwrap_or_else(|| format!("anon-{}", c.id));
    state_dir.join("volume-data").join(volume)
}

/// Where the registry listening on `port` in the VM is reached: the published host ports.
fn addresses(c: &Container, port: u16) -> Vec<String> {
    let mut out = Vec::new();
    for spec in c.config["publishedPorts"].as_array().into_iter().flatten() {
        if spec["containerPort"].as_u64() == Some(u64::from(port)) {
            let address = spec["hostAddress"].as_str().unwrap_or("0.0.0.0");
            out.push(format!("{address}:{}", spec["hostPort"].as_u64().unwrap_or(0)));
        }
    }
    out
}

/// Where a dial of `ip:port` from node `from` lands: the running registry VM that has
/// that address today on a network the node is on too, on its published listener (VMs
/// reach each other only on a network they share, at their address there). `Err` is
/// the dial's error.
pub fn route(state: &crate::store::State, from: &str, ip: &str, port: u16) -> Result<String, String> {
    let Some(node) = state.containers.get(from) else { return Err("connect: no route to host".into()) };
    let shares = |vm: &Container| {
        state.addresses(vm).iter().any(|(net, a)| a == ip && node.networks.iter().any(|m| &m.network == net))
    };
    let vm = state.containers.values().find(|c| c.running() && shares(c));
    let Some(vm) = vm else { return Err("connect: no route to host".into()) };
    if port != 5000 || !is_registry_image(&vm.image_ref()) {
        return Err("connect: connection refused".into());
    }
    addresses(vm, 5000).into_iter().next().ok_or_else(|| "connect: connection refused".to_string())
}

/// macOS 15: a dial of `127.0.0.1:port` inside node `id` reaches the registry static pod
/// of that node, if it runs there on that port.
pub fn route_in_node(state: &crate::store::State, id: &str, port: u16) -> Result<String, String> {
    let node = state.containers.get(id).filter(|c| c.running());
    match node.filter(|c| static_pod_port(c) == Some(port) && running_here(c)) {
        Some(c) => addresses(c, port).into_iter().next().ok_or_else(|| "connect: connection refused".into()),
        None => Err("connect: connection refused".into()),
    }
}

/// The kubelet's registry static pod in a node (kina's macOS 15 registry): its port.
pub const STATIC_POD: &str = "/etc/kubernetes/manifests/kina-registry.yaml";

fn static_pod_port(c: &Container) -> Option<u16> {
    let text = c.node.files.get(STATIC_POD)?;
    if !text.contains(&format!("image: {REPOSITORY}")) {
        return None;
    }
    let at = text.find("REGISTRY_HTTP_ADDR")?;
    let value = text[at..].split("value:").nth(1)?.lines().next()?.trim().trim_matches('"');
    value.rsplit_once(':')?.1.parse().ok()
}

fn running_here(c: &Container) -> bool {
    std::fs::read_to_string(pid_file(&crate::config::Config::from_env().state_dir, &c.id))
        .is_ok_and(|pids| !pids.trim().is_empty())
}

/// Starts a running node's registry static pod, unless it runs already: the real
/// registry on the node's published port for it, storage on the volume at
/// `/var/lib/kina-registry` (the manifest's hostPath).
pub fn start_static_pod(state_dir: &Path, c: &Container) {
    let Some(port) = static_pod_port(c) else { return };
    if !c.running() || pid_file(state_dir, &c.id).exists() {
        return;
    }
    serve(state_dir, c, port, "/var/lib/kina-registry");
}

/// A registry VM booting.
pub fn start(state_dir: &Path, c: &Container) {
    serve(state_dir, c, 5000, "/var/lib/registry");
}

/// Starts one `docker-registry serve` per address; what failed goes to the log.
fn serve(state_dir: &Path, c: &Container, port: u16, data: &str) {
    let _ = std::fs::create_dir_all(dir(state_dir));
    let root = storage(state_dir, c, data);
    let _ = std::fs::create_dir_all(&root);
    let mut pids = Vec::new();
    let mut log = String::new();
    for (i, address) in addresses(c, port).into_iter().enumerate() {
        if std::net::TcpListener::bind(&address).is_err() {
            log.push_str(&format!("fake: cannot listen on {address} (not an address of this machine)\n"));
            continue;
        }
        let config = dir(state_dir).join(format!("{}-{i}.yml", c.id));
        let text = format!(
            "version: 0.1\nlog:\n  level: info\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: {address}\n",
            root.display()
        );
        if std::fs::write(&config, text).is_err() {
            continue;
        }
        let Ok(out) = std::fs::OpenOptions::new().create(true).append(true).open(log_file(state_dir, &c.id)) else {
            continue;
        };
        let err = out.try_clone().ok();
        let mut command = std::process::Command::new(BINARY);
        command.arg("serve").arg(&config).stdin(std::process::Stdio::null()).stdout(out);
        if let Some(err) = err {
            command.stderr(err);
        }
        // Its own process group: it outlives this call, as the VM does.
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        match command.spawn() {
            Ok(child) => {
                pids.push(child.id().to_string());
                wait_listening(&address);
            }
            Err(e) => log.push_str(&format!("fake: cannot start {BINARY}: {e}\n")),
        }
    }
    let _ = std::fs::write(pid_file(state_dir, &c.id), pids.join("\n"));
    if !log.is_empty()
        && let Ok(mut f) = std::fs::OpenOptions::new().create(true).append(true).open(log_file(state_dir, &c.id))
    {
        let _ = std::io::Write::write_all(&mut f, log.as_bytes());
    }
}

/// Until the registry accepts connections; the limit only stops a registry that never does.
fn wait_listening(address: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(address).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Stops the registry processes of container `id` (none: nothing to do).
pub fn stop(state_dir: &Path, id: &str) {
    let file = pid_file(state_dir, id);
    let Ok(text) = std::fs::read_to_string(&file) else { return };
    for pid in text.lines().filter(|l| !l.trim().is_empty()) {
        let _ = std::process::Command::new("kill").arg(pid.trim()).status();
        // Reap-free wait until the process is gone, so its ports are free again.
        let deadline = Instant::now() + Duration::from_secs(10);
        while Path::new(&format!("/proc/{}", pid.trim())).exists() && Instant::now() < deadline {
            if std::fs::read_to_string(format!("/proc/{}/stat", pid.trim()))
                .is_ok_and(|s| s.split(") ").nth(1).is_some_and(|rest| rest.starts_with('Z')))
            {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    let _ = std::fs::remove_file(file);
}

//! Real programs in the emulated node. A node's shell scripts run in the test
//! machine's real `dash` (kindest/node's `/bin/sh`), with its real coreutils, `sed` and
//! `awk` (Debian's, as in the node image), never against the machine itself: each run
//! gets a private root directory holding the node's files, entered with `chroot` inside
//! fresh mount, PID, network, IPC and UTS namespaces (`unshare`). The machine's own
//! root is mounted read-only at `/.host` so the real programs and their libraries
//! load; everything the script writes lands in the private root, and is read back
//! into the node afterwards.
//!
//! The node's own tools (kubeadm, kubectl, systemctl, sysctl, ip, iptables, crictl,
//! ctr, ...) are emulated: in the root they are links to the fake binary, first on
//! `PATH` and at their usual paths, so a script that calls one calls back into the
//! emulation (`KINA_FAKE_NODE` names the node; the state directory is bind-mounted at
//! `/.fake/state`).
//!
//! No lock is held while the program runs. The node's files are copied into the root
//! under the state lock, together with a record of them (`/.fake/synced.json`); once
//! the program is done, what changed in the root since that record is merged into the
//! node under the lock again. An emulated tool the script calls does the same around
//! its own update. So two scripts in two nodes (or in one) run at the same time, and
//! each keeps the other's changes, as processes sharing a filesystem do.

use super::Ctx;
use super::model::Node;
use crate::config::Config;
use crate::out::Out;
use crate::store::Locked;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Programs the node runs for real, from the test machine.
const REAL: &[&str] = &["sh", "dash", "bash", "sed", "awk", "mawk"];

/// The node's tools the fake emulates, and where the node image has them.
const EMULATED: &[(&str, &str)] = &[
    ("kubeadm", "/usr/bin"),
    ("kubectl", "/usr/bin"),
    ("systemctl", "/usr/bin"),
    ("journalctl", "/usr/bin"),
    ("crictl", "/usr/local/bin"),
    ("ctr", "/usr/local/bin"),
    ("sysctl", "/usr/sbin"),
    ("ip", "/usr/sbin"),
    ("iptables", "/usr/sbin"),
    ("iptables-nft", "/usr/sbin"),
    ("iptables-legacy", "/usr/sbin"),
    ("ip6tables", "/usr/sbin"),
    ("ip6tables-nft", "/usr/sbin"),
    ("ethtool", "/usr/sbin"),
    ("pgrep", "/usr/bin"),
    ("hostname", "/usr/bin"),
    ("nproc", "/usr/bin"),
    ("uname", "/usr/bin"),
];

/// The node's `PATH` (kindest/node's), with the emulated tools in front.
const NODE_PATH: &str =
    "/.fake/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/.host/usr/bin:/.host/bin";

/// Top-level entries of a root that are plumbing, not the node's files.
const PLUMBING: &[&str] = &["/.host", "/.fake"];

/// Directories the node has whose contents are the kernel's, not files.
const KERNEL: &[&str] = &["/dev", "/proc", "/sys"];

pub fn is_real(program: &str) -> bool {
    REAL.contains(&program)
}

/// The environment variable that marks a call made from inside a node's root.
pub const NODE_VAR: &str = "KINA_FAKE_NODE";

fn plumbing(path: &str) -> bool {
    PLUMBING.iter().any(|p| path == *p || path.starts_with(&format!("{p}/")))
}

/// Writes the node's files and directories under `root`.
pub fn export(node: &Node, root: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    for dir in &node.dirs {
        std::fs::create_dir_all(root.join(dir.trim_start_matches('/')))?;
    }
    for (path, content) in &node.files {
        let target = root.join(path.trim_start_matches('/'));
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)?;
        }
        if std::fs::read(&target).ok().as_deref() != Some(content.as_bytes()) {
            std::fs::write(&target, content)?;
        }
        // The fake keeps no modes: every file may be executed, as `test -x` says.
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o755))?;
    }
    // What the node no longer has.
    let mut found = Vec::new();
    walk(root, root, &mut found)?;
    for (path, is_dir) in found.into_iter().rev() {
        let gone = if is_dir { !node.dirs.contains(&path) } else { !node.files.contains_key(&path) };
        if gone && !plumbing(&path) {
            let target = root.join(path.trim_start_matches('/'));
            if is_dir { std::fs::remove_dir_all(&target) } else { std::fs::remove_file(&target) }?;
        }
    }
    Ok(())
}

/// The node's files and directories, as a root holds them or as they were synced.
#[derive(serde::Serialize, serde::Deserialize, Default)]
struct Tree {
    files: BTreeMap<String, String>,
    dirs: BTreeSet<String>,
}

/// Where a root records the node's files as they were at the last sync.
const SYNCED: &str = ".fake/synced.json";

/// Reads `root`'s regular files and directories.
fn read_tree(root: &Path) -> std::io::Result<Tree> {
    let mut found = Vec::new();
    walk(root, root, &mut found)?;
    let mut tree = Tree { files: BTreeMap::new(), dirs: BTreeSet::from(["/".to_string()]) };
    for (path, is_dir) in found {
        if plumbing(&path) {
            continue;
        }
        if is_dir {
            tree.dirs.insert(path);
        } else {
            let bytes = std::fs::read(root.join(path.trim_start_matches('/')))?;
            tree.files.insert(path, String::from_utf8_lossy(&bytes).into_owned());
        }
    }
    Ok(tree)
}

/// Writes the node's files into `root` and records them as synced.
pub fn sync_out(node: &Node, root: &Path) -> std::io::Result<()> {
    export(node, root)?;
    let synced = Tree { files: node.files.clone(), dirs: node.dirs.clone() };
    let target = root.join(SYNCED);
    std::fs::create_dir_all(target.parent().unwrap())?;
    std::fs::write(target, serde_json::to_vec(&synced)?)
}

/// Merges what changed in `root` since the last [`sync_out`] into the node: files
/// and directories written, added or removed there; the rest of the node (changed
/// meanwhile by other calls) stays as it is.
pub fn merge(node: &mut Node, root: &Path) -> std::io::Result<()> {
    let base: Tree = match std::fs::read(root.join(SYNCED)) {
        Ok(bytes) => serde_json::from_slice(&bytes)?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Tree::default(),
        Err(e) => return Err(e),
    };
    let now = read_tree(root)?;
    for (path, content) in &now.files {
        if base.files.get(path) != Some(content) {
            node.files.insert(path.clone(), content.clone());
        }
    }
    for path in base.files.keys().filter(|p| !now.files.contains_key(*p)) {
        node.files.remove(path);
    }
    for path in now.dirs.iter().filter(|d| !base.dirs.contains(*d)) {
        node.dirs.insert(path.clone());
    }
    for path in base.dirs.iter().filter(|d| !now.dirs.contains(*d)) {
        node.dirs.remove(path);
    }
    Ok(())
}

/// Every regular file and directory under `dir` as node paths, parents first;
/// symbolic links, sockets and devices are plumbing and skipped.
fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, bool)>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let kind = entry.file_type()?;
        let path = entry.path();
        let node_path = format!("/{}", path.strip_prefix(root).unwrap().to_string_lossy());
        if plumbing(&node_path) {
            continue;
        }
        if kind.is_dir() {
            out.push((node_path.clone(), true));
            if !KERNEL.contains(&node_path.as_str()) {
                walk(root, &path, out)?;
            }
        } else if kind.is_file() {
            out.push((node_path, false));
        }
    }
    Ok(())
}

/// The machine's multiarch library directory (`x86_64-linux-gnu`), which the real
/// programs' loader searches.
fn multiarch() -> Option<String> {
    std::fs::read_dir("/usr/lib")
        .ok()?
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|n| n.ends_with("-linux-gnu") && Path::new("/usr/lib").join(n).join("libc.so.6").exists())
}

fn symlink_if_free(root: &Path, at: &str, to: &str) -> std::io::Result<()> {
    let link = root.join(at.trim_start_matches('/'));
    if link.symlink_metadata().is_ok() {
        return Ok(());
    }
    if let Some(parent) = link.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::os::unix::fs::symlink(to, link)
}

/// Adds the plumbing: mount points, the loader's and the shells' links, the
/// emulated tools, `/dev/null`, and containerd's socket while containerd runs.
fn prepare(root: &Path, containerd_up: bool) -> std::io::Result<()> {
    for dir in [".host", ".fake/bin", ".fake/state", "dev", "proc"] {
        std::fs::create_dir_all(root.join(dir))?;
    }
    std::fs::write(root.join(".fake/container"), "")?;
    std::fs::write(root.join("dev/null"), "")?;
    for (name, fd) in [("stdin", "0"), ("stdout", "1"), ("stderr", "2")] {
        symlink_if_free(root, &format!("/dev/{name}"), &format!("/proc/self/fd/{fd}"))?;
    }
    symlink_if_free(root, "/dev/fd", "/proc/self/fd")?;
    symlink_if_free(root, "/lib64", "/.host/lib64")?;
    if let Some(arch) = multiarch() {
        symlink_if_free(root, &format!("/usr/lib/{arch}"), &format!("/.host/usr/lib/{arch}"))?;
        symlink_if_free(root, &format!("/lib/{arch}"), &format!("/.host/usr/lib/{arch}"))?;
    }
    for (name, target) in [("sh", "dash"), ("dash", "dash"), ("bash", "bash")] {
        symlink_if_free(root, &format!("/bin/{name}"), &format!("/.host/usr/bin/{target}"))?;
    }
    for (name, dir) in EMULATED {
        symlink_if_free(root, &format!("/.fake/bin/{name}"), "/.fake/container")?;
        symlink_if_free(root, &format!("{dir}/{name}"), "/.fake/container")?;
    }
    if containerd_up {
        let socket = root.join("run/containerd/containerd.sock");
        std::fs::create_dir_all(socket.parent().unwrap())?;
        let _ = std::fs::remove_file(&socket);
        drop(std::os::unix::net::UnixListener::bind(&socket)?);
    }
    Ok(())
}

/// Runs a real program of the machine in the running container `id` (see the module
/// docs); takes the state lock only to copy the node's files out and merge them back.
pub fn run_real(cfg: &Config, id: &str, env: BTreeMap<String, String>, stdin: Option<Vec<u8>>, argv: &[String]) -> Out {
    let state_dir = &cfg.state_dir;
    let root = state_dir.join("roots").join(format!("{id}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let result = std::fs::create_dir_all(&root)
        .map_err(|e| e.to_string())
        .and_then(|_| run_in(id, env, stdin, argv, &root, state_dir));
    let _ = std::fs::remove_dir_all(&root);
    result.unwrap_or_else(|e| {
        Out::fail(126, format!("fake container: cannot run {:?} in the node's private root: {e}", argv[0]))
    })
}

/// Under the state lock: the node `id`'s files into `root`, with the plumbing.
fn copy_out(id: &str, root: &Path, state_dir: &Path) -> Result<(), String> {
    let mut locked = Locked::open(state_dir)?;
    let Some(container) = locked.state.containers.get_mut(id) else {
        return Err(format!("no node {id:?} in the state"));
    };
    let node = &mut container.node;
    let containerd_up = node.boot_polls_left == 0 && super::programs::containerd_config_error(node).is_none();
    // A script that probes the socket itself (dash's builtin `test -S`) is a
    // probe too: a booting node is one poll further along after it.
    node.boot_polls_left = node.boot_polls_left.saturating_sub(1);
    sync_out(node, root).map_err(|e| format!("writing the node's files: {e}"))?;
    prepare(root, containerd_up).map_err(|e| format!("preparing the root: {e}"))?;
    locked.save()
}

/// Under the state lock: what the program changed in `root` into the node `id`
/// (gone if the container was deleted meanwhile).
fn merge_back(id: &str, root: &Path, state_dir: &Path) -> Result<(), String> {
    let mut locked = Locked::open(state_dir)?;
    if let Some(container) = locked.state.containers.get_mut(id) {
        merge(&mut container.node, root).map_err(|e| format!("reading the node's files back: {e}"))?;
    }
    locked.save()
}

fn run_in(
    id: &str,
    env: BTreeMap<String, String>,
    stdin: Option<Vec<u8>>,
    argv: &[String],
    root: &Path,
    state_dir: &Path,
) -> Result<Out, String> {
    copy_out(id, root, state_dir)?;
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut cmd = Command::new("unshare");
    if !is_root() {
        // Unprivileged: a user namespace where this user is root gives the same isolation.
        cmd.args(["--user", "--map-root-user"]);
    }
    cmd.args(["--mount", "--pid", "--fork", "--net", "--ipc", "--uts", "--propagation", "private", "--"])
        .arg(&me)
        .arg(ENTER)
        .arg(root)
        .arg(state_dir)
        .arg("--")
        .args(argv);
    cmd.env_clear();
    for (k, v) in std::env::vars().filter(|(k, _)| k.starts_with("KINA_FAKE_")) {
        cmd.env(k, v);
    }
    cmd.envs(&env).env("PATH", NODE_PATH).env("HOME", "/root").env("KINA_FAKE_STATE", "/.fake/state").env(NODE_VAR, id);
    cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| format!("cannot run unshare: {e}"))?;
    let mut pipe = child.stdin.take().unwrap();
    let stdin = stdin.unwrap_or_default();
    let writer = std::thread::spawn(move || {
        let _ = pipe.write_all(&stdin);
    });
    let output = child.wait_with_output().map_err(|e| e.to_string())?;
    let _ = writer.join();
    merge_back(id, root, state_dir)?;
    Ok(Out {
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        code: output.status.code().unwrap_or(128 + 9),
    })
}

/// Whether this process runs as root (`Uid:` in /proc/self/status).
fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("Uid:")).map(|l| l.split_whitespace().nth(2) == Some("0")))
        .unwrap_or(false)
}

/// The hidden subcommand that runs inside the new namespaces.
pub const ENTER: &str = "__enter-node-root";

fn mount(args: &[&str]) -> Result<(), String> {
    let status = Command::new("mount").args(args).status().map_err(|e| format!("mount: {e}"))?;
    if status.success() { Ok(()) } else { Err(format!("mount {} failed", args.join(" "))) }
}

/// In the new namespaces: mounts the plumbing, then `chroot`s into the root and runs
/// the program; returns its exit code.
pub fn enter(args: &[String]) -> i32 {
    let (Some(root), Some(state), Some("--")) = (args.first(), args.get(1), args.get(2).map(String::as_str)) else {
        eprintln!("usage: {ENTER} ROOT STATE -- PROGRAM [ARG...]");
        return 2;
    };
    let argv = &args[3..];
    let root = PathBuf::from(root);
    let at = |p: &str| root.join(p).to_string_lossy().into_owned();
    let me = std::env::current_exe().map(|p| p.to_string_lossy().into_owned()).unwrap_or_default();
    let mounted = mount(&["--bind", "/", &at(".host")])
        .and_then(|_| mount(&["-o", "remount,bind,ro", &at(".host")]))
        .and_then(|_| mount(&["--bind", "/dev/null", &at("dev/null")]))
        // This PID namespace's own /proc, read-only: /proc/sys is the machine's.
        .and_then(|_| mount(&["-t", "proc", "-o", "ro,nosuid,nodev,noexec", "proc", &at("proc")]))
        .and_then(|_| mount(&["--bind", state, &at(".fake/state")]))
        .and_then(|_| mount(&["--bind", &me, &at(".fake/container")]));
    if let Err(e) = mounted {
        eprintln!("fake container: {e}");
        return 126;
    }
    let status = Command::new("chroot").arg(&root).args(argv).current_dir("/").status();
    match status {
        Ok(s) => s.code().unwrap_or(128 + 9),
        Err(e) => {
            eprintln!("fake container: chroot: {e}");
            126
        }
    }
}

/// An emulated tool called from a script inside a node's root: one update of the
/// state under the lock, with the node's files merged in from this root before and
/// synced back out after.
pub fn tool(cfg: &Config, name: &str, args: &[String]) -> Out {
    let id = std::env::var(NODE_VAR).unwrap_or_default();
    let mut argv = vec![name.to_string()];
    argv.extend_from_slice(args);
    // A script's own call fails as a `container exec` of the same command would.
    if let Some(pattern) = crate::config::Config::matching(&cfg.fail, &argv.join(" ")) {
        return super::exec::injected(&argv, pattern);
    }
    if let Err(e) = crate::handshake::arrive_in_node(&cfg.state_dir, &cfg.barriers, &argv.join(" ")) {
        return Out::fail(126, e);
    }
    let wants_stdin = args.iter().any(|a| a == "-" || a == "/dev/stdin" || a.ends_with("=-"));
    let stdin = wants_stdin.then(|| {
        let mut buf = Vec::new();
        let _ = std::io::stdin().read_to_end(&mut buf);
        buf
    });
    let mut locked = match Locked::open(&cfg.state_dir) {
        Ok(l) => l,
        Err(e) => return Out::fail(126, e),
    };
    let root = Path::new("/");
    let Some(container) = locked.state.containers.get_mut(&id) else {
        return Out::fail(126, format!("fake container: no node {id:?} in the state"));
    };
    if let Err(e) = merge(&mut container.node, root) {
        return Out::fail(126, format!("fake container: reading the node's files: {e}"));
    }
    let env = std::env::vars().filter(|(k, _)| !k.starts_with("KINA_FAKE_")).collect();
    let out = {
        let mut ctx = Ctx { state: &mut locked.state, cfg, id: id.clone(), env, stdin };
        super::run(&mut ctx, &argv, true)
    };
    if let Some(container) = locked.state.containers.get(&id)
        && let Err(e) = sync_out(&container.node, root)
    {
        return Out::fail(126, format!("fake container: writing the node's files: {e}"));
    }
    if let Err(e) = locked.save() {
        return Out::fail(126, format!("fake container: cannot save state: {e}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_node_round_trips_through_a_directory_without_its_plumbing() {
        let dir = tempfile::tempdir().unwrap();
        let mut node = Node::seed("kindest/node:v1.35.5");
        node.files.insert("/etc/kina/a.conf".into(), "a\n".into());
        node.dirs.insert("/etc/kina".into());
        sync_out(&node, dir.path()).unwrap();
        prepare(dir.path(), true).unwrap();
        // A script's changes: a new file, an edit, a removal.
        std::fs::write(dir.path().join("tmp/new"), "new\n").unwrap();
        std::fs::write(dir.path().join("etc/kina/a.conf"), "b\n").unwrap();
        std::fs::remove_file(dir.path().join("kind/version")).unwrap();
        let mut back = node.clone();
        merge(&mut back, dir.path()).unwrap();
        assert_eq!(back.files["/tmp/new"], "new\n");
        assert_eq!(back.files["/etc/kina/a.conf"], "b\n");
        assert!(!back.files.contains_key("/kind/version"));
        // Links, the socket and the mount points are not the node's files.
        assert!(back.files.keys().chain(back.dirs.iter()).all(|p| !p.starts_with("/.")), "{:?}", back.dirs);
        assert!(!back.files.contains_key("/run/containerd/containerd.sock"));
        assert!(!back.files.contains_key("/usr/bin/kubectl") && !back.files.contains_key("/bin/sh"));
        // And back out: what the node lost goes from the directory too.
        back.files.remove("/tmp/new");
        export(&back, dir.path()).unwrap();
        assert!(!dir.path().join("tmp/new").exists());
        assert!(dir.path().join("bin/sh").symlink_metadata().is_ok(), "plumbing survives an export");
    }

    #[test]
    fn two_roots_of_one_node_merge_without_losing_each_others_changes() {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let mut node = Node::seed("kindest/node:v1.35.5");
        node.files.insert("/etc/shared".into(), "old\n".into());
        sync_out(&node, a.path()).unwrap();
        sync_out(&node, b.path()).unwrap();
        // Two scripts at once: each changes its own files.
        std::fs::write(a.path().join("etc/from-a"), "a\n").unwrap();
        std::fs::write(a.path().join("etc/shared"), "a\n").unwrap();
        std::fs::create_dir(b.path().join("etc/from-b")).unwrap();
        std::fs::remove_file(b.path().join("kind/version")).unwrap();
        merge(&mut node, a.path()).unwrap();
        merge(&mut node, b.path()).unwrap();
        assert_eq!(node.files["/etc/from-a"], "a\n");
        assert_eq!(node.files["/etc/shared"], "a\n", "b left the file alone, so a's edit stays");
        assert!(node.dirs.contains("/etc/from-b"));
        assert!(!node.files.contains_key("/kind/version"));
    }
}

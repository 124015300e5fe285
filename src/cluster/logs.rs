//! `kina export logs`: everything needed to debug a cluster, per node, in
//! kind's layout. A node that cannot answer gets a note, not an abort.

use std::path::{Component, Path, PathBuf};

use anyhow::Context as _;
use futures_util::StreamExt;

use crate::node::paths;
use crate::output::Printer;
use crate::provider::{Diagnostics, Node, NodeCommand, NodeHandle, Provider, Purpose};

/// In-node commands and the file each one's output goes to (kind's names).
const NODE_COMMANDS: &[(&str, &[&str])] = &[
    ("kubernetes-version.txt", &["cat", paths::KUBERNETES_VERSION]),
    ("kubeadm.conf", &["cat", paths::KUBEADM_CONF]),
    ("journal.log", &["journalctl", "--no-pager"]),
    ("kubelet.log", &["journalctl", "--no-pager", "-u", "kubelet.service"]),
    ("containerd.log", &["journalctl", "--no-pager", "-u", "containerd.service"]),
    ("images.log", &["crictl", "images"]),
    ("containers.log", &["crictl", "ps", "-a"]),
];

/// Where the kubelet writes pod logs.
const POD_LOG_DIRS: &[&str] = &["/var/log/pods", "/var/log/containers"];
const PARALLEL_COPIES: usize = 8;

/// Collects the cluster's logs into `dir` (a new temporary directory if
/// None) and returns it.
pub(crate) async fn export_logs<P: Diagnostics>(
    provider: &P,
    printer: &Printer,
    cluster: &str,
    dir: Option<PathBuf>,
) -> anyhow::Result<PathBuf> {
    provider.preflight(Purpose::ManageNodes).await?;
    let nodes = crate::node::list(provider, cluster).await?;
    if nodes.is_empty() {
        return Err(crate::node::NodesError::UnknownCluster(cluster.to_string()).into());
    }
    let dir = match dir {
        Some(dir) => dir,
        None => new_temp_dir()?,
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("failed to create {}", dir.display()))?;
    printer.info(&format!("Exporting logs for cluster {cluster:?} to:"));

    write(&dir.join("kina-version.txt"), &format!("{}\n", crate::build_info::version_line()))?;
    let runtime = provider.version_text().await.unwrap_or_else(|e| format!("could not read: {e}\n"));
    write(&dir.join("container-version.txt"), &runtime)?;

    let collections = nodes.iter().map(|node| collect_node(provider, node, &dir));
    futures_util::future::try_join_all(collections).await?;
    Ok(dir)
}

/// One node's files; what fails is listed in `<node>/NOTES.txt`.
async fn collect_node<P: Diagnostics>(provider: &P, node: &Node, dir: &Path) -> anyhow::Result<()> {
    let node_dir = dir.join(&node.name);
    std::fs::create_dir_all(&node_dir).with_context(|| format!("failed to create {}", node_dir.display()))?;
    let mut notes = Vec::new();
    let mut save = |file: &str, result: Result<String, String>| -> anyhow::Result<()> {
        match result {
            Ok(text) => write(&node_dir.join(file), &text),
            Err(why) => {
                notes.push(format!("{file}: {why}"));
                Ok(())
            }
        }
    };
    save("inspect.json", provider.inspect_raw(&node.name).await.map_err(|e| format!("{e:#}")))?;
    save("serial.log", provider.node(&node.name).logs().await.map_err(|e| format!("{e:#}")))?;
    save("boot.log", provider.boot_logs(&node.name).await.map_err(|e| format!("{e:#}")))?;

    if node.is_running() {
        for (file, argv) in NODE_COMMANDS {
            let output = provider.node(&node.name).run_checked(&NodeCommand::new(argv.iter().copied())).await;
            save(file, output.map(|o| o.stdout).map_err(|e| format!("{:#}", anyhow::Error::new(e))))?;
        }
        notes.extend(copy_pod_logs(provider, &node.name, &node_dir).await);
    } else {
        notes.push(format!("the node is {}: nothing was collected from inside it", node.state));
    }
    if !notes.is_empty() {
        write(&node_dir.join("NOTES.txt"), &format!("{}\n", notes.join("\n")))?;
    }
    Ok(())
}

/// Copies every pod log file, several at a time; returns what failed.
async fn copy_pod_logs<P: Provider>(provider: &P, node: &str, node_dir: &Path) -> Vec<String> {
    let mut find = vec!["find"];
    find.extend_from_slice(POD_LOG_DIRS);
    find.extend(["-type", "f"]);
    let listing = match provider.node(node).run(&NodeCommand::new(find)).await {
        Ok(output) => output.stdout,
        Err(err) => return vec![format!("pod logs: {err}")],
    };
    let files: Vec<String> = listing.lines().filter(|l| l.starts_with('/')).map(str::to_string).collect();
    let copies = futures_util::stream::iter(files).map(|file| async move {
        let Some(target) = local_path(node_dir, &file) else {
            return Some(format!("{file}: not a plain path below /var/log"));
        };
        match provider.node(node).run_checked(&NodeCommand::new(["cat", file.as_str()])).await {
            Ok(output) => write(&target, &output.stdout).err().map(|e| format!("{file}: {e:#}")),
            Err(err) => Some(format!("{file}: {err}")),
        }
    });
    copies.buffer_unordered(PARALLEL_COPIES).filter_map(|failure| async move { failure }).collect().await
}

/// `/var/log/pods/x/0.log` → `<node_dir>/var/log/pods/x/0.log`; nothing that
/// could climb out of the node's directory.
fn local_path(node_dir: &Path, remote: &str) -> Option<PathBuf> {
    let relative = Path::new(remote).strip_prefix("/").ok()?;
    relative.components().all(|c| matches!(c, Component::Normal(_))).then(|| node_dir.join(relative))
}

fn write(path: &Path, text: &str) -> anyhow::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).with_context(|| format!("failed to create {}", parent.display()))?;
    }
    std::fs::write(path, text).with_context(|| format!("failed to write {}", path.display()))
}

/// A fresh directory under the system's temp dir, like kind's `os.MkdirTemp`.
fn new_temp_dir() -> anyhow::Result<PathBuf> {
    let base = std::env::temp_dir();
    let stamp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    for attempt in 0..100 {
        let dir = base.join(format!("kina-logs-{}-{stamp}-{attempt}", std::process::id()));
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e).with_context(|| format!("failed to create {}", dir.display())),
        }
    }
    anyhow::bail!("could not create a temporary directory in {}", base.display())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_paths_stay_inside_the_node_directory() {
        let dir = Path::new("/tmp/out/n");
        assert_eq!(local_path(dir, "/var/log/pods/a/0.log"), Some(PathBuf::from("/tmp/out/n/var/log/pods/a/0.log")));
        assert_eq!(local_path(dir, "/var/log/../../etc/passwd"), None);
        assert_eq!(local_path(dir, "relative/path"), None);
    }
}

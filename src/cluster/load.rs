//! `kina load docker-image` and `kina load image-archive`, as kind's
//! (https://github.com/kubernetes-sigs/kind/tree/v0.32.0/pkg/cmd/kind/load).
//!
//! Images come from the Mac's `container` image store; `container image save`
//! streams straight into `ctr images import -` in each node over `container
//! exec -i` (an archive streams from its file the same way). There is no
//! temporary file on the Mac, and the bytes never pass through kina's memory.
//! Only the node's platform is imported, into the `k8s.io` namespace, under the
//! reference the user gave. Nodes that already hold the image ID are skipped,
//! and the rest load in parallel. An archive named `-` is read from stdin
//! once, into a private temporary file that every node then reads.

mod images;
mod stdin_archive;

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context as _;
use futures_util::future::try_join_all;

use crate::node::{self, NodesError};
use crate::output::Printer;
use crate::provider::{Node, NodeHandle, Provider, Purpose, StreamSource};
use images::{NodeImages, Presence, import_command, list_command, normalize, tag_command, wanted_names};

/// A node image is ~1 GB, and a VM can import it only so fast.
const LOAD_TIMEOUT: Duration = Duration::from_secs(1800);

/// kind's messages for what `kina load` refuses.
#[derive(Debug, thiserror::Error)]
pub(crate) enum LoadError {
    #[error("a list of image names is required")]
    NoImages,
    #[error("name of image archive is required")]
    NoArchives,
    #[error("image: {0:?} not present locally")]
    NotPresent(String),
    /// `load docker-image` quotes the name, as kind does.
    #[error("unknown node: {0:?}")]
    UnknownNode(String),
    /// `load image-archive` does not, as kind does not.
    #[error("unknown node: {0}")]
    UnknownArchiveNode(String),
    /// Go's `os.Stat` error, as kind prints it.
    #[error("stat {path}: {reason}")]
    Archive { path: String, reason: String },
    #[error("could not read the image archive from stdin")]
    Stdin(#[source] std::io::Error),
    #[error("the image archive on stdin is empty")]
    EmptyStdin,
}

impl LoadError {
    /// What the user can do about it.
    pub(crate) fn hint(&self) -> Option<String> {
        match self {
            LoadError::NotPresent(image) => Some(format!(
                "kina loads from Apple container's image store: `container image pull {image}` (or `container build`) \
                 first. From Docker: `docker save {image} | kina load image-archive -`",
                image = shell_words::quote(image)
            )),
            LoadError::EmptyStdin => {
                Some("pipe an image archive into it, e.g. `docker save IMAGE | kina load image-archive -`".into())
            }
            _ => None,
        }
    }
}

/// The cluster to load into and, if given, the nodes (`--nodes`; default all).
pub(crate) struct Target<'a> {
    pub cluster: &'a str,
    pub nodes: &'a [String],
}

/// What one node gets: missing names of images it has, and images to import.
#[derive(Default)]
struct NodePlan {
    retag: Vec<(String, String)>,
    load: Vec<String>,
}

pub(crate) async fn load_docker_images<P: Provider>(
    provider: &P,
    printer: &Printer,
    target: &Target<'_>,
    images: &[String],
) -> anyhow::Result<()> {
    if images.is_empty() {
        return Err(LoadError::NoImages.into());
    }
    let mut unique: Vec<&String> = Vec::new();
    for image in images {
        if !unique.contains(&image) {
            unique.push(image);
        }
    }
    provider.preflight(Purpose::ManageNodes).await?;
    let mut ids = Vec::new();
    for image in &unique {
        ids.push(provider.image_id(image).await?.ok_or_else(|| LoadError::NotPresent(image.to_string()))?);
    }
    let nodes = target_nodes(provider, target, LoadError::UnknownNode).await?;
    let surveys = try_join_all(nodes.iter().map(|node| survey(provider, node))).await?;

    let mut plans: Vec<NodePlan> = nodes.iter().map(|_| NodePlan::default()).collect();
    for (image, id) in unique.iter().zip(&ids) {
        let mut needed = false;
        for ((node, (_, held)), plan) in nodes.iter().zip(&surveys).zip(&mut plans) {
            match held.presence(image, id) {
                Presence::Present => continue,
                Presence::MissingNames { source, names } => {
                    for name in names {
                        printer.info(&format!(
                            "Image with ID: {id} already present on the node {} but is missing the tag {name}. re-tagging...",
                            node.name
                        ));
                        plan.retag.push((source.clone(), name));
                    }
                }
                Presence::Absent => {
                    printer.info(&format!(
                        "Image: {image:?} with ID {id:?} not yet present on node {:?}, loading...",
                        node.name
                    ));
                    plan.load.push(image.to_string());
                }
            }
            needed = true;
        }
        if !needed {
            printer.info(&format!("Image: {image:?} with ID {id:?} found to be already present on all nodes."));
        }
    }
    let work = nodes.iter().zip(&surveys).zip(&plans).map(|((node, (platform, _)), plan)| async move {
        apply(provider, &node.name, platform, plan)
            .await
            .with_context(|| format!("failed to load image into node {:?}", node.name))
    });
    try_join_all(work).await?;
    Ok(())
}

pub(crate) async fn load_archives<P: Provider>(
    provider: &P,
    target: &Target<'_>,
    archives: &[PathBuf],
) -> anyhow::Result<()> {
    if archives.is_empty() {
        return Err(LoadError::NoArchives.into());
    }
    for path in archives.iter().filter(|p| !stdin_archive::is_stdin(p)) {
        check_archive(path)?;
    }
    // Read stdin once, whatever the number of nodes; removed when this returns.
    let spooled = match archives.iter().any(|p| stdin_archive::is_stdin(p)) {
        true => Some(stdin_archive::spool().await?),
        false => None,
    };
    let archives: Vec<PathBuf> = archives
        .iter()
        .map(|p| match (&spooled, stdin_archive::is_stdin(p)) {
            (Some(file), true) => file.path().to_path_buf(),
            _ => p.clone(),
        })
        .collect();
    let archives = &archives;
    provider.preflight(Purpose::ManageNodes).await?;
    let nodes = target_nodes(provider, target, LoadError::UnknownArchiveNode).await?;
    let work = nodes.iter().map(|node| async move {
        let platform = provider.node(&node.name).platform().await?;
        let import = import_command(&platform).timeout(LOAD_TIMEOUT);
        for path in archives {
            provider
                .node(&node.name)
                .run_streamed(&import, &StreamSource::File(path.clone()))
                .await
                .with_context(|| format!("failed to load image into node {:?}", node.name))?;
        }
        anyhow::Ok(())
    });
    try_join_all(work).await?;
    Ok(())
}

/// The cluster's nodes (control plane first, then by name), narrowed to
/// `--nodes`; each must run.
async fn target_nodes<P: Provider>(
    provider: &P,
    target: &Target<'_>,
    unknown: fn(String) -> LoadError,
) -> anyhow::Result<Vec<Node>> {
    let members = node::list(provider, target.cluster).await?;
    if members.is_empty() {
        return Err(NodesError::NoNodes(target.cluster.to_string()).into());
    }
    let selected = if target.nodes.is_empty() {
        members
    } else {
        let mut picked: Vec<Node> = Vec::new();
        for name in target.nodes {
            let node = members.iter().find(|n| &n.name == name).ok_or_else(|| unknown(name.clone()))?;
            if !picked.iter().any(|p| p.name == node.name) {
                picked.push(node.clone());
            }
        }
        picked
    };
    node::require_running(&selected, target.cluster)?;
    Ok(selected)
}

/// A node's platform and the images its containerd holds.
async fn survey<P: Provider>(provider: &P, node: &Node) -> anyhow::Result<(String, NodeImages)> {
    let list = list_command();
    let handle = provider.node(&node.name);
    let (platform, listing) = tokio::try_join!(handle.platform(), handle.run_checked(&list))?;
    Ok((platform, NodeImages::parse(&listing.stdout)))
}

/// Adds missing names, then streams the images the node lacks in one archive
/// and names them as the user did.
async fn apply<P: Provider>(provider: &P, node: &str, platform: &str, plan: &NodePlan) -> anyhow::Result<()> {
    for (source, name) in &plan.retag {
        provider.node(node).run_checked(&tag_command(source, name)).await?;
    }
    if plan.load.is_empty() {
        return Ok(());
    }
    // `foo` and `foo:latest` are one image: save it once.
    let mut save: Vec<String> = Vec::new();
    for image in &plan.load {
        if !save.iter().any(|s| normalize(s) == normalize(image)) {
            save.push(image.clone());
        }
    }
    let source = StreamSource::SavedImages { images: save, platform: platform.to_string() };
    provider.node(node).run_streamed(&import_command(platform).timeout(LOAD_TIMEOUT), &source).await?;
    for image in &plan.load {
        let names = wanted_names(image);
        if let [normalized, short] = names.as_slice() {
            provider.node(node).run_checked(&tag_command(normalized, short)).await?;
        }
    }
    Ok(())
}

fn check_archive(path: &Path) -> Result<(), LoadError> {
    std::fs::metadata(path).map(|_| ()).map_err(|err| {
        let reason = match err.kind() {
            std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
            std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
            _ => err.to_string(),
        };
        LoadError::Archive { path: path.display().to_string(), reason }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_read_like_kinds() {
        assert_eq!(
            LoadError::NotPresent("foo:latest".into()).to_string(),
            r#"image: "foo:latest" not present locally"#
        );
        assert_eq!(LoadError::UnknownNode("bad".into()).to_string(), r#"unknown node: "bad""#);
        assert_eq!(LoadError::UnknownArchiveNode("bad".into()).to_string(), "unknown node: bad");
        assert_eq!(LoadError::NoImages.to_string(), "a list of image names is required");
        assert_eq!(LoadError::NoArchives.to_string(), "name of image archive is required");
    }

    #[test]
    fn a_missing_archive_is_reported_like_go_stat() {
        let err = check_archive(Path::new("/nonexistent/app.tar")).unwrap_err();
        assert_eq!(err.to_string(), "stat /nonexistent/app.tar: no such file or directory");
    }
}

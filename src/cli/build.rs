//! `kina build node-image`: kina's node image (`images/node/`, embedded in the
//! binary) on a kindest/node base, with `container build`.

use anyhow::Context as _;
use clap::{Args, Subcommand};

use crate::kubeadm::KubeVersion;
use crate::node_image::{BUILD_CONTEXT, write_build_context};
use crate::output::Printer;
use crate::provider::image_builder::{BuildRequest, ImageBuilder};
use crate::provider::{Provider, Purpose};

#[derive(Debug, Subcommand)]
pub enum BuildCommand {
    /// Build kina's node image (a kindest/node with kina's per-node settings baked in)
    NodeImage(NodeImageArgs),
}

#[derive(Debug, Args)]
pub struct NodeImageArgs {
    /// name:tag of the resulting image (default kina-node:<Kubernetes version>)
    #[arg(long)]
    pub image: Option<String>,
    /// the kindest/node image to build on (default: the image of --kubernetes-version, else kina's default)
    #[arg(long)]
    pub base_image: Option<String>,
    /// Kubernetes version to build for: picks the base image from kina's versions table (1.36, v1.36.4, ...)
    #[arg(long, value_name = "VERSION")]
    pub kubernetes_version: Option<String>,
}

/// The base image and the tag a build produces.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct BuildPlan {
    pub base_image: String,
    pub tag: String,
}

pub(super) fn plan(args: &NodeImageArgs, printer: &Printer) -> anyhow::Result<BuildPlan> {
    let base_image = match (&args.base_image, &args.kubernetes_version) {
        (Some(base), Some(version)) => {
            printer.warn(&format!("--base-image {base} wins over --kubernetes-version {version}"));
            base.clone()
        }
        (Some(base), None) => base.clone(),
        (None, Some(version)) => crate::versions::resolve(version)?.image.to_string(),
        (None, None) => crate::versions::default_image().to_string(),
    };
    let tag = match &args.image {
        Some(tag) => tag.clone(),
        None => {
            let version = KubeVersion::from_image(&base_image).with_context(|| {
                format!("cannot tell the Kubernetes version of {base_image} from its tag: name the result with --image")
            })?;
            format!("kina-node:{version}")
        }
    };
    Ok(BuildPlan { base_image, tag })
}

pub(super) async fn run<P: Provider + ImageBuilder>(
    cmd: BuildCommand,
    provider: &P,
    printer: &Printer,
) -> anyhow::Result<()> {
    let BuildCommand::NodeImage(args) = cmd;
    let plan = plan(&args, printer).context("failed to build node image")?;
    provider.preflight(Purpose::ManageNodes).await.context("failed to build node image")?;

    let context = BuildContext::create().context("failed to write the node image's build context")?;
    let request = BuildRequest {
        context: context.path.clone(),
        containerfile: context.path.join(BUILD_CONTEXT[0].0),
        tag: plan.tag.clone(),
        build_args: vec![
            ("BASE_IMAGE".into(), plan.base_image.clone()),
            ("KINA_IMAGE_VERSION".into(), env!("CARGO_PKG_VERSION").into()),
        ],
        show_progress: !printer.is_quiet(),
    };
    printer.info(&format!("Building {} on {} 🛠", plan.tag, crate::cluster::actions::display_image(&plan.base_image)));
    let built = provider.build_image(&request).await;
    drop(context);
    built.context("failed to build node image")?;
    let tag = shell_words::quote(&plan.tag);
    printer.info(&format!("Image {} built: use it with `kina create cluster --image {tag}`", plan.tag));
    Ok(())
}

/// A private directory holding the embedded build context, removed on drop.
struct BuildContext {
    path: std::path::PathBuf,
}

impl BuildContext {
    fn create() -> std::io::Result<BuildContext> {
        let path = std::env::temp_dir().join(format!("kina-node-image-{}", std::process::id()));
        if path.exists() {
            std::fs::remove_dir_all(&path)?;
        }
        std::fs::create_dir(&path)?;
        let context = BuildContext { path };
        write_build_context(&context.path)?;
        Ok(context)
    }
}

impl Drop for BuildContext {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

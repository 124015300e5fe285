//! `kina load docker-image` (alias `image`) and `kina load image-archive`.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use crate::cluster::load::{Target, load_archives, load_docker_images};
use crate::output::Printer;
use crate::provider::Provider;

#[derive(Debug, Subcommand)]
pub enum LoadCommand {
    /// Loads images from Apple container's image store into nodes
    #[command(name = "docker-image", visible_alias = "image")]
    DockerImage(DockerImageArgs),
    /// Loads images from an archive into nodes
    ImageArchive(ImageArchiveArgs),
}

#[derive(Debug, Args)]
pub struct DockerImageArgs {
    /// images in Apple container's image store (`container image ls`)
    #[arg(value_name = "IMAGE")]
    pub images: Vec<String>,
    #[command(flatten)]
    pub target: TargetArgs,
}

#[derive(Debug, Args)]
pub struct ImageArchiveArgs {
    /// OCI or docker image archives (tar); `-` reads one from stdin
    #[arg(value_name = "IMAGE_ARCHIVE")]
    pub archives: Vec<PathBuf>,
    #[command(flatten)]
    pub target: TargetArgs,
}

#[derive(Debug, Args)]
pub struct TargetArgs {
    /// the cluster context name (default kina, or KINA_CLUSTER_NAME)
    #[arg(short = 'n', long)]
    pub name: Option<String>,
    /// comma separated list of nodes to load images into
    #[arg(long, value_delimiter = ',', value_name = "NODES")]
    pub nodes: Vec<String>,
}

pub(super) async fn run<P: Provider>(cmd: LoadCommand, provider: &P, printer: &Printer) -> anyhow::Result<()> {
    match cmd {
        LoadCommand::DockerImage(args) => {
            let cluster = super::cluster_name(args.target.name.as_deref());
            let target = Target { cluster: &cluster, nodes: &args.target.nodes };
            load_docker_images(provider, printer, &target, &args.images).await
        }
        LoadCommand::ImageArchive(args) => {
            let cluster = super::cluster_name(args.target.name.as_deref());
            let target = Target { cluster: &cluster, nodes: &args.target.nodes };
            load_archives(provider, &target, &args.archives).await
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::{Cli, Command};

    fn parse(args: &[&str]) -> LoadCommand {
        match Cli::try_parse_from(["kina"].iter().chain(args)).unwrap().command {
            Command::Load(cmd) => cmd,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn docker_image_takes_images_name_and_comma_separated_nodes() {
        let LoadCommand::DockerImage(args) =
            parse(&["load", "docker-image", "a:1", "b", "-n", "dev", "--nodes", "x,y"])
        else {
            panic!()
        };
        assert_eq!(args.images, ["a:1", "b"]);
        assert_eq!(args.target.name.as_deref(), Some("dev"));
        assert_eq!(args.target.nodes, ["x", "y"]);
    }

    #[test]
    fn image_is_an_alias_and_no_image_is_left_to_kinds_message() {
        let LoadCommand::DockerImage(args) = parse(&["load", "image"]) else { panic!() };
        assert!(args.images.is_empty());
        assert!(args.target.nodes.is_empty());
    }

    #[test]
    fn image_archive_takes_paths() {
        let LoadCommand::ImageArchive(args) = parse(&["load", "image-archive", "a.tar", "--nodes=kina-worker"]) else {
            panic!()
        };
        assert_eq!(args.archives, [PathBuf::from("a.tar")]);
        assert_eq!(args.target.nodes, ["kina-worker"]);
    }
}

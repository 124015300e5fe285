use std::path::PathBuf;

use clap::{Args, Subcommand};

use crate::cluster::actions::export_kubeconfig;
use crate::cluster::logs::export_logs;
use crate::kubeconfig;
use crate::output::Printer;
use crate::provider::Diagnostics;

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Exports cluster kubeconfig
    Kubeconfig(ExportKubeconfigArgs),
    /// Exports logs to a tempdir or [output-dir] if specified
    Logs(ExportLogsArgs),
}

#[derive(Debug, Args)]
pub struct ExportLogsArgs {
    /// where to write the logs (default: a new temporary directory)
    pub output_dir: Option<PathBuf>,
    /// the cluster context name (default kina, or KINA_CLUSTER_NAME)
    #[arg(short = 'n', long)]
    pub name: Option<String>,
}

#[derive(Debug, Args)]
pub struct ExportKubeconfigArgs {
    /// the cluster context name (default kina, or KINA_CLUSTER_NAME)
    #[arg(short = 'n', long)]
    pub name: Option<String>,
    /// sets kubeconfig path instead of $KUBECONFIG or $HOME/.kube/config
    #[arg(long)]
    pub kubeconfig: Option<PathBuf>,
    /// use internal address instead of external
    #[arg(long)]
    pub internal: bool,
}

pub(super) async fn run<P: Diagnostics + crate::provider::registry::RegistryRuntime>(
    cmd: ExportCommand,
    provider: &P,
    printer: &Printer,
) -> anyhow::Result<()> {
    let args = match cmd {
        ExportCommand::Kubeconfig(args) => args,
        ExportCommand::Logs(args) => {
            let name = super::cluster_name(args.name.as_deref());
            let dir = export_logs(provider, printer, &name, args.output_dir).await?;
            if let Err(err) = crate::registry::logs::export(provider, &dir).await {
                printer.warn(&format!("could not export the registries' logs: {err:#}"));
            }
            printer.data_line(&dir.display().to_string());
            return Ok(());
        }
    };
    let name = super::cluster_name(args.name.as_deref());
    let path = kubeconfig::write_target_from_env(args.kubeconfig.as_deref())?;
    let node = super::get::control_plane(provider, &name).await?;
    let written = export_kubeconfig(provider, &node, &path, args.internal).await?;
    if let Some(notice) = written.notice(&path) {
        printer.warn(&notice);
    }
    printer.info(&format!("Set kubectl context to {:?}", kubeconfig::kina_key(&name)));
    Ok(())
}

//! `kina generate-man DIR` (hidden): man pages from the clap tree, for the release job.
//! Writes `kina.1` and one page per subcommand (`kina-create-cluster.1`, ...).

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, CommandFactory};

use super::Cli;
use crate::build_info;
use crate::output::Printer;

#[derive(Debug, Args)]
pub struct GenerateManArgs {
    /// directory to write the pages into (created if missing)
    pub dir: PathBuf,
}

pub(super) fn run(args: &GenerateManArgs, printer: &Printer) -> anyhow::Result<()> {
    std::fs::create_dir_all(&args.dir).with_context(|| format!("creating {}", args.dir.display()))?;
    // The man header shows the plain semver, not `--version`'s "version X".
    let command = Cli::command().version(build_info::version());
    clap_mangen::generate_to(command, &args.dir)
        .with_context(|| format!("writing man pages to {}", args.dir.display()))?;
    printer.info(&format!("Wrote man pages to {}", args.dir.display()));
    Ok(())
}

use clap::{Args, ValueEnum};

use crate::cluster::summary::{summarize, table};
use crate::output::Printer;
use crate::provider::Provider;

/// `-o table|json` (also `kina doctor`'s).
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    Table,
    Json,
}

/// `kina list -o table|json|yaml`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ListFormat {
    Table,
    Json,
    Yaml,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// output format
    #[arg(short = 'o', long, value_enum, default_value = "table")]
    pub output: ListFormat,
}

pub async fn run<P: Provider>(args: ListArgs, provider: &P, printer: &Printer) -> anyhow::Result<()> {
    let clusters = summarize(&provider.list_nodes().await?);
    match args.output {
        ListFormat::Json => super::get::print_structured(printer, super::get::Structured::Json, &clusters)?,
        ListFormat::Yaml => super::get::print_structured(printer, super::get::Structured::Yaml, &clusters)?,
        ListFormat::Table if clusters.is_empty() => printer.info("No kina clusters found."),
        ListFormat::Table => printer.data(&table(&clusters)),
    }
    Ok(())
}

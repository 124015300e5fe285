use clap::{Args, ValueEnum};

use crate::cluster::summary::{summarize, table};
use crate::output::Printer;
use crate::provider::Provider;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    Table,
    Json,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// output format
    #[arg(short = 'o', long, value_enum, default_value = "table")]
    pub output: Format,
}

pub async fn run<P: Provider>(args: ListArgs, provider: &P, printer: &Printer) -> anyhow::Result<()> {
    let clusters = summarize(&provider.list_nodes().await?);
    match args.output {
        Format::Json => printer.data_line(&serde_json::to_string_pretty(&clusters)?),
        Format::Table if clusters.is_empty() => printer.info("No kina clusters found."),
        Format::Table => printer.data(&table(&clusters)),
    }
    Ok(())
}

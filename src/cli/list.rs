use clap::Args;

use crate::output::{OutputFormat, print_structured};

use crate::cluster::summary::{summarize, table};
use crate::output::Printer;
use crate::provider::Provider;

#[derive(Debug, Args)]
pub struct ListArgs {
    /// output format
    #[arg(short = 'o', long, value_enum, default_value = "table")]
    pub output: OutputFormat,
}

pub(super) async fn run<P: Provider>(args: ListArgs, provider: &P, printer: &Printer) -> anyhow::Result<()> {
    let mut clusters = summarize(&provider.list_nodes().await?);
    if args.output != OutputFormat::Table {
        crate::cluster::exposed::fill(provider, printer, &mut clusters).await;
    }
    if print_structured(printer, args.output, &clusters)? {
        return Ok(());
    }
    if clusters.is_empty() {
        printer.info("No kina clusters found.");
    } else {
        printer.data(&table(&clusters, args.output == OutputFormat::Wide));
    }
    Ok(())
}

//! `kina doctor` (kina only: kind has none): can this Mac run kina clusters?

use clap::Args;

use crate::doctor::{self, HostCommands, Runtime};
use crate::exec::ProcessRunner;
use crate::output::Printer;
use crate::output::{OutputFormat, print_structured};
use crate::provider::apple::{AppleContainer, locate_binary};

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// output format
    #[arg(short = 'o', long, value_enum, default_value = "table")]
    pub output: OutputFormat,
}

/// Prints one line per check on stdout; fails (exit 1) when any check failed.
/// Runs without a provider up front: a missing `container` is one of its findings.
pub(super) async fn run(args: DoctorArgs, printer: &Printer) -> anyhow::Result<()> {
    let located = locate_binary(std::env::var_os("KINA_CONTAINER_BIN").as_deref(), std::env::var_os("PATH").as_deref());
    let provider = located.map(|(program, shown)| {
        let binary = program.display().to_string();
        (AppleContainer::with_runner(ProcessRunner, program, shown), binary)
    });
    let runtime = match &provider {
        Ok((provider, binary)) => Ok(Runtime { provider, binary: binary.clone() }),
        Err(err) => Err(err),
    };
    let checks = doctor::diagnose(runtime, &HostCommands::new(ProcessRunner)).await;
    if !print_structured(printer, args.output, &checks)? {
        printer.data(&doctor::table(&checks));
    }
    match doctor::failures(&checks) {
        0 => Ok(()),
        1 => anyhow::bail!("1 of {} checks failed", checks.len()),
        n => anyhow::bail!("{n} of {} checks failed", checks.len()),
    }
}

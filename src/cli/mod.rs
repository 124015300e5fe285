//! The command line, mirroring kind's
//! (https://github.com/kubernetes-sigs/kind/tree/v0.32.0/pkg/cmd/kind) with `kind` → `kina`.

mod build;
mod completion;
mod create;
mod delete;
mod doctor;
mod export;
mod get;
mod install;
mod lifecycle;
mod list;
mod load;
mod man;
mod registry;
mod version;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::output::{Printer, Terminal};
use crate::provider::apple::AppleContainer;

#[derive(Debug, Parser)]
#[command(
    name = "kina",
    version = concat!("version ", env!("CARGO_PKG_VERSION")),
    about = "kina creates and manages local Kubernetes clusters using Apple container VMs",
    long_about = "kina creates and manages local Kubernetes clusters using Apple container VMs.\n\
                  It works like kind: the same commands, flags and kubeconfig handling."
)]
pub struct Cli {
    /// info log verbosity, higher value produces more output
    #[arg(short = 'v', long, global = true, default_value_t = 0, value_name = "VERBOSITY")]
    pub verbosity: u8,

    /// silence all stderr output
    #[arg(short = 'q', long, global = true)]
    pub quiet: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Creates one of [cluster, registry]
    #[command(subcommand)]
    Create(create::CreateCommand),
    /// Deletes one of [cluster, clusters, registry]
    #[command(subcommand)]
    Delete(delete::DeleteCommand),
    /// Gets one of [clusters, nodes, kubeconfig, registries]
    #[command(subcommand)]
    Get(get::GetCommand),
    /// Exports one of [kubeconfig, logs]
    #[command(subcommand)]
    Export(export::ExportCommand),
    /// Loads images into nodes
    #[command(subcommand)]
    Load(load::LoadCommand),
    /// Builds one of [node-image]
    #[command(subcommand)]
    Build(build::BuildCommand),
    /// Lists clusters with their nodes, state, Kubernetes version and API server
    List(list::ListArgs),
    /// Installs an addon (load-balancer, gateway, ingress-nginx, metrics-server, ...); --list shows them all
    Install(install::InstallArgs),
    /// Removes an addon that `kina install` added
    Uninstall(install::UninstallArgs),
    /// Stops one of [cluster]
    #[command(subcommand)]
    Stop(lifecycle::StopCommand),
    /// Starts one of [cluster]
    #[command(subcommand)]
    Start(lifecycle::StartCommand),
    /// Prints the kina CLI version
    Version,
    /// Checks that this Mac can run kina clusters, with a fix for each problem
    Doctor(doctor::DoctorArgs),
    /// Outputs shell completion code for the specified shell (bash, zsh or fish)
    Completion(completion::CompletionArgs),
    /// Writes kina's man pages (kina.1, kina-create-cluster.1, ...) into DIR
    #[command(hide = true)]
    GenerateMan(man::GenerateManArgs),
}

/// Runs kina with `args`; what `main` calls.
pub fn run<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(err) => {
            // Help and --version are successes; every other usage error exits 1, as kind.
            // `-q` silences all stderr, usage errors included (kind pre-scans for it too).
            let quiet = args.iter().any(|a| a == "-q" || a == "--quiet");
            if !(quiet && err.use_stderr()) {
                let _ = err.print();
            }
            return if err.use_stderr() { ExitCode::from(1) } else { ExitCode::SUCCESS };
        }
    };
    let terminal = Terminal::detect(cli.verbosity > 0);
    init_logging(cli.verbosity, cli.quiet, terminal.color);
    let printer = Printer::new(cli.quiet, terminal);
    // Commands that need neither `container` nor a runtime.
    let offline = match &cli.command {
        Command::Version => {
            version::run(&printer, cli.quiet);
            Some(Ok(()))
        }
        Command::Completion(args) => Some(completion::run(args, &printer)),
        Command::GenerateMan(args) => Some(man::run(args, &printer)),
        _ => None,
    };
    if let Some(result) = offline {
        return match result {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => crate::report::report(&err, &printer),
        };
    }
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(err) => {
            printer.error(&format!("failed to start: {err}"));
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(dispatch(cli.command, &printer)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => crate::report::report(&err, &printer),
    }
}

async fn dispatch(command: Command, printer: &Printer) -> anyhow::Result<()> {
    let command = match command {
        // Before the provider: a missing `container` is one of doctor's findings.
        Command::Doctor(args) => return doctor::run(args, printer).await,
        other => other,
    };
    let provider = AppleContainer::from_env()?;
    let command = match command {
        // create cleans up after an interrupt itself.
        Command::Create(cmd) => return create::run(cmd, &provider, printer).await,
        other => other,
    };
    let work = run_command(command, &provider, printer);
    // On Ctrl-C the command's future is dropped, which stops the processes it
    // started (they run in their own process group, out of the terminal's reach).
    let interrupted = tokio::select! {
        biased;
        result = work => return result,
        () = crate::cluster::interrupt::requested() => crate::cluster::ClusterError::Interrupted,
    };
    // A registry the command was recreating (a start or delete moving it between
    // networks) runs again as it was.
    crate::registry::finish_interrupted(&provider, printer).await;
    Err(interrupted.into())
}

async fn run_command(command: Command, provider: &AppleContainer, printer: &Printer) -> anyhow::Result<()> {
    match command {
        Command::Create(cmd) => create::run(cmd, provider, printer).await,
        Command::Build(cmd) => build::run(cmd, provider, printer).await,
        Command::Delete(cmd) => delete::run(cmd, provider, printer).await,
        Command::Get(cmd) => get::run(cmd, provider, printer).await,
        Command::Export(cmd) => export::run(cmd, provider, printer).await,
        Command::List(args) => list::run(args, provider, printer).await,
        Command::Load(cmd) => load::run(cmd, provider, printer).await,
        Command::Install(args) => install::install(args, provider, printer).await,
        Command::Uninstall(args) => install::uninstall(args, provider, printer).await,
        Command::Stop(cmd) => lifecycle::stop(cmd, provider, printer).await,
        Command::Start(cmd) => lifecycle::start(cmd, provider, printer).await,
        Command::Version | Command::Doctor(_) | Command::Completion(_) | Command::GenerateMan(_) => Ok(()),
    }
}

fn init_logging(verbosity: u8, quiet: bool, color: bool) {
    let level = match (quiet, verbosity) {
        (true, _) => "off",
        (false, 0) => "warn",
        (false, 1 | 2) => "debug",
        (false, _) => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("KINA_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(format!("kina={level}")));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(color)
        .without_time()
        .with_target(false)
        .try_init();
}

/// `--name` > `KINA_CLUSTER_NAME` > the default.
pub(crate) fn cluster_name(flag: Option<&str>) -> String {
    crate::cluster::names::resolve(flag, std::env::var("KINA_CLUSTER_NAME").ok().as_deref(), None)
}

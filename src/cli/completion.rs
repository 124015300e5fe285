//! `kina completion bash|zsh|fish`: the shell completion script on stdout, like kind's.

use clap::{Args, CommandFactory, ValueEnum};
use clap_complete::Shell as ClapShell;

use super::Cli;
use crate::output::Printer;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

#[derive(Debug, Args)]
#[command(long_about = "Outputs shell completion code for bash, zsh or fish.\n\n\
                  bash:  source <(kina completion bash)\n\
                  zsh:   kina completion zsh > \"${fpath[1]}/_kina\"\n\
                  fish:  kina completion fish > ~/.config/fish/completions/kina.fish")]
pub struct CompletionArgs {
    /// the shell to complete for
    pub shell: Shell,
}

pub fn run(args: &CompletionArgs, printer: &Printer) -> anyhow::Result<()> {
    let shell = match args.shell {
        Shell::Bash => ClapShell::Bash,
        Shell::Zsh => ClapShell::Zsh,
        Shell::Fish => ClapShell::Fish,
    };
    printer.data(&script(shell)?);
    Ok(())
}

/// The completion script for `shell`, generated from the clap tree.
pub fn script(shell: ClapShell) -> anyhow::Result<String> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "kina", &mut out);
    Ok(String::from_utf8(out)?)
}

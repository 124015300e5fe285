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
                  zsh:   kina completion zsh > \"$(brew --prefix)/share/zsh/site-functions/_kina\"\n\
                  fish:  kina completion fish > ~/.config/fish/completions/kina.fish")]
pub struct CompletionArgs {
    /// the shell to complete for
    pub shell: Shell,
}

pub(super) fn run(args: &CompletionArgs, printer: &Printer) -> anyhow::Result<()> {
    let shell = match args.shell {
        Shell::Bash => ClapShell::Bash,
        Shell::Zsh => ClapShell::Zsh,
        Shell::Fish => ClapShell::Fish,
    };
    printer.data(&script(shell)?);
    Ok(())
}

/// The completion script for `shell`, generated from the clap tree, with
/// cluster names completed from `kina get clusters` at TAB time.
pub(super) fn script(shell: ClapShell) -> anyhow::Result<String> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut without_hidden_commands(Cli::command()), "kina", &mut out);
    Ok(complete_cluster_names(shell, &String::from_utf8(out)?))
}

/// The command tree without its hidden subcommands (`generate-man`), which
/// clap's generators would offer otherwise.
fn without_hidden_commands(cli: clap::Command) -> clap::Command {
    let visible: Vec<clap::Command> = cli.get_subcommands().filter(|c| !c.is_hide_set()).cloned().collect();
    let mut trimmed = clap::Command::new("kina").version(env!("CARGO_PKG_VERSION")).disable_help_subcommand(true);
    for arg in cli.get_arguments().filter(|a| !matches!(a.get_id().as_str(), "help" | "version")) {
        trimmed = trimmed.arg(arg.clone());
    }
    trimmed.subcommands(visible)
}

/// What lists the clusters when the shell completes `--name`.
const CLUSTERS: &str = "kina get clusters 2>/dev/null";

/// clap's static scripts complete `--name` as a file; make them ask kina
/// (except `create cluster`, whose name is a new one). A clap release that
/// words its scripts differently leaves them static, which the tests catch.
fn complete_cluster_names(shell: ClapShell, script: &str) -> String {
    let mut section = "";
    let mut out: Vec<String> = Vec::new();
    let mut lines = script.lines().peekable();
    while let Some(line) = lines.next() {
        let trimmed = line.trim();
        match shell {
            ClapShell::Bash => {
                if trimmed.starts_with("kina__") && trimmed.ends_with(')') {
                    section = trimmed;
                }
                // `delete clusters NAME...`: the positional words are cluster names.
                if section == "kina__subcmd__delete__subcmd__clusters)"
                    && let Some(opts) = trimmed.strip_prefix("opts=\"").and_then(|o| o.strip_suffix('"'))
                {
                    let indent = &line[..line.len() - trimmed.len()];
                    out.push(format!("{indent}opts=\"{opts} $({CLUSTERS})\""));
                    continue;
                }
                out.push(line.to_string());
                // Durations, versions and verbosity levels are not file names.
                if matches!(trimmed, "--wait)" | "--version)" | "--verbosity)" | "-v)")
                    && let Some(next) = lines.next_if(|l| l.trim() == "COMPREPLY=($(compgen -f \"${cur}\"))")
                {
                    let indent = &next[..next.len() - next.trim_start().len()];
                    out.push(format!("{indent}COMPREPLY=()"));
                    continue;
                }
                let names_flag = trimmed == "--name)" || trimmed == "-n)";
                if names_flag
                    && !section.starts_with("kina__subcmd__create")
                    && let Some(next) = lines.next_if(|l| l.trim() == "COMPREPLY=($(compgen -f \"${cur}\"))")
                {
                    let indent = &next[..next.len() - next.trim_start().len()];
                    out.push(format!("{indent}COMPREPLY=($(compgen -W \"$({CLUSTERS})\" -- \"${{cur}}\"))"));
                }
            }
            ClapShell::Zsh => {
                let spec = trimmed.trim_start_matches('\'');
                let spec =
                    if spec.starts_with('(') { spec.split_once(')').map_or(spec, |(_, rest)| rest) } else { spec };
                let name_flag = spec.starts_with("-n+[") || spec.starts_with("--name=[");
                if name_flag && !spec.contains("[cluster name, overrides") && line.contains(":NAME:_default'") {
                    out.push(line.replace(":NAME:_default'", &format!(":NAME:{{compadd -- $({CLUSTERS})}}'")));
                } else if spec.starts_with("*::names -- the cluster names:_default'") {
                    out.push(line.replace(":_default'", &format!(":{{compadd -- $({CLUSTERS})}}'")));
                } else if line.contains(":WAIT:_default'") || line.contains(":VERSION:_default'") {
                    out.push(line.replace(":WAIT:_default'", ":WAIT: '").replace(":VERSION:_default'", ":VERSION: '"));
                } else {
                    out.push(line.to_string());
                }
            }
            ClapShell::Fish => {
                let creating = line.contains("__fish_kina_using_subcommand create");
                if line.contains(" -l name ") && line.ends_with(" -r") && !creating {
                    out.push(format!("{line} -f -a \"({CLUSTERS})\""));
                } else {
                    out.push(line.to_string());
                }
            }
            _ => out.push(line.to_string()),
        }
    }
    if shell == ClapShell::Fish {
        // clap's fish script completes no positional words: `delete clusters NAME...`.
        out.push(format!(
            "complete -c kina -n \"__fish_kina_using_subcommand delete; and __fish_seen_subcommand_from clusters\" -f -a \"({CLUSTERS})\""
        ));
    }
    out.join("\n") + "\n"
}

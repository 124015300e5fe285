//! The macOS resolver file `/etc/resolver/<zone>` (man 5 resolver): it sends
//! the Mac's queries for the zone to the cluster's DNS server, at a node
//! address and the zone's node port. Writing it needs root, so kina says
//! exactly what it writes and runs `sudo` only after asking (on a terminal),
//! or prints the command for the user to run.
//!
//! macOS reads these files with configd (`dnsinfo/dnsinfo_flatfile.c`):
//! lines whose first word starts with `#` are comments, the domain is the
//! file's name, `port` applies to every `nameserver`.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::exec::{ExecError, Invocation, Runner, checked};
use crate::output::Printer;

/// The directory macOS reads resolver files from.
const SYSTEM_DIR: &str = "/etc/resolver";
/// Test-only: another directory instead of [`SYSTEM_DIR`] (docs/testing.md).
const DIR_ENV: &str = "KINA_RESOLVER_DIR";
/// How kina gets root for the file: `ask` (default), `sudo` or `print`.
pub(crate) const MODE_ENV: &str = "KINA_RESOLVER";
/// The first line of every file kina writes: kina removes only such files.
const MARK: &str = "# kina:";
const SUDO_TIMEOUT: Duration = Duration::from_secs(300);

/// How kina may get root to write or remove a resolver file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Mode {
    /// On a terminal, ask before running `sudo`; otherwise print the command.
    #[default]
    Ask,
    /// Run `sudo` without asking (for scripts that can).
    Sudo,
    /// Never run `sudo`: print the command to run.
    Print,
}

impl Mode {
    /// `--resolver`, else `KINA_RESOLVER`, else ask.
    pub(crate) fn resolve(flag: Option<Mode>) -> Result<Mode, ResolverError> {
        if let Some(mode) = flag {
            return Ok(mode);
        }
        match std::env::var(MODE_ENV).ok().filter(|v| !v.trim().is_empty()) {
            None => Ok(Mode::Ask),
            Some(value) => {
                <Mode as clap::ValueEnum>::from_str(value.trim(), true).map_err(|_| ResolverError::UnknownMode(value))
            }
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum ResolverError {
    #[error("{MODE_ENV}={0:?} is not one of ask, sudo, print")]
    UnknownMode(String),
    #[error("could not {what} {path} with sudo")]
    Sudo {
        what: &'static str,
        path: String,
        #[source]
        source: ExecError,
    },
}

impl ResolverError {
    pub(crate) fn hint(&self) -> Option<String> {
        match self {
            ResolverError::UnknownMode(_) => None,
            ResolverError::Sudo { .. } => Some(format!(
                "run it yourself (the command above), or set {MODE_ENV}=print to have kina print the commands instead"
            )),
        }
    }
}

/// What happened to the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// It already said that (or was already gone).
    Unchanged,
    /// kina wrote (or removed) it with sudo.
    Done,
    /// kina printed the commands; the user runs them.
    Printed,
}

/// The directory resolver files go in.
pub(crate) fn dir() -> PathBuf {
    std::env::var_os(DIR_ENV).filter(|d| !d.is_empty()).map_or_else(|| PathBuf::from(SYSTEM_DIR), PathBuf::from)
}

/// The resolver file of `zone`.
pub(crate) fn path(zone: &str) -> PathBuf {
    dir().join(zone)
}

/// What the file says for cluster `cluster`'s zone, served at `ip`:`port`.
pub(crate) fn content(cluster: &str, zone: &str, ip: &str, port: u16) -> String {
    format!(
        "{MARK} names of cluster {cluster:?} (kina install names); `kina delete cluster --name {cluster}` removes this file\n\
         domain {zone}\nnameserver {ip}\nport {port}\n"
    )
}

/// The file's text, if it exists.
pub(crate) fn read(zone: &str) -> Option<String> {
    std::fs::read_to_string(path(zone)).ok()
}

/// The `nameserver` and `port` a resolver file names.
pub(crate) fn server(text: &str) -> Option<(String, u16)> {
    let value = |key: &str| {
        text.lines().find_map(|l| {
            let mut words = l.split_whitespace();
            (words.next() == Some(key)).then(|| words.next().map(str::to_string)).flatten()
        })
    };
    Some((value("nameserver")?, value("port").map_or(Some(53), |p| p.parse().ok())?))
}

/// Whether kina wrote `text`.
pub(crate) fn is_kinas(text: &str) -> bool {
    text.starts_with(MARK)
}

/// Writes `text` as `zone`'s resolver file, as `mode` allows.
pub(crate) async fn write<R: Runner>(
    runner: &R,
    printer: &Printer,
    mode: Mode,
    zone: &str,
    text: &str,
) -> Result<Outcome, ResolverError> {
    let file = path(zone);
    if read(zone).as_deref() == Some(text) {
        return Ok(Outcome::Unchanged);
    }
    let shown = file.display().to_string();
    printer.info(&format!("The Mac sends queries for {zone} where {shown} says; kina writes it (root needed):"));
    for line in text.lines() {
        printer.info(&format!("    {line}"));
    }
    let parent = file.parent().unwrap_or(Path::new("/")).display().to_string();
    let commands = [
        Invocation::new("sudo", "sudo").args(["mkdir", "-p", &parent]),
        Invocation::new("sudo", "sudo").args(["tee", &shown]).input(text),
    ];
    let by_hand = format!(
        "sudo mkdir -p {} && sudo tee {} >/dev/null <<'EOF'\n{text}EOF",
        shell_words::quote(&parent),
        shell_words::quote(&shown)
    );
    run_as_root(runner, printer, mode, &format!("Write {shown} with sudo?"), &commands, &by_hand, "write", &shown).await
}

/// Removes `zone`'s resolver file, if kina wrote it, as `mode` allows.
pub(crate) async fn remove<R: Runner>(
    runner: &R,
    printer: &Printer,
    mode: Mode,
    zone: &str,
) -> Result<Outcome, ResolverError> {
    let file = path(zone);
    let shown = file.display().to_string();
    match read(zone) {
        None => return Ok(Outcome::Unchanged),
        Some(text) if !is_kinas(&text) => {
            printer.warn(&format!("{shown} was not written by kina: kina leaves it"));
            return Ok(Outcome::Unchanged);
        }
        Some(_) => {}
    }
    printer.info(&format!("Removing {shown}, which sent the Mac's queries for {zone} to the cluster (root needed)"));
    let commands = [Invocation::new("sudo", "sudo").args(["rm", "-f", &shown])];
    let by_hand = format!("sudo rm -f {}", shell_words::quote(&shown));
    run_as_root(runner, printer, mode, &format!("Remove {shown} with sudo?"), &commands, &by_hand, "remove", &shown)
        .await
}

#[allow(clippy::too_many_arguments)]
async fn run_as_root<R: Runner>(
    runner: &R,
    printer: &Printer,
    mode: Mode,
    question: &str,
    commands: &[Invocation],
    by_hand: &str,
    what: &'static str,
    shown: &str,
) -> Result<Outcome, ResolverError> {
    let go = match mode {
        Mode::Sudo => true,
        Mode::Print => false,
        Mode::Ask => std::io::stdin().is_terminal() && printer.confirm(question),
    };
    if !go {
        printer.info(&format!("kina did not run sudo; to do it yourself, run:\n{by_hand}"));
        return Ok(Outcome::Printed);
    }
    for command in commands {
        let command = command.clone().foreground().timeout(SUDO_TIMEOUT);
        let output = runner.run(&command).await.and_then(|out| checked(&command, out));
        output.map_err(|source| ResolverError::Sudo { what, path: shown.to_string(), source })?;
    }
    Ok(Outcome::Done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_names_the_server_and_port_and_says_who_wrote_it() {
        let text = content("dev", "dev.kina.internal", "192.168.64.3", 30053);
        assert!(is_kinas(&text));
        assert!(text.contains("\ndomain dev.kina.internal\nnameserver 192.168.64.3\nport 30053\n"), "{text}");
        assert_eq!(server(&text), Some(("192.168.64.3".into(), 30053)));
        assert_eq!(server("nameserver 10.0.0.1\n"), Some(("10.0.0.1".into(), 53)));
        assert!(!is_kinas("nameserver 10.0.0.1\n"));
    }
}

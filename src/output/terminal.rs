//! What stderr can do: spinner and colour only on a smart terminal.

use std::io::IsTerminal;

pub(super) const GREEN: &str = "32";
pub(super) const RED: &str = "31";
pub(super) const CYAN: &str = "36";
pub(super) const DIM: &str = "2";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Terminal {
    /// Animate a spinner (TTY, no `NO_COLOR`, not `TERM=dumb`, not verbose).
    pub spinner: bool,
    pub color: bool,
}

impl Terminal {
    /// Decides like kind's `IsSmartTerminal`.
    pub(crate) fn detect(verbose: bool) -> Self {
        let tty = std::io::stderr().is_terminal();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let dumb = matches!(std::env::var("TERM").as_deref(), Ok("dumb"));
        let smart = tty && !no_color && !dumb;
        Terminal { spinner: smart && !verbose, color: smart }
    }

    pub(crate) fn paint(&self, text: &str, code: &str) -> String {
        if self.color { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_string() }
    }
}

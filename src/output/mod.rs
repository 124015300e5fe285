//! The one printer for everything kina shows: data on stdout, status,
//! warnings and errors on stderr (like kind).

// The one module allowed to print (lib.rs denies it everywhere else).
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod format;
mod status;
mod terminal;

use std::io::Write;
use std::sync::Mutex;

pub(crate) use format::{OutputFormat, print_structured};
pub(crate) use status::Status;
pub(crate) use terminal::Terminal;

pub(crate) struct Printer {
    quiet: bool,
    terminal: Terminal,
    status: Mutex<Option<Status>>,
}

impl Printer {
    pub(crate) fn new(quiet: bool, terminal: Terminal) -> Self {
        Printer { quiet, terminal, status: Mutex::new(None) }
    }

    /// `-q`: status and info lines are off.
    pub(crate) fn is_quiet(&self) -> bool {
        self.quiet
    }

    pub(crate) fn terminal(&self) -> Terminal {
        self.terminal
    }

    /// Program output. A closed pipe (`kina get clusters | head -1`) is not an error.
    pub(crate) fn data(&self, text: &str) {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
    }

    /// One line of program output.
    pub(crate) fn data_line(&self, line: &str) {
        self.data(&format!("{line}\n"));
    }

    /// An informational line on stderr.
    pub(crate) fn info(&self, line: &str) {
        if self.quiet {
            return;
        }
        self.suspend(|| eprintln!("{line}"));
    }

    pub(crate) fn warn(&self, line: &str) {
        self.info(&format!("WARNING: {line}"));
    }

    /// Starts a status step, ending the previous one as a success (kind's `Start`).
    pub(crate) fn start(&self, label: &str) {
        let mut slot = self.status.lock().unwrap();
        if let Some(previous) = slot.take() {
            previous.end(true);
        }
        if !self.quiet {
            *slot = Some(Status::start(label, self.terminal));
        }
    }

    /// Ends the current step with ✓ or ✗.
    pub(crate) fn end(&self, ok: bool) {
        if let Some(status) = self.status.lock().unwrap().take() {
            status.end(ok);
        }
    }

    /// Hides the spinner so a child process can draw on the terminal.
    pub(crate) fn pause(&self) {
        if let Some(status) = self.status.lock().unwrap().as_mut() {
            status.pause();
        }
    }

    /// Brings the spinner back after [`Printer::pause`].
    pub(crate) fn resume(&self) {
        if let Some(status) = self.status.lock().unwrap().as_mut() {
            status.resume();
        }
    }

    /// Runs `f` with the spinner hidden, so other output does not interleave.
    pub(crate) fn suspend<T>(&self, f: impl FnOnce() -> T) -> T {
        match self.status.lock().unwrap().as_ref() {
            Some(status) => status.suspend(f),
            None => f(),
        }
    }

    /// Asks `question` (a yes/no one) on stderr and reads the answer from
    /// stdin; only `y` or `yes` is a yes. Callers ask only when stdin is a terminal.
    pub(crate) fn confirm(&self, question: &str) -> bool {
        self.suspend(|| {
            eprint!("{question} [y/N] ");
            let _ = std::io::stderr().flush();
            let mut answer = String::new();
            std::io::stdin().read_line(&mut answer).is_ok()
                && matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
        })
    }

    pub(crate) fn error(&self, text: &str) {
        if self.quiet {
            return;
        }
        self.end(false);
        let label = self.terminal.paint("ERROR:", terminal::RED);
        eprintln!("{label} {text}");
    }

    pub(crate) fn hint(&self, text: &str) {
        if self.quiet {
            return;
        }
        let label = self.terminal.paint("hint:", terminal::CYAN);
        eprintln!("{label} {text}");
    }
}

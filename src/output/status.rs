//! kind's status lines: ` • step  ...` then ` ✓ step (1.2s)` (or ` ✗ step`), with
//! how long the step took, and a braille spinner instead of the `•` line on a terminal.

use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

use super::terminal::{DIM, GREEN, RED, Terminal};

pub(crate) struct Status {
    label: String,
    started: Instant,
    terminal: Terminal,
    spinner: Option<ProgressBar>,
}

const FRAMES: &[&str] = &["⠈⠁", "⠈⠑", "⠈⠱", "⠈⡱", "⢀⡱", "⢄⡱", "⢄⡱", "⢆⡱", "⢎⡱", "⢎⡰", "⢎⡠", "⢎⡀", "⢎⠁", "⠎⠁", "⠊⠁"];

fn spinner(label: &str) -> ProgressBar {
    let bar = ProgressBar::new_spinner();
    bar.set_style(ProgressStyle::with_template(" {spinner} {msg} ").expect("static template").tick_strings(FRAMES));
    bar.set_message(label.to_string());
    bar.enable_steady_tick(Duration::from_millis(100));
    bar
}

impl Status {
    pub(crate) fn start(label: &str, terminal: Terminal) -> Self {
        let spinner = if terminal.spinner {
            Some(spinner(label))
        } else {
            eprintln!(" • {label}  ...");
            None
        };
        Status { label: label.to_string(), started: Instant::now(), terminal, spinner }
    }

    pub(crate) fn pause(&mut self) {
        if let Some(bar) = self.spinner.take() {
            bar.finish_and_clear();
        }
    }

    pub(crate) fn resume(&mut self) {
        if self.terminal.spinner && self.spinner.is_none() {
            self.spinner = Some(spinner(&self.label));
        }
    }

    pub(crate) fn end(self, ok: bool) {
        if let Some(bar) = &self.spinner {
            bar.finish_and_clear();
        }
        let mark = if ok { self.terminal.paint("✓", GREEN) } else { self.terminal.paint("✗", RED) };
        let took = self.terminal.paint(&format!("({})", crate::duration::format_elapsed(self.started.elapsed())), DIM);
        eprintln!(" {mark} {} {took}", self.label.trim_end());
    }

    pub(crate) fn suspend<T>(&self, f: impl FnOnce() -> T) -> T {
        match &self.spinner {
            Some(bar) => bar.suspend(f),
            None => f(),
        }
    }
}

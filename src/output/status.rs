//! kind's status lines: ` • step  ...` then ` ✓ step` (or ` ✗ step`), with a
//! braille spinner instead of the `•` line on a terminal.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use super::terminal::{GREEN, RED, Terminal};

pub struct Status {
    label: String,
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
    pub fn start(label: &str, terminal: Terminal) -> Self {
        let spinner = if terminal.spinner {
            Some(spinner(label))
        } else {
            eprintln!(" • {label}  ...");
            None
        };
        Status { label: label.to_string(), terminal, spinner }
    }

    pub fn pause(&mut self) {
        if let Some(bar) = self.spinner.take() {
            bar.finish_and_clear();
        }
    }

    pub fn resume(&mut self) {
        if self.terminal.spinner && self.spinner.is_none() {
            self.spinner = Some(spinner(&self.label));
        }
    }

    pub fn end(self, ok: bool) {
        if let Some(bar) = &self.spinner {
            bar.finish_and_clear();
        }
        let mark = if ok { self.terminal.paint("✓", GREEN) } else { self.terminal.paint("✗", RED) };
        eprintln!(" {mark} {}", self.label);
    }

    pub fn suspend<T>(&self, f: impl FnOnce() -> T) -> T {
        match &self.spinner {
            Some(bar) => bar.suspend(f),
            None => f(),
        }
    }
}

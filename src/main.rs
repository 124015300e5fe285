// Everything kina shows goes through the printer in the library (src/output).
#![deny(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;

fn main() -> ExitCode {
    kina::run(std::env::args_os())
}

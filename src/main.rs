use std::process::ExitCode;

fn main() -> ExitCode {
    kina::run(std::env::args_os())
}

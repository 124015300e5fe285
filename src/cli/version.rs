use crate::output::Printer;

/// kind's format: `kina v0.1.0 darwin/arm64`; `-q` prints just the version.
pub fn run(printer: &Printer, quiet: bool) {
    let version = env!("CARGO_PKG_VERSION");
    if quiet {
        printer.data_line(version);
    } else {
        printer.data_line(&format!("kina v{version} {}/{}", os(), arch()));
    }
}

fn os() -> &'static str {
    match std::env::consts::OS {
        "macos" => "darwin",
        other => other,
    }
}

fn arch() -> &'static str {
    match std::env::consts::ARCH {
        "aarch64" => "arm64",
        "x86_64" => "amd64",
        other => other,
    }
}

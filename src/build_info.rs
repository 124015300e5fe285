//! How kina describes itself: `kina v0.1.0 darwin/arm64`, as kind does.

pub fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

/// kind's `version` line with Go's names for the platform.
pub fn version_line() -> String {
    format!("kina v{} {}/{}", version(), os(), arch())
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

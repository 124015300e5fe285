//! How kina describes itself: `kina v0.1.0 0123456789ab darwin/arm64`, shaped like kind's line.
//! Everything here comes from the build (Cargo.toml's version, build.rs's commit).

pub fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

/// The 12-digit git commit kina was built from, or `unknown` (see build.rs).
pub fn git_sha() -> &'static str {
    env!("KINA_GIT_SHA")
}

/// kind's `version` line with Go's names for the platform.
pub fn version_line() -> String {
    format!("kina v{} {} {}/{}", version(), git_sha(), os(), arch())
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

//! How kina describes itself: `kina v0.1.0 0123456789ab darwin/arm64`, shaped like kind's line.
//! Everything here comes from the build (Cargo.toml's version, build.rs's commit).

pub(crate) fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

/// The 12-digit git commit kina was built from, or `unknown` (see build.rs).
pub(crate) fn git_sha() -> &'static str {
    env!("KINA_GIT_SHA")
}

/// Where a docs page (`configuration.md`) of this very release is: a GitHub URL
/// when the build knew its repository (release builds do), else the page's
/// place in kina's source.
pub(crate) fn docs_link(page: &str) -> String {
    docs_link_in(env!("KINA_REPO"), version(), page)
}

fn docs_link_in(repo: &str, version: &str, page: &str) -> String {
    if repo.is_empty() {
        format!("docs/{page} in kina's source")
    } else {
        format!("https://github.com/{repo}/blob/v{version}/docs/{page}")
    }
}

/// kind's `version` line with Go's names for the platform.
pub(crate) fn version_line() -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docs_links_name_the_release() {
        assert_eq!(
            docs_link_in("acme/kina", "0.2.0", "configuration.md"),
            "https://github.com/acme/kina/blob/v0.2.0/docs/configuration.md"
        );
        assert_eq!(docs_link_in("", "0.2.0", "addons.md"), "docs/addons.md in kina's source");
    }
}

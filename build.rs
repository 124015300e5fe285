//! Records the git commit kina is built from as `KINA_GIT_SHA`, for `kina version`,
//! and the GitHub repository it is released from as `KINA_REPO` (from `KINA_REPO`
//! or GitHub Actions' `GITHUB_REPOSITORY`; empty when unknown), so hints can link
//! to the docs of the release a user runs.
//!
//! Falls back to `unknown` when git or the repository is missing (a release
//! tarball, `cargo install` from crates.io); `KINA_GIT_SHA` in the environment
//! overrides both, so a packager can pass the commit in.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=KINA_GIT_SHA");
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let sha = match std::env::var("KINA_GIT_SHA") {
        Ok(sha) if !sha.trim().is_empty() => sha.trim().to_string(),
        _ => git_sha(&manifest_dir).unwrap_or_else(|| "unknown".to_string()),
    };
    println!("cargo:rustc-env=KINA_GIT_SHA={sha}");

    println!("cargo:rerun-if-env-changed=KINA_REPO");
    println!("cargo:rerun-if-env-changed=GITHUB_REPOSITORY");
    let repo = ["KINA_REPO", "GITHUB_REPOSITORY"]
        .iter()
        .filter_map(|key| std::env::var(key).ok())
        .map(|repo| repo.trim().to_string())
        .find(|repo| is_repo(repo))
        .unwrap_or_default();
    println!("cargo:rustc-env=KINA_REPO={repo}");
}

/// `owner/name` in GitHub's characters.
fn is_repo(text: &str) -> bool {
    let mut parts = text.split('/');
    let ok = |part: Option<&str>| {
        part.is_some_and(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)))
    };
    ok(parts.next()) && ok(parts.next()) && parts.next().is_none()
}

/// The short commit of `dir`'s own repository; None outside one (a crate unpacked
/// inside some other repository must not pick up that repository's commit).
fn git_sha(dir: &Path) -> Option<String> {
    let dot_git = dir.join(".git");
    if !dot_git.exists() {
        return None;
    }
    watch_head(dir);
    let sha = git(dir, &["rev-parse", "--short=12", "HEAD"])?;
    sha.chars().all(|c| c.is_ascii_hexdigit()).then_some(sha)
}

/// Rebuilds when HEAD moves: HEAD itself (a checkout) and the ref it points to (a commit).
fn watch_head(dir: &Path) {
    let Some(head) = git(dir, &["rev-parse", "--git-path", "HEAD"]) else { return };
    let head = dir.join(head);
    if !head.exists() {
        return;
    }
    println!("cargo:rerun-if-changed={}", head.display());
    if let Some(reference) =
        std::fs::read_to_string(&head).ok().and_then(|t| t.strip_prefix("ref: ").map(|r| r.trim().to_string()))
        && let Some(path) = git(dir, &["rev-parse", "--git-path", &reference])
    {
        let path = dir.join(path);
        if path.exists() {
            println!("cargo:rerun-if-changed={}", path.display());
        }
        // A ref that has been packed lives in packed-refs until it moves again.
        if let Some(packed) = git(dir, &["rev-parse", "--git-path", "packed-refs"]).map(|p| dir.join(p))
            && packed.exists()
        {
            println!("cargo:rerun-if-changed={}", packed.display());
        }
    }
}

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).current_dir(dir).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (!text.is_empty()).then_some(text)
}

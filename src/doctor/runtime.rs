//! Apple `container` itself: installed and which release, its service, the
//! kernel its VMs boot, and its DNS domains.

use std::time::Duration;

use super::{Check, START_A_CLUSTER};
use crate::provider::apple::version::{self, PATH_FLAGS, Version};
use crate::provider::apple::{AppleError, missing_default_kernel};
use crate::provider::error::INSTALL_KERNEL;
use crate::provider::{Diagnostics, Node, NodeCommand, NodeHandle, Provider, ProviderError, Purpose};

const CONTAINER: &str = "container";
const SERVICE: &str = "service";
const KERNEL: &str = "kernel";
const DNS: &str = "dns-domain";

const UPGRADE: &str = "upgrade Apple container to 1.2.1 or newer: `brew upgrade container`, or the installer from https://github.com/apple/container/releases";
const START_SERVICE: &str = "container system start --enable-kernel-install";
const RECOMMENDED_KERNEL: &str = "container system kernel set --recommended --force";
/// The kernel Apple container 0.12–1.x installs (Kata 3.28): major.minor below it is stale.
const CURRENT_KERNEL: (u64, u64) = (6, 18);

const UNAME_TIMEOUT: Duration = Duration::from_secs(15);

/// Every runtime check when there is no `container` binary at all.
pub(super) fn not_installed(err: &ProviderError) -> Vec<Check> {
    let install = err.hint().unwrap_or_else(|| "install Apple container".into());
    let first = "install Apple container first (see above)";
    vec![
        Check::fail(CONTAINER, err.to_string(), install),
        Check::fail(SERVICE, "the Apple container system service cannot run: `container` is not installed", first),
        Check::warn(KERNEL, "node kernel not checked: `container` is not installed", first),
        Check::warn(DNS, "DNS domains not checked: `container` is not installed", first),
        Check::warn(super::network::REACHABILITY, "node reachability not checked: `container` is not installed", first),
    ]
}

/// `container --version`: 1.2.0 and anything before 1.0 cannot run nodes.
pub(super) async fn container<P: Diagnostics>(provider: &P, binary: &str) -> Check {
    match provider.version_text().await {
        Ok(text) => match version::parse(&text) {
            Some(v) => version_verdict(v, binary),
            None => Check::fail(
                CONTAINER,
                format!("could not read the Apple container version from {:?}", text.trim()),
                UPGRADE,
            ),
        },
        Err(err) => Check::fail(CONTAINER, format!("`container --version` failed ({binary}): {err}"), UPGRADE),
    }
}

fn version_verdict(v: Version, binary: &str) -> Check {
    if let Some(reason) = version::refusal(v) {
        Check::fail(CONTAINER, reason, UPGRADE)
    } else if let Some(caution) = version::caution(v) {
        Check::warn(CONTAINER, caution, "if a kina command fails, report it with the output of `container --version`")
    } else if v < PATH_FLAGS {
        Check::warn(
            CONTAINER,
            format!("Apple container {v} works, but {PATH_FLAGS} or newer is recommended ({binary})"),
            UPGRADE,
        )
    } else {
        Check::ok(CONTAINER, format!("Apple container {v} ({binary})"))
    }
}

/// `container system status` exits 0 while the API server runs.
pub(super) async fn service<P: Provider>(provider: &P) -> Check {
    match provider.preflight(Purpose::ManageNodes).await {
        Ok(_) => Check::ok(SERVICE, "the Apple container system service is running"),
        Err(err) if matches!(err.runtime_error(), Some(AppleError::ServiceDown { .. })) => {
            Check::fail(SERVICE, err.to_string(), START_SERVICE)
        }
        Err(err) => {
            Check::fail(SERVICE, format!("could not check the Apple container system service: {err}"), START_SERVICE)
        }
    }
}

/// Whether a default kernel is installed (a fresh 1.5.0 has none), then `uname -r` in a
/// running node: the installed kernel survives upgrades of the CLI.
pub(super) async fn kernel<P: Provider>(
    provider: &P,
    running: &Result<Vec<Node>, ProviderError>,
    app_root: Option<&std::path::Path>,
) -> Check {
    if let Some(link) = app_root.and_then(missing_default_kernel) {
        return Check::fail(
            KERNEL,
            format!("no default kernel is installed ({} does not exist): node VMs cannot boot", link.display()),
            INSTALL_KERNEL,
        );
    }
    let nodes = match running {
        Ok(nodes) => nodes,
        Err(err) => {
            return Check::warn(
                KERNEL,
                format!("node kernel not checked: could not list kina nodes: {err}"),
                START_SERVICE,
            );
        }
    };
    let Some(node) = nodes.first() else {
        return Check::warn(KERNEL, "no running node to check the kernel", START_A_CLUSTER);
    };
    let uname = NodeCommand::new(["uname", "-r"]).timeout(UNAME_TIMEOUT);
    let text = match provider.node(&node.name).run(&uname).await {
        Ok(out) if out.success() => out.stdout,
        Ok(out) => {
            let why = format!("`uname -r` exited {}", out.code);
            return Check::warn(
                KERNEL,
                format!("could not read the kernel of {}: {why}", node.name),
                RECOMMENDED_KERNEL,
            );
        }
        Err(err) => {
            return Check::warn(
                KERNEL,
                format!("could not read the kernel of {}: {err}", node.name),
                RECOMMENDED_KERNEL,
            );
        }
    };
    kernel_verdict(text.trim(), &node.name)
}

/// `(major, minor)` of a kernel release such as `6.18.15` or `6.12.28-153`.
pub(super) fn parse_kernel(release: &str) -> Option<(u64, u64)> {
    let mut parts = release.trim().split(['.', '-']);
    let major = parts.next()?.parse().ok()?;
    let minor_text = parts.next()?;
    let digits: String = minor_text.chars().take_while(char::is_ascii_digit).collect();
    Some((major, digits.parse().ok()?))
}

fn kernel_verdict(release: &str, node: &str) -> Check {
    match parse_kernel(release) {
        Some(found) if found >= CURRENT_KERNEL => Check::ok(KERNEL, format!("node VMs boot Linux {release} ({node})")),
        Some(_) => Check::warn(
            KERNEL,
            format!(
                "node VMs boot Linux {release} ({node}), older than the 6.18.15 kernel Apple container 1.x recommends: \
                 an installed kernel stays when Apple container is upgraded"
            ),
            RECOMMENDED_KERNEL,
        ),
        None => Check::warn(
            KERNEL,
            format!("could not read the kernel version of {node} from {release:?}"),
            RECOMMENDED_KERNEL,
        ),
    }
}

/// `container system dns list`: a domain ending in `.local` belongs to mDNS.
pub(super) async fn dns_domain<P: Diagnostics>(provider: &P) -> Check {
    match provider.dns_domains().await {
        Ok(domains) => dns_verdict(&domains),
        Err(err) => Check::warn(
            DNS,
            format!("could not list the Apple container DNS domains: {err}"),
            "check `container system dns list`",
        ),
    }
}

fn dns_verdict(domains: &[String]) -> Check {
    let is_local = |d: &&String| {
        let d = d.trim_end_matches('.').to_ascii_lowercase();
        d == "local" || d.ends_with(".local")
    };
    let local: Vec<&String> = domains.iter().filter(is_local).collect();
    if let Some(first) = local.first() {
        let names: Vec<&str> = local.iter().map(|d| d.as_str()).collect();
        return Check::fail(
            DNS,
            format!(
                "DNS domain {} ends in .local: macOS answers .local names with multicast DNS, so names under it never resolve",
                names.join(", ")
            ),
            format!(
                "use another domain: `sudo container system dns delete {}`, then e.g. `sudo container system dns create test`",
                shell_words::quote(first)
            ),
        );
    }
    if domains.is_empty() {
        Check::ok(DNS, "no Apple container DNS domain (none ends in .local)")
    } else {
        Check::ok(DNS, format!("DNS domains {} (none ends in .local)", domains.join(", ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::Status;

    #[test]
    fn versions_are_judged_like_preflight() {
        let judge = |major, minor, patch| version_verdict(Version::new(major, minor, patch), "container");
        assert_eq!(judge(0, 12, 3).status, Status::Fail);
        let broken = judge(1, 2, 0);
        assert_eq!(broken.status, Status::Fail);
        assert!(broken.fix.unwrap().contains("1.2.1 or newer"));
        assert_eq!(judge(1, 0, 0).status, Status::Warn);
        assert_eq!(judge(1, 1, 0).status, Status::Warn);
        assert_eq!(judge(1, 2, 1).status, Status::Ok);
        assert_eq!(judge(1, 4, 1).status, Status::Ok);
        let next = judge(2, 0, 0);
        assert_eq!(next.status, Status::Warn);
        assert!(next.message.contains("newer than"), "{}", next.message);
    }

    #[test]
    fn parses_kernel_releases() {
        assert_eq!(parse_kernel("6.18.15"), Some((6, 18)));
        assert_eq!(parse_kernel("6.12.28-153\n"), Some((6, 12)));
        assert_eq!(parse_kernel("6.19-rc1"), Some((6, 19)));
        assert_eq!(parse_kernel("Linux"), None);
        assert_eq!(kernel_verdict("6.18.15", "n").status, Status::Ok);
        assert_eq!(kernel_verdict("7.0.1", "n").status, Status::Ok);
        let stale = kernel_verdict("6.12.28", "n");
        assert_eq!(stale.status, Status::Warn);
        assert_eq!(stale.fix.as_deref(), Some(RECOMMENDED_KERNEL));
    }

    #[test]
    fn dot_local_domains_fail() {
        let domains = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(dns_verdict(&[]).status, Status::Ok);
        assert_eq!(dns_verdict(&domains(&["test", "localdev"])).status, Status::Ok);
        let bad = dns_verdict(&domains(&["test", "k8s.LOCAL."]));
        assert_eq!(bad.status, Status::Fail);
        assert!(bad.fix.unwrap().contains("dns delete k8s.LOCAL."));
        // The domain comes from the runtime: the command shown is quoted for pasting.
        let odd = dns_verdict(&domains(&["$(touch x) a.local"]));
        assert!(odd.fix.unwrap().contains("`sudo container system dns delete '$(touch x) a.local'`"));
    }
}

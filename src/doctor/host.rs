//! The Mac itself: macOS release (`sw_vers`) and Apple silicon (`sysctl`).

use super::{Check, HostCommands};
use crate::exec::Runner;

const MACOS: &str = "macos";
const SILICON: &str = "apple-silicon";

const UPGRADE_MACOS: &str = "upgrade to macOS 26 (System Settings → General → Software Update)";

/// macOS 26 runs multi-node clusters; 15 only single nodes; older, nothing.
pub(super) async fn macos<R: Runner>(host: &HostCommands<R>) -> Check {
    match host.run("sw_vers", &["-productVersion"]).await {
        Ok(out) if out.success() => macos_verdict(out.stdout.trim()),
        Ok(out) => Check::fail(
            MACOS,
            format!("could not read the macOS version: `sw_vers -productVersion` exited {}", out.code),
            "kina runs on macOS 26 (or 15, single node) on Apple silicon",
        ),
        Err(err) => Check::fail(
            MACOS,
            format!("could not read the macOS version ({err}); kina needs macOS"),
            "kina runs on macOS 26 (or 15, single node) on Apple silicon",
        ),
    }
}

/// `major.minor` of a `sw_vers -productVersion` line such as `26.0.1` or `15.6`.
pub(super) fn parse_macos(text: &str) -> Option<(u64, u64)> {
    let mut parts = text.trim().split('.');
    let major = parts.next()?.trim().parse().ok()?;
    let minor = parts.next().map_or(Some(0), |m| m.trim().parse().ok())?;
    Some((major, minor))
}

fn macos_verdict(text: &str) -> Check {
    let Some((major, _)) = parse_macos(text) else {
        return Check::fail(
            MACOS,
            format!("could not read the macOS version from {text:?}"),
            "check `sw_vers -productVersion`; kina needs macOS 26 (or 15, single node)",
        );
    };
    match major {
        26.. => Check::ok(MACOS, format!("macOS {text}: multi-node clusters supported")),
        15 => Check::warn(
            MACOS,
            format!("macOS {text}: single-node clusters only (node VMs cannot reach each other before macOS 26)"),
            UPGRADE_MACOS,
        ),
        _ => Check::fail(
            MACOS,
            format!("macOS {text} is too old: Apple container needs macOS 15 or newer (26 for multi-node clusters)"),
            UPGRADE_MACOS,
        ),
    }
}

/// `hw.optional.arm64` is 1 on Apple silicon, also for a process run by Rosetta.
pub(super) async fn apple_silicon<R: Runner>(host: &HostCommands<R>) -> Check {
    let fix = "Apple container runs only on Macs with Apple silicon (M1 or later)";
    match host.run("sysctl", &["-n", "hw.optional.arm64"]).await {
        Ok(out) if out.success() && out.stdout.trim() == "1" => Check::ok(SILICON, "Apple silicon"),
        Ok(out) if out.success() => {
            Check::fail(SILICON, format!("not Apple silicon (hw.optional.arm64 = {})", out.stdout.trim()), fix)
        }
        // Intel Macs do not have the key at all: `sysctl` exits non-zero.
        Ok(out) => Check::fail(
            SILICON,
            format!("not Apple silicon (`sysctl -n hw.optional.arm64` exited {}: {})", out.code, out.stderr.trim()),
            fix,
        ),
        Err(err) => Check::fail(SILICON, format!("could not check for Apple silicon ({err})"), fix),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::Status;
    use crate::exec::scripted::ScriptedRunner;

    #[test]
    fn parses_product_versions() {
        assert_eq!(parse_macos("26.0.1\n"), Some((26, 0)));
        assert_eq!(parse_macos("15.6"), Some((15, 6)));
        assert_eq!(parse_macos("26"), Some((26, 0)));
        assert_eq!(parse_macos("Darwin"), None);
        assert_eq!(parse_macos(""), None);
    }

    #[test]
    fn macos_26_is_ok_15_warns_older_fails() {
        assert_eq!(macos_verdict("26.1").status, Status::Ok);
        assert_eq!(macos_verdict("27.0").status, Status::Ok);
        let sequoia = macos_verdict("15.6.1");
        assert_eq!(sequoia.status, Status::Warn);
        assert!(sequoia.message.contains("single-node"), "{}", sequoia.message);
        assert_eq!(macos_verdict("14.7").status, Status::Fail);
        assert_eq!(macos_verdict("garbage").status, Status::Fail);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn intel_has_no_arm64_key() {
        let runner = ScriptedRunner::new();
        runner
            .expect(&["-n", "hw.optional.arm64"], 0, "1\n", "")
            .expect(&["-n", "hw.optional.arm64"], 1, "", "sysctl: unknown oid 'hw.optional.arm64'\n")
            .expect(&["-n", "hw.optional.arm64"], 0, "0\n", "");
        let host = HostCommands::new(runner);
        assert_eq!(apple_silicon(&host).await.status, Status::Ok);
        let intel = apple_silicon(&host).await;
        assert_eq!(intel.status, Status::Fail);
        assert!(intel.message.contains("unknown oid"), "{}", intel.message);
        assert_eq!(apple_silicon(&host).await.status, Status::Fail);
    }
}

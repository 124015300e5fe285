//! Free space where Apple container keeps images and node disks (`df -Pk`).

use std::path::{Path, PathBuf};

use super::{Check, HostCommands};
use crate::exec::Runner;

const DISK: &str = "disk";

const KIB_PER_GIB: u64 = 1024 * 1024;
/// Below this a node image and one node's disk do not fit.
const FAIL_BELOW_GIB: u64 = 2;
/// Below this a few clusters or image loads fill the disk.
const WARN_BELOW_GIB: u64 = 10;

const FREE_SPACE: &str = "free up disk space: `container system df` shows what Apple container uses; \
                          `container image delete IMAGE` and `kina delete cluster` give it back";

/// Checks the filesystem holding `app_root` (from `container system status`), else the home directory.
pub(super) async fn disk<R: Runner>(host: &HostCommands<R>, app_root: Option<PathBuf>) -> Check {
    let (dir, what) = match app_root.filter(|dir| dir.is_dir()) {
        Some(dir) => (dir, "Apple container's app root"),
        None => match dirs::home_dir() {
            Some(home) => (home, "the home directory"),
            None => {
                return Check::warn(DISK, "could not find a directory to check", "check free space with `df -h ~`");
            }
        },
    };
    let shown = dir.display().to_string();
    let out = match host.run("df", &["-Pk", &shown]).await {
        Ok(out) if out.success() => out,
        Ok(out) => {
            let why = format!("`df -Pk {shown}` exited {}: {}", out.code, out.stderr.trim());
            return Check::warn(
                DISK,
                format!("could not read free disk space: {why}"),
                "check free space with `df -h`",
            );
        }
        Err(err) => {
            return Check::warn(
                DISK,
                format!("could not read free disk space ({err})"),
                "check free space with `df -h`",
            );
        }
    };
    match parse_df(&out.stdout) {
        Some(free) => verdict(&free, &dir, what),
        None => Check::warn(
            DISK,
            format!("could not read free disk space from `df -Pk {shown}`: {:?}", out.stdout.trim()),
            "check free space with `df -h`",
        ),
    }
}

/// One filesystem as `df -P` describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct FreeSpace {
    pub available_kib: u64,
    pub mount: String,
}

/// Reads POSIX `df -P` output: a header naming the block size (`1024-blocks`),
/// then `filesystem total used available capacity% mount`. Filesystem names
/// and mount points may contain spaces, so the row is anchored on `capacity%`.
pub(super) fn parse_df(text: &str) -> Option<FreeSpace> {
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header = lines.next()?;
    let block_bytes: u64 = header
        .split_whitespace()
        .find_map(|word| word.strip_suffix("-blocks").and_then(|n| n.parse().ok()))
        .unwrap_or(1024);
    let row = lines.next()?;
    let words: Vec<&str> = row.split_whitespace().collect();
    let numeric = |w: &str| w.parse::<u64>().is_ok();
    let at = (4..words.len()).find(|&i| {
        words[i].ends_with('%') && numeric(words[i - 1]) && numeric(words[i - 2]) && numeric(words[i - 3])
    })?;
    let blocks: u64 = words[at - 1].parse().ok()?;
    Some(FreeSpace { available_kib: blocks.saturating_mul(block_bytes) / 1024, mount: words[at + 1..].join(" ") })
}

/// `123.4 GiB`.
pub(super) fn gib(kib: u64) -> String {
    format!("{:.1} GiB", kib as f64 / KIB_PER_GIB as f64)
}

fn verdict(free: &FreeSpace, dir: &Path, what: &str) -> Check {
    let amount = gib(free.available_kib);
    let place = format!("{} ({what}, {})", free.mount, dir.display());
    if free.available_kib < FAIL_BELOW_GIB * KIB_PER_GIB {
        Check::fail(
            DISK,
            format!("only {amount} free on {place}: a node image and its VM disk need more than {FAIL_BELOW_GIB} GiB"),
            FREE_SPACE,
        )
    } else if free.available_kib < WARN_BELOW_GIB * KIB_PER_GIB {
        Check::warn(
            DISK,
            format!(
                "only {amount} free on {place}: less than {WARN_BELOW_GIB} GiB fills up after a few clusters or image loads"
            ),
            FREE_SPACE,
        )
    } else {
        Check::ok(DISK, format!("{amount} free on {place}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::Status;

    #[test]
    fn parses_macos_and_linux_df() {
        let mac = "Filesystem     1024-blocks      Used Available Capacity  Mounted on\n\
                   /dev/disk3s5     971350180 523744412 419310144    56%    /System/Volumes/Data\n";
        assert_eq!(parse_df(mac), Some(FreeSpace { available_kib: 419310144, mount: "/System/Volumes/Data".into() }));
        let linux = "Filesystem     1024-blocks     Used Available Capacity Mounted on\n\
                     /dev/nvme0n1p2   490617784 81234567 384363217      18% /\n";
        assert_eq!(parse_df(linux).unwrap().available_kib, 384363217);
    }

    #[test]
    fn names_with_spaces_and_other_block_sizes() {
        let spaced = "Filesystem 512-blocks Used Available Capacity Mounted on\n\
                      map auto home 2000 1000 1000 50% /Volumes/My Disk\n";
        assert_eq!(parse_df(spaced), Some(FreeSpace { available_kib: 500, mount: "/Volumes/My Disk".into() }));
        assert_eq!(parse_df(""), None);
        assert_eq!(parse_df("Filesystem 1024-blocks Used Available Capacity Mounted on\n"), None);
        assert_eq!(parse_df("df: /nope: No such file or directory"), None);
    }

    #[test]
    fn thresholds() {
        let at = |gib_free: f64| {
            let free = FreeSpace { available_kib: (gib_free * KIB_PER_GIB as f64) as u64, mount: "/".into() };
            verdict(&free, Path::new("/x"), "the home directory")
        };
        assert_eq!(at(1.5).status, Status::Fail);
        assert_eq!(at(5.0).status, Status::Warn);
        let plenty = at(123.4);
        assert_eq!(plenty.status, Status::Ok);
        assert_eq!(plenty.message, "123.4 GiB free on / (the home directory, /x)");
    }
}

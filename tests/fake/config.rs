//! Everything the fake reads from its environment (the `KINA_FAKE_*` contract).

use std::path::PathBuf;

/// A `major.minor.patch` CLI version, compared numerically.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version(pub u32, pub u32, pub u32);

impl Version {
    pub fn parse(text: &str) -> Option<Version> {
        let mut parts = text.trim().trim_start_matches('v').split('.');
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next().unwrap_or("0").parse().ok()?;
        let patch = parts.next().unwrap_or("0").parse().ok()?;
        Some(Version(major, minor, patch))
    }

    pub fn at_least(self, major: u32, minor: u32, patch: u32) -> bool {
        self >= Version(major, minor, patch)
    }
}

/// How the emulated API server looks from the CLI.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApiServer {
    Running,
    /// Registered with launchd but not answering.
    Down,
    /// Not registered with launchd at all.
    Unregistered,
}

pub struct Config {
    pub state_dir: PathBuf,
    pub version: Version,
    pub version_text: String,
    pub apiserver: ApiServer,
    /// `KINA_FAKE_SILENT`: matching calls print nothing on stdout.
    pub silent: Vec<String>,
    pub fail: Vec<String>,
    pub hang: Vec<String>,
    /// `KINA_FAKE_BARRIER`: `;`-separated `<count>:<substring>`.
    pub barriers: Vec<crate::handshake::Barrier>,
    pub latency_ms: u64,
    pub log: Option<PathBuf>,
    pub boot_polls: u32,
    pub not_ready: bool,
    /// `KINA_FAKE_BUILDER=stopped`: the BuildKit builder VM is not running.
    pub builder_stopped: bool,
    pub macos: u32,
    /// `uname -r` inside nodes (`KINA_FAKE_KERNEL`, default the 1.x recommended kernel).
    pub kernel: String,
    /// `KINA_FAKE_DNS_DOMAINS`: the domains `system dns list` shows (comma-separated).
    pub dns_domains: Vec<String>,
    /// `KINA_FAKE_UNAVAILABLE`: `<namespace>/<name>` patterns (`*` wildcards, comma-
    /// separated) of workloads whose pods never become ready.
    pub unavailable: Vec<String>,
    /// `KINA_FAKE_KERNEL_FEATURES`: what the node kernel has among [`KERNEL_FEATURES`]
    /// (unset: [`DEFAULT_KERNEL_FEATURES`]; `none`: an old kernel with none of them).
    pub kernel_features: Vec<String>,
    /// `KINA_FAKE_NO_KERNEL`: a fresh install (1.5.0) with no default kernel until
    /// `container system kernel set --recommended`.
    pub no_kernel: bool,
}

/// The node kernel features the fake knows how to probe.
pub const KERNEL_FEATURES: &[&str] = &["vxlan", "br_netfilter", "bpf", "ip_set", "ip_vs", "dummy", "clsact"];

/// The kernel `container system kernel set --recommended` installs since 1.3.0 (Kata 3.32,
/// apple/container#2143): VXLAN, BRIDGE_NETFILTER, IP_SET, IP_VS and BPF on; DUMMY and the
/// clsact qdisc (NET_SCH_INGRESS, NET_CLS_ACT) off.
pub const DEFAULT_KERNEL_FEATURES: &[&str] = &["vxlan", "br_netfilter", "bpf", "ip_set", "ip_vs"];

/// The commit every emulated version reports.
pub const COMMIT: &str = "0190097";

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn patterns(name: &str) -> Vec<String> {
    var(name).map(|v| v.split(';').filter(|p| !p.is_empty()).map(str::to_string).collect()).unwrap_or_default()
}

/// A comma-separated list.
fn list(name: &str) -> Vec<String> {
    var(name)
        .map(|v| v.split(',').map(str::trim).filter(|d| !d.is_empty()).map(str::to_string).collect())
        .unwrap_or_default()
}

impl Config {
    /// Whether the node kernel has `feature` (`KINA_FAKE_KERNEL_FEATURES`).
    pub fn kernel_has(&self, feature: &str) -> bool {
        self.kernel_features.iter().any(|f| f == feature)
    }

    pub fn from_env() -> Config {
        let state_dir = var("KINA_FAKE_STATE")
            .map(PathBuf::from)
            .unwrap_or_else(|| std::env::temp_dir().join("kina-fake-container"));
        let version_text = var("KINA_FAKE_VERSION").unwrap_or_else(|| "1.2.2".to_string());
        let version = Version::parse(&version_text).unwrap_or(Version(1, 2, 2));
        let apiserver = match var("KINA_FAKE_APISERVER").as_deref() {
            Some("down") | Some("stopped") | Some("not running") => ApiServer::Down,
            Some("unregistered") => ApiServer::Unregistered,
            _ => ApiServer::Running,
        };
        Config {
            state_dir,
            version,
            version_text: version_text.trim().trim_start_matches('v').to_string(),
            apiserver,
            fail: patterns("KINA_FAKE_FAIL"),
            hang: patterns("KINA_FAKE_HANG"),
            silent: patterns("KINA_FAKE_SILENT"),
            barriers: patterns("KINA_FAKE_BARRIER")
                .iter()
                .map(|b| {
                    crate::handshake::Barrier::parse(b)
                        .unwrap_or_else(|| panic!("KINA_FAKE_BARRIER: {b:?} is not <count>:<substring>"))
                })
                .collect(),
            latency_ms: var("KINA_FAKE_LATENCY_MS").and_then(|v| v.trim().parse().ok()).unwrap_or(0),
            log: var("KINA_FAKE_LOG").map(PathBuf::from),
            boot_polls: var("KINA_FAKE_BOOT_POLLS").and_then(|v| v.trim().parse().ok()).unwrap_or(0),
            not_ready: var("KINA_FAKE_NOT_READY").is_some_and(|v| v != "0"),
            builder_stopped: var("KINA_FAKE_BUILDER").is_some_and(|v| v == "stopped"),
            macos: var("KINA_FAKE_MACOS").and_then(|v| v.trim().parse().ok()).unwrap_or(26),
            kernel: var("KINA_FAKE_KERNEL").map(|v| v.trim().to_string()).unwrap_or_else(|| "6.18.15".to_string()),
            dns_domains: list("KINA_FAKE_DNS_DOMAINS"),
            unavailable: list("KINA_FAKE_UNAVAILABLE"),
            kernel_features: kernel_features(),
            no_kernel: var("KINA_FAKE_NO_KERNEL").is_some_and(|v| v != "0"),
        }
    }

    /// `container CLI version 1.2.2 (build: release, commit: 0190097)`.
    pub fn version_line(&self, app: &str) -> String {
        format!("{app} version {} (build: release, commit: {COMMIT})", self.version_text)
    }

    /// The first pattern of `list` that the joined argv contains.
    pub fn matching<'a>(list: &'a [String], joined: &str) -> Option<&'a str> {
        list.iter().find(|p| joined.contains(p.as_str())).map(String::as_str)
    }
}

/// `KINA_FAKE_KERNEL_FEATURES`, checked against [`KERNEL_FEATURES`] so a typo cannot
/// silently turn a feature off.
fn kernel_features() -> Vec<String> {
    let Some(text) = var("KINA_FAKE_KERNEL_FEATURES") else {
        return DEFAULT_KERNEL_FEATURES.iter().map(|f| f.to_string()).collect();
    };
    if text.trim() == "none" {
        return Vec::new();
    }
    let features = list("KINA_FAKE_KERNEL_FEATURES");
    if let Some(unknown) = features.iter().find(|f| !KERNEL_FEATURES.contains(&f.as_str())) {
        panic!("KINA_FAKE_KERNEL_FEATURES: unknown feature {unknown:?} (known: {KERNEL_FEATURES:?}, or `none`)");
    }
    features
}

/// `KINA_FAKE_SUBNET` (e.g. `127.77.0`): the first three octets of the default network,
/// instead of `192.168.64`, so tests can listen on container addresses (loopback).
/// kina treats loopback API server addresses as its own, so `kina start cluster` cannot
/// heal an address change on such a subnet: use it for tests that do not restart nodes.
pub fn subnet() -> Option<String> {
    let text = var("KINA_FAKE_SUBNET")?;
    let text = text.trim().split('/').next().unwrap_or_default();
    let octets: Vec<&str> = text.split('.').take(3).collect();
    (octets.len() == 3 && octets.iter().all(|o| o.parse::<u8>().is_ok())).then(|| octets.join("."))
}

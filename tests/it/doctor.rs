//! `kina doctor`: one line per check, a fix for each problem, exit 1 on failure.
//!
//! The Mac's own programs (`sw_vers`, `sysctl`, `df`) are scripts on PATH. Node
//! VMs get loopback addresses (`KINA_FAKE_SUBNET=127.77.<n>`, unique per test) so
//! that "reachable" is a `TcpListener` the test holds open: tests never connect
//! anywhere but loopback.

use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU8, Ordering};

use serde_json::Value;

use crate::support::{Run, World};

const GIB_KIB: u64 = 1024 * 1024;

/// The third octet of each test's node subnet.
static NEXT_SUBNET: AtomicU8 = AtomicU8::new(1);

/// What the fake Mac's own programs say.
struct Mac {
    /// `sw_vers -productVersion`; `None`: no `sw_vers` on PATH.
    macos: Option<&'static str>,
    arm64: bool,
    /// `df`'s Available column, in KiB.
    free_kib: u64,
}

impl Default for Mac {
    fn default() -> Self {
        Mac { macos: Some("26.0.1"), arm64: true, free_kib: 200 * GIB_KIB }
    }
}

/// A world with `mac`'s programs on PATH and its own loopback node subnet.
struct Doctor {
    world: World,
    subnet: u8,
}

impl Doctor {
    fn new(mac: Mac) -> Self {
        let mut world = World::new();
        let bin = world.path("bin");
        std::fs::create_dir_all(&bin).unwrap();
        if let Some(version) = mac.macos {
            script(&bin, "sw_vers", &format!("echo {version}"));
        }
        if mac.arm64 {
            script(&bin, "sysctl", "echo 1");
        } else {
            script(&bin, "sysctl", "echo \"sysctl: unknown oid 'hw.optional.arm64'\" >&2\nexit 1");
        }
        // `df -Pk DIR`: the directory checked appears as the mount point.
        script(
            &bin,
            "df",
            &format!(
                "echo 'Filesystem 1024-blocks Used Available Capacity Mounted on'\n\
                 echo \"/dev/disk3s5 971350180 523744412 {} 56% $2\"",
                mac.free_kib
            ),
        );
        // The scripts first, so a Mac's own `sw_vers`/`sysctl`/`df` are not found instead.
        let path = std::env::join_paths(
            std::iter::once(bin.clone()).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
        )
        .unwrap();
        world.env("PATH", path.to_string_lossy());
        let subnet = NEXT_SUBNET.fetch_add(1, Ordering::SeqCst);
        world.env("KINA_FAKE_SUBNET", format!("127.77.{subnet}"));
        // The nodes must answer on loopback: they stay on the default network.
        world.env("KINA_FIXED_ADDRESSES", "off");
        Doctor { world, subnet }
    }

    fn healthy() -> Self {
        Self::new(Mac::default())
    }

    fn doctor(&self) -> Run {
        self.world.kina(&["doctor"])
    }

    fn json(&self) -> (Run, Vec<Value>) {
        let run = self.world.kina(&["doctor", "-o", "json"]);
        let checks: Value = serde_json::from_str(&run.stdout()).expect("doctor -o json prints JSON");
        (run, checks.as_array().unwrap().clone())
    }

    /// `kina create cluster`, then (node IP, published API server address).
    fn create(&self, args: &[&str]) -> (String, String) {
        let mut argv = vec!["create", "cluster"];
        argv.extend_from_slice(args);
        self.world.kina(&argv).success();
        let list: Value = serde_json::from_str(&self.world.kina(&["list", "-o", "json"]).stdout()).unwrap();
        let ip = list[0]["nodes"][0]["ip"].as_str().unwrap().to_string();
        assert!(ip.starts_with(&format!("127.77.{}.", self.subnet)), "nodes must get loopback addresses: {ip}");
        let published = list[0]["apiServer"].as_str().unwrap().trim_start_matches("https://").to_string();
        assert!(published.starts_with("127.0.0.1:"), "{published}");
        (ip, published)
    }
}

fn script(dir: &std::path::Path, name: &str, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// A reachable endpoint, on loopback only. The kernel completes the handshake
/// from the backlog, so nothing needs to accept.
fn listen(address: &str) -> TcpListener {
    let ip: std::net::IpAddr = address.rsplit_once(':').unwrap().0.parse().unwrap();
    assert!(ip.is_loopback(), "tests only ever listen on (and connect to) loopback: {address}");
    TcpListener::bind(address).unwrap_or_else(|e| {
        panic!("cannot listen on {address} ({e}); 127.0.0.0/8 must all be local (Linux; on macOS alias it to lo0)")
    })
}

/// The check with `id` (the first one, for `reachability`).
fn check<'a>(checks: &'a [Value], id: &str) -> &'a Value {
    checks.iter().find(|c| c["check"] == id).unwrap_or_else(|| panic!("no {id} check in {checks:?}"))
}

/// Table lines, as (mark, text) pairs plus the `fix:` line under each.
#[track_caller]
fn assert_line(run: &Run, mark: &str, text: &str) {
    let stdout = run.stdout();
    assert!(
        stdout.lines().any(|l| l.starts_with(&format!(" {mark} ")) && l.contains(text)),
        "no ` {mark} ...{text}...` line:\n{stdout}\n--- stderr ---\n{}",
        run.stderr()
    );
}

/// The `fix:` line right under the check line containing `text`.
#[track_caller]
fn fix_of(run: &Run, text: &str) -> String {
    let stdout = run.stdout();
    let lines: Vec<&str> = stdout.lines().collect();
    let at = lines.iter().position(|l| l.contains(text)).unwrap_or_else(|| panic!("no line with {text:?}:\n{stdout}"));
    let fix = lines.get(at + 1).copied().unwrap_or_default();
    assert!(fix.starts_with("   fix: "), "no fix under {text:?}:\n{stdout}");
    fix.trim_start_matches("   fix: ").to_string()
}

/// Doctor only reads: no `container` call may change anything.
#[track_caller]
fn assert_read_only(world: &World) {
    let allowed = [
        "--version",
        "system status",
        "list --all --format json",
        "system dns list -q",
        "exec kina-control-plane uname -r",
    ];
    for call in world.fake_calls() {
        assert!(allowed.iter().any(|a| call.starts_with(a)), "doctor made a changing call: {call}");
    }
}

#[test]
fn a_healthy_mac_passes_every_check_in_table_and_json() {
    let doctor = Doctor::healthy();
    let (ip, published) = doctor.create(&[]);
    let _api = listen(&format!("{ip}:6443"));
    let _published = listen(&published);
    doctor.world.clear_fake_log();

    let run = doctor.doctor();
    run.success().stdout_has(" ✓ macOS 26.0.1: multi-node clusters supported\n");
    let stdout = run.stdout();
    assert_eq!(stdout.lines().count(), 8, "{stdout}");
    assert!(stdout.lines().all(|l| l.starts_with(" ✓ ")), "{stdout}");
    assert_line(&run, "✓", "Apple silicon");
    assert_line(&run, "✓", "Apple container 1.2.2");
    assert_line(&run, "✓", "the Apple container system service is running");
    assert_line(&run, "✓", "node VMs boot Linux 6.18.15 (kina-control-plane)");
    assert_line(&run, "✓", "none ends in .local");
    assert_line(&run, "✓", &format!("the Mac reaches kina-control-plane at {ip}:6443 and at {published}"));
    // The disk check looks at Apple container's app root (from `system status`).
    let app_root = doctor.world.path("state").join("app-root");
    assert_line(&run, "✓", &format!("200.0 GiB free on {}", app_root.display()));
    assert_read_only(&doctor.world);

    let (run, checks) = doctor.json();
    run.success();
    let ids: Vec<&str> = checks.iter().map(|c| c["check"].as_str().unwrap()).collect();
    assert_eq!(ids, ["macos", "apple-silicon", "container", "service", "kernel", "dns-domain", "reachability", "disk"]);
    for c in &checks {
        let keys: Vec<&String> = c.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["check", "status", "message", "fix"], "{c}");
        assert_eq!(c["status"], "ok", "{c}");
        assert_eq!(c["fix"], Value::Null, "{c}");
    }
    assert_eq!(check(&checks, "macos")["message"], "macOS 26.0.1: multi-node clusters supported");
}

#[test]
fn unsupported_container_releases_fail_with_an_upgrade_fix() {
    for (version, says) in [("0.12.3", "too old"), ("1.2.0", "/proc/sys")] {
        let mut doctor = Doctor::healthy();
        doctor.world.env("KINA_FAKE_VERSION", version);
        let run = doctor.doctor();
        run.code_is(1).stderr_has("ERROR: 1 of 8 checks failed");
        assert_line(&run, "✗", says);
        assert!(fix_of(&run, says).contains("upgrade Apple container to 1.2.1 or newer"), "{}", run.stdout());
    }
    // Before 1.2.1 works, with a recommendation; 2.x is newer than kina knows.
    for (version, says) in [("1.1.0", "1.2.1 or newer is recommended"), ("2.0.0", "newer than the 1.x releases")] {
        let mut doctor = Doctor::healthy();
        doctor.world.env("KINA_FAKE_VERSION", version);
        let run = doctor.doctor();
        run.success();
        assert_line(&run, "!", says);
    }
}

#[test]
fn a_stopped_service_fails_with_the_start_command() {
    let mut doctor = Doctor::healthy();
    doctor.world.env("KINA_FAKE_APISERVER", "down");
    let run = doctor.doctor();
    run.code_is(1);
    assert_line(&run, "✗", "the Apple container system service is not running");
    assert_eq!(fix_of(&run, "service is not running"), "container system start --enable-kernel-install");
    // The checks that need the service say so instead of aborting.
    assert_line(&run, "!", "node kernel not checked");
    assert_line(&run, "!", "node reachability not checked");
    // Without the service there is no app root: the home directory is checked.
    assert_line(&run, "✓", &format!("on {} (the home directory", doctor.world.home().display()));
}

#[test]
fn macos_15_is_a_warning_and_older_releases_fail() {
    let sequoia = Doctor::new(Mac { macos: Some("15.6.1"), ..Mac::default() });
    let run = sequoia.doctor();
    run.success();
    assert_line(&run, "!", "macOS 15.6.1: single-node clusters only");
    assert!(fix_of(&run, "macOS 15.6.1").contains("macOS 26"));

    let sonoma = Doctor::new(Mac { macos: Some("14.7"), ..Mac::default() });
    let run = sonoma.doctor();
    run.code_is(1);
    assert_line(&run, "✗", "macOS 14.7 is too old");
    assert!(fix_of(&run, "macOS 14.7").contains("upgrade to macOS 26"));
}

#[test]
fn an_intel_mac_fails() {
    let doctor = Doctor::new(Mac { arm64: false, ..Mac::default() });
    let run = doctor.doctor();
    run.code_is(1);
    assert_line(&run, "✗", "not Apple silicon");
    assert!(fix_of(&run, "not Apple silicon").contains("Apple silicon (M1 or later)"));
}

#[test]
fn a_dot_local_dns_domain_fails() {
    let mut doctor = Doctor::healthy();
    doctor.world.env("KINA_FAKE_DNS_DOMAINS", "test,kina.local");
    let run = doctor.doctor();
    run.code_is(1);
    assert_line(&run, "✗", "DNS domain kina.local ends in .local");
    let fix = fix_of(&run, "kina.local ends in .local");
    assert!(fix.contains("sudo container system dns delete kina.local"), "{fix}");
    assert!(fix.contains("sudo container system dns create test"), "{fix}");

    doctor.world.env("KINA_FAKE_DNS_DOMAINS", "test");
    let run = doctor.doctor();
    run.success();
    assert_line(&run, "✓", "DNS domains test (none ends in .local)");
}

#[test]
fn a_stale_kernel_is_a_warning_with_the_kernel_set_fix() {
    let mut doctor = Doctor::healthy();
    doctor.world.env("KINA_FAKE_KERNEL", "6.12.28");
    let (ip, published) = doctor.create(&[]);
    let _api = listen(&format!("{ip}:6443"));
    let _published = listen(&published);
    let run = doctor.doctor();
    run.success();
    assert_line(&run, "!", "node VMs boot Linux 6.12.28 (kina-control-plane), older than the 6.18.15 kernel");
    assert_eq!(fix_of(&run, "Linux 6.12.28"), "container system kernel set --recommended --force");
}

#[test]
fn low_disk_fails_below_2_gib_and_warns_below_10() {
    let full = Doctor::new(Mac { free_kib: GIB_KIB, ..Mac::default() });
    let run = full.doctor();
    run.code_is(1);
    assert_line(&run, "✗", "only 1.0 GiB free on");
    assert!(fix_of(&run, "only 1.0 GiB").contains("container system df"));

    let tight = Doctor::new(Mac { free_kib: 5 * GIB_KIB, ..Mac::default() });
    let run = tight.doctor();
    run.success();
    assert_line(&run, "!", "only 5.0 GiB free on");
}

#[test]
fn reachability_names_the_cause_of_each_failure() {
    let doctor = Doctor::healthy();
    let (ip, published) = doctor.create(&[]);
    let direct = format!("{ip}:6443");

    // Neither answers: the cluster is down or broken.
    let run = doctor.doctor();
    run.code_is(1);
    assert_line(&run, "✗", &format!("kina-control-plane answers neither at {direct}"));
    assert_eq!(
        fix_of(&run, "answers neither"),
        "kina start cluster --name kina (and see `container logs kina-control-plane`)"
    );

    // Only the published port answers: the Mac's route to the VM is stale.
    let published_listener = listen(&published);
    let run = doctor.doctor();
    run.code_is(1);
    assert_line(&run, "✗", &format!("the Mac cannot reach kina-control-plane at {direct}"));
    assert_line(&run, "✗", "a stale ARP entry / vmnet");
    assert_eq!(fix_of(&run, "stale ARP"), format!("sudo arp -d {ip}, then run `kina doctor` again"));

    // Only the VM answers: the port forwarder may not use the local network.
    drop(published_listener);
    let _direct_listener = listen(&direct);
    let run = doctor.doctor();
    run.code_is(1);
    assert_line(&run, "✗", &format!("the published API server port {published} of kina-control-plane does not answer"));
    let fix = fix_of(&run, "does not answer");
    assert!(fix.contains("container-runtime-linux"), "{fix}");
    assert!(fix.contains("System Settings → Privacy & Security → Local Network"), "{fix}");

    // Both: fine.
    let _published_listener = listen(&published);
    doctor.doctor().success();
}

#[test]
fn workers_are_probed_on_their_kubelet_port_and_stopped_clusters_are_skipped() {
    let doctor = Doctor::healthy();
    let (ip, published) = doctor.create(&["--workers", "1"]);
    // Nodes boot in parallel, so which one got which address is read back.
    let list: Value = serde_json::from_str(&doctor.world.kina(&["list", "-o", "json"]).stdout()).unwrap();
    let worker_ip = list[0]["nodes"][1]["ip"].as_str().unwrap().to_string();
    assert_eq!(list[0]["nodes"][1]["name"], "kina-worker");
    let _api = listen(&format!("{ip}:6443"));
    let _published = listen(&published);
    let run = doctor.doctor();
    run.code_is(1);
    assert_line(&run, "✓", "the Mac reaches kina-control-plane");
    assert_line(&run, "✗", &format!("the Mac cannot reach kina-worker at {worker_ip}:10250"));
    assert!(fix_of(&run, "kina-worker at").starts_with(&format!("sudo arp -d {worker_ip}")));

    let _kubelet = listen(&format!("{worker_ip}:10250"));
    let run = doctor.doctor();
    run.success();
    assert_line(&run, "✓", &format!("the Mac reaches kina-worker at {worker_ip}:10250"));

    doctor.world.kina(&["stop", "cluster"]).success();
    let run = doctor.doctor();
    run.success();
    assert_line(&run, "!", "no running nodes to check reachability");
    assert_line(&run, "!", "no running node to check the kernel");
}

#[test]
fn checks_that_cannot_run_are_reported_without_aborting() {
    // No `sw_vers` on PATH (not a Mac), and a `df` that prints nonsense.
    let mut doctor = Doctor::new(Mac { macos: None, ..Mac::default() });
    doctor.world.env("PATH", doctor.world.path("bin").display().to_string());
    script(&doctor.world.path("bin"), "df", "echo 'df: something odd'");
    let (run, checks) = doctor.json();
    run.code_is(1).stderr_has("ERROR: 1 of 8 checks failed");
    let macos = check(&checks, "macos");
    assert_eq!(macos["status"], "fail");
    assert!(macos["message"].as_str().unwrap().contains("could not read the macOS version"), "{macos}");
    assert!(macos["fix"].is_string(), "{macos}");
    let disk = check(&checks, "disk");
    assert_eq!(disk["status"], "warn", "{disk}");
    assert!(disk["message"].as_str().unwrap().contains("could not read free disk space"), "{disk}");
    // Everything else still ran.
    assert_eq!(check(&checks, "container")["status"], "ok");
    assert_eq!(check(&checks, "service")["status"], "ok");
}

#[test]
fn a_missing_container_cli_is_a_finding_not_an_abort() {
    let mut doctor = Doctor::healthy();
    doctor.world.env("KINA_CONTAINER_BIN", "/nonexistent/container");
    let run = doctor.doctor();
    run.code_is(1).stderr_has("ERROR: 2 of 8 checks failed");
    assert_line(&run, "✓", "macOS 26.0.1");
    assert_line(&run, "✗", "Apple's `container` CLI was not found at /nonexistent/container");
    assert!(fix_of(&run, "was not found").contains("brew install container"));
    assert_line(&run, "✗", "the Apple container system service cannot run");
    assert_line(&run, "!", "DNS domains not checked");
    assert_line(&run, "✓", "(the home directory");
    assert!(doctor.world.fake_calls().is_empty());
}

#[test]
fn current_releases_pass_with_their_reshaped_status() {
    for version in ["1.4.1", "1.5.0"] {
        let mut doctor = Doctor::healthy();
        doctor.world.env("KINA_FAKE_VERSION", version);
        let (ip, published) = doctor.create(&[]);
        let _api = listen(&format!("{ip}:6443"));
        let _published = listen(&published);
        doctor.world.clear_fake_log();
        let run = doctor.doctor();
        run.success();
        assert_line(&run, "✓", &format!("Apple container {version}"));
        assert_line(&run, "✓", "node VMs boot Linux");
        // The app root comes from `paths.appRoot` in 1.4.1's status JSON.
        let app_root = doctor.world.path("state").join("app-root");
        assert_line(&run, "✓", &format!("200.0 GiB free on {}", app_root.display()));
        assert_read_only(&doctor.world);
    }
}

#[test]
fn a_fresh_1_5_0_without_a_kernel_fails_with_kernel_set() {
    let mut doctor = Doctor::healthy();
    doctor.world.env("KINA_FAKE_VERSION", "1.5.0").env("KINA_FAKE_NO_KERNEL", "1");
    let run = doctor.doctor();
    run.code_is(1).stderr_has("ERROR: 1 of 8 checks failed");
    assert_line(&run, "✗", "no default kernel is installed");
    assert_eq!(fix_of(&run, "no default kernel"), "container system kernel set --recommended");
    assert_read_only(&doctor.world);

    doctor.world.container(&["system", "kernel", "set", "--recommended"]).success();
    let run = doctor.doctor();
    run.success();
    assert_line(&run, "!", "no running node to check the kernel");
}

//! Shared harness: runs the real `kina` binary against the fake `container`
//! in a private temp world (state dir, HOME, kubeconfig).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub const KINA: &str = env!("CARGO_BIN_EXE_kina");
pub const FAKE: &str = env!("CARGO_BIN_EXE_container");
/// The fake's test-only command that answers a DNS query (tests/fake/node/dns.rs).
pub const FAKE_DNS: &str = "__kina-test-dns";

/// One isolated world: the fake's state, a HOME, and extra env for both binaries.
pub struct World {
    pub dir: tempfile::TempDir,
    env: Vec<(String, String)>,
}

/// The result of one command, with helpers that print everything on failure.
pub struct Run {
    pub argv: Vec<String>,
    pub output: Output,
}

impl Run {
    pub fn code(&self) -> i32 {
        self.output.status.code().unwrap_or(-1)
    }
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }
    fn describe(&self) -> String {
        format!(
            "{:?}\nexit: {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.argv,
            self.code(),
            self.stdout(),
            self.stderr()
        )
    }
    #[track_caller]
    pub fn success(&self) -> &Self {
        assert!(self.output.status.success(), "expected success:\n{}", self.describe());
        self
    }
    #[track_caller]
    pub fn failure(&self) -> &Self {
        assert!(!self.output.status.success(), "expected failure:\n{}", self.describe());
        self
    }
    #[track_caller]
    pub fn code_is(&self, code: i32) -> &Self {
        assert_eq!(self.code(), code, "unexpected exit code:\n{}", self.describe());
        self
    }
    #[track_caller]
    pub fn stdout_has(&self, needle: &str) -> &Self {
        assert!(self.stdout().contains(needle), "stdout lacks {needle:?}:\n{}", self.describe());
        self
    }
    #[track_caller]
    pub fn stderr_has(&self, needle: &str) -> &Self {
        assert!(self.stderr().contains(needle), "stderr lacks {needle:?}:\n{}", self.describe());
        self
    }
    #[track_caller]
    pub fn stdout_is(&self, expected: &str) -> &Self {
        assert_eq!(self.stdout(), expected, "stdout differs:\n{}", self.describe());
        self
    }
}

impl World {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("home")).unwrap();
        std::fs::create_dir_all(dir.path().join("state")).unwrap();
        World { dir, env: Vec::new() }
    }

    /// Sets an environment variable for every later command in this world.
    pub fn env(&mut self, key: &str, value: impl Into<String>) -> &mut Self {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.to_string(), value.into()));
        self
    }

    pub fn remove_env(&mut self, key: &str) -> &mut Self {
        self.env.retain(|(k, _)| k != key);
        self
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn home(&self) -> PathBuf {
        self.path("home")
    }

    /// `~/.kube/config` inside this world.
    pub fn default_kubeconfig(&self) -> PathBuf {
        self.home().join(".kube").join("config")
    }

    /// The fake's invocation log: one line per `container` call (argv, a tab,
    /// the call's duration in µs; newlines in arguments written as `\n`).
    pub fn fake_log(&self) -> PathBuf {
        self.path("container.log")
    }

    /// The argv of every `container` call so far, without the durations.
    pub fn fake_calls(&self) -> Vec<String> {
        self.fake_log_lines()
            .iter()
            .map(|line| line.rsplit_once('\t').map_or(line.as_str(), |(argv, _)| argv).to_string())
            .collect()
    }

    /// Raw log lines, durations included.
    pub fn fake_log_lines(&self) -> Vec<String> {
        std::fs::read_to_string(self.fake_log()).unwrap_or_default().lines().map(str::to_string).collect()
    }

    /// Returns once a `container` call whose argv contains `needle` is hanging
    /// (`KINA_FAKE_HANG`): a handshake, so no test guesses how long that takes.
    #[track_caller]
    pub fn wait_for_hang(&self, needle: &str) {
        let dir = self.path("state").join("hanging");
        let hanging = || {
            std::fs::read_dir(&dir)
                .into_iter()
                .flatten()
                .flatten()
                .any(|entry| std::fs::read_to_string(entry.path()).is_ok_and(|argv| argv.contains(needle)))
        };
        wait_until(&format!("a call containing {needle:?} to hang"), hanging);
    }

    pub fn clear_fake_log(&self) {
        let _ = std::fs::remove_file(self.fake_log());
    }

    fn command(&self, program: &str, args: &[&str]) -> Command {
        let mut cmd = Command::new(program);
        cmd.args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", self.home())
            .env("KINA_CONTAINER_BIN", FAKE)
            .env("KINA_FAKE_STATE", self.path("state"))
            .env("KINA_FAKE_LOG", self.fake_log())
            .env("NO_COLOR", "1")
            // The test machine's own interfaces are not a Mac's LAN (cluster/network/host.rs).
            .env("KINA_HOST_NETWORKS", "")
            .stdin(Stdio::null());
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }

    /// Runs the real `kina` binary.
    pub fn kina(&self, args: &[&str]) -> Run {
        self.run(KINA, args, None)
    }

    /// Runs `kina` with `input` on stdin.
    pub fn kina_stdin(&self, args: &[&str], input: &str) -> Run {
        self.run(KINA, args, Some(input))
    }

    /// Runs the fake `container` directly (to arrange state or check it).
    pub fn container(&self, args: &[&str]) -> Run {
        self.run(FAKE, args, None)
    }

    pub fn container_stdin(&self, args: &[&str], input: &str) -> Run {
        self.run(FAKE, args, Some(input))
    }

    /// Any program with this world's environment (e.g. a shell running completions).
    pub fn command_for(&self, program: &str, args: &[&str]) -> Command {
        self.command(program, args)
    }

    /// A `kina` command that the caller starts and controls (signals, timing).
    pub fn kina_command(&self, args: &[&str]) -> Command {
        self.command(KINA, args)
    }

    fn run(&self, program: &str, args: &[&str], input: Option<&str>) -> Run {
        use std::io::Write;
        let mut cmd = self.command(program, args);
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        if input.is_some() {
            cmd.stdin(Stdio::piped());
        }
        let mut child = cmd.spawn().expect("spawn");
        if let Some(text) = input {
            child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
        }
        let output = child.wait_with_output().expect("wait");
        let mut argv = vec![Path::new(program).file_name().unwrap().to_string_lossy().into_owned()];
        argv.extend(args.iter().map(|s| s.to_string()));
        Run { argv, output }
    }

    /// `kubectl` with the admin kubeconfig, inside node `node` (through the fake).
    pub fn kubectl(&self, node: &str, args: &[&str]) -> Run {
        let mut argv = vec!["exec", node, "kubectl", "--kubeconfig=/etc/kubernetes/admin.conf"];
        argv.extend_from_slice(args);
        self.container(&argv)
    }

    /// A `sudo` first on PATH that logs its argv to `sudo.log` and runs it, and
    /// the resolver directory in the world (`KINA_RESOLVER_DIR`).
    pub fn with_sudo_shim(&mut self) -> &mut Self {
        use std::os::unix::fs::PermissionsExt;
        let bin = self.path("bin");
        std::fs::create_dir_all(&bin).unwrap();
        let sudo = bin.join("sudo");
        let log = self.path("sudo.log");
        std::fs::write(&sudo, format!("#!/bin/sh\necho \"$*\" >> '{}'\nexec \"$@\"\n", log.display())).unwrap();
        std::fs::set_permissions(&sudo, std::fs::Permissions::from_mode(0o755)).unwrap();
        let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
        self.env("PATH", path);
        let resolver = self.path("resolver").display().to_string();
        self.env("KINA_RESOLVER_DIR", resolver)
    }

    /// The argv of each `sudo` call through [`World::with_sudo_shim`].
    pub fn sudo_calls(&self) -> Vec<String> {
        std::fs::read_to_string(self.path("sudo.log")).unwrap_or_default().lines().map(str::to_string).collect()
    }

    /// Names of all containers the fake currently holds.
    pub fn container_names(&self) -> Vec<String> {
        let run = self.container(&["list", "--all", "--format", "json"]);
        run.success();
        let list: serde_json::Value = serde_json::from_str(&run.stdout()).expect("list json");
        list.as_array().unwrap().iter().map(|c| c["configuration"]["id"].as_str().unwrap().to_string()).collect()
    }
}

/// Polls `done` until it holds. The limit only stops a loop that would otherwise spin
/// forever; it is far beyond what any step takes on a loaded machine.
#[track_caller]
/// The address kina reaches a running node at: its fixed address on the cluster's
/// network (label `io.kina.address`, macOS 26), else the one the runtime gave it.
pub fn node_address(world: &World, node: &str) -> String {
    let inspect: serde_json::Value = serde_json::from_str(&world.container(&["inspect", node]).stdout()).unwrap();
    if let Some(fixed) = inspect[0]["configuration"]["labels"]["io.kina.address"].as_str() {
        return fixed.to_string();
    }
    inspect[0]["status"]["networks"][0]["ipv4Address"].as_str().unwrap_or("").split('/').next().unwrap().to_string()
}

pub fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(180);
    while !done() {
        assert!(std::time::Instant::now() < deadline, "gave up waiting for {what}");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

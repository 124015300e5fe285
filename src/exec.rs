//! The single place where kina starts external processes.
//!
//! Every `container` invocation is built as an [`Invocation`] (an argv vector,
//! never a shell string), logged at debug level as a copy-pasteable line, and
//! executed by a [`Runner`], so unit tests can script the runtime.

use std::future::Future;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt;

/// One external command: program, argv, optional stdin and time limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    /// What is executed.
    pub program: PathBuf,
    /// How the program is shown to users (`container` when found on PATH).
    pub display_name: String,
    pub args: Vec<String>,
    pub stdin: Option<Vec<u8>>,
    pub timeout: Option<Duration>,
    /// Let the child's stderr reach the terminal (image pull progress).
    pub inherit_stderr: bool,
}

impl Invocation {
    pub fn new(program: impl Into<PathBuf>, display_name: impl Into<String>) -> Self {
        Invocation {
            program: program.into(),
            display_name: display_name.into(),
            args: Vec::new(),
            stdin: None,
            timeout: None,
            inherit_stderr: false,
        }
    }

    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.args.push(arg.into());
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    pub fn stdin(mut self, input: impl Into<Vec<u8>>) -> Self {
        self.stdin = Some(input.into());
        self
    }

    pub fn timeout(mut self, limit: Duration) -> Self {
        self.timeout = Some(limit);
        self
    }

    pub fn inherit_stderr(mut self, inherit: bool) -> Self {
        self.inherit_stderr = inherit;
        self
    }

    /// The command line as a user can paste it into a shell.
    pub fn command_line(&self) -> String {
        let mut words = vec![shell_words::quote(&self.display_name).into_owned()];
        words.extend(self.args.iter().map(|a| shell_words::quote(a).into_owned()));
        words.join(" ")
    }
}

/// What a finished process left behind.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    pub fn success(&self) -> bool {
        self.code == 0
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    #[error("command \"{command}\" failed with exit code {}{}", .output.code, command_output(.output))]
    Failed { command: String, output: Output },
    #[error("could not run \"{command}\": {source}")]
    Spawn {
        command: String,
        #[source]
        source: std::io::Error,
    },
    #[error("command \"{command}\" did not finish within {}s and was stopped", .limit.as_secs())]
    TimedOut { command: String, limit: Duration },
}

fn command_output(output: &Output) -> String {
    let text = if output.stderr.trim().is_empty() { &output.stdout } else { &output.stderr };
    let text = text.trim();
    if text.is_empty() { String::new() } else { format!("\nCommand Output: {text}") }
}

/// Runs invocations. Returns the output whatever the exit code; see [`checked`].
pub trait Runner: Send + Sync {
    fn run(&self, invocation: &Invocation) -> impl Future<Output = Result<Output, ExecError>> + Send;
}

/// Turns a non-zero exit into [`ExecError::Failed`].
pub fn checked(invocation: &Invocation, output: Output) -> Result<Output, ExecError> {
    if output.success() { Ok(output) } else { Err(ExecError::Failed { command: invocation.command_line(), output }) }
}

/// The production runner: a real child process per invocation.
#[derive(Debug, Default, Clone)]
pub struct ProcessRunner;

impl Runner for ProcessRunner {
    async fn run(&self, invocation: &Invocation) -> Result<Output, ExecError> {
        let command_line = invocation.command_line();
        tracing::debug!("+ {command_line}");
        let started = Instant::now();
        let spawn_error = |source| ExecError::Spawn { command: command_line.clone(), source };

        let mut command = tokio::process::Command::new(&invocation.program);
        command
            .args(&invocation.args)
            .stdin(if invocation.stdin.is_some() { Stdio::piped() } else { Stdio::null() })
            .stdout(Stdio::piped())
            .stderr(if invocation.inherit_stderr { Stdio::inherit() } else { Stdio::piped() })
            // Ctrl-C on the terminal is kina's to handle: the child gets its own
            // process group, so it is not interrupted behind kina's back (and
            // cleanup's own calls survive a second Ctrl-C).
            .process_group(0)
            // If kina stops waiting for a call, that call must not outlive it.
            .kill_on_drop(true);
        let mut child = command.spawn().map_err(spawn_error)?;

        let stdin_pipe = child.stdin.take();
        let feed = async {
            if let (Some(input), Some(mut pipe)) = (&invocation.stdin, stdin_pipe) {
                // A child that exits without reading its stdin is not our error.
                let _ = pipe.write_all(input).await;
                let _ = pipe.shutdown().await;
            }
        };
        // Feed stdin while draining stdout/stderr, so neither pipe can fill up and stall.
        let wait = async { tokio::join!(feed, child.wait_with_output()).1 };
        let result = match invocation.timeout {
            Some(limit) => match tokio::time::timeout(limit, wait).await {
                Ok(result) => result,
                Err(_) => return Err(ExecError::TimedOut { command: command_line, limit }),
            },
            None => wait.await,
        };
        let output = result.map_err(spawn_error)?;
        let output = Output {
            // A signal-killed child has no code; report it like a shell does.
            code: output.status.code().unwrap_or(128),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        };
        tracing::debug!("  exit {} after {} ms", output.code, started.elapsed().as_millis());
        Ok(output)
    }
}

#[cfg(test)]
pub mod scripted {
    //! A runner that answers from a script and fails on any unexpected call.

    use super::*;
    use std::collections::VecDeque;
    use std::sync::Mutex;

    #[derive(Default)]
    pub struct ScriptedRunner {
        expected: Mutex<VecDeque<(Vec<String>, Output)>>,
    }

    impl ScriptedRunner {
        pub fn new() -> Self {
            Self::default()
        }

        /// Expects `args` next and answers with `output`.
        pub fn expect(&self, args: &[&str], code: i32, stdout: &str, stderr: &str) -> &Self {
            self.expected.lock().unwrap().push_back((
                args.iter().map(|s| s.to_string()).collect(),
                Output { code, stdout: stdout.into(), stderr: stderr.into() },
            ));
            self
        }
    }

    impl Runner for ScriptedRunner {
        async fn run(&self, invocation: &Invocation) -> Result<Output, ExecError> {
            let (args, output) = self
                .expected
                .lock()
                .unwrap()
                .pop_front()
                .unwrap_or_else(|| panic!("unexpected call: {}", invocation.command_line()));
            assert_eq!(invocation.args, args, "unexpected arguments");
            Ok(output)
        }
    }

    impl Drop for ScriptedRunner {
        fn drop(&mut self) {
            if !std::thread::panicking() {
                let left = self.expected.lock().unwrap();
                assert!(left.is_empty(), "expected calls never made: {:?}", left);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_line_is_shell_quoted() {
        let inv = Invocation::new("/usr/local/bin/container", "container").args([
            "exec",
            "kina-control-plane",
            "sh",
            "-c",
            "echo 'hi' && true",
        ]);
        assert_eq!(inv.command_line(), r#"container exec kina-control-plane sh -c 'echo '\''hi'\'' && true'"#);
    }

    #[test]
    fn failed_error_names_command_and_stderr() {
        let inv = Invocation::new("container", "container").args(["inspect", "x"]);
        let err =
            checked(&inv, Output { code: 1, stdout: String::new(), stderr: "Error: container not found: x\n".into() })
                .unwrap_err();
        assert_eq!(
            err.to_string(),
            "command \"container inspect x\" failed with exit code 1\nCommand Output: Error: container not found: x"
        );
    }

    #[tokio::test(flavor = "current_thread")]
    async fn process_runner_feeds_stdin_and_captures_output() {
        let inv = Invocation::new("/bin/sh", "sh").args(["-c", "cat; echo err >&2; exit 3"]).stdin("hello");
        let out = ProcessRunner.run(&inv).await.unwrap();
        assert_eq!(out, Output { code: 3, stdout: "hello".into(), stderr: "err\n".into() });
    }

    #[tokio::test(flavor = "current_thread")]
    async fn process_runner_enforces_timeout() {
        let inv = Invocation::new("/bin/sh", "sh").args(["-c", "sleep 5"]).timeout(Duration::from_millis(100));
        let err = ProcessRunner.run(&inv).await.unwrap_err();
        assert!(matches!(err, ExecError::TimedOut { .. }), "{err}");
    }

    #[tokio::test(flavor = "current_thread")]
    async fn missing_program_is_a_spawn_error() {
        let inv = Invocation::new("/nonexistent/container", "container").arg("list");
        let err = ProcessRunner.run(&inv).await.unwrap_err();
        assert!(matches!(err, ExecError::Spawn { .. }), "{err}");
    }
}

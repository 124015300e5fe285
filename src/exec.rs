//! The single place where kina starts external processes.
//!
//! Every `container` invocation is built as an [`Invocation`] (an argv vector,
//! never a shell string), logged at debug level as a copy-pasteable line, and
//! executed by a [`Runner`], so unit tests can script the runtime. A
//! [`Pipeline`] streams one invocation's stdout (or a file) into another's
//! stdin through the kernel, never through kina's memory.

use std::future::Future;
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt;

/// One external command: program, argv, optional stdin and time limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Invocation {
    /// What is executed.
    pub program: PathBuf,
    /// How the program is shown to users (`container` when found on PATH).
    pub display_name: String,
    pub args: Vec<String>,
    pub stdin: Option<Vec<u8>>,
    pub timeout: Option<Duration>,
    /// Let the child's stderr reach the terminal (image pull progress).
    pub inherit_stderr: bool,
    /// Run in the terminal's process group with stderr inherited, so a
    /// program that asks on the terminal (`sudo`'s password) can.
    pub foreground: bool,
}

impl Invocation {
    pub(crate) fn new(program: impl Into<PathBuf>, display_name: impl Into<String>) -> Self {
        Invocation {
            program: program.into(),
            display_name: display_name.into(),
            args: Vec::new(),
            stdin: None,
            timeout: None,
            inherit_stderr: false,
            foreground: false,
        }
    }

    #[cfg(test)]
    pub(crate) fn arg(mut self, arg: impl Into<String>) -> Self {
        self.args.push(arg.into());
        self
    }

    pub(crate) fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    #[cfg(test)]
    pub(crate) fn stdin(mut self, input: impl Into<Vec<u8>>) -> Self {
        self.stdin = Some(input.into());
        self
    }

    pub(crate) fn timeout(mut self, limit: Duration) -> Self {
        self.timeout = Some(limit);
        self
    }

    pub(crate) fn inherit_stderr(mut self, inherit: bool) -> Self {
        self.inherit_stderr = inherit;
        self
    }

    pub(crate) fn foreground(mut self) -> Self {
        self.foreground = true;
        self.inherit_stderr = true;
        self
    }

    /// File contents for the program's stdin (never a script built from them).
    pub(crate) fn input(mut self, input: impl Into<Vec<u8>>) -> Self {
        self.stdin = Some(input.into());
        self
    }

    /// The command line as a user can paste it into a shell.
    pub(crate) fn command_line(&self) -> String {
        let mut words = vec![shell_words::quote(&self.display_name).into_owned()];
        words.extend(self.args.iter().map(|a| shell_words::quote(a).into_owned()));
        words.join(" ")
    }
}

/// What a finished process left behind.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    pub(crate) fn success(&self) -> bool {
        self.code == 0
    }
}

/// Where a pipeline's consumer reads its stdin from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Source {
    /// Another invocation's stdout: `producer | consumer`.
    Invocation(Invocation),
    /// A file, opened by kina and handed to the consumer: `consumer < file`.
    File(PathBuf),
}

/// A consumer whose stdin is streamed from a [`Source`]: the bytes go from
/// process to process (or file to process) and never pass through kina.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pipeline {
    pub source: Source,
    /// Its `stdin` is ignored; its time limit bounds the whole pipeline.
    pub consumer: Invocation,
}

impl Pipeline {
    /// `container image save … | container exec -i …`, or `container exec -i … < file`.
    pub(crate) fn command_line(&self) -> String {
        match &self.source {
            Source::Invocation(producer) => format!("{} | {}", producer.command_line(), self.consumer.command_line()),
            Source::File(path) => {
                format!("{} < {}", self.consumer.command_line(), shell_words::quote(&path.to_string_lossy()))
            }
        }
    }
}

/// What a finished pipeline left behind.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct PipelineOutput {
    /// The producer's exit code and stderr (its stdout went to the consumer);
    /// `None` for a file source.
    pub source: Option<Output>,
    pub consumer: Output,
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum ExecError {
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
pub(crate) trait Runner: Send + Sync {
    fn run(&self, invocation: &Invocation) -> impl Future<Output = Result<Output, ExecError>> + Send;

    /// Runs a pipeline; returns both outputs whatever the exit codes; see [`checked_pipeline`].
    fn run_pipeline(&self, pipeline: &Pipeline) -> impl Future<Output = Result<PipelineOutput, ExecError>> + Send;
}

/// Turns a non-zero exit into [`ExecError::Failed`].
pub(crate) fn checked(invocation: &Invocation, output: Output) -> Result<Output, ExecError> {
    if output.success() { Ok(output) } else { Err(ExecError::Failed { command: invocation.command_line(), output }) }
}

/// The consumer's output, or [`ExecError::Failed`] naming the side that failed:
/// the producer when it failed (the consumer then saw a cut-off stream), unless
/// it only died of SIGPIPE because the consumer had already failed.
pub(crate) fn checked_pipeline(pipeline: &Pipeline, output: PipelineOutput) -> Result<Output, ExecError> {
    let PipelineOutput { source, consumer } = output;
    if let (Source::Invocation(producer), Some(produced)) = (&pipeline.source, source) {
        let lost_its_reader = produced.code == SIGPIPE_EXIT && !consumer.success();
        if !produced.success() && !lost_its_reader {
            return Err(ExecError::Failed { command: producer.command_line(), output: produced });
        }
    }
    checked(&pipeline.consumer, consumer)
}

/// How a shell reports a process killed by SIGPIPE (128 + 13).
const SIGPIPE_EXIT: i32 = 141;

/// A child for `invocation` with `stdin`: stdout piped, stderr piped unless
/// inherited, in its own process group, killed if kina stops waiting for it.
fn command(invocation: &Invocation, stdin: Stdio) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(&invocation.program);
    command
        .args(&invocation.args)
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(if invocation.inherit_stderr { Stdio::inherit() } else { Stdio::piped() })
        // If kina stops waiting for a call, that call must not outlive it.
        .kill_on_drop(true);
    if !invocation.foreground {
        // Ctrl-C on the terminal is kina's to handle: the child gets its own
        // process group, so it is not interrupted behind kina's back (and
        // cleanup's own calls survive a second Ctrl-C). A foreground child
        // stays in the terminal's group: reading the terminal from another
        // group would stop it (SIGTTIN).
        command.process_group(0);
    }
    command
}

fn to_output(output: std::process::Output) -> Output {
    Output {
        // A signal-killed child has no code; report it like a shell does.
        code: output.status.code().unwrap_or_else(|| 128 + output.status.signal().unwrap_or(0)),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// The production runner: a real child process per invocation.
#[derive(Debug, Default, Clone)]
pub(crate) struct ProcessRunner;

impl Runner for ProcessRunner {
    async fn run(&self, invocation: &Invocation) -> Result<Output, ExecError> {
        let command_line = invocation.command_line();
        tracing::debug!("+ {command_line}");
        let started = Instant::now();
        let spawn_error = |source| ExecError::Spawn { command: command_line.clone(), source };

        let stdin = if invocation.stdin.is_some() { Stdio::piped() } else { Stdio::null() };
        let mut child = command(invocation, stdin).spawn().map_err(spawn_error)?;

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
        let output = to_output(result.map_err(spawn_error)?);
        tracing::debug!("  exit {} after {} ms", output.code, started.elapsed().as_millis());
        Ok(output)
    }

    async fn run_pipeline(&self, pipeline: &Pipeline) -> Result<PipelineOutput, ExecError> {
        let command_line = pipeline.command_line();
        tracing::debug!("+ {command_line}");
        let started = Instant::now();
        let spawn_error = |source| ExecError::Spawn { command: command_line.clone(), source };

        // The producer's stdout pipe (or the file) becomes the consumer's stdin
        // itself: the kernel moves the bytes, kina holds no buffer of them.
        let (producer, stdin) = match &pipeline.source {
            Source::Invocation(producer) => {
                let mut child = command(producer, Stdio::null()).spawn().map_err(spawn_error)?;
                let stdout = child.stdout.take().expect("stdout is piped");
                let stdin: Stdio = stdout.try_into().map_err(spawn_error)?;
                (Some(child), stdin)
            }
            Source::File(path) => (None, Stdio::from(std::fs::File::open(path).map_err(spawn_error)?)),
        };
        // The command keeps its copy of the pipe's read end until dropped: drop
        // it at once, so a consumer that exits early ends the producer (EPIPE)
        // instead of leaving it blocked on a full pipe. On a spawn error the
        // producer is dropped, and so killed.
        let consumer = command(&pipeline.consumer, stdin).spawn().map_err(spawn_error)?;

        let produce = async {
            match producer {
                Some(child) => Some(child.wait_with_output().await),
                None => None,
            }
        };
        let wait = async { tokio::join!(produce, consumer.wait_with_output()) };
        let (produced, consumed) = match pipeline.consumer.timeout {
            Some(limit) => match tokio::time::timeout(limit, wait).await {
                Ok(results) => results,
                // Dropping the wait drops both children, which kills them.
                Err(_) => return Err(ExecError::TimedOut { command: command_line, limit }),
            },
            None => wait.await,
        };
        let output = PipelineOutput {
            source: produced.transpose().map_err(spawn_error)?.map(to_output),
            consumer: to_output(consumed.map_err(spawn_error)?),
        };
        tracing::debug!(
            "  exit {}{} after {} ms",
            output.source.as_ref().map(|s| format!("{} | ", s.code)).unwrap_or_default(),
            output.consumer.code,
            started.elapsed().as_millis()
        );
        Ok(output)
    }
}

#[cfg(test)]
pub(crate) mod scripted {
    //! A runner that answers from a script and fails on any unexpected call.

    use super::*;
    use std::collections::VecDeque;
    use std::sync::Mutex;

    enum Expected {
        Run(Vec<String>, Output),
        /// The source's args (`["<", path]` for a file) and the consumer's.
        Pipeline(Vec<String>, Vec<String>, PipelineOutput),
    }

    #[derive(Default)]
    pub(crate) struct ScriptedRunner {
        expected: Mutex<VecDeque<Expected>>,
    }

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| s.to_string()).collect()
    }

    impl ScriptedRunner {
        pub(crate) fn new() -> Self {
            Self::default()
        }

        /// Expects `args` next and answers with `output`.
        pub(crate) fn expect(&self, args: &[&str], code: i32, stdout: &str, stderr: &str) -> &Self {
            let output = Output { code, stdout: stdout.into(), stderr: stderr.into() };
            self.expected.lock().unwrap().push_back(Expected::Run(strings(args), output));
            self
        }

        /// Expects a pipeline next: `source` is the producer's args, or `["<", path]`
        /// for a file; `output.source` must be `None` for a file.
        pub(crate) fn expect_pipeline(&self, source: &[&str], consumer: &[&str], output: PipelineOutput) -> &Self {
            self.expected.lock().unwrap().push_back(Expected::Pipeline(strings(source), strings(consumer), output));
            self
        }

        fn next(&self, call: &str) -> Expected {
            self.expected.lock().unwrap().pop_front().unwrap_or_else(|| panic!("unexpected call: {call}"))
        }
    }

    impl Runner for ScriptedRunner {
        async fn run(&self, invocation: &Invocation) -> Result<Output, ExecError> {
            match self.next(&invocation.command_line()) {
                Expected::Run(args, output) => {
                    assert_eq!(invocation.args, args, "unexpected arguments");
                    Ok(output)
                }
                Expected::Pipeline(..) => panic!("expected a pipeline, got {}", invocation.command_line()),
            }
        }

        async fn run_pipeline(&self, pipeline: &Pipeline) -> Result<PipelineOutput, ExecError> {
            let Expected::Pipeline(source, consumer, output) = self.next(&pipeline.command_line()) else {
                panic!("expected a single call, got the pipeline {}", pipeline.command_line())
            };
            let actual = match &pipeline.source {
                Source::Invocation(producer) => producer.args.clone(),
                Source::File(path) => vec!["<".to_string(), path.to_string_lossy().into_owned()],
            };
            assert_eq!(actual, source, "unexpected pipeline source");
            assert_eq!(pipeline.consumer.args, consumer, "unexpected pipeline consumer");
            Ok(output)
        }
    }

    impl Drop for ScriptedRunner {
        fn drop(&mut self) {
            if !std::thread::panicking() {
                let left = self.expected.lock().unwrap();
                let left: Vec<String> = left
                    .iter()
                    .map(|e| match e {
                        Expected::Run(args, _) => args.join(" "),
                        Expected::Pipeline(source, consumer, _) => {
                            format!("{} | {}", source.join(" "), consumer.join(" "))
                        }
                    })
                    .collect();
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

    fn sh(script: &str) -> Invocation {
        Invocation::new("/bin/sh", "sh").args(["-c", script]).timeout(Duration::from_secs(120))
    }

    #[test]
    fn pipeline_command_lines_read_like_a_shell() {
        let save = Invocation::new("container", "container").args(["image", "save", "foo:latest"]);
        let import = Invocation::new("container", "container").args(["exec", "-i", "n", "ctr", "import", "-"]);
        let piped = Pipeline { source: Source::Invocation(save), consumer: import.clone() };
        assert_eq!(piped.command_line(), "container image save foo:latest | container exec -i n ctr import -");
        let from_file = Pipeline { source: Source::File("/tmp/my images.tar".into()), consumer: import };
        assert_eq!(from_file.command_line(), "container exec -i n ctr import - < '/tmp/my images.tar'");
    }

    #[tokio::test(flavor = "current_thread")]
    async fn pipeline_streams_more_than_a_pipe_buffer_between_processes() {
        // 4 MiB: far beyond a pipe's 64 KiB, so both ends must run at once.
        let pipeline = Pipeline {
            source: Source::Invocation(sh("head -c 4194304 /dev/zero; echo produced >&2")),
            consumer: sh("wc -c | tr -d ' '"),
        };
        let out = ProcessRunner.run_pipeline(&pipeline).await.unwrap();
        assert_eq!(out.source, Some(Output { code: 0, stdout: String::new(), stderr: "produced\n".into() }));
        assert_eq!(out.consumer.stdout, "4194304\n");
        assert_eq!(checked_pipeline(&pipeline, out).unwrap().stdout, "4194304\n");
    }

    #[tokio::test(flavor = "current_thread")]
    async fn pipeline_streams_a_file_into_the_consumer() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("archive.tar");
        std::fs::write(&path, b"abc\0\xffdef").unwrap();
        let pipeline = Pipeline { source: Source::File(path), consumer: sh("od -An -c | tr -s ' '") };
        let out = checked_pipeline(&pipeline, ProcessRunner.run_pipeline(&pipeline).await.unwrap()).unwrap();
        assert_eq!(out.stdout.trim(), "a b c \\0 377 d e f");
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_failed_producer_is_the_error_even_if_the_consumer_succeeds() {
        let producer = sh("echo 'Error: image not found: foo' >&2; exit 1");
        let pipeline = Pipeline { source: Source::Invocation(producer), consumer: sh("cat >/dev/null") };
        let out = ProcessRunner.run_pipeline(&pipeline).await.unwrap();
        let err = checked_pipeline(&pipeline, out).unwrap_err();
        assert_eq!(
            err.to_string(),
            "command \"sh -c 'echo '\\''Error: image not found: foo'\\'' >&2; exit 1'\" failed with exit code 1\nCommand Output: Error: image not found: foo"
        );
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_consumer_that_fails_early_ends_the_producer_and_is_the_error() {
        // `yes` writes forever: it only stops because its reader went away.
        let pipeline =
            Pipeline { source: Source::Invocation(sh("yes")), consumer: sh("echo 'ctr: not found' >&2; exit 127") };
        let out = ProcessRunner.run_pipeline(&pipeline).await.unwrap();
        assert_eq!(out.source.as_ref().unwrap().code, SIGPIPE_EXIT, "{out:?}");
        let err = checked_pipeline(&pipeline, out).unwrap_err();
        assert!(err.to_string().starts_with("command \"sh -c 'echo "), "{err}");
        assert!(err.to_string().ends_with("exit code 127\nCommand Output: ctr: not found"), "{err}");
    }

    #[tokio::test(flavor = "current_thread")]
    async fn pipeline_enforces_the_consumers_time_limit() {
        // Without the limit this would run for an hour: the test would hang, not pass.
        let consumer = sh("sleep 3600").timeout(Duration::from_millis(100));
        let pipeline = Pipeline { source: Source::Invocation(sh("sleep 3600")), consumer };
        let err = ProcessRunner.run_pipeline(&pipeline).await.unwrap_err();
        assert!(matches!(err, ExecError::TimedOut { .. }), "{err}");
        assert!(err.to_string().contains("sh -c 'sleep 3600' | sh -c 'sleep 3600'"), "{err}");
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_missing_archive_is_a_spawn_error() {
        let pipeline = Pipeline { source: Source::File("/nonexistent/x.tar".into()), consumer: sh("cat") };
        let err = ProcessRunner.run_pipeline(&pipeline).await.unwrap_err();
        assert!(matches!(err, ExecError::Spawn { .. }), "{err}");
    }

    #[tokio::test(flavor = "current_thread")]
    async fn missing_program_is_a_spawn_error() {
        let inv = Invocation::new("/nonexistent/container", "container").arg("list");
        let err = ProcessRunner.run(&inv).await.unwrap_err();
        assert!(matches!(err, ExecError::Spawn { .. }), "{err}");
    }
}

//! The result of one command: what goes to stdout and stderr, and the exit code.

#[derive(Debug, Default, Clone)]
pub struct Out {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

impl Out {
    pub fn ok(stdout: impl Into<String>) -> Out {
        Out { stdout: stdout.into(), ..Out::default() }
    }

    /// Prints `lines` each followed by a newline.
    pub fn lines<S: AsRef<str>>(lines: &[S]) -> Out {
        let mut stdout = String::new();
        for line in lines {
            stdout.push_str(line.as_ref());
            stdout.push('\n');
        }
        Out::ok(stdout)
    }

    /// `Error: <msg>` on stderr, exit 1 (how the CLI reports every runtime failure).
    pub fn error(msg: impl AsRef<str>) -> Out {
        Out { stderr: format!("Error: {}\n", msg.as_ref()), code: 1, ..Out::default() }
    }

    /// Raw stderr text (no `Error:` prefix) and an exit code: in-node programs.
    pub fn fail(code: i32, stderr: impl Into<String>) -> Out {
        let mut stderr = stderr.into();
        if !stderr.is_empty() && !stderr.ends_with('\n') {
            stderr.push('\n');
        }
        Out { stderr, code, ..Out::default() }
    }

    pub fn with_stderr(mut self, text: impl AsRef<str>) -> Out {
        self.stderr.push_str(text.as_ref());
        self
    }

    pub fn exit(mut self, code: i32) -> Out {
        self.code = code;
        self
    }
}

/// `or_return!(result)`: the `Ok` value, or return the `Err` [`Out`] from the
/// enclosing command (the commands' early exit, as `?` would for a `Result`).
macro_rules! or_return {
    ($result:expr) => {
        match $result {
            Ok(value) => value,
            Err(out) => return out,
        }
    };
}
pub(crate) use or_return;

//! One check's verdict, and the two ways `kina doctor` prints them.

use serde::Serialize;

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Status {
    Ok,
    /// kina works, with a limit or a risk the user should know about.
    Warn,
    /// kina cannot work (well) until this is fixed: `kina doctor` exits 1.
    Fail,
}

impl Status {
    fn mark(self) -> &'static str {
        match self {
            Status::Ok => "✓",
            Status::Warn => "!",
            Status::Fail => "✗",
        }
    }
}

/// One line of the report; the JSON output is an array of these.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Check {
    /// Stable identifier: `macos`, `apple-silicon`, `container`, `service`,
    /// `kernel`, `dns-domain`, `reachability` (one per running node), `names` (one per
    /// running cluster with a resolver file of `kina install names`), `registry` (one per
    /// local registry), `disk`.
    pub check: &'static str,
    pub status: Status,
    pub message: String,
    /// What to do about a warning or a failure; `None` when the check passed.
    pub fix: Option<String>,
}

impl Check {
    pub(crate) fn ok(check: &'static str, message: impl Into<String>) -> Self {
        Check { check, status: Status::Ok, message: message.into(), fix: None }
    }

    pub(crate) fn warn(check: &'static str, message: impl Into<String>, fix: impl Into<String>) -> Self {
        Check { check, status: Status::Warn, message: message.into(), fix: Some(fix.into()) }
    }

    pub(crate) fn fail(check: &'static str, message: impl Into<String>, fix: impl Into<String>) -> Self {
        Check { check, status: Status::Fail, message: message.into(), fix: Some(fix.into()) }
    }
}

/// ` ✓ what` per check, and `   fix: ...` under each warning and failure.
pub(crate) fn table(checks: &[Check]) -> String {
    let mut out = String::new();
    for check in checks {
        out.push_str(&format!(" {} {}\n", check.status.mark(), indent(&check.message)));
        if let Some(fix) = &check.fix {
            out.push_str(&format!("   fix: {}\n", indent(fix)));
        }
    }
    out
}

/// Continuation lines (an error's `Command Output:`) stay under their check.
fn indent(text: &str) -> String {
    text.trim_end().replace('\n', "\n     ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_marks_each_check_and_shows_fixes_only_when_needed() {
        let checks = [
            Check::ok("macos", "macOS 26.0"),
            Check::warn("kernel", "old kernel", "container system kernel set --recommended --force"),
            Check::fail("disk", "full\nreally", "free space"),
        ];
        assert_eq!(
            table(&checks),
            " ✓ macOS 26.0\n ! old kernel\n   fix: container system kernel set --recommended --force\n \
             ✗ full\n     really\n   fix: free space\n"
        );
    }

    #[test]
    fn json_has_a_stable_shape() {
        let checks = [Check::ok("macos", "macOS 26.0"), Check::fail("disk", "full", "free space")];
        // `kina doctor -o json|yaml` serializes the checks as they are.
        let value = serde_json::to_value(checks).unwrap();
        assert_eq!(
            value,
            serde_json::json!([
                {"check": "macos", "status": "ok", "message": "macOS 26.0", "fix": null},
                {"check": "disk", "status": "fail", "message": "full", "fix": "free space"}
            ])
        );
    }
}

//! Which program holds a host port on the Mac, to name it in an error: the runtime's
//! own bind error names nothing. `lsof` ships with macOS; without it, or when it finds
//! nothing kina may see (another user's process), the error stays generic.

use std::time::Duration;

use crate::exec::{Invocation, ProcessRunner, Runner as _};

/// `python3 (pid 4242)` for what listens on `port` (TCP) or is bound to it (UDP).
pub(crate) async fn holder(protocol: &str, port: u16) -> Option<String> {
    let protocol = protocol.to_ascii_uppercase();
    let listening = (protocol == "TCP").then_some("-sTCP:LISTEN");
    let invocation = Invocation::new("lsof", "lsof")
        .args(["-nP", &format!("-i{protocol}:{port}")])
        .args(listening)
        .args(["-Fpc"])
        .timeout(Duration::from_secs(10));
    let output = ProcessRunner.run(&invocation).await.ok()?;
    // lsof exits 1 when it finds nothing.
    output.success().then(|| describe(&output.stdout)).flatten()
}

/// lsof's field output (`p<pid>` then `c<command>` per process) as `command (pid N)`,
/// each process once.
fn describe(fields: &str) -> Option<String> {
    let mut holders: Vec<String> = Vec::new();
    let mut pid = None;
    for line in fields.lines() {
        if let Some(p) = line.strip_prefix('p') {
            pid = Some(p.to_string());
        } else if let (Some(command), Some(p)) = (line.strip_prefix('c'), &pid) {
            let holder = format!("{command} (pid {p})");
            if !holders.contains(&holder) {
                holders.push(holder);
            }
        }
    }
    (!holders.is_empty()).then(|| holders.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_process_is_named_once_with_its_pid() {
        assert_eq!(describe("p4242\ncpython3\nf3\n"), Some("python3 (pid 4242)".into()));
        assert_eq!(describe("p1\ncnginx\np2\ncnginx\np1\ncnginx\n"), Some("nginx (pid 1), nginx (pid 2)".into()));
        assert_eq!(describe(""), None);
    }

    #[test]
    fn a_listener_of_this_process_is_found() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let Some(found) = runtime.block_on(holder("tcp", port)) else {
            // lsof is part of macOS; scripts/test installs it on Linux.
            panic!("lsof found nothing on port {port}: is it installed?");
        };
        assert!(found.contains(&format!("(pid {})", std::process::id())), "{found}");
    }
}

//! Ctrl-C and SIGTERM as a future, so a create can stop and clean up.

/// Resolves when the user interrupts kina (SIGINT) or it is asked to stop (SIGTERM).
pub(crate) async fn requested() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = match signal(SignalKind::terminate()) {
        Ok(s) => s,
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
            return;
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}

//! One kina command at a time changes registry VMs. Changing one means reading its
//! networks, recreating the VM on a new set, and pointing the clusters at its new
//! addresses; two commands doing that at once would each drop the other's network or
//! write an address the registry no longer has. An advisory `flock` on a file in the
//! user's cache directory; the kernel releases it when kina exits, however it exits.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::PathBuf;
use std::time::Duration;

use crate::output::Printer;

use super::RegistryError;

/// How long a command waits for another one's registry change: a create may pull the
/// registry image meanwhile.
const WAIT: Duration = Duration::from_secs(15 * 60);

/// Held while a command changes registries; dropping it lets the next one in.
#[derive(Debug)]
pub(crate) struct RegistryLock {
    _file: File,
}

fn path() -> PathBuf {
    dirs::cache_dir().unwrap_or_else(std::env::temp_dir).join("kina").join("registry.lock")
}

/// Takes the lock, waiting (with backoff, saying so once) while another kina command
/// holds it.
pub(crate) async fn hold(printer: &Printer) -> Result<RegistryLock, RegistryError> {
    hold_at(path(), printer).await
}

async fn hold_at(path: PathBuf, printer: &Printer) -> Result<RegistryLock, RegistryError> {
    let failed = |e: std::io::Error| RegistryError::Lock { path: path.display().to_string(), reason: e.to_string() };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(failed)?;
    }
    let file = OpenOptions::new().create(true).truncate(false).write(true).open(&path).map_err(failed)?;
    let mut backoff = crate::backoff::Backoff::new(WAIT);
    let mut said = false;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(RegistryLock { _file: file }),
            Err(TryLockError::Error(e)) => return Err(failed(e)),
            Err(TryLockError::WouldBlock) => {}
        }
        if !said {
            printer.info("Waiting for another kina command that is changing a registry ...");
            said = true;
        }
        if !backoff.next().await {
            return Err(RegistryError::LockHeld { path: path.display().to_string(), waited: WAIT.as_secs() / 60 });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::Terminal;

    fn quiet() -> Printer {
        Printer::new(true, Terminal { spinner: false, color: false })
    }

    #[tokio::test(flavor = "current_thread", start_paused = true)]
    async fn a_second_holder_waits_for_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kina/registry.lock");
        let first = hold_at(path.clone(), &quiet()).await.unwrap();
        let second = tokio::spawn(async move { hold_at(path, &quiet()).await.map(drop) });
        // Paused time: the waiter's backoff steps through without real waiting.
        tokio::time::sleep(Duration::from_secs(60)).await;
        assert!(!second.is_finished(), "the second waits while the first holds it");
        drop(first);
        second.await.unwrap().unwrap();
    }

    #[tokio::test(flavor = "current_thread", start_paused = true)]
    async fn a_lock_held_too_long_is_an_error_naming_its_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("registry.lock");
        let _held = hold_at(path.clone(), &quiet()).await.unwrap();
        let err = hold_at(path.clone(), &quiet()).await.unwrap_err().to_string();
        assert!(err.contains(&path.display().to_string()), "{err}");
    }
}

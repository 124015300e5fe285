//! `kina load image-archive -`: the archive arrives on stdin, and every node
//! needs all of it, so it is written once to a private temporary file.

use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};

use super::LoadError;

/// `-` names stdin, as for most Unix tools.
pub(super) fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// A mode-0600 file in the temporary directory, removed on drop (also when an
/// interrupt drops the load).
pub(super) struct Spooled {
    path: PathBuf,
}

impl Spooled {
    pub(super) fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Spooled {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Copies stdin to a new private file. A terminal on stdin (nothing piped)
/// and an empty stdin are errors.
pub(super) async fn spool() -> Result<Spooled, LoadError> {
    if std::io::stdin().is_terminal() {
        return Err(LoadError::EmptyStdin);
    }
    // The pid and the time: a file a killed kina left under the same pid is not in the way.
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let path = std::env::temp_dir().join(format!("kina-load-{}-{nanos}.tar", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&path).map_err(LoadError::Stdin)?;
    // Held here, not in the copy: an interrupt that drops this future removes the file.
    let spooled = Spooled { path };
    let copy = tokio::task::spawn_blocking(move || {
        let copied = std::io::copy(&mut std::io::stdin().lock(), &mut file)?;
        file.sync_all()?;
        Ok::<u64, std::io::Error>(copied)
    });
    let copied = copy.await.map_err(|e| LoadError::Stdin(std::io::Error::other(e)))?.map_err(LoadError::Stdin)?;
    if copied == 0 {
        return Err(LoadError::EmptyStdin);
    }
    Ok(spooled)
}

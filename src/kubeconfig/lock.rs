//! The `<file>.lock` convention of client-go, kubectl and kind: create it exclusively, remove it
//! when done. An advisory `flock` would not keep kubectl out.

use std::{
    ffi::OsString,
    fs::{self, OpenOptions},
    io,
    path::{Path, PathBuf},
    thread,
    time::Duration,
};

use super::KubeconfigError;

/// Waits before each attempt: kind's 0, 1, 50 and 100 ms, then 250 ms steps (about 1.4 s in all).
pub(crate) const RETRY_DELAYS: &[Duration] = &[
    Duration::ZERO,
    Duration::from_millis(1),
    Duration::from_millis(50),
    Duration::from_millis(100),
    Duration::from_millis(250),
    Duration::from_millis(250),
    Duration::from_millis(250),
    Duration::from_millis(250),
    Duration::from_millis(250),
];

/// `<file>.lock`, next to the file (next to the link when `file` is a symlink, like client-go).
pub(crate) fn lock_path(file: &Path) -> PathBuf {
    let mut name = OsString::from(file.as_os_str());
    name.push(".lock");
    PathBuf::from(name)
}

/// Holds `<file>.lock`; dropping it removes the lock file.
#[derive(Debug)]
pub(crate) struct LockGuard {
    path: PathBuf,
}

impl LockGuard {
    /// Takes the lock for `file`, retrying on [`RETRY_DELAYS`]. Blocks.
    pub(crate) fn acquire(file: &Path) -> Result<Self, KubeconfigError> {
        Self::acquire_with(file, RETRY_DELAYS)
    }

    /// Takes the lock for `file`, sleeping `delays[i]` before attempt `i` (one attempt if empty).
    /// Creates missing parent directories with mode 0755.
    pub(crate) fn acquire_with(file: &Path, delays: &[Duration]) -> Result<Self, KubeconfigError> {
        Self::acquire_sleeping(file, delays, thread::sleep)
    }

    /// [`LockGuard::acquire_with`] with the sleep injected (tests step through the retries).
    fn acquire_sleeping(
        file: &Path,
        delays: &[Duration],
        mut sleep: impl FnMut(Duration),
    ) -> Result<Self, KubeconfigError> {
        let path = lock_path(file);
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            create_dirs(dir)?;
        }
        let delays = if delays.is_empty() { &[Duration::ZERO][..] } else { delays };
        for delay in delays {
            if !delay.is_zero() {
                sleep(*delay);
            }
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(_) => return Ok(Self { path }),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    tracing::debug!(lock = %path.display(), "kubeconfig is locked, retrying");
                }
                Err(source) => return Err(KubeconfigError::Lock { path, source }),
            }
        }
        Err(KubeconfigError::Locked { path })
    }

    /// The lock file this guard holds.
    #[cfg(test)]
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        if let Err(e) = fs::remove_file(&self.path)
            && e.kind() != io::ErrorKind::NotFound
        {
            tracing::warn!(lock = %self.path.display(), "failed to remove kubeconfig lock: {e}");
        }
    }
}

/// `mkdir -p` with mode 0755 for the directories it creates.
pub(super) fn create_dirs(dir: &Path) -> Result<(), KubeconfigError> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o755);
    builder.create(dir).map_err(|source| KubeconfigError::CreateDir { path: dir.to_path_buf(), source })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_path_appends_suffix() {
        assert_eq!(lock_path(Path::new("/h/.kube/config")), Path::new("/h/.kube/config.lock"));
        assert_eq!(lock_path(Path::new("k.yaml")), Path::new("k.yaml.lock"));
    }

    #[test]
    fn guard_creates_dirs_and_removes_its_own_lock() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("new/.kube/config");
        let guard = LockGuard::acquire(&file).unwrap();
        assert_eq!(guard.path(), lock_path(&file));
        assert!(guard.path().is_file());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(dir.path().join("new/.kube")).unwrap().permissions().mode();
            assert_eq!(mode & 0o777 & !0o755, 0, "{mode:o}");
            assert_eq!(mode & 0o700, 0o700, "{mode:o}");
        }
        // A second taker fails while the first holds it.
        assert!(matches!(LockGuard::acquire_with(&file, &[]), Err(KubeconfigError::Locked { .. })));
        drop(guard);
        assert!(!lock_path(&file).exists());
        assert!(!file.exists(), "locking must not create the kubeconfig itself");
    }

    #[test]
    fn foreign_lock_fails_with_kinds_message_and_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config");
        fs::write(lock_path(&file), "").unwrap();
        let delays = [Duration::ZERO, Duration::from_millis(1), Duration::from_millis(5)];
        let err = LockGuard::acquire_with(&file, &delays).unwrap_err();
        let lock = lock_path(&file);
        assert_eq!(err.to_string(), format!("failed to lock config file: open {}: file exists", lock.display()));
        assert_eq!(
            err.hint().unwrap(),
            format!("another kina or kubectl may be writing it; if none is running, remove {}", lock.display())
        );
        assert!(lock.exists(), "someone else's lock must not be removed");
    }

    #[test]
    fn waits_for_a_lock_released_meanwhile() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config");
        let lock = lock_path(&file);
        fs::write(&lock, "").unwrap();
        // The other holder lets go during kina's second wait.
        let mut slept = Vec::new();
        let guard = LockGuard::acquire_sleeping(&file, RETRY_DELAYS, |delay| {
            slept.push(delay);
            if slept.len() == 2 {
                fs::remove_file(&lock).unwrap();
            }
        })
        .unwrap();
        assert_eq!(slept, RETRY_DELAYS[1..3], "retried on the schedule, then took it");
        assert!(lock.exists());
        drop(guard);
        assert!(!lock.exists());
    }

    #[test]
    fn other_open_errors_are_not_retried() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("file");
        fs::write(&blocker, "").unwrap();
        // The parent "directory" is a regular file.
        let err = LockGuard::acquire(&blocker.join("config")).unwrap_err();
        assert!(matches!(err, KubeconfigError::CreateDir { .. }), "{err:?}");
    }
}

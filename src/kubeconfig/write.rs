//! Atomic replacement of a kubeconfig: readers see the old file or the new one, never half.

use std::{
    ffi::OsStr,
    fs::{self, File, OpenOptions},
    io::{self, Write as _},
    path::{Path, PathBuf},
    sync::atomic::{AtomicU64, Ordering},
};

use super::{KubeconfigError, lock::create_dirs};

/// What a write changed beyond the contents, for the user to hear about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Written {
    /// The file's mode before, when it let others read or write it (now 0600).
    pub tightened_from: Option<u32>,
}

impl Written {
    /// The sentence that tells the user their file's mode changed.
    pub(crate) fn notice(&self, path: &Path) -> Option<String> {
        self.tightened_from.map(|mode| {
            format!(
                "{} was readable by others (mode {mode:04o}): kina wrote it with mode 0600, as it holds credentials",
                path.display()
            )
        })
    }
}

/// Writes `contents` to a mode-0600 temp file beside the target, gives it the target's owner
/// (a `sudo kina` must not hand a user's kubeconfig to root, as kubectl would not), syncs it and
/// renames it over the target. A symlink is written through (its final target is replaced; the
/// link stays). On failure the temp file is removed and the target is untouched.
pub(crate) fn write_atomic(path: &Path, contents: &[u8]) -> Result<Written, KubeconfigError> {
    let target = resolve_symlinks(path).map_err(write_error(path))?;
    let name = target
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a file name"))
        .map_err(write_error(&target))?;
    let dir = target.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    create_dirs(dir)?;
    let before = match fs::metadata(&target) {
        Ok(meta) => Some(meta),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(source) => return Err(write_error(&target)(source)),
    };
    let tmp = dir.join(temp_name(name));
    if let Err(source) = write_new(&tmp, contents, before.as_ref()).and_then(|()| fs::rename(&tmp, &target)) {
        let _ = fs::remove_file(&tmp);
        return Err(write_error(&target)(source));
    }
    sync_dir(dir);
    Ok(Written { tightened_from: before.as_ref().and_then(wider_than_private) })
}

#[cfg(unix)]
fn wider_than_private(meta: &fs::Metadata) -> Option<u32> {
    let mode = std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o7777;
    (mode & 0o077 != 0).then_some(mode)
}

#[cfg(not(unix))]
fn wider_than_private(_: &fs::Metadata) -> Option<u32> {
    None
}

fn write_error(path: &Path) -> impl FnOnce(io::Error) -> KubeconfigError + '_ {
    move |source| KubeconfigError::Write { path: path.to_path_buf(), source }
}

/// `.<name>.kina-tmp-<pid>-<n>`: hidden, and unique across processes and threads.
fn temp_name(name: &OsStr) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!(".{}.kina-tmp-{}-{n}", name.to_string_lossy(), std::process::id())
}

fn write_new(tmp: &Path, contents: &[u8], replaces: Option<&fs::Metadata>) -> io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(tmp)?;
    // The umask can only narrow the creation mode; set it exactly before any secret is written.
    #[cfg(unix)]
    file.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
    #[cfg(unix)]
    if let Some(old) = replaces {
        keep_owner(&file, old)?;
    }
    #[cfg(not(unix))]
    let _ = replaces;
    file.write_all(contents)?;
    file.sync_all()
}

/// Gives the new file the owner of the one it replaces, when that differs from
/// whoever runs kina (root, under `sudo`). Failing to do so fails the write:
/// replacing the file would hand it to someone else.
#[cfg(unix)]
fn keep_owner(file: &File, old: &fs::Metadata) -> io::Result<()> {
    use std::os::unix::fs::MetadataExt;
    let new = file.metadata()?;
    if (new.uid(), new.gid()) == (old.uid(), old.gid()) {
        return Ok(());
    }
    std::os::unix::fs::fchown(file, Some(old.uid()), Some(old.gid())).map_err(|e| {
        io::Error::new(
            e.kind(),
            format!("cannot keep its owner (uid {}, gid {}) on the rewritten file: {e}", old.uid(), old.gid()),
        )
    })
}

/// Follows symlinks (relative ones from the link's directory) to the path to replace.
/// A dangling link yields its missing target, which is then created, as `os.WriteFile` does.
fn resolve_symlinks(path: &Path) -> io::Result<PathBuf> {
    let mut current = path.to_path_buf();
    for _ in 0..40 {
        match fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let link = fs::read_link(&current)?;
                current = current.parent().map_or_else(|| link.clone(), |dir| dir.join(&link));
            }
            Ok(_) => return Ok(current),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(current),
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::other("too many levels of symbolic links"))
}

/// Makes the rename durable; best effort.
fn sync_dir(dir: &Path) {
    if let Ok(dir) = File::open(dir) {
        let _ = dir.sync_all();
    }
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::{PermissionsExt, symlink};

    use super::*;

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> =
            fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        names
    }

    #[test]
    fn creates_with_0600_and_parents() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a/b/config");
        write_atomic(&file, b"one\n").unwrap();
        assert_eq!(fs::read_to_string(&file).unwrap(), "one\n");
        assert_eq!(mode(&file), 0o600);
        assert_eq!(names(&dir.path().join("a/b")), ["config"]);
    }

    #[test]
    fn rewrite_tightens_0644_to_0600_and_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config");
        fs::write(&file, "old and longer\n").unwrap();
        fs::set_permissions(&file, fs::Permissions::from_mode(0o644)).unwrap();
        let written = write_atomic(&file, b"new\n").unwrap();
        assert_eq!(written, Written { tightened_from: Some(0o644) });
        assert_eq!(fs::read_to_string(&file).unwrap(), "new\n");
        assert_eq!(mode(&file), 0o600);
        assert_eq!(names(dir.path()), ["config"]);
        assert_eq!(write_atomic(&file, b"again\n").unwrap(), Written::default());
    }

    #[test]
    fn rewrite_keeps_the_owner() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config");
        fs::write(&file, "old\n").unwrap();
        let me = fs::metadata(&file).unwrap();
        // As root (the test machines), hand the file to another user first, as
        // a user's own kubeconfig is when `sudo kina` rewrites it.
        let other = if me.uid() == 0 {
            std::os::unix::fs::chown(&file, Some(4242), Some(4343)).unwrap();
            (4242, 4343)
        } else {
            (me.uid(), me.gid())
        };
        write_atomic(&file, b"new\n").unwrap();
        let after = fs::metadata(&file).unwrap();
        assert_eq!((after.uid(), after.gid()), other);
        assert_eq!(fs::read_to_string(&file).unwrap(), "new\n");
    }

    #[test]
    fn writes_through_symlinks_and_keeps_them() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        fs::create_dir(d.join("real")).unwrap();
        fs::write(d.join("real/config"), "old\n").unwrap();
        symlink("real/config", d.join("hop")).unwrap(); // relative
        symlink(d.join("hop"), d.join("config")).unwrap(); // absolute, to another link
        write_atomic(&d.join("config"), b"new\n").unwrap();
        for link in ["config", "hop"] {
            assert!(fs::symlink_metadata(d.join(link)).unwrap().file_type().is_symlink(), "{link}");
        }
        assert_eq!(fs::read_to_string(d.join("real/config")).unwrap(), "new\n");
        assert_eq!(mode(&d.join("real/config")), 0o600);
        assert_eq!(names(&d.join("real")), ["config"]);
    }

    #[test]
    fn dangling_symlink_creates_its_target() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        symlink("missing", d.join("config")).unwrap();
        write_atomic(&d.join("config"), b"x\n").unwrap();
        assert!(fs::symlink_metadata(d.join("config")).unwrap().file_type().is_symlink());
        assert_eq!(fs::read_to_string(d.join("missing")).unwrap(), "x\n");
    }

    #[test]
    fn failure_leaves_no_temp_file_and_the_target_alone() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("config");
        fs::create_dir(&target).unwrap();
        fs::write(target.join("inside"), "keep").unwrap();
        let err = write_atomic(&target, b"x").unwrap_err();
        assert!(err.to_string().starts_with(&format!("failed to write kubeconfig \"{}\": ", target.display())));
        assert_eq!(names(dir.path()), ["config"]);
        assert_eq!(fs::read_to_string(target.join("inside")).unwrap(), "keep");
    }

    #[test]
    fn symlink_loop_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        symlink(d.join("b"), d.join("a")).unwrap();
        symlink(d.join("a"), d.join("b")).unwrap();
        assert!(matches!(write_atomic(&d.join("a"), b"x"), Err(KubeconfigError::Write { .. })));
    }

    #[test]
    fn temp_names_are_unique_and_hidden() {
        let (a, b) = (temp_name(OsStr::new("config")), temp_name(OsStr::new("config")));
        assert_ne!(a, b);
        assert!(a.starts_with(&format!(".config.kina-tmp-{}-", std::process::id())), "{a}");
    }
}

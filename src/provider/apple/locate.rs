//! Finding the `container` binary: `KINA_CONTAINER_BIN`, else PATH, else the
//! installer's and Homebrew's usual places.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use super::AppleError;
use crate::provider::ProviderError;

const FALLBACKS: [&str; 2] = ["/usr/local/bin/container", "/opt/homebrew/bin/container"];

/// Returns the program to execute and the name to show in command lines.
pub(crate) fn locate_binary(
    explicit: Option<&OsStr>,
    path_var: Option<&OsStr>,
) -> Result<(PathBuf, String), ProviderError> {
    if let Some(explicit) = explicit.filter(|s| !s.is_empty()) {
        let path = PathBuf::from(explicit);
        return if is_executable(&path) {
            let shown = path.display().to_string();
            Ok((path, shown))
        } else {
            Err(AppleError::NotInstalled { looked_at: Some(path.display().to_string()) }.into())
        };
    }
    let on_path = path_var.into_iter().flat_map(std::env::split_paths).map(|dir| dir.join("container"));
    if let Some(found) = on_path.into_iter().find(|p| is_executable(p)) {
        return Ok((found, "container".to_string()));
    }
    FALLBACKS
        .iter()
        .map(PathBuf::from)
        .find(|p| is_executable(p))
        .map(|p| {
            let shown = p.display().to_string();
            (p, shown)
        })
        .ok_or_else(|| AppleError::NotInstalled { looked_at: None }.into())
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata().map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0).unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn executable(dir: &Path, name: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    #[test]
    fn explicit_binary_wins_and_must_exist() {
        let dir = tempfile::tempdir().unwrap();
        let fake = executable(dir.path(), "fake-container");
        let (found, shown) = locate_binary(Some(fake.as_os_str()), None).unwrap();
        assert_eq!(found, fake);
        assert_eq!(shown, fake.display().to_string());

        let missing = dir.path().join("nope");
        let err = locate_binary(Some(missing.as_os_str()), None).unwrap_err();
        assert!(err.to_string().contains("nope"), "{err}");
    }

    #[test]
    fn found_on_path_is_shown_as_container() {
        let dir = tempfile::tempdir().unwrap();
        executable(dir.path(), "container");
        let path_var = std::env::join_paths(["/nonexistent", dir.path().to_str().unwrap()]).unwrap();
        let (found, shown) = locate_binary(None, Some(&path_var)).unwrap();
        assert_eq!(found, dir.path().join("container"));
        assert_eq!(shown, "container");
    }

    #[test]
    fn non_executable_file_does_not_count() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("container"), "").unwrap();
        let result = locate_binary(None, Some(dir.path().as_os_str()));
        if !FALLBACKS.iter().any(|p| Path::new(p).exists()) {
            let err = result.unwrap_err();
            assert!(matches!(err.runtime_error(), Some(AppleError::NotInstalled { looked_at: None })));
        }
    }
}

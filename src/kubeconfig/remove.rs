//! Dropping kina's entries from a kubeconfig file (`delete cluster`).

use std::{fs, io, path::Path};

use super::types::remove_named;
use super::{Kubeconfig, KubeconfigError, LockGuard, Written, kina_key, load, to_yaml, write_atomic};

/// Removes the `kina-<cluster>` cluster, user and context from `path`, and `current-context`
/// if it named them. Writes only when something changed and says what it wrote (`None`:
/// nothing changed). A missing file is not an error and is not created (nor is its directory).
pub(crate) fn remove(path: &Path, cluster: &str) -> Result<Option<Written>, KubeconfigError> {
    match fs::symlink_metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(KubeconfigError::Read { path: path.to_path_buf(), source });
        }
        Ok(_) => {}
    }
    let _lock = LockGuard::acquire(path)?;
    let Some(mut config) = load(path)? else {
        return Ok(None);
    };
    if !remove_from(&mut config, &kina_key(cluster)) {
        return Ok(None);
    }
    write_atomic(path, to_yaml(&config)?.as_bytes()).map(Some)
}

/// Drops the cluster, user and context called `key`, and `current-context` if it is `key`.
/// Returns whether anything changed.
pub(crate) fn remove_from(config: &mut Kubeconfig, key: &str) -> bool {
    let mut changed = remove_named(&mut config.clusters, key);
    changed |= remove_named(&mut config.users, key);
    changed |= remove_named(&mut config.contexts, key);
    if config.current_context.as_deref() == Some(key) {
        config.current_context = None;
        changed = true;
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kubeconfig::lock::lock_path;
    use crate::kubeconfig::merge::tests::{KINA_CLUSTER, KINA_CONTEXT, KINA_USER};

    const OTHERS: &str = "\
apiVersion: v1
clusters:
- cluster:
    server: https://kops
  name: kops-foo
contexts:
- context:
    cluster: kops-foo
    user: kops-foo
  name: kops-foo
kind: Config
preferences: {}
users:
- name: kops-foo
  user:
    token: \"yes\"
x-top: {keep: \"1.5\"}
";

    /// OTHERS with kina-dev's entries first and `current`, if any, as current-context.
    fn with_kina(current: Option<&str>) -> String {
        let current = current.map(|c| format!("current-context: {c}\n")).unwrap_or_default();
        OTHERS
            .replace("clusters:\n", &format!("clusters:\n{KINA_CLUSTER}"))
            .replace("contexts:\n", &format!("contexts:\n{KINA_CONTEXT}"))
            .replace("kind: Config\n", &format!("{current}kind: Config\n"))
            .replace("users:\n", &format!("users:\n{KINA_USER}"))
    }

    fn others(current: Option<&str>) -> String {
        let current = current.map(|c| format!("current-context: {c}\n")).unwrap_or_default();
        OTHERS
            .replace("kind: Config\n", &format!("{current}kind: Config\n"))
            .replace("x-top: {keep: \"1.5\"}", "x-top:\n  keep: \"1.5\"")
    }

    #[test]
    fn remove_table() {
        let only_kina =
            format!("clusters:\n{KINA_CLUSTER}contexts:\n{KINA_CONTEXT}current-context: kina-dev\nusers:\n{KINA_USER}");
        // (name, existing, cluster, changed, expected file afterwards)
        let cases: Vec<(&str, String, &str, bool, String)> = vec![
            ("only kina", only_kina, "dev", true, "clusters: []\ncontexts: []\nusers: []\n".to_owned()),
            ("keeps others, clears current", with_kina(Some("kina-dev")), "dev", true, others(None)),
            ("keeps another current", with_kina(Some("kops-foo")), "dev", true, others(Some("kops-foo"))),
            ("current only", others(Some("kina-dev")), "dev", true, others(None)),
            ("other cluster name: untouched", with_kina(Some("kina-dev")), "prod", false, with_kina(Some("kina-dev"))),
            ("empty file", String::new(), "dev", false, String::new()),
        ];
        for (name, existing, cluster, changed, want) in cases {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("config");
            fs::write(&path, &existing).unwrap();
            assert_eq!(remove(&path, cluster).unwrap().is_some(), changed, "{name}");
            assert_eq!(fs::read_to_string(&path).unwrap(), want, "{name}");
            assert!(!lock_path(&path).exists(), "{name}: lock left behind");
            assert!(remove(&path, cluster).unwrap().is_none(), "{name}: second remove");
        }
    }

    #[cfg(unix)]
    #[test]
    fn unchanged_file_is_not_rewritten() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        fs::write(&path, OTHERS).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        assert!(remove(&path, "dev").unwrap().is_none());
        assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o644);
        assert_eq!(fs::read_to_string(&path).unwrap(), OTHERS);
    }

    #[test]
    fn missing_file_is_not_created() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".kube/config");
        assert!(remove(&path, "dev").unwrap().is_none());
        assert!(!dir.path().join(".kube").exists());
    }

    #[test]
    fn unparsable_file_is_left_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        fs::write(&path, "users: [\n").unwrap();
        assert!(matches!(remove(&path, "dev"), Err(KubeconfigError::Parse { .. })));
        assert_eq!(fs::read_to_string(&path).unwrap(), "users: [\n");
        assert!(!lock_path(&path).exists());
    }
}

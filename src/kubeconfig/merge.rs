//! Adding kina's cluster, user and context to a kubeconfig file (`create cluster`, `export kubeconfig`).

use std::path::Path;

use super::types::upsert;
use super::{Kubeconfig, KubeconfigError, LockGuard, Written, load, to_yaml, write_atomic};

/// Locks `path`, merges `kina` into it (a missing file counts as empty) and atomically
/// rewrites it with mode 0600 and its owner. An unparsable file is an error and is left untouched.
pub(crate) fn export(path: &Path, kina: &Kubeconfig) -> Result<Written, KubeconfigError> {
    let _lock = LockGuard::acquire(path)?;
    let mut config = load(path)?.unwrap_or_default();
    merge_into(&mut config, kina);
    write_atomic(path, to_yaml(&config)?.as_bytes())
}

/// What [`export`] needs, checked before anything is created: the lock can be
/// taken (a stale `.lock` left by a killed writer fails now, not after the
/// cluster was built) and the file, if any, parses.
pub(crate) fn check_export(path: &Path) -> Result<(), KubeconfigError> {
    let _lock = LockGuard::acquire(path)?;
    load(path)?;
    Ok(())
}

/// Replaces entries of the same name in place, else appends them; makes kina's context
/// current; copies `apiVersion` and `kind` only where `existing` lacks them, and
/// `preferences` only into an empty config (a file another tool wrote without
/// them stays without). Everything else in `existing` is kept.
pub(crate) fn merge_into(existing: &mut Kubeconfig, kina: &Kubeconfig) {
    let was_empty = *existing == Kubeconfig::default();
    for cluster in kina.clusters.iter().flatten() {
        upsert(&mut existing.clusters, cluster.clone());
    }
    for user in kina.users.iter().flatten() {
        upsert(&mut existing.users, user.clone());
    }
    for context in kina.contexts.iter().flatten() {
        upsert(&mut existing.contexts, context.clone());
    }
    if kina.current_context.is_some() {
        existing.current_context.clone_from(&kina.current_context);
    }
    if existing.api_version.is_none() {
        existing.api_version.clone_from(&kina.api_version);
    }
    if existing.kind.is_none() {
        existing.kind.clone_from(&kina.kind);
    }
    if was_empty {
        existing.preferences.clone_from(&kina.preferences);
    }
}

#[cfg(test)]
pub(super) mod tests {
    use std::fs;

    use super::*;
    use crate::kubeconfig::lock::lock_path;
    use crate::kubeconfig::{admin::tests::ADMIN_CONF, from_admin_conf};

    pub(crate) const KINA_CLUSTER: &str = "\
- cluster:
    certificate-authority-data: Q0EtREFUQQ==
    server: https://127.0.0.1:6443
  name: kina-dev
";
    pub(crate) const KINA_CONTEXT: &str = "\
- context:
    cluster: kina-dev
    user: kina-dev
  name: kina-dev
";
    pub(crate) const KINA_USER: &str = "\
- name: kina-dev
  user:
    client-certificate-data: Q0VSVA==
    client-key-data: S0VZ
";

    pub(crate) fn kina() -> Kubeconfig {
        from_admin_conf(ADMIN_CONF, "dev", Some("https://127.0.0.1:6443")).unwrap()
    }

    fn kina_only() -> String {
        format!(
            "apiVersion: v1\nclusters:\n{KINA_CLUSTER}contexts:\n{KINA_CONTEXT}current-context: kina-dev\n\
             kind: Config\npreferences: {{}}\nusers:\n{KINA_USER}"
        )
    }

    fn cases() -> Vec<(&'static str, Option<String>, String)> {
        let others = "\
apiVersion: v1
clusters:
- cluster:
    server: https://prod.example.com
    certificate-authority: /etc/prod-ca.pem
    extensions:
    - name: example.com/meta
      extension:
        region: \"on\"
        zone: \"010\"
  name: prod
contexts:
- context:
    cluster: prod
    user: sso
    namespace: web
  name: prod
current-context: prod
kind: Config
preferences: {}
users:
- name: sso
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: aws
      args:
      - eks
      - get-token
      env: null
      interactiveMode: IfAvailable
      provideClusterInfo: true
extensions:
- name: top
  extension:
    keep: \"yes\"
";
        let merged_others = others
            .replace("  name: prod\ncontexts:", &format!("  name: prod\n{KINA_CLUSTER}contexts:"))
            .replace(
                "  name: prod\ncurrent-context: prod",
                &format!("  name: prod\n{KINA_CONTEXT}current-context: kina-dev"),
            )
            .replace("      provideClusterInfo: true\n", &format!("      provideClusterInfo: true\n{KINA_USER}"));

        let stale = "\
clusters:
- cluster:
    server: https://a
  name: a
- cluster:
    server: https://127.0.0.1:1111
    certificate-authority-data: T0xE
  name: kina-dev
- cluster:
    server: https://b
  name: b
contexts:
- context:
    cluster: kina-dev
    user: kina-dev
    namespace: old
  name: kina-dev
- context:
    cluster: a
    user: a
  name: a
current-context: a
users:
- name: a
  user:
    token: \"true\"
- name: kina-dev
  user:
    token: stale
";
        let replaced = format!(
            "apiVersion: v1\nclusters:\n- cluster:\n    server: https://a\n  name: a\n{KINA_CLUSTER}- cluster:\n    server: https://b\n  name: b\n\
             contexts:\n{KINA_CONTEXT}- context:\n    cluster: a\n    user: a\n  name: a\ncurrent-context: kina-dev\n\
             kind: Config\nusers:\n- name: a\n  user:\n    token: \"true\"\n{KINA_USER}"
        );

        let partial = "preferences:\n  colors: true\nkind: Config\n";
        let partial_merged = format!(
            "apiVersion: v1\nclusters:\n{KINA_CLUSTER}contexts:\n{KINA_CONTEXT}current-context: kina-dev\n\
             kind: Config\npreferences:\n  colors: true\nusers:\n{KINA_USER}"
        );

        vec![
            ("missing file", None, kina_only()),
            ("empty file", Some(String::new()), kina_only()),
            ("whitespace file", Some("\n  \n".to_owned()), kina_only()),
            ("others kept, kina appended", Some(others.to_owned()), merged_others),
            ("kina entries replaced in place", Some(stale.to_owned()), replaced),
            ("existing preferences kept", Some(partial.to_owned()), partial_merged),
        ]
    }

    #[test]
    fn merge_table() {
        for (name, existing, want) in cases() {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join(".kube/config");
            if let Some(text) = &existing {
                fs::create_dir_all(path.parent().unwrap()).unwrap();
                fs::write(&path, text).unwrap();
            }
            export(&path, &kina()).unwrap();
            let got = fs::read_to_string(&path).unwrap();
            assert_eq!(got, want, "{name}");
            assert!(!lock_path(&path).exists(), "{name}: lock left behind");
            assert_eq!(fs::read_dir(path.parent().unwrap()).unwrap().count(), 1, "{name}: stray files");
            // Merging again changes nothing.
            export(&path, &kina()).unwrap();
            assert_eq!(fs::read_to_string(&path).unwrap(), want, "{name}: not idempotent");
        }
    }

    #[cfg(unix)]
    #[test]
    fn mode_0600_on_create_and_rewrite() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let new = dir.path().join("new");
        export(&new, &kina()).unwrap();
        assert_eq!(mode(&new), 0o600);
        let old = dir.path().join("old");
        fs::write(&old, "current-context: x\n").unwrap();
        fs::set_permissions(&old, fs::Permissions::from_mode(0o644)).unwrap();
        export(&old, &kina()).unwrap();
        assert_eq!(mode(&old), 0o600);
    }

    #[cfg(unix)]
    #[test]
    fn a_rewrite_says_when_it_made_the_file_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        fs::write(&path, "current-context: x\n").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        let written = export(&path, &kina()).unwrap();
        assert_eq!(
            written.notice(&path).unwrap(),
            format!(
                "{} was readable by others (mode 0644): kina wrote it with mode 0600, as it holds credentials",
                path.display()
            )
        );
        assert_eq!(export(&path, &kina()).unwrap().notice(&path), None);
    }

    #[test]
    fn unparsable_file_is_left_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        let text = "clusters: [\n  - oops: {\n";
        fs::write(&path, text).unwrap();
        let err = export(&path, &kina()).unwrap_err();
        assert!(matches!(err, KubeconfigError::Parse { .. }), "{err:?}");
        assert!(err.to_string().contains(&path.display().to_string()));
        assert_eq!(fs::read_to_string(&path).unwrap(), text);
        assert!(!lock_path(&path).exists());
    }

    #[test]
    fn locked_by_someone_else() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        fs::write(&path, "current-context: x\n").unwrap();
        fs::write(lock_path(&path), "").unwrap();
        let err = export(&path, &kina()).unwrap_err();
        assert_eq!(err.to_string(), format!("failed to lock config file: open {}.lock: file exists", path.display()));
        assert!(lock_path(&path).exists(), "the other writer's lock must stay");
        assert_eq!(fs::read_to_string(&path).unwrap(), "current-context: x\n");
    }

    #[cfg(unix)]
    #[test]
    fn symlinked_kubeconfig_is_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("dotfiles/kubeconfig");
        fs::create_dir_all(real.parent().unwrap()).unwrap();
        fs::write(&real, "").unwrap();
        let link = dir.path().join("config");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        export(&link, &kina()).unwrap();
        assert!(fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert_eq!(fs::read_to_string(&real).unwrap(), kina_only());
    }

    #[test]
    fn concurrent_exports_all_land() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        let names = ["a", "b", "c", "d"];
        std::thread::scope(|s| {
            for name in names {
                let path = &path;
                s.spawn(move || export(path, &from_admin_conf(ADMIN_CONF, name, None).unwrap()).unwrap());
            }
        });
        let config = load(&path).unwrap().unwrap();
        let mut got: Vec<String> = config.clusters.unwrap().into_iter().map(|c| c.name).collect();
        got.sort();
        assert_eq!(got, ["kina-a", "kina-b", "kina-c", "kina-d"]);
        assert_eq!(config.users.unwrap().len(), 4);
        assert_eq!(config.contexts.unwrap().len(), 4);
    }

    #[test]
    fn merge_into_without_current_context_keeps_the_old_one() {
        let mut existing = Kubeconfig { current_context: Some("a".to_owned()), ..Kubeconfig::default() };
        merge_into(&mut existing, &Kubeconfig::default());
        assert_eq!(existing.current_context.as_deref(), Some("a"));
        assert_eq!(existing.clusters, None);
    }
}

//! Turning kubeadm's `/etc/kubernetes/admin.conf` into kina's kubeconfig.

use serde_json::{Map, Value};

use super::types::{NamedCluster, parse};
use super::{Kubeconfig, KubeconfigError, kina_key};

/// Renames the single cluster, user and context of kubeadm's admin.conf to `kina-<cluster>`,
/// points the context at them, makes it current and, when `server` is given (the host's
/// `https://127.0.0.1:<port>`), replaces the API server address. Everything else is kept.
pub(crate) fn from_admin_conf(raw: &str, cluster: &str, server: Option<&str>) -> Result<Kubeconfig, KubeconfigError> {
    let mut config = parse(raw).map_err(KubeconfigError::AdminParse)?;
    let key = kina_key(cluster);

    let named_cluster = only(&mut config.clusters, "cluster")?;
    let user = only(&mut config.users, "user")?;
    let context = only(&mut config.contexts, "context")?;
    check_secure(named_cluster)?;

    named_cluster.name.clone_from(&key);
    if let Some(server) = server {
        let inner = named_cluster.cluster.get_or_insert_with(Map::new);
        inner.insert("server".to_owned(), Value::from(server));
    }
    user.name.clone_from(&key);
    context.name.clone_from(&key);
    let inner = context.context.get_or_insert_with(Map::new);
    inner.insert("cluster".to_owned(), Value::from(key.as_str()));
    inner.insert("user".to_owned(), Value::from(key.as_str()));
    config.current_context = Some(key);
    Ok(config)
}

/// The one entry of a list that kubeadm writes with exactly one entry.
fn only<'a, T>(list: &'a mut Option<Vec<T>>, what: &'static str) -> Result<&'a mut T, KubeconfigError> {
    match list.as_deref_mut() {
        Some([one]) => Ok(one),
        other => Err(KubeconfigError::AdminShape { what, count: other.map_or(0, |l| l.len()) }),
    }
}

/// kina only writes kubeconfigs that verify the API server's certificate.
fn check_secure(cluster: &NamedCluster) -> Result<(), KubeconfigError> {
    let inner = cluster.cluster.as_ref();
    let field = |name: &str| inner.and_then(|c| c.get(name));
    if field("insecure-skip-tls-verify") == Some(&Value::Bool(true)) {
        return Err(KubeconfigError::AdminInsecure { cluster: cluster.name.clone() });
    }
    match field("certificate-authority-data") {
        Some(Value::String(ca)) if !ca.trim().is_empty() => Ok(()),
        _ => Err(KubeconfigError::AdminNoCa { cluster: cluster.name.clone() }),
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::kubeconfig::to_yaml;

    /// Shaped like kubeadm's admin.conf (alphabetical keys, as client-go writes it).
    pub(crate) const ADMIN_CONF: &str = "\
apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: Q0EtREFUQQ==
    server: https://10.0.0.2:6443
  name: kubernetes
contexts:
- context:
    cluster: kubernetes
    user: kubernetes-admin
  name: kubernetes-admin@kubernetes
current-context: kubernetes-admin@kubernetes
kind: Config
preferences: {}
users:
- name: kubernetes-admin
  user:
    client-certificate-data: Q0VSVA==
    client-key-data: S0VZ
";

    #[test]
    fn renames_everything_and_sets_the_server() {
        let config = from_admin_conf(ADMIN_CONF, "dev", Some("https://127.0.0.1:51234")).unwrap();
        let expected = "\
apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: Q0EtREFUQQ==
    server: https://127.0.0.1:51234
  name: kina-dev
contexts:
- context:
    cluster: kina-dev
    user: kina-dev
  name: kina-dev
current-context: kina-dev
kind: Config
preferences: {}
users:
- name: kina-dev
  user:
    client-certificate-data: Q0VSVA==
    client-key-data: S0VZ
";
        assert_eq!(to_yaml(&config).unwrap(), expected);
    }

    #[test]
    fn without_server_keeps_the_internal_address() {
        let config = from_admin_conf(ADMIN_CONF, "kind", None).unwrap();
        let cluster = &config.clusters.unwrap()[0];
        assert_eq!(cluster.name, "kina-kind");
        assert_eq!(cluster.cluster.as_ref().unwrap()["server"], "https://10.0.0.2:6443");
    }

    #[test]
    fn errors() {
        let two_clusters = ADMIN_CONF.replace(
            "contexts:",
            "- cluster:\n    certificate-authority-data: eA==\n    server: https://x\n  name: other\ncontexts:",
        );
        let no_users = ADMIN_CONF.split("users:").next().unwrap().to_owned();
        let two_contexts = ADMIN_CONF.replace(
            "current-context:",
            "- context: {cluster: kubernetes, user: kubernetes-admin}\n  name: x\ncurrent-context:",
        );
        let insecure = ADMIN_CONF.replace("    server:", "    insecure-skip-tls-verify: true\n    server:");
        let no_ca = ADMIN_CONF.replace("    certificate-authority-data: Q0EtREFUQQ==\n", "");
        let ca_file = ADMIN_CONF.replace("certificate-authority-data: Q0EtREFUQQ==", "certificate-authority: /ca.crt");
        let cases: &[(&str, &str, &str)] = &[
            ("empty", "", "kubeadm KUBECONFIG should have one cluster, but read 0"),
            ("two clusters", &two_clusters, "kubeadm KUBECONFIG should have one cluster, but read 2"),
            ("no users", &no_users, "kubeadm KUBECONFIG should have one user, but read 0"),
            ("two contexts", &two_contexts, "kubeadm KUBECONFIG should have one context, but read 2"),
            ("insecure", &insecure, "kubeadm KUBECONFIG cluster \"kubernetes\" sets insecure-skip-tls-verify"),
            ("no CA", &no_ca, "kubeadm KUBECONFIG cluster \"kubernetes\" has no certificate-authority-data"),
            ("CA file only", &ca_file, "has no certificate-authority-data"),
            ("not YAML", "clusters: [", "failed to parse kubeadm KUBECONFIG: "),
        ];
        for (name, raw, want) in cases {
            let err = from_admin_conf(raw, "dev", None).unwrap_err().to_string();
            assert!(err.contains(want), "{name}: {err}");
        }
    }
}

//! Cluster and node names, as kind resolves and validates them, plus the
//! limits Apple `container` puts on VM names.

use super::{ClusterError, DEFAULT_NAME};

/// `--name` > `KINA_CLUSTER_NAME` > config `name:` > `kina` (kind's precedence).
pub(crate) fn resolve(flag: Option<&str>, env: Option<&str>, config: Option<&str>) -> String {
    [flag, env, config].into_iter().flatten().find(|s| !s.is_empty()).unwrap_or(DEFAULT_NAME).to_string()
}

/// kind's `^[a-z0-9.-]+$`, then what a VM name must also satisfy.
pub(crate) fn validate(name: &str) -> Result<(), ClusterError> {
    if crate::config::validate_name(name).is_err() {
        return Err(ClusterError::InvalidName(name.to_string()));
    }
    let not_usable = |why: &str| ClusterError::NameNotUsableOnVm { name: name.to_string(), why: why.to_string() };
    if !name.as_bytes()[0].is_ascii_alphanumeric() {
        return Err(not_usable("VM names must start with a letter or digit"));
    }
    if name.contains('.') {
        return Err(not_usable("a dot makes Apple container treat the VM name as a domain name"));
    }
    let longest = node_name(name, crate::provider::Role::ControlPlane.as_str(), 1);
    if longest.len() > 63 {
        return Err(not_usable(&format!(
            "node name {longest:?} is {} characters and VM names are limited to 63",
            longest.len()
        )));
    }
    Ok(())
}

/// kind's namer: `<cluster>-<role>`, then `<cluster>-<role>2`, `3`, …
pub(crate) fn node_name(cluster: &str, role: &str, index: usize) -> String {
    if index <= 1 { format!("{cluster}-{role}") } else { format!("{cluster}-{role}{index}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precedence_is_flag_env_config_default() {
        assert_eq!(resolve(Some("a"), Some("b"), Some("c")), "a");
        assert_eq!(resolve(None, Some("b"), Some("c")), "b");
        assert_eq!(resolve(None, None, Some("c")), "c");
        assert_eq!(resolve(None, Some(""), None), "kina");
        assert_eq!(resolve(None, None, None), "kina");
    }

    #[test]
    fn kind_rules_with_kinds_message() {
        for ok in ["kina", "dev", "a1-b2", "x"] {
            validate(ok).unwrap();
        }
        let err = validate("Foo").unwrap_err().to_string();
        assert_eq!(err, "'Foo' is not a valid cluster name, cluster names must match `^[a-z0-9.-]+$`");
        for bad in ["", "under_score", "UPPER", "spa ce", "x/y"] {
            assert!(matches!(validate(bad), Err(ClusterError::InvalidName(_))), "{bad}");
        }
    }

    #[test]
    fn vm_limits_are_explained() {
        for bad in ["-lead", ".lead", "a.b"] {
            assert!(matches!(validate(bad), Err(ClusterError::NameNotUsableOnVm { .. })), "{bad}");
        }
        let longest_ok = "a".repeat(63 - "-control-plane".len());
        validate(&longest_ok).unwrap();
        let err = validate(&format!("{longest_ok}a")).unwrap_err().to_string();
        assert!(err.contains("limited to 63"), "{err}");
    }

    #[test]
    fn node_names_follow_kind() {
        assert_eq!(node_name("kina", "control-plane", 1), "kina-control-plane");
        assert_eq!(node_name("kina", "worker", 1), "kina-worker");
        assert_eq!(node_name("kina", "worker", 2), "kina-worker2");
    }
}

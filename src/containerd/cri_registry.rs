//! containerd's CRI refuses a registry config that sets both `config_path` (hosts from
//! `certs.d`) and `mirrors` (containerd 2.x `internal/cri/config/config.go`,
//! `ValidateImageConfig`): the plugin does not load, no kubelet starts, and kubeadm
//! fails minutes later. kina checks the patched config before anything is created.

use super::{PatchError, patch_config_report};

/// kindest/node's `/etc/containerd/config.toml` (version 2) as the image ships it
/// (kind's `images/base/files/etc/containerd/config.toml`).
const KINDEST_NODE_CONFIG: &str = include_str!("../../tests/fixtures/node/containerd-config.toml");

/// What the CRI's registry section sets once `patches` are applied to kindest/node's
/// config; `None` when they do not apply there (left for the create to report on the
/// node's own config).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct CriRegistry {
    /// A non-empty `config_path`.
    pub config_path: bool,
    /// A non-empty `mirrors` table.
    pub mirrors: bool,
}

pub(crate) fn patched_cri_registry(patches: &[String], patches_json6902: &[String]) -> Option<CriRegistry> {
    let patched = patch_config_report(KINDEST_NODE_CONFIG, patches, patches_json6902).ok()?;
    Some(cri_registry(&patched.config))
}

/// Whether the patched kindest/node config sets both, which containerd refuses.
pub(crate) fn patches_set_both(patches: &[String], patches_json6902: &[String]) -> bool {
    patched_cri_registry(patches, patches_json6902).is_some_and(|r| r.config_path && r.mirrors)
}

/// The same check as an error, with containerd's own message.
pub(crate) fn check(patches: &[String], patches_json6902: &[String]) -> Result<(), PatchError> {
    if patches_set_both(patches, patches_json6902) { Err(PatchError::MirrorsWithConfigPath) } else { Ok(()) }
}

/// containerd's reading: version 2 keeps the registry under the CRI plugin, version 3
/// under its images plugin.
fn cri_registry(config: &str) -> CriRegistry {
    let Ok(table) = config.parse::<toml::Table>() else { return CriRegistry::default() };
    let plugin = match table.get("version").and_then(toml::Value::as_integer) {
        Some(3) => "io.containerd.cri.v1.images",
        _ => "io.containerd.grpc.v1.cri",
    };
    let Some(registry) = table.get("plugins").and_then(|p| p.get(plugin)).and_then(|p| p.get("registry")) else {
        return CriRegistry::default();
    };
    CriRegistry {
        config_path: registry.get("config_path").and_then(toml::Value::as_str).is_some_and(|p| !p.is_empty()),
        mirrors: registry.get("mirrors").and_then(toml::Value::as_table).is_some_and(|m| !m.is_empty()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG_PATH: &str =
        "[plugins.\"io.containerd.grpc.v1.cri\".registry]\n  config_path = \"/etc/containerd/certs.d\"\n";
    const MIRROR: &str = "[plugins.\"io.containerd.grpc.v1.cri\".registry.mirrors.\"localhost:5001\"]\n  endpoint = [\"http://kind-registry:5000\"]\n";

    fn patches(list: &[&str]) -> Vec<String> {
        list.iter().map(|p| p.to_string()).collect()
    }

    #[test]
    fn both_from_separate_patches_are_refused_either_alone_is_fine() {
        assert!(patches_set_both(&patches(&[CONFIG_PATH, MIRROR]), &[]));
        assert!(patches_set_both(&patches(&[MIRROR, CONFIG_PATH]), &[]));
        assert!(!patches_set_both(&patches(&[CONFIG_PATH]), &[]));
        assert!(!patches_set_both(&patches(&[MIRROR]), &[]));
        assert!(!patches_set_both(&[], &[]));
        assert_eq!(check(&patches(&[CONFIG_PATH, MIRROR]), &[]), Err(PatchError::MirrorsWithConfigPath));
    }

    #[test]
    fn json6902_patches_count_and_empty_values_do_not() {
        let add_path = r#"[{"op": "add", "path": "/plugins/io.containerd.grpc.v1.cri/registry/config_path", "value": "/etc/containerd/certs.d"}]"#;
        assert!(patches_set_both(&patches(&[MIRROR]), &[add_path.to_string()]));
        // `add` on the whole table replaces what the mirror patch put there.
        let replace =
            r#"[{"op": "add", "path": "/plugins/io.containerd.grpc.v1.cri/registry", "value": {"config_path": "/x"}}]"#;
        assert!(!patches_set_both(&patches(&[MIRROR]), &[replace.to_string()]));
        let empty_path = "[plugins.\"io.containerd.grpc.v1.cri\".registry]\n  config_path = \"\"\n";
        assert!(!patches_set_both(&patches(&[empty_path, MIRROR]), &[]));
    }

    #[test]
    fn a_patch_for_another_version_is_skipped_as_on_the_node() {
        let v3 = "version = 3\n[plugins.'io.containerd.cri.v1.images'.registry]\n  config_path = \"/x\"\n";
        assert!(!patches_set_both(&patches(&[v3, MIRROR]), &[]));
    }
}

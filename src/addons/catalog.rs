//! What `kina install` offers: names, pinned versions, dependencies, and
//! each addon's implementation (the one table kina dispatches through).

use super::AddonError;
use super::addon::Addon;
use super::calico::Calico;
use super::gateway::Gateway;
use super::headlamp::Headlamp;
use super::ingress_nginx::IngressNginx;
use super::kindnet::Kindnet;
use super::load_balancer::LoadBalancer;
use super::local_path::LocalPath;
use super::metrics_server::MetricsServer;
use super::names::Names;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AddonId {
    LoadBalancer,
    Gateway,
    IngressNginx,
    MetricsServer,
    LocalPathStorage,
    Headlamp,
    Kindnet,
    Calico,
    Names,
}

/// One addon as `kina install --list` shows it.
#[derive(Debug)]
pub(crate) struct Info {
    pub id: AddonId,
    pub name: &'static str,
    pub aliases: &'static [&'static str],
    /// The pinned version; `--version` picks another where upstream allows.
    pub version: &'static str,
    pub summary: &'static str,
    /// Installed first when missing.
    pub requires: &'static [AddonId],
    /// Whether `--version` means anything (kina's own addons have no other version).
    pub versioned: bool,
    /// What upstream puts before the version in its tags (`controller-` for ingress-nginx).
    pub tag_prefix: &'static str,
    /// How it is installed, checked and removed.
    pub addon: &'static dyn Addon,
}

/// A manifest downloaded from upstream. `{version}` in the URL is replaced by
/// the version installed; the checksum holds only for the pinned version.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Remote {
    pub url: &'static str,
    pub sha256: Option<&'static str>,
}

pub(crate) const CATALOG: &[Info] = &[
    Info {
        id: AddonId::LoadBalancer,
        name: "load-balancer",
        aliases: &["lb"],
        version: env!("CARGO_PKG_VERSION"),
        summary: "Services of type LoadBalancer get a node address the Mac reaches directly (kina-lb)",
        requires: &[],
        versioned: false,
        tag_prefix: "",
        addon: &LoadBalancer,
    },
    Info {
        id: AddonId::Gateway,
        name: "gateway",
        aliases: &["envoy-gateway"],
        version: "v1.9.0",
        summary: "Gateway API v1.6.1 CRDs (standard) + Envoy Gateway, with a ready GatewayClass and Gateway",
        requires: &[AddonId::LoadBalancer],
        versioned: true,
        tag_prefix: "",
        addon: &Gateway,
    },
    Info {
        id: AddonId::IngressNginx,
        name: "ingress-nginx",
        aliases: &["ingress"],
        version: "v1.15.1",
        summary: "ingress-nginx, kind's provider manifest (retired upstream: prefer gateway)",
        requires: &[AddonId::LoadBalancer],
        versioned: true,
        tag_prefix: "controller-",
        addon: &IngressNginx,
    },
    Info {
        id: AddonId::MetricsServer,
        name: "metrics-server",
        aliases: &["metrics"],
        version: "v0.9.0",
        summary: "resource metrics for `kubectl top` and autoscaling",
        requires: &[],
        versioned: true,
        tag_prefix: "",
        addon: &MetricsServer,
    },
    Info {
        id: AddonId::LocalPathStorage,
        name: "local-path-storage",
        aliases: &["local-path", "storage"],
        version: "v0.0.37",
        summary: "local-path-provisioner as the default StorageClass",
        requires: &[],
        versioned: true,
        tag_prefix: "",
        addon: &LocalPath,
    },
    Info {
        id: AddonId::Headlamp,
        name: "headlamp",
        aliases: &["dashboard"],
        version: "v0.45.0",
        summary: "Headlamp, the Kubernetes web UI (the dashboard is archived upstream)",
        requires: &[AddonId::LoadBalancer],
        versioned: true,
        tag_prefix: "",
        addon: &Headlamp,
    },
    Info {
        id: AddonId::Kindnet,
        name: "kindnet",
        aliases: &["cni"],
        version: "node image",
        summary: "CNI: kind's routed network from the node image (works on the stock kernel)",
        requires: &[],
        versioned: false,
        tag_prefix: "",
        addon: &Kindnet,
    },
    Info {
        id: AddonId::Calico,
        name: "calico",
        aliases: &[],
        version: "v3.32.1",
        summary: "CNI: Calico in VXLAN mode (needs a node kernel with VXLAN)",
        requires: &[],
        versioned: true,
        tag_prefix: "",
        addon: &Calico,
    },
    Info {
        id: AddonId::Names,
        name: "names",
        aliases: &["dns"],
        version: env!("CARGO_PKG_VERSION"),
        summary: "names on the Mac under <cluster>.kina.internal for LoadBalancer Services, Ingresses and HTTPRoutes",
        requires: &[AddonId::LoadBalancer],
        versioned: false,
        tag_prefix: "",
        addon: &Names,
    },
];

pub(crate) fn info(id: AddonId) -> &'static Info {
    CATALOG.iter().find(|i| i.id == id).expect("every addon is in the catalog")
}

/// The addon a user typed (a name or an alias, any case).
pub(crate) fn find(name: &str) -> Result<&'static Info, AddonError> {
    let wanted = name.trim().to_ascii_lowercase();
    CATALOG.iter().find(|i| i.name == wanted || i.aliases.contains(&wanted.as_str())).ok_or_else(|| {
        let known = CATALOG
            .iter()
            .map(|i| match i.aliases {
                [] => i.name.to_string(),
                aliases => format!("{} ({})", i.name, aliases.join(", ")),
            })
            .collect::<Vec<_>>()
            .join(", ");
        AddonError::Unknown { name: name.to_string(), known, suggestion: closest(&wanted) }
    })
}

/// The name (or alias) a typo most likely meant, if one is close enough.
fn closest(typed: &str) -> Option<&'static str> {
    let candidates = CATALOG.iter().flat_map(|i| std::iter::once(&i.name).chain(i.aliases).map(move |n| (*n, i.name)));
    candidates
        .map(|(word, name)| (edit_distance(typed, word), name))
        .filter(|(d, _)| *d <= 2 + typed.len() / 6)
        .min_by_key(|(d, _)| *d)
        .map(|(_, name)| name)
}

/// Levenshtein distance, over bytes (names are ASCII).
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous + usize::from(ca != cb);
            previous = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_aliases_are_unique() {
        let mut seen = Vec::new();
        for i in CATALOG {
            for n in std::iter::once(&i.name).chain(i.aliases) {
                assert!(!seen.contains(n), "{n} twice");
                seen.push(n);
            }
        }
    }

    #[test]
    fn aliases_find_their_addon() {
        assert_eq!(find("dashboard").unwrap().id, AddonId::Headlamp);
        assert_eq!(find("cni").unwrap().id, AddonId::Kindnet);
        assert_eq!(find("Gateway").unwrap().id, AddonId::Gateway);
    }

    #[test]
    fn unknown_names_list_the_known_ones() {
        let err = find("traefik").unwrap_err().to_string();
        assert!(err.contains("unknown addon \"traefik\""), "{err}");
        assert!(err.contains("load-balancer (lb), gateway (envoy-gateway), ingress-nginx (ingress)"), "{err}");
        assert!(!err.contains("did you mean"), "{err}");
    }

    #[test]
    fn typos_get_a_suggestion() {
        for (typed, meant) in [
            ("ingres", "ingress-nginx"),
            ("ingress-ngnix", "ingress-nginx"),
            ("metric-server", "metrics-server"),
            ("headlmap", "headlamp"),
            ("callico", "calico"),
        ] {
            let err = find(typed).unwrap_err().to_string();
            assert!(err.ends_with(&format!("did you mean {meant}?")), "{typed}: {err}");
        }
    }

    #[test]
    fn each_entry_has_its_own_addon() {
        for i in CATALOG {
            assert_eq!(i.addon.name(), i.name);
        }
    }

    #[test]
    fn dependencies_are_in_the_catalog_and_have_none_of_their_own() {
        for i in CATALOG {
            for dep in i.requires {
                assert!(info(*dep).requires.is_empty(), "{} needs a chain", i.name);
            }
        }
    }
}

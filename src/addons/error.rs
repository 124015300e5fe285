//! What can go wrong installing an addon, each with a hint the user can act on.

#[derive(Debug, thiserror::Error)]
pub enum AddonError {
    #[error("unknown addon {name:?} (known addons: {known})")]
    Unknown { name: String, known: String },

    #[error("{addon} has no other version than kina's own; drop --version")]
    NotVersioned { addon: &'static str },

    #[error("failed to download {url}{}: {reason}", .mirror.as_ref().map(|m| format!(" (mirror {m})")).unwrap_or_default())]
    Download { url: String, mirror: Option<String>, reason: String },

    #[error("{url} is not in kina's cache")]
    NotCached { url: String },

    #[error("{url} does not match the checksum kina recorded (expected sha256 {expected}, got {actual})")]
    Checksum { url: String, expected: String, actual: String },

    #[error("{addon} is not ready: {what} did not {condition} within {within}")]
    NotReady {
        addon: &'static str,
        what: String,
        condition: String,
        within: String,
        look: String,
        #[source]
        source: anyhow::Error,
    },

    #[error("kubectl could not apply every object")]
    Apply(#[source] anyhow::Error),

    #[error("{service} cannot get a LoadBalancer address: {reason}")]
    Pending { service: String, reason: String, context: String, local: bool },

    #[error("invalid version {0:?}: use an upstream release tag such as v1.2.3")]
    Version(String),

    #[error("{addon} needs kernel features the node {node} lacks: {}", .missing.join(", "))]
    Kernel { addon: &'static str, node: String, missing: Vec<String> },

    #[error(
        "the cluster already runs a CNI ({existing}); {addon} is for clusters created with networking.disableDefaultCNI: true"
    )]
    CniPresent { addon: &'static str, existing: String },

    #[error("the manifest for {addon} has no {what}; upstream changed its layout")]
    Layout { addon: &'static str, what: String },
}

impl AddonError {
    pub fn hint(&self) -> Option<String> {
        match self {
            AddonError::Unknown { .. } => Some("see what kina offers with `kina install --list`".into()),
            AddonError::Download { .. } => Some(
                "check your network, or point kina at a copy with --mirror or KINA_ADDON_MIRROR \
                 (a base URL or a directory laid out as <host>/<path>, see docs/addons.md)"
                    .into(),
            ),
            AddonError::Checksum { .. } => Some(
                "the download was changed or truncated; retry, or check the mirror's copy (the addon was not applied)"
                    .into(),
            ),
            AddonError::NotReady { look, .. } => Some(format!("look with `{look}`")),
            AddonError::Kernel { .. } => Some(
                "create the cluster with a kernel that has them (kina.dev/v1alpha1 `nodes[].kernel`, see \
                 docs/configuration.md), or use the kindnet CNI, which works on the stock kernel"
                    .into(),
            ),
            AddonError::CniPresent { .. } => {
                Some("create a cluster with `networking.disableDefaultCNI: true` to choose its CNI".into())
            }
            AddonError::Layout { .. } => Some("install the pinned version (drop --version), or report it".into()),
            AddonError::Apply(_) => Some(
                "some objects may be applied already: run the same `kina install` again to finish, or `kina uninstall` \
                 the addon to remove them"
                    .into(),
            ),
            AddonError::Pending { context, local: false, .. } => Some(format!(
                "on every node another Service, a pod's hostPort, a NodePort or one of the cluster's own ports \
                 (6443, 2379, 2380, 10250, 10256) holds them: see EXTERNAL-IP and PORT(S) in \
                 `kubectl --context {context} get services --all-namespaces`; remove the other one, or add a worker node"
            )),
            AddonError::Pending { context, local: true, .. } => Some(format!(
                "the Service only answers where its pods run (externalTrafficPolicy: Local), and there another \
                 Service, hostPort or NodePort holds its ports: see `kubectl --context {context} get services,pods \
                 --all-namespaces -o wide`; move the other Service or the pods (e.g. with a nodeSelector)"
            )),
            AddonError::NotVersioned { .. } | AddonError::Version(_) | AddonError::NotCached { .. } => None,
        }
    }
}

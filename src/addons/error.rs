//! What can go wrong installing an addon, each with a hint the user can act on.

#[derive(Debug, thiserror::Error)]
pub(crate) enum AddonError {
    #[error("unknown addon {name:?} (known addons: {known}){}", .suggestion.map(|s| format!("; did you mean {s}?")).unwrap_or_default())]
    Unknown { name: String, known: String, suggestion: Option<&'static str> },

    #[error("{addon} has no version to choose ({origin}); drop --version")]
    NotVersioned { addon: &'static str, origin: &'static str },

    #[error("failed to download {url}{}: {reason}", .mirror.as_ref().map(|m| format!(" (mirror {m})")).unwrap_or_default())]
    Download { url: String, mirror: Option<String>, reason: String, mirror_is_dir: bool },

    #[error("the mirror {mirror} is plain http: the manifests kina applies would cross the network unencrypted")]
    PlainHttpMirror { mirror: String },

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

    #[error("{addon}'s {service} cannot get a LoadBalancer address: {reason}")]
    Pending { addon: &'static str, service: String, reason: String, context: String, local: bool, one_node: bool },

    #[error("invalid version {0:?}: use an upstream release tag such as v1.2.3")]
    Version(String),

    #[error("{addon} needs kernel features the node {node} lacks: {}", .missing.join(", "))]
    Kernel { addon: &'static str, node: String, missing: Vec<String> },

    #[error("the cluster already runs a CNI ({existing}); a cluster runs one CNI at a time")]
    CniPresent { addon: &'static str, existing: String },

    #[error("the manifest for {addon} has no {what}; upstream changed its layout")]
    Layout { addon: &'static str, what: String },
}

impl AddonError {
    pub(crate) fn hint(&self) -> Option<String> {
        match self {
            AddonError::Unknown { .. } => Some("see what kina offers with `kina install --list`".into()),
            AddonError::Download { mirror: None, .. } => Some(
                format!(
                    "check your network (curl honours HTTPS_PROXY), or point kina at a copy with --mirror or \
                     KINA_ADDON_MIRROR (a base URL or a directory laid out as <host>/<path>, see {})",
                    crate::build_info::docs_link("addons.md")
                ),
            ),
            AddonError::Download { mirror_is_dir: true, .. } => Some(
                "put the file into the mirror directory at <host>/<path> of the URL (e.g. with `wget --force-directories URL`), \
                 or check --version"
                    .into(),
            ),
            AddonError::Download { .. } => {
                Some("check that the mirror serves <host>/<path> of the URL, and --version if you gave one".into())
            }
            AddonError::PlainHttpMirror { .. } => Some(
                "use an https:// mirror or a directory, or pass --allow-http if this network is yours \
                 (checksums still apply to the files kina pins)"
                    .into(),
            ),
            AddonError::Checksum { .. } => Some(
                "the download was changed or truncated; retry, or check the mirror's copy (nothing was applied from it)"
                    .into(),
            ),
            AddonError::NotReady { look, .. } => Some(format!("look with `{look}`")),
            AddonError::Apply(_) => Some(
                "some objects may be applied already: run the same `kina install` again to finish, or `kina uninstall` \
                 the addon to remove them"
                    .into(),
            ),
            AddonError::Pending { addon, context, local, one_node, .. } => {
                let holders = format!(
                    "see who holds the ports with `kubectl --context {context} get services,pods --all-namespaces -o wide`"
                );
                let remedy = match (local, one_node) {
                    (_, true) => "on a single node, use one or the other (`kina uninstall` the one in the way), or \
                                  recreate the cluster with a worker (`kina create cluster --workers 1`)",
                    (true, false) => "remove what holds them, or move the Service's pods to another node (a nodeSelector)",
                    (false, false) => "remove what holds them, or recreate the cluster with more workers",
                };
                Some(format!("{holders}; {remedy}; `kina uninstall {addon}` removes what this install applied"))
            }
            AddonError::Kernel { .. } => Some(format!(
                "create the cluster with a kernel that has them (kina.dev/v1alpha1 `nodes[].kernel`, see {}), \
                 or use the kindnet CNI, which works on the stock kernel",
                crate::build_info::docs_link("configuration.md")
            )),
            AddonError::CniPresent { existing, .. } => Some(format!(
                "remove it first with `kina uninstall {existing}` (the nodes have no pod network until the new CNI runs)"
            )),
            AddonError::Layout { .. } => Some("install the pinned version (drop --version), or report it".into()),
            AddonError::NotVersioned { .. } | AddonError::Version(_) | AddonError::NotCached { .. } => None,
        }
    }
}

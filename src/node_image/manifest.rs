//! `/kina/image.json`, written by `images/node/write-manifest.sh`.

use serde::Deserialize;

/// The steps an image can have baked in. kina skips a step only when the
/// image names it here; names it does not know are ignored (a newer image
/// on an older kina), so nothing is skipped on a guess.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Baked {
    /// `images/node/runtime-settings.sh`, run by a systemd unit at every boot
    /// before containerd: kina does not apply the settings itself.
    RuntimeSettings,
    /// `images/node/init-control-plane.sh` at `/kina/bin/`: the bootstrap
    /// control plane's create steps (kubeadm config, kindnet's conflist,
    /// `kubeadm init`, single-node settings, CNI, StorageClass, the admin
    /// kubeconfig) in one exec, its files on stdin.
    InitControlPlane,
    /// `kina-node-address.service` and `/kina/bin/node-address.sh` (the
    /// fixed address unit of a node on a cluster network), and the
    /// `--node-address` option of `init-control-plane.sh`, which writes the
    /// address and enables the unit before `kubeadm init`: no exec of its own
    /// on the bootstrap node. Older kina-node images lack it, and get the
    /// unit from a separate exec as kindest/node does.
    NodeAddress,
}

impl Baked {
    fn from_name(name: &str) -> Option<Baked> {
        match name {
            "runtime-settings" => Some(Baked::RuntimeSettings),
            "init-control-plane" => Some(Baked::InitControlPlane),
            "node-address" => Some(Baked::NodeAddress),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ImageManifest {
    pub image_version: String,
    pub kubernetes_version: String,
    pub base_image: String,
    pub baked: Vec<Baked>,
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum ManifestError {
    #[error("{path} is not valid: {source}", path = super::MANIFEST_PATH)]
    Invalid { source: serde_json::Error },
    #[error("{path} has schema {found}; this kina reads schema 1 (upgrade kina)", path = super::MANIFEST_PATH)]
    Schema { found: u64 },
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Raw {
    schema: u64,
    image_version: String,
    kubernetes_version: String,
    base_image: String,
    #[serde(default)]
    baked: Vec<String>,
}

impl ImageManifest {
    /// The manifest at the start of `text` (the boot probe's answer goes on
    /// after it), and what follows it.
    pub(crate) fn parse_prefix(text: &str) -> Result<(ImageManifest, &str), ManifestError> {
        let mut values = serde_json::Deserializer::from_str(text).into_iter::<Raw>();
        let raw = match values.next() {
            Some(Ok(raw)) => raw,
            Some(Err(source)) => return Err(ManifestError::Invalid { source }),
            None => {
                let source = <serde_json::Error as serde::de::Error>::custom("empty");
                return Err(ManifestError::Invalid { source });
            }
        };
        let rest = &text[values.byte_offset()..];
        Ok((Self::from_raw(raw)?, rest))
    }

    fn from_raw(raw: Raw) -> Result<ImageManifest, ManifestError> {
        if raw.schema != 1 {
            return Err(ManifestError::Schema { found: raw.schema });
        }
        Ok(ImageManifest {
            image_version: raw.image_version,
            kubernetes_version: raw.kubernetes_version,
            base_image: raw.base_image,
            baked: raw.baked.iter().filter_map(|name| Baked::from_name(name)).collect(),
        })
    }

    pub(crate) fn has(&self, step: Baked) -> bool {
        self.baked.contains(&step)
    }
}

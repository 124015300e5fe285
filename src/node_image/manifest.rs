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
}

impl Baked {
    fn from_name(name: &str) -> Option<Baked> {
        match name {
            "runtime-settings" => Some(Baked::RuntimeSettings),
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
    pub(crate) fn parse(text: &str) -> Result<ImageManifest, ManifestError> {
        let raw: Raw = serde_json::from_str(text).map_err(|source| ManifestError::Invalid { source })?;
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

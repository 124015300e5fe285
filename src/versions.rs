//! The Kubernetes versions kina offers: each one a digest-pinned node image.
//!
//! The kind images and digests are kind v0.33.0's, from its release notes:
//! <https://github.com/kubernetes-sigs/kind/releases/tag/v0.33.0>. The 1.35.5
//! image is the one Apple's `container k8s` plugin runs; kina's default stays
//! on it until the 1.37 path has run on a real Mac (docs/configuration.md,
//! "Kubernetes versions").

use std::fmt;

use crate::kubeadm::KubeVersion;

/// One supported Kubernetes version and the node image that holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NodeImage {
    /// `v1.37.0`: the image's `/kind/version`.
    pub version: &'static str,
    /// The image reference, pinned by digest.
    pub image: &'static str,
}

/// Newest first. A minor appears once, except 1.35 (kind's 1.35.8 and the
/// plugin's 1.35.5): a minor picks its first (newest) entry.
pub(crate) const NODE_IMAGES: &[NodeImage] = &[
    NodeImage {
        version: "v1.37.0",
        image: "kindest/node:v1.37.0@sha256:a1ed56cfb0e7b93589bdf97c8cd566405a265939e3620fc4f5de89adff580ae5",
    },
    NodeImage {
        version: "v1.36.4",
        image: "kindest/node:v1.36.4@sha256:099e049362a1526b2db71494e1947aae99bd16290d7c895f2b7ea312e3cbfaed",
    },
    NodeImage {
        version: "v1.35.8",
        image: "kindest/node:v1.35.8@sha256:07b2536e30b803ed61d1677a79df6115f798ce64c80f9e22f6ed45afd09323c0",
    },
    NodeImage {
        version: "v1.35.5",
        image: "kindest/node:v1.35.5@sha256:ce977ae6d65918d0b58a5f8b5e940429c2ce42fa3a5619ec2bbc60b949c0ac95",
    },
    NodeImage {
        version: "v1.34.11",
        image: "kindest/node:v1.34.11@sha256:44e222ee2132dab25ff87301682f89eb82c7880ea3a1bf543bfe9708fd08d67d",
    },
];

/// The version a create uses when neither `--image`, `--kubernetes-version`
/// nor the config names one.
pub(crate) const DEFAULT_VERSION: &str = "v1.35.5";

/// The default node image.
pub(crate) fn default_image() -> &'static str {
    find(DEFAULT_VERSION).map(|n| n.image).unwrap_or(NODE_IMAGES[0].image)
}

fn find(version: &str) -> Option<&'static NodeImage> {
    NODE_IMAGES.iter().find(|n| n.version == version)
}

/// kina-node images pushed by the node-image workflow (`images/node/published.txt`):
/// `(Kubernetes version, digest-pinned reference)`. None is the default yet, so
/// only the test that keeps the file well-formed reads it.
#[cfg(test)]
pub(crate) fn published_kina_node_images() -> Vec<(&'static str, &'static str)> {
    include_str!("../images/node/published.txt")
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .filter_map(|line| line.split_once(' '))
        .map(|(version, image)| (version, image.trim()))
        .collect()
}

/// `--kubernetes-version` matched nothing in [`NODE_IMAGES`].
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("no node image for Kubernetes {asked:?}; available: {}", available())]
pub(crate) struct UnknownVersion {
    pub asked: String,
}

/// `1.37, 1.36, 1.35 (1.35.8, 1.35.5), 1.34`.
fn available() -> String {
    let mut minors: Vec<(u64, Vec<&str>)> = Vec::new();
    for node in NODE_IMAGES {
        let Some(version) = KubeVersion::parse(node.version) else { continue };
        let patch = node.version.trim_start_matches('v');
        match minors.iter_mut().find(|(minor, _)| *minor == version.minor) {
            Some((_, patches)) => patches.push(patch),
            None => minors.push((version.minor, vec![patch])),
        }
    }
    let shown: Vec<String> =
        minors.iter().map(|(minor, patches)| format!("1.{minor} ({})", patches.join(", "))).collect();
    shown.join(", ")
}

/// Picks the image for `1.36`, `v1.36`, `1.36.4` or `v1.36.4`: a minor
/// selects its newest image, a full version must match exactly.
pub(crate) fn resolve(asked: &str) -> Result<&'static NodeImage, UnknownVersion> {
    let unknown = || UnknownVersion { asked: asked.to_string() };
    let trimmed = asked.trim();
    let numbers = trimmed.strip_prefix('v').unwrap_or(trimmed);
    let parts: Vec<&str> = numbers.split('.').collect();
    if parts.len() == 3 {
        return find(&format!("v{numbers}")).ok_or_else(unknown);
    }
    let (Some(major), Some(minor), 2) = (parts.first(), parts.get(1), parts.len()) else {
        return Err(unknown());
    };
    let (Ok(major), Ok(minor)) = (major.parse::<u64>(), minor.parse::<u64>()) else {
        return Err(unknown());
    };
    NODE_IMAGES
        .iter()
        .find(|n| KubeVersion::parse(n.version).is_some_and(|v| v.major == major && v.minor == minor))
        .ok_or_else(unknown)
}

impl fmt::Display for NodeImage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.version, self.image)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_is_digest_pinned_and_tagged_with_its_version() {
        for node in NODE_IMAGES {
            let (name, digest) = node.image.split_once('@').expect("pinned by digest");
            assert!(digest.starts_with("sha256:") && digest.len() == 71, "{}", node.image);
            assert!(digest[7..].chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
            assert_eq!(name, format!("kindest/node:{}", node.version));
            assert_eq!(KubeVersion::from_image(node.image).unwrap().to_string(), node.version);
        }
    }

    #[test]
    fn a_minor_picks_its_newest_image_in_every_spelling() {
        for asked in ["1.36", "v1.36", "1.36.4", "v1.36.4", " 1.36 "] {
            assert_eq!(resolve(asked).unwrap().version, "v1.36.4", "{asked}");
        }
        assert_eq!(resolve("1.35").unwrap().version, "v1.35.8");
        assert_eq!(resolve("1.35.5").unwrap().version, "v1.35.5");
        assert_eq!(resolve("v1.37").unwrap().version, "v1.37.0");
        assert_eq!(resolve("1.34").unwrap().version, "v1.34.11");
    }

    #[test]
    fn unknown_versions_list_what_exists() {
        for asked in ["1.33", "1.36.3", "1", "latest", "1.x", "v1.36.4.1", ""] {
            assert_eq!(resolve(asked), Err(UnknownVersion { asked: asked.to_string() }), "{asked}");
        }
        assert_eq!(
            UnknownVersion { asked: "1.33".into() }.to_string(),
            "no node image for Kubernetes \"1.33\"; available: 1.37 (1.37.0), 1.36 (1.36.4), 1.35 (1.35.8, 1.35.5), 1.34 (1.34.11)"
        );
    }

    #[test]
    fn published_kina_node_images_are_digest_pinned_versions_of_the_table() {
        for (version, image) in published_kina_node_images() {
            assert!(find(version).is_some(), "{version} is not in NODE_IMAGES");
            let digest = image.split_once("@sha256:").map(|(_, d)| d).unwrap_or_default();
            assert!(digest.len() == 64 && digest.chars().all(|c| c.is_ascii_hexdigit()), "{image}");
        }
    }

    #[test]
    fn the_default_is_in_the_table() {
        assert_eq!(default_image(), crate::cluster::DEFAULT_IMAGE);
        assert!(find(DEFAULT_VERSION).is_some());
    }
}

//! Kubernetes versions as the node image reports them (`/kind/version`).

use std::fmt;

/// A Kubernetes version: its numbers, and the exact text it was read from,
/// which is what kubeadm must be given (`v1.37.0-rc.1` names images that
/// `v1.37.0` does not).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KubeVersion {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
    text: String,
}

impl KubeVersion {
    /// Parses `v1.35.5`, `1.35.5` or `v1.36.0-rc.1+abc`; None if it is not a version.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let numbers = text.strip_prefix('v').unwrap_or(text);
        let core = numbers.split(['-', '+']).next()?;
        let mut parts = core.split('.');
        let version = KubeVersion {
            major: parts.next()?.parse().ok()?,
            minor: parts.next()?.parse().ok()?,
            patch: parts.next()?.parse().ok()?,
            text: text.to_string(),
        };
        parts.next().is_none().then_some(version)
    }

    /// The Kubernetes version a `kindest/node:vX.Y.Z[@sha256:…]` image holds.
    pub fn from_image(image: &str) -> Option<Self> {
        let without_digest = image.split('@').next()?;
        let last_segment = without_digest.rsplit('/').next()?;
        let (_, tag) = last_segment.split_once(':')?;
        Self::parse(tag)
    }
}

impl fmt::Display for KubeVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_versions_and_image_tags() {
        let v = KubeVersion::parse("v1.35.5\n").unwrap();
        assert_eq!((v.major, v.minor, v.patch, v.to_string().as_str()), (1, 35, 5, "v1.35.5"));
        let rc = KubeVersion::parse("v1.37.0-rc.1").unwrap();
        assert_eq!((rc.minor, rc.to_string().as_str()), (37, "v1.37.0-rc.1"), "kubeadm needs the exact version");
        let built = KubeVersion::parse("v1.36.0-alpha.3.12+abc").unwrap();
        assert_eq!(built.to_string(), "v1.36.0-alpha.3.12+abc");
        assert_eq!(KubeVersion::parse("latest"), None);
        assert_eq!(KubeVersion::parse("v1.35"), None);
        let pinned = "kindest/node:v1.35.5@sha256:ce977ae6d65918d0b58a5f8b5e940429c2ce42fa3a5619ec2bbc60b949c0ac95";
        assert_eq!(KubeVersion::from_image(pinned).unwrap().to_string(), "v1.35.5");
        assert_eq!(KubeVersion::from_image("localhost:5000/kindest/node:v1.34.1").unwrap().to_string(), "v1.34.1");
        assert_eq!(KubeVersion::from_image("localhost:5000/node"), None);
        assert_eq!(KubeVersion::from_image("my/node:dev"), None);
    }
}

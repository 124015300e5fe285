//! Kubernetes versions as the node image reports them (`/kind/version`).

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct KubeVersion {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
}

impl KubeVersion {
    /// Parses `v1.35.5`, `1.35.5` or `v1.36.0-rc.1+abc`; None if it is not a version.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let text = text.strip_prefix('v').unwrap_or(text);
        let core = text.split(['-', '+']).next()?;
        let mut parts = core.split('.');
        let version = KubeVersion {
            major: parts.next()?.parse().ok()?,
            minor: parts.next()?.parse().ok()?,
            patch: parts.next()?.parse().ok()?,
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
        write!(f, "v{}.{}.{}", self.major, self.minor, self.patch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_versions_and_image_tags() {
        assert_eq!(KubeVersion::parse("v1.35.5\n"), Some(KubeVersion { major: 1, minor: 35, patch: 5 }));
        assert_eq!(KubeVersion::parse("v1.37.0-rc.1"), Some(KubeVersion { major: 1, minor: 37, patch: 0 }));
        assert_eq!(KubeVersion::parse("latest"), None);
        assert_eq!(KubeVersion::parse("v1.35"), None);
        let pinned = "kindest/node:v1.35.5@sha256:ce977ae6d65918d0b58a5f8b5e940429c2ce42fa3a5619ec2bbc60b949c0ac95";
        assert_eq!(KubeVersion::from_image(pinned).unwrap().to_string(), "v1.35.5");
        assert_eq!(KubeVersion::from_image("localhost:5000/kindest/node:v1.34.1").unwrap().to_string(), "v1.34.1");
        assert_eq!(KubeVersion::from_image("localhost:5000/node"), None);
        assert_eq!(KubeVersion::from_image("my/node:dev"), None);
    }
}

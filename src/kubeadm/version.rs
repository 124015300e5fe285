//! Kubernetes versions as the node image reports them (`/kind/version`).

use std::fmt;

/// A Kubernetes version: its numbers, and the exact text it was read from,
/// which is what kubeadm must be given (`v1.37.0-rc.1` names images that
/// `v1.37.0` does not).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KubeVersion {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
    text: String,
}

impl KubeVersion {
    /// Parses `v1.35.5`, `1.35.5` or `v1.36.0-rc.1+abc`; None if it is not a version.
    pub(crate) fn parse(text: &str) -> Option<Self> {
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

    /// Whether this version is at least `major.minor.0` in semver order, as
    /// kind compares them: `v1.36.0-rc.1` is below `v1.36.0`.
    pub(crate) fn at_least(&self, major: u64, minor: u64) -> bool {
        let core = (self.major, self.minor, self.patch);
        core > (major, minor, 0) || (core == (major, minor, 0) && !self.is_pre_release())
    }

    /// `v1.36.0-rc.1`, `v1.36.0-alpha.3`: a `-` suffix before any `+` build metadata.
    fn is_pre_release(&self) -> bool {
        self.text.split('+').next().is_some_and(|t| t.contains('-'))
    }

    /// The Kubernetes version a `kindest/node:vX.Y.Z[@sha256:…]` image holds.
    pub(crate) fn from_image(image: &str) -> Option<Self> {
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

    #[test]
    fn pre_releases_sort_below_their_release() {
        let v = |t: &str| KubeVersion::parse(t).unwrap();
        assert!(!v("v1.36.0-rc.1").at_least(1, 36));
        assert!(!v("v1.36.0-alpha.3.12+abc").at_least(1, 36));
        assert!(v("v1.36.0").at_least(1, 36));
        assert!(v("v1.36.0+build.1").at_least(1, 36));
        assert!(v("v1.36.1-rc.0").at_least(1, 36));
        assert!(v("v1.37.0-beta.0").at_least(1, 36));
        assert!(!v("v1.35.9").at_least(1, 36));
    }
}

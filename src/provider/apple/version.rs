//! Which Apple `container` releases kina runs on, and what each one can do.
//!
//! From the release history (https://github.com/apple/container/releases):
//! JSON shapes were rebuilt in 1.0.0, 1.2.0 applies read-only `/proc/sys`
//! with no opt-out (nodes cannot boot), and
//! 1.2.1 added `--masked-path`/`--read-only-path` to clear those defaults.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Version {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
}

impl Version {
    pub(crate) const fn new(major: u64, minor: u64, patch: u64) -> Self {
        Version { major, minor, patch }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// Oldest release kina supports: the 1.x JSON shapes and `--cap-add`.
pub(crate) const MINIMUM: Version = Version::new(1, 0, 0);
/// The release that cannot boot Kubernetes nodes.
pub(crate) const BROKEN: Version = Version::new(1, 2, 0);
/// First release with `--masked-path NONE --read-only-path NONE`; recommended.
pub(crate) const PATH_FLAGS: Version = Version::new(1, 2, 1);

/// Finds the first `X.Y.Z` in `container --version` output, e.g.
/// `container CLI version 1.2.2 (build: release, commit: 0190097)`.
pub(crate) fn parse(output: &str) -> Option<Version> {
    output.split(|c: char| c.is_whitespace() || c == '(' || c == ',').find_map(|word| {
        let word = word.strip_prefix('v').unwrap_or(word);
        let mut parts = word.split('.');
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next()?.parse().ok()?;
        let patch_text = parts.next()?;
        let digits: String = patch_text.chars().take_while(char::is_ascii_digit).collect();
        let patch = digits.parse().ok()?;
        Some(Version::new(major, minor, patch))
    })
}

/// Why a release cannot run kina nodes, if it cannot.
pub(crate) fn refusal(version: Version) -> Option<String> {
    if version < MINIMUM {
        Some(format!(
            "Apple container {version} is too old: kina needs {MINIMUM} or newer (recommended {PATH_FLAGS} or newer)"
        ))
    } else if version == BROKEN {
        Some(format!(
            "Apple container {BROKEN} cannot run Kubernetes nodes: it makes /proc/sys read-only with no way to opt out"
        ))
    } else {
        None
    }
}

/// A release kina runs on but was not built against.
pub(crate) fn caution(version: Version) -> Option<String> {
    (version.major >= 2).then(|| {
        format!(
            "Apple container {version} is newer than the 1.x releases kina knows; if something fails, please report it"
        )
    })
}

/// First release whose `container image save` writes only the archive to
/// stdout; before it, the saved references followed the archive (#1801/#1804).
pub(crate) const CLEAN_SAVE_STDOUT: Version = Version::new(1, 1, 0);

/// Why a release cannot stream `container image save` into a node, if it cannot.
pub(crate) fn save_refusal(version: Version) -> Option<String> {
    (version < CLEAN_SAVE_STDOUT).then(|| {
        format!(
            "Apple container {version} appends the image names to `container image save`'s output, which corrupts the \
             stream into the node (fixed in {CLEAN_SAVE_STDOUT}); loading images needs {CLEAN_SAVE_STDOUT} or newer"
        )
    })
}

/// The `container run` flags kina relies on, by release.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Features {
    /// `--masked-path NONE --read-only-path NONE` (1.2.1+).
    pub clear_default_paths: bool,
}

impl Features {
    pub(crate) fn of(version: Version) -> Self {
        Features { clear_default_paths: version >= PATH_FLAGS }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_known_version_line() {
        let cases = [
            ("container CLI version 1.2.2 (build: release, commit: 0190097)\n", Version::new(1, 2, 2)),
            ("container CLI version 0.12.3 (build: release, commit: e9891b3)", Version::new(0, 12, 3)),
            ("container CLI version 1.4.1", Version::new(1, 4, 1)),
            ("1.3.0", Version::new(1, 3, 0)),
            ("container version v1.10.0-beta.1", Version::new(1, 10, 0)),
        ];
        for (text, want) in cases {
            assert_eq!(parse(text), Some(want), "{text}");
        }
        assert_eq!(parse("container CLI version unknown"), None);
    }

    #[test]
    fn refuses_old_and_broken_releases() {
        assert!(refusal(Version::new(0, 12, 3)).unwrap().contains("too old"));
        assert!(refusal(Version::new(1, 2, 0)).unwrap().contains("/proc/sys"));
        for ok in [Version::new(1, 0, 0), Version::new(1, 1, 0), Version::new(1, 2, 1), Version::new(1, 4, 1)] {
            assert_eq!(refusal(ok), None, "{ok}");
        }
    }

    #[test]
    fn warns_about_unknown_major_releases() {
        assert!(caution(Version::new(2, 0, 0)).unwrap().contains("2.0.0"));
        assert_eq!(caution(Version::new(1, 4, 1)), None);
    }

    #[test]
    fn streams_saved_images_only_from_1_1_0() {
        assert!(save_refusal(Version::new(1, 0, 1)).unwrap().contains("1.1.0 or newer"));
        assert_eq!(save_refusal(Version::new(1, 1, 0)), None);
        assert_eq!(save_refusal(Version::new(1, 2, 2)), None);
    }

    #[test]
    fn path_flags_only_from_1_2_1() {
        assert!(!Features::of(Version::new(1, 1, 0)).clear_default_paths);
        assert!(Features::of(Version::new(1, 2, 1)).clear_default_paths);
        assert!(Features::of(Version::new(1, 4, 1)).clear_default_paths);
    }
}

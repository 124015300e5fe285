//! Image references as containerd names them, and the in-node `ctr` commands
//! `kina load` runs. Everything goes into the `k8s.io` namespace: it is the
//! one the kubelet reads, and an image imported anywhere else is invisible to
//! pods (they fail with `ErrImageNeverPull`).

use crate::provider::NodeCommand;

/// The containerd namespace of the CRI plugin.
pub(super) const NAMESPACE: &str = "k8s.io";

/// docker's normalisation, which containerd names images by:
/// `foo` → `docker.io/library/foo:latest`, `me/app:1` → `docker.io/me/app:1`,
/// `localhost:5000/app` → `localhost:5000/app:latest`; a digest is kept and
/// no tag is added to it.
pub(super) fn normalize(reference: &str) -> String {
    let (name_tag, digest) = match reference.split_once('@') {
        Some((name, digest)) => (name, Some(digest)),
        None => (reference, None),
    };
    let slash = name_tag.rfind('/');
    let (name, tag) = match name_tag.rfind(':') {
        Some(colon) if slash.is_none_or(|s| colon > s) => (&name_tag[..colon], Some(&name_tag[colon + 1..])),
        _ => (name_tag, None),
    };
    let (domain, path) = match name.split_once('/') {
        Some((first, rest)) if first.contains('.') || first.contains(':') || first == "localhost" => (first, rest),
        _ => ("docker.io", name),
    };
    let domain = if domain == "index.docker.io" { "docker.io" } else { domain };
    let mut normalized = if domain == "docker.io" && !path.contains('/') {
        format!("{domain}/library/{path}")
    } else {
        format!("{domain}/{path}")
    };
    match (tag, digest) {
        (Some(tag), _) => normalized.push_str(&format!(":{tag}")),
        (None, None) => normalized.push_str(":latest"),
        (None, Some(_)) => {}
    }
    if let Some(digest) = digest {
        normalized.push_str(&format!("@{digest}"));
    }
    normalized
}

/// The names an image loaded as `reference` must have in the node: the
/// normalised one (what the archive carries and the CRI resolves), and the
/// user's own spelling when it differs, as Apple's `container k8s` tags it.
pub(super) fn wanted_names(reference: &str) -> Vec<String> {
    let normalized = normalize(reference);
    if normalized == reference { vec![normalized] } else { vec![normalized, reference.to_string()] }
}

fn ctr<const N: usize>(args: [&str; N]) -> NodeCommand {
    NodeCommand::new(["ctr", "--namespace", NAMESPACE, "images"].into_iter().chain(args))
}

/// `ctr --namespace k8s.io images ls`.
pub(super) fn list_command() -> NodeCommand {
    ctr(["ls"])
}

/// Imports the archive on stdin, only the node's platform: an archive may list
/// platforms whose content it lacks, and `--all-platforms` then fails (kind#3795).
pub(super) fn import_command(platform: &str) -> NodeCommand {
    ctr(["import", "--platform", platform, "-"])
}

/// Points `target` at the image `source` names, replacing an older image of
/// that name (a rebuilt `foo:latest`).
pub(super) fn tag_command(source: &str, target: &str) -> NodeCommand {
    ctr(["tag", "--force", source, target])
}

/// What a node's containerd holds: `(name, digest)` rows of `ctr images ls`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct NodeImages(Vec<(String, String)>);

/// Whether a node has an image under every name it should have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Presence {
    Present,
    /// The image is there under `source`, but not as `names`.
    MissingNames {
        source: String,
        names: Vec<String>,
    },
    Absent,
}

impl NodeImages {
    /// Reads `REF TYPE DIGEST SIZE PLATFORMS LABELS` rows (SIZE has a space,
    /// but it comes after the digest).
    pub(super) fn parse(listing: &str) -> Self {
        let rows = listing
            .lines()
            .filter_map(|line| {
                let mut fields = line.split_whitespace();
                let (name, _kind, digest) = (fields.next()?, fields.next()?, fields.next()?);
                digest.starts_with("sha256:").then(|| (name.to_string(), digest.to_string()))
            })
            .collect();
        NodeImages(rows)
    }

    pub(super) fn presence(&self, reference: &str, id: &str) -> Presence {
        let names = wanted_names(reference);
        let holds = |name: &str| self.0.iter().any(|(n, d)| n == name && d == id);
        let missing: Vec<String> = names.iter().filter(|n| !holds(n)).cloned().collect();
        if missing.is_empty() {
            return Presence::Present;
        }
        let source = names.iter().find(|n| holds(n)).or_else(|| self.0.iter().find(|(_, d)| d == id).map(|(n, _)| n));
        match source {
            Some(source) => Presence::MissingNames { source: source.clone(), names: missing },
            None => Presence::Absent,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_like_docker_and_containerd() {
        let cases = [
            ("foo", "docker.io/library/foo:latest"),
            ("foo:1.2", "docker.io/library/foo:1.2"),
            ("me/app", "docker.io/me/app:latest"),
            ("docker.io/library/foo:latest", "docker.io/library/foo:latest"),
            ("index.docker.io/me/app:2", "docker.io/me/app:2"),
            ("localhost:5000/app", "localhost:5000/app:latest"),
            ("localhost/app:dev", "localhost/app:dev"),
            ("ghcr.io/org/team/app:v1", "ghcr.io/org/team/app:v1"),
            ("foo@sha256:abc", "docker.io/library/foo@sha256:abc"),
            ("foo:1@sha256:abc", "docker.io/library/foo:1@sha256:abc"),
            ("registry.local:5000/x/y@sha256:abc", "registry.local:5000/x/y@sha256:abc"),
        ];
        for (reference, want) in cases {
            assert_eq!(normalize(reference), want, "{reference}");
        }
    }

    #[test]
    fn short_names_are_kept_as_a_second_name() {
        assert_eq!(wanted_names("foo:latest"), ["docker.io/library/foo:latest", "foo:latest"]);
        assert_eq!(wanted_names("docker.io/library/foo:latest"), ["docker.io/library/foo:latest"]);
        assert_eq!(wanted_names("foo@sha256:abc"), ["docker.io/library/foo@sha256:abc", "foo@sha256:abc"]);
    }

    #[test]
    fn ctr_commands_use_the_kubelets_namespace() {
        assert_eq!(list_command().argv, ["ctr", "--namespace", "k8s.io", "images", "ls"]);
        assert_eq!(
            import_command("linux/arm64").argv,
            ["ctr", "--namespace", "k8s.io", "images", "import", "--platform", "linux/arm64", "-"]
        );
        assert_eq!(
            tag_command("docker.io/library/foo:latest", "foo:latest").argv,
            ["ctr", "--namespace", "k8s.io", "images", "tag", "--force", "docker.io/library/foo:latest", "foo:latest"]
        );
        assert_eq!(import_command("linux/arm64").stdin, None, "stdin is streamed, never buffered");
    }

    const LISTING: &str = "\
REF                            TYPE                                    DIGEST        SIZE     PLATFORMS   LABELS
docker.io/library/foo:latest   application/vnd.oci.image.index.v1+json sha256:aaa    80.1 KiB linux/arm64 io.cri-containerd.image=managed
foo:latest                     application/vnd.oci.image.index.v1+json sha256:old    80.1 KiB linux/arm64 -
docker.io/me/app:1             application/vnd.oci.image.index.v1+json sha256:bbb    80.1 KiB linux/arm64 -
";

    #[test]
    fn reads_the_listing_and_decides_per_image() {
        let images = NodeImages::parse(LISTING);
        assert_eq!(images.presence("docker.io/library/foo:latest", "sha256:aaa"), Presence::Present);
        assert_eq!(
            images.presence("me/app:1", "sha256:bbb"),
            Presence::MissingNames { source: "docker.io/me/app:1".into(), names: vec!["me/app:1".into()] }
        );
        // The short name still points at an older build.
        assert_eq!(
            images.presence("foo:latest", "sha256:aaa"),
            Presence::MissingNames { source: "docker.io/library/foo:latest".into(), names: vec!["foo:latest".into()] }
        );
        // Same name, other content: a rebuilt image must be loaded again.
        assert_eq!(images.presence("foo:latest", "sha256:new"), Presence::Absent);
        assert_eq!(images.presence("bar", "sha256:ccc"), Presence::Absent);
        assert_eq!(NodeImages::parse(""), NodeImages::default());
    }

    #[test]
    fn an_image_known_only_by_another_name_is_retagged_from_it() {
        let images = NodeImages::parse("REF TYPE DIGEST\nimport-2026@sha256:aaa x sha256:aaa 1 KiB\n");
        assert_eq!(
            images.presence("foo", "sha256:aaa"),
            Presence::MissingNames {
                source: "import-2026@sha256:aaa".into(),
                names: vec!["docker.io/library/foo:latest".into(), "foo".into()],
            }
        );
    }
}

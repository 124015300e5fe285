//! The images the fake's registries hold: the node images kina pins and the images
//! the tests pull. Anything else fails to pull as the real registries answer: Docker
//! Hub (and GHCR) refuse an unknown repository with 401, and a known repository
//! answers 404 for a tag or digest it does not have, so a wrong pin is caught.

/// Repository → the tags it has; a `(tag, digest)` pins the only digest a tag may carry.
const REPOSITORIES: &[(&str, &[&str])] = &[
    // v1.36.0-rc.1 and v1.37.0: builds the tests create from to reach kubeadm's choices
    // of API per release.
    (
        "docker.io/kindest/node",
        &["v1.37.0", "v1.36.4", "v1.36.1", "v1.36.0-rc.1", "v1.35.8", "v1.35.5", "v1.34.11", "v1.34.1"],
    ),
    ("docker.io/library/alpine", &["latest", "3.22"]),
    ("docker.io/library/busybox", &["latest", "1.37"]),
    ("docker.io/library/foo", &["latest", "1", "1.0"]),
    ("docker.io/library/bar", &["latest", "2"]),
    ("docker.io/library/nginx", &["latest", "1.27"]),
    ("docker.io/library/registry", &["3"]),
    ("ghcr.io/me/app", &["latest", "2"]),
    ("registry.k8s.io/kube-apiserver", &["v1.34.0"]),
    ("registry.k8s.io/pause", &["3.10"]),
];

/// Digests of the images kina pins (`NODE_IMAGES` in src/versions.rs): a reference with
/// one of these tags and another digest does not exist.
const DIGESTS: &[(&str, &str)] = &[
    ("docker.io/kindest/node:v1.37.0", "sha256:a1ed56cfb0e7b93589bdf97c8cd566405a265939e3620fc4f5de89adff580ae5"),
    ("docker.io/kindest/node:v1.36.4", "sha256:099e049362a1526b2db71494e1947aae99bd16290d7c895f2b7ea312e3cbfaed"),
    ("docker.io/kindest/node:v1.35.8", "sha256:07b2536e30b803ed61d1677a79df6115f798ce64c80f9e22f6ed45afd09323c0"),
    ("docker.io/kindest/node:v1.35.5", "sha256:ce977ae6d65918d0b58a5f8b5e940429c2ce42fa3a5619ec2bbc60b949c0ac95"),
    // kina's local registry (src/registry/mod.rs): `registry:3`.
    ("docker.io/library/registry:3", "sha256:1be55279f18a2fe1a74edf2664cac61c1bea305b7b4642dab412e7affdcb3e33"),
    ("docker.io/kindest/node:v1.34.11", "sha256:44e222ee2132dab25ff87301682f89eb82c7880ea3a1bf543bfe9708fd08d67d"),
];

/// Why `registry/repo[:tag][@digest]` cannot be pulled, as the registry's HTTP error.
pub fn missing(registry: &str, repo: &str, tag: Option<&str>, digest: Option<&str>) -> Option<String> {
    let host = if registry == "docker.io" { "registry-1.docker.io" } else { registry };
    let reference = digest.or(tag).unwrap_or("latest");
    let url = format!("https://{host}/v2/{repo}/manifests/{reference}");
    let full = format!("{registry}/{repo}");
    let Some((_, tags)) = REPOSITORIES.iter().find(|(name, _)| *name == full) else {
        return Some(format!(
            "HTTP request to {url} failed with response: 401 Unauthorized. Reason: access denied or wrong credentials"
        ));
    };
    let not_found =
        || Some(format!("HTTP request to {url} failed with response: 404 Not Found. Reason: manifest unknown"));
    if let Some(tag) = tag
        && !tags.contains(&tag)
    {
        return not_found();
    }
    if let Some(digest) = digest {
        let pinned = |d: &&(&str, &str)| d.1 == digest && d.0.starts_with(&format!("{full}:"));
        let pinned_tag = DIGESTS.iter().find(pinned).map(|(reference, _)| reference.rsplit(':').next().unwrap_or(""));
        // A digest the catalogue knows, for this tag if one is given.
        match (pinned_tag, tag) {
            (Some(t), Some(tag)) if t == tag => {}
            (Some(_), None) => {}
            _ => return not_found(),
        }
    }
    None
}

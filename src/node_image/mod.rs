//! kina's own node image (`images/node/`): its build context, embedded so an
//! installed kina can build it without a checkout, and the manifest an image
//! carries at [`MANIFEST_PATH`] saying what it has baked in.

mod manifest;

pub(crate) use manifest::{Baked, ImageManifest};

/// Where a kina-node image says what it holds.
pub(crate) const MANIFEST_PATH: &str = "/kina/image.json";

/// The image's build context: file name and contents, as in `images/node/`.
pub(crate) const BUILD_CONTEXT: &[(&str, &str)] = &[
    ("Containerfile", include_str!("../../images/node/Containerfile")),
    ("bake.sh", include_str!("../../images/node/bake.sh")),
    ("write-manifest.sh", include_str!("../../images/node/write-manifest.sh")),
    ("runtime-settings.sh", include_str!("../../images/node/runtime-settings.sh")),
    ("kina-runtime-settings.service", include_str!("../../images/node/kina-runtime-settings.service")),
    ("init-control-plane.sh", include_str!("../../images/node/init-control-plane.sh")),
    ("single-node.sh", include_str!("../../images/node/single-node.sh")),
    ("node-address.sh", include_str!("../../images/node/node-address.sh")),
    ("kina-node-address.service", include_str!("../../images/node/kina-node-address.service")),
];

/// Writes the build context into `dir` (a fresh temporary directory).
pub(crate) fn write_build_context(dir: &std::path::Path) -> std::io::Result<()> {
    for (name, contents) in BUILD_CONTEXT {
        std::fs::write(dir.join(name), contents)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;

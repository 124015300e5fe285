//! The content of the fake's images as OCI blobs, and `container image save`'s
//! archive: an OCI image layout (`oci-layout`, `index.json`, `blobs/sha256/<hex>`),
//! as the real CLI writes it. Every image is an index listing `linux/amd64` and
//! `linux/arm64` manifests, of which the store (like a Mac's) holds only arm64's
//! content; each blob's name is the SHA-256 of its bytes, so containerd's import
//! verifies them. The same seed always gives the same bytes, so a test can compare
//! what a node received with what `image save` wrote.

use crate::tar;
use serde_json::{Value, json};

pub const INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const CONFIG: &str = "application/vnd.oci.image.config.v1+json";
pub const LAYER: &str = "application/vnd.oci.image.layer.v1.tar";
/// What every image's index lists; the store only holds arm64 content.
pub const INDEX_PLATFORMS: [&str; 2] = ["linux/amd64", "linux/arm64"];
pub const STORED_PLATFORM: &str = "linux/arm64";
/// Lines of the layer's one file: 1400 × 71 bytes ≈ 97 KiB, more than a pipe buffer.
const LAYER_LINES: usize = 1400;

pub struct Blob {
    pub media_type: &'static str,
    pub bytes: Vec<u8>,
}

impl Blob {
    pub fn digest(&self) -> String {
        digest(&self.bytes)
    }

    pub fn descriptor(&self) -> Value {
        json!({"mediaType": self.media_type, "digest": self.digest(), "size": self.bytes.len()})
    }
}

pub fn digest(bytes: &[u8]) -> String {
    format!("sha256:{}", crate::sha256::hex(bytes))
}

/// One image's blobs: the index, then what the archive carries of it (the stored
/// platform's manifest, config and layer).
pub struct ImageBlobs {
    pub index: Blob,
    pub content: Vec<Blob>,
}

/// The blobs of the image whose content `seed` names (a pulled image's reference, a
/// built image's base and files).
pub fn image(seed: &str) -> ImageBlobs {
    let mut content = Vec::new();
    let mut manifests = Vec::new();
    for platform in INDEX_PLATFORMS {
        let (os, arch) = platform.split_once('/').unwrap();
        let mut lines = String::new();
        for i in 0..LAYER_LINES {
            lines.push_str(&format!("blob {}\n", crate::util::stable_hex(&format!("{seed}/{platform}/{i}"), 64)));
        }
        let layer = Blob { media_type: LAYER, bytes: tar::write(&[tar::Entry::file("etc/fake-image", lines.into())]) };
        let config = json!({
            "architecture": arch, "os": os,
            "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]},
            "rootfs": {"type": "layers", "diff_ids": [layer.digest()]},
        });
        let config = Blob { media_type: CONFIG, bytes: config.to_string().into_bytes() };
        let manifest = json!({
            "schemaVersion": 2, "mediaType": MANIFEST,
            "config": config.descriptor(), "layers": [layer.descriptor()],
        });
        let manifest = Blob { media_type: MANIFEST, bytes: manifest.to_string().into_bytes() };
        let mut entry = manifest.descriptor();
        entry["platform"] = json!({"architecture": arch, "os": os});
        manifests.push(entry);
        if platform == STORED_PLATFORM {
            content.extend([manifest, config, layer]);
        }
    }
    let index = json!({"schemaVersion": 2, "mediaType": INDEX, "manifests": manifests});
    ImageBlobs { index: Blob { media_type: INDEX, bytes: index.to_string().into_bytes() }, content }
}

/// An image to save: its name in the store and the seed of its content.
pub struct Saved<'a> {
    pub reference: &'a str,
    pub seed: &'a str,
}

/// The OCI layout archive of `images`, each named by `io.containerd.image.name`
/// (and its tag as `org.opencontainers.image.ref.name`).
pub fn layout(images: &[Saved]) -> Vec<u8> {
    let mut blobs: Vec<Blob> = Vec::new();
    let mut manifests = Vec::new();
    for saved in images {
        let ImageBlobs { index, content } = image(saved.seed);
        let mut entry = index.descriptor();
        let tag = saved.reference.rsplit_once(':').map(|(_, t)| t).filter(|t| !t.contains('/'));
        entry["annotations"] = json!({"io.containerd.image.name": saved.reference});
        if let Some(tag) = tag {
            entry["annotations"]["org.opencontainers.image.ref.name"] = json!(tag);
        }
        manifests.push(entry);
        for blob in std::iter::once(index).chain(content) {
            if !blobs.iter().any(|b| b.bytes == blob.bytes) {
                blobs.push(blob);
            }
        }
    }
    let index = json!({"schemaVersion": 2, "mediaType": INDEX, "manifests": manifests});
    let mut entries = vec![
        tar::Entry::file("oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec()),
        tar::Entry::file("index.json", index.to_string().into_bytes()),
        tar::Entry::dir("blobs/"),
        tar::Entry::dir("blobs/sha256/"),
    ];
    for blob in blobs {
        let name = format!("blobs/sha256/{}", blob.digest().trim_start_matches("sha256:"));
        entries.push(tar::Entry::file(&name, blob.bytes));
    }
    tar::write(&entries)
}

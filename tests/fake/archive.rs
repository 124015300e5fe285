//! The fake's image archive and `container image save`.
//!
//! A real save writes an OCI-layout tar. The fake writes a deterministic text
//! stand-in: a header naming each image (reference, index digest, the
//! platforms its index lists and those whose content the archive carries),
//! then about 96 KiB of blob lines per image (more than a pipe buffer), then an
//! end marker. The same image and platform always give the same bytes, so a
//! test can compare what a node received with what `image save` prints. The
//! in-node `ctr images import` (node/ctr.rs) reads it back with [`parse`].

use crate::app::Session;
use crate::args::{Cmd, opt};
use crate::images::lookup;
use crate::out::{Out, or_return};
use crate::util::stable_hex;

const MAGIC: &str = "FAKE-OCI-ARCHIVE 1";
const END: &str = "END FAKE-OCI-ARCHIVE";
/// Blob lines per image: 1400 × 71 bytes ≈ 97 KiB.
const BLOB_LINES: usize = 1400;
/// What every image's index lists; the store only holds arm64 content.
pub const INDEX_PLATFORMS: [&str; 2] = ["linux/amd64", "linux/arm64"];
pub const STORED_PLATFORM: &str = "linux/arm64";

/// One image in an archive.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub reference: String,
    pub digest: String,
    pub index: Vec<String>,
    pub content: Vec<String>,
}

/// The archive of `entries`, byte for byte the same on every call.
pub fn write(entries: &[Entry]) -> String {
    let mut out = format!("{MAGIC}\n");
    for e in entries {
        out.push_str(&format!(
            "image {} {} index={} content={}\n",
            e.reference,
            e.digest,
            e.index.join(","),
            e.content.join(",")
        ));
    }
    for e in entries {
        for platform in &e.content {
            let seed = format!("{}/{platform}", e.digest);
            for i in 0..BLOB_LINES {
                out.push_str(&format!("blob {}\n", stable_hex(&format!("{seed}/{i}"), 64)));
            }
        }
    }
    out.push_str(END);
    out.push('\n');
    out
}

/// Reads an archive back; the error is what `ctr import` says about bad input.
pub fn parse(text: &str) -> Result<Vec<Entry>, String> {
    let mut lines = text.lines();
    if lines.next() != Some(MAGIC) {
        return Err(if text.is_empty() { "unexpected EOF".into() } else { "unrecognized image format".into() });
    }
    let Some(end) = text.find(&format!("\n{END}\n")) else { return Err("unexpected EOF".into()) };
    if end + END.len() + 2 != text.len() {
        return Err("archive/tar: invalid tar header (unexpected data after the end of the archive)".into());
    }
    let list = |v: &str| v.split(',').filter(|p| !p.is_empty()).map(str::to_string).collect::<Vec<_>>();
    let mut entries = Vec::new();
    for line in lines.take_while(|l| l.starts_with("image ")) {
        let words: Vec<&str> = line.split(' ').collect();
        let [_, reference, digest, index, content] = words.as_slice() else {
            return Err("unrecognized image format".into());
        };
        entries.push(Entry {
            reference: reference.to_string(),
            digest: digest.to_string(),
            index: list(index.trim_start_matches("index=")),
            content: list(content.trim_start_matches("content=")),
        });
    }
    Ok(entries)
}

/// `container image save [--platform P | -a ARCH | --os OS] [-o FILE] REF...`.
pub fn save(s: &mut Session, args: &[String]) -> Out {
    let c = Cmd::new(
        "image save",
        "Save an image as an OCI compatible tar archive",
        "[<options>] <references> ...",
        vec![
            opt(&["-a", "--arch"], "<arch>", "Architecture for the saved image"),
            opt(&["--os"], "<os>", "OS for the saved image"),
            opt(&["-o", "--output"], "<output>", "Pathname for the saved image"),
            opt(&["--platform"], "<platform>", "Platform for the saved image (format: os/arch[/variant])"),
        ],
    );
    let p = or_return!(c.parse(args));
    if p.positionals.is_empty() {
        return c.usage_error("Missing expected argument '<references> ...'");
    }
    let platform = match (p.value("--platform"), p.value("--arch"), p.value("--os")) {
        (Some(platform), _, _) => Some(platform.split('/').take(2).collect::<Vec<_>>().join("/")),
        (None, Some(arch), os) => Some(format!("{}/{arch}", os.unwrap_or("linux"))),
        (None, None, Some(os)) => Some(format!("{os}/arm64")),
        (None, None, None) => None,
    };
    let version = s.cfg.version;
    let state = or_return!(s.state());
    let mut entries = Vec::new();
    for reference in &p.positionals {
        let Some(img) = lookup(state, reference) else {
            return Out::error(format!("failed to save image(s): image not found: {reference}"));
        };
        if let Some(platform) = &platform
            && platform != STORED_PLATFORM
        {
            return Out::error(format!(
                "image {reference} has no content for platform {platform}; available platforms: {STORED_PLATFORM}"
            ));
        }
        entries.push(Entry {
            reference: img.reference.clone(),
            digest: img.digest.clone(),
            index: INDEX_PLATFORMS.iter().map(|s| s.to_string()).collect(),
            content: vec![STORED_PLATFORM.to_string()],
        });
    }
    let archive = write(&entries);
    // Before 1.1.0 the saved references followed the archive on stdout (#1801).
    let trailer: String = if version.at_least(1, 1, 0) {
        String::new()
    } else {
        p.positionals.iter().map(|r| format!("{r}\n")).collect()
    };
    match p.value("--output") {
        Some(path) => match std::fs::write(path, archive) {
            Ok(()) => Out::ok(trailer),
            Err(e) => Out::error(format!("failed to write {path}: {e}")),
        },
        None => Out::ok(archive + &trailer),
    }
}

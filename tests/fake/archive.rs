//! `container image save`: an OCI image layout tar of the images (see oci.rs), read
//! back by the node's `ctr images import` (node/ctr_import.rs).

use crate::app::Session;
use crate::args::{Cmd, opt};
use crate::images::lookup;
use crate::oci::{STORED_PLATFORM, Saved};
use crate::out::{Out, or_return};

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
    let mut images = Vec::new();
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
        images.push(Saved { reference: &img.reference, seed: img.content_seed() });
    }
    let archive = crate::oci::layout(&images);
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
        // JSON, a text layer and ustar headers: the fake's archives are valid UTF-8.
        None => Out::ok(String::from_utf8(archive).expect("the fake's archives are text") + &trailer),
    }
}

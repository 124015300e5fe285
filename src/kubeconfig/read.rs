//! Reading a kubeconfig file from disk.

use std::{fs, io, path::Path};

use super::{Kubeconfig, KubeconfigError, parse};

/// Reads and parses `path`; `None` when it does not exist. An empty file is an empty config.
pub(crate) fn load(path: &Path) -> Result<Option<Kubeconfig>, KubeconfigError> {
    let text = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(KubeconfigError::Read { path: path.to_path_buf(), source });
        }
    };
    parse(&text).map(Some).map_err(|source| KubeconfigError::Parse { path: path.to_path_buf(), source })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cases() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        fs::write(d.join("empty"), "").unwrap();
        fs::write(d.join("good"), "current-context: a\n").unwrap();
        fs::write(d.join("bad"), "clusters: [\n").unwrap();
        fs::write(d.join("binary"), [0xff, 0xfe, 0x00]).unwrap();

        assert_eq!(load(&d.join("missing")).unwrap(), None);
        assert_eq!(load(&d.join("empty")).unwrap(), Some(Kubeconfig::default()));
        assert_eq!(load(&d.join("good")).unwrap().unwrap().current_context.as_deref(), Some("a"));

        let bad = load(&d.join("bad")).unwrap_err();
        let prefix = format!("failed to parse kubeconfig \"{}\": ", d.join("bad").display());
        assert!(bad.to_string().starts_with(&prefix), "{bad}");
        assert!(bad.hint().unwrap().contains("untouched"));

        for name in ["binary", "."] {
            let err = load(&d.join(name)).unwrap_err();
            assert!(matches!(err, KubeconfigError::Read { .. }), "{name}: {err:?}");
        }
    }
}

//! Reading, merging and removing kina's entries in a user's kubeconfig.
//!
//! The behaviour follows kind (and so kubectl): the same path rules, the same `<file>.lock`
//! convention, insert-or-replace by name, and every field kina does not touch kept as it was.
//! kina's entries are named `kina-<cluster>`.
//!
//! The file operations block (the lock retries for up to about 1.5 s). kina calls them
//! directly: the CLI has nothing else to do meanwhile, and a write is never cut short.

mod admin;
mod lock;
mod merge;
mod paths;
mod read;
mod remove;
mod types;
mod write;

use std::{io, path::PathBuf};

use crate::yaml::YamlError;

pub(crate) use admin::from_admin_conf;
pub(crate) use lock::LockGuard;
pub(crate) use merge::{check_export, export};
pub(crate) use paths::{remove_targets_from_env, write_target_from_env};
pub(crate) use read::load;
pub(crate) use remove::remove;
pub(crate) use types::{Kubeconfig, parse, to_yaml};
pub(crate) use write::{Written, write_atomic};

/// The cluster, user and context name kina uses for `cluster` (kind uses `kind-<cluster>`).
pub(crate) fn kina_key(cluster: &str) -> String {
    format!("kina-{cluster}")
}

/// Everything that can go wrong with a kubeconfig; each message names the file.
#[derive(Debug, thiserror::Error)]
pub(crate) enum KubeconfigError {
    #[error("failed to read kubeconfig \"{}\": {source}", .path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("failed to parse kubeconfig \"{}\": {source}", .path.display())]
    Parse {
        path: PathBuf,
        #[source]
        source: YamlError,
    },
    #[error("failed to write kubeconfig \"{}\": {source}", .path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("failed to create directory \"{}\" for the kubeconfig: {source}", .path.display())]
    CreateDir {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("failed to render kubeconfig: {0}")]
    Render(#[source] YamlError),
    #[error("failed to parse kubeadm KUBECONFIG: {0}")]
    AdminParse(#[source] YamlError),
    #[error("kubeadm KUBECONFIG should have one {what}, but read {count}")]
    AdminShape { what: &'static str, count: usize },
    #[error(
        "kubeadm KUBECONFIG cluster \"{cluster}\" has no certificate-authority-data; \
         kina does not write a kubeconfig that cannot verify the API server"
    )]
    AdminNoCa { cluster: String },
    #[error(
        "kubeadm KUBECONFIG cluster \"{cluster}\" sets insecure-skip-tls-verify; \
         kina never writes an insecure kubeconfig"
    )]
    AdminInsecure { cluster: String },
    /// Someone else holds `<file>.lock`; `path` is the lock file.
    #[error("failed to lock config file: open {}: file exists", .path.display())]
    Locked { path: PathBuf },
    /// Creating `<file>.lock` failed for another reason; `path` is the lock file.
    #[error("failed to lock config file: open {}: {source}", .path.display())]
    Lock {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot choose a kubeconfig file: KUBECONFIG is not set and the home directory is unknown")]
    NoPath,
}

impl KubeconfigError {
    /// What the user can do about it, when kina knows.
    pub(crate) fn hint(&self) -> Option<String> {
        match self {
            Self::Locked { path } => Some(format!(
                "another kina or kubectl may be writing it; if none is running, remove {}",
                path.display()
            )),
            Self::Parse { path, .. } => Some(format!(
                "kina left {} untouched; fix it, or choose another file with --kubeconfig or KUBECONFIG",
                path.display()
            )),
            Self::NoPath => Some("set KUBECONFIG or pass --kubeconfig".to_owned()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_uses_kina_prefix() {
        assert_eq!(kina_key("kind"), "kina-kind");
        assert_eq!(kina_key("dev.1"), "kina-dev.1");
    }

    #[test]
    fn messages_and_hints() {
        let locked = KubeconfigError::Locked { path: PathBuf::from("/home/u/.kube/config.lock") };
        assert_eq!(locked.to_string(), "failed to lock config file: open /home/u/.kube/config.lock: file exists");
        assert_eq!(
            locked.hint().as_deref(),
            Some("another kina or kubectl may be writing it; if none is running, remove /home/u/.kube/config.lock")
        );
        let read = KubeconfigError::Read {
            path: PathBuf::from("/x/config"),
            source: io::Error::new(io::ErrorKind::PermissionDenied, "denied"),
        };
        assert_eq!(read.to_string(), "failed to read kubeconfig \"/x/config\": denied");
        assert_eq!(read.hint(), None);
        let shape = KubeconfigError::AdminShape { what: "cluster", count: 2 };
        assert_eq!(shape.to_string(), "kubeadm KUBECONFIG should have one cluster, but read 2");
        assert!(KubeconfigError::NoPath.hint().is_some());
    }
}

//! Which kubeconfig file to touch, by kubectl's rules: `--kubeconfig`, else `$KUBECONFIG`,
//! else `~/.kube/config`. The environment is passed in so the rules are testable.

use std::{
    env,
    ffi::OsStr,
    path::{Path, PathBuf},
};

use super::KubeconfigError;

/// The file `create cluster` writes: the explicit path; else, of the `$KUBECONFIG` entries,
/// the first that exists as a file, or the last one; else `<home>/.kube/config`.
pub(crate) fn write_target(
    explicit: Option<&Path>,
    kubeconfig_env: Option<&OsStr>,
    home: Option<&Path>,
) -> Result<PathBuf, KubeconfigError> {
    if let Some(path) = non_empty(explicit) {
        return Ok(path.to_path_buf());
    }
    let entries = env_entries(kubeconfig_env);
    if let Some(last) = entries.last() {
        let existing = entries.iter().find(|p| p.is_file());
        return Ok(existing.unwrap_or(last).clone());
    }
    home_config(home).ok_or(KubeconfigError::NoPath)
}

/// The files `delete cluster` cleans: the explicit path; else every `$KUBECONFIG` entry;
/// else `<home>/.kube/config`; else nothing.
pub(crate) fn remove_targets(
    explicit: Option<&Path>,
    kubeconfig_env: Option<&OsStr>,
    home: Option<&Path>,
) -> Vec<PathBuf> {
    if let Some(path) = non_empty(explicit) {
        return vec![path.to_path_buf()];
    }
    let entries = env_entries(kubeconfig_env);
    if !entries.is_empty() {
        return entries;
    }
    home_config(home).into_iter().collect()
}

/// [`write_target`] with `KUBECONFIG` and the home directory of this process.
pub(crate) fn write_target_from_env(explicit: Option<&Path>) -> Result<PathBuf, KubeconfigError> {
    write_target(explicit, env::var_os("KUBECONFIG").as_deref(), dirs::home_dir().as_deref())
}

/// [`remove_targets`] with `KUBECONFIG` and the home directory of this process.
pub(crate) fn remove_targets_from_env(explicit: Option<&Path>) -> Vec<PathBuf> {
    remove_targets(explicit, env::var_os("KUBECONFIG").as_deref(), dirs::home_dir().as_deref())
}

/// `$KUBECONFIG` split by the OS list separator, empties and duplicates dropped, order kept.
fn env_entries(kubeconfig_env: Option<&OsStr>) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> = Vec::new();
    for path in kubeconfig_env.map(env::split_paths).into_iter().flatten() {
        if !path.as_os_str().is_empty() && !entries.contains(&path) {
            entries.push(path);
        }
    }
    entries
}

fn home_config(home: Option<&Path>) -> Option<PathBuf> {
    non_empty(home).map(|h| h.join(".kube").join("config"))
}

/// kubectl treats `--kubeconfig ""` (and an empty home) as not given.
fn non_empty(path: Option<&Path>) -> Option<&Path> {
    path.filter(|p| !p.as_os_str().is_empty())
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;

    struct Case<'a> {
        name: &'a str,
        explicit: Option<&'a Path>,
        env: Option<std::ffi::OsString>,
        home: Option<&'a Path>,
        write: Option<PathBuf>,
        remove: Vec<PathBuf>,
    }

    #[test]
    fn rules() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        fs::write(d.join("b"), "").unwrap();
        fs::write(d.join("c"), "").unwrap();
        fs::create_dir(d.join("dir")).unwrap();
        let p = |name: &str| d.join(name);
        let list = |names: &[&str]| env::join_paths(names.iter().map(|n| p(n))).unwrap();
        let home = Path::new("/home/u");
        let home_cfg = PathBuf::from("/home/u/.kube/config");
        let explicit = p("explicit");

        let cases = [
            Case {
                name: "explicit wins",
                explicit: Some(&explicit),
                env: Some(list(&["b"])),
                home: Some(home),
                write: Some(explicit.clone()),
                remove: vec![explicit.clone()],
            },
            Case {
                name: "first existing entry wins",
                explicit: None,
                env: Some(list(&["a", "b", "c"])),
                home: Some(home),
                write: Some(p("b")),
                remove: vec![p("a"), p("b"), p("c")],
            },
            Case {
                name: "none exists: last entry; directories do not count",
                explicit: None,
                env: Some(list(&["a", "dir", "z"])),
                home: Some(home),
                write: Some(p("z")),
                remove: vec![p("a"), p("dir"), p("z")],
            },
            Case {
                name: "empties and duplicates dropped",
                explicit: None,
                env: Some(format!(":{}::{}:{}:", p("a").display(), p("z").display(), p("a").display()).into()),
                home: Some(home),
                write: Some(p("z")),
                remove: vec![p("a"), p("z")],
            },
            Case {
                name: "empty KUBECONFIG falls back to home",
                explicit: Some(Path::new("")),
                env: Some("".into()),
                home: Some(home),
                write: Some(home_cfg.clone()),
                remove: vec![home_cfg.clone()],
            },
            Case {
                name: "unset KUBECONFIG falls back to home",
                explicit: None,
                env: None,
                home: Some(home),
                write: Some(home_cfg.clone()),
                remove: vec![home_cfg.clone()],
            },
            Case { name: "nothing at all", explicit: None, env: None, home: None, write: None, remove: vec![] },
        ];
        for c in cases {
            let write = write_target(c.explicit, c.env.as_deref(), c.home);
            match (&write, &c.write) {
                (Ok(got), Some(want)) => assert_eq!(got, want, "{}", c.name),
                (Err(KubeconfigError::NoPath), None) => {}
                _ => panic!("{}: {write:?}", c.name),
            }
            assert_eq!(remove_targets(c.explicit, c.env.as_deref(), c.home), c.remove, "{}", c.name);
        }
    }

    #[test]
    fn from_env_honours_the_explicit_path() {
        let p = Path::new("/tmp/explicit-kubeconfig");
        assert_eq!(write_target_from_env(Some(p)).unwrap(), p);
        assert_eq!(remove_targets_from_env(Some(p)), [p]);
    }
}

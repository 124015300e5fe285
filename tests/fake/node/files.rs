//! Path handling and file operations on a node's in-memory filesystem.

use super::model::Node;

/// An absolute, normalised path (`.`/`..` resolved, no trailing slash).
pub fn norm(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

pub fn parent(path: &str) -> String {
    match path.rfind('/') {
        Some(0) | None => "/".to_string(),
        Some(i) => path[..i].to_string(),
    }
}

pub fn basename(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

pub enum WriteError {
    NoParent,
    IsDir,
}

impl Node {
    pub fn is_dir(&self, path: &str) -> bool {
        self.dirs.contains(&norm(path))
    }

    pub fn exists(&self, path: &str) -> bool {
        let p = norm(path);
        self.dirs.contains(&p) || self.files.contains_key(&p)
    }

    pub fn read(&self, path: &str) -> Option<&String> {
        self.files.get(&norm(path))
    }

    /// Creates or replaces (or appends to) a file; the parent directory must exist.
    pub fn write(&mut self, path: &str, content: &str, append: bool) -> Result<(), WriteError> {
        let p = norm(path);
        if self.dirs.contains(&p) {
            return Err(WriteError::IsDir);
        }
        if !self.dirs.contains(&parent(&p)) {
            return Err(WriteError::NoParent);
        }
        let entry = self.files.entry(p).or_default();
        if !append {
            entry.clear();
        }
        entry.push_str(content);
        Ok(())
    }

    /// `mkdir -p`: every missing ancestor is created. Fails if a file is in the way.
    pub fn mkdir_all(&mut self, path: &str) -> bool {
        let p = norm(path);
        let mut cur = String::new();
        for part in p.split('/').filter(|s| !s.is_empty()) {
            cur.push('/');
            cur.push_str(part);
            if self.files.contains_key(&cur) {
                return false;
            }
            self.dirs.insert(cur.clone());
        }
        true
    }

    /// Removes a file, or a directory tree when `recursive`.
    pub fn remove(&mut self, path: &str, recursive: bool) -> Result<(), &'static str> {
        let p = norm(path);
        if self.files.remove(&p).is_some() {
            return Ok(());
        }
        if !self.dirs.contains(&p) {
            return Err("No such file or directory");
        }
        if !recursive {
            return Err("Is a directory");
        }
        let prefix = format!("{p}/");
        self.files.retain(|k, _| !k.starts_with(&prefix));
        self.dirs.retain(|k| k != &p && !k.starts_with(&prefix));
        Ok(())
    }

    /// Direct children of a directory (names only).
    pub fn list(&self, dir: &str) -> Vec<String> {
        let p = norm(dir);
        let prefix = if p == "/" { "/".to_string() } else { format!("{p}/") };
        let mut out: Vec<String> = self
            .files
            .keys()
            .chain(self.dirs.iter())
            .filter_map(|k| k.strip_prefix(&prefix))
            .filter(|rest| !rest.is_empty() && !rest.contains('/'))
            .map(str::to_string)
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// A file, or a directory and everything below it, as paths relative to it (`""`
    /// is itself), each with its content if it is a file; parents come first.
    pub fn tree(&self, dir: &str) -> Vec<(String, Option<String>)> {
        let root = norm(dir);
        if let Some(text) = self.files.get(&root) {
            return vec![(String::new(), Some(text.clone()))];
        }
        let prefix = if root == "/" { "/".to_string() } else { format!("{root}/") };
        let mut out = vec![(String::new(), None)];
        let below = |p: &String| p.strip_prefix(&prefix).map(str::to_string);
        out.extend(self.dirs.iter().filter_map(below).filter(|r| !r.is_empty()).map(|r| (r, None)));
        out.extend(self.files.iter().filter_map(|(p, text)| below(p).map(|r| (r, Some(text.clone())))));
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    /// Puts a copy of the tree at `src` at `dst` (whose parent exists).
    pub fn copy_tree(&mut self, src: &str, dst: &str) {
        let dst = norm(dst);
        for (rel, content) in self.tree(src) {
            let path = if rel.is_empty() { dst.clone() } else { format!("{dst}/{rel}") };
            match content {
                Some(text) => {
                    self.files.insert(path, text);
                }
                None => {
                    self.dirs.insert(path);
                }
            }
        }
    }

    pub fn is_empty_dir(&self, path: &str) -> bool {
        self.is_dir(path) && self.list(path).is_empty()
    }

    /// Replaces every whole occurrence of IPv4 `old` with `new` in one file.
    pub fn replace_ip_in(&mut self, path: &str, old: &str, new: &str) {
        if let Some(text) = self.files.get_mut(path) {
            *text = replace_ip(text, old, new);
        }
    }
}

/// Replaces `old` where it is not part of a longer dotted number.
pub fn replace_ip(text: &str, old: &str, new: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(old) {
        let before = rest[..i].chars().last();
        let after = rest[i + old.len()..].chars().next();
        let digitish = |c: Option<char>| c.is_some_and(|c| c.is_ascii_digit() || c == '.');
        let after_digit = after.is_some_and(|c| c.is_ascii_digit());
        out.push_str(&rest[..i]);
        if digitish(before) || after_digit {
            out.push_str(old);
        } else {
            out.push_str(new);
        }
        rest = &rest[i + old.len()..];
    }
    out.push_str(rest);
    out
}

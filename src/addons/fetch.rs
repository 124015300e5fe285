//! Upstream manifests: downloaded once from their pinned URL (or a mirror)
//! into the user's cache, checked against the recorded sha256, and reused
//! offline afterwards.
//!
//! A mirror is a base URL or a directory laid out as `<host>/<path>` of the
//! upstream URL (what `wget --force-directories` produces). Downloads use the
//! Mac's own `curl`, so proxies and the system's trusted CAs apply as they do
//! for everything else on the Mac. curl may only speak https, redirects
//! included; a plain-http mirror is used only on this Mac's loopback or when
//! the user allows it (`--allow-http`).

use std::path::{Path, PathBuf};
use std::time::Duration;

use sha2::{Digest, Sha256};

use super::AddonError;
use super::catalog::Remote;
use crate::exec::{Invocation, ProcessRunner, Runner};

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Mirror {
    Url(String),
    Dir(PathBuf),
}

/// Whether a mirror may be used, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MirrorScheme {
    /// https, or a directory: nothing to say.
    Safe,
    /// Plain http on 127.0.0.0/8, localhost or ::1: traffic stays on the Mac.
    LoopbackHttp,
    /// Plain http elsewhere: only with `--allow-http`, and with a warning.
    RemoteHttp,
}

impl Mirror {
    pub(crate) fn parse(text: &str) -> Option<Mirror> {
        let text = text.trim();
        if text.is_empty() {
            None
        } else if text.starts_with("http://") || text.starts_with("https://") {
            Some(Mirror::Url(text.trim_end_matches('/').to_string()))
        } else {
            Some(Mirror::Dir(PathBuf::from(text.strip_prefix("file://").unwrap_or(text))))
        }
    }

    pub(crate) fn scheme(&self) -> MirrorScheme {
        let Mirror::Url(url) = self else { return MirrorScheme::Safe };
        let Some(rest) = url.strip_prefix("http://") else { return MirrorScheme::Safe };
        let authority = rest.split('/').next().unwrap_or_default();
        let host = match authority.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or_default(),
            None => authority.rsplit_once(':').map_or(authority, |(host, _)| host),
        };
        let loopback =
            host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
        if loopback { MirrorScheme::LoopbackHttp } else { MirrorScheme::RemoteHttp }
    }

    pub(crate) fn describe(&self) -> String {
        match self {
            Mirror::Url(u) => u.clone(),
            Mirror::Dir(d) => d.display().to_string(),
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Fetcher {
    cache: PathBuf,
    mirror: Option<Mirror>,
    /// Only what is cached: for cleaning up after an install that never finished.
    cache_only: bool,
}

/// `https://github.com/a/b/x.yaml` → `github.com/a/b/x.yaml`.
pub(super) fn relative_path(url: &str) -> &str {
    url.split_once("://").map(|(_, rest)| rest).unwrap_or(url).trim_start_matches('/')
}

pub(super) fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

impl Fetcher {
    pub(crate) fn new(cache: PathBuf, mirror: Option<Mirror>) -> Self {
        Fetcher { cache, mirror, cache_only: false }
    }

    /// This fetcher, answering from the cache alone.
    pub(crate) fn cache_only(mut self) -> Self {
        self.cache_only = true;
        self
    }

    /// The user's cache (`~/Library/Caches/kina/manifests` on macOS) and the
    /// mirror from `--mirror` or `KINA_ADDON_MIRROR`. A plain-http mirror off
    /// this Mac is refused unless `allow_http`.
    pub(crate) fn from_settings(mirror: Option<&str>, allow_http: bool) -> Result<Self, AddonError> {
        let base = dirs::cache_dir().unwrap_or_else(std::env::temp_dir);
        let mirror = mirror.and_then(Mirror::parse);
        if let Some(m) = &mirror
            && m.scheme() == MirrorScheme::RemoteHttp
            && !allow_http
        {
            return Err(AddonError::PlainHttpMirror { mirror: m.describe() });
        }
        Ok(Fetcher::new(base.join("kina").join("manifests"), mirror))
    }

    /// The mirror in use, if any.
    pub(crate) fn mirror(&self) -> Option<&Mirror> {
        self.mirror.as_ref()
    }

    fn cache_path(&self, url: &str) -> PathBuf {
        self.cache.join(relative_path(url))
    }

    /// The manifest at `remote` for `version`; the checksum applies when
    /// `version` is the pinned one.
    pub(crate) async fn get(&self, remote: &Remote, version: &str, pinned: bool) -> Result<String, AddonError> {
        let url = remote.url.replace("{version}", version);
        if relative_path(&url).split('/').any(|segment| segment == ".." || segment == ".") {
            let reason = "the URL has a `.` or `..` path segment".to_string();
            return Err(AddonError::Download { url, mirror: None, reason, mirror_is_dir: false });
        }
        let expected = remote.sha256.filter(|_| pinned);
        let cached = self.cache_path(&url);
        if let Ok(bytes) = std::fs::read(&cached) {
            if expected.is_none_or(|e| sha256_hex(&bytes) == e) {
                tracing::debug!("using cached {}", cached.display());
                return text(&url, bytes);
            }
            tracing::debug!("cached {} fails its checksum; downloading again", cached.display());
        }
        let bytes = self.download(&url).await?;
        if let Some(expected) = expected {
            let actual = sha256_hex(&bytes);
            if actual != expected {
                return Err(AddonError::Checksum { url, expected: expected.to_string(), actual });
            }
        }
        store(&cached, &bytes);
        text(&url, bytes)
    }

    async fn download(&self, url: &str) -> Result<Vec<u8>, AddonError> {
        let failed = |reason: String| AddonError::Download {
            url: url.to_string(),
            mirror: self.mirror.as_ref().map(Mirror::describe),
            reason,
            mirror_is_dir: matches!(self.mirror, Some(Mirror::Dir(_))),
        };
        if self.cache_only {
            return Err(AddonError::NotCached { url: url.to_string() });
        }
        match &self.mirror {
            Some(Mirror::Dir(dir)) => {
                let path = dir.join(relative_path(url));
                std::fs::read(&path).map_err(|e| failed(format!("{}: {e}", path.display())))
            }
            Some(mirror @ Mirror::Url(base)) => {
                let plain_http = mirror.scheme() != MirrorScheme::Safe;
                curl(&format!("{base}/{}", relative_path(url)), plain_http).await.map_err(failed)
            }
            None => curl(url, false).await.map_err(failed),
        }
    }
}

fn text(url: &str, bytes: Vec<u8>) -> Result<String, AddonError> {
    String::from_utf8(bytes).map_err(|_| AddonError::Download {
        url: url.to_string(),
        mirror: None,
        mirror_is_dir: false,
        reason: "the file is not UTF-8 text".into(),
    })
}

/// Best effort: a cache that cannot be written only costs a download next time.
fn store(path: &Path, bytes: &[u8]) {
    let Some(dir) = path.parent() else { return };
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let written = std::fs::create_dir_all(dir)
        .and_then(|_| std::fs::write(&tmp, bytes))
        .and_then(|_| std::fs::rename(&tmp, path));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        tracing::warn!("could not cache {}: {e}", path.display());
    }
}

/// `curl` to stdout, https only (redirects too) unless `plain_http` (an
/// allowed http mirror); the error is curl's own words (or why it did not run).
async fn curl(url: &str, plain_http: bool) -> Result<Vec<u8>, String> {
    let protocols = if plain_http { "=http,https" } else { "=https" };
    let invocation = Invocation::new("curl", "curl")
        .args(["--fail", "--silent", "--show-error", "--location", "--retry", "2", "--connect-timeout", "15"])
        .args(["--proto", protocols, "--proto-redir", protocols])
        .args(["--max-time", "300", url])
        .timeout(Duration::from_secs(330));
    let out = ProcessRunner.run(&invocation).await.map_err(|e| e.to_string())?;
    if out.success() {
        Ok(out.stdout.into_bytes())
    } else {
        // With --retry curl says the same thing once per attempt: the last is enough.
        let last = out.stderr.lines().map(str::trim).rfind(|l| !l.is_empty());
        Err(last.map(str::to_string).unwrap_or_else(|| format!("`{}` failed", invocation.command_line())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REMOTE: Remote = Remote { url: "https://example.com/org/repo/{version}/deploy.yaml", sha256: None };

    fn dir_mirror(root: &Path, body: &str) -> Mirror {
        let file = root.join("example.com/org/repo/v1/deploy.yaml");
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, body).unwrap();
        Mirror::Dir(root.to_path_buf())
    }

    #[test]
    fn plain_http_mirrors_are_only_for_loopback_unless_allowed() {
        let scheme = |text: &str| Mirror::parse(text).unwrap().scheme();
        for loopback in ["http://127.0.0.1:8080", "http://localhost/m", "http://[::1]:9/", "http://127.9.9.9"] {
            assert_eq!(scheme(loopback), MirrorScheme::LoopbackHttp, "{loopback}");
        }
        for remote in ["http://mirror.corp", "http://10.0.0.1:80/x", "http://localhost.evil.com"] {
            assert_eq!(scheme(remote), MirrorScheme::RemoteHttp, "{remote}");
        }
        assert_eq!(scheme("https://mirror.corp"), MirrorScheme::Safe);
        assert_eq!(scheme("/srv/mirror"), MirrorScheme::Safe);
        assert!(matches!(
            Fetcher::from_settings(Some("http://mirror.corp"), false),
            Err(AddonError::PlainHttpMirror { .. })
        ));
        assert!(Fetcher::from_settings(Some("http://mirror.corp"), true).is_ok());
        assert!(Fetcher::from_settings(Some("http://127.0.0.1:1"), false).is_ok());
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
    }

    #[test]
    fn mirrors_are_urls_or_directories() {
        assert_eq!(Mirror::parse("https://m.example/x/"), Some(Mirror::Url("https://m.example/x".into())));
        assert_eq!(Mirror::parse("file:///srv/m"), Some(Mirror::Dir("/srv/m".into())));
        assert_eq!(Mirror::parse("/srv/m"), Some(Mirror::Dir("/srv/m".into())));
        assert_eq!(Mirror::parse(" "), None);
        assert_eq!(relative_path("https://github.com/a/b.yaml"), "github.com/a/b.yaml");
    }

    #[test]
    fn a_mirror_copy_is_cached_and_reused_offline() {
        let tmp = tempfile::tempdir().unwrap();
        let mirror = dir_mirror(&tmp.path().join("mirror"), "kind: A\n");
        let cache = tmp.path().join("cache");
        let fetched = runtime().block_on(Fetcher::new(cache.clone(), Some(mirror)).get(&REMOTE, "v1", true));
        assert_eq!(fetched.unwrap(), "kind: A\n");
        std::fs::remove_dir_all(tmp.path().join("mirror")).unwrap();
        let offline = Fetcher::new(cache, Some(Mirror::Dir(tmp.path().join("gone"))));
        assert_eq!(runtime().block_on(offline.get(&REMOTE, "v1", true)).unwrap(), "kind: A\n");
    }

    #[test]
    fn a_checksum_mismatch_is_refused_and_not_cached() {
        let tmp = tempfile::tempdir().unwrap();
        let mirror = dir_mirror(tmp.path(), "tampered\n");
        let remote = Remote { sha256: Some("00"), ..REMOTE };
        let cache = tmp.path().join("cache");
        let err = runtime().block_on(Fetcher::new(cache.clone(), Some(mirror)).get(&remote, "v1", true)).unwrap_err();
        assert!(matches!(err, AddonError::Checksum { .. }), "{err}");
        assert!(err.to_string().contains(&sha256_hex(b"tampered\n")), "{err}");
        assert!(!cache.join("example.com/org/repo/v1/deploy.yaml").exists());
    }

    #[test]
    fn the_checksum_holds_only_for_the_pinned_version() {
        let tmp = tempfile::tempdir().unwrap();
        let mirror = dir_mirror(tmp.path(), "other\n");
        let remote = Remote { sha256: Some("00"), ..REMOTE };
        let fetched = runtime().block_on(Fetcher::new(tmp.path().join("c"), Some(mirror)).get(&remote, "v1", false));
        assert_eq!(fetched.unwrap(), "other\n");
    }

    #[test]
    fn a_matching_checksum_is_accepted() {
        let tmp = tempfile::tempdir().unwrap();
        let mirror = dir_mirror(tmp.path(), "good\n");
        let sum: &'static str = Box::leak(sha256_hex(b"good\n").into_boxed_str());
        let remote = Remote { sha256: Some(sum), ..REMOTE };
        let fetched = runtime().block_on(Fetcher::new(tmp.path().join("c"), Some(mirror)).get(&remote, "v1", true));
        assert_eq!(fetched.unwrap(), "good\n");
    }

    #[test]
    fn a_missing_mirror_file_names_url_and_mirror() {
        let tmp = tempfile::tempdir().unwrap();
        let fetcher = Fetcher::new(tmp.path().join("c"), Some(Mirror::Dir(tmp.path().join("empty"))));
        let err = runtime().block_on(fetcher.get(&REMOTE, "v1", true)).unwrap_err().to_string();
        assert!(err.contains("https://example.com/org/repo/v1/deploy.yaml"), "{err}");
        assert!(err.contains("(mirror "), "{err}");
        assert!(err.contains("empty/example.com/org/repo/v1/deploy.yaml"), "{err}");
    }

    /// A port nothing listens on: without the protocol limit curl would try it
    /// ("Failed to connect"), with it curl refuses before connecting.
    fn closed_port() -> u16 {
        std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
    }

    #[test]
    fn curl_refuses_plain_http_unless_allowed() {
        let url = format!("http://127.0.0.1:{}/deploy.yaml", closed_port());
        let err = runtime().block_on(curl(&url, false)).unwrap_err();
        assert!(err.contains("Protocol \"http\" not supported or disabled"), "{err}");
        let allowed = runtime().block_on(curl(&url, true)).unwrap_err();
        assert!(allowed.contains("Failed to connect"), "{allowed}");
    }

    #[test]
    fn curl_follows_no_redirect_off_http_and_https() {
        // A loopback http mirror that sends curl elsewhere: to ftp, which curl would
        // otherwise follow (and fail to connect to).
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let elsewhere = format!("ftp://127.0.0.1:{}/x", closed_port());
        let server = std::thread::spawn(move || {
            use std::io::{Read, Write};
            // Bounded, so a curl that never comes (a proxy in the environment) fails the
            // test below instead of hanging it; no answer depends on this time.
            listener.set_nonblocking(true).unwrap();
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
            let mut conn = loop {
                match listener.accept() {
                    Ok((conn, _)) => break conn,
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock && std::time::Instant::now() < deadline => {
                        std::thread::sleep(std::time::Duration::from_millis(20));
                    }
                    Err(e) => panic!("no connection from curl: {e}"),
                }
            };
            conn.set_nonblocking(false).unwrap();
            let mut request = [0u8; 4096];
            let _ = conn.read(&mut request).unwrap();
            let reply = format!(
                "HTTP/1.1 302 Found\r\nLocation: {elsewhere}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
            conn.write_all(reply.as_bytes()).unwrap();
        });
        let err = runtime().block_on(curl(&format!("http://127.0.0.1:{port}/deploy.yaml"), true)).unwrap_err();
        server.join().unwrap();
        assert!(err.contains("Protocol \"ftp\" not supported or disabled"), "{err}");
    }
}

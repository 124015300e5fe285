//! `crictl pull` of an image in a registry the node reaches over HTTP: the CRI
//! plugin's resolution, for real. containerd reads `hosts.toml` under the
//! registry config's `config_path` (https://github.com/containerd/containerd/blob/main/docs/hosts.md):
//! with `<config_path>/<host>/hosts.toml`, the request goes to the `[host."…"]`
//! endpoints it lists; without one, to the host itself (plain HTTP for `localhost`,
//! which inside a node is the node itself). The manifest is fetched from that
//! endpoint over a real TCP connection, so the pull works only if the address kina
//! wrote is where a registry listens and has the image.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use super::Ctx;
use crate::images::Ref;
use crate::out::Out;
use crate::store::State;

const MANIFEST_TYPES: &str = "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, \
     application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json";

/// Whether `crictl pull REF` is resolved here (a `localhost[:port]` registry).
pub fn handles(reference: &str) -> bool {
    Ref::parse(reference).is_ok_and(|r| r.registry == "localhost" || r.registry.starts_with("localhost:"))
}

fn fatal(reference: &str, why: &str) -> Out {
    Out::fail(
        1,
        format!(
            "time=\"{}\" level=fatal msg=\"pulling image: rpc error: code = Unknown desc = failed to pull and unpack image \\\"{reference}\\\": {why}\"\n",
            crate::util::iso_now()
        ),
    )
}

/// The registry config's `config_path` in a node's containerd config (v2 layout).
fn config_path(files: &Files) -> Option<String> {
    let table: toml::Table = files.get("/etc/containerd/config.toml")?.parse().ok()?;
    let cri = table.get("plugins")?.get("io.containerd.grpc.v1.cri")?;
    cri.get("registry")?.get("config_path")?.as_str().map(str::to_string)
}

type Files = std::collections::BTreeMap<String, String>;

/// The endpoints for `host`: `hosts.toml`'s `[host."URL"]` tables, else `http://host`.
fn endpoints(files: &Files, host: &str) -> Vec<String> {
    let from_file = config_path(files).and_then(|dir| {
        let text = files.get(&format!("{}/{host}/hosts.toml", dir.trim_end_matches('/')))?;
        let table: toml::Table = text.parse().ok()?;
        let hosts = table.get("host")?.as_table()?;
        Some(hosts.keys().cloned().collect::<Vec<_>>())
    });
    from_file.filter(|h| !h.is_empty()).unwrap_or_else(|| vec![format!("http://{host}")])
}

/// What the CRI plugin of node `node` gets for `reference`: (digest, size), or why the
/// pull fails, in containerd's words after `failed to pull and unpack image "REF": `.
pub fn resolve(state: &State, node: &str, reference: &str) -> Result<(String, u64), String> {
    let r = Ref::parse(reference).map_err(|_| "invalid reference format".to_string())?;
    let tag = r.digest.clone().or(r.tag.clone()).unwrap_or_else(|| "latest".into());
    let files = state.containers.get(node).map(|c| c.node.files.clone()).unwrap_or_default();
    let mut last = String::new();
    for endpoint in endpoints(&files, &r.registry) {
        let Some(authority) = endpoint.strip_prefix("http://") else {
            last = format!("the fake speaks plain HTTP only, not {endpoint}");
            continue;
        };
        let authority = authority.trim_end_matches('/');
        let path = format!("/v2/{}/manifests/{tag}", r.repo);
        let url = format!("http://{authority}{path}");
        // Inside the node, localhost is the node itself.
        let dial = authority.replace("localhost", "127.0.0.1");
        let response = routed(state, node, &dial).and_then(|address| get(&address, authority, &path));
        match response {
            Ok((200, digest, size)) => return Ok((digest, size)),
            Ok((404, ..)) => {
                return Err(format!("failed to resolve reference \"{reference}\": {reference}: not found"));
            }
            Ok((status, ..)) => {
                last = format!(
                    "failed to resolve reference \"{reference}\": unexpected status from GET request to {url}: {status}"
                )
            }
            Err(e) => {
                let address = authority.replace("localhost", "127.0.0.1");
                last = format!(
                    "failed to resolve reference \"{reference}\": failed to do request: Head \"{url}\": dial tcp {address}: {e}"
                )
            }
        }
    }
    Err(last)
}

pub fn crictl_pull(ctx: &mut Ctx, reference: &str) -> Out {
    match resolve(ctx.state, &ctx.id, reference) {
        Ok((digest, size)) => {
            let name = match Ref::parse(reference) {
                Ok(r) => format!("{}/{}:{}", r.registry, r.repo, r.tag.unwrap_or_else(|| "latest".into())),
                Err(_) => reference.to_string(),
            };
            crate::node::ctr::record_pulled(ctx.node(), &name, &digest, size);
            Out::ok(format!("Image is up to date for {digest}\n"))
        }
        Err(why) => fatal(reference, &why.replace('"', "\\\"")),
    }
}

/// The listener a dial of `authority` (`ip:port`) reaches over the VM network.
fn routed(state: &State, node: &str, authority: &str) -> Result<String, String> {
    let Some((ip, port)) = authority.rsplit_once(':') else { return Err(format!("lookup {authority}: no such host")) };
    if ip == "127.0.0.1" {
        return crate::registry::route_in_node(state, node, port.parse().unwrap_or(0));
    }
    if !crate::util::is_ipv4(ip) {
        return Err(format!("lookup {ip} on 192.168.64.1:53: no such host"));
    }
    crate::registry::route(state, node, ip, port.parse().unwrap_or(0))
}

/// `GET path` on `address`, as `host`: (status, Docker-Content-Digest, body length).
fn get(address: &str, host: &str, path: &str) -> Result<(u16, String, u64), String> {
    let addr: std::net::SocketAddr = address.parse().map_err(|_| format!("lookup {address}: no such host"))?;
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).map_err(|e| match e.kind() {
        std::io::ErrorKind::ConnectionRefused => "connect: connection refused".to_string(),
        _ => format!("i/o timeout ({e})"),
    })?;
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: {MANIFEST_TYPES}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).map_err(|e| e.to_string())?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&response);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let digest = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("docker-content-digest").then(|| v.trim().to_string())
        })
        .unwrap_or_else(|| format!("sha256:{}", crate::sha256::hex(body.as_bytes())));
    Ok((status, digest, body.len() as u64))
}

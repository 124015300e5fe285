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

/// The registry config's `config_path` in the node's containerd config (v2 layout).
fn config_path(ctx: &mut Ctx) -> Option<String> {
    let text = ctx.node().files.get("/etc/containerd/config.toml")?.clone();
    let table: toml::Table = text.parse().ok()?;
    let cri = table.get("plugins")?.get("io.containerd.grpc.v1.cri")?;
    cri.get("registry")?.get("config_path")?.as_str().map(str::to_string)
}

/// The endpoints for `host`: `hosts.toml`'s `[host."URL"]` tables, else `http://host`.
fn endpoints(ctx: &mut Ctx, host: &str) -> Vec<String> {
    let from_file = config_path(ctx).and_then(|dir| {
        let text = ctx.node().files.get(&format!("{}/{host}/hosts.toml", dir.trim_end_matches('/')))?.clone();
        let table: toml::Table = text.parse().ok()?;
        let hosts = table.get("host")?.as_table()?;
        Some(hosts.keys().cloned().collect::<Vec<_>>())
    });
    from_file.filter(|h| !h.is_empty()).unwrap_or_else(|| vec![format!("http://{host}")])
}

pub fn crictl_pull(ctx: &mut Ctx, reference: &str) -> Out {
    let Ok(r) = Ref::parse(reference) else { return fatal(reference, "invalid reference format") };
    let tag = r.digest.clone().or(r.tag.clone()).unwrap_or_else(|| "latest".into());
    let mut last = String::new();
    for endpoint in endpoints(ctx, &r.registry) {
        let Some(authority) = endpoint.strip_prefix("http://") else {
            last = format!("the fake speaks plain HTTP only, not {endpoint}");
            continue;
        };
        let authority = authority.trim_end_matches('/');
        // Inside the node, localhost is the node: no registry listens there.
        let dial = if authority.starts_with("localhost") { None } else { Some(authority) };
        let path = format!("/v2/{}/manifests/{tag}", r.repo);
        let url = format!("http://{authority}{path}");
        let response = match dial.map(|a| routed(ctx, a)) {
            Some(Ok(address)) => get(&address, &authority, &path),
            Some(Err(e)) => Err(e),
            None => Err("connect: connection refused".to_string()),
        };
        match response {
            Ok((200, digest, size)) => {
                let name = format!("{}/{}:{}", r.registry, r.repo, r.tag.clone().unwrap_or_else(|| "latest".into()));
                crate::node::ctr::record_pulled(ctx.node(), &name, &digest, size);
                return Out::ok(format!("Image is up to date for {digest}\n"));
            }
            Ok((404, ..)) => {
                return fatal(
                    reference,
                    &format!("failed to resolve reference \\\"{reference}\\\": {reference}: not found"),
                );
            }
            Ok((status, ..)) => {
                last = format!(
                    "failed to resolve reference \\\"{reference}\\\": unexpected status from GET request to {url}: {status}"
                )
            }
            Err(e) => {
                let address = authority.replace("localhost", "127.0.0.1");
                last = format!(
                    "failed to resolve reference \\\"{reference}\\\": failed to do request: Head \\\"{url}\\\": dial tcp {address}: {e}"
                )
            }
        }
    }
    fatal(reference, &last)
}

/// The listener a dial of `authority` (`ip:port`) reaches over the VM network.
fn routed(ctx: &mut Ctx, authority: &str) -> Result<String, String> {
    let Some((ip, port)) = authority.rsplit_once(':') else { return Err(format!("lookup {authority}: no such host")) };
    if !crate::util::is_ipv4(ip) {
        return Err(format!("lookup {ip} on 192.168.64.1:53: no such host"));
    }
    crate::registry::route(ctx.state, ip, port.parse().unwrap_or(0))
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

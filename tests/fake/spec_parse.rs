//! Parsers for individual `run`/`create` flag values (-m, -l, -p, -v, --mount, -e, --network).

use crate::args::Parsed;
use crate::store::State;
use serde_json::{Map, Value, json};

/// `-m` values: a number with an optional K/M/G/T/P suffix (1024-based); a bare number is MiB.
pub fn parse_memory(text: &str) -> Result<u64, String> {
    let t = text.trim().to_ascii_lowercase();
    let t = t.strip_suffix("ib").or_else(|| t.strip_suffix('b')).unwrap_or(&t);
    let (num, mult) = match t.chars().last() {
        Some('k') => (&t[..t.len() - 1], 1u64 << 10),
        Some('m') => (&t[..t.len() - 1], 1 << 20),
        Some('g') => (&t[..t.len() - 1], 1 << 30),
        Some('t') => (&t[..t.len() - 1], 1 << 40),
        Some('p') => (&t[..t.len() - 1], 1 << 50),
        _ => (t, 1 << 20),
    };
    let n: f64 = num.parse().map_err(|_| format!("invalid memory size: {text}"))?;
    if n <= 0.0 {
        return Err(format!("invalid memory size: {text}"));
    }
    Ok((n * mult as f64) as u64 / (1 << 20) * (1 << 20))
}

/// `-l key=value`; a value containing `=` is rejected like `Parser.labels`.
pub fn parse_labels(values: &[&str]) -> Result<Map<String, Value>, String> {
    let mut out = Map::new();
    for label in values {
        if label.is_empty() {
            return Err("label cannot be an empty string".into());
        }
        let parts: Vec<&str> = label.splitn(3, '=').collect();
        match parts.as_slice() {
            [k] => out.insert(k.to_string(), json!("")),
            [k, v] => out.insert(k.to_string(), json!(v)),
            _ => return Err(format!("invalid label format {label}")),
        };
    }
    Ok(out)
}

pub fn port_range(text: &str) -> Option<(u32, u32)> {
    let (a, b) = text.split_once('-').unwrap_or((text, text));
    let (a, b): (u32, u32) = (a.parse().ok()?, b.parse().ok()?);
    (a >= 1 && b <= 65535 && a <= b).then_some((a, b - a + 1))
}

/// `-p [host-ip:]host-port:container-port[/proto]` (IPv6 host as `[::1]`).
pub fn parse_publish(spec: &str) -> Result<Value, String> {
    let bad = || format!("invalid publish specification: {spec}");
    let (body, proto) = match spec.rsplit_once('/') {
        Some((b, p)) if p == "tcp" || p == "udp" => (b, p),
        Some(_) => return Err(bad()),
        None => (spec, "tcp"),
    };
    let (host_ip, ports) = if let Some(rest) = body.strip_prefix('[') {
        let (ip, rest) = rest.split_once("]:").ok_or_else(bad)?;
        (ip.to_string(), rest)
    } else {
        let parts: Vec<&str> = body.split(':').collect();
        match parts.len() {
            2 => ("0.0.0.0".to_string(), body),
            3 => (parts[0].to_string(), body.split_once(':').unwrap().1),
            _ => return Err(bad()),
        }
    };
    if host_ip.parse::<std::net::IpAddr>().is_err() {
        return Err(bad());
    }
    let (h, c) = ports.split_once(':').ok_or_else(bad)?;
    let ((hp, hc), (cp, cc)) = (port_range(h).ok_or_else(bad)?, port_range(c).ok_or_else(bad)?);
    if hc != cc {
        return Err(bad());
    }
    Ok(json!({"containerPort": cp, "count": hc, "hostAddress": host_ip, "hostPort": hp, "proto": proto}))
}

pub fn normalize_cap(cap: &str) -> String {
    let up = cap.to_ascii_uppercase();
    if up == "ALL" || up.starts_with("CAP_") { up } else { format!("CAP_{up}") }
}

/// `--masked-path`/`--read-only-path`: NONE clears what came before; absent = `None`.
pub fn path_overrides(values: &[&str]) -> Result<Option<Vec<String>>, String> {
    if values.is_empty() {
        return Ok(None);
    }
    let mut out = Vec::new();
    for v in values {
        if v.eq_ignore_ascii_case("none") {
            out.clear();
        } else if v.starts_with('/') {
            out.push(v.to_string());
        } else {
            return Err(format!("path must be absolute: {v}"));
        }
    }
    Ok(Some(out))
}

pub fn mount(kind: Value, source: &str, dest: &str, readonly: bool) -> Value {
    let options: Vec<&str> = if readonly { vec!["ro"] } else { vec![] };
    json!({"type": kind, "source": source, "destination": dest, "options": options})
}

pub fn volume_kind(name: &str) -> Value {
    json!({"volume": {"name": name, "format": "ext4", "cache": {"auto": {}}, "sync": {"full": {}}}})
}

/// `-v src:dst[:ro]`: host paths become virtiofs shares, other names volumes.
pub fn parse_volume(spec: &str, new_volumes: &mut Vec<String>, state: &State) -> Result<Value, String> {
    let parts: Vec<&str> = spec.split(':').collect();
    let (src, dst, opts) = match parts.as_slice() {
        [dst] => return Ok(mount(volume_kind(&format!("anon-{}", crate::util::uuid())), "", dst, false)),
        [s, d] => (*s, *d, ""),
        [s, d, o] => (*s, *d, *o),
        _ => return Err(format!("invalid volume format {spec}")),
    };
    let ro = opts.split(',').any(|o| o == "ro" || o == "readonly");
    if src.contains('/') || src == "." || src == ".." {
        if !std::path::Path::new(src).exists() {
            return Err(format!("path '{src}' does not exist"));
        }
        return Ok(mount(json!({"virtiofs": {}}), src, dst, ro));
    }
    if !state.volumes.contains_key(src) && !new_volumes.iter().any(|v| v == src) {
        new_volumes.push(src.to_string());
    }
    Ok(mount(volume_kind(src), "", dst, ro))
}

/// `--mount type=...,source=...,target=...[,readonly]`.
pub fn parse_mount(spec: &str, new_volumes: &mut Vec<String>, state: &State) -> Result<Value, String> {
    let (mut kind, mut src, mut dst, mut ro) = ("virtiofs".to_string(), String::new(), String::new(), false);
    for field in spec.split(',') {
        match field.split_once('=') {
            Some(("type", v)) => kind = if v == "bind" { "virtiofs".into() } else { v.into() },
            Some(("source" | "src", v)) => src = v.into(),
            Some(("target" | "dst" | "destination", v)) => dst = v.into(),
            Some(_) => {}
            None if field == "readonly" || field == "ro" => ro = true,
            None => return Err(format!("invalid mount format {spec}")),
        }
    }
    if dst.is_empty() {
        return Err(format!("mount target is required: {spec}"));
    }
    match kind.as_str() {
        "volume" => parse_volume(&format!("{src}:{dst}{}", if ro { ":ro" } else { "" }), new_volumes, state),
        "tmpfs" => Ok(mount(json!({"tmpfs": {}}), "", &dst, ro)),
        "virtiofs" => parse_volume(&format!("{src}:{dst}{}", if ro { ":ro" } else { "" }), new_volumes, state),
        other => Err(format!("unsupported mount type {other}")),
    }
}

pub fn parse_env(p: &Parsed) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for file in p.values("--env-file") {
        let text = std::fs::read_to_string(file).map_err(|e| format!("failed to read env file {file}: {e}"))?;
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
            out.push(line.to_string());
        }
    }
    for e in p.values("--env") {
        if e.contains('=') {
            out.push(e.to_string());
        } else if let Ok(v) = std::env::var(e) {
            out.push(format!("{e}={v}"));
        }
    }
    Ok(out)
}

pub fn parse_network(spec: &str) -> Result<(String, u32, Option<String>), String> {
    let mut parts = spec.split(',');
    let name = parts.next().unwrap_or_default().to_string();
    let (mut mtu, mut mac) = (1280, None);
    for p in parts {
        match p.split_once('=') {
            Some(("mtu", v)) => mtu = v.parse().map_err(|_| format!("invalid network option {p}"))?,
            Some(("mac", v)) => mac = Some(v.to_ascii_lowercase()),
            _ => return Err(format!("invalid network option {p}")),
        }
    }
    Ok((name, mtu, mac))
}

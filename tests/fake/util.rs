//! Small helpers: randomness, encodings, dates and Swift-style JSON output.

use serde_json::{Map, Value};
use std::collections::hash_map::{DefaultHasher, RandomState};
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// A fresh random 64-bit number (std's randomly keyed hasher, fed with time and pid).
pub fn random_u64() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = RandomState::new().build_hasher();
    h.write_u128(SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_nanos());
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.write_u32(std::process::id());
    h.finish()
}

pub fn random_bytes(n: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(n + 8);
    while out.len() < n {
        out.extend_from_slice(&random_u64().to_le_bytes());
    }
    out.truncate(n);
    out
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Deterministic pseudo-digest hex of `len` characters derived from `seed`.
pub fn stable_hex(seed: &str, len: usize) -> String {
    let mut out = String::new();
    let mut round = 0u64;
    while out.len() < len {
        let mut h = DefaultHasher::new();
        seed.hash(&mut h);
        round.hash(&mut h);
        out.push_str(&format!("{:016x}", h.finish()));
        round += 1;
    }
    out.truncate(len);
    out
}

pub fn random_hex(len: usize) -> String {
    let mut s = hex(&random_bytes(len.div_ceil(2)));
    s.truncate(len);
    s
}

/// A lowercase UUID-looking string (generated container IDs).
pub fn uuid() -> String {
    let h = random_hex(32);
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

pub fn base64(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let n =
            (chunk[0] as u32) << 16 | (*chunk.get(1).unwrap_or(&0) as u32) << 8 | *chunk.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A PEM block of random bytes, wrapped at 64 columns.
pub fn pem(label: &str, size: usize) -> String {
    let body = base64(&random_bytes(size));
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in body.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

pub fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// ISO-8601 UTC without fractional seconds, as Swift's `.iso8601` strategy prints it.
pub fn iso(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil date from a day count (proleptic Gregorian calendar).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem / 60 % 60, rem % 60)
}

pub fn iso_now() -> String {
    iso(unix_now())
}

/// A copy of `v` whose objects have their keys in sorted order.
pub fn sort_keys(v: &Value) -> Value {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let mut out = Map::new();
            for k in keys {
                out.insert(k.clone(), sort_keys(&map[k]));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(sort_keys).collect()),
        other => other.clone(),
    }
}

/// One line, sorted keys: the CLI's `JSONOptions.compact`.
/// Whether the CLI's JSON escapes `/` as `\/`: Swift's JSONEncoder does by default, and
/// `container` configured `.withoutEscapingSlashes` only from 1.4.1
/// (https://github.com/apple/container/issues/2204).
static ESCAPES_SLASHES: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

pub fn set_cli_version(version: crate::config::Version) {
    ESCAPES_SLASHES.store(!version.at_least(1, 4, 1), std::sync::atomic::Ordering::Relaxed);
}

/// JSON the CLI prints (`--format json`): `/` only ever occurs inside strings.
fn cli_escaped(text: String) -> String {
    if ESCAPES_SLASHES.load(std::sync::atomic::Ordering::Relaxed) { text.replace('/', "\\/") } else { text }
}

/// `--format json` output: sorted keys, compact, escaped as the emulated release does.
pub fn cli_json(v: &Value) -> String {
    cli_escaped(compact_json(v))
}

/// `inspect` output: sorted keys, pretty, escaped as the emulated release does.
pub fn cli_pretty_json(v: &Value) -> String {
    cli_escaped(pretty_json(v))
}

pub fn compact_json(v: &Value) -> String {
    serde_json::to_string(&sort_keys(v)).unwrap()
}

/// Sorted keys, two-space indent, `"key" : value`: the CLI's `.pretty` output.
pub fn pretty_json(v: &Value) -> String {
    let mut out = String::new();
    write_pretty(&sort_keys(v), 0, &mut out);
    out
}

fn write_pretty(v: &Value, depth: usize, out: &mut String) {
    let pad = "  ".repeat(depth + 1);
    match v {
        Value::Array(items) if items.is_empty() => out.push_str("[ ]"),
        Value::Object(map) if map.is_empty() => out.push_str("{ }"),
        Value::Array(items) => {
            out.push_str("[\n");
            for (i, item) in items.iter().enumerate() {
                out.push_str(&pad);
                write_pretty(item, depth + 1, out);
                out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
            }
            out.push_str(&"  ".repeat(depth));
            out.push(']');
        }
        Value::Object(map) => {
            out.push_str("{\n");
            for (i, (k, item)) in map.iter().enumerate() {
                out.push_str(&pad);
                out.push_str(&serde_json::to_string(k).unwrap());
                out.push_str(" : ");
                write_pretty(item, depth + 1, out);
                out.push_str(if i + 1 < map.len() { ",\n" } else { "\n" });
            }
            out.push_str(&"  ".repeat(depth));
            out.push('}');
        }
        scalar => out.push_str(&serde_json::to_string(scalar).unwrap()),
    }
}

/// Left-aligned columns separated by at least three spaces, like the CLI's tables.
pub fn table(rows: &[Vec<String>]) -> String {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> =
        (0..cols).map(|c| rows.iter().filter_map(|r| r.get(c)).map(String::len).max().unwrap_or(0)).collect();
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            if c + 1 == row.len() {
                line.push_str(cell);
            } else {
                line.push_str(&format!("{cell:<w$}   ", w = widths[c]));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Whether `s` is an IPv4 CIDR like `10.244.0.0/16`.
pub fn is_ipv4_cidr(s: &str) -> bool {
    let Some((ip, prefix)) = s.split_once('/') else { return false };
    is_ipv4(ip) && prefix.parse::<u8>().is_ok_and(|p| p <= 32)
}

pub fn is_ipv4(s: &str) -> bool {
    s.parse::<std::net::Ipv4Addr>().is_ok()
}

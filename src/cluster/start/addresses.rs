//! Finding API server addresses (`A.B.C.D:6443`) in configs and objects.

use std::net::Ipv4Addr;

use crate::provider::API_SERVER_PORT;

/// Every distinct IPv4 address that appears as `<ip>:6443` in `text`.
pub(super) fn api_server_ips(text: &str) -> Vec<Ipv4Addr> {
    let suffix = format!(":{API_SERVER_PORT}");
    let mut found = Vec::new();
    for (at, _) in text.match_indices(&suffix) {
        if text[at + suffix.len()..].starts_with(|c: char| c.is_ascii_digit()) {
            continue; // :64431 is another port
        }
        let start = text[..at].rfind(|c: char| !(c.is_ascii_digit() || c == '.')).map_or(0, |i| i + 1);
        if let Ok(ip) = text[start..at].parse::<Ipv4Addr>()
            && !found.contains(&ip)
        {
            found.push(ip);
        }
    }
    found
}

/// A `sed` expression replacing `old` with `new` as a whole word.
pub(super) fn sed_replace(old: Ipv4Addr, new: Ipv4Addr) -> String {
    format!("s#\\b{}\\b#{new}#g", old.to_string().replace('.', "\\."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_api_server_addresses_only() {
        let text = "server: https://192.168.64.3:6443\n- name: CONTROL_PLANE_ENDPOINT\n  value: 192.168.64.3:6443\nprobe: 10.0.0.1:8080\nother: https://192.168.64.9:6443/x";
        assert_eq!(api_server_ips(text), vec![Ipv4Addr::new(192, 168, 64, 3), Ipv4Addr::new(192, 168, 64, 9)]);
        assert!(api_server_ips("server: https://127.0.0.1:64431").is_empty());
        assert!(api_server_ips("nothing here").is_empty());
    }

    #[test]
    fn sed_expression_escapes_dots_and_anchors_words() {
        assert_eq!(
            sed_replace(Ipv4Addr::new(192, 168, 64, 3), Ipv4Addr::new(192, 168, 64, 7)),
            r"s#\b192\.168\.64\.3\b#192.168.64.7#g"
        );
    }
}

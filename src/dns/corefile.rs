//! The server block kina adds to CoreDNS's Corefile for a cluster's zone.
//!
//! Facts from CoreDNS's source and docs (<https://coredns.io/plugins/k8s_external/>,
//! `plugin/k8s_external/setup.go`, `plugin.cfg`):
//! - `k8s_external` answers `<service>.<namespace>.<zone>` with a Service's
//!   LoadBalancer ingress or external IPs, and the zone's SOA/NS at its apex
//!   (the NS name under the `dns` label). It finds the `kubernetes` plugin of
//!   its own server block (without one it answers nothing), so the block has
//!   both. It has no `fallthrough`: a name it does not know is NXDOMAIN.
//! - It knows only Services: Ingress and HTTPRoute hostnames come from the
//!   `hosts` plugin, reading the file kina-lb keeps in the `kina-names`
//!   ConfigMap (re-read every 5 s). Plugins run in `plugin.cfg`'s order, where
//!   `hosts` comes before `k8s_external`, so `hosts` must fall through.
//! - A block for the zone on port 53 next to kubeadm's `.:53` gets the
//!   zone's queries (the most specific zone wins), from the Mac and from pods.

use super::{HOSTS_DIR, HOSTS_KEY};

const BEGIN: &str = "# kina names: begin (kina install names; removed by kina uninstall names)";
const END: &str = "# kina names: end";

/// The zone's server block, between kina's markers.
pub(crate) fn block(zone: &str) -> String {
    format!(
        "{BEGIN}\n{zone}:53 {{\n    errors\n    hosts {HOSTS_DIR}/{HOSTS_KEY} {zone} {{\n        ttl 5\n        fallthrough\n    }}\n    \
         kubernetes cluster.local\n    k8s_external {zone}\n}}\n{END}\n"
    )
}

/// `corefile` with the zone's block (replacing one kina added before).
pub(crate) fn with_zone(corefile: &str, zone: &str) -> String {
    let mut text = without_zone(corefile);
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(&block(zone));
    text
}

/// `corefile` without the block kina added (unchanged when it has none).
pub(crate) fn without_zone(corefile: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for line in corefile.split_inclusive('\n') {
        let bare = line.trim_end();
        if bare == BEGIN {
            inside = true;
        } else if inside && bare == END {
            inside = false;
        } else if !inside {
            out.push_str(line);
        }
    }
    out
}

/// Whether `corefile` has kina's block for `zone`.
pub(crate) fn serves(corefile: &str, zone: &str) -> bool {
    corefile.contains(&block(zone))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// kubeadm's Corefile (cmd/kubeadm/app/phases/addons/dns/manifests.go).
    const KUBEADM: &str = ".:53 {\n    errors\n    health {\n       lameduck 5s\n    }\n    ready\n    kubernetes cluster.local in-addr.arpa ip6.arpa {\n       pods insecure\n       fallthrough in-addr.arpa ip6.arpa\n       ttl 30\n    }\n    prometheus :9153\n    forward . /etc/resolv.conf {\n       max_concurrent 1000\n    }\n    cache 30 {\n       disable success cluster.local\n       disable denial cluster.local\n    }\n    loop\n    reload\n    loadbalance\n}\n";

    #[test]
    fn the_block_follows_kubeadms_and_comes_out_again() {
        let with = with_zone(KUBEADM, "kina.kina.internal");
        assert!(with.starts_with(KUBEADM));
        assert!(serves(&with, "kina.kina.internal"));
        assert!(!serves(&with, "other.kina.internal"));
        assert!(
            with.contains("kina.kina.internal:53 {\n    errors\n    hosts /etc/kina-names/hosts kina.kina.internal {")
        );
        assert!(with.contains("    kubernetes cluster.local\n    k8s_external kina.kina.internal\n}\n"));
        assert_eq!(without_zone(&with), KUBEADM);
    }

    #[test]
    fn adding_twice_keeps_one_block() {
        let twice = with_zone(&with_zone(KUBEADM, "a.kina.internal"), "a.kina.internal");
        assert_eq!(twice.matches("k8s_external").count(), 1);
        assert_eq!(twice, with_zone(KUBEADM, "a.kina.internal"));
    }

    #[test]
    fn a_corefile_without_a_final_newline_stays_valid() {
        let with = with_zone(KUBEADM.trim_end(), "a.kina.internal");
        assert!(with.contains("loadbalance\n}\n# kina names: begin"));
    }
}

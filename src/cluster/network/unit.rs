//! The unit that gives a node its fixed address at every boot: a systemd
//! oneshot before containerd and the kubelet, so a reboot of the VM (or of
//! the Mac) brings the address back before anything binds to it. The same
//! unit applies the runtime settings (images/node/runtime-settings.sh), so a
//! start needs no exec of its own for them. A kina-node image carries both
//! files (`node-address` in `/kina/image.json`): its init script writes the
//! address and enables the unit, in the exec that runs `kubeadm init`.

use crate::cluster::node_boot::RUNTIME_SETTINGS;
use crate::provider::{FixedAddress, NodeCommand};

pub(crate) const UNIT: &str = "kina-node-address.service";
pub(crate) const UNIT_FILE: &str = include_str!("../../../images/node/kina-node-address.service");
pub(crate) const ADDRESS_SCRIPT: &str = include_str!("../../../images/node/node-address.sh");

/// Where the node's `ADDRESS/PREFIX` lives, the one value the unit reads.
pub(crate) const ADDRESS_FILE: &str = "/kina/node-address";

/// Writes the address from stdin's first line, the scripts and the unit
/// (constants, in quoted here-documents), enables the unit for every later
/// boot and runs its two scripts now. `read` takes exactly one line, so the
/// rest of stdin is left for what follows.
fn install_script() -> String {
    format!(
        "set -e
mkdir -p /kina/bin
IFS= read -r address
printf '%s\\n' \"$address\" > {ADDRESS_FILE}
cat > /kina/bin/node-address.sh <<'KINA_EOF'
{ADDRESS_SCRIPT}KINA_EOF
cat > /kina/bin/runtime-settings.sh <<'KINA_EOF'
{RUNTIME_SETTINGS}KINA_EOF
cat > /etc/systemd/system/{UNIT} <<'KINA_EOF'
{UNIT_FILE}KINA_EOF
systemctl daemon-reload
systemctl enable {UNIT}
sh /kina/bin/node-address.sh
sh /kina/bin/runtime-settings.sh
"
    )
}

/// The one exec that installs the unit on a new node, with the address on
/// stdin; `then` is a constant script to run next and the rest of its stdin
/// (kindnet's conflist, on the first node).
pub(crate) fn install(fixed: &FixedAddress, then: Option<(&str, String)>) -> NodeCommand {
    let mut script = install_script();
    let mut stdin = format!("{}\n", fixed.with_prefix());
    if let Some((next, input)) = then {
        script.push_str(next);
        stdin.push_str(&input);
    }
    NodeCommand::new(["sh".to_string(), "-c".to_string(), script]).stdin(stdin)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_is_constant_and_the_address_travels_on_stdin() {
        let fixed = FixedAddress {
            network: "kina-dev".into(),
            subnet: "192.168.100.0/24".parse().unwrap(),
            address: "192.168.100.254".parse().unwrap(),
        };
        let command = install(&fixed, None);
        assert!(!command.argv[2].contains("192.168.100"), "no data in the script");
        assert_eq!(command.stdin.as_deref(), Some(&b"192.168.100.254/24\n"[..]));
        let with_conflist = install(&fixed, Some(("cat > /etc/cni/net.d/10-kindnet.conflist\n", "{}\n".into())));
        assert!(
            with_conflist.argv[2]
                .ends_with("sh /kina/bin/runtime-settings.sh\ncat > /etc/cni/net.d/10-kindnet.conflist\n")
        );
        assert_eq!(with_conflist.stdin.as_deref(), Some(&b"192.168.100.254/24\n{}\n"[..]));
        // Every here-document ends, and none of the embedded files can end one early.
        for file in [ADDRESS_SCRIPT, RUNTIME_SETTINGS, UNIT_FILE] {
            assert!(file.ends_with('\n') && !file.lines().any(|l| l == "KINA_EOF"));
        }
        assert_eq!(command.argv[2].matches("<<'KINA_EOF'").count(), 3);
    }

    #[test]
    fn the_unit_runs_before_containerd_and_the_kubelet_at_every_boot() {
        assert!(UNIT_FILE.contains("Before=containerd.service kubelet.service"));
        assert!(UNIT_FILE.contains("Type=oneshot") && UNIT_FILE.contains("WantedBy=multi-user.target"));
        assert!(RUNTIME_SETTINGS.contains("ethtool -K eth0 tso off gso off"), "TSO/GSO off between VMs");
    }
}

//! kubectl inside a control-plane node, with kubeadm's admin kubeconfig: the
//! one way kina talks to a cluster's API from inside (no kubectl on the Mac).

use crate::provider::NodeCommand;

/// The flag, as constant in-node scripts spell it.
pub(crate) const KUBECONFIG_FLAG: &str = "--kubeconfig=/etc/kubernetes/admin.conf";

/// `kubectl --kubeconfig=/etc/kubernetes/admin.conf ARGS…`.
pub(crate) fn kubectl<I, S>(args: I) -> NodeCommand
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let argv = ["kubectl", KUBECONFIG_FLAG].into_iter().map(str::to_string);
    NodeCommand::new(argv.chain(args.into_iter().map(|a| a.as_ref().to_string())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flag_names_the_admin_kubeconfig() {
        assert_eq!(KUBECONFIG_FLAG, format!("--kubeconfig={}", super::super::paths::ADMIN_CONF));
        assert_eq!(
            kubectl(["get", "nodes"]).argv,
            ["kubectl", "--kubeconfig=/etc/kubernetes/admin.conf", "get", "nodes"]
        );
    }
}

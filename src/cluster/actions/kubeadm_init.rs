use std::time::Duration;

use anyhow::Context as _;

use super::Context;
use crate::node::KUBECONFIG_FLAG;
use crate::node::paths::KUBEADM_CONF;
use crate::provider::{NodeCommand, NodeHandle, Provider};

const INIT_TIMEOUT: Duration = Duration::from_secs(600);

/// A single node is control plane and worker: let workloads schedule on it.
///
/// Then CoreDNS tuned for a single node: one replica (as minikube does,
/// https://github.com/kubernetes/minikube/pull/10656), and a readiness probe
/// every 2 s instead of the default 10 s, so DNS is ready sooner. These
/// two are best effort: a cluster whose kubeadm patches skipped CoreDNS has
/// nothing to tune.
const UNTAINT_SCRIPT: &str = "set -e
kubectl --kubeconfig=/etc/kubernetes/admin.conf taint nodes --all node-role.kubernetes.io/control-plane-
kubectl --kubeconfig=/etc/kubernetes/admin.conf label nodes --all node.kubernetes.io/exclude-from-external-load-balancers-
kubectl --kubeconfig=/etc/kubernetes/admin.conf -n kube-system scale deployment coredns --replicas=1 || true
kubectl --kubeconfig=/etc/kubernetes/admin.conf -n kube-system patch deployment coredns --type=json -p '[{\"op\":\"add\",\"path\":\"/spec/template/spec/containers/0/readinessProbe/periodSeconds\",\"value\":2}]' || true
";

/// `kubeadm init` on a kina-node image: kindnet's conflist (on stdin) first,
/// so the node is Ready as soon as it registers.
const INIT_WITH_CNI_CONFIG: &str = "set -e
mkdir -p /etc/cni/net.d
cat > /etc/cni/net.d/10-kindnet.conflist
kubeadm init --config=/kind/kubeadm.conf --skip-token-print --v=6
";

pub(super) async fn execute<P: Provider>(ctx: &mut Context<'_, P>) -> anyhow::Result<()> {
    let config_flag = format!("--config={KUBEADM_CONF}");
    let init = match ctx.conflist_at_init.take() {
        Some(conflist) => {
            debug_assert!(INIT_WITH_CNI_CONFIG.contains(&config_flag));
            NodeCommand::new(["sh", "-c", INIT_WITH_CNI_CONFIG]).stdin(conflist)
        }
        None => NodeCommand::new(["kubeadm", "init", config_flag.as_str(), "--skip-token-print", "--v=6"]),
    }
    .timeout(INIT_TIMEOUT);
    let node = ctx.bootstrap().name.clone();
    let output = ctx.provider.node(&node).run_checked(&init).await.context("failed to init node with kubeadm")?;
    tracing::trace!("kubeadm init output:\n{}", output.stdout);

    if ctx.nodes.len() > 1 {
        // With workers, workloads stay off the control plane, as in kind.
        return Ok(());
    }
    debug_assert!(UNTAINT_SCRIPT.contains(KUBECONFIG_FLAG));
    let untaint = NodeCommand::new(["sh", "-c", UNTAINT_SCRIPT]);
    ctx.provider.node(&node).run_checked(&untaint).await.context("failed to remove control plane taint")?;
    Ok(())
}

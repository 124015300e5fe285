//! `kubeadm join`: registers this node with a control plane in another (or the same) container.

use super::Ctx;
use super::dial::dial;
use super::kubeadm::{failure, fatal, flags_and_plan, node_preflight, preflight_failure};
use super::model::{CONTROL_PLANE_TAINT, KubeNode};
use crate::out::{Out, or_return};

pub fn join(ctx: &mut Ctx, args: &[String]) -> Out {
    let conflicting = [
        "token",
        "discovery-token",
        "tls-bootstrap-token",
        "discovery-token-ca-cert-hash",
        "node-name",
        "cri-socket",
        "apiserver-advertise-address",
        "apiserver-bind-port",
    ];
    let booleans = ["control-plane", "discovery-token-unsafe-skip-ca-verification", "dry-run"];
    let (flags, mut plan) = or_return!(flags_and_plan(ctx, args, &conflicting, &booleans));
    let fv = |k: &str| flags.values.get(k).cloned();
    plan.join_endpoint = plan.join_endpoint.or(flags.positionals.first().cloned());
    plan.token = plan.token.or(fv("token")).or(fv("discovery-token"));
    plan.ca_cert_hashes.extend(fv("discovery-token-ca-cert-hash"));
    plan.unsafe_skip_ca_verification |= flags.values.contains_key("discovery-token-unsafe-skip-ca-verification");
    plan.node_name = plan.node_name.or(fv("node-name"));
    plan.join_control_plane |= flags.values.contains_key("control-plane");
    plan.skip_phases
        .extend(fv("skip-phases").map(|s| s.split(',').map(str::to_string).collect::<Vec<_>>()).unwrap_or_default());
    plan.ignore_preflight.extend(
        fv("ignore-preflight-errors").map(|s| s.split(',').map(str::to_string).collect::<Vec<_>>()).unwrap_or_default(),
    );
    if let Err(why) = super::kubeadm_validate::validate(plan.node_name.as_deref(), None, None, None, None) {
        return failure(why);
    }
    let Some(endpoint) = plan.join_endpoint.clone() else {
        return failure("discovery: Invalid value: \"\": bootstrapToken or file must be set");
    };
    if plan.ca_cert_hashes.is_empty() && !plan.unsafe_skip_ca_verification {
        return failure(
            "discovery.bootstrapToken: Invalid value: \"\": using token-based discovery without caCertHashes can be unsafe. Set unsafeSkipCAVerification as true in your kubeadm config file or pass --discovery-token-unsafe-skip-ca-verification flag to continue",
        );
    }
    let mut out = Out::ok("[preflight] Running pre-flight checks\n");
    let mut errors = Vec::new();
    if ctx.node().cluster.is_some() || ctx.node().member_of.is_some() {
        errors.push("FileAvailable--etc-kubernetes-kubelet.conf]: /etc/kubernetes/kubelet.conf already exists".into());
    }
    node_preflight(ctx, &plan, &mut errors);
    if !errors.is_empty() {
        let f = preflight_failure(&errors);
        return out.with_stderr(f.stderr).exit(1);
    }
    let server = format!("https://{endpoint}");
    let cp_id = match dial(ctx.state, &ctx.id, &server) {
        Ok(id) => id,
        Err(e) => {
            let f = failure(format!(
                "error execution phase preflight: couldn't validate the identity of the API Server: failed to request the cluster-info ConfigMap: Get \"{server}/api/v1/namespaces/kube-public/configmaps/cluster-info?timeout=10s\": {}",
                e.raw()
            ));
            return out.with_stderr(f.stderr).exit(1);
        }
    };
    let cluster = ctx.state.containers[&cp_id].node.cluster.clone().expect("dial found a control plane");
    if plan.token.as_deref() != Some(cluster.token.as_str()) {
        let id = plan.token.as_deref().unwrap_or_default().split('.').next().unwrap_or_default().to_string();
        let f = failure(format!(
            "error execution phase preflight: couldn't validate the identity of the API Server: could not find a JWS signature in the cluster-info ConfigMap for token ID {id:?}"
        ));
        return out.with_stderr(f.stderr).exit(1);
    }
    let pinned = format!("sha256:{}", super::kubeadm_ops::ca_hash_of(ctx, &cp_id));
    if !plan.unsafe_skip_ca_verification && !plan.ca_cert_hashes.contains(&pinned) {
        let f = failure(format!(
            "error execution phase preflight: couldn't validate the identity of the API Server: cluster CA found in cluster-info ConfigMap is invalid: none of the public keys \"{pinned}\" are pinned"
        ));
        return out.with_stderr(f.stderr).exit(1);
    }
    // Discovery returns cluster-info's kubeconfig: from here on kubeadm and the
    // kubelet's TLS bootstrap talk to the server written there, not to `endpoint`.
    let bootstrap_server = super::objects::cluster_info_server(&cluster).unwrap_or_else(|| server.clone());
    if let Err(e) = dial(ctx.state, &ctx.id, &bootstrap_server) {
        let f = failure(format!(
            "error execution phase preflight: unable to fetch the kubeadm-config ConfigMap: failed to get config map: Get \"{bootstrap_server}/api/v1/namespaces/kube-system/configmaps/kubeadm-config?timeout=10s\": {}",
            e.raw()
        ));
        return out.with_stderr(f.stderr).exit(1);
    }
    if plan.join_control_plane
        && ctx.node().read("/etc/kubernetes/pki/ca.crt").is_none()
        && fatal(&plan, "ControlPlaneCerts")
    {
        let f = failure(
            "error execution phase preflight: \nOne or more conditions for hosting a new control plane instance is not satisfied.\n\n[failure loading certificate for CA: couldn't load the certificate file /etc/kubernetes/pki/ca.crt: open /etc/kubernetes/pki/ca.crt: no such file or directory]\n\nPlease ensure that:\n* The cluster has a stable controlPlaneEndpoint address.\n* The certificates that must be shared among control plane instances are provided.",
        );
        return out.with_stderr(f.stderr).exit(1);
    }
    let node_name = plan.node_name.clone().unwrap_or_else(|| ctx.container().hostname.clone());
    if cluster.nodes.iter().any(|n| n.name == node_name && n.container != ctx.id) {
        let f = failure(format!(
            "error execution phase kubelet-start: a Node with name {node_name:?} and status \"Ready\" already exists in the cluster. You must delete the existing Node or change the name of this new joining Node"
        ));
        return out.with_stderr(f.stderr).exit(1);
    }
    if super::programs::cri_error(ctx.node()).is_some() {
        out.stdout.push_str(
            "[preflight] Reading configuration from the \"kubeadm-config\" ConfigMap in namespace \"kube-system\"...\n\
             [kubelet-start] Writing kubelet configuration to file \"/var/lib/kubelet/config.yaml\"\n\
             [kubelet-start] Starting the kubelet\n",
        );
        return super::kubeadm::kubelet_failure(&mut out, "kubelet-start");
    }
    let ca = ctx.state.containers[&cp_id].node.read("/etc/kubernetes/pki/ca.crt").cloned().unwrap_or_default();
    let my_id = ctx.id.clone();
    super::pki::write_worker(ctx.node(), &cluster.name, &bootstrap_server, &ca, &node_name, plan.node_ip.as_deref());
    ctx.node().member_of = Some(cp_id.clone());
    ctx.node().start_kubelet();
    let mut labels: std::collections::BTreeMap<String, String> = plan.extra_node_labels().into_iter().collect();
    let mut taints = vec![];
    if plan.join_control_plane {
        labels.insert("node-role.kubernetes.io/control-plane".to_string(), String::new());
        labels.insert("node.kubernetes.io/exclude-from-external-load-balancers".to_string(), String::new());
        taints.push(CONTROL_PLANE_TAINT.to_string());
    }
    let cp = ctx.state.containers.get_mut(&cp_id).unwrap().node.cluster.as_mut().unwrap();
    cp.nodes.retain(|n| n.container != my_id);
    cp.nodes.push(KubeNode {
        name: node_name.clone(),
        container: my_id,
        labels,
        taints,
        control_plane: plan.join_control_plane,
    });
    // The API server lists objects in key order, i.e. by name.
    cp.nodes.sort_by(|a, b| a.name.cmp(&b.name));
    out.stdout.push_str(&format!(
        "[preflight] Reading configuration from the \"kubeadm-config\" ConfigMap in namespace \"kube-system\"...\n\
         [kubelet-start] Writing kubelet configuration to file \"/var/lib/kubelet/config.yaml\"\n\
         [kubelet-start] Starting the kubelet\n\
         [kubelet-start] Waiting for the kubelet to perform the TLS Bootstrap\n\n\
         This node has joined the cluster:\n\
         * Certificate signing request was sent to apiserver and a response was received.\n\
         * The Kubelet was informed of the new secure connection details.\n\n\
         Run 'kubectl get nodes' on the control-plane to see this node ({node_name}) join the cluster.\n"
    ));
    out
}

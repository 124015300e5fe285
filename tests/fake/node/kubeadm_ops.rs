//! The smaller kubeadm subcommands: version, token create, reset, init phase certs.

use super::Ctx;
use super::kubeadm::{failure, load_plan, parse_flags};
use crate::out::{Out, or_return};

pub(super) fn version(ctx: &mut Ctx, args: &[String]) -> Out {
    let v = ctx.node().k8s_version();
    let flags = or_return!(parse_flags(args, &["output", "o"], &[]));
    match flags.values.get("output").or(flags.values.get("o")).map(String::as_str) {
        Some("short") => Out::lines(&[v]),
        Some("json") => Out::ok(format!(
            "{{\n  \"clientVersion\": {{\n    \"gitVersion\": \"{v}\",\n    \"platform\": \"linux/arm64\"\n  }}\n}}\n"
        )),
        _ => Out::lines(&[format!(
            "kubeadm version: &version.Info{{GitVersion:\"{v}\", GoVersion:\"go1.25.5\", Compiler:\"gc\", Platform:\"linux/arm64\"}}"
        )]),
    }
}

/// A stable fake of the CA public key hash for join commands.
pub fn ca_hash(ctx: &mut Ctx) -> String {
    let id = ctx.id.clone();
    ca_hash_of(ctx, &id)
}

/// The hash `kubeadm token create --print-join-command` prints for a control plane's CA.
pub fn ca_hash_of(ctx: &Ctx, container: &str) -> String {
    let ca = ctx.state.containers.get(container).and_then(|c| c.node.read("/etc/kubernetes/pki/ca.crt").cloned());
    crate::util::stable_hex(&ca.unwrap_or_default(), 64)
}

pub(super) fn token(ctx: &mut Ctx, args: &[String]) -> Out {
    let flags = or_return!(parse_flags(args, &["kubeconfig", "ttl", "description"], &["print-join-command"]));
    if flags.positionals.first().map(String::as_str) != Some("create") {
        return failure("the fake kubeadm only emulates 'kubeadm token create'");
    }
    let path = flags.values.get("kubeconfig").cloned().unwrap_or_else(|| "/etc/kubernetes/admin.conf".into());
    let Some(text) = ctx.node().read(&path).cloned() else {
        return failure(format!("failed to load admin kubeconfig: open {path}: no such file or directory"));
    };
    let server = match super::dial::kubeconfig_server(&text) {
        Ok(s) => s,
        Err(e) => return failure(format!("failed to load admin kubeconfig: {e}")),
    };
    // The token is a Secret created through the API server the kubeconfig names.
    let cp = match super::dial::dial(ctx.state, &ctx.id, &server) {
        Ok(cp) => cp,
        Err(e) => {
            let id = ctx.node().cluster.as_ref().map(|c| c.token.clone()).unwrap_or_default();
            let id = id.split('.').next().unwrap_or_default().to_string();
            return failure(format!(
                "failed to create or update bootstrap token with name bootstrap-token-{id}: unable to create Secret: Post \"{server}/api/v1/namespaces/kube-system/secrets?timeout=10s\": {}",
                e.raw()
            ));
        }
    };
    let cluster = ctx.state.containers[&cp].node.cluster.clone().expect("dial found a control plane");
    if flags.values.contains_key("print-join-command") {
        // The join command names the server of the kubeconfig used.
        let target = server.trim_start_matches("https://").to_string();
        return Out::lines(&[format!(
            "kubeadm join {target} --token {} --discovery-token-ca-cert-hash sha256:{} ",
            cluster.token,
            ca_hash_of(ctx, &cp)
        )]);
    }
    Out::lines(&[cluster.token])
}

pub(super) fn reset(ctx: &mut Ctx, args: &[String]) -> Out {
    let flags = or_return!(parse_flags(
        args,
        &["cri-socket", "ignore-preflight-errors", "kubeconfig"],
        &["force", "cleanup-tmp-dir"]
    ));
    if !flags.values.contains_key("force") && !flags.values.contains_key("f") {
        return failure(
            "[reset] Are you sure you want to proceed? [y/N]: aborted reset operation (the fake needs --force)",
        );
    }
    let node = ctx.node();
    node.cluster = None;
    node.member_of = None;
    node.kubelet_server = None;
    node.files.retain(|k, _| !k.starts_with("/etc/kubernetes/") && !k.starts_with("/var/lib/kubelet/"));
    Out::ok(
        "[reset] Deleted contents of the etcd data directory: /var/lib/etcd\n[reset] Stopping the kubelet service\n[reset] Unmounting mounted directories in \"/var/lib/kubelet\"\n[reset] Deleting contents of directories: [/etc/kubernetes/manifests /var/lib/kubelet /etc/kubernetes/pki]\n",
    )
}

const PKI: &str = "/etc/kubernetes/pki";

/// `kubeadm init phase certs apiserver [--config <file>]`: like kubeadm, keeps an
/// existing certificate if it covers every wanted SAN, fails if it does not, and
/// issues a new one only when neither `apiserver.crt` nor `apiserver.key` exists.
pub(super) fn phase(ctx: &mut Ctx, args: &[String]) -> Out {
    if args.first().map(String::as_str) != Some("certs") || args.get(1).map(String::as_str) != Some("apiserver") {
        return failure("the fake kubeadm only emulates 'kubeadm init phase certs apiserver'");
    }
    let flags = or_return!(parse_flags(
        &args[2..],
        &[
            "config",
            "apiserver-advertise-address",
            "apiserver-cert-extra-sans",
            "cert-dir",
            "service-cidr",
            "service-dns-domain",
            "control-plane-endpoint",
            "kubernetes-version"
        ],
        &["dry-run"],
    ));
    let plan = or_return!(load_plan(ctx, &flags));
    let phase_failure = |msg: &str| failure(format!("error execution phase certs/apiserver: {msg}"));
    let Some(cluster) = ctx.node().cluster.clone() else {
        return phase_failure(&format!("couldn't load CA certificate ca: {}", super::boot::NO_CA));
    };
    let advertise = plan
        .advertise
        .clone()
        .or(flags.values.get("apiserver-advertise-address").cloned())
        .or(ctx.container().ip())
        .unwrap_or_default();
    let mut extra = plan.cert_sans.clone();
    extra.extend(
        flags
            .values
            .get("apiserver-cert-extra-sans")
            .map(|v| v.split(',').map(str::to_string).collect::<Vec<_>>())
            .unwrap_or_default(),
    );
    let node = ctx.node();
    let has_crt = node.read(&format!("{PKI}/apiserver.crt")).is_some();
    let has_key = node.read(&format!("{PKI}/apiserver.key")).is_some();
    if has_crt || has_key {
        if !has_key {
            return phase_failure(&format!(
                "failure loading apiserver key: couldn't load the private key file {PKI}/apiserver.key: open {PKI}/apiserver.key: no such file or directory"
            ));
        }
        if !has_crt {
            return phase_failure(&format!(
                "failure loading apiserver certificate: couldn't load the certificate file {PKI}/apiserver.crt: open {PKI}/apiserver.crt: no such file or directory"
            ));
        }
        let wanted = super::boot::apiserver_sans(&cluster, &advertise, &extra);
        let (names, ips): (Vec<&String>, Vec<&String>) = wanted.iter().partition(|s| !crate::util::is_ipv4(s));
        if let Some(missing) = names.into_iter().chain(ips).find(|s| !cluster.cert_sans.contains(s)) {
            let is_ip = crate::util::is_ipv4(missing);
            let valid: Vec<&str> =
                cluster.cert_sans.iter().filter(|s| crate::util::is_ipv4(s) == is_ip).map(String::as_str).collect();
            return phase_failure(&format!(
                "certificate apiserver is invalid: x509: certificate is valid for {}, not {missing}",
                valid.join(", ")
            ));
        }
        return Out::lines(&["[certs] Using the existing \"apiserver\" certificate and key"]);
    }
    match super::boot::reissue_apiserver_cert(node, Some(&advertise), &extra) {
        Ok(sans) => {
            let (names, ips) = super::boot::describe_sans(&sans);
            Out::lines(&[
                "[certs] Generating \"apiserver\" certificate and key".to_string(),
                format!("[certs] apiserver serving cert is signed for DNS names [{names}] and IPs [{ips}]"),
            ])
        }
        Err(e) => phase_failure(&e),
    }
}

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
    let Some(cluster) = ctx.node().cluster.clone() else {
        return failure("failed to load admin kubeconfig: open /etc/kubernetes/admin.conf: no such file or directory");
    };
    if flags.values.contains_key("print-join-command") {
        let target = cluster.server().trim_start_matches("https://").to_string();
        return Out::lines(&[format!(
            "kubeadm join {target} --token {} --discovery-token-ca-cert-hash sha256:{} ",
            cluster.token,
            ca_hash(ctx)
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
    node.files.retain(|k, _| !k.starts_with("/etc/kubernetes/") && !k.starts_with("/var/lib/kubelet/"));
    Out::ok(
        "[reset] Deleted contents of the etcd data directory: /var/lib/etcd\n[reset] Stopping the kubelet service\n[reset] Unmounting mounted directories in \"/var/lib/kubelet\"\n[reset] Deleting contents of directories: [/etc/kubernetes/manifests /var/lib/kubelet /etc/kubernetes/pki]\n",
    )
}

/// `kubeadm init phase certs apiserver --config <file>`: re-issues the serving cert.
pub(super) fn phase(ctx: &mut Ctx, args: &[String]) -> Out {
    if args.first().map(String::as_str) != Some("certs") || args.get(1).map(String::as_str) != Some("apiserver") {
        return failure("the fake kubeadm only emulates 'kubeadm init phase certs apiserver'");
    }
    let flags = or_return!(parse_flags(
        &args[2..],
        &["config", "apiserver-advertise-address", "apiserver-cert-extra-sans", "cert-dir"],
        &[],
    ));
    let plan = or_return!(load_plan(ctx, &flags, &["apiserver-advertise-address"]));
    let advertise =
        plan.advertise.or(flags.values.get("apiserver-advertise-address").cloned()).or(ctx.container().ip());
    match super::boot::reissue_apiserver_cert(ctx.node(), advertise.as_deref(), &plan.cert_sans) {
        Ok(()) => Out::lines(&["[certs] Generating \"apiserver\" certificate and key"]),
        Err(e) => failure(e),
    }
}

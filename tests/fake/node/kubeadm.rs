//! The emulated `kubeadm`: version, init, join, token create, reset, init phase certs.

use super::Ctx;
use super::kubeadm_config::{Plan, first_ip, parse};
use super::kubeadm_ops as ops;
use super::model::{CONTROL_PLANE_TAINT, Cluster, KubeNode};
use super::pki;
use crate::out::{Out, or_return};
use std::collections::BTreeMap;

const STACK_HINT: &str = "To see the stack trace of this error execute with --v=5 or higher";
const FIXED_TOKEN: &str = "abcdef.0123456789abcdef";

/// Cobra-style flags: `--name=value`, `--name value`, booleans.
pub(super) struct Flags {
    pub values: BTreeMap<String, String>,
    pub positionals: Vec<String>,
}

/// Parses `args`; an unknown or incomplete flag is the kubeadm failure it prints.
pub(super) fn parse_flags(args: &[String], with_value: &[&str], booleans: &[&str]) -> Result<Flags, Out> {
    let mut f = Flags { values: BTreeMap::new(), positionals: vec![] };
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        if let Some(body) = a.strip_prefix("--").or_else(|| a.strip_prefix('-').filter(|b| b.len() == 1)) {
            let (name, inline) = match body.split_once('=') {
                Some((n, v)) => (n.to_string(), Some(v.to_string())),
                None => (body.to_string(), None),
            };
            if with_value.contains(&name.as_str()) || name == "v" {
                let value = match inline {
                    Some(v) => v,
                    None => {
                        i += 1;
                        args.get(i).cloned().ok_or_else(|| failure(format!("flag needs an argument: --{name}")))?
                    }
                };
                f.values.insert(name, value);
            } else if booleans.contains(&name.as_str()) || name == "f" {
                f.values.insert(name, inline.unwrap_or_else(|| "true".into()));
            } else {
                return Err(failure(format!("unknown flag: {}", a.split('=').next().unwrap())));
            }
        } else {
            f.positionals.push(a.clone());
        }
        i += 1;
    }
    Ok(f)
}

pub(super) fn failure(msg: impl AsRef<str>) -> Out {
    Out::fail(1, format!("{}\n{STACK_HINT}", msg.as_ref()))
}

pub(super) fn preflight_failure(errors: &[String]) -> Out {
    let mut text = "error execution phase preflight: [preflight] Some fatal errors occurred:\n".to_string();
    for e in errors {
        text.push_str(&format!("\t[ERROR {e}\n"));
    }
    text.push_str("[preflight] If you know what you are doing, you can make a check non-fatal with `--ignore-preflight-errors=...`");
    failure(text)
}

pub fn program(ctx: &mut Ctx, args: &[String]) -> Out {
    let rest = args.get(1..).unwrap_or_default();
    match args.first().map(String::as_str) {
        Some("version") => ops::version(ctx, rest),
        Some("init") if rest.first().is_some_and(|a| a == "phase") => ops::phase(ctx, &rest[1..]),
        Some("init") => init(ctx, rest),
        Some("join") => super::kubeadm_join::join(ctx, rest),
        Some("token") => ops::token(ctx, rest),
        Some("reset") => ops::reset(ctx, rest),
        Some(other) => Out::fail(1, format!("unknown command \"{other}\" for \"kubeadm\"\n{STACK_HINT}")),
        None => {
            Out::ok("kubeadm: easily bootstrap a secure Kubernetes cluster (fake)\n\nUsage:\n  kubeadm [command]\n")
        }
    }
}

/// Reads `--config` if given; flags that conflict with it are refused like kubeadm.
pub(super) fn load_plan(ctx: &mut Ctx, flags: &Flags) -> Result<Plan, Out> {
    let Some(path) = flags.values.get("config") else { return Ok(Plan::default()) };
    // pflag visits the flags that were set in name order.
    let mixed: Vec<&str> =
        flags.values.keys().map(String::as_str).filter(|f| !super::kubeadm_validate::allowed_with_config(f)).collect();
    if !mixed.is_empty() {
        return Err(failure(format!("can not mix '--config' with arguments [{}]", mixed.join(" "))));
    }
    let Some(text) = ctx.node().read(path).cloned() else {
        return Err(failure(format!("unable to read config from \"{path}\" : open {path}: no such file or directory")));
    };
    let version = ctx.node().k8s_version();
    parse(&text, &version).map_err(failure)
}

/// `init`/`join` flags: the `conflicting` ones, the value flags both share and
/// `booleans`; then the `--config` plan.
pub(super) fn flags_and_plan(
    ctx: &mut Ctx,
    args: &[String],
    conflicting: &[&str],
    booleans: &[&str],
) -> Result<(Flags, Plan), Out> {
    let mut with_value = conflicting.to_vec();
    with_value.extend(["config", "skip-phases", "ignore-preflight-errors", "certificate-key"]);
    let flags = parse_flags(args, &with_value, booleans)?;
    let plan = load_plan(ctx, &flags)?;
    Ok((flags, plan))
}

fn list(v: Option<&String>) -> Vec<String> {
    v.map(|s| s.split(',').map(|x| x.trim().to_string()).filter(|x| !x.is_empty()).collect()).unwrap_or_default()
}

/// Whether a preflight check named `check` would run and fail fatally.
pub fn fatal(plan: &Plan, check: &str) -> bool {
    let skipped = plan.skip_phases.iter().any(|p| p == "preflight");
    let ignored = plan.ignore_preflight.iter().any(|i| i.eq_ignore_ascii_case("all") || i.eq_ignore_ascii_case(check));
    !skipped && !ignored
}

/// Preflight problems every node has before kubeadm can run.
pub fn node_preflight(ctx: &mut Ctx, plan: &Plan, errors: &mut Vec<String>) {
    if ctx.node().boot_polls_left > 0 {
        errors.push("CRI]: could not connect to the container runtime: validate service connection: dial unix /run/containerd/containerd.sock: connect: no such file or directory".into());
    }
    let forward = ctx.node().sysctls.get("net.ipv4.ip_forward").cloned().unwrap_or_else(|| "0".into());
    if forward != "1" && fatal(plan, "FileContent--proc-sys-net-ipv4-ip_forward") {
        errors.push(
            "FileContent--proc-sys-net-ipv4-ip_forward]: /proc/sys/net/ipv4/ip_forward contents are not set to 1"
                .into(),
        );
    }
}

fn same_version(a: &str, b: &str) -> bool {
    a.trim_start_matches('v') == b.trim_start_matches('v')
}

/// kubeadm waiting for a kubelet that exited at start (containerd served it no CRI):
/// kubeadm's `WaitForKubelet` message, in `phase`.
pub(super) fn kubelet_failure(out: &mut Out, phase: &str) -> Out {
    out.stdout.push_str(
        "[kubelet-check] Waiting for a healthy kubelet at http://127.0.0.1:10248/healthz. This can take up to 4m0s\n\
         [kubelet-check] The kubelet is not healthy after 4m0.000412s\n\n\
         Unfortunately, an error has occurred, likely caused by:\n\
         \t- The kubelet is not running\n\
         \t- The kubelet is unhealthy due to a misconfiguration of the node in some way (required cgroups disabled)\n\n\
         If you are on a systemd-powered system, you can try to troubleshoot the error with the following commands:\n\
         \t- 'systemctl status kubelet'\n\
         \t- 'journalctl -xeu kubelet'\n",
    );
    let err = failure(format!(
        "error execution phase {phase}: failed while waiting for the kubelet to start: The HTTP call equal to 'curl -sSL http://127.0.0.1:10248/healthz' returned error: Get \"http://127.0.0.1:10248/healthz\": dial tcp 127.0.0.1:10248: connect: connection refused"
    ));
    std::mem::take(out).with_stderr(err.stderr).exit(1)
}

fn wait_control_plane_failure(out: &mut Out, addr: &str, port: u16, why: &str) -> Out {
    out.stdout.push_str(&format!(
        "[wait-control-plane] Waiting for the kubelet to boot up the control plane as static Pods from directory \"/etc/kubernetes/manifests\"\n\
         [kubelet-check] Waiting for a healthy kubelet at http://127.0.0.1:10248/healthz. This can take up to 4m0s\n\
         [kubelet-check] The kubelet is healthy after 1.002s\n\
         [control-plane-check] Waiting for healthy control plane components. This can take up to 4m0s\n\
         [control-plane-check] Checking kube-apiserver at https://{addr}:{port}/livez\n\
         [control-plane-check] kube-apiserver is not healthy after 4m0.001s\n\n\
         A control plane component may have crashed or exited when started by the container runtime.\n\
         To troubleshoot, list all containers using your preferred container runtimes CLI.\n"
    ));
    let err = failure(format!(
        "error execution phase wait-control-plane: failed while waiting for the control plane to start: kube-apiserver check failed at https://{addr}:{port}/livez: {why}"
    ));
    std::mem::take(out).with_stderr(err.stderr).exit(1)
}

fn init(ctx: &mut Ctx, args: &[String]) -> Out {
    let conflicting = [
        "kubernetes-version",
        "pod-network-cidr",
        "service-cidr",
        "apiserver-advertise-address",
        "apiserver-bind-port",
        "apiserver-cert-extra-sans",
        "node-name",
        "control-plane-endpoint",
        "cri-socket",
        "token",
    ];
    let booleans = ["skip-token-print", "upload-certs", "dry-run", "skip-certificate-key-print"];
    let (flags, mut plan) = or_return!(flags_and_plan(ctx, args, &conflicting, &booleans));
    let fv = |k: &str| flags.values.get(k).cloned();
    plan.k8s_version = plan.k8s_version.or(fv("kubernetes-version"));
    plan.pod_subnet = plan.pod_subnet.or(fv("pod-network-cidr"));
    plan.service_subnet = plan.service_subnet.or(fv("service-cidr"));
    plan.advertise = plan.advertise.or(fv("apiserver-advertise-address"));
    plan.bind_port = plan.bind_port.or(fv("apiserver-bind-port").and_then(|p| p.parse().ok()));
    plan.node_name = plan.node_name.or(fv("node-name"));
    plan.endpoint = plan.endpoint.or(fv("control-plane-endpoint"));
    plan.token = plan.token.or(fv("token"));
    plan.cert_sans.extend(list(flags.values.get("apiserver-cert-extra-sans")));
    plan.skip_phases.extend(list(flags.values.get("skip-phases")));
    plan.ignore_preflight.extend(list(flags.values.get("ignore-preflight-errors")));
    let checked = super::kubeadm_validate::validate(
        plan.node_name.as_deref(),
        plan.pod_subnet.as_deref(),
        plan.service_subnet.as_deref(),
        plan.advertise.as_deref(),
        plan.node_cidr_mask.as_deref(),
    );
    let mut out = Out::default();
    for w in &plan.warnings {
        out.stderr.push_str(&format!("{w}\n"));
    }
    if let Err(why) = checked {
        return out.with_stderr(failure(why).stderr).exit(1);
    }
    let node_version = ctx.node().k8s_version();
    let version = plan.k8s_version.clone().unwrap_or_else(|| node_version.clone());
    let ip = ctx.container().ip().unwrap_or_default();
    let advertise = plan.advertise.clone().unwrap_or_else(|| ip.clone());
    let port = plan.bind_port.unwrap_or(6443);
    out.stdout
        .push_str(&format!("[init] Using Kubernetes version: {version}\n[preflight] Running pre-flight checks\n"));

    let mut errors = Vec::new();
    if ctx.node().cluster.is_some() || ctx.node().member_of.is_some() {
        errors.push(format!("Port-{port}]: Port {port} is in use"));
        errors.push("FileAvailable--etc-kubernetes-manifests-kube-apiserver.yaml]: /etc/kubernetes/manifests/kube-apiserver.yaml already exists".into());
    }
    node_preflight(ctx, &plan, &mut errors);
    let wrong_version = !same_version(&version, &node_version);
    if wrong_version && fatal(&plan, "ImagePull") {
        for component in ["kube-apiserver", "kube-controller-manager", "kube-scheduler", "kube-proxy"] {
            errors.push(format!(
                "ImagePull]: failed to pull image registry.k8s.io/{component}:{version}: failed to pull image \"registry.k8s.io/{component}:{version}\": rpc error: code = Unknown desc = failed to resolve reference \"registry.k8s.io/{component}:{version}\": dial tcp: lookup registry.k8s.io: i/o timeout"
            ));
        }
    }
    if !errors.is_empty() {
        if wrong_version {
            out.stdout.push_str("[preflight] Pulling images required for setting up a Kubernetes cluster\n");
        }
        let fail = preflight_failure(&errors);
        return out.with_stderr(fail.stderr).exit(1);
    }
    out.stdout.push_str("[preflight] Pulling images required for setting up a Kubernetes cluster\n[preflight] This might take a minute or two, depending on the speed of your internet connection\n");
    let node_name = plan.node_name.clone().unwrap_or_else(|| ctx.container().hostname.clone());
    let name = plan.cluster_name.clone().unwrap_or_else(|| "kubernetes".into());
    let service_subnet = plan.service_subnet.clone().unwrap_or_else(|| "10.96.0.0/12".into());
    let mut sans: Vec<String> =
        ["kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"]
            .map(String::from)
            .to_vec();
    sans.push(node_name.clone());
    sans.push(first_ip(&service_subnet));
    sans.push(advertise.clone());
    sans.extend(plan.cert_sans.iter().cloned());
    if let Some(e) = &plan.endpoint {
        sans.push(e.rsplit_once(':').map(|(h, _)| h.to_string()).unwrap_or(e.clone()));
    }
    sans.dedup();
    out.stdout.push_str(&format!(
        "[certs] Using certificateDir folder \"/etc/kubernetes/pki\"\n[certs] Generating \"ca\" certificate and key\n[certs] Generating \"apiserver\" certificate and key\n[certs] apiserver serving cert is signed for DNS names [{}] and IPs [{}]\n",
        super::boot::describe_sans(&sans).0,
        super::boot::describe_sans(&sans).1
    ));
    out.stdout.push_str("[kubeconfig] Using kubeconfig folder \"/etc/kubernetes\"\n[kubeconfig] Writing \"admin.conf\" kubeconfig file\n[kubeconfig] Writing \"super-admin.conf\" kubeconfig file\n[kubeconfig] Writing \"kubelet.conf\" kubeconfig file\n[kubeconfig] Writing \"controller-manager.conf\" kubeconfig file\n[kubeconfig] Writing \"scheduler.conf\" kubeconfig file\n");
    out.stdout.push_str("[etcd] Creating static Pod manifest for local etcd in \"/etc/kubernetes/manifests\"\n[control-plane] Using manifest folder \"/etc/kubernetes/manifests\"\n[control-plane] Creating static Pod manifest for \"kube-apiserver\"\n[control-plane] Creating static Pod manifest for \"kube-controller-manager\"\n[control-plane] Creating static Pod manifest for \"kube-scheduler\"\n[kubelet-start] Writing kubelet configuration to file \"/var/lib/kubelet/config.yaml\"\n[kubelet-start] Starting the kubelet\n");
    if super::programs::cri_error(ctx.node()).is_some() {
        out.stdout.push_str("[wait-control-plane] Waiting for the kubelet to boot up the control plane as static Pods from directory \"/etc/kubernetes/manifests\"\n");
        return kubelet_failure(&mut out, "wait-control-plane");
    }
    if wrong_version {
        return wait_control_plane_failure(
            &mut out,
            &advertise,
            port,
            &format!(
                "Get \"https://{advertise}:{port}/livez?timeout=10s\": dial tcp {advertise}:{port}: connect: connection refused (image registry.k8s.io/kube-apiserver:{version} could not be pulled)"
            ),
        );
    }
    // etcd and the API server bind the advertise address: the VM must have it.
    let has_advertise = {
        let c = ctx.container().clone();
        ctx.state.addresses(&c).iter().any(|(_, a)| *a == advertise)
    };
    if !has_advertise {
        return wait_control_plane_failure(
            &mut out,
            &advertise,
            port,
            &format!(
                "Get \"https://{advertise}:{port}/livez?timeout=10s\": dial tcp {advertise}:{port}: connect: no route to host"
            ),
        );
    }
    let token = plan.token.clone().unwrap_or_else(|| FIXED_TOKEN.to_string());
    let id = ctx.id.clone();
    let mut cluster = Cluster {
        name,
        version: node_version,
        node_name: node_name.clone(),
        advertise: advertise.clone(),
        bind_port: port,
        endpoint: plan.endpoint.clone(),
        pod_subnet: plan.pod_subnet.clone(),
        service_subnet,
        cert_sans: sans,
        nodes: vec![KubeNode {
            name: node_name.clone(),
            container: id,
            labels: [
                ("node-role.kubernetes.io/control-plane", ""),
                ("node.kubernetes.io/exclude-from-external-load-balancers", ""),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .chain(plan.extra_node_labels())
            .collect(),
            taints: vec![CONTROL_PLANE_TAINT.into()],
            control_plane: true,
        }],
        objects: vec![],
        allocated: 0,
        lb_seen: None,
        token: token.clone(),
        revision: 0,
    };
    pki::write_control_plane(ctx.node(), &cluster, plan.node_ip.as_deref());
    ctx.node().start_kubelet();
    let skipped = |phase: &str| plan.skip_phases.iter().any(|p| p == "addon" || p == phase);
    let ca = ctx.node().read("/etc/kubernetes/pki/ca.crt").cloned().unwrap_or_default();
    let kube_proxy = (!skipped("addon/kube-proxy")).then_some(plan.kube_proxy.as_ref());
    super::objects::kubeadm_objects(&mut cluster, &ca, kube_proxy);
    let join_target = cluster.server().trim_start_matches("https://").to_string();
    ctx.node().cluster = Some(cluster);
    let mut addons = String::new();
    if !skipped("addon/coredns") {
        addons.push_str("[addons] Applied essential addon: CoreDNS\n");
    }
    if !skipped("addon/kube-proxy") {
        addons.push_str("[addons] Applied essential addon: kube-proxy\n");
    }
    out.stdout.push_str(&format!(
        "[wait-control-plane] Waiting for the kubelet to boot up the control plane as static Pods from directory \"/etc/kubernetes/manifests\"\n\
         [kubelet-check] The kubelet is healthy after 1.001s\n[control-plane-check] kube-apiserver is healthy after 9.5s\n\
         [upload-config] Storing the configuration used in ConfigMap \"kubeadm-config\" in the \"kube-system\" Namespace\n\
         [mark-control-plane] Marking the node {node_name} as control-plane by adding the labels: [node-role.kubernetes.io/control-plane node.kubernetes.io/exclude-from-external-load-balancers]\n\
         [mark-control-plane] Marking the node {node_name} as control-plane by adding the taints [{CONTROL_PLANE_TAINT}]\n\
         [bootstrap-token] Using token: {token}\n\
         {addons}\n\
         Your Kubernetes control-plane has initialized successfully!\n\n\
         To start using your cluster, you need to run the following as a regular user:\n\n  mkdir -p $HOME/.kube\n  sudo cp -i /etc/kubernetes/admin.conf $HOME/.kube/config\n  sudo chown $(id -u):$(id -g) $HOME/.kube/config\n\n"
    ));
    if !flags.values.contains_key("skip-token-print") {
        out.stdout.push_str(&format!(
            "Then you can join any number of worker nodes by running the following on each as root:\n\nkubeadm join {join_target} --token {token} \\\n\t--discovery-token-ca-cert-hash sha256:{}\n",
            ops::ca_hash(ctx)
        ));
    }
    out
}

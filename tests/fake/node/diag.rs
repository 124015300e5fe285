//! What a node answers to the diagnostics `kina export logs` collects:
//! `journalctl`, `crictl`, `find`, and the pod logs the kubelet writes.

use super::Ctx;
use super::model::Node;
use super::urfave::{self, Flag, boolean, value};
use crate::out::Out;

/// The static pods `kubeadm init` starts, with the log files the kubelet
/// writes for them (`/var/log/pods/...` and the `/var/log/containers` links,
/// stored here as copies).
pub fn write_pod_logs(node: &mut Node, node_name: &str) {
    for component in ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"] {
        let pod = format!("kube-system_{component}-{node_name}_0123456789abcdef");
        let text = format!(
            "2026-08-07T20:15:10.000000000Z stderr F I0807 20:15:10.000000 1 server.go:1] {component} started\n"
        );
        let _ = node.mkdir_all(&format!("/var/log/pods/{pod}/{component}"));
        let _ = node.write(&format!("/var/log/pods/{pod}/{component}/0.log"), &text, false);
        let _ = node.mkdir_all("/var/log/containers");
        let _ = node.write(
            &format!("/var/log/containers/{component}-{node_name}_kube-system_{component}-0123.log"),
            &text,
            false,
        );
    }
}

/// `journalctl --no-pager [-u UNIT[.service]]`.
pub fn journalctl(ctx: &mut Ctx, args: &[String]) -> Out {
    let parsed = match super::getopt::parse("journalctl", &super::getopt::JOURNALCTL, args) {
        Ok(parsed) => parsed,
        Err(why) => return Out::fail(1, why),
    };
    let unit = parsed.options.iter().find(|(o, _)| o == "-u" || o == "--unit").and_then(|(_, v)| v.clone());
    let unit = unit.map(|u| u.trim_end_matches(".service").to_string());
    let host = ctx.container().hostname.clone();
    let lines: Vec<String> = match unit.as_deref() {
        None => ctx.container().log.clone(),
        Some("kubelet") => {
            let restarts = ctx.node().kubelet_restarts;
            let running = ctx.node().kubelet_server.is_some();
            let mut lines = vec![format!(
                "Aug 07 20:15:05 {host} systemd[1]: Started kubelet.service - kubelet: The Kubernetes Node Agent."
            )];
            lines.extend((0..restarts).map(|_| {
                format!(
                    "Aug 07 20:16:00 {host} systemd[1]: Started kubelet.service - kubelet: The Kubernetes Node Agent."
                )
            }));
            if running {
                lines.push(format!("Aug 07 20:15:09 {host} kubelet[512]: I0807 20:15:09 kubelet_node_status.go:75] \"Successfully registered node\" node=\"{host}\""));
            } else if let Some(_why) = super::programs::cri_error(ctx.node()) {
                let err = format!("failed to run Kubelet: {}", super::programs::cri_unimplemented("RuntimeService"));
                lines.push(format!(
                    "Aug 07 20:15:09 {host} kubelet[512]: E0807 20:15:09 run.go:72] \"command failed\" err={err:?}"
                ));
                lines.push(format!("Aug 07 20:15:09 {host} systemd[1]: kubelet.service: Main process exited, code=exited, status=1/FAILURE"));
            }
            lines
        }
        Some("containerd") => match super::programs::containerd_config_error(ctx.node()) {
            Some(why) => vec![
                format!("Aug 07 20:15:03 {host} containerd[201]: containerd: {why}"),
                format!(
                    "Aug 07 20:15:03 {host} systemd[1]: containerd.service: Main process exited, code=exited, status=1/FAILURE"
                ),
            ],
            None => {
                let mut lines = Vec::new();
                if let Some(why) = super::programs::cri_error(ctx.node()) {
                    lines.push(format!(
                        "Aug 07 20:15:03 {host} containerd[201]: time=\"2026-08-07T20:15:03.120000000Z\" level=warning msg=\"failed to load plugin\" error={why:?} id=io.containerd.cri.v1.images type=io.containerd.cri.v1"
                    ));
                }
                lines.push(format!("Aug 07 20:15:03 {host} containerd[201]: containerd successfully booted in 0.2s"));
                lines
            }
        },
        Some(other) if ctx.node().units.contains_key(&format!("{other}.service")) => {
            let lines = ctx.node().journal.get(&format!("{other}.service")).cloned().unwrap_or_default();
            if lines.is_empty() {
                return Out::ok("-- No entries --\n");
            }
            lines
        }
        Some(other) => {
            return Out::ok("-- No entries --\n".to_string())
                .with_stderr(format!("Unit {other}.service could not be found.\n"));
        }
    };
    Out::lines(&lines)
}

/// `crictl images` and `crictl ps -a`.
/// crictl's global flags (cri-tools v1.36.0 `cmd/crictl/main.go`, the crictl
/// kindest/node ships).
const CRICTL_GLOBAL: &[Flag] = &[
    value(&["config", "c"]),
    value(&["runtime-endpoint", "r"]),
    value(&["image-endpoint", "i"]),
    value(&["timeout", "t"]),
    boolean(&["debug", "D"]),
    boolean(&["enable-tracing"]),
    value(&["tracing-sampling-rate-per-million"]),
    value(&["tracing-endpoint"]),
    value(&["profile-cpu"]),
    value(&["profile-mem"]),
    boolean(&["version", "v"]),
];
/// `crictl images` (`image`, `img`): cri-tools' `cmd/crictl/image.go`.
const CRICTL_IMAGES: &[Flag] = &[
    boolean(&["verbose", "v"]),
    boolean(&["quiet", "q"]),
    value(&["filter", "f"]),
    value(&["output", "o"]),
    boolean(&["digests"]),
    boolean(&["no-trunc"]),
    boolean(&["pinned"]),
];
/// `crictl pull`: cri-tools' `cmd/crictl/image.go`.
const CRICTL_PULL: &[Flag] = &[
    value(&["creds"]),
    value(&["auth"]),
    value(&["username", "u"]),
    value(&["pod-config"]),
    value(&["annotation", "a"]),
    value(&["pull-timeout", "pt"]),
];
/// `crictl ps`: cri-tools' `cmd/crictl/container.go`.
const CRICTL_PS: &[Flag] = &[
    boolean(&["verbose", "v"]),
    value(&["id"]),
    value(&["name"]),
    value(&["pod", "p"]),
    value(&["image"]),
    value(&["state", "s"]),
    value(&["label"]),
    boolean(&["quiet", "q"]),
    value(&["output", "o"]),
    boolean(&["all", "a"]),
    boolean(&["latest", "l"]),
    value(&["last", "n"]),
    boolean(&["no-trunc"]),
    boolean(&["resolve-image-path", "r"]),
    value(&["namespace"]),
];

/// Parses crictl's flags for `command`; a bad one is urfave/cli's usage error, and
/// crictl's `logrus.Fatal` of it on stderr.
fn crictl_flags(command: &str, table: &[Flag], args: &[String], short: bool) -> Result<urfave::Parsed, Out> {
    urfave::parse(table, args, short).map_err(|e| {
        let help = format!("NAME:\n   crictl {command}\n\nUSAGE:\n   crictl {command} [command options]\n");
        let line = format!("time=\"{}\" level=fatal msg={e:?}", crate::util::iso_now());
        urfave::usage_error(&e, &help, line)
    })
}

pub fn crictl(ctx: &mut Ctx, args: &[String]) -> Out {
    let global = match crictl_flags("", CRICTL_GLOBAL, args, false) {
        Ok(p) => p,
        Err(out) => return out,
    };
    let args = &global.rest;
    let version = ctx.node().files.get("/kind/version").cloned().unwrap_or_default();
    let version = version.trim();
    let initialised = ctx.node().cluster.is_some();
    let table = match args.first().map(String::as_str) {
        Some("images" | "image" | "img") => CRICTL_IMAGES,
        Some("ps") => CRICTL_PS,
        Some("pull") => CRICTL_PULL,
        _ => &[],
    };
    let command = args.first().map_or("", String::as_str);
    let command = match crictl_flags(command, table, args.get(1..).unwrap_or_default(), true) {
        Ok(p) => p,
        Err(out) => return out,
    };
    if super::programs::cri_error(ctx.node()).is_some() {
        let images = matches!(args.first().map(String::as_str), Some("images" | "image" | "img" | "pull"));
        let service = if images { "ImageService" } else { "RuntimeService" };
        let why = super::programs::cri_unimplemented(service);
        return Out::fail(1, format!("time=\"{}\" level=fatal msg={why:?}", crate::util::iso_now()));
    }
    match args.first().map(String::as_str) {
        Some("images" | "image" | "img") => {
            let mut rows = vec![
                "IMAGE                                     TAG                 IMAGE ID            SIZE".to_string(),
            ];
            for image in ["kube-apiserver", "kube-controller-manager", "kube-scheduler", "kube-proxy"] {
                rows.push(format!("registry.k8s.io/{image:<25} {version:<19} 0123456789ab        30MB"));
            }
            rows.push("registry.k8s.io/pause                     3.10                873ed75102791       320kB".into());
            rows.extend(super::ctr::crictl_image_rows(ctx.node()));
            Out::lines(&rows)
        }
        Some("pull") => match command.rest.first() {
            Some(reference) if super::registry_pull::handles(reference) => {
                super::registry_pull::crictl_pull(ctx, reference)
            }
            _ => Out::fail(1, "crictl: the fake pulls only from localhost:<port> registries (crictl pull REF)"),
        },
        Some("ps") => {
            let mut rows = vec!["CONTAINER           IMAGE               CREATED             STATE               NAME                      ATTEMPT             POD ID              POD".to_string()];
            if initialised {
                for component in ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"] {
                    rows.push(format!("0123456789abc       fedcba987654        1 minute ago        Running             {component:<25} 0                   abcdef012345        {component}"));
                }
            }
            Out::lines(&rows)
        }
        _ => Out::fail(1, "crictl: the fake emulates only `crictl images` and `crictl ps -a`"),
    }
}

/// `find PATH... -type f`: the files below each path, sorted.
pub fn find(ctx: &mut Ctx, args: &[String]) -> Out {
    let roots: Vec<&String> = args.iter().take_while(|a| !a.starts_with('-')).collect();
    let mut out = Out::default();
    for root in roots {
        let node = ctx.node();
        if !node.exists(root) {
            out.stderr.push_str(&format!("find: '{root}': No such file or directory\n"));
            out.code = 1;
            continue;
        }
        let prefix = format!("{}/", root.trim_end_matches('/'));
        for path in node.files.keys().filter(|p| p.starts_with(&prefix) || *p == root) {
            out.stdout.push_str(path);
            out.stdout.push('\n');
        }
    }
    out
}

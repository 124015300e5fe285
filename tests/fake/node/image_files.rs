//! The files a kindest/node image ships that kina reads or patches, with the keys and
//! values of kind's base image (`images/base/files/` in
//! https://github.com/kubernetes-sigs/kind, at the base image kina's pinned node images
//! are built on). containerd 2.x runs them as they are: it migrates a `version = 2`
//! config at load, so the file keeps containerd 1.x's `io.containerd.grpc.v1.cri`
//! layout, and kind's documented `containerdConfigPatches` are written against it.

pub const CONTAINERD_CONFIG_PATH: &str = "/etc/containerd/config.toml";

/// `/etc/containerd/config.toml`.
pub const CONTAINERD_CONFIG: &str = include_str!("../../fixtures/node/containerd-config.toml");

/// `/etc/crictl.yaml`.
const CRICTL_CONFIG: &str = "runtime-endpoint: unix:///run/containerd/containerd.sock\n";

/// `/etc/default/kubelet`.
const KUBELET_DEFAULTS: &str = "KUBELET_EXTRA_ARGS=--runtime-cgroups=/system.slice/containerd.service\n";

const CONTAINERD_UNIT: &str = "[Unit]
Description=containerd container runtime
Documentation=https://containerd.io
After=network.target local-fs.target
StartLimitIntervalSec=0

[Service]
ExecStartPre=-/sbin/modprobe overlay
ExecStart=/usr/local/bin/containerd
Type=notify
Delegate=yes
KillMode=process
Restart=always
RestartSec=1
LimitNPROC=infinity
LimitCORE=infinity
LimitNOFILE=infinity
TasksMax=infinity
OOMScoreAdjust=-999

[Install]
WantedBy=multi-user.target
";

const KUBELET_UNIT: &str = "[Unit]
Description=kubelet: The Kubernetes Node Agent
Documentation=http://kubernetes.io/docs/
ConditionPathExists=/var/lib/kubelet/config.yaml

[Service]
ExecStart=/usr/bin/kubelet
Restart=always
StartLimitInterval=0
RestartSec=1s
CPUAccounting=true
MemoryAccounting=true
Slice=kubelet.slice
KillMode=process

[Install]
WantedBy=multi-user.target
";

const KUBELET_KUBEADM_DROP_IN: &str = "[Service]
Environment=\"KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf\"
Environment=\"KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml\"
EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env
EnvironmentFile=-/etc/default/kubelet
ExecStart=
ExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS
";

/// Directories the files above need, beyond the node's basic tree.
pub const DIRS: &[&str] = &["/etc/default", "/etc/systemd/system/kubelet.service.d"];

/// Path → content of every shipped file above.
pub const FILES: &[(&str, &str)] = &[
    (CONTAINERD_CONFIG_PATH, CONTAINERD_CONFIG),
    ("/etc/crictl.yaml", CRICTL_CONFIG),
    ("/etc/default/kubelet", KUBELET_DEFAULTS),
    ("/etc/systemd/system/containerd.service", CONTAINERD_UNIT),
    ("/etc/systemd/system/kubelet.service", KUBELET_UNIT),
    ("/etc/systemd/system/kubelet.service.d/10-kubeadm.conf", KUBELET_KUBEADM_DROP_IN),
];

/// Why containerd would not start with this config, as its log says it; `None` if it
/// loads. containerd parses the whole file as TOML before anything else
/// (https://github.com/containerd/containerd/blob/main/cmd/containerd/server/config/config.go,
/// `LoadConfig`), and reads config versions up to 3.
pub fn containerd_config_error(text: &str) -> Option<String> {
    let table: toml::Table = match text.parse() {
        Ok(table) => table,
        Err(e) => {
            let first = e.to_string().lines().next().unwrap_or_default().to_string();
            return Some(format!("failed to load TOML: /etc/containerd/config.toml: {first}"));
        }
    };
    match table.get("version") {
        None => None,
        Some(toml::Value::Integer(v)) if (1..=3).contains(v) => None,
        Some(toml::Value::Integer(v)) => {
            Some(format!("unsupported config version `{v}`: failed to load TOML from /etc/containerd/config.toml"))
        }
        Some(_) => Some("failed to load TOML: /etc/containerd/config.toml: version: expected an integer".into()),
    }
}

/// Why containerd's CRI image plugin fails to load with this config, if it does:
/// containerd starts, logs the plugin's error and serves no CRI, so kubelets and
/// crictl cannot use it. A config that sets both the registry's `config_path` and
/// `mirrors` (containerd 2.x `internal/cri/config/config.go`, `ValidateImageConfig`,
/// wrapped by `plugins/cri/images/plugin.go`); version 2 keeps the registry under
/// the CRI plugin, version 3 under `io.containerd.cri.v1.images`.
pub fn cri_plugin_error(text: &str) -> Option<String> {
    let table: toml::Table = text.parse().ok()?;
    let plugin = match table.get("version").and_then(toml::Value::as_integer) {
        Some(3) => "io.containerd.cri.v1.images",
        _ => "io.containerd.grpc.v1.cri",
    };
    let registry = table.get("plugins")?.get(plugin)?.get("registry")?;
    let config_path = registry.get("config_path").and_then(toml::Value::as_str).is_some_and(|p| !p.is_empty());
    let mirrors = registry.get("mirrors").and_then(toml::Value::as_table).is_some_and(|m| !m.is_empty());
    (config_path && mirrors)
        .then(|| "invalid cri image config: `mirrors` cannot be set when `config_path` is provided".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_containerd_config_loads_and_is_version_2() {
        assert_eq!(containerd_config_error(CONTAINERD_CONFIG), None);
        let table: toml::Table = CONTAINERD_CONFIG.parse().unwrap();
        assert_eq!(table["version"].as_integer(), Some(2));
        let cri = &table["plugins"]["io.containerd.grpc.v1.cri"];
        assert_eq!(cri["sandbox_image"].as_str(), Some("registry.k8s.io/pause:3.10"));
        assert_eq!(cri["containerd"]["runtimes"]["runc"]["options"]["SystemdCgroup"].as_bool(), Some(true));
    }

    #[test]
    fn containerd_refuses_broken_toml_and_unknown_versions() {
        assert!(containerd_config_error("[plugins\n").unwrap().starts_with("failed to load TOML"));
        assert!(containerd_config_error("version = 4\n").unwrap().contains("unsupported config version `4`"));
        assert!(containerd_config_error("version = \"2\"\n").is_some());
        assert_eq!(containerd_config_error("version = 3\n"), None);
    }

    #[test]
    fn the_cri_refuses_mirrors_beside_a_config_path() {
        assert_eq!(cri_plugin_error(CONTAINERD_CONFIG), None);
        let v2 = |registry: &str| {
            format!("{CONTAINERD_CONFIG}\n[plugins.\"io.containerd.grpc.v1.cri\".registry]\n{registry}")
        };
        let both = v2(
            "config_path = \"/etc/containerd/certs.d\"\n[plugins.\"io.containerd.grpc.v1.cri\".registry.mirrors.\"localhost:5001\"]\nendpoint = [\"http://r:5000\"]\n",
        );
        assert_eq!(
            cri_plugin_error(&both).as_deref(),
            Some("invalid cri image config: `mirrors` cannot be set when `config_path` is provided")
        );
        assert_eq!(cri_plugin_error(&v2("config_path = \"/etc/containerd/certs.d\"\n")), None);
        assert_eq!(
            cri_plugin_error(&v2(
                "config_path = \"\"\n[plugins.\"io.containerd.grpc.v1.cri\".registry.mirrors.\"a\"]\nendpoint = []\n"
            )),
            None
        );
        let v3 = "version = 3\n[plugins.'io.containerd.cri.v1.images'.registry]\nconfig_path = \"/x\"\n[plugins.'io.containerd.cri.v1.images'.registry.mirrors.'a']\nendpoint = []\n";
        assert!(cri_plugin_error(v3).is_some());
    }
}

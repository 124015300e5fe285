//! Reading kubeadm configuration files (multi-document YAML) the way kubeadm judges them.

use serde_json::Value;

/// What `kubeadm init`/`join` needs from a config file or from flags.
#[derive(Default, Clone)]
pub struct Plan {
    pub cluster_name: Option<String>,
    pub k8s_version: Option<String>,
    pub advertise: Option<String>,
    pub bind_port: Option<u16>,
    pub endpoint: Option<String>,
    pub pod_subnet: Option<String>,
    pub service_subnet: Option<String>,
    pub cert_sans: Vec<String>,
    pub node_name: Option<String>,
    pub skip_phases: Vec<String>,
    pub ignore_preflight: Vec<String>,
    pub node_ip: Option<String>,
    /// kubelet's `--node-labels` (`a=b,c=d`), which it sets when it registers the Node.
    pub node_labels: Option<String>,
    pub token: Option<String>,
    /// JoinConfiguration: API server endpoint to discover.
    pub join_endpoint: Option<String>,
    pub join_control_plane: bool,
    /// JoinConfiguration discovery: pinned CA public-key hashes, or none with the skip flag.
    pub ca_cert_hashes: Vec<String>,
    pub unsafe_skip_ca_verification: bool,
    /// kube-controller-manager's `node-cidr-mask-size-ipv4`, if set.
    pub node_cidr_mask: Option<String>,
    /// The KubeProxyConfiguration document, if the file has one.
    pub kube_proxy: Option<Value>,
    pub warnings: Vec<String>,
}

const SCHEME: &str = "k8s.io/kubernetes/cmd/kubeadm/app/apis/kubeadm/scheme/scheme.go:31";

fn kinds_for(api: &str) -> Option<&'static [&'static str]> {
    match api {
        "kubeadm.k8s.io/v1beta3" => Some(&["InitConfiguration", "ClusterConfiguration", "JoinConfiguration"]),
        "kubeadm.k8s.io/v1beta4" => Some(&[
            "InitConfiguration",
            "ClusterConfiguration",
            "JoinConfiguration",
            "ResetConfiguration",
            "UpgradeConfiguration",
        ]),
        "kubelet.config.k8s.io/v1beta1" => Some(&["KubeletConfiguration"]),
        "kubeproxy.config.k8s.io/v1alpha1" => Some(&["KubeProxyConfiguration"]),
        _ => None,
    }
}

/// Rejects `extraArgs` maps in v1beta4 (lists of `{name, value}` there) and lists in v1beta3.
fn check_args_shape(v: &Value, kind: &str, path: &str, beta4: bool) -> Result<(), String> {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                let p = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
                if k == "extraArgs" || k == "kubeletExtraArgs" {
                    if beta4 && child.is_object() {
                        return Err(format!(
                            "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal object into Go struct field {kind}.{p} of type []v1beta4.Arg"
                        ));
                    }
                    if !beta4 && child.is_array() {
                        return Err(format!(
                            "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go struct field {kind}.{p} of type map[string]string"
                        ));
                    }
                }
                check_args_shape(child, kind, &p, beta4)?;
            }
            Ok(())
        }
        Value::Array(items) => items.iter().try_for_each(|i| check_args_shape(i, kind, path, beta4)),
        _ => Ok(()),
    }
}

fn s(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array().map(|a| a.iter().filter_map(s).collect()).unwrap_or_default()
}

/// The value of one kubelet extra arg, from either the list or the map form.
fn extra_arg(v: &Value, name: &str) -> Option<String> {
    match v {
        Value::Array(items) => items.iter().find(|i| i["name"] == name).and_then(|i| s(&i["value"])),
        Value::Object(map) => map.get(name).and_then(s),
        _ => None,
    }
}

/// Parses and checks a kubeadm config file as the kubeadm of Kubernetes `version`
/// (`v1.35.5`) reads it; the error is kubeadm's message.
pub fn parse(text: &str, version: &str) -> Result<Plan, String> {
    let kubeadm_minor = super::kubeadm_validate::minor(version).unwrap_or(35);
    let docs: Vec<Option<Value>> =
        serde_saphyr::from_multiple(text).map_err(|e| format!("error converting YAML to JSON: yaml: {e}"))?;
    let mut plan = Plan::default();
    for doc in docs.into_iter().flatten() {
        if doc.is_null() {
            continue;
        }
        let api = doc["apiVersion"].as_str().unwrap_or_default().to_string();
        let kind = doc["kind"].as_str().unwrap_or_default().to_string();
        if api.is_empty() || kind.is_empty() {
            let missing = if kind.is_empty() { "Kind" } else { "apiVersion" };
            return Err(format!("couldn't get version/kind; json parse error: Object '{missing}' is missing"));
        }
        if api.starts_with("kubeadm.k8s.io/") {
            plan.warnings.extend(super::kubeadm_validate::api_version(&api, &kind, kubeadm_minor)?);
        }
        let registered = super::kubeadm_validate::api_registered(&api, kubeadm_minor);
        if !registered || !kinds_for(&api).is_some_and(|k| k.contains(&kind.as_str())) {
            return Err(format!("no kind {kind:?} is registered for version {api:?} in scheme {SCHEME:?}"));
        }
        if api.starts_with("kubeadm.k8s.io/") {
            check_args_shape(&doc, &kind, "", api.ends_with("v1beta4"))?;
            plan.warnings.extend(super::kubeadm_validate::unknown_fields_warning(&doc, &api, &kind));
        }
        match kind.as_str() {
            "ClusterConfiguration" => {
                plan.cluster_name = s(&doc["clusterName"]);
                plan.k8s_version = s(&doc["kubernetesVersion"]);
                plan.endpoint = s(&doc["controlPlaneEndpoint"]);
                plan.pod_subnet = s(&doc["networking"]["podSubnet"]);
                plan.service_subnet = s(&doc["networking"]["serviceSubnet"]);
                plan.cert_sans = strings(&doc["apiServer"]["certSANs"]);
                plan.node_cidr_mask = extra_arg(&doc["controllerManager"]["extraArgs"], "node-cidr-mask-size-ipv4");
            }
            "InitConfiguration" => {
                plan.advertise = s(&doc["localAPIEndpoint"]["advertiseAddress"]);
                plan.bind_port = doc["localAPIEndpoint"]["bindPort"].as_u64().map(|p| p as u16);
                plan.node_name = s(&doc["nodeRegistration"]["name"]).or(plan.node_name.take());
                plan.node_ip = extra_arg(&doc["nodeRegistration"]["kubeletExtraArgs"], "node-ip");
                plan.node_labels = extra_arg(&doc["nodeRegistration"]["kubeletExtraArgs"], "node-labels");
                plan.skip_phases.extend(strings(&doc["skipPhases"]));
                plan.ignore_preflight.extend(strings(&doc["nodeRegistration"]["ignorePreflightErrors"]));
                if let Some(tokens) = doc["bootstrapTokens"].as_array() {
                    plan.token = tokens.first().and_then(|t| s(&t["token"]));
                }
            }
            "JoinConfiguration" => {
                let bt = &doc["discovery"]["bootstrapToken"];
                plan.join_endpoint = s(&bt["apiServerEndpoint"]);
                plan.token = s(&bt["token"]).or(plan.token.take());
                plan.ca_cert_hashes = strings(&bt["caCertHashes"]);
                plan.unsafe_skip_ca_verification = bt["unsafeSkipCAVerification"].as_bool().unwrap_or(false);
                plan.join_control_plane = doc["controlPlane"].is_object();
                if plan.advertise.is_none() {
                    plan.advertise = s(&doc["controlPlane"]["localAPIEndpoint"]["advertiseAddress"]);
                }
                plan.node_name = plan.node_name.take().or(s(&doc["nodeRegistration"]["name"]));
                plan.node_ip =
                    plan.node_ip.take().or(extra_arg(&doc["nodeRegistration"]["kubeletExtraArgs"], "node-ip"));
                plan.node_labels =
                    plan.node_labels.take().or(extra_arg(&doc["nodeRegistration"]["kubeletExtraArgs"], "node-labels"));
                plan.skip_phases.extend(strings(&doc["skipPhases"]));
                plan.ignore_preflight.extend(strings(&doc["nodeRegistration"]["ignorePreflightErrors"]));
            }
            "KubeProxyConfiguration" => plan.kube_proxy = Some(doc.clone()),
            _ => {}
        }
    }
    Ok(plan)
}

/// The first usable address of a CIDR (`10.96.0.0/12` → `10.96.0.1`).
pub fn first_ip(cidr: &str) -> String {
    let ip = cidr.split('/').next().unwrap_or_default();
    match ip.parse::<std::net::Ipv4Addr>() {
        Ok(a) => std::net::Ipv4Addr::from(u32::from(a) + 1).to_string(),
        Err(_) => "10.96.0.1".into(),
    }
}

impl Plan {
    /// The labels kubelet's `--node-labels` adds to the Node it registers.
    pub fn extra_node_labels(&self) -> Vec<(String, String)> {
        self.node_labels
            .iter()
            .flat_map(|l| l.split(','))
            .filter_map(|kv| kv.split_once('=').map(|(k, v)| (k.trim().to_string(), v.trim().to_string())))
            .collect()
    }
}

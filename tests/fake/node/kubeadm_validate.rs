//! What kubeadm checks in a configuration before it does anything: which API versions
//! this kubeadm reads, fields it does not know (a warning), and the validation of
//! names, addresses and subnets. Each rule follows kubeadm's source:
//! - API versions: `validateSupportedVersion` in
//!   https://github.com/kubernetes/kubernetes/blob/master/cmd/kubeadm/app/util/config/common.go
//!   (v1beta4 from 1.31; v1beta3 deprecated in 1.31 and removed by
//!   https://github.com/kubernetes/kubernetes/pull/136016, which was still open when
//!   kubeadm's own test tool waited for it on 2026-05-30,
//!   https://github.com/kubernetes/kubeadm/pull/3311: so kubeadm 1.36, released in
//!   April 2026, still reads v1beta3 and 1.37 does not);
//! - unknown fields: `VerifyUnmarshalStrict` in
//!   https://github.com/kubernetes/kubernetes/blob/master/cmd/kubeadm/app/util/config/strict/strict.go
//!   (logged as a warning, not an error);
//! - values: `ValidateInitConfiguration`, `ValidateNetworking`, `ValidateIPNetFromString`,
//!   `ValidatePodSubnetNodeMask`, `ValidateServiceSubnetSize`, `ValidateNodeRegistrationOptions`
//!   in https://github.com/kubernetes/kubernetes/blob/master/cmd/kubeadm/app/apis/kubeadm/validation/validation.go;
//! - `--config` with other flags: `ValidateMixedArguments` (same file).

use serde_json::Value;

const MIGRATE: &str = "'kubeadm config migrate --old-config old-config-file --new-config new-config-file', which will write the new, similar spec using a newer API version.";

/// The minor version of a `v1.35.5` Kubernetes version (35), if it parses.
pub fn minor(version: &str) -> Option<u32> {
    version.trim_start_matches('v').split('.').nth(1)?.parse().ok()
}

/// `Err` when this kubeadm refuses the API version; `Ok(Some(warning))` when it reads
/// it but warns.
pub fn api_version(api: &str, kind: &str, kubeadm_minor: u32) -> Result<Option<String>, String> {
    let old = |use_version: &str| {
        Err(format!(
            "your configuration file uses an old API spec: {api:?} (kind: {kind:?}). Please use kubeadm {use_version} instead and run {MIGRATE}"
        ))
    };
    match api {
        "kubeadm.k8s.io/v1alpha1" => old("v1.11"),
        "kubeadm.k8s.io/v1alpha2" => old("v1.12"),
        "kubeadm.k8s.io/v1alpha3" => old("v1.14"),
        "kubeadm.k8s.io/v1beta1" => old("v1.15"),
        "kubeadm.k8s.io/v1beta2" => old("v1.22"),
        "kubeadm.k8s.io/v1beta3" if kubeadm_minor >= 37 => old("v1.36"),
        "kubeadm.k8s.io/v1beta3" if kubeadm_minor >= 31 => Ok(Some(format!(
            "W0000 00:00:00.000000       1 common.go:101] your configuration file uses a deprecated API spec: {api:?} (kind: {kind:?}). Please use {MIGRATE}"
        ))),
        _ => Ok(None),
    }
}

/// Whether this kubeadm has the API version at all (v1beta4 arrived in 1.31).
pub fn api_registered(api: &str, kubeadm_minor: u32) -> bool {
    match api {
        "kubeadm.k8s.io/v1beta3" => kubeadm_minor < 37,
        "kubeadm.k8s.io/v1beta4" => kubeadm_minor >= 31,
        _ => true,
    }
}

/// Known fields of a kubeadm object: `(path, fields)`, `path` being the dotted path
/// from the document root ("" for the root).
fn known_fields(kind: &str, beta4: bool) -> Vec<(&'static str, Vec<&'static str>)> {
    let only4 = |fields: &[&'static str], extra4: &[&'static str]| {
        let mut v = fields.to_vec();
        if beta4 {
            v.extend_from_slice(extra4);
        }
        v
    };
    let only3 = |fields: &[&'static str], extra3: &[&'static str]| {
        let mut v = fields.to_vec();
        if !beta4 {
            v.extend_from_slice(extra3);
        }
        v
    };
    let node_registration = only4(
        &["name", "criSocket", "taints", "kubeletExtraArgs", "ignorePreflightErrors", "imagePullPolicy"],
        &["imagePullSerial"],
    );
    let timeouts = vec![
        "controlPlaneComponentHealthCheck",
        "kubeletHealthCheck",
        "kubernetesAPICall",
        "etcdAPICall",
        "tlsBootstrap",
        "discovery",
        "upgradeManifests",
    ];
    let component = only4(&["extraArgs", "extraVolumes"], &["extraEnvs"]);
    match kind {
        "ClusterConfiguration" => vec![
            (
                "",
                only4(
                    &[
                        "apiVersion",
                        "kind",
                        "metadata",
                        "etcd",
                        "networking",
                        "kubernetesVersion",
                        "controlPlaneEndpoint",
                        "apiServer",
                        "controllerManager",
                        "scheduler",
                        "dns",
                        "certificatesDir",
                        "imageRepository",
                        "featureGates",
                        "clusterName",
                    ],
                    &["proxy", "encryptionAlgorithm", "certificateValidityPeriod", "caCertificateValidityPeriod"],
                ),
            ),
            ("networking", vec!["serviceSubnet", "podSubnet", "dnsDomain"]),
            (
                "apiServer",
                only3(&only4(&["extraArgs", "extraVolumes", "certSANs"], &["extraEnvs"]), &["timeoutForControlPlane"]),
            ),
            ("controllerManager", component.clone()),
            ("scheduler", component),
            ("dns", only4(&["imageRepository", "imageTag"], &["disabled"])),
            ("proxy", vec!["disabled"]),
            ("etcd", vec!["local", "external"]),
            (
                "etcd.local",
                only4(
                    &["imageRepository", "imageTag", "dataDir", "extraArgs", "serverCertSANs", "peerCertSANs"],
                    &["extraEnvs"],
                ),
            ),
            ("etcd.external", vec!["endpoints", "caFile", "certFile", "keyFile"]),
        ],
        "InitConfiguration" => vec![
            (
                "",
                only4(
                    &[
                        "apiVersion",
                        "kind",
                        "metadata",
                        "bootstrapTokens",
                        "nodeRegistration",
                        "localAPIEndpoint",
                        "certificateKey",
                        "skipPhases",
                        "patches",
                    ],
                    &["dryRun", "timeouts"],
                ),
            ),
            ("nodeRegistration", node_registration),
            ("localAPIEndpoint", vec!["advertiseAddress", "bindPort"]),
            ("patches", vec!["directory"]),
            ("timeouts", timeouts),
        ],
        "JoinConfiguration" => vec![
            (
                "",
                only4(
                    &[
                        "apiVersion",
                        "kind",
                        "metadata",
                        "nodeRegistration",
                        "caCertPath",
                        "discovery",
                        "controlPlane",
                        "skipPhases",
                        "patches",
                    ],
                    &["dryRun", "timeouts"],
                ),
            ),
            ("nodeRegistration", node_registration),
            ("discovery", only3(&["bootstrapToken", "file", "tlsBootstrapToken"], &["timeout"])),
            (
                "discovery.bootstrapToken",
                vec!["token", "apiServerEndpoint", "caCertHashes", "unsafeSkipCAVerification"],
            ),
            ("discovery.file", vec!["kubeConfigPath"]),
            ("controlPlane", vec!["localAPIEndpoint", "certificateKey"]),
            ("controlPlane.localAPIEndpoint", vec!["advertiseAddress", "bindPort"]),
            ("patches", vec!["directory"]),
            ("timeouts", timeouts),
        ],
        _ => vec![],
    }
}

/// kubeadm's warning for fields the API version does not have, if any.
pub fn unknown_fields_warning(doc: &Value, api: &str, kind: &str) -> Option<String> {
    let beta4 = api.ends_with("v1beta4");
    let mut unknown = Vec::new();
    for (path, fields) in known_fields(kind, beta4) {
        let node = path.split('.').filter(|p| !p.is_empty()).fold(doc, |v, key| &v[key]);
        let Some(map) = node.as_object() else { continue };
        for key in map.keys().filter(|k| !fields.contains(&k.as_str())) {
            let full = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
            unknown.push(format!("unknown field {full:?}"));
        }
    }
    if unknown.is_empty() {
        return None;
    }
    let (group, version) = api.split_once('/').unwrap_or(("", api));
    Some(format!(
        "W0000 00:00:00.000000       1 strict.go:54] error unmarshaling configuration schema.GroupVersionKind{{Group:{group:?}, Version:{version:?}, Kind:{kind:?}}}: strict decoding error: {}",
        unknown.join(", ")
    ))
}

/// apimachinery's `IsDNS1123Subdomain` message, or `None` if `name` is one.
pub fn dns1123_subdomain(name: &str) -> Option<String> {
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    let mut errors = Vec::new();
    if name.len() > 253 {
        errors.push("must be no more than 253 characters".to_string());
    }
    if !name.split('.').all(label_ok) {
        errors.push("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')".to_string());
    }
    (!errors.is_empty()).then(|| errors.join("; "))
}

/// An IPv4 CIDR as Go's `net.ParseCIDR` reads it: (address, prefix length).
fn parse_cidr(cidr: &str) -> Option<(std::net::Ipv4Addr, u32)> {
    let (ip, bits) = cidr.split_once('/')?;
    let bits: u32 = bits.parse().ok().filter(|b| *b <= 32)?;
    Some((ip.parse().ok()?, bits))
}

fn invalid(path: &str, value: &str, detail: &str) -> String {
    format!("{path}: Invalid value: {value:?}: {detail}")
}

/// `ValidateIPNetFromString` for an IPv4 subnet with at least `min` addresses: the
/// parsed (prefix length, network) if it parses, its errors added to `errors`.
fn subnet(path: &str, value: &str, min: u64, errors: &mut Vec<String>) -> Option<(u32, String)> {
    let Some((ip, bits)) = parse_cidr(value) else {
        errors.push(invalid(path, value, "couldn't parse subnet"));
        return None;
    };
    let masked = std::net::Ipv4Addr::from(u32::from(ip) & u32::MAX.checked_shl(32 - bits).unwrap_or(0));
    let network = format!("{masked}/{bits}");
    let size = 1u64 << (32 - bits);
    if size < min {
        errors.push(invalid(
            path,
            &network,
            &format!("subnet with {size} address(es) is too small, the minimum is {min}"),
        ));
    }
    Some((bits, network))
}

/// What kubeadm's validation says about the values kina's fake reads; `Err` joins the
/// errors as apimachinery's aggregate does.
pub fn validate(
    node_name: Option<&str>,
    pod_subnet: Option<&str>,
    service_subnet: Option<&str>,
    advertise: Option<&str>,
    node_cidr_mask: Option<&str>,
) -> Result<(), String> {
    let mut errors = Vec::new();
    if let Some(name) = node_name
        && let Some(why) = dns1123_subdomain(name)
    {
        errors.push(invalid("nodeRegistration.name", name, &why));
    }
    if let Some(value) = service_subnet {
        // At most 20 host bits (`MaximumBitsForServiceSubnet`).
        if let Some((bits, network)) = subnet("networking.serviceSubnet", value, 10, &mut errors)
            && 32 - bits > 20
        {
            errors.push(invalid(
                "networking.serviceSubnet",
                &network,
                "specified service subnet is too large; for 32-bit addresses, the mask must be >= 12",
            ));
        }
    }
    if let Some(value) = pod_subnet {
        match subnet("networking.podSubnet", value, 254, &mut errors) {
            None => {}
            Some((bits, network)) => {
                let node_mask: u32 = node_cidr_mask.and_then(|m| m.parse().ok()).unwrap_or(24);
                if bits > node_mask {
                    errors.push(invalid(
                        "networking.podSubnet",
                        &network,
                        &format!(
                            "the size of pod subnet with mask {bits} is smaller than the size of node subnet with mask {node_mask}"
                        ),
                    ));
                } else if node_mask - bits > 16 {
                    errors.push(invalid(
                        "networking.podSubnet",
                        &network,
                        &format!("pod subnet mask ({bits}) and node-mask ({node_mask}) difference is greater than 16"),
                    ));
                }
            }
        }
    }
    if let Some(ip) = advertise
        && ip.parse::<std::net::IpAddr>().is_err()
    {
        errors.push(invalid("localAPIEndpoint.advertiseAddress", ip, "ip address is not valid"));
    }
    match errors.len() {
        0 => Ok(()),
        1 => Err(errors.remove(0)),
        _ => Err(format!("[{}]", errors.join(", "))),
    }
}

/// `ValidateMixedArguments`: the flags that may come with `--config`.
pub fn allowed_with_config(flag: &str) -> bool {
    [
        "config",
        "ignore-preflight-errors",
        "dry-run",
        "kubeconfig",
        "node-name",
        "kubeconfig-dir",
        "upload-certs",
        "print-join-command",
        "rootfs",
        "v",
        "log-file",
        "yes",
    ]
    .contains(&flag)
        || flag.starts_with("skip-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_versions_follow_the_kubeadm_release() {
        assert!(
            api_version("kubeadm.k8s.io/v1beta3", "InitConfiguration", 35)
                .unwrap()
                .unwrap()
                .contains("deprecated API spec")
        );
        assert_eq!(api_version("kubeadm.k8s.io/v1beta3", "InitConfiguration", 30), Ok(None));
        assert!(api_version("kubeadm.k8s.io/v1beta3", "InitConfiguration", 36).unwrap().is_some());
        let err = api_version("kubeadm.k8s.io/v1beta3", "InitConfiguration", 37).unwrap_err();
        assert!(err.starts_with("your configuration file uses an old API spec: \"kubeadm.k8s.io/v1beta3\" (kind: \"InitConfiguration\"). Please use kubeadm v1.36 instead"), "{err}");
        assert!(
            api_version("kubeadm.k8s.io/v1beta2", "ClusterConfiguration", 35).unwrap_err().contains("kubeadm v1.22")
        );
        assert!(!api_registered("kubeadm.k8s.io/v1beta4", 30) && api_registered("kubeadm.k8s.io/v1beta4", 31));
    }

    #[test]
    fn unknown_fields_are_a_warning_naming_each_path() {
        let doc: Value = serde_json::json!({"apiVersion": "kubeadm.k8s.io/v1beta4", "kind": "ClusterConfiguration",
            "networking": {"podSubnett": "10.244.0.0/16"}, "bogus": 1});
        let w = unknown_fields_warning(&doc, "kubeadm.k8s.io/v1beta4", "ClusterConfiguration").unwrap();
        assert!(
            w.ends_with("strict decoding error: unknown field \"bogus\", unknown field \"networking.podSubnett\""),
            "{w}"
        );
        // v1beta3's timeoutForControlPlane is not a v1beta4 field, and the reverse for extraEnvs.
        let doc: Value = serde_json::json!({"apiServer": {"timeoutForControlPlane": "4m"}});
        assert!(unknown_fields_warning(&doc, "kubeadm.k8s.io/v1beta4", "ClusterConfiguration").is_some());
        assert!(unknown_fields_warning(&doc, "kubeadm.k8s.io/v1beta3", "ClusterConfiguration").is_none());
    }

    #[test]
    fn values_are_validated_as_kubeadm_does() {
        assert_eq!(
            validate(
                Some("kina-control-plane"),
                Some("10.244.0.0/16"),
                Some("10.96.0.0/16"),
                Some("192.168.64.2"),
                None
            ),
            Ok(())
        );
        assert_eq!(
            validate(None, Some("10.244.0.0/33"), None, None, None).unwrap_err(),
            "networking.podSubnet: Invalid value: \"10.244.0.0/33\": couldn't parse subnet"
        );
        let err = validate(Some("Kina_CP"), None, None, None, None).unwrap_err();
        assert!(
            err.starts_with("nodeRegistration.name: Invalid value: \"Kina_CP\": a lowercase RFC 1123 subdomain"),
            "{err}"
        );
        assert!(
            validate(None, Some("10.244.0.0/25"), None, None, None)
                .unwrap_err()
                .contains("the size of pod subnet with mask 25 is smaller than the size of node subnet with mask 24")
        );
        assert!(
            validate(None, Some("10.0.0.0/4"), None, None, None).unwrap_err().contains("difference is greater than 16")
        );
        assert!(
            validate(None, None, Some("10.0.0.0/8"), None, None).unwrap_err().contains("service subnet is too large")
        );
        assert!(validate(None, None, None, Some("not-an-ip"), None).unwrap_err().contains("ip address is not valid"));
        let both = validate(Some("A"), Some("x"), None, None, None).unwrap_err();
        assert!(both.starts_with("[nodeRegistration.name: ") && both.contains(", networking.podSubnet: "), "{both}");
        assert!(allowed_with_config("skip-token-print") && allowed_with_config("node-name"));
        assert!(!allowed_with_config("pod-network-cidr"));
    }
}

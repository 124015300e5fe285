//! The API server's discovery: built-in kinds of Kubernetes 1.35 plus the kinds that
//! applied CustomResourceDefinitions add (names, short names, scope).

use super::model::Cluster;

#[derive(Clone, Debug, PartialEq)]
pub struct Kind {
    pub kind: String,
    pub group: String,
    pub plural: String,
    pub short: Vec<String>,
    pub namespaced: bool,
    /// Served versions (empty: any version of a built-in group is accepted).
    pub versions: Vec<String>,
}

impl Kind {
    /// How the fake stores it and kubectl prints it: `deployment.apps`, `service`.
    pub fn resource(&self) -> String {
        if self.group.is_empty() {
            self.kind.to_ascii_lowercase()
        } else {
            format!("{}.{}", self.kind.to_ascii_lowercase(), self.group)
        }
    }

    /// `deployments.apps`, `services`: kubectl's wording in NotFound errors.
    pub fn qualified_plural(&self) -> String {
        if self.group.is_empty() { self.plural.clone() } else { format!("{}.{}", self.plural, self.group) }
    }
}

pub const CRD: &str = "customresourcedefinition.apiextensions.k8s.io";

/// (kind, group, plural, short names, namespaced).
const BUILTIN: &[(&str, &str, &str, &str, bool)] = &[
    ("Binding", "", "bindings", "", true),
    ("ComponentStatus", "", "componentstatuses", "cs", false),
    ("ConfigMap", "", "configmaps", "cm", true),
    ("Endpoints", "", "endpoints", "ep", true),
    ("Event", "", "events", "ev", true),
    ("LimitRange", "", "limitranges", "limits", true),
    ("Namespace", "", "namespaces", "ns", false),
    ("Node", "", "nodes", "no", false),
    ("PersistentVolumeClaim", "", "persistentvolumeclaims", "pvc", true),
    ("PersistentVolume", "", "persistentvolumes", "pv", false),
    ("Pod", "", "pods", "po", true),
    ("PodTemplate", "", "podtemplates", "", true),
    ("ReplicationController", "", "replicationcontrollers", "rc", true),
    ("ResourceQuota", "", "resourcequotas", "quota", true),
    ("Secret", "", "secrets", "", true),
    ("ServiceAccount", "", "serviceaccounts", "sa", true),
    ("Service", "", "services", "svc", true),
    ("MutatingWebhookConfiguration", "admissionregistration.k8s.io", "mutatingwebhookconfigurations", "", false),
    ("ValidatingWebhookConfiguration", "admissionregistration.k8s.io", "validatingwebhookconfigurations", "", false),
    ("ValidatingAdmissionPolicy", "admissionregistration.k8s.io", "validatingadmissionpolicies", "", false),
    (
        "ValidatingAdmissionPolicyBinding",
        "admissionregistration.k8s.io",
        "validatingadmissionpolicybindings",
        "",
        false,
    ),
    ("MutatingAdmissionPolicy", "admissionregistration.k8s.io", "mutatingadmissionpolicies", "", false),
    ("MutatingAdmissionPolicyBinding", "admissionregistration.k8s.io", "mutatingadmissionpolicybindings", "", false),
    ("CustomResourceDefinition", "apiextensions.k8s.io", "customresourcedefinitions", "crd,crds", false),
    ("APIService", "apiregistration.k8s.io", "apiservices", "", false),
    ("ControllerRevision", "apps", "controllerrevisions", "", true),
    ("DaemonSet", "apps", "daemonsets", "ds", true),
    ("Deployment", "apps", "deployments", "deploy", true),
    ("ReplicaSet", "apps", "replicasets", "rs", true),
    ("StatefulSet", "apps", "statefulsets", "sts", true),
    ("HorizontalPodAutoscaler", "autoscaling", "horizontalpodautoscalers", "hpa", true),
    ("CronJob", "batch", "cronjobs", "cj", true),
    ("Job", "batch", "jobs", "", true),
    ("CertificateSigningRequest", "certificates.k8s.io", "certificatesigningrequests", "csr", false),
    ("Lease", "coordination.k8s.io", "leases", "", true),
    ("EndpointSlice", "discovery.k8s.io", "endpointslices", "", true),
    ("FlowSchema", "flowcontrol.apiserver.k8s.io", "flowschemas", "", false),
    ("PriorityLevelConfiguration", "flowcontrol.apiserver.k8s.io", "prioritylevelconfigurations", "", false),
    ("IngressClass", "networking.k8s.io", "ingressclasses", "", false),
    ("Ingress", "networking.k8s.io", "ingresses", "ing", true),
    ("IPAddress", "networking.k8s.io", "ipaddresses", "ip", false),
    ("NetworkPolicy", "networking.k8s.io", "networkpolicies", "netpol", true),
    ("ServiceCIDR", "networking.k8s.io", "servicecidrs", "", false),
    ("RuntimeClass", "node.k8s.io", "runtimeclasses", "", false),
    ("PodDisruptionBudget", "policy", "poddisruptionbudgets", "pdb", true),
    ("ClusterRoleBinding", "rbac.authorization.k8s.io", "clusterrolebindings", "", false),
    ("ClusterRole", "rbac.authorization.k8s.io", "clusterroles", "", false),
    ("RoleBinding", "rbac.authorization.k8s.io", "rolebindings", "", true),
    ("Role", "rbac.authorization.k8s.io", "roles", "", true),
    ("DeviceClass", "resource.k8s.io", "deviceclasses", "", false),
    ("ResourceClaim", "resource.k8s.io", "resourceclaims", "", true),
    ("ResourceClaimTemplate", "resource.k8s.io", "resourceclaimtemplates", "", true),
    ("ResourceSlice", "resource.k8s.io", "resourceslices", "", false),
    ("PriorityClass", "scheduling.k8s.io", "priorityclasses", "pc", false),
    ("CSIDriver", "storage.k8s.io", "csidrivers", "", false),
    ("CSINode", "storage.k8s.io", "csinodes", "", false),
    ("CSIStorageCapacity", "storage.k8s.io", "csistoragecapacities", "", true),
    ("StorageClass", "storage.k8s.io", "storageclasses", "sc", false),
    ("VolumeAttachment", "storage.k8s.io", "volumeattachments", "", false),
    ("VolumeAttributesClass", "storage.k8s.io", "volumeattributesclasses", "vac", false),
];

fn builtin() -> impl Iterator<Item = Kind> {
    BUILTIN.iter().map(|(kind, group, plural, short, namespaced)| Kind {
        kind: kind.to_string(),
        group: group.to_string(),
        plural: plural.to_string(),
        short: short.split(',').filter(|s| !s.is_empty()).map(str::to_string).collect(),
        namespaced: *namespaced,
        versions: vec![],
    })
}

/// The kinds the cluster's CustomResourceDefinitions define.
fn custom(cluster: &Cluster) -> impl Iterator<Item = Kind> + '_ {
    cluster.objects.iter().filter(|o| o.resource == CRD).map(|o| {
        let spec = &o.body["spec"];
        let names = &spec["names"];
        let strings = |v: &serde_json::Value| -> Vec<String> {
            v.as_array().map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_string)).collect()).unwrap_or_default()
        };
        Kind {
            kind: names["kind"].as_str().unwrap_or_default().to_string(),
            group: spec["group"].as_str().unwrap_or_default().to_string(),
            plural: names["plural"].as_str().unwrap_or_default().to_string(),
            short: strings(&names["shortNames"]),
            namespaced: spec["scope"].as_str() != Some("Cluster"),
            versions: spec["versions"]
                .as_array()
                .map(|vs| {
                    vs.iter()
                        .filter(|v| v["served"].as_bool() != Some(false))
                        .filter_map(|v| v["name"].as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default(),
        }
    })
}

pub fn all(cluster: &Cluster) -> Vec<Kind> {
    builtin().chain(custom(cluster)).collect()
}

/// The kind an object's `apiVersion` and `kind` map to, if the server serves it.
pub fn by_api(cluster: &Cluster, api_version: &str, kind: &str) -> Option<Kind> {
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    all(cluster).into_iter().find(|k| {
        k.kind == kind && k.group == group && (k.versions.is_empty() || k.versions.iter().any(|v| v == version))
    })
}

/// The kind a user-typed type names: `deploy`, `deployments`, `deployment.apps`,
/// `gatewayclasses.gateway.networking.k8s.io`, `crd`, `Service`.
pub fn by_name(cluster: &Cluster, query: &str) -> Option<Kind> {
    let q = query.to_ascii_lowercase();
    let kinds = all(cluster);
    let fits = |k: &Kind, name: &str| {
        name == k.plural || name == k.kind.to_ascii_lowercase() || k.short.iter().any(|s| s == name)
    };
    // A whole name first (`deployments`), then `name.group` (`deployments.apps`).
    kinds.iter().find(|k| fits(k, &q)).cloned().or_else(|| {
        kinds
            .iter()
            .find(|k| !k.group.is_empty() && q.strip_suffix(&format!(".{}", k.group)).is_some_and(|n| fits(k, n)))
            .cloned()
    })
}

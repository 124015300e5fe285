//! API objects as the API server keeps them: resource names, server-set metadata,
//! and the objects `kubeadm init` creates (kube-proxy, cluster-info).

use super::model::{Cluster, Object};
use serde_json::{Value, json};

pub const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";
pub const RESTARTED_AT: &str = "kubectl.kubernetes.io/restartedAt";

/// Built-in resources (`kind.group`, as stored), for names of kinds nobody created yet.
const BUILTIN: &[&str] = &[
    "configmap",
    "secret",
    "serviceaccount",
    "service",
    "pod",
    "namespace",
    "endpoints",
    "event",
    "persistentvolume",
    "persistentvolumeclaim",
    "daemonset.apps",
    "deployment.apps",
    "replicaset.apps",
    "statefulset.apps",
    "job.batch",
    "cronjob.batch",
    "storageclass.storage.k8s.io",
    "csidriver.storage.k8s.io",
    "clusterrole.rbac.authorization.k8s.io",
    "clusterrolebinding.rbac.authorization.k8s.io",
    "role.rbac.authorization.k8s.io",
    "rolebinding.rbac.authorization.k8s.io",
    "customresourcedefinition.apiextensions.k8s.io",
    "priorityclass.scheduling.k8s.io",
    "ingressclass.networking.k8s.io",
    "ingress.networking.k8s.io",
    "networkpolicy.networking.k8s.io",
    "lease.coordination.k8s.io",
];

/// The stored resource a user-typed type (`ds`, `configmaps`, `daemonset.apps`) names.
pub fn resolve(cluster: &Cluster, query: &str) -> Option<String> {
    let matches = super::kubectl_apply::matches;
    BUILTIN
        .iter()
        .find(|r| matches(query, r))
        .map(|r| r.to_string())
        .or_else(|| cluster.objects.iter().find(|o| matches(query, &o.resource)).map(|o| o.resource.clone()))
}

/// `daemonset.apps` → `daemonsets.apps`, `configmap` → `configmaps` (kubectl's error wording).
pub fn qualified_plural(resource: &str) -> String {
    match resource.split_once('.') {
        Some((kind, group)) => format!("{}.{group}", super::kubectl_apply::plural(kind)),
        None => super::kubectl_apply::plural(resource),
    }
}

fn has_generation(resource: &str) -> bool {
    resource.ends_with(".apps") || resource.ends_with(".batch")
}

impl Cluster {
    fn next_revision(&mut self) -> String {
        self.revision = self.revision.max(1000) + 1;
        self.revision.to_string()
    }

    /// Stores a new object with the metadata the API server sets on create.
    pub fn create_object(&mut self, resource: &str, namespace: Option<String>, mut body: Value) -> usize {
        let name = body["metadata"]["name"].as_str().unwrap_or_default().to_string();
        let uid_seed = format!("{resource}/{namespace:?}/{name}/{}", crate::util::random_u64());
        let hex = crate::util::stable_hex(&uid_seed, 32);
        let uid = format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32]);
        let meta = &mut body["metadata"];
        meta["creationTimestamp"] = json!(crate::util::iso_now());
        meta["resourceVersion"] = json!(self.next_revision());
        meta["uid"] = json!(uid);
        if has_generation(resource) {
            body["metadata"]["generation"] = json!(1);
        }
        self.objects.push(Object { resource: resource.to_string(), namespace, name, body });
        self.objects.len() - 1
    }

    /// Replaces object `i`'s content with `content` (no server fields), keeping its identity.
    pub fn update_object(&mut self, i: usize, mut content: Value) {
        let old = self.objects[i].body.clone();
        let spec_changed = old["spec"] != content["spec"];
        for key in ["creationTimestamp", "uid"] {
            if let Some(v) = old["metadata"].get(key) {
                content["metadata"][key] = v.clone();
            }
        }
        content["metadata"]["resourceVersion"] = json!(self.next_revision());
        if has_generation(&self.objects[i].resource) {
            let generation = old["metadata"]["generation"].as_u64().unwrap_or(1);
            content["metadata"]["generation"] = json!(generation + u64::from(spec_changed));
        }
        self.objects[i].body = content;
    }
}

/// An object without what the server sets and without kubectl's last-applied record.
pub fn user_content(body: &Value) -> Value {
    let mut v = body.clone();
    if let Some(meta) = v.get_mut("metadata").and_then(Value::as_object_mut) {
        for key in ["creationTimestamp", "resourceVersion", "uid", "generation", "managedFields", "selfLink"] {
            meta.remove(key);
        }
        if let Some(ann) = meta.get_mut("annotations").and_then(Value::as_object_mut) {
            ann.remove(LAST_APPLIED);
            if ann.is_empty() {
                meta.remove("annotations");
            }
        }
    }
    if let Some(map) = v.as_object_mut() {
        map.remove("status");
    }
    v
}

/// The kubeconfig kube-proxy's pods use (kubeadm's `KubeProxyConfigMap19` template).
fn kube_proxy_kubeconfig(server: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    certificate-authority: /var/run/secrets/kubernetes.io/serviceaccount/ca.crt\n    server: {server}\n  name: default\n\
         contexts:\n- context:\n    cluster: default\n    namespace: default\n    user: default\n  name: default\ncurrent-context: default\n\
         users:\n- name: default\n  user:\n    tokenFile: /var/run/secrets/kubernetes.io/serviceaccount/token"
    )
}

/// kube-proxy's component config: the config file's document if it has one, else kubeadm's defaults.
fn kube_proxy_config(doc: Option<&Value>, pod_subnet: Option<&str>) -> String {
    let mut v = doc
        .cloned()
        .unwrap_or_else(|| json!({"apiVersion": "kubeproxy.config.k8s.io/v1alpha1", "kind": "KubeProxyConfiguration"}));
    let defaults = [
        ("bindAddress", json!("0.0.0.0")),
        ("clientConnection", json!({"kubeconfig": "/var/lib/kube-proxy/kubeconfig.conf"})),
        ("clusterCIDR", json!(pod_subnet.unwrap_or_default())),
        ("mode", json!("")),
    ];
    for (k, d) in defaults {
        if v.get(k).is_none() {
            v[k] = d;
        }
    }
    serde_saphyr::to_string(&crate::util::sort_keys(&v)).unwrap_or_default().trim_end().to_string()
}

/// What `kubeadm init` stores for the kube-proxy addon and the bootstrap-token discovery.
pub fn kubeadm_objects(cluster: &mut Cluster, ca_pem: &str, kube_proxy: Option<Option<&Value>>) {
    let server = cluster.server();
    if let Some(doc) = kube_proxy {
        let conf = kube_proxy_config(doc, cluster.pod_subnet.as_deref());
        let hash = crate::util::stable_hex(&conf, 64);
        let cm = json!({
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {
                "name": "kube-proxy",
                "namespace": "kube-system",
                "labels": {"app": "kube-proxy"},
                "annotations": {"kubeadm.kubernetes.io/component-config.hash": format!("sha256:{hash}")},
            },
            "data": {"config.conf": conf, "kubeconfig.conf": kube_proxy_kubeconfig(&server)},
        });
        cluster.create_object("configmap", Some("kube-system".into()), cm);
        let image = format!("registry.k8s.io/kube-proxy:{}", cluster.version);
        let ds = json!({
            "apiVersion": "apps/v1",
            "kind": "DaemonSet",
            "metadata": {"name": "kube-proxy", "namespace": "kube-system", "labels": {"k8s-app": "kube-proxy"}},
            "spec": {
                "selector": {"matchLabels": {"k8s-app": "kube-proxy"}},
                "updateStrategy": {"type": "RollingUpdate"},
                "template": {
                    "metadata": {"labels": {"k8s-app": "kube-proxy"}},
                    "spec": {
                        "containers": [{
                            "name": "kube-proxy",
                            "image": image,
                            "command": ["/usr/local/bin/kube-proxy", "--config=/var/lib/kube-proxy/config.conf", "--hostname-override=$(NODE_NAME)"],
                            "env": [{"name": "NODE_NAME", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}}],
                            "securityContext": {"privileged": true},
                            "volumeMounts": [
                                {"name": "kube-proxy", "mountPath": "/var/lib/kube-proxy"},
                                {"name": "xtables-lock", "mountPath": "/run/xtables.lock"},
                                {"name": "lib-modules", "mountPath": "/lib/modules", "readOnly": true},
                            ],
                        }],
                        "hostNetwork": true,
                        "nodeSelector": {"kubernetes.io/os": "linux"},
                        "priorityClassName": "system-node-critical",
                        "serviceAccountName": "kube-proxy",
                        "tolerations": [{"operator": "Exists"}],
                        "volumes": [
                            {"name": "kube-proxy", "configMap": {"name": "kube-proxy"}},
                            {"name": "xtables-lock", "hostPath": {"path": "/run/xtables.lock", "type": "FileOrCreate"}},
                            {"name": "lib-modules", "hostPath": {"path": "/lib/modules"}},
                        ],
                    },
                },
            },
        });
        cluster.create_object("daemonset.apps", Some("kube-system".into()), ds);
    }
    // kubeadm's CoreDNS addon: two replicas, a readiness probe without a period (10 s).
    let coredns = json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "coredns", "namespace": "kube-system", "labels": {"k8s-app": "kube-dns"}},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"k8s-app": "kube-dns"}},
            "template": {
                "metadata": {"labels": {"k8s-app": "kube-dns"}},
                "spec": {
                    "containers": [{
                        "name": "coredns",
                        "image": "registry.k8s.io/coredns/coredns:v1.12.1",
                        "args": ["-conf", "/etc/coredns/Corefile"],
                        "readinessProbe": {"httpGet": {"path": "/ready", "port": 8181, "scheme": "HTTP"}},
                    }],
                },
            },
        },
    });
    cluster.create_object("deployment.apps", Some("kube-system".into()), coredns);
    let kubeconfig = format!(
        "apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: {}\n    server: {server}\n  name: \"\"\n\
         contexts: null\ncurrent-context: \"\"\nkind: Config\npreferences: {{}}\nusers: null\n",
        crate::util::base64(ca_pem.as_bytes())
    );
    let info = json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "cluster-info", "namespace": "kube-public"},
        "data": {"kubeconfig": kubeconfig},
    });
    let i = cluster.create_object("configmap", Some("kube-public".into()), info);
    after_write(cluster, i);
}

fn is_cluster_info(o: &Object) -> bool {
    o.resource == "configmap" && o.name == "cluster-info" && o.namespace.as_deref() == Some("kube-public")
}

/// What controllers do after object `i` was written: the bootstrap signer (in the
/// controller manager) re-signs cluster-info's kubeconfig for every bootstrap token.
pub fn after_write(cluster: &mut Cluster, i: usize) {
    if !is_cluster_info(&cluster.objects[i]) {
        return;
    }
    let token_id = cluster.token.split('.').next().unwrap_or_default().to_string();
    let body = &cluster.objects[i].body;
    let kubeconfig = body["data"]["kubeconfig"].as_str().unwrap_or_default().to_string();
    let key = format!("jws-kubeconfig-{token_id}");
    // A detached JWS (`header..signature`): HS256 keyed by the token, over the kubeconfig.
    let header = crate::util::base64(format!("{{\"alg\":\"HS256\",\"kid\":\"{token_id}\"}}").as_bytes());
    let header = header.trim_end_matches('=').replace('+', "-").replace('/', "_");
    let jws = format!("{header}..{}", crate::util::stable_hex(&format!("{}{kubeconfig}", cluster.token), 43));
    if body["data"][&key] == json!(jws) {
        return;
    }
    let revision = cluster.next_revision();
    let body = &mut cluster.objects[i].body;
    body["data"][&key] = json!(jws);
    body["metadata"]["resourceVersion"] = json!(revision);
}

/// The server of `kube-public/cluster-info`'s kubeconfig: where joining kubelets bootstrap to.
pub fn cluster_info_server(cluster: &Cluster) -> Option<String> {
    let cm = cluster.objects.iter().find(|o| is_cluster_info(o))?;
    super::dial::kubeconfig_server(cm.body["data"]["kubeconfig"].as_str()?).ok()
}

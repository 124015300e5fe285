//! API objects as the API server keeps them: resource names, server-set metadata,
//! and the objects `kubeadm init` creates (kube-proxy, cluster-info).

use super::model::{Cluster, Object};
use serde_json::{Value, json};

pub const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";
pub const RESTARTED_AT: &str = "kubectl.kubernetes.io/restartedAt";

/// `daemonset.apps` → `daemonsets.apps`, `configmap` → `configmaps` (kubectl's error wording).
pub fn qualified_plural(resource: &str) -> String {
    match resource.split_once('.') {
        Some((kind, group)) => format!("{}.{group}", super::kubectl_apply::plural(kind)),
        None => super::kubectl_apply::plural(resource),
    }
}

/// Whether the API server tracks `metadata.generation` (workloads, CRDs, custom resources...).
fn has_generation(resource: &str) -> bool {
    let group = resource.split_once('.').map_or("", |(_, g)| g);
    ["apps", "batch", "policy", "autoscaling", "apiextensions.k8s.io", "networking.k8s.io"].contains(&group)
        || !super::kubectl_apply::BUILTIN_GROUPS.contains(&group)
}

/// What the Service registry fills in: a cluster IP from the service subnet, and node
/// ports for NodePort and LoadBalancer Services.
fn allocate_service(cluster: &mut Cluster, body: &mut Value) {
    let spec = &mut body["spec"];
    let kind = spec["type"].as_str().unwrap_or("ClusterIP").to_string();
    if kind == "ExternalName" {
        return;
    }
    if spec["clusterIP"].as_str().is_none_or(str::is_empty) {
        cluster.allocated += 1;
        let ip = cluster.service_ip(10 + cluster.allocated);
        spec["clusterIP"] = json!(ip.to_string());
        spec["clusterIPs"] = json!([ip.to_string()]);
    }
    if spec["type"].is_null() {
        spec["type"] = json!("ClusterIP");
    }
    if (kind == "NodePort" || kind == "LoadBalancer")
        && let Some(ports) = spec["ports"].as_array_mut()
    {
        for p in ports.iter_mut().filter(|p| p["nodePort"].is_null()) {
            cluster.allocated += 1;
            p["nodePort"] = json!(30000 + (cluster.allocated * 7919) % 2768);
        }
    }
    for p in spec["ports"].as_array_mut().into_iter().flatten() {
        if p["protocol"].is_null() {
            p["protocol"] = json!("TCP");
        }
    }
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
        if resource == "service" {
            allocate_service(self, &mut body);
        }
        self.objects.push(Object { resource: resource.to_string(), namespace, name, body });
        self.objects.len() - 1
    }

    /// Replaces object `i`'s content with `content` (no server fields), keeping its
    /// identity and its status (only the status subresource writes that).
    pub fn update_object(&mut self, i: usize, mut content: Value) {
        let old = self.objects[i].body.clone();
        match old.get("status") {
            Some(status) => content["status"] = status.clone(),
            None => {
                if let Some(map) = content.as_object_mut() {
                    map.remove("status");
                }
            }
        }
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
        if self.objects[i].resource == "service" {
            keep_allocations(&old["spec"], &mut content["spec"]);
            allocate_service(self, &mut content);
        }
        self.objects[i].body = content;
    }
}

/// An update keeps the cluster IP and node ports the registry gave, unless it sets them.
fn keep_allocations(old: &Value, new: &mut Value) {
    for key in ["clusterIP", "clusterIPs"] {
        if new[key].is_null() && !old[key].is_null() {
            new[key] = old[key].clone();
        }
    }
    let old_ports = old["ports"].as_array().cloned().unwrap_or_default();
    for p in new["ports"].as_array_mut().into_iter().flatten() {
        if p["nodePort"].is_null()
            && let Some(o) = old_ports.iter().find(|o| o["port"] == p["port"] && !o["nodePort"].is_null())
        {
            p["nodePort"] = o["nodePort"].clone();
        }
    }
}

/// Whether every field of `part` has the same value in `whole` (server defaults aside).
pub fn subset(part: &Value, whole: &Value) -> bool {
    match (part, whole) {
        (Value::Object(p), Value::Object(w)) => p.iter().all(|(k, v)| w.get(k).is_some_and(|x| subset(v, x))),
        (Value::Array(p), Value::Array(w)) => p.len() == w.len() && p.iter().zip(w).all(|(a, b)| subset(a, b)),
        _ => part == whole,
    }
}

impl Cluster {
    /// Writes object `i`'s status (the status subresource); false if nothing changed.
    pub fn set_status(&mut self, i: usize, status: Value) -> bool {
        if self.objects[i].body.get("status") == Some(&status) {
            return false;
        }
        let revision = self.next_revision();
        let body = &mut self.objects[i].body;
        body["status"] = status;
        body["metadata"]["resourceVersion"] = json!(revision);
        true
    }

    /// The index of an object by stored resource, namespace and name.
    pub fn find(&self, resource: &str, namespace: Option<&str>, name: &str) -> Option<usize> {
        self.objects
            .iter()
            .position(|o| o.resource == resource && o.name == name && o.namespace.as_deref() == namespace)
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
    super::coredns::kubeadm_objects(cluster);
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

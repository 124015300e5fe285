//! kina-lb's JSONPath query evaluated by a real kubectl 1.35 against a small
//! stand-in API server on loopback (plain HTTP: discovery plus three lists),
//! then kina-lb's awk program on what kubectl printed: the node-side pipeline
//! as it runs in the control plane, minus the cluster.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::process::{Command, Stdio};

use serde_json::{Value, json};

fn query_and_program() -> (String, String) {
    let root = env!("CARGO_MANIFEST_DIR");
    let read = |f: &str| std::fs::read_to_string(format!("{root}/src/addons/load_balancer/{f}")).unwrap();
    (read("query.jsonpath").trim_end().to_string(), read("assign.awk"))
}

fn resources(group_version: &str, list: &[(&str, &str, bool)]) -> Value {
    let resources: Vec<Value> = list
        .iter()
        .map(|(name, kind, namespaced)| {
            json!({"name": name, "singularName": "", "namespaced": namespaced, "kind": kind, "verbs": ["get", "list"]})
        })
        .collect();
    json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": resources})
}

fn group(name: &str) -> Value {
    let version = json!({"groupVersion": format!("{name}/v1"), "version": "v1"});
    json!({"name": name, "versions": [version.clone()], "preferredVersion": version})
}

fn list(kind: &str, api_version: &str, items: Vec<Value>) -> Value {
    json!({"kind": format!("{kind}List"), "apiVersion": api_version, "metadata": {"resourceVersion": "1"}, "items": items})
}

/// What the stand-in API server answers for `path`.
fn answer(path: &str) -> Option<Value> {
    let path = path.split('?').next().unwrap_or(path);
    Some(match path {
        "/api" => json!({"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []}),
        "/apis" => json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": [
            group("discovery.k8s.io"), group("networking.k8s.io"), group("gateway.networking.k8s.io"),
        ]}),
        "/apis/networking.k8s.io/v1" => resources("networking.k8s.io/v1", &[("ingresses", "Ingress", true)]),
        "/apis/gateway.networking.k8s.io/v1" => resources(
            "gateway.networking.k8s.io/v1",
            &[("gateways", "Gateway", true), ("httproutes", "HTTPRoute", true)],
        ),
        "/apis/networking.k8s.io/v1/ingresses" => list(
            "Ingress",
            "networking.k8s.io/v1",
            vec![json!({"metadata": {"name": "web", "namespace": "default"},
                "spec": {"rules": [{"host": "web.kina.kina.internal"}, {"host": "web.example.com"}, {"http": {}}]},
                "status": {"loadBalancer": {"ingress": [{"ip": "192.168.64.3"}]}}})],
        ),
        "/apis/gateway.networking.k8s.io/v1/gateways" => list(
            "Gateway",
            "gateway.networking.k8s.io/v1",
            vec![json!({"metadata": {"name": "kina", "namespace": "default"},
                "spec": {"gatewayClassName": "kina"},
                "status": {"addresses": [{"type": "IPAddress", "value": "192.168.64.4"}]}})],
        ),
        "/apis/gateway.networking.k8s.io/v1/httproutes" => list(
            "HTTPRoute",
            "gateway.networking.k8s.io/v1",
            vec![
                json!({"metadata": {"name": "shop", "namespace": "default"},
                    "spec": {"parentRefs": [{"name": "kina"}], "hostnames": ["shop.kina.kina.internal", "shop.example.com"]}}),
                json!({"metadata": {"name": "all", "namespace": "apps"},
                    "spec": {"parentRefs": [{"name": "kina", "namespace": "default"}]}}),
            ],
        ),
        "/api/v1" => resources("v1", &[("nodes", "Node", false), ("services", "Service", true), ("pods", "Pod", true)]),
        "/apis/discovery.k8s.io/v1" => resources("discovery.k8s.io/v1", &[("endpointslices", "EndpointSlice", true)]),
        "/api/v1/nodes" => list(
            "Node",
            "v1",
            vec![
                json!({"metadata": {"name": "kina-control-plane", "labels": {"node-role.kubernetes.io/control-plane": ""}},
                   "status": {"addresses": [{"type": "InternalIP", "address": "192.168.64.3"}, {"type": "Hostname", "address": "kina-control-plane"}]}}),
                json!({"metadata": {"name": "kina-worker"},
                   "status": {"addresses": [{"type": "Hostname", "address": "kina-worker"}, {"type": "InternalIP", "address": "192.168.64.4"}]}}),
            ],
        ),
        "/api/v1/services" => list(
            "Service",
            "v1",
            vec![
                json!({"metadata": {"name": "kubernetes", "namespace": "default"},
                   "spec": {"type": "ClusterIP", "ports": [{"port": 443, "protocol": "TCP"}]}}),
                json!({"metadata": {"name": "web", "namespace": "default"},
                   "spec": {"type": "LoadBalancer", "externalTrafficPolicy": "Cluster",
                            "ports": [{"port": 8080, "protocol": "TCP", "nodePort": 31080}]},
                   "status": {"loadBalancer": {}}}),
                json!({"metadata": {"name": "envoy-default-kina-1a2b3c4d", "namespace": "envoy-gateway-system"},
                   "spec": {"type": "LoadBalancer", "externalTrafficPolicy": "Local", "healthCheckNodePort": 32000,
                            "ports": [{"port": 80, "protocol": "TCP", "nodePort": 30080}]},
                   "status": {"loadBalancer": {"ingress": [{"ip": "192.168.64.3", "ipMode": "VIP"}]}}}),
                json!({"metadata": {"name": "other", "namespace": "x"},
                   "spec": {"type": "LoadBalancer", "loadBalancerClass": "example.com/lb", "ports": [{"port": 80, "protocol": "TCP"}]}}),
            ],
        ),
        "/apis/discovery.k8s.io/v1/endpointslices" => list(
            "EndpointSlice",
            "discovery.k8s.io/v1",
            vec![
                json!({"metadata": {"name": "envoy-abc", "namespace": "envoy-gateway-system",
                                "labels": {"kubernetes.io/service-name": "envoy-default-kina-1a2b3c4d"}},
                   "addressType": "IPv4",
                   "endpoints": [{"addresses": ["10.244.1.5"], "conditions": {"ready": true}, "nodeName": "kina-worker",
                                  "targetRef": {"kind": "Pod", "name": "envoy-default-kina-1a2b3c4d-xyz", "namespace": "envoy-gateway-system"}}]}),
                json!({"metadata": {"name": "web-xyz", "namespace": "default", "labels": {"kubernetes.io/service-name": "web"}},
                   "addressType": "IPv4", "endpoints": null}),
            ],
        ),
        "/api/v1/pods" => list(
            "Pod",
            "v1",
            vec![
                json!({"metadata": {"name": "controller-abc", "namespace": "ingress-nginx"},
                   "spec": {"nodeName": "kina-worker", "containers": [
                       {"name": "controller", "ports": [{"containerPort": 80, "hostPort": 80, "protocol": "TCP"}, {"containerPort": 8443, "protocol": "TCP"}]},
                       {"name": "sidecar"}]}}),
                json!({"metadata": {"name": "pending", "namespace": "default"}, "spec": {"containers": [{"name": "c"}]}}),
            ],
        ),
        _ => return None,
    })
}

fn serve(listener: TcpListener) {
    for stream in listener.incoming() {
        let Ok(mut stream) = stream else { return };
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut request = String::new();
        if reader.read_line(&mut request).is_err() {
            continue;
        }
        let mut line = String::new();
        while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line != "\r\n" {
            line.clear();
        }
        let path = request.split_whitespace().nth(1).unwrap_or("/").to_string();
        if path == "/quit" {
            return;
        }
        let (status, body) = match answer(&path) {
            Some(v) => ("200 OK", v.to_string()),
            None => (
                "404 Not Found",
                json!({"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": 404, "reason": "NotFound"})
                    .to_string(),
            ),
        };
        let _ = write!(
            stream,
            "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
    }
}

/// `kubectl get RESOURCES --all-namespaces -o jsonpath=QUERY` against the stand-in.
fn kubectl_get(resources: &str, query: &str) -> std::process::Output {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = std::thread::spawn(move || serve(listener));
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("config");
    std::fs::write(
        &kubeconfig,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: http://{addr}\ncontexts:\n- name: c\n  context:\n    cluster: c\n    user: u\ncurrent-context: c\nusers:\n- name: u\n  user: {{}}\n"
        ),
    )
    .unwrap();
    let out = Command::new(crate::kubectl::kubectl())
        .args(["--kubeconfig", kubeconfig.to_str().unwrap(), "--cache-dir", dir.path().join("cache").to_str().unwrap()])
        .args(["get", resources, "--all-namespaces", "-o", &format!("jsonpath={query}")])
        .env_clear()
        .env("HOME", dir.path())
        .output()
        .unwrap();
    let _ = std::net::TcpStream::connect(addr).and_then(|mut s| s.write_all(b"GET /quit HTTP/1.1\r\n\r\n"));
    let _ = server.join();
    out
}

#[test]
fn a_real_kubectl_evaluates_the_query_the_way_the_program_expects() {
    let (query, program) = query_and_program();
    let out = kubectl_get("nodes,services,endpointslices,pods", &query);
    assert!(out.status.success(), "kubectl: {}", String::from_utf8_lossy(&out.stderr));
    let listing = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = listing.lines().collect();
    assert_eq!(
        lines,
        [
            "Node\t\tkina-control-plane\t\t\t\t\t192.168.64.3,\t\t\t\tTCP/,\t\t",
            "Node\t\tkina-worker\t\t\t\t\t192.168.64.4,\t\t\t\tTCP/,\t\t",
            "Service\tdefault\tkubernetes\tClusterIP\t\tTCP/443,\t\t\t\t\t\tTCP/,TCP/,\t\t",
            "Service\tdefault\tweb\tLoadBalancer\t\tTCP/8080,\t\t\t\t\tCluster\tTCP/31080,TCP/,\t\t",
            "Service\tenvoy-gateway-system\tenvoy-default-kina-1a2b3c4d\tLoadBalancer\t\tTCP/80,\t192.168.64.3,\t\t\t\tLocal\tTCP/30080,TCP/32000,\t\t",
            "Service\tx\tother\tLoadBalancer\texample.com/lb\tTCP/80,\t\t\t\t\t\tTCP/,TCP/,\t\t",
            "EndpointSlice\tenvoy-gateway-system\tenvoy-abc\t\t\t\t\t\tenvoy-default-kina-1a2b3c4d\tkina-worker=true=envoy-default-kina-1a2b3c4d-xyz,\t\tTCP/,\t\t",
            "EndpointSlice\tdefault\tweb-xyz\t\t\t\t\t\tweb\t\t\tTCP/,\t\t",
            "Pod\tingress-nginx\tcontroller-abc\t\t\t\t\t\t\t\t\tTCP/,\tkina-worker\tTCP/80,TCP/,",
            "Pod\tdefault\tpending\t\t\t\t\t\t\t\t\tTCP/,\t\t",
        ],
        "{listing}"
    );
    // And the program's decisions on it: the Local Envoy Service may only be
    // where its pod runs, the worker, but ingress-nginx's pod holds hostPort 80
    // there: its stale address is cleared (it waits); web gets the first node.
    let mut awk = Command::new("awk")
        .args(["-F", "\t", "-v", "mode=once", &program])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    awk.stdin.take().unwrap().write_all(listing.as_bytes()).unwrap();
    let decided = String::from_utf8(awk.wait_with_output().unwrap().stdout).unwrap();
    assert_eq!(decided, "clear envoy-gateway-system envoy-default-kina-1a2b3c4d\nset default web 192.168.64.3\n");
}

/// The names step's query (kina-lb.sh's `names`), by a real kubectl over
/// Ingresses, then Gateways and HTTPRoutes, and the names program on it.
#[test]
fn a_real_kubectl_evaluates_the_names_query_the_way_the_program_expects() {
    let root = env!("CARGO_MANIFEST_DIR");
    let read = |f: &str| std::fs::read_to_string(format!("{root}/src/addons/load_balancer/{f}")).unwrap();
    let (query, program) = (read("names.jsonpath").trim_end().to_string(), read("names.awk"));
    let mut listing = String::new();
    for resources in
        ["ingresses.networking.k8s.io", "gateways.gateway.networking.k8s.io,httproutes.gateway.networking.k8s.io"]
    {
        let out = kubectl_get(resources, &query);
        assert!(out.status.success(), "kubectl: {}", String::from_utf8_lossy(&out.stderr));
        listing.push_str(&String::from_utf8(out.stdout).unwrap());
        listing.push('\n');
    }
    assert_eq!(
        listing.lines().filter(|l| !l.is_empty()).collect::<Vec<_>>(),
        [
            "Ingress\tdefault\tweb\tweb.kina.kina.internal,web.example.com,,\t192.168.64.3,\t\t\t",
            "Gateway\tdefault\tkina\t\t\t\t\t192.168.64.4,",
            "HTTPRoute\tdefault\tshop\t\t\t/kina,\tshop.kina.kina.internal,shop.example.com,\t",
            "HTTPRoute\tapps\tall\t\t\tdefault/kina,\t\t",
        ],
        "{listing}"
    );
    let mut awk = Command::new("awk")
        .args(["-F", "\t", "-v", "zone=kina.kina.internal", &program])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    awk.stdin.take().unwrap().write_all(listing.as_bytes()).unwrap();
    let hosts = String::from_utf8(awk.wait_with_output().unwrap().stdout).unwrap();
    assert_eq!(hosts, "192.168.64.3 web.kina.kina.internal\n192.168.64.4 shop.kina.kina.internal\n");
}

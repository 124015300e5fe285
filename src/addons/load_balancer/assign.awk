# Gives each Service of type LoadBalancer one node address whose ports it can
# have to itself. Input: one tab-separated line per object (query.jsonpath):
#   1 kind  2 ns  3 name  4 type  5 lbClass  6 ports (TCP/80,)  7 ingress IPs (ip,)
#   8 node IPs (ip,)  9 svcName  10 endpoints (node=ready=pod,)  11 externalTrafficPolicy
#   12 node ports and health check port (TCP/31234,)  13 a pod node  14 its hostPorts (TCP/80,)
# Output: "set ns name ip", "clear ns name" or "pending ns name reason".
# mode=clear clears every node address this controller may have set.
# Exits 2 when the listing has no node (it was incomplete: change nothing).
function first(list,    parts) {
    split(list, parts, ",")
    return parts[1]
}
# Whether every port is free on ip for Service key. A hostPort of a pod there is
# no obstacle to a Service that has that very pod as an endpoint.
function fits(ip, ports, key,    n, p, i, owner) {
    n = split(ports, p, ",")
    for (i = 1; i <= n; i++) {
        if (p[i] == "" || !((ip, p[i]) in taken)) continue
        owner = taken[ip, p[i]]
        if (!(index(owner, "pod:") == 1 && ((key, substr(owner, 5)) in endpoint_pod))) return 0
    }
    return 1
}
function take(ip, ports, key,    n, p, i) {
    n = split(ports, p, ",")
    for (i = 1; i <= n; i++)
        if (p[i] != "") taken[ip, p[i]] = key
}
# A LoadBalancer rule on a node address would take over the port there: keep
# the API server (6443), etcd (2379, 2380), the kubelet (10250) and
# kube-proxy (10256) out of reach on every node.
function reserve(ip) {
    take(ip, "TCP/6443,TCP/2379,TCP/2380,TCP/10250,TCP/10256,", "cluster")
}
$1 == "Node" {
    ip = first($8)
    if (ip != "") {
        nodes++
        node_ip[nodes] = ip
        ip_of[$3] = ip
        is_node_ip[ip] = 1
    }
    next
}
$1 == "Pod" && $13 != "" {
    host_ports[$13] = host_ports[$13] $14
    n = split($14, hp, ",")
    for (i = 1; i <= n; i++)
        if (hp[i] != "") host_port_owner[$13, hp[i]] = "pod:" $2 "/" $3
    next
}
$1 == "Service" {
    node_ports = node_ports $12
    if ($4 != "LoadBalancer" || $5 != "") next
    key = $2 "/" $3
    services++
    svc[services] = key
    svc_ns[key] = $2
    svc_name[key] = $3
    svc_ports[key] = $6
    svc_local[key] = ($11 == "Local")
    current[key] = first($7)
    next
}
$1 == "EndpointSlice" && $9 != "" {
    key = $2 "/" $9
    n = split($10, eps, ",")
    for (i = 1; i <= n; i++) {
        split(eps[i], ep, "=")
        # An endpoint without a ready condition counts as ready (API semantics).
        if (ep[1] != "" && ep[2] != "false") {
            hosts[key, ep[1]] = 1
            has_endpoints[key] = 1
        }
        if (ep[3] != "") endpoint_pod[key, $2 "/" ep[3]] = 1
    }
    next
}
function runs_endpoint(key, ip,    name) {
    for (name in ip_of)
        if (ip_of[name] == ip && ((key, name) in hosts)) return 1
    return 0
}
END {
    # Without nodes the list was incomplete: change nothing rather than clear all.
    if (nodes == 0) exit 2
    if (mode == "clear") {
        for (s = 1; s <= services; s++)
            if (current[svc[s]] in is_node_ip) print "clear", svc_ns[svc[s]], svc_name[svc[s]]
        exit
    }
    for (i = 1; i <= nodes; i++) {
        reserve(node_ip[i])
        take(node_ip[i], node_ports, "node port")
    }
    for (name in ip_of) {
        n = split(host_ports[name], hp, ",")
        for (i = 1; i <= n; i++)
            if (hp[i] != "" && !((ip_of[name], hp[i]) in taken)) taken[ip_of[name], hp[i]] = host_port_owner[name, hp[i]]
    }
    # Addresses already given stay put while they still belong to a node and
    # are free there, unless the Service only answers where its endpoints run
    # (externalTrafficPolicy: Local) and some now run elsewhere.
    for (s = 1; s <= services; s++) {
        key = svc[s]
        ip = current[key]
        if (ip == "" || !(ip in is_node_ip) || !fits(ip, svc_ports[key], key)) continue
        if (svc_local[key] && (key in has_endpoints) && !runs_endpoint(key, ip)) continue
        take(ip, svc_ports[key], key)
        done[key] = 1
    }
    # Local Services can only use nodes that run their endpoints: they choose
    # first, then the others.
    for (round = 1; round <= 2; round++) for (s = 1; s <= services; s++) {
        key = svc[s]
        if ((key in done) || (round == 1) != svc_local[key]) continue
        done[key] = 1
        chosen = ""
        # Prefer a node that runs an endpoint of the Service; with the Local
        # policy, only such a node answers at all.
        for (pass = 1; pass <= 2 && chosen == ""; pass++) {
            if (pass == 2 && svc_local[key]) break
            for (i = 1; i <= nodes && chosen == ""; i++) {
                ip = node_ip[i]
                if ((pass == 1 && !runs_endpoint(key, ip)) || !fits(ip, svc_ports[key], key)) continue
                chosen = ip
            }
        }
        if (chosen != "") {
            take(chosen, svc_ports[key], key)
            print "set", svc_ns[key], svc_name[key], chosen
        } else if (current[key] != "") {
            print "clear", svc_ns[key], svc_name[key]
        } else if (svc_local[key] && !(key in has_endpoints)) {
            print "pending", svc_ns[key], svc_name[key], "no ready endpoint yet (externalTrafficPolicy: Local)"
        } else if (svc_local[key]) {
            print "pending", svc_ns[key], svc_name[key], "its ports are taken on the nodes that run its endpoints"
        } else {
            print "pending", svc_ns[key], svc_name[key], "its ports are taken on every node"
        }
    }
}

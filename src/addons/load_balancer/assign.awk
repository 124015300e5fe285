# Gives each Service of type LoadBalancer one node address whose ports it can
# have to itself. Input: one tab-separated line per object (query.jsonpath):
#   kind ns name type lbClass ports(TCP/80,) ingressIPs(ip,) nodeIPs(ip,) svcName endpoints(node=ready,)
# Output: "set ns name ip", "clear ns name" or "pending ns name".
# mode=clear clears every address this controller may have set.
function first(list,    parts) {
    split(list, parts, ",")
    return parts[1]
}
function fits(ip, ports,    n, p, i) {
    n = split(ports, p, ",")
    for (i = 1; i <= n; i++)
        if (p[i] != "" && ((ip, p[i]) in taken)) return 0
    return 1
}
function take(ip, ports, key,    n, p, i) {
    n = split(ports, p, ",")
    for (i = 1; i <= n; i++)
        if (p[i] != "") taken[ip, p[i]] = key
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
$1 == "Service" && $4 == "LoadBalancer" && $5 == "" {
    key = $2 "/" $3
    services++
    svc[services] = key
    svc_ns[key] = $2
    svc_name[key] = $3
    svc_ports[key] = $6
    current[key] = first($7)
    next
}
$1 == "EndpointSlice" && $9 != "" {
    key = $2 "/" $9
    n = split($10, eps, ",")
    for (i = 1; i <= n; i++) {
        split(eps[i], ep, "=")
        # An endpoint without a ready condition counts as ready (API semantics).
        if (ep[1] != "" && ep[2] != "false") hosts[key, ep[1]] = 1
    }
    next
}
END {
    if (mode == "clear") {
        for (s = 1; s <= services; s++)
            if (current[svc[s]] != "") print "clear", svc_ns[svc[s]], svc_name[svc[s]]
        exit
    }
    # Addresses already given stay put while they still belong to a node and are free.
    for (s = 1; s <= services; s++) {
        key = svc[s]
        ip = current[key]
        if (ip != "" && (ip in is_node_ip) && fits(ip, svc_ports[key])) {
            take(ip, svc_ports[key], key)
            done[key] = 1
        }
    }
    for (s = 1; s <= services; s++) {
        key = svc[s]
        if (key in done) continue
        chosen = ""
        # Prefer a node that runs an endpoint of the Service.
        for (pass = 1; pass <= 2 && chosen == ""; pass++) {
            for (i = 1; i <= nodes && chosen == ""; i++) {
                ip = node_ip[i]
                local = 0
                for (name in ip_of)
                    if (ip_of[name] == ip && ((key, name) in hosts)) local = 1
                if ((pass == 1 && !local) || !fits(ip, svc_ports[key])) continue
                chosen = ip
            }
        }
        if (chosen != "") {
            take(chosen, svc_ports[key], key)
            print "set", svc_ns[key], svc_name[key], chosen
        } else if (current[key] != "") {
            print "clear", svc_ns[key], svc_name[key]
        } else {
            print "pending", svc_ns[key], svc_name[key]
        }
    }
}

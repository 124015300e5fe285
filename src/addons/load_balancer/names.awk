# The hosts file of `kina install names`: one "IP NAME" line per Ingress or
# HTTPRoute hostname under the zone. Input: one tab-separated line per object
# (names.jsonpath):
#   1 kind  2 ns  3 name  4 Ingress rule hosts (h,)  5 Ingress status IPs (ip,)
#   6 HTTPRoute parentRefs (ns/name,)  7 HTTPRoute hostnames (h,)  8 Gateway addresses (a,)
# An Ingress answers at its status addresses (ingress-nginx publishes the address
# of its Service); an HTTPRoute at the addresses of the Gateways it is attached to.
# Wildcard hosts are left out (the hosts plugin of CoreDNS 1.12 has no wildcards).
function under(h) {
    h = tolower(h)
    return h != zone && index(h, "*") == 0 && substr(h, length(h) - length(zone)) == "." zone
}
function ipv4(a) {
    return a ~ /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/
}
function add(ip, h,    line) {
    line = ip " " tolower(h)
    if (ipv4(ip) && under(h) && !(line in seen)) {
        seen[line] = 1
        print line
    }
}
$1 == "Ingress" {
    nh = split($4, hosts, ",")
    ni = split($5, ips, ",")
    for (i = 1; i <= nh; i++) for (j = 1; j <= ni; j++) add(ips[j], hosts[i])
    next
}
$1 == "Gateway" {
    gateway[$2 "/" $3] = $8
    next
}
$1 == "HTTPRoute" {
    routes++
    route_ns[routes] = $2
    route_parents[routes] = $6
    route_hosts[routes] = $7
}
END {
    for (r = 1; r <= routes; r++) {
        np = split(route_parents[r], parents, ",")
        nh = split(route_hosts[r], hosts, ",")
        for (p = 1; p <= np; p++) {
            if (parents[p] == "") continue
            ref = parents[p]
            if (index(ref, "/") == 1) ref = route_ns[r] ref
            na = split(gateway[ref], addresses, ",")
            for (a = 1; a <= na; a++) for (i = 1; i <= nh; i++) add(addresses[a], hosts[i])
        }
    }
}

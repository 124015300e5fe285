#!/bin/sh
# kina-lb: gives each Service of type LoadBalancer the address of a node, which
# the Mac reaches directly (vmnet delivers only frames addressed to a VM's own
# IP, so floating addresses would never arrive). kube-proxy then forwards
# <node IP>:<port> to the Service's endpoints.
# Installed by `kina install load-balancer`; runs as kina-lb.service on the
# control plane. Usage: kina-lb run | once | clear
set -u
KUBECTL="kubectl --kubeconfig=/etc/kubernetes/admin.conf"
INTERVAL=2
QUERY='@QUERY@'
ASSIGN='@ASSIGN@'
NAMES_QUERY='@NAMES_QUERY@'
NAMES='@NAMES@'

# Sets a Service's status.loadBalancer and says so.
status() {
	$KUBECTL patch service "$2" --namespace="$1" --subresource=status --type=merge \
		-p "{\"status\":{\"loadBalancer\":$3}}" >/dev/null && echo "$1/$2: $4"
}

# One pass; exits non-zero if the cluster could not be listed or a patch failed.
reconcile() {
	# dash has no pipefail: keep the listing apart so its failure is seen.
	objects=$($KUBECTL get nodes,services,endpointslices,pods --all-namespaces -o "jsonpath=$QUERY") || {
		echo "kina-lb: could not list nodes, services, endpointslices and pods" >&2
		return 1
	}
	actions=$(printf '%s\n' "$objects" | awk -F '\t' -v mode="$1" "$ASSIGN") || {
		echo "kina-lb: the listing had no nodes, or awk failed; nothing changed" >&2
		return 1
	}
	[ -n "$actions" ] || return 0
	printf '%s\n' "$actions" | {
		failed=0
		while read -r action ns name detail; do
			case "$action" in
			set) status "$ns" "$name" "{\"ingress\":[{\"ip\":\"$detail\"}]}" "$detail" || failed=1 ;;
			clear) status "$ns" "$name" '{"ingress":null}' cleared || failed=1 ;;
			pending)
				[ "$1" = loop ] || echo "$ns/$name: pending ($detail)"
				;;
			esac
		done
		exit "$failed"
	}
}

# With `kina install names` (the kina-names ConfigMap has a zone): keeps its
# hosts file to the Ingress and HTTPRoute hostnames under the zone.
names() {
	zone=$($KUBECTL get configmap kina-names --namespace=kube-system --ignore-not-found -o 'jsonpath={.data.zone}') || return 1
	[ -n "$zone" ] || return 0
	ingresses=$($KUBECTL get ingresses.networking.k8s.io --all-namespaces -o "jsonpath=$NAMES_QUERY") || {
		echo "kina-lb: could not list ingresses" >&2
		return 1
	}
	# Without the Gateway API's CRDs there are no routes.
	routes=$($KUBECTL get gateways.gateway.networking.k8s.io,httproutes.gateway.networking.k8s.io --all-namespaces \
		-o "jsonpath=$NAMES_QUERY" 2>/dev/null) || routes=""
	hosts=$(printf '%s\n%s\n' "$ingresses" "$routes" | awk -F '\t' -v zone="$zone" "$NAMES") || return 1
	current=$($KUBECTL get configmap kina-names --namespace=kube-system -o 'jsonpath={.data.hosts}') || return 1
	[ "$hosts" != "$current" ] || return 0
	# Names and IPv4 addresses only (awk checked): nothing to escape in JSON.
	data=$(printf '%s' "$hosts" | awk 'BEGIN { ORS = "" } { print $0 "\\n" }')
	$KUBECTL patch configmap kina-names --namespace=kube-system --type=merge \
		-p "{\"data\":{\"hosts\":\"$data\"}}" >/dev/null || return 1
	echo "names under $zone: $(printf '%s' "$hosts" | grep -c .) Ingress and HTTPRoute hostnames"
}

case "${1:-run}" in
once)
	reconcile once
	status=$?
	names || status=1
	exit "$status"
	;;
clear) reconcile clear ;;
run)
	while :; do
		reconcile loop
		names
		sleep "$INTERVAL"
	done
	;;
*)
	echo "usage: kina-lb run | once | clear" >&2
	exit 2
	;;
esac

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

case "${1:-run}" in
once) reconcile once ;;
clear) reconcile clear ;;
run)
	while :; do
		reconcile loop
		sleep "$INTERVAL"
	done
	;;
*)
	echo "usage: kina-lb run | once | clear" >&2
	exit 2
	;;
esac

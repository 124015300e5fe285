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

reconcile() {
	$KUBECTL get nodes,services,endpointslices --all-namespaces -o "jsonpath=$QUERY" |
		awk -F '\t' -v mode="$1" "$ASSIGN" |
		while read -r action ns name ip; do
			case "$action" in
			set)
				$KUBECTL patch service "$name" --namespace="$ns" --subresource=status --type=merge \
					-p "{\"status\":{\"loadBalancer\":{\"ingress\":[{\"ip\":\"$ip\"}]}}}" >/dev/null &&
					echo "$ns/$name: $ip"
				;;
			clear)
				$KUBECTL patch service "$name" --namespace="$ns" --subresource=status --type=merge \
					-p '{"status":{"loadBalancer":{"ingress":null}}}' >/dev/null &&
					echo "$ns/$name: cleared"
				;;
			pending)
				[ "$1" = once ] && echo "$ns/$name: pending (every node address already serves its ports)"
				;;
			esac
		done
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

# kina: every create step of the bootstrap control plane in one `container exec`
# (kina-node images; "init-control-plane" in /kina/image.json). kina renders the
# files from the cluster's config and sends them on stdin, one after another; the
# options give each one's line count (0: not sent, step skipped).
# Usage: sh init-control-plane.sh [--node-address N] --kubeadm-config N --cni-config N
#          --cni-manifest N [--single-node] [--storage]
# stdin holds the node address (ADDRESS/PREFIX, on a cluster network: 1 line,
# else 0), the kubeadm config, kindnet's conflist and kindnet's manifest.
# On success stdout is /etc/kubernetes/admin.conf and nothing else; each step's own
# output goes to /var/log/kina-init-control-plane.log. A failing step prints its
# command line and its output on stderr and exits with the step's code:
#   9 node address, 10 files from stdin, 11 kubeadm init, 12 single-node settings, 13 CNI,
#   14 StorageClass, 15 admin kubeconfig; 2 usage.
set -eu

usage() {
	echo "init-control-plane.sh: $1" >&2
	exit 2
}

node_address_lines=0
kubeadm_lines=
cni_config_lines=
cni_manifest_lines=
single_node=false
storage=false
while [ $# -gt 0 ]; do
	case $1 in
	--node-address | --kubeadm-config | --cni-config | --cni-manifest)
		[ $# -ge 2 ] || usage "$1 needs a line count"
		case $2 in '' | *[!0-9]*) usage "$1 needs a line count, not '$2'" ;; esac
		case $1 in
		--node-address) node_address_lines=$2 ;;
		--kubeadm-config) kubeadm_lines=$2 ;;
		--cni-config) cni_config_lines=$2 ;;
		--cni-manifest) cni_manifest_lines=$2 ;;
		esac
		shift 2
		;;
	--single-node) single_node=true && shift ;;
	--storage) storage=true && shift ;;
	*) usage "unknown option '$1'" ;;
	esac
done
[ -n "$kubeadm_lines" ] && [ -n "$cni_config_lines" ] && [ -n "$cni_manifest_lines" ] ||
	usage "--kubeadm-config, --cni-config and --cni-manifest are required"
[ "$kubeadm_lines" -gt 0 ] || usage "--kubeadm-config must be at least one line"
[ "$node_address_lines" -le 1 ] || usage "--node-address is one line (ADDRESS/PREFIX) or none"

log=/var/log/kina-init-control-plane.log
work=$(mktemp -d "${TMPDIR:-/tmp}/kina-init.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$(dirname "$log")"
(umask 077 && : >"$log") # it will hold the admin kubeconfig

# step CODE COMMAND...: runs COMMAND; on failure names it, shows its output, exits CODE.
step() {
	code=$1
	shift
	status=0
	"$@" >"$work/out" 2>"$work/err" || status=$?
	{
		echo "+ $*"
		cat "$work/out" "$work/err"
	} >>"$log"
	if [ "$status" -ne 0 ]; then
		echo "init-control-plane.sh: \"$*\" failed with exit code $status" >&2
		if [ -s "$work/err" ]; then cat "$work/err" >&2; else cat "$work/out" >&2; fi
		exit "$code"
	fi
}

# The files on stdin, each cut out by its line range.
cat >"$work/stdin"
expected=$((node_address_lines + kubeadm_lines + cni_config_lines + cni_manifest_lines))
received=$(wc -l <"$work/stdin")
if [ "$received" -ne "$expected" ]; then
	echo "init-control-plane.sh: stdin has $received lines, the options announce $expected" >&2
	exit 10
fi
first=1
cut_out() { # LINES FILE
	if [ "$1" -gt 0 ]; then
		sed -n "${first},$((first + $1 - 1))p" "$work/stdin" >"$2"
	fi
	first=$((first + $1))
}
cut_out "$node_address_lines" "$work/node-address"
cut_out "$kubeadm_lines" "$work/kubeadm.conf"
cut_out "$cni_config_lines" "$work/10-kindnet.conflist"
cut_out "$cni_manifest_lines" "$work/default-cni.yaml"

# The node's fixed address before kubeadm init binds to it, and at every later
# boot from the image's unit (what kina's separate exec does on kindest/node).
if [ "$node_address_lines" -gt 0 ]; then
	step 9 cp "$work/node-address" /kina/node-address
	step 9 systemctl enable kina-node-address.service
	step 9 sh /kina/bin/node-address.sh
fi
# kindnet's conflist before kubeadm init: the node is Ready as soon as it registers.
step 10 cp "$work/kubeadm.conf" /kind/kubeadm.conf
if [ "$cni_config_lines" -gt 0 ]; then
	step 10 mkdir -p /etc/cni/net.d
	step 10 cp "$work/10-kindnet.conflist" /etc/cni/net.d/10-kindnet.conflist
fi
step 11 kubeadm init --config=/kind/kubeadm.conf --skip-token-print --v=6
if [ "$single_node" = true ]; then
	step 12 sh /kina/bin/single-node.sh
fi
if [ "$cni_manifest_lines" -gt 0 ]; then
	step 13 kubectl --kubeconfig=/etc/kubernetes/admin.conf apply -f "$work/default-cni.yaml"
fi
if [ "$storage" = true ]; then
	step 14 kubectl --kubeconfig=/etc/kubernetes/admin.conf apply -f /kind/manifests/default-storage.yaml
fi
step 15 cat /etc/kubernetes/admin.conf
cat "$work/out"

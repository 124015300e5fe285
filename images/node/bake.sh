# Bakes kina's per-node settings into a node image's root filesystem.
# Usage: sh bake.sh ROOT IMAGE_VERSION BASE_IMAGE
# ROOT is `/` in the Containerfile and a scratch directory in kina's tests;
# nothing outside ROOT is touched. The files to install sit beside this script.
set -eu

root=${1:?usage: bake.sh ROOT IMAGE_VERSION BASE_IMAGE}
image_version=${2:?usage: bake.sh ROOT IMAGE_VERSION BASE_IMAGE}
base_image=${3:?usage: bake.sh ROOT IMAGE_VERSION BASE_IMAGE}
here=$(dirname "$0")

if [ ! -f "$root/kind/version" ]; then
	echo "bake.sh: $root/kind/version is missing: the base must be a kindest/node image" >&2
	exit 1
fi
kubernetes_version=$(cat "$root/kind/version")

# runtime-settings: applied by a systemd unit at every boot, before containerd.
mkdir -p "$root/kina/bin" "$root/etc/systemd/system/multi-user.target.wants"
cp "$here/runtime-settings.sh" "$root/kina/bin/runtime-settings.sh"
chmod 0755 "$root/kina/bin/runtime-settings.sh"
cp "$here/kina-runtime-settings.service" "$root/etc/systemd/system/kina-runtime-settings.service"
chmod 0644 "$root/etc/systemd/system/kina-runtime-settings.service"
# What `systemctl enable` does, without needing systemd at build time.
ln -sf /etc/systemd/system/kina-runtime-settings.service \
	"$root/etc/systemd/system/multi-user.target.wants/kina-runtime-settings.service"

# init-control-plane: the bootstrap control plane's create steps in one exec,
# with the single-node settings it runs.
for script in init-control-plane.sh single-node.sh; do
	cp "$here/$script" "$root/kina/bin/$script"
	chmod 0755 "$root/kina/bin/$script"
done

# node-address: the fixed address unit on a cluster network (macOS 26), not
# enabled here: init-control-plane.sh writes /kina/node-address and enables it
# on a node that has one.
cp "$here/node-address.sh" "$root/kina/bin/node-address.sh"
chmod 0755 "$root/kina/bin/node-address.sh"
cp "$here/kina-node-address.service" "$root/etc/systemd/system/kina-node-address.service"
chmod 0644 "$root/etc/systemd/system/kina-node-address.service"

sh "$here/write-manifest.sh" "$root" "$image_version" "$kubernetes_version" "$base_image"

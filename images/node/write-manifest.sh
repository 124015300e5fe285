# Writes ROOT/kina/image.json: what kina reads to skip the steps an image
# has baked in. Usage: sh write-manifest.sh ROOT IMAGE_VERSION KUBERNETES_VERSION BASE_IMAGE
set -eu

root=${1:?usage: write-manifest.sh ROOT IMAGE_VERSION KUBERNETES_VERSION BASE_IMAGE}
image_version=${2:?}
kubernetes_version=${3:?}
base_image=${4:?}

# The values are written into JSON strings: refuse anything that would need escaping.
for value in "$image_version" "$kubernetes_version" "$base_image"; do
	case $value in
	*[!A-Za-z0-9._:/@+-]*)
		echo "write-manifest.sh: refusing $value: only letters, digits and ._:/@+- are allowed" >&2
		exit 1
		;;
	esac
done

mkdir -p "$root/kina"
cat >"$root/kina/image.json" <<JSON
{
  "schema": 1,
  "imageVersion": "$image_version",
  "kubernetesVersion": "$kubernetes_version",
  "baseImage": "$base_image",
  "baked": ["runtime-settings", "init-control-plane", "node-address"]
}
JSON

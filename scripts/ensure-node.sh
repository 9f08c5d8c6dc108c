#!/usr/bin/env bash
# Makes sure a Node.js of the project's major version (.nvmrc) is available and prints the
# directory holding its `node` binary. The system node is used when it has that major; otherwise
# the official binary is unpacked from the npm registry's node-linux-<arch> package into
# .toolchain/, because npm's registry is the only source of binaries reachable on our machines.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
want=$(tr -d ' \nv' < "$root/.nvmrc")

if command -v node >/dev/null 2>&1; then
  have=$(node -p 'process.versions.node.split(".")[0]')
  if [ "$have" = "$want" ]; then
    dirname "$(command -v node)"
    exit 0
  fi
fi

case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "ensure-node: no prebuilt Node for $(uname -m); install Node $want yourself" >&2; exit 1 ;;
esac

dest="$root/.toolchain/node-$want"
# Several make commands may start at once in one clone: one downloads, the others wait for it.
mkdir -p "$root/.toolchain"
exec 9>"$root/.toolchain/node.lock"
flock 9
if [ ! -x "$dest/bin/node" ]; then
  command -v npm >/dev/null 2>&1 || { echo "ensure-node: npm is needed to fetch Node $want" >&2; exit 1; }
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  echo "ensure-node: fetching node-linux-$arch@$want from the npm registry" >&2
  (cd "$tmp" && npm pack --silent "node-linux-$arch@$want" >/dev/null)
  tar -xzf "$tmp"/node-linux-*.tgz -C "$tmp"
  rm -rf "$dest" && mkdir -p "$dest"
  mv "$tmp/package/bin" "$dest/bin"
fi
echo "$dest/bin"

#!/usr/bin/env bash
# Builds local stand-ins for the Dockerfile's two base images, tagged with the exact names its FROM
# lines use, for machines that reach no image registry (only Debian's mirror and npm's registry):
#   BUILD_IMAGE    docker.io/library/node:24-bookworm-slim: Debian bookworm minbase, official node, npm
#   RUNTIME_IMAGE  gcr.io/distroless/nodejs24-debian12:nonroot: like distroless, only the libraries
#                  node links against, CA certificates, tzdata, /nodejs/bin/node, user 65532, no shell
# Usage: make-base-images.sh [--force]   (existing images are kept unless --force)
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
node_major=$(tr -d ' \nv' < "$root/.nvmrc")
build_image=docker.io/library/node:${node_major}-bookworm-slim
runtime_image=gcr.io/distroless/nodejs${node_major}-debian12:nonroot
sources=${DEBIAN_SOURCES:-/etc/apt/sources.list.d/debian.sources}
[ -f "$sources" ] || sources=/etc/apt/sources.list

if [ "${1:-}" != "--force" ] && buildah inspect --type image "$build_image" >/dev/null 2>&1 \
   && buildah inspect --type image "$runtime_image" >/dev/null 2>&1; then
  echo "base images present: $build_image, $runtime_image"
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
log=$work/mmdebstrap.log
# mmdebstrap's hooks are chatty; keep their output unless a step fails.
quietly() { "$@" >>"$log" 2>&1 || { cat "$log" >&2; return 1; }; }
case "$(uname -m)" in x86_64) arch=x64 ;; aarch64) arch=arm64 ;; *) echo "unsupported arch" >&2; exit 1 ;; esac

echo "== fetching node-linux-$arch@$node_major and npm@11 from the npm registry"
(cd "$work" && npm pack --silent "node-linux-$arch@$node_major" "npm@11" >/dev/null)
mkdir -p "$work/node" "$work/npm"
tar -xzf "$work"/node-linux-*.tgz -C "$work/node"
tar -xzf "$work"/npm-*.tgz -C "$work/npm"
node_bin=$work/node/package/bin/node

echo "== $build_image"
quietly mmdebstrap --quiet --variant=minbase --include=ca-certificates \
  --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr bookworm "$work/build-root" "$sources"
install -D -m 0755 "$node_bin" "$work/build-root/usr/local/bin/node"
mkdir -p "$work/build-root/usr/local/lib/node_modules"
mv "$work/npm/package" "$work/build-root/usr/local/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$work/build-root/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$work/build-root/usr/local/bin/npx"
ctr=$(buildah from scratch)
buildah add --quiet "$ctr" "$work/build-root" / >/dev/null
buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  --cmd node "$ctr"
buildah commit --quiet --format docker --rm "$ctr" "$build_image" >/dev/null

echo "== $runtime_image"
# extract: unpack exactly these packages, run no maintainer scripts (no shell, no dpkg in the image).
quietly mmdebstrap --quiet --variant=extract \
  --include=base-files,netbase,tzdata,libc6,libgcc-s1,libstdc++6,ca-certificates \
  --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr bookworm "$work/run-root" "$sources"
rr=$work/run-root
rm -rf "$rr/var/cache/apt" "$rr/var/lib/apt" "$rr/usr/share/doc" "$rr/usr/share/man"
# ca-certificates' postinst would build this bundle from the Mozilla set; do the same by hand.
mkdir -p "$rr/etc/ssl/certs"
cat "$rr"/usr/share/ca-certificates/mozilla/*.crt > "$rr/etc/ssl/certs/ca-certificates.crt"
printf 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' > "$rr/etc/passwd"
printf 'root:x:0:\nnobody:x:65534:\nnonroot:x:65532:\n' > "$rr/etc/group"
install -d -m 1777 "$rr/tmp"
install -d -o 65532 -g 65532 "$rr/home/nonroot"
install -D -m 0755 "$node_bin" "$rr/nodejs/bin/node"
ctr=$(buildah from scratch)
buildah add --quiet "$ctr" "$rr" / >/dev/null
buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  --env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
  --user 65532:65532 --workingdir /home/nonroot --entrypoint '["/nodejs/bin/node"]' "$ctr"
buildah commit --quiet --format docker --rm "$ctr" "$runtime_image" >/dev/null
buildah images --filter reference=node --filter reference=distroless/nodejs*

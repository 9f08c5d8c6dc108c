#!/usr/bin/env bash
# make test-image: builds the real Dockerfile with buildah (no daemon, no registry) and checks the
# image and a running container over loopback. Prints "N passed, N failed" and exits non-zero on
# any failure. Needs buildah, podman, runc and mmdebstrap (.ci/run installs them with apt).
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

for tool in buildah podman runc mmdebstrap; do
  command -v "$tool" >/dev/null || { echo "test-image: $tool is missing (apt-get install buildah podman runc mmdebstrap)" >&2; exit 1; }
done

version="9.8.7-test.$$"
ref=localhost/httpserver:test-image
work=$(mktemp -d)
container=""
# shellcheck source=scripts/lib/checks.sh
. "$root/scripts/lib/checks.sh"
cleanup() {
  [ -n "$container" ] && podman rm -f "$container" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

# shellcheck source=scripts/lib/podman-conf.sh
. "$root/scripts/lib/podman-conf.sh"
podman_conf "$work"

started=$(date +%s)
echo "== base images"
./scripts/with-node.sh ./scripts/image/make-base-images.sh || fail_now "building the base images"

echo "== build the Dockerfile"
make --no-print-directory release BUILDER=buildah TAG=test-image VERSION="$version" \
  BUILD_FLAGS="--pull=never --isolation chroot --quiet" >"$work/build.log" 2>&1 \
  || { cat "$work/build.log"; fail_now "buildah build"; }
echo "built in $(( $(date +%s) - started )) s (base images included)"

# Layer order: a change under src/ must reuse the cached dependency install.
echo "== rebuild after a change to src/"
mkdir -p "$work/ctx/scripts"
cp -r Dockerfile .dockerignore package.json package-lock.json tsconfig.json tsconfig.build.json src "$work/ctx/"
cp -r scripts/build "$work/ctx/scripts/"
echo "// changed by test-image run $version" >> "$work/ctx/src/main.ts"
(cd "$work/ctx" && BUILDER=buildah IMAGE_REF=localhost/httpserver:test-image-rebuild VERSION="$version" \
  NPM_CA="${NODE_EXTRA_CA_CERTS:-}" BUILD_FLAGS="--pull=never --isolation chroot" \
  "$root/scripts/image/release.sh" release) >"$work/rebuild.log" 2>&1 || { cat "$work/rebuild.log"; fail_now "rebuild"; }
check "npm ci is taken from the layer cache" "$(grep -A1 'RUN --mount=type=cache' "$work/rebuild.log" | grep -c 'Using cache')" "1"
check "the build step runs again" "$(grep -A1 'RUN npm run build' "$work/rebuild.log" | grep -c 'Using cache')" "0"
podman rmi localhost/httpserver:test-image-rebuild >/dev/null 2>&1

echo "== the image"
inspect() { podman image inspect --format "$1" "$ref"; }
env_var() { inspect '{{range .Config.Env}}{{println .}}{{end}}' | grep "^$1="; } # NAME=value in the image's env
check "runs as a numeric non-root user" "$(inspect '{{.Config.User}}')" "65532:65532"
check "exposes 8080" "$(inspect '{{range $p, $_ := .Config.ExposedPorts}}{{$p}} {{end}}')" "8080/tcp "
check "VERSION build argument is the default VERSION" \
  "$(env_var VERSION)" "VERSION=$version"
check "NODE_ENV is production" "$(env_var NODE_ENV)" "NODE_ENV=production"
check "NODE_OPTIONS pins the young generation" \
  "$(env_var NODE_OPTIONS)" "NODE_OPTIONS=--max-semi-space-size=8"
# ... and V8 in the image takes it: its heap limit is smaller than without it (3 semi-spaces less).
heap_limit() { podman run --rm --network none --entrypoint /nodejs/bin/node "$@" "$ref" \
  -p 'require("v8").getHeapStatistics().heap_size_limit' 2>/dev/null; }
unpinned=$(heap_limit -e NODE_OPTIONS=) pinned=$(heap_limit)
check "V8 in the image applies NODE_OPTIONS" \
  "$([[ "$unpinned" =~ ^[0-9]+$ && "$pinned" =~ ^[0-9]+$ ]] && ((pinned < unpinned)) && echo smaller)" "smaller"
check "label version" "$(inspect '{{index .Config.Labels "org.opencontainers.image.version"}}')" "$version"
check "label revision" "$(inspect '{{index .Config.Labels "org.opencontainers.image.revision"}}')" "$(git rev-parse HEAD)"
check "label licenses" "$(inspect '{{index .Config.Labels "org.opencontainers.image.licenses"}}')" "Apache-2.0"
check "label created is a UTC timestamp" \
  "$(inspect '{{index .Config.Labels "org.opencontainers.image.created"}}' | grep -cE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$')" "1"
check "exec-form entrypoint runs node as PID 1" "$(inspect '{{json .Config.Entrypoint}} {{json .Config.Cmd}}')" \
  '["/nodejs/bin/node"] ["dist/main.js"]'
check "HEALTHCHECK uses node, not curl" "$(inspect '{{json .Config.Healthcheck.Test}}')" \
  '["CMD","/nodejs/bin/node","dist/healthcheck.js"]'

# Look inside the runtime filesystem.
mnt=$(podman image mount "$ref")
check "has the bundles, the OpenAPI document, the licences and the SBOM, and nothing else" \
  "$(cd "$mnt/app" && find . -type f | sort | tr '\n' ' ')" \
  "./dist/THIRD-PARTY-NOTICES.txt ./dist/healthcheck.js ./dist/main.js ./dist/openapi.json ./dist/sbom.cdx.json ./package.json "
check "has no node_modules (the bundles carry their dependencies)" "$(ls -d "$mnt/app/node_modules" 2>/dev/null | wc -l)" "0"
check "the SBOM lists the bundled packages" \
  "$(python3 -c 'import json, sys; print(sorted({"@nestjs/core", "express", "pino"} - {c["name"] for c in json.load(open(sys.argv[1]))["components"]}))' "$mnt/app/dist/sbom.cdx.json")" "[]"
check "has no shell, npm or package manager" "$(ls "$mnt"/bin/sh "$mnt"/usr/bin/apt "$mnt"/usr/local/bin/npm 2>/dev/null | wc -l)" "0"
check "carries no build secret" "$(ls -A "$mnt/run/secrets" 2>/dev/null | wc -l)" "0"
podman image unmount "$ref" >/dev/null

echo "== a container, read-only, on loopback"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
container=$(podman run -d --read-only --network host \
  -e PORT="$port" -e HOST=127.0.0.1 -e DELAY_MIN_MS=1000 -e DELAY_MAX_MS=1000 -e SHUTDOWN_DRAIN_MS=300 \
  "$ref" 2>/dev/null) || fail_now "podman run"
url=http://127.0.0.1:$port
for _ in $(seq 50); do curl -fs "$url/readyz" >/dev/null && break; sleep 0.2; done

check "GET /healthz" "$(curl -s -o /dev/null -w '%{http_code}' "$url/healthz")" "200"
headers=$(curl -s -D - -o /dev/null -H 'X-Image-Test: echo-me' "$url/")
check "custom header echoed" "$(grep -i '^x-image-test:' <<<"$headers" | tr -d '\r')" "X-Image-Test: echo-me"
check "Version is the build argument" "$(grep -i '^version:' <<<"$headers" | tr -d '\r')" "Version: $version"
check "GET /version reports the commit the image was built from" \
  "$(curl -s "$url/version" | python3 -c 'import json, sys; print(json.load(sys.stdin)["commit"])')" "$(git rev-parse HEAD)"
check "GET /openapi.json serves the document the build generated" \
  "$(curl -s "$url/openapi.json" | python3 -c 'import json, sys; print("/status/{codes}" in json.load(sys.stdin)["paths"])')" "True"
check "root filesystem is read-only" "$(podman inspect --format '{{.HostConfig.ReadonlyRootfs}}' "$container")" "true"
pid=$(podman inspect --format '{{.State.Pid}}' "$container")
check "process runs as uid 65532" "$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")" "65532"
check "node is PID 1 in the container" "$(awk '/^NSpid:/ {print $NF}' "/proc/$pid/status")" "1"
check "HEALTHCHECK passes" "$(podman healthcheck run "$container" >/dev/null 2>&1; echo $?)" "0"

curl -s -o "$work/inflight.body" -w '%{http_code}' "$url/" >"$work/inflight.code" &
curl_pid=$!
sleep 0.3
podman kill --signal TERM "$container" >/dev/null
wait "$curl_pid"
check "request in flight at SIGTERM completes" "$(cat "$work/inflight.code")" "200"
check "container exits 0 after SIGTERM" "$(timeout 20 podman wait "$container")" "0"
check "shutdown logged as complete" "$(podman logs "$container" 2>/dev/null | tail -1 | grep -c '"msg":"shutdown complete"')" "1"

echo "== size"
podman image inspect --format '{{.Size}}' "$ref" | awk '{printf "image size: %.1f MB\n", $1 / 1e6}'
echo "layers: $(podman image inspect --format '{{len .RootFS.Layers}}' "$ref")"
echo "took $(( $(date +%s) - started )) s"
summary

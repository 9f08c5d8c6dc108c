#!/usr/bin/env bash
# make chart-run: the chart's rendered Deployment and ConfigMap, run by a real container engine
# (podman kube play) with the image make test-image builds, and checked from outside: security
# context, cgroup limits, the ConfigMap in force, the probes' paths and ports, a graceful stop, and a
# bad config value failing with the service's own error line. HELM_ARGS adds values, e.g.
#   make chart-run HELM_ARGS="--set config.delayMaxMs=500"
# Every request goes to the pod's own loopback, through nsenter: nothing leaves the machine.
# Prints "N passed, N failed" and exits non-zero on any failure.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

for tool in podman runc catatonit nsenter curl; do
  command -v "$tool" >/dev/null || { echo "chart-run: $tool is missing (apt-get install podman runc catatonit)" >&2; exit 1; }
done

ref=localhost/httpserver:test-image
version="chart-run.$$"
work=$(mktemp -d)
played=()
# shellcheck source=scripts/lib/checks.sh
. "$root/scripts/lib/checks.sh"
cleanup() {
  for file in "${played[@]}"; do podman kube down "$file" >/dev/null 2>&1; done
  rm -rf "$work"
}
trap cleanup EXIT
# shellcheck source=scripts/lib/podman-conf.sh
. "$root/scripts/lib/podman-conf.sh"
podman_conf "$work"
started=$(date +%s)

echo "== the image"
# Reused when it was built from this commit and nothing it is built from has changed since.
built_from=$(podman image inspect --format '{{index .Config.Labels "org.opencontainers.image.revision"}}' "$ref" 2>/dev/null)
if [ "$built_from" == "$(git rev-parse HEAD)" ] && [ -z "$(git status --porcelain -- src package.json package-lock.json tsconfig.json tsconfig.build.json Dockerfile)" ]; then
  echo "reusing $ref (built from $built_from)"
else
  ./scripts/with-node.sh ./scripts/image/make-base-images.sh >"$work/base.log" 2>&1 || { cat "$work/base.log"; fail_now "the base images"; }
  make --no-print-directory release BUILDER=buildah TAG=test-image \
    BUILD_FLAGS="--pull=never --isolation chroot --quiet" >"$work/build.log" 2>&1 \
    || { cat "$work/build.log"; fail_now "building $ref"; }
  echo "built $ref"
fi

helm=$(./scripts/ensure-helm.sh 4) || fail_now "fetching Helm"
render() { # render FILE [helm args...]: the Deployment and the ConfigMap, as the cluster would get them
  local file=$1
  shift
  # shellcheck disable=SC2086 # HELM_ARGS is a list of arguments by design
  "$helm" template httpserver helm/httpserver --namespace chart-run \
    --set image.repository=localhost/httpserver --set image.tag=test-image --set image.pullPolicy=Never \
    --set config.version="$version" --set config.delayMinMs=200 --set config.delayMaxMs=600 \
    ${HELM_ARGS:-} "$@" --show-only templates/configmap.yaml --show-only templates/deployment.yaml >"$file"
}
play() { # play FILE: prints the id of the httpserver container (call it after played+=(FILE))
  podman kube play --network none "$1" >"$work/play.log" 2>&1 || { cat "$work/play.log" >&2; return 1; }
  podman ps -a --filter "pod=$(sed -n '/^Pod:/{n;p}' "$work/play.log")" --filter name=httpserver --format '{{.ID}}' | tail -1
}
in_pod() { nsenter --target "$pid" --net "$@"; } # a command on the pod's loopback
last_line() { podman logs "$1" 2>&1 | grep -v '^$' | tail -1; }
# The Deployment's restartPolicy Always makes podman restart a container that exits, as a kubelet would.
crashed() { [ "$(podman inspect --format '{{.RestartCount}} {{.State.Running}}' "$1")" != "0 true" ]; }

echo "== render and play"
render "$work/rendered.yaml" || fail_now "helm template"
# shellcheck disable=SC1090 # the facts the rendering holds: probe URLs, limits, version, delays
. <(./scripts/with-node.sh node scripts/chart/rendered-pod.mts "$work/rendered.yaml" "$work/pod.yaml")
played+=("$work/pod.yaml")
container=$(play "$work/pod.yaml") || fail_now "podman kube play"
pid=$(podman inspect --format '{{.State.Pid}}' "$container")
for _ in $(seq 50); do
  crashed "$container" && fail_now "the pod stopped: $(last_line "$container")"
  in_pod curl -fs -o /dev/null "$readinessProbe_url" && break
  sleep 0.2
done
echo "ready in $(( $(date +%s) - started )) s"

echo "== the pod's security context"
status() { awk -v key="$1:" '$1 == key {print $2}' "/proc/$pid/status"; }
check "runs as uid $run_as_user" "$(status Uid)" "$run_as_user"
check "every capability dropped (effective, permitted, bounding)" "$(status CapEff) $(status CapPrm) $(status CapBnd)" \
  "0000000000000000 0000000000000000 0000000000000000"
check "no privilege escalation (no_new_privs)" "$(status NoNewPrivs)" "1"
check "seccomp filter (RuntimeDefault)" "$(status Seccomp)" "2"
check "root filesystem is read-only" "$(podman inspect --format '{{.HostConfig.ReadonlyRootfs}}' "$container")" "true"
writes() { podman exec "$container" /nodejs/bin/node -e "require('fs').writeFileSync('$1', 'x')" >/dev/null 2>&1 && echo yes || echo no; }
check "/ is not writable, /tmp (emptyDir) is" "$(writes /app/x) $(writes /tmp/x)" "no yes"

echo "== its cgroup"
cgroup_file() { # cgroup_file CONTROLLER FILE: the container's file, cgroup v1 or v2
  local path
  path=$(awk -F: -v c="$1" '$2 == "" || $2 ~ "(^|,)"c"(,|$)" {print $3; exit}' "/proc/$pid/cgroup")
  if [ -f "/sys/fs/cgroup/$1/$path/$2" ]; then cat "/sys/fs/cgroup/$1/$path/$2"; else cat "/sys/fs/cgroup/$path/$3"; fi
}
memory=$(cgroup_file memory memory.limit_in_bytes memory.max)
check "memory limit is the rendered one" "$memory" "$memory_limit_bytes"
if [ -f /sys/fs/cgroup/cgroup.controllers ] && ! [ -d /sys/fs/cgroup/cpu ]; then
  read -r quota period <<<"$(cgroup_file cpu - cpu.max)"
else
  quota=$(cgroup_file cpu cpu.cfs_quota_us -) period=$(cgroup_file cpu cpu.cfs_period_us -)
fi
check "CPU quota is the rendered limit" "$(( quota * 1000 / period ))m" "${cpu_limit_millicores}m"

echo "== the ConfigMap in force, the probes"
headers=$(in_pod curl -s -D - -o /dev/null -H 'X-Chart-Run: echo-me' "http://127.0.0.1:$port/")
check "Version is config.version" "$(grep -i '^version:' <<<"$headers" | tr -d '\r')" "Version: $version"
check "a request header is echoed" "$(grep -i '^x-chart-run:' <<<"$headers" | tr -d '\r')" "X-Chart-Run: echo-me"
outside=0
for _ in 1 2 3 4 5 6; do
  ms=$(in_pod curl -s -o /dev/null -w '%{time_total}' "http://127.0.0.1:$port/" | awk '{printf "%d", $1 * 1000}')
  (( ms >= delay_min_ms && ms <= delay_max_ms + 300 )) || outside=$((outside + 1))
done
check "6 requests each waited within the delay bounds ($delay_min_ms-$delay_max_ms ms)" "$outside" "0"
for probe in startupProbe readinessProbe livenessProbe; do
  url_var=${probe}_url
  check "$probe ${!url_var} answers 200" "$(in_pod curl -s -o /dev/null -w '%{http_code}' "${!url_var}")" "200"
done

echo "== stopped as a kubelet stops it: SIGTERM, a request in flight, exit 0"
# podman 4.3's kube down kills the pod at once (exit 137, no SIGTERM), so the pod is stopped as the
# kubelet does, SIGTERM and up to terminationGracePeriodSeconds, and kube down then removes it.
in_pod curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/" >"$work/inflight.code" &
inflight=$!
sleep 0.1
stopping=$(date +%s)
podman pod stop --time "$grace_seconds" "$(podman inspect --format '{{.Pod}}' "$container")" >/dev/null 2>&1
wait "$inflight"
echo "stopped in $(( $(date +%s) - stopping )) s (SHUTDOWN_DRAIN_MS $drain_ms)"
check "the request in flight completes" "$(cat "$work/inflight.code")" "200"
check "the container exits 0" "$(podman inspect --format '{{.State.ExitCode}}' "$container")" "0"
# Read once the container has stopped: a `podman logs -f` follower could still be behind then.
check "shutdown logged as complete" "$(podman logs "$container" 2>&1 | grep -c '"msg":"shutdown complete"')" "1"
podman kube down "$work/pod.yaml" >/dev/null 2>&1
played=()

echo "== a bad config value stops the pod with the service's own error line"
render "$work/bad-rendered.yaml" --set-string config.extraEnv.BACKEND_TIMEOUT_MS=soon || fail_now "helm template (bad value)"
./scripts/with-node.sh node scripts/chart/rendered-pod.mts "$work/bad-rendered.yaml" "$work/bad.yaml" >/dev/null
played+=("$work/bad.yaml")
bad=$(play "$work/bad.yaml") || fail_now "podman kube play (bad value)"
for _ in $(seq 50); do crashed "$bad" && break; sleep 0.2; done
line=$(last_line "$bad")
echo "the pod said: $line"
check "it names the variable and the value" "$(grep -c 'configuration error: invalid BACKEND_TIMEOUT_MS=\\"soon\\"' <<<"$line")" "1"
check "and exits 1, to be restarted" \
  "$(podman events --stream=false --filter container="$bad" --filter event=died --format '{{.ContainerExitCode}}' | head -1)" "1"

echo "took $(( $(date +%s) - started )) s"
summary

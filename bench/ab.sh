#!/usr/bin/env bash
# Paired A/B of two httpserver builds or flag sets, for changes smaller than this machine's noise:
# both servers run at once (core 0, delay off, log to /dev/null), wrk (core 1) alternates 3 s runs
# between them, and the median of the per-pair ratios B/A is reported. Drift between runs (noisy
# neighbours, CPU frequency) hits both sides of a pair alike, which sequential runs cannot offer.
#
#   bench/ab.sh 'dist/main.js' '--max-semi-space-size=8 dist/main.js'   # PAIRS=14 by default
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $# -eq 2 ]] || { echo "usage: bench/ab.sh '<node args A>' '<node args B>'" >&2; exit 2; }
command -v wrk >/dev/null || { echo "bench/ab.sh needs wrk: apt-get install wrk" >&2; exit 1; }
NODE=$(./scripts/with-node.sh sh -c 'command -v node' 2>/dev/null | tail -1)
PAIRS=${PAIRS:-14}
PORT_A=${PORT_A:-19201}
PORT_B=${PORT_B:-19202}

start() { # port, node args (word-split on purpose)
  # shellcheck disable=SC2086
  env -i PATH="$PATH" PORT="$1" HOST=127.0.0.1 DELAY_MAX_MS=0 taskset -c 0 "$NODE" $2 >/dev/null 2>&1 &
  echo $!
}
pid_a=$(start "$PORT_A" "$1")
pid_b=$(start "$PORT_B" "$2")
trap 'kill "$pid_a" "$pid_b" 2>/dev/null || true' EXIT
for port in "$PORT_A" "$PORT_B"; do
  for _ in $(seq 100); do curl -fs -o /dev/null "http://127.0.0.1:$port/readyz" && break; sleep 0.1; done
done

rps() { # seconds, port
  taskset -c 1 wrk -t1 -c50 -d"$1"s -H 'X-Bench: 1' -H 'X-Request-Source: wrk' -H 'Accept-Language: en' \
    "http://127.0.0.1:$2/" | awk '/Requests\/sec/ { print int($2) }'
}
rps 3 "$PORT_A" >/dev/null
rps 3 "$PORT_B" >/dev/null

ratios=()
printf '%8s %8s %6s\n' 'A req/s' 'B req/s' 'B/A'
for i in $(seq "$PAIRS"); do
  # Alternate which side goes first, so neither always runs on a warmer machine.
  if ((i % 2)); then a=$(rps 3 "$PORT_A"); b=$(rps 3 "$PORT_B"); else b=$(rps 3 "$PORT_B"); a=$(rps 3 "$PORT_A"); fi
  ratio=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", b / a }')
  ratios+=("$ratio")
  printf '%8s %8s %6s\n' "$a" "$b" "$ratio"
done
printf '%s\n' "${ratios[@]}" | sort -n | awk '{ v[NR] = $1 } END {
  m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
  printf "median B/A %.3f (pairs range %s to %s)\n", m, v[1], v[NR] }'
hwm() { awk '/VmHWM/ { print int($2 / 1024) }' "/proc/$1/status"; }
echo "peak RSS MiB: A $(hwm "$pid_a"), B $(hwm "$pid_b")"

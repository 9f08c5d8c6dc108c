#!/usr/bin/env bash
# Paired A/B of two httpserver builds or flag sets, for changes smaller than this machine's noise:
# both servers run at once (core 0, delay off, log to /dev/null), wrk (core 1) alternates 3 s runs
# between them, and the medians of the per-pair ratios B/A of throughput and of p99 latency are
# reported. Drift between runs (noisy neighbours, CPU frequency) hits both sides of a pair alike,
# which sequential runs cannot offer. Either side may be a bench fixture, e.g. for c/b.
#
#   bench/ab.sh 'dist/main.js' '--max-semi-space-size=8 dist/main.js'   # PAIRS=14 by default
#   bench/ab.sh 'bench/fixtures/nest-hello.mjs' 'dist/main.js'
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
  for _ in $(seq 100); do curl -fs -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
done

run() { # seconds, port -> "req/s p99-ms"
  taskset -c 1 wrk -t1 -c50 -d"$1"s --latency -H 'X-Bench: 1' -H 'X-Request-Source: wrk' -H 'Accept-Language: en' \
    "http://127.0.0.1:$2/" | awk '
      / 99% / { v = $2; f = v ~ /us$/ ? 0.001 : v ~ /ms$/ ? 1 : 1000; sub(/[a-z]+$/, "", v); p99 = v * f }
      /Requests\/sec/ { rps = int($2) }
      END { printf "%d %.2f\n", rps, p99 }'
}
run 3 "$PORT_A" >/dev/null
run 3 "$PORT_B" >/dev/null

ratios=()
p99_ratios=()
median() { sort -n | awk '{ v[NR] = $1 } END {
  m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
  printf "%.3f (pairs range %s to %s)", m, v[1], v[NR] }'; }
printf '%8s %8s %6s %9s %9s %6s\n' 'A req/s' 'B req/s' 'B/A' 'A p99 ms' 'B p99 ms' 'B/A'
for i in $(seq "$PAIRS"); do
  # Alternate which side goes first, so neither always runs on a warmer machine.
  if ((i % 2)); then a=$(run 3 "$PORT_A"); b=$(run 3 "$PORT_B"); else b=$(run 3 "$PORT_B"); a=$(run 3 "$PORT_A"); fi
  read -r a_rps a_p99 <<<"$a"
  read -r b_rps b_p99 <<<"$b"
  ratio=$(awk -v a="$a_rps" -v b="$b_rps" 'BEGIN { printf "%.3f", b / a }')
  p99_ratio=$(awk -v a="$a_p99" -v b="$b_p99" 'BEGIN { printf "%.3f", b / a }')
  ratios+=("$ratio")
  p99_ratios+=("$p99_ratio")
  printf '%8s %8s %6s %9s %9s %6s\n' "$a_rps" "$b_rps" "$ratio" "$a_p99" "$b_p99" "$p99_ratio"
done
echo "median B/A throughput $(printf '%s\n' "${ratios[@]}" | median)"
echo "median B/A p99 latency $(printf '%s\n' "${p99_ratios[@]}" | median)"
hwm() { awk '/VmHWM/ { print int($2 / 1024) }' "/proc/$1/status"; }
echo "peak RSS MiB: A $(hwm "$pid_a"), B $(hwm "$pid_b")"

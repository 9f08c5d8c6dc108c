#!/usr/bin/env bash
# Paired A/B of two httpserver builds or flag sets, for changes smaller than this machine's noise:
# both servers run at once (core 0, delay off, log to /dev/null), wrk (core 1) alternates 1 s runs
# between them, and the medians of the per-pair ratios B/A of throughput and of p99 latency are
# reported. Drift between runs (noisy neighbours, CPU frequency) hits both sides of a pair alike,
# which sequential runs cannot offer. The pairs are spread over BENCH_ROUNDS (4) rounds of freshly
# started servers, since two processes of one build differ by a few per cent for their whole life.
# Either side may be a bench fixture, e.g. for c/b.
#
#   bench/ab.sh 'dist/bundle/main.js' '--max-semi-space-size=8 dist/bundle/main.js'   # PAIRS=42 by default
#   bench/ab.sh 'bench/fixtures/nest-hello.mjs' 'dist/bundle/main.js'
#   bench/ab.sh 'dist/bundle/main.js' 'CONTROL_ENABLED=true dist/bundle/main.js'       # leading VAR=value: that side's environment
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $# -eq 2 ]] || { echo "usage: bench/ab.sh '<node args A>' '<node args B>'" >&2; exit 2; }
command -v wrk >/dev/null || { echo "bench/ab.sh needs wrk: apt-get install wrk" >&2; exit 1; }
# The benchmarks import test/support/*.ts, which Node reparses as ES modules (package.json has no "type").
exec ./scripts/with-node.sh node --disable-warning=MODULE_TYPELESS_PACKAGE_JSON bench/ab.mts "$1" "$2"

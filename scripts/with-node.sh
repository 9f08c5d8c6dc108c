#!/usr/bin/env bash
# Runs a command with the project's Node.js first on PATH (see ensure-node.sh).
set -euo pipefail
bin=$("$(dirname "$0")/ensure-node.sh")
PATH="$bin:$PATH" exec "$@"

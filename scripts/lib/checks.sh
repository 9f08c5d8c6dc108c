# Sourced by the check scripts (test-image.sh, chart-run.sh): `check` compares and counts, `fail_now`
# stops at a failure the rest cannot survive, `summary` prints the count and sets the exit status.
passed=0 failed=0
check() { # check "description" actual expected
  if [ "$2" == "$3" ]; then passed=$((passed + 1)); echo "ok   - $1"
  else failed=$((failed + 1)); echo "FAIL - $1: got '$2', want '$3'"; fi
}
fail_now() { echo "FAIL - $1"; echo "$passed passed, $((failed + 1)) failed"; exit 1; }
summary() { echo "$passed passed, $failed failed"; [ "$failed" -eq 0 ]; }

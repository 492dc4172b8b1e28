#!/usr/bin/env bash
# Sets up, builds and runs every test; ends with "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
bash scripts/build.sh

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
/usr/lib/llvm-22/bin/lit -sv build/test 2>&1 | tee "$log" || status=$?

count() {
  sed -n "s/^ *$1: *\([0-9]*\).*/\1/p" "$log" | head -n 1 | grep . || echo 0
}
passed=$(count "Passed")
failed=$(( $(count "Failed") + $(count "Unresolved") + $(count "Timed Out") \
  + $(count "Unexpectedly Passed") ))
echo "unsupported: $(count "Unsupported"), expectedly failed: $(count "Expectedly Failed")"
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1 # lit failed without counting a test (e.g. a broken config)
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]

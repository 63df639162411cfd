#!/usr/bin/env bash
# Builds everything and runs the NUnit suite, then prints one line "N passed, N failed, N skipped"
# summed over the test assemblies, so CI can read the count. Exit status is dotnet test's.
set -uo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
dotnet test Dab.sln -c Release --nologo "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
# Summary lines look like: "Passed!  - Failed:     0, Passed:    42, Skipped:     1, Total:    43, ..."
read -r failed passed skipped < <(grep -E '(Passed|Failed)! +- +Failed: ' "$log" |
  sed -E 's/.*Failed: +([0-9]+), Passed: +([0-9]+), Skipped: +([0-9]+).*/\1 \2 \3/' |
  awk '{f+=$1; p+=$2; s+=$3} END {print f+0, p+0, s+0}')
rm -f "$log"
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi  # build failure: count it, never report green
echo "$passed passed, $failed failed, $skipped skipped"
exit "$status"

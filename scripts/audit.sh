#!/usr/bin/env bash
# npm audit of the runtime dependencies (what dist/ bundles): fails on a high or critical
# vulnerability. Where the registry's audit endpoint cannot be reached (some mirrors answer
# 405), that is said plainly and the check is skipped rather than passed silently.
set -uo pipefail
out=$(npm audit --omit=dev --audit-level=high 2>&1)
rc=$?
echo "$out" | tail -n 20
if [ $rc -ne 0 ] && echo "$out" | grep -q "audit endpoint returned an error"; then
  echo "npm audit: SKIPPED, the registry's audit endpoint is not reachable from this machine"
  exit 0
fi
exit $rc

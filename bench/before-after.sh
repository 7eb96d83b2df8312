#!/usr/bin/env bash
# Engine before vs after, side by side: OLD is a worktree of the earlier commit (git worktree add /tmp/oldeng bc83251),
# built there with ./reason4j once. Three rounds, each a fresh JVM per side; run from the repository root.
for r in 1 2 3; do
  echo "=== round $r old $(date +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
  (cd ${OLD:-/tmp/oldeng} && ./reason4j bench --config medium --metrics train,prefill,decode --seconds 2 2>/dev/null)
  echo "=== round $r new $(date +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
  (./reason4j bench --config medium --metrics train,prefill,decode --rounds 1 --seconds 2 2>/dev/null)
done
echo "=== end $(date +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"

#!/usr/bin/env bash
# Engines side by side: each argument is a checkout built with ./reason4j once (e.g. git worktree add /tmp/old COMMIT;
# (cd /tmp/old && ./reason4j --version)); the current checkout runs last in each round. Three rounds, each a fresh
# JVM per engine, Reason4j only; run from the repository root.
set -u
for r in 1 2 3; do
  for dir in "$@" .; do
    echo "=== round $r $(cd "$dir" && git log -1 --format=%h) $(date +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
    # Engines from before `bench --rounds` existed measure one round by default.
    rounds=$(grep -q -- '--rounds' "$dir/src/main/java/dev/reason4j/cli/BenchCommand.java" && echo "--rounds 1")
    (cd "$dir" && ./reason4j bench --config medium --metrics train,prefill,decode $rounds --seconds 2 2>/dev/null \
      | grep 'tokens_per_s')
  done
done
echo "=== end $(date +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"

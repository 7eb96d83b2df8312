#!/usr/bin/env bash
# Throughput of ./reason4j verify-code on trivial programs (a + b, one stdin/stdout test each):
#   scripts/bench-verify-code.sh [PROGRAMS] [WORKERS] [LANGUAGE]    defaults: 200 2 python
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
programs="${1:-200}" workers="${2:-2}" language="${3:-python}"
input="$(mktemp)" output="$(mktemp)"
trap 'rm -f "$input" "$output"' EXIT
if [ "$language" = java ]; then
  line='{"language": "java", "code": "import java.util.*; public class Main { public static void main(String[] a) { Scanner s = new Scanner(System.in); System.out.println(s.nextInt() + s.nextInt()); } }", "tests": [{"stdin": "1 2", "stdout": "3"}]}'
else
  line='{"language": "python", "code": "a, b = map(int, input().split())\nprint(a + b)\n", "tests": [{"stdin": "1 2", "stdout": "3"}]}'
fi
for _ in $(seq "$programs"); do echo "$line"; done > "$input"
"$root/reason4j" verify-code --help > /dev/null   # build outside the timing
start=$(date +%s.%N)
"$root/reason4j" verify-code --workers "$workers" --input "$input" --output "$output"
end=$(date +%s.%N)
passed=$(grep -c '"reward":1.0' "$output" || true)
awk -v n="$programs" -v p="$passed" -v s="$start" -v e="$end" -v w="$workers" -v l="$language" 'BEGIN {
  t = e - s; printf "%d %s programs (%d passed), %d workers: %.1f s, %.1f programs/s (includes JVM start)\n", n, l, p, w, t, n / t }'

#!/usr/bin/env bash
# The same GRPO run three ways: rollouts on this JVM's engine; on a fleet of two `reason4j serve` processes on
# loopback, synchronous; and on that fleet with trainer.async.max_staleness=1. Each run starts from the reasoning
# demo's SFT model with the demo's settings (src/main/resources/dev/reason4j/config/demo.yaml) and prints its
# held-out pass@1 before and after, its wall time and its rollout throughput. Run from the repository root:
#   bench/fleet-three-ways.sh [OUT]            (OUT defaults to runs/fleet-bench; extra settings: STEPS=100)
# On one machine the fleet shares its cores with the trainer, so this measures what the fleet costs and that the
# three runs learn alike, not a speed-up: that needs servers on other machines.
set -euo pipefail
out="${1:-runs/fleet-bench}"
steps="${STEPS:-100}"
mkdir -p "$out"
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"

if [ ! -f "$out/demo/sft_model/model.safetensors" ]; then
  ./reason4j demo --out "$out/demo" trainer.total_steps=1 trainer.test_freq=0 > "$out/demo.log"
fi
model="$out/demo/sft_model"
common=(--config src/main/resources/dev/reason4j/config/demo.yaml "model.path=$model"
        "model.tokenizer=$model" "trainer.total_steps=$steps" "trainer.test_freq=$steps" trainer.save_freq=0)

servers=()
cleanup() { for pid in "${servers[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT
endpoints=""
for i in 1 2; do
  log="$out/serve$i.log"
  rm -f "$log"
  ./reason4j serve --model "$model" --dtype f32 --served-model-name policy --port 0 --api-key bench \
    --weights-root "$out" 2> "$log" &
  servers+=($!)
  for _ in $(seq 300); do grep -qs "serving" "$log" && break; sleep 0.2; done
  port=$(grep -o 'http://127.0.0.1:[0-9]*' "$log" | head -1 | cut -d: -f3 || true)
  [ -n "$port" ] || { echo "server $i did not start: $(cat "$log")" >&2; exit 1; }
  endpoints="$endpoints${endpoints:+, }http://127.0.0.1:$port"
done
remote=(rollout.backend=remote "rollout.endpoints=[$endpoints]" rollout.api_key=bench rollout.model=policy
        "rollout.weights_dir=$out/weights" rollout.weight_sync=reason4j)

run() {  # name, settings...
  local name="$1"; shift
  rm -rf "${out:?}/$name"
  local start=$(date +%s.%N)
  ./reason4j train "${common[@]}" --out "$out/$name" "$@" > "$out/$name.log"
  local end=$(date +%s.%N)
  python3 - "$out/$name/metrics.jsonl" "$name" "$start" "$end" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
evals = [r for r in rows if "val/pass@1" in r]
steps = [r for r in rows if "time/generate_s" in r]
wall = float(sys.argv[4]) - float(sys.argv[3])
tokens = sum(r["response_length/mean"] * 128 for r in steps)   # 16 prompts x 8 samples per step
waited = sum(r["time/generate_s"] for r in steps)               # the step waiting for its rollouts
print(f"{sys.argv[2]:>11}: held-out pass@1 {evals[0]['val/pass@1']:.3f} -> {evals[-1]['val/pass@1']:.3f} "
      f"({100 * (evals[-1]['val/pass@1'] - evals[0]['val/pass@1']):+.1f} points); wall {wall:.0f} s; "
      f"{tokens / wall:.0f} response tokens per wall second; steps waited {waited:.0f} s for rollouts; "
      f"weight sync {sum(r.get('time/weight_sync_s', 0) for r in steps):.1f} s")
PY
}
run local
run fleet "${remote[@]}"
run fleet-async "${remote[@]}" trainer.async.max_staleness=1
# The three final policies on one footing: evaluated here, with the same seeds (the fleet's samples draw from the
# servers' own RNGs, so its runs' evaluations above are other draws).
for name in local fleet fleet-async; do
  policy=$(ls -d "$out/$name"/checkpoints/step-*/policy | tail -1)
  echo "$name final policy, evaluated locally: $(./reason4j eval --config src/main/resources/dev/reason4j/config/demo.yaml \
    --model "$policy" 2>/dev/null | grep -o '"pass@1"[^,]*')"
done
echo "end: load $(cut -d' ' -f1-3 /proc/loadavg)"

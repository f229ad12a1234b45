#!/usr/bin/env bash
# Agents that act, on a GPU: serve a small Qwen2.5-Coder instruct model with vLLM through `solvemeter serve vllm`,
# run the react agent on a few swe-mini tasks against it, and print each task's outcome, steps, cost and wall time.
#
# Needs an NVIDIA GPU, the package index (to install vLLM) and the model (a hub id, or a local directory in MODEL).
# Everything it writes goes under $OUT. Usage:  OUT=/tmp/gpu-run benchmarks/gpu_vllm.sh
set -euo pipefail

MODEL=${MODEL:-Qwen/Qwen2.5-Coder-1.5B-Instruct}
NAME=${NAME:-qwen2.5-coder-1.5b-instruct}
PORT=${PORT:-8011}
LIMIT=${LIMIT:-4}
GPUS=${GPUS:-1}
READY_TIMEOUT_S=${READY_TIMEOUT_S:-1200}
OUT=${OUT:-$(mktemp -d -t solvemeter-gpu-XXXX)}
RUN_DIR="$OUT/runs/swe-mini-react-$NAME"
mkdir -p "$OUT"
cd "$(dirname "$0")/.."

echo "== installing solvemeter with vLLM (log: $OUT/install.log)"
python -m pip install --quiet -e ".[vllm]" >"$OUT/install.log" 2>&1 || { tail -20 "$OUT/install.log"; exit 1; }
python -c 'import importlib.metadata as m; print("vllm", m.version("vllm"))'
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader

echo "== serving $MODEL as vllm/$NAME on port $PORT (log: $OUT/serve.log)"
started=$(date +%s)
solvemeter serve vllm --model "$MODEL" --served-model-name "$NAME" --gpus "$GPUS" --port "$PORT" \
    -- --max-model-len 16384 --gpu-memory-utilization 0.85 >"$OUT/serve.log" 2>&1 &
server=$!
# SIGTERM makes `solvemeter serve` stop vLLM and every process it spawned before exiting.
trap 'kill -TERM "$server" 2>/dev/null; wait "$server" 2>/dev/null || true' EXIT

until curl -sf "http://127.0.0.1:$PORT/v1/models" >/dev/null; do
    if ! kill -0 "$server" 2>/dev/null; then echo "vLLM exited before it was ready:"; tail -40 "$OUT/serve.log"; exit 1; fi
    if (( $(date +%s) - started > READY_TIMEOUT_S )); then echo "vLLM not ready in ${READY_TIMEOUT_S}s"; exit 1; fi
    sleep 2
done
echo "ready after $(( $(date +%s) - started ))s"

echo "== running react on $LIMIT swe-mini tasks (run dir: $RUN_DIR)"
solvemeter run --pack swe-mini --agent react --model "vllm/$NAME" --base-url "http://127.0.0.1:$PORT/v1" \
    --limit "$LIMIT" --run-dir "$RUN_DIR"

echo "== report"
solvemeter report "$RUN_DIR" --json | tee "$OUT/report.json"
python - "$RUN_DIR/results.jsonl" <<'PY'
import json, sys

rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
print(f"{'task':40} {'outcome':17} {'steps':>5} {'cost_usd':>10} {'wall_s':>8}")
for r in rows:
    cost = "unpriced" if r.get("cost_usd") is None else f"{r['cost_usd']:.4f}"
    print(f"{r['task_id']:40} {r['outcome']:17} {r['steps']:>5} {cost:>10} {r['wall_s']:>8.1f}")
PY

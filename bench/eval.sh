#!/usr/bin/env bash
# `jupiter eval` vs lm-evaluation-harness's local-chat-completions backend: the same Welsh
# MMLU-Lite task, the same scripted OpenAI-compatible server (in the jupiter-bench process), the
# same concurrency; both processes timed from start to results, nothing cached.
#   (1) the server answers at once: wall-time ratio (target: Jupiter ≥ 3× lower), accuracies identical;
#   (2) the server takes 50 ms per answer: Jupiter's wall time vs items × 50 ms / concurrency (target within 5%).
# Usage: bench/eval.sh [TASK_FILE]   (default ../shared/data/llm-evals-cy/welsh-mmlu-lite.jsonl)
set -euo pipefail
cd "$(dirname "$0")/.."
ITEMS="${1:-../shared/data/llm-evals-cy/welsh-mmlu-lite.jsonl}"
[ -f "$ITEMS" ] || { echo "bench/eval.sh: no task file $ITEMS" >&2; exit 2; }
VENV="$(pwd)/bench/.venv-lmeval"   # absolute: the peer runs in its own working folder
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import lm_eval" 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "lm-eval[api]==0.4.13"
fi
swift build -c release --scratch-path .build-release --product jupiter >/dev/null
swift build -c release --scratch-path .build-release --product jupiter-bench >/dev/null
BIN="$(swift build -c release --scratch-path .build-release --show-bin-path)"
echo "## the server answers at once, 32 in flight"
"$BIN/jupiter-bench" eval --items "$ITEMS" --latency 0 --concurrency 32 --runs 3 --jupiter "$BIN/jupiter" --python "$VENV/bin/python"
echo
echo "## 50 ms per answer, 4 in flight"
"$BIN/jupiter-bench" eval --items "$ITEMS" --latency 0.05 --concurrency 4 --runs 3 --jupiter "$BIN/jupiter" --python "$VENV/bin/python"

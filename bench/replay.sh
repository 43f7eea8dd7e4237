#!/usr/bin/env bash
# The replay stage end to end vs distilabel's TextGeneration: same prompts, same scripted
# OpenAI-compatible server (in the jupiter-bench process), same concurrency.
#   (1) the server answers at once: records/s (target ≥ 5,000 on 2 cores; Jupiter: the median of 3 runs);
#   (2) the server takes 50 ms per answer, 64 in flight: wall time vs records × 50 ms / 64 (target within 5%).
# Usage: bench/replay.sh [RECORDS]
set -euo pipefail
cd "$(dirname "$0")/.."
RECORDS="${1:-20000}"
VENV=bench/.venv-replay
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --upgrade pip
    # distilabel 1.5.3 imports requests without declaring it.
    "$VENV/bin/pip" install --quiet "distilabel[openai]==1.5.3" requests
fi
Q=../shared/data/gsm8k/train.jsonl
[ -f "$Q" ] && QARGS=(--questions "$Q") || QARGS=()
swift build -c release --scratch-path .build-release --product jupiter-bench >/dev/null
BIN="$(swift build -c release --scratch-path .build-release --show-bin-path)/jupiter-bench"
echo "## answering at once"
"$BIN" replay --records "$RECORDS" --latency 0 --in-flight 64 --python "$VENV/bin/python" "${QARGS[@]}"
echo
echo "## 50 ms per answer, 64 in flight"
"$BIN" replay --records 6400 --latency 0.05 --in-flight 64 --python "$VENV/bin/python" "${QARGS[@]}"

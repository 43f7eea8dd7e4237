#!/usr/bin/env bash
# JSONL ingest benchmark: Jupiter (SourceFormats → records, 1 thread and all cores) against Python
# orjson.loads per line (1 thread) on the same ~200 MB Welsh openai-messages file, in the same run.
# Usage: bench/jsonl.sh [MB]   (env: REPEATS=3)
set -euo pipefail
cd "$(dirname "$0")/.."
MB="${1:-200}"
REPEATS="${REPEATS:-3}"
OUT=bench/out
VENV=bench/.venv-jsonl
DATA="$OUT/welsh-chat-${MB}mb.jsonl"
mkdir -p "$OUT"

swift build -c release --scratch-path .build-release --product jupiter-bench >&2
BIN="$(swift build -c release --scratch-path .build-release --product jupiter-bench --show-bin-path)/jupiter-bench"

[ -f "$DATA" ] || python3 bench/jsonl_gen.py --out "$DATA" --mb "$MB" >&2
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q orjson >&2
fi

"$BIN" jsonl "$DATA" --format openai-messages --repeats "$REPEATS" --json > "$OUT/jsonl-jupiter.json"
"$VENV/bin/python" bench/jsonl_orjson.py "$DATA" "$REPEATS" > "$OUT/jsonl-orjson.json"

python3 - "$OUT/jsonl-jupiter.json" "$OUT/jsonl-orjson.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1])); o = json.load(open(sys.argv[2]))
print(f"file: {j['file']}  ({j['bytes'] / 1e6:.1f} MB, {o['records']} records, {j['parallelism']} cores)")
print("MB/s = file MB / wall seconds; MB/CPU-s = file MB / process CPU seconds (robust on a busy machine)")
print(f"{'mode':<34}{'MB/s':>8}{'records/s':>12}{'vs orjson':>11}{'MB/CPU-s':>10}{'vs orjson':>11}")
print(f"{o['mode'] + ' (' + o['orjson'] + ')':<34}{o['mb_per_s']:>8.1f}{o['records_per_s']:>12.0f}{1.0:>10.2f}x{o['mb_per_cpu_s']:>10.1f}{1.0:>10.2f}x")
for r in j["results"]:
    print(f"{'jupiter ' + r['mode']:<34}{r['mb_per_s']:>8.1f}{r['records_per_s']:>12.0f}{r['mb_per_s'] / o['mb_per_s']:>10.2f}x"
          f"{r['mb_per_cpu_s']:>10.1f}{r['mb_per_cpu_s'] / o['mb_per_cpu_s']:>10.2f}x")
    assert r["records"] == o["records"], f"record count differs: {r['records']} vs {o['records']}"
PY

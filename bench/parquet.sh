#!/usr/bin/env bash
# Parquet read benchmark: Jupiter (Parquet rows → JSON values → records, one thread) against
# pyarrow.parquet + to_pylist() (one thread: pa.set_cpu_count(1), use_threads=False), on the same
# ~1 GB Parquet file of conversations (messages list<struct>, Snappy, pyarrow defaults), in the same run.
# Usage: bench/parquet.sh [MB]   (env: REPEATS=1)
set -euo pipefail
cd "$(dirname "$0")/.."
MB="${1:-1000}"
REPEATS="${REPEATS:-1}"
OUT=bench/out
VENV=bench/.venv-parquet
DATA="$OUT/welsh-chat-${MB}mb.parquet"
mkdir -p "$OUT"

swift build -c release --product jupiter-bench >&2
BIN="$(swift build -c release --product jupiter-bench --show-bin-path)/jupiter-bench"

if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q pyarrow >&2
fi
[ -f "$DATA" ] || "$VENV/bin/python" bench/parquet_gen.py --out "$DATA" --mb "$MB" >&2

"$BIN" parquet "$DATA" --format openai-messages --repeats "$REPEATS" > "$OUT/parquet-jupiter.json"
"$VENV/bin/python" bench/parquet_pyarrow.py "$DATA" "$REPEATS" > "$OUT/parquet-pyarrow.json"

python3 - "$OUT/parquet-jupiter.json" "$OUT/parquet-pyarrow.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1])); p = json.load(open(sys.argv[2]))
mb = j["bytes"] / 1e6
print(f"file: {j['file']}  ({mb:.1f} MB Parquet, {p['rows']} rows, pyarrow {p['pyarrow']})")
print("MB/s = Parquet file MB / wall seconds; MB/CPU-s = file MB / process CPU seconds (robust on a busy machine)")
print(f"{'mode':<50}{'seconds':>9}{'MB/s':>8}{'rows/s':>10}{'vs pyarrow':>12}{'MB/CPU-s':>10}{'vs pyarrow':>12}")
def line(name, s, c, rows, base_s, base_c):
    print(f"{name:<50}{s:>9.2f}{mb / s:>8.1f}{rows / s:>10.0f}{base_s / s:>11.2f}x{mb / c:>10.1f}{base_c / c:>11.2f}x")
line(p["mode"], p["seconds"], p["cpu_seconds"], p["rows"], p["seconds"], p["cpu_seconds"])
for r in j["results"]:
    line("jupiter " + r["mode"], r["seconds"], r["cpu_seconds"], r["rows"], p["seconds"], p["cpu_seconds"])
    assert r["rows"] == p["rows"] and r["quarantined"] == 0, f"row count differs: {r} vs {p['rows']}"
PY

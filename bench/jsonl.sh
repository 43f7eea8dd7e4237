#!/usr/bin/env bash
# JSONL ingest benchmark: Jupiter (SourceFormats → records, 1 thread on each core, then all cores)
# against Python orjson.loads per line (1 thread, on the same core) on the same ~200 MB Welsh
# openai-messages file, in the same run.
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

# The development VM's speed changes from one second to the next (the same mode on the same core
# varied by 1.5x within a minute), so the modes are interleaved: each round runs Jupiter and orjson
# once on every core in turn (pinned with taskset, back to back on the same core), then the
# all-cores run; each mode reports its best round. Ratios are taken per core.
NPROC="$(nproc)"
CORES=1
command -v taskset >/dev/null && CORES="$NPROC"
rm -f "$OUT"/jsonl-round-*.json
for ((r = 0; r < REPEATS; r++)); do
  for ((c = 0; c < CORES; c++)); do
    T=()
    [ "$CORES" -gt 1 ] && T=(taskset -c "$c")
    "${T[@]}" "$BIN" jsonl "$DATA" --format openai-messages --repeats 1 --json \
      --only parse-only --only records-1-thread > "$OUT/jsonl-round-$r-core-$c-jupiter.json"
    "${T[@]}" "$VENV/bin/python" bench/jsonl_orjson.py "$DATA" 1 > "$OUT/jsonl-round-$r-core-$c-orjson.json"
  done
  # All cores: batches decoded by NPROC tasks, and by one task (the same batches: holding a
  # batch's records costs by itself, so this is the base the parallel run scales from).
  "$BIN" jsonl "$DATA" --format openai-messages --repeats 1 --json --only "records-$NPROC-tasks" --only records-1-tasks \
    > "$OUT/jsonl-round-$r-all-jupiter.json"
done

python3 - "$OUT" "$CORES" <<'PY'
import glob, json, os, sys
out, cores = sys.argv[1], int(sys.argv[2])
best = {}  # (core, mode) -> best row
def take(core, row):
    key = (core, row["mode"])
    if key not in best or row["mb_per_s"] > best[key]["mb_per_s"]:
        best[key] = row
for path in glob.glob(os.path.join(out, "jsonl-round-*.json")):
    core = path.split("-core-")[1].split("-")[0] if "-core-" in path else "all"
    data = json.load(open(path))
    for row in data.get("results", [data]):
        take(core, row)
    if "file" in data:
        info = data
print(f"file: {info['file']}  ({info['bytes'] / 1e6:.1f} MB)")
print("MB/s = file MB / wall seconds, best of the interleaved rounds; "
      + ("one-core rows pinned to that core (taskset)" if cores > 1 else "one-core rows unpinned"))
print(f"{'core':<6}{'mode':<34}{'MB/s':>8}{'records/s':>12}{'vs orjson':>11}")
one = []
for core in sorted({c for c, _ in best if c != "all"}):
    o = best[(core, "orjson-1-thread")]
    print(f"{core:<6}{o['mode'] + ' (' + o['orjson'] + ')':<34}{o['mb_per_s']:>8.1f}{o['records_per_s']:>12.0f}{1.0:>10.2f}x")
    for mode in ("parse-only-1-thread", "records-1-thread"):
        r = best[(core, mode)]
        assert r["records"] == o["records"], f"record count differs: {r['records']} vs {o['records']}"
        print(f"{core:<6}{'jupiter ' + mode:<34}{r['mb_per_s']:>8.1f}{r['records_per_s']:>12.0f}{r['mb_per_s'] / o['mb_per_s']:>10.2f}x")
    one.append(best[(core, "records-1-thread")]["mb_per_s"])
base = best.get(("all", "records-1-tasks"))
for (core, mode), r in sorted(best.items()):
    if core != "all":
        continue
    per_core = "  ".join(f"{r['mb_per_s'] / x:.2f}x" for x in one)
    batched = f"; vs 1 batched task: {r['mb_per_s'] / base['mb_per_s']:.2f}x" if base else ""
    print(f"{'all':<6}{'jupiter ' + mode:<34}{r['mb_per_s']:>8.1f}{r['records_per_s']:>12.0f}"
          f"   vs one thread on each core: {per_core}{batched}")
PY

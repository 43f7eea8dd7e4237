#!/usr/bin/env bash
# pair-filter and exact-dedup at the stage level (records decoded and in memory, one core), and the
# same two steps through `jupiter run --workers 1`, on PAIRS sentence pairs of real legislation
# text (about 60% of them made unique by a small edit). The difference between a step's time in
# the run and the stage's own time is what the engine adds (reading, work files, compression).
#
#   PAIRS=1000000 bench/stages.sh
set -euo pipefail
source "$(dirname "$0")/pairs-corpus.sh"

pin="taskset -c 0"
command -v taskset >/dev/null || pin=""
echo "timing the stages" >&2
st="$($pin "$bin/jupiter-bench" stages run --pairs "$corpus")"

echo "timing jupiter run --workers 1" >&2
rundir="$out/stages-run"
rm -rf "$rundir"
cat > "$out/stages-recipe.yaml" <<YAML
name: stages-bench
sources:
  pairs: { path: $corpus, format: parallel-tsv, langs: [en, cy] }
datasets:
  filtered: { from: pairs, steps: [pair-filter] }
  deduped: { from: filtered, steps: [exact-dedup] }
output: { dir: $rundir }
YAML
e2e="$(python3 - "$bin/jupiter" "$out/stages-recipe.yaml" "$rundir/manifest.json" <<'PY'
import json, resource, subprocess, sys, time
t = time.perf_counter()
subprocess.run([sys.argv[1], "run", sys.argv[2], "--workers", "1", "--quiet"], check=True, stdout=subprocess.DEVNULL)
wall = time.perf_counter() - t
r = resource.getrusage(resource.RUSAGE_CHILDREN)
timings = json.load(open(sys.argv[3])).get("timings", {})
print(json.dumps({"seconds": wall, "cpu_seconds": r.ru_utime + r.ru_stime, "timings": timings}))
PY
)"

python3 - "$st" "$e2e" <<'PY'
import json, sys
s, e = json.loads(sys.argv[1]), json.loads(sys.argv[2])
t = e["timings"]
def ds(name):
    v = t.get("datasets", t).get(name) if isinstance(t.get("datasets", t), dict) else None
    return v if isinstance(v, (int, float)) else None
print(f"pair-filter and exact-dedup, {s['pairs']} pairs (legislation text); records per CPU-second of one core")
print(f"{'measure':<52}{'records':>10}{'CPU s':>9}{'records/s':>12}{'target':>10}")
print(f"{'pair-filter stage (records in memory)':<52}{s['pairs']:>10}{s['filter_cpu_seconds']:>9.3f}{s['filter_records_per_cpu_s']:>12.0f}{300000:>10}")
print(f"{'exact-dedup stage (records in memory)':<52}{s['dedup_records']:>10}{s['dedup_cpu_seconds']:>9.3f}{s['dedup_records_per_cpu_s']:>12.0f}{500000:>10}")
print(f"{'reading + decoding the TSV (for reference)':<52}{s['pairs']:>10}{s['read_cpu_seconds']:>9.3f}{s['pairs'] / s['read_cpu_seconds']:>12.0f}")
f, d = ds("filtered"), ds("deduped")
print(f"jupiter run --workers 1: {e['seconds']:.1f} s wall, {e['cpu_seconds']:.1f} CPU-s in all; per dataset (wall): {t}")
if f and d:
    print(f"  pair-filter step {f:.2f} s, of which the stage {s['filter_cpu_seconds']:.2f} s ({100 * s['filter_cpu_seconds'] / f:.0f}%): "
          f"engine {f - s['filter_cpu_seconds']:.2f} s")
    print(f"  exact-dedup step {d:.2f} s, of which the stage {s['dedup_cpu_seconds']:.2f} s ({100 * s['dedup_cpu_seconds'] / d:.0f}%): "
          f"engine {d - s['dedup_cpu_seconds']:.2f} s")
print(f"kept by pair-filter {s['pairs'] - s['filter_dropped']}, duplicates {s['duplicates']}")
PY

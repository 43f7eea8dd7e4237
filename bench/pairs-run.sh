#!/usr/bin/env bash
# The whole Welsh–English pairs run through `jupiter run`: PAIRS sentence pairs of real legislation
# text (generated deterministically from the shared translation set, about 60% made unique by a
# small edit) through pair-filter → exact-dedup (source) → minhash-dedup → parallel-to-chat → mix.
# Prints wall time, CPU time, peak RSS and each step's time from the manifest; the goal (issue 13)
# is 5× faster than the 132 s measured before on this 2-core machine, peak memory ≤ 377 MB.
#
#   PAIRS=1000000 WORKERS=2 bench/pairs-run.sh
set -euo pipefail
source "$(dirname "$0")/pairs-corpus.sh"
WORKERS="${WORKERS:-$(nproc)}"

rundir="$out/pairs-run"
# The last run's folder (about 4,000 files) is removed after this run, not before it, and a run
# starts at least 65 s after the last removal: on ext4 without a journal (this VM's disk), a new
# file skips the inodes deleted in the last 60 s (more while their table block is dirty), and
# right after a removal that scan made creating a file cost 0.3-0.9 ms, up to a fifth of a
# step's time. The figures are then Jupiter's, not the filesystem's after a mass delete.
stamp="$out/.pairs-run-removed"
remove_old() { rm -rf "$rundir.old"; sync; touch "$stamp"; }
[ -d "$rundir.old" ] && remove_old  # left by an interrupted run
[ -d "$rundir" ] && mv "$rundir" "$rundir.old"
if [ -f "$stamp" ]; then
  wait_s=$(( $(stat -c %Y "$stamp") + 65 - $(date +%s) ))
  if [ "$wait_s" -gt 0 ]; then
    echo "waiting ${wait_s} s after the last run folder's removal" >&2
    sleep "$wait_s"
  fi
fi
trap remove_old EXIT
cat > "$out/pairs-recipe.yaml" <<YAML
name: pairs-bench
seed: 17
sources:
  pairs: { path: $corpus, format: parallel-tsv, langs: [en, cy] }
datasets:
  welsh-parallel:
    from: pairs
    steps:
      - pair-filter
      - exact-dedup: { field: source }
      - minhash-dedup
  into-welsh:
    from: welsh-parallel
    steps:
      - parallel-to-chat: { forward_share: 1.0, series_share: 0.3, max_series: 5 }
mix:
  weights: { into-welsh: 1.0 }
  unit: tokens
output: { dir: $rundir }
YAML

echo "uptime: $(uptime)"
python3 - "$bin/jupiter" "$out/pairs-recipe.yaml" "$rundir" "$WORKERS" "$PAIRS" <<'PY'
import json, os, resource, subprocess, sys, time
binary, recipe, rundir, workers, pairs = sys.argv[1:6]
t = time.perf_counter()
subprocess.run([binary, "run", recipe, "--workers", workers, "--quiet"], check=True, stdout=subprocess.DEVNULL)
wall = time.perf_counter() - t
r = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = r.ru_utime + r.ru_stime
peak_mb = r.ru_maxrss / 1024
manifest = json.load(open(os.path.join(rundir, "manifest.json")))
print(f"{int(pairs):,} pairs, --workers {workers}: {wall:.1f} s wall, {cpu:.1f} CPU-s ({100 * cpu / wall:.0f}% CPU), "
      f"peak RSS {peak_mb:.0f} MB")
print(f"vs the 132 s / 377 MB before (issue 13): {132 / wall:.2f}x faster (goal 5x), memory {peak_mb / 377:.2f}x (goal ≤ 1)")
timings = manifest.get("timings", {})
print(f"{'step (manifest timings)':<48}{'seconds':>9}{'records in':>12}{'records/s':>11}")
for name, seconds in timings.get("steps", {}).items():
    dataset, rest = name.split("/", 1)
    label = rest.split(" ", 1)[1]
    stages = manifest["datasets"].get(dataset, {}).get("stages", {})
    n = stages.get(label.split(" → ")[0], {}).get("in")
    rate = f"{n / seconds:>11.0f}" if n and seconds else f"{'':>11}"
    print(f"  {name:<46}{seconds:>9.2f}{n if n is not None else '':>12}{rate}")
print(f"  {'whole run (manifest)':<46}{timings.get('seconds', 0):>9.2f}")
PY

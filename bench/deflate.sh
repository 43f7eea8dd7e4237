#!/usr/bin/env bash
# Drop-record compression: Jupiter's level-1 deflate encoder (what a run writes drop batches
# with) against libdeflate's level 1 (the encoder before it), one gzip member per batch, one
# thread, best of ROUNDS alternating rounds. Inputs: the exact-dedup step's drop batches of the
# 1M-pair run (bench/pairs-run.sh makes them if bench/out/pairs-run is missing) and, when
# bench/quality.sh has run, the quality run's drop batches (prose: fewer long matches).
#
#   ROUNDS=7 bench/deflate.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS="${ROUNDS:-7}"
out=bench/out
if ! ls "$out"/pairs-run/work/welsh-parallel/1-*/*.dropped.gz >/dev/null 2>&1; then
  PAIRS=1000000 bench/pairs-run.sh >&2
fi
swift build -c release --scratch-path .build-release --product jupiter-bench >&2
bin="$(swift build -c release --scratch-path .build-release --product jupiter-bench --show-bin-path)/jupiter-bench"
report() {
  python3 - "$1" "$2" <<'PY'
import json, sys
name = sys.argv[1]
r = json.loads(sys.argv[2])
print(f"{name}: {r['files']} members, {r['input_bytes'] / 1e6:.1f} MB in")
print(f"  {'encoder':<22}{'MB/s':>8}{'vs peer':>9}{'out MB':>9}{'vs peer':>9}")
print(f"  {'libdeflate level 1':<22}{r['libdeflate_mb_per_s']:>8.0f}{1.0:>8.2f}x{r['libdeflate_bytes'] / 1e6:>9.2f}{1.0:>8.3f}x")
print(f"  {'jupiter level 1':<22}{r['jupiter_mb_per_s']:>8.0f}{r['jupiter_mb_per_s'] / r['libdeflate_mb_per_s']:>8.2f}x"
      f"{r['jupiter_bytes'] / 1e6:>9.2f}{r['jupiter_bytes'] / r['libdeflate_bytes']:>8.3f}x")
PY
}
report "exact-dedup drops (1M-pair run)" \
  "$(taskset -c 0 "$bin" deflate --rounds "$ROUNDS" "$out"/pairs-run/work/welsh-parallel/1-*/*.dropped.gz)"
if ls "$out"/quality-run/work/docs/0-*/*.dropped.gz >/dev/null 2>&1; then
  report "quality drops (100,000-document run)" \
    "$(taskset -c 0 "$bin" deflate --rounds "$ROUNDS" "$out"/quality-run/work/docs/0-*/*.dropped.gz)"
fi

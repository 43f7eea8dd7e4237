#!/usr/bin/env bash
# Quality-filter benchmark: Jupiter's `quality` stage (default rules) against datatrove's
# GopherRepetitionFilter -> GopherQualityFilter -> C4QualityFilter (JsonlReader -> filters ->
# JsonlWriter, one task), on the same corpus, one core each, in the same run.
#
#   DOCS=100000 bench/quality.sh     corpus documents (~2 KB each: four English paragraphs and four
#                                    Welsh lines of legislation text, built from the shared data)
#   DATATROVE_DOCS=3000              datatrove runs on this prefix (it is slow); rates are per MB of
#                                    input, so the ratio stays comparable
#   E2E=1                            also time `jupiter run` (the engine: work files, compression)
#
# Rates are MB of input JSONL per CPU-second of the process (robust on a shared machine). Peers are
# pip-installed into bench/.venv-quality (gitignored); the corpus is cached under bench/out/.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
DOCS="${DOCS:-100000}"
DATATROVE_DOCS="${DATATROVE_DOCS:-3000}"
E2E="${E2E:-1}"
shared="$root/../shared/data"
[ -d "$shared" ] || shared="$root/../../shared/data"
source_file="$shared/llm-evals-cy/welsh-legislation-translation.jsonl"
out="$root/bench/out"
mkdir -p "$out"
corpus="$out/quality-corpus-${DOCS}.jsonl"
prefix="$out/quality-corpus-${DOCS}-first-${DATATROVE_DOCS}.jsonl"
venv="$root/bench/.venv-quality"

swift build -c release --scratch-path .build-release --product jupiter-bench >&2
swift build -c release --scratch-path .build-release --product jupiter >&2
bin="$root/.build-release/release"

if [ ! -s "$corpus" ]; then
  echo "writing $corpus" >&2
  "$bin/jupiter-bench" quality corpus --source "$source_file" --tsv examples/cymru/data/legislation-en-cy.tsv \
    --docs "$DOCS" --out "$corpus" >&2
fi
head -n "$DATATROVE_DOCS" "$corpus" > "$prefix"

if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  # datatrove 0.10.1 imports regex without declaring it; English words and sentences come from spaCy.
  "$venv/bin/pip" install -q datatrove==0.10.1 spacy==3.8.18 regex orjson >&2
fi

pin="taskset -c 0"
command -v taskset >/dev/null || pin=""

echo "running jupiter (stage, and read + stage + write)" >&2
jup="$($pin "$bin/jupiter-bench" quality run --corpus "$corpus")"
echo "running datatrove on $DATATROVE_DOCS documents" >&2
dt="$($pin "$venv/bin/python" Tests/Fixtures/Curate/datatrove_quality.py time "$prefix" 2>/dev/null | tail -1)"

e2e="{}"
if [ "$E2E" = "1" ]; then
  echo "running jupiter run (documents -> quality, --workers 1)" >&2
  rundir="$out/quality-run"
  rm -rf "$rundir"
  cat > "$out/quality-recipe.yaml" <<YAML
name: quality-bench
sources:
  docs: { path: $corpus, format: documents }
datasets:
  docs: { from: docs, steps: [quality] }
output: { dir: $rundir }
YAML
  e2e="$(python3 - "$bin/jupiter" "$out/quality-recipe.yaml" <<'PY'
import json, resource, subprocess, sys, time
t = time.perf_counter()
subprocess.run([sys.argv[1], "run", sys.argv[2], "--workers", "1", "--quiet"], check=True, stdout=subprocess.DEVNULL)
wall = time.perf_counter() - t
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"seconds": wall, "cpu_seconds": r.ru_utime + r.ru_stime}))
PY
)"
fi

python3 - "$corpus" "$prefix" "$jup" "$dt" "$e2e" <<'PY'
import json, os, sys
corpus, prefix = sys.argv[1], sys.argv[2]
j, d, e = (json.loads(x) for x in sys.argv[3:6])
mb, pmb = os.path.getsize(corpus) / 1e6, os.path.getsize(prefix) / 1e6
dt_rate = pmb / d["cpu_seconds"]
print(f"quality filters, {j['docs']} documents ({mb:.0f} MB JSONL, legislation English paragraphs + Welsh lines); "
      f"MB of input per CPU-second, one core")
print(f"{'run':<46}{'docs':>9}{'wall s':>9}{'CPU s':>9}{'MB/CPU-s':>10}{'vs datatrove':>14}")
def row(name, docs, wall, cpu, size):
    rate = size / cpu
    print(f"{name:<46}{docs:>9}{wall:>9.2f}{cpu:>9.2f}{rate:>10.2f}{rate / dt_rate:>13.1f}x")
row("datatrove (JsonlReader, 3 filters, JsonlWriter)", int(os.popen(f"wc -l < {prefix}").read()), d["seconds"], d["cpu_seconds"], pmb)
row("jupiter stage only (records in memory)", j["docs"], j["stage_seconds"], j["stage_cpu_seconds"], mb)
row("jupiter read + decode + stage + encode", j["docs"], j["pipeline_seconds"], j["pipeline_cpu_seconds"], mb)
if "cpu_seconds" in e:
    row("jupiter run --workers 1 (engine, end to end)", j["docs"], e["seconds"], e["cpu_seconds"], mb)
    over = e["cpu_seconds"] - j["pipeline_cpu_seconds"]
    print(f"engine overhead (run CPU - read/stage/encode CPU): {over:.1f} CPU-s = {100 * over / e['cpu_seconds']:.0f}% of the run; "
          f"the stage is {100 * j['stage_cpu_seconds'] / e['cpu_seconds']:.0f}%")
print(f"decisions (jupiter, whole corpus): {j['rules']}; datatrove kept {d['kept']} of its prefix")
PY

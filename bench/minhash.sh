#!/usr/bin/env bash
# MinHash dedup benchmark: Jupiter vs datatrove's MinHash pipeline vs rensa, same corpus, same
# shingles (datatrove-normalised word 5-grams), 14 bands x 8 rows, one core each.
#
#   SIZE_MB=100 bench/minhash.sh        # default: a 100 MB corpus (SIZE_MB=1024 for ~1 GB)
#   DATATROVE_DOCS=3000                 # datatrove runs on this prefix (it is slow); docs/s is
#                                       # per document, so the ratio stays comparable
#   RENSA_DOCS=0                        # 0 = whole corpus
#
# The corpus (random windows of the Welsh and English legislation text with 0-10% word edits)
# is cached under bench/out/. Peers are pip-installed into bench/.venv/minhash (gitignored).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
SIZE_MB="${SIZE_MB:-100}"
DATATROVE_DOCS="${DATATROVE_DOCS:-3000}"
RENSA_DOCS="${RENSA_DOCS:-0}"
source_file="$root/../shared/data/llm-evals-cy/welsh-legislation-translation.jsonl"
out="$root/bench/out"
mkdir -p "$out"
corpus="$out/minhash-corpus-${SIZE_MB}mb.jsonl"
venv="$root/bench/.venv/minhash"

swift build -c release --scratch-path .build-release --product jupiter-bench >&2
bin="$root/.build-release/release/jupiter-bench"

if [ ! -s "$corpus" ]; then
  echo "writing $corpus" >&2
  "$bin" minhash corpus --source "$source_file" --out "$corpus" --mb "$SIZE_MB" >&2
fi

if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  # xxhash 4 rejects str input, which datatrove 0.10 passes to it; datatrove 0.10.1 imports
  # regex without declaring it.
  "$venv/bin/pip" install -q datatrove rensa "xxhash<4" spacy orjson tokenizers regex >&2
fi

pin="taskset -c 0"
command -v taskset >/dev/null || pin=""
export RAYON_NUM_THREADS=1 OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1

echo "running jupiter (1 thread)" >&2
jup="$($pin "$bin" minhash run --corpus "$corpus" --threads 1)"
echo "running jupiter core (1 thread, pre-normalised text)" >&2
jup_core="$($pin "$bin" minhash run --corpus "$corpus" --threads 1 --core)"
echo "running jupiter (all cores)" >&2
jup_all="$("$bin" minhash run --corpus "$corpus" --threads 0)"
echo "running rensa" >&2
ren="$($pin "$venv/bin/python" bench/minhash_peers.py rensa "$corpus" "$RENSA_DOCS" 2>/dev/null)"
echo "running datatrove on $DATATROVE_DOCS docs" >&2
dt="$($pin "$venv/bin/python" bench/minhash_peers.py datatrove "$corpus" "$DATATROVE_DOCS" "$out/datatrove-work" 2>/dev/null | tail -1)"

python3 - "$corpus" "$jup" "$jup_all" "$ren" "$dt" "$jup_core" <<'PY'
import json, os, sys
corpus = sys.argv[1]
j, ja, r, d, jc = (json.loads(x) for x in sys.argv[2:7])
size = os.path.getsize(corpus) / 2**20
print(f"MinHash dedup, {j['docs']} docs ({size:.0f} MB, real Welsh/English text with planted edits), "
      f"word 5-grams, 14 bands x 8 rows; docs per CPU-second of one process (shared machine)")
print(f"{'tool':<36}{'docs':>9}{'wall s':>9}{'CPU s':>9}{'docs/CPU-s':>12}{'Jupiter is':>12}")
def row(name, x, rate, cpu, ratio=True, ours=None):
    rat = f"{(ours or j)['docs_per_cpu_s'] / rate:.1f}x" if ratio else ""
    wall = f"{x['seconds']:.2f}" if 'seconds' in x else ""
    print(f"{name:<36}{x['docs']:>9}{wall:>9}{cpu:>9.2f}{rate:>12.0f}{rat:>12}")
row("jupiter (1 thread)", j, j['docs_per_cpu_s'], j['cpu_seconds'], ratio=False)
row("datatrove (sig+buckets+cluster)", d, d['docs_per_cpu_s'], d['cpu_seconds'])
row("rensa (incl. Python shingling)", r, r['docs_per_cpu_s'], r['cpu_seconds'])
print("core only (input already normalised; timed: shingle hashing, signatures, LSH, clusters):")
row("jupiter core (1 thread)", jc, jc['docs_per_cpu_s'], jc['cpu_seconds'], ratio=False)
row("rensa core (RMinHash+LSH only)", {'docs': r['docs']}, r['core_docs_per_cpu_s'], r['core_cpu_seconds'], ours=jc)
print("whole pipeline, all cores (wall time, for information):")
print(f"{'jupiter (all cores, wall, info)':<36}{ja['docs']:>9}{ja['seconds']:>9.2f}{'':>9}{ja['docs_per_s']:>12.0f}")
print(f"Jupiter index: {j['index_bytes_per_doc']} bytes/doc (band keys 112 + 8-bit sketch 112 + union-find 4 + sort scratch 16); "
      f"max RSS {j['max_rss_mb']:.0f} MB; duplicates: jupiter {j['duplicates']}, rensa {r['duplicates']}, "
      f"datatrove {d['duplicates']} of its {d['docs']}")
PY

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
  "$venv/bin/pip" install -q datatrove rensa xxhash spacy >&2
fi

pin="taskset -c 0"
command -v taskset >/dev/null || pin=""
export RAYON_NUM_THREADS=1 OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1

echo "running jupiter (1 thread)" >&2
jup="$($pin "$bin" minhash run --corpus "$corpus" --threads 1)"
echo "running jupiter (all cores)" >&2
jup_all="$("$bin" minhash run --corpus "$corpus" --threads 0)"
echo "running rensa" >&2
ren="$($pin "$venv/bin/python" bench/minhash_peers.py rensa "$corpus" "$RENSA_DOCS" 2>/dev/null)"
echo "running datatrove on $DATATROVE_DOCS docs" >&2
dt="$($pin "$venv/bin/python" bench/minhash_peers.py datatrove "$corpus" "$DATATROVE_DOCS" "$out/datatrove-work" 2>/dev/null | tail -1)"

python3 - "$corpus" "$jup" "$jup_all" "$ren" "$dt" <<'PY'
import json, os, sys
corpus = sys.argv[1]
j, ja, r, d = (json.loads(x) for x in sys.argv[2:6])
size = os.path.getsize(corpus) / 2**20
print(f"MinHash dedup, {j['docs']} docs ({size:.0f} MB, real Welsh/English text with planted edits), "
      f"word 5-grams, 14 bands x 8 rows, one core each")
print(f"{'tool':<34}{'docs':>10}{'seconds':>10}{'docs/s':>12}{'Jupiter is':>14}")
def row(name, x, ratio=True):
    rat = f"{j['docs_per_s'] / x['docs_per_s']:.1f}x" if ratio else ""
    print(f"{name:<34}{x['docs']:>10}{x['seconds']:>10.2f}{x['docs_per_s']:>12.0f}{rat:>14}")
row("jupiter (1 thread)", j, ratio=False)
row("datatrove (sig+buckets+cluster)", d)
row("rensa (incl. Python shingling)", r)
core = dict(r, seconds=r["core_seconds"], docs_per_s=r["core_docs_per_s"])
row("rensa (MinHash+LSH only)", core)
print(f"{'jupiter (all cores, info)':<34}{ja['docs']:>10}{ja['seconds']:>10.2f}{ja['docs_per_s']:>12.0f}")
print(f"Jupiter index: {j['index_bytes_per_doc']} bytes/doc (band keys + 8-bit sketch + union-find + sort scratch); "
      f"max RSS {j['max_rss_mb']:.0f} MB; duplicates found: jupiter {j['duplicates']}, rensa {r['duplicates']}")
PY

#!/usr/bin/env bash
# Tokenizer benchmark: Jupiter vs `tokenizers` and `tiktoken` on the same 150k-vocabulary
# byte-level BPE (Llama-3 split pattern), same documents, one thread each, same run.
# Prints a table with MB/s, ratios, and the tokenizer.json load time.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=bench/out/tokenize
VENV=bench/.venv-tokenize
mkdir -p "$OUT"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "tokenizers==0.23.3" "tiktoken==0.14.0"
fi
"$VENV/bin/python" bench/tokenize_peers.py prepare "$OUT"
swift build -c release --product jupiter-bench --scratch-path .build-release >/dev/null
JUP=$(.build-release/release/jupiter-bench tokenize --tokenizer "$OUT/tokenizer-150k.json" --docs "$OUT/docs.jsonl" --ids-out "$OUT/ids-jupiter.jsonl")
PEERS=$(RAYON_NUM_THREADS=1 TOKENIZERS_PARALLELISM=false "$VENV/bin/python" bench/tokenize_peers.py run "$OUT")
SAME=$(python3 - "$OUT" <<'PY'
import sys, os
d = sys.argv[1]
a = open(os.path.join(d, "ids-jupiter.jsonl")).read().split("\n")
b = open(os.path.join(d, "ids-tokenizers.jsonl")).read().split("\n")
print(sum(1 for x, y in zip(a, b) if x.replace(" ", "") == y.replace(" ", "") and x), len([x for x in b if x]))
PY
)
python3 - "$JUP" "$PEERS" "$SAME" <<'PY'
import json, sys
jup = json.loads(sys.argv[1])
peers = [json.loads(l) for l in sys.argv[2].splitlines() if l.strip()]
hf = next(p for p in peers if p["impl"] == "tokenizers")
tt = next(p for p in peers if p["impl"] == "tiktoken")
same, docs = sys.argv[3].split()
print(f"tokenizer: {jup['vocab']} ids; {jup['docs']} documents, {jup['bytes']/1e6:.2f} MB; one thread; best of 3 cold-cache passes")
print(f"{'implementation':<16}{'MB/s':>10}{'tokens':>12}{'Jupiter ×':>12}")
for name, r in (("jupiter", jup), ("tiktoken", tt), ("tokenizers", hf)):
    print(f"{name:<16}{r['mb_per_s']:>10.2f}{r['tokens']:>12}{jup['mb_per_s']/r['mb_per_s']:>12.2f}")
print(f"load 150k tokenizer.json (best of 5): jupiter {jup['load_ms']:.1f} ms wall / {jup['load_cpu_ms']:.1f} ms CPU; "
      f"tokenizers {hf['load_ms']:.1f} ms wall / {hf['load_cpu_ms']:.1f} ms CPU (target < 200 ms)")
print(f"ids identical to tokenizers: {same}/{docs} documents; tiktoken identical to tokenizers: {tt['docs_same_ids_as_tokenizers']}/{tt['docs']}")
PY

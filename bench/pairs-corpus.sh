# Sourced by bench/pairs-run.sh and bench/stages.sh (after `set -euo pipefail`): builds the release
# jupiter and jupiter-bench, and makes once the corpus of PAIRS sentence pairs of real legislation
# text (generated deterministically from the shared translation set). Sets root, PAIRS, shared,
# out, bin and corpus.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
PAIRS="${PAIRS:-1000000}"
shared="$root/../shared/data"
[ -d "$shared" ] || shared="$root/../../shared/data"
out="$root/bench/out"
mkdir -p "$out"
corpus="$out/pairs-${PAIRS}.tsv"

swift build -c release --scratch-path .build-release --product jupiter-bench >&2
swift build -c release --scratch-path .build-release --product jupiter >&2
bin="$root/.build-release/release"
[ -s "$corpus" ] || "$bin/jupiter-bench" stages corpus --source "$shared/llm-evals-cy/welsh-legislation-translation.jsonl" \
  --out "$corpus" --pairs "$PAIRS" >&2

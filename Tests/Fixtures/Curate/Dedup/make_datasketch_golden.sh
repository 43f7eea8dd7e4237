#!/usr/bin/env bash
# Regenerates datasketch-golden.json: exports the accuracy corpus's shingles and signatures from
# the Swift test, then runs datasketch on them in a throwaway venv.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../../.." && pwd)"
venv="$root/bench/.venv/datasketch"
[ -x "$venv/bin/python" ] || { python3 -m venv "$venv"; "$venv/bin/pip" install -q datasketch numpy; }
export_file="$(mktemp /tmp/jupiter-dedup-export.XXXXXX.jsonl)"
# The golden test fails until the golden matches; the export happens first regardless.
(cd "$root" && JUPITER_DEDUP_EXPORT="$export_file" swift test --scratch-path .build \
    --filter 'MinHashDedupTests/datasketchGolden' >/dev/null 2>&1 || true)
[ -s "$export_file" ] || { echo "export failed" >&2; exit 1; }
"$venv/bin/python" "$here/datasketch_golden.py" "$export_file" "$here/datasketch-golden.json"
rm -f "$export_file"
echo "wrote $here/datasketch-golden.json"

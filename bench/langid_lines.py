#!/usr/bin/env python3
"""Writes the benchmark input of bench/langid.sh: every user turn and every ideal of the shared
llm-evals-cy files (Welsh and English), newlines replaced by spaces, one per line.

Usage: langid_lines.py DATA_DIR OUT
"""
import json
import os
import sys

data_dir, out_path = sys.argv[1], sys.argv[2]
rows = 0
with open(out_path, "w", encoding="utf-8") as out:
    for name in sorted(os.listdir(data_dir)):
        if not name.endswith(".jsonl"):
            continue
        with open(os.path.join(data_dir, name), encoding="utf-8") as f:
            for raw in f:
                if not raw.strip():
                    continue
                item = json.loads(raw)
                texts = [m["content"] for m in item.get("input", []) if m.get("role") == "user"]
                ideal = item.get("ideal")
                texts += [t for t in (ideal if isinstance(ideal, list) else [ideal]) if isinstance(t, str)]
                for t in texts:
                    line = " ".join(t.replace("\r", " ").split("\n")).strip()
                    if line:
                        out.write(line + "\n")
                        rows += 1
print(f"{rows} lines", file=sys.stderr)

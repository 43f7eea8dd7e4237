#!/usr/bin/env python3
"""Peer side of bench/langid.sh: fastText (PyPI fasttext-wheel) top-1 throughput, one thread.

Usage: langid_peer.py MODEL LINES REPEAT
Times two ways of calling the library on the same lines: one `predict(line)` call per line (how
datatrove and NeMo Curator call it) and one `predict(list)` call per pass (the library's batch
entry point). Prints one `name lines_per_s=… top_labels=…` line per mode.
"""
import collections
import sys
import time

import fasttext

fasttext.FastText.eprint = lambda *args, **kwargs: None  # silence the load_model warning


def main():
    model_path, lines_path, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3])
    model = fasttext.load_model(model_path)
    with open(lines_path, encoding="utf-8") as f:
        lines = [line for line in f.read().split("\n") if line]
    counts = collections.Counter(model.predict(line)[0][0][len("__label__"):] for line in lines)
    top = ",".join(f"{k}:{v}" for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:3])

    start = time.perf_counter()
    for _ in range(repeat):
        for line in lines:
            model.predict(line)
    per_line = len(lines) * repeat / (time.perf_counter() - start)
    print(f"fasttext-per-line lines_per_s={per_line} top_labels={top}")

    start = time.perf_counter()
    for _ in range(repeat):
        model.predict(lines)
    batch = len(lines) * repeat / (time.perf_counter() - start)
    print(f"fasttext-batch lines_per_s={batch} top_labels={top}")


if __name__ == "__main__":
    main()

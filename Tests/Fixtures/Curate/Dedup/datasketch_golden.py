"""Writes datasketch-golden.json: datasketch MinHashLSH clusters on the corpus the Swift test builds.

Input: the JSONL written by the Swift test when JUPITER_DEDUP_EXPORT is set (one line per
document: its 64-bit shingle hashes and Jupiter's 112-value signature). Output, for the same
documents in the same order:

- clusters_from_jupiter_signatures: datasketch MinHashLSH(params=(14, 8)) fed Jupiter's signature
  values (its banding and bucket lookup, our permutations): must equal Jupiter's clusters exactly.
- clusters_from_datasketch_hashing: datasketch MinHash(num_perm=112, seed=1, scheme="affine64")
  over the same shingle hashes (hashfunc = identity), then the same LSH: datasketch's own
  permutations, so pairs near the LSH threshold may land differently (the Swift test checks
  that only such pairs differ).

Clusters: each document is inserted, then queried; every document is joined (union-find) with
every candidate; clusters of two or more documents are listed by document index, sorted.

Usage: python datasketch_golden.py EXPORT.jsonl OUT.json   (pip install datasketch numpy)
"""
import json
import sys

import numpy as np
from datasketch import MinHash, MinHashLSH


def clusters(minhashes):
    lsh = MinHashLSH(num_perm=112, params=(14, 8))
    for i, m in enumerate(minhashes):
        if m is not None:
            lsh.insert(i, m)
    parent = list(range(len(minhashes)))

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, m in enumerate(minhashes):
        if m is None:
            continue
        for j in lsh.query(m):
            a, b = find(i), find(j)
            if a != b:
                parent[max(a, b)] = min(a, b)
    groups = {}
    for i, m in enumerate(minhashes):
        if m is not None:
            groups.setdefault(find(i), []).append(i)
    return sorted(sorted(g) for g in groups.values() if len(g) > 1)


def main():
    src, dst = sys.argv[1], sys.argv[2]
    docs = [json.loads(line) for line in open(src, encoding="utf-8")]
    from_sigs = [
        MinHash(hashvalues=np.array(d["signature"], dtype=np.uint64), scheme="affine64") if d["signature"] else None
        for d in docs
    ]
    own = []
    for d in docs:
        if not d["shingles"]:
            own.append(None)
            continue
        m = MinHash(num_perm=112, seed=1, scheme="affine64", hashfunc=lambda x: x)
        m.update_batch(d["shingles"])
        own.append(m)
    out = {
        "doc_count": len(docs),
        "parameters": {"num_perm": 112, "bands": 14, "rows": 8, "seed": 1, "scheme": "affine64"},
        "clusters_from_jupiter_signatures": clusters(from_sigs),
        "clusters_from_datasketch_hashing": clusters(own),
    }
    with open(dst, "w", encoding="utf-8") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()

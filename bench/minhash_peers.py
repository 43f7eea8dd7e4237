"""MinHash dedup peers for bench/minhash.sh: datatrove's pipeline and rensa, same corpus.

Both use datatrove's defaults (word 5-grams of datatrove-normalised text, 14 bands x 8 rows,
seed 1) and report documents per second for signatures + LSH buckets + clusters, reading the
corpus JSONL included, per CPU second of the process (the machine is shared, so CPU time is the
per-core figure; wall time is printed too). Prints one JSON line.

  python minhash_peers.py datatrove CORPUS.jsonl LIMIT WORKDIR
  python minhash_peers.py rensa CORPUS.jsonl LIMIT
"""
import json
import shutil
import sys
import time


def read_texts(path, limit):
    texts = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            texts.append(json.loads(line)["text"])
            if limit and len(texts) >= limit:
                break
    return texts


def run_rensa(path, limit):
    from datatrove.utils.text import TextNormConfig, simplify_text
    from rensa import RMinHash, RMinHashLSH

    norm = TextNormConfig()
    c0 = time.process_time()
    t0 = time.perf_counter()
    texts = read_texts(path, limit)
    # Same shingles as datatrove: normalised text, words, space-joined 5-grams.
    token_sets = []
    for t in texts:
        w = simplify_text(t, norm).split()
        token_sets.append([" ".join(w[i:i + 5]) for i in range(len(w) - 4)])
    t1 = time.perf_counter()
    c1 = time.process_time()
    keep = [i for i, s in enumerate(token_sets) if s]
    minhashes = RMinHash.from_token_sets([token_sets[i] for i in keep], 112, 1)
    lsh = RMinHashLSH(threshold=0.72, num_perm=112, num_bands=14)
    for k, m in zip(keep, minhashes):
        lsh.insert(k, m)
    parent = list(range(len(texts)))

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for k, cands in zip(keep, lsh.query_all(minhashes)):
        for c in cands:
            a, b = find(k), find(c)
            if a != b:
                parent[max(a, b)] = min(a, b)
    t2 = time.perf_counter()
    c2 = time.process_time()
    dups = sum(1 for i in keep if find(i) != i)
    n = len(texts)
    return {
        "tool": "rensa", "docs": n, "seconds": t2 - t0, "cpu_seconds": c2 - c0, "docs_per_cpu_s": n / (c2 - c0),
        "shingling_cpu_seconds": c1 - c0, "core_cpu_seconds": c2 - c1, "core_docs_per_cpu_s": n / (c2 - c1),
        "duplicates": dups,
    }


def run_datatrove(path, limit, workdir):
    import os

    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.dedup.minhash import (
        MinhashConfig,
        MinhashDedupBuckets,
        MinhashDedupCluster,
        MinhashDedupSignature,
    )
    from datatrove.pipeline.readers import JsonlReader

    shutil.rmtree(workdir, ignore_errors=True)
    os.makedirs(workdir)
    data_dir = os.path.join(workdir, "in")
    os.makedirs(data_dir)
    with open(path, encoding="utf-8") as src, open(os.path.join(data_dir, "part.jsonl"), "w", encoding="utf-8") as dst:
        n = 0
        for line in src:
            if not line.strip():
                continue
            dst.write(line)
            n += 1
            if limit and n >= limit:
                break
    config = MinhashConfig()  # n_grams=5, 14 buckets x 8 hashes, seed 1, 64-bit xxhash
    sigs, buckets, clusters = (os.path.join(workdir, d) for d in ("sigs", "buckets", "clusters"))
    c0 = time.process_time()
    t0 = time.perf_counter()
    LocalPipelineExecutor(
        pipeline=[JsonlReader(data_dir), MinhashDedupSignature(output_folder=sigs, config=config, language="en")],
        tasks=1, workers=1, logging_dir=os.path.join(workdir, "logs1"),
    ).run()
    LocalPipelineExecutor(
        pipeline=[MinhashDedupBuckets(input_folder=sigs, output_folder=buckets, config=config)],
        tasks=config.num_buckets, workers=1, logging_dir=os.path.join(workdir, "logs2"),
    ).run()
    LocalPipelineExecutor(
        pipeline=[MinhashDedupCluster(input_folder=buckets, output_folder=clusters, config=config)],
        tasks=1, workers=1, logging_dir=os.path.join(workdir, "logs3"),
    ).run()
    t1 = time.perf_counter()
    c1 = time.process_time()
    dups = 0
    for name in (os.listdir(clusters) if os.path.isdir(clusters) else []):
        if name.endswith(".remove"):
            dups += os.path.getsize(os.path.join(clusters, name)) // 4
    return {"tool": "datatrove", "docs": n, "seconds": t1 - t0, "cpu_seconds": c1 - c0,
            "docs_per_cpu_s": n / (c1 - c0), "duplicates": dups}


def main():
    mode, path, limit = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if mode == "rensa":
        out = run_rensa(path, limit)
    else:
        out = run_datatrove(path, limit, sys.argv[4])
    print(json.dumps(out))


if __name__ == "__main__":
    main()

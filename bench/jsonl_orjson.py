"""Python peer for bench/jsonl.sh: orjson.loads on every line of FILE, single thread, best of N."""
import json, os, sys, time
import orjson

path = sys.argv[1]
repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
size = os.path.getsize(path)
best = None
for _ in range(repeats):
    n = 0
    t = time.perf_counter()
    c = time.process_time()
    with open(path, "rb") as f:
        for line in f:
            if line.strip():
                orjson.loads(line)
                n += 1
    s = time.perf_counter() - t
    c = time.process_time() - c
    if best is None or s < best[0]:
        best = (s, n, c)
s, n, c = best
print(json.dumps({"mode": "orjson-1-thread", "seconds": s, "records": n,
                  "mb_per_s": size / 1e6 / s, "cpu_seconds": c, "mb_per_cpu_s": size / 1e6 / c, "records_per_s": n / s, "orjson": orjson.__version__}))

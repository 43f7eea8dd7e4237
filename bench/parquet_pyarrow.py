"""The peer of `jupiter-bench parquet`: pyarrow reads the file on one thread (pa.set_cpu_count(1),
use_threads=False) and turns every row into Python dicts with to_pylist(), row group by row group
(streamed, as Jupiter reads it). Prints one JSON object."""
import json, os, sys, time

import pyarrow as pa
import pyarrow.parquet as pq

pa.set_cpu_count(1)
pa.set_io_thread_count(1)
path = sys.argv[1]
repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 1
best = None
for _ in range(repeats):
    start, cpu = time.perf_counter(), time.process_time()
    pf = pq.ParquetFile(path)
    rows = 0
    for g in range(pf.num_row_groups):
        table = pf.read_row_group(g, use_threads=False)
        rows += len(table.to_pylist())
        del table
    s, c = time.perf_counter() - start, time.process_time() - cpu
    if best is None or s < best[0]:
        best = (s, c, rows)
print(json.dumps({"mode": "pyarrow read_row_group + to_pylist (1 thread)", "pyarrow": pa.__version__,
                  "seconds": best[0], "cpu_seconds": best[1], "rows": best[2], "bytes": os.path.getsize(path)}))

"""Python peer for the mixer benchmark: the same mix written the plain way (standard library
json + gzip, or orjson when available): measure every record (estimated tokens = UTF-8 bytes of
message texts / 4, reasoning on/off), choose by token weights with a seeded order and the same
stop rule, interleave reasoning on/off at the target share, shuffle globally, write gzip shards.
One thread. Prints one JSON line. Usage: mix_peer.py OUT SHARDS WEIGHTS FILE...
"""
import gzip, json, os, random, resource, sys, time

try:
    import orjson
    loads, dumps, lib = orjson.loads, orjson.dumps, "orjson"
except ImportError:
    loads, dumps, lib = json.loads, (lambda o: json.dumps(o, ensure_ascii=False, separators=(",", ":")).encode()), "json"

out, shards, weights, files = sys.argv[1], int(sys.argv[2]), [float(w) for w in sys.argv[3].split(",")], sys.argv[4:]
share_on = 0.5

def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime

def opener(path):
    return gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb")

t0, c0 = time.time(), cpu()
pools = []
for f in files:
    units, modes = [], []
    with opener(f) as fh:
        for line in fh:
            if not line.strip():
                continue
            r = loads(line)
            n, on, assistant = 0, False, False
            for m in r["messages"]:
                c = m.get("content") or ""
                n += len(c.encode())
                if m.get("role") == "assistant":
                    assistant = True
                    rc = m.get("reasoning_content")
                    if rc is None and c.startswith("<think>"):
                        on = True
                    if rc is not None:
                        n += len(rc.encode()); on = True
            units.append((n + 3) // 4)
            modes.append(2 if on else (1 if assistant else 0))
    pools.append((units, modes))

wsum = sum(weights)
ws = [w / wsum for w in weights]
total = min(sum(u) / w for (u, _), w in zip(pools, ws))
picks = []
for i, ((units, modes), w) in enumerate(zip(pools, ws)):
    target = total * w
    order = list(range(len(units)))
    random.Random(1000 + i).shuffle(order)
    on = [r for r in order if modes[r] == 2]
    off = [r for r in order if modes[r] != 2]
    chosen, taken, n_on, a, b = [], 0.0, 0, 0, 0
    while taken < target:
        want_on = (n_on + 1) <= share_on * (len(chosen) + 1) + 1e-9 if on and off else bool(on and not off)
        if want_on and a < len(on):
            r, is_on = on[a], True; a += 1
        elif b < len(off):
            r, is_on = off[b], False; b += 1
        elif a < len(on):
            r, is_on = on[a], True; a += 1
        else:
            break
        u = units[r]
        if taken + u > target and (taken + u - target) >= (target - taken):
            break
        chosen.append(r); taken += u; n_on += is_on
    picks.append(chosen)

entries = [(d, r) for d, ch in enumerate(picks) for r in ch]
order = list(range(len(entries)))
random.Random(17).shuffle(order)
n = len(entries)
position = {}
for j, (d, r) in enumerate(entries):
    position.setdefault((d, r), []).append(order[j])
shard_rows = [[] for _ in range(shards)]
for d, f in enumerate(files):
    name = os.path.basename(f)
    with opener(f) as fh:
        k = 0
        for line in fh:
            if not line.strip():
                continue
            ps = position.get((d, k))
            if ps:
                r = loads(line)
                row = dumps({"id": r.get("id", f"{name}:{k}"), "dataset": name, "messages": r["messages"]})
                for p in ps:
                    shard_rows[p * shards // n].append((p, row))
            k += 1
os.makedirs(out, exist_ok=True)
for s, rows in enumerate(shard_rows):
    rows.sort()
    with gzip.open(os.path.join(out, f"part-{s:05d}.jsonl.gz"), "wb", compresslevel=6) as g:
        for _, row in rows:
            g.write(row + b"\n")
seconds, cpus = time.time() - t0, cpu() - c0
mb = sum(os.path.getsize(f) for f in files) / 1e6
print(json.dumps({"tool": f"python ({lib}+gzip)", "records_out": n, "seconds": seconds, "cpu_seconds": cpus,
                  "mb_per_s": mb / seconds, "mb_per_cpu_s": mb / cpus}))

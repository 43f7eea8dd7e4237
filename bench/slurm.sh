#!/usr/bin/env bash
# Slurm executor benchmark: what a cluster run costs next to the same recipe run locally, on the
# single-node cluster of scripts/slurm-cluster (or the one SLURM_CONF names).
#
#   bench/slurm.sh                      # 1,000,000 conversations, 16 tasks
#   CONVERSATIONS=200000 TASKS=8 bench/slurm.sh
#
# 1. Overhead per task: a small recipe (pair-filter over 2,000 legislation pairs, 20 batches) run
#    locally and with 1, 4 and 16 array tasks (--wait): wall time from `jupiter run` to its
#    manifest. Per-task overhead = (wall(16) - wall(1)) x slots / 15, where slots is how many tasks
#    the cluster runs at once (CPUs / cpus_per_task): submission, job start (a process that reads
#    the recipe and plans), completion files, and the final merge.
# 2. Scale: CONVERSATIONS synthetic conversations (sentences of the legislation fixture, 10%
#    planted near-duplicates and 2% exact copies) through `quality` (per batch) -> `exact-dedup` ->
#    `minhash-dedup`, locally (all cores) and in TASKS tasks: wall, jobs, per unit the slowest
#    task's time and the largest peak memory of any task (from the task records), the size of the
#    shard files the sharded passes wrote, and whether datasets/ is byte-identical to the local run.
# Peer: the same recipe run by the local executor in the same run of this script.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
CONVERSATIONS="${CONVERSATIONS:-1000000}"
TASKS="${TASKS:-16}"
out="$root/bench/out/slurm"
mkdir -p "$out"

swift build -c release --scratch-path .build-release --product jupiter >&2
bin="$root/.build-release/release/jupiter"

# A cluster: SLURM_CONF's, or one started here (as root) and stopped at the end.
if [ -z "${SLURM_CONF:-}" ] || ! sinfo -h >/dev/null 2>&1; then
  [ "$(id -u)" = 0 ] || { echo "bench/slurm.sh: set SLURM_CONF to a cluster, or run as root to start one" >&2; exit 2; }
  cluster="$out/cluster"
  rm -rf "$cluster"
  scripts/slurm-cluster start "$cluster" >&2
  export SLURM_CONF="$cluster/slurm.conf"
  trap 'scripts/slurm-cluster stop "$cluster" >/dev/null 2>&1 || true' EXIT
fi
cpus=$(sinfo -h -o %c | head -1)
export JUPITER_SLURM_POLL_S=1

now() { python3 -c 'import time; print(time.time())'; }
timed() {  # timed NAME COMMAND…: runs it, prints its wall seconds
  local t0 t1
  t0=$(now)
  "${@:2}" > "$out/$1.out" 2>&1 || { echo "bench/slurm.sh: $1 failed (see $out/$1.out)" >&2; tail -20 "$out/$1.out" >&2; exit 1; }
  t1=$(now)
  python3 -c "print(round($t1 - $t0, 2))"
}

# --- 1. overhead per task --------------------------------------------------------------------------
small="$out/small"
rm -rf "$small"
mkdir -p "$small"
head -2000 Tests/Fixtures/Legislation/legislation-en-cy.tsv > "$small/pairs.tsv"
cat > "$small/recipe.yaml" <<'EOF'
name: slurm-overhead
sources:
  p: { path: pairs.tsv, format: parallel-tsv, langs: [en, cy] }
datasets:
  pairs: { from: p, steps: [pair-filter] }
output: { dir: run, batch_size: 100 }
EOF
echo "overhead: local and 1, 4, 16 tasks" >&2
o_local=$(timed small-local "$bin" run "$small/recipe.yaml" --output "$small/local" --quiet)
o1=$(timed small-1 "$bin" run "$small/recipe.yaml" --output "$small/t1" --executor slurm --tasks 1 --cpus-per-task 1 --wait)
o4=$(timed small-4 "$bin" run "$small/recipe.yaml" --output "$small/t4" --executor slurm --tasks 4 --cpus-per-task 1 --wait)
o16=$(timed small-16 "$bin" run "$small/recipe.yaml" --output "$small/t16" --executor slurm --tasks 16 --cpus-per-task 1 --wait)
submit=$(
  rm -rf "$small/s"
  timed small-submit "$bin" run "$small/recipe.yaml" --output "$small/s" --executor slurm --tasks 16 --cpus-per-task 1
)
for _ in $(seq 1 600); do [ -f "$small/s/manifest.json" ] && break; sleep 1; done

# --- 2. scale ----------------------------------------------------------------------------------------
big="$out/big-$CONVERSATIONS"
mkdir -p "$big"
if [ ! -s "$big/conversations.jsonl" ]; then
  echo "writing $CONVERSATIONS conversations" >&2
  python3 - "$CONVERSATIONS" Tests/Fixtures/Legislation/legislation-en-cy.tsv "$big/conversations.jsonl" <<'PY'
import json, random, sys
n, src, dst = int(sys.argv[1]), sys.argv[2], sys.argv[3]
pairs = [l.rstrip("\n").split("\t") for l in open(src, encoding="utf-8") if "\t" in l]
en = [p[0] for p in pairs]; cy = [p[1] for p in pairs]
rng = random.Random(11)
made = []
with open(dst, "w", encoding="utf-8") as f:
    for i in range(n):
        r = rng.random()
        if made and r < 0.02:                     # exact copy
            q, a = made[rng.randrange(len(made))]
        elif made and r < 0.12:                   # near-duplicate: one word replaced
            q, a = made[rng.randrange(len(made))]
            w = a.split(" "); w[rng.randrange(len(w))] = "newydd"; a = " ".join(w)
        else:
            q = "Translate into Welsh: " + " ".join(rng.choice(en) for _ in range(3))
            a = " ".join(rng.choice(cy) for _ in range(3))
        if len(made) < 50000: made.append((q, a))
        elif rng.random() < 0.01: made[rng.randrange(len(made))] = (q, a)
        f.write(json.dumps({"id": f"c{i}", "messages": [{"role": "user", "content": q},
                                                         {"role": "assistant", "content": a}]},
                           ensure_ascii=False) + "\n")
PY
fi
cat > "$big/recipe.yaml" <<'EOF'
name: slurm-scale
sources:
  c: { path: conversations.jsonl, format: openai-messages }
datasets:
  chats: { from: c, steps: [quality, exact-dedup, minhash-dedup] }
output: { dir: run, batch_size: 10000 }
EOF
rm -rf "$big/local" "$big/cluster"
echo "scale: local" >&2
b_local=$(timed big-local /usr/bin/time -v "$bin" run "$big/recipe.yaml" --output "$big/local" --quiet)
echo "scale: $TASKS tasks" >&2
b_cluster=$(timed big-cluster "$bin" run "$big/recipe.yaml" --output "$big/cluster" --executor slurm --tasks "$TASKS" --cpus-per-task 1 --wait)
identical=yes
for f in kept.jsonl.gz dropped.jsonl.gz quarantine.jsonl; do
  cmp -s "$big/local/datasets/chats/$f" "$big/cluster/datasets/chats/$f" || identical=no
done

python3 - "$out" "$big" "$cpus" "$CONVERSATIONS" "$TASKS" "$identical" "$o_local" "$o1" "$o4" "$o16" "$submit" "$b_local" "$b_cluster" <<'PY'
import glob, json, os, re, sys
out, big, cpus, n, tasks, identical = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
o_local, o1, o4, o16, submit, b_local, b_cluster = map(float, sys.argv[7:14])
slots = cpus  # cpus_per_task 1
per_task = (o16 - o1) * slots / 15
print(f"Slurm executor on a single-node cluster ({cpus} CPUs, cpus_per_task 1); peer: the local executor, same script")
print()
print("| overhead (2,000 pairs, pair-filter, 20 batches) | wall s | vs local |")
print("|---|---:|---:|")
for name, v in [("local executor", o_local), ("slurm, 1 task", o1), ("slurm, 4 tasks", o4), ("slurm, 16 tasks", o16),
                ("slurm, 16 tasks: submission only", submit)]:
    print(f"| {name} | {v:.1f} | {v / o_local:.1f}x |")
print(f"\nper-task overhead (submission, job start, completion files, merge): {per_task:.2f} s of a job slot")
print()
rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(os.path.join(out, "big-local.out")).read())
local_rss = int(rss.group(1)) if rss else 0
print(f"| scale: {n:,} conversations, quality -> exact-dedup -> minhash-dedup | value |")
print("|---|---:|")
print(f"| local wall (all cores) | {b_local:.1f} s (peak {local_rss / 1024:.0f} MB) |")
print(f"| {tasks} tasks wall | {b_cluster:.1f} s ({b_cluster / b_local:.2f}x local) |")
print(f"| datasets/ byte-identical to local | {identical} |")
run = os.path.join(big, "cluster")
record = json.load(open(os.path.join(run, "slurm", "run.json")))
print(f"| Slurm jobs submitted | {len(record['jobs'])} ({sum(len(j['task_indices']) for j in record['jobs'])} tasks) |")
shards = sum(os.path.getsize(p) for p in glob.glob(os.path.join(run, "work", "**", "shards", "*.bin"), recursive=True))
print(f"| shard files (signatures, keys, pairs, decisions) | {shards / 2**20:.1f} MB |")
state = sum(os.path.getsize(p) for p in glob.glob(os.path.join(run, "work", "**", "*"), recursive=True) if os.path.isfile(p))
print(f"| work/ in all | {state / 2**20:.1f} MB |")
print()
print("| unit | tasks | slowest task s | largest peak RSS MB |")
print("|---|---:|---:|---:|")
for step in sorted(glob.glob(os.path.join(run, "work", "chats", "*"))):
    name = os.path.basename(step)
    for label, pattern in [("step", "task-*-of-*.json"), ("scan", "shards/scan-*.done"), ("reduce", "shards/reduce-*.done"),
                           ("combine", "shards/combine-*.done")]:
        files = glob.glob(os.path.join(step, pattern))
        if not files: continue
        recs = [json.load(open(f)) for f in files]
        print(f"| {name} {label} | {len(recs)} | {max(r.get('seconds', 0) for r in recs):.1f} | "
              f"{max(r.get('peak_rss_kib', 0) for r in recs) / 1024:.0f} |")
PY

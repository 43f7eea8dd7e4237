"""Writes a Parquet file of conversations for the Parquet read benchmark, with pyarrow's default
settings (Snappy, dictionary encoding with plain fallback, data page v1): one row per
conversation, `messages` a list<struct<role, content, reasoning_content>> column, plus `id`.

Conversations are drawn from the shared Welsh evaluation data (translation, yes/no, grammar,
multiple choice), with a system prompt, 1-4 exchanges and reasoning traces on about 30% of the
assistant turns (seeded). Row groups of 20,000 rows are written until the file reaches --mb.
"""
import argparse, json, os, random

import pyarrow as pa
import pyarrow.parquet as pq

p = argparse.ArgumentParser()
p.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "llm-evals-cy"))
p.add_argument("--out", required=True)
p.add_argument("--mb", type=float, default=1000)
p.add_argument("--seed", type=int, default=17)
a = p.parse_args()

items = []
for name in sorted(os.listdir(a.data)):
    if name.endswith(".jsonl"):
        with open(os.path.join(a.data, name), encoding="utf-8") as f:
            items += [json.loads(line) for line in f if line.strip()]

rng = random.Random(a.seed)
systems = ["Rwyt ti'n gynorthwyydd defnyddiol sy'n ateb yn Gymraeg.",
           "You are a helpful assistant. Answer in Welsh unless asked otherwise.",
           "Cynorthwyydd cyfieithu: cyfieithwch yn gywir ac yn naturiol."]
reasons = ["Mae angen deall y cwestiwn yn ofalus cyn ateb. ",
           "First identify the key terms, then check the Welsh mutations (ŵ, ŷ, treiglad meddal). ",
           "Gadewch i mi feddwl am yr ystyr a'r cyd-destun. "]
schema = pa.schema([("id", pa.string()),
                    ("messages", pa.list_(pa.struct([("role", pa.string()), ("content", pa.string()),
                                                     ("reasoning_content", pa.string())])))])

target = int(a.mb * 1_000_000)
n = 0
tmp = a.out + ".tmp"
with pq.ParquetWriter(tmp, schema) as w:
    while not os.path.exists(tmp) or os.path.getsize(tmp) < target:
        rows = []
        for _ in range(20000):
            msgs = [{"role": "system", "content": rng.choice(systems), "reasoning_content": None}]
            for _ in range(rng.randint(1, 4)):
                it = rng.choice(items)
                user = it["input"][-1]["content"]
                ideal = it["ideal"] if isinstance(it["ideal"], str) else it["ideal"][0]
                msgs.append({"role": "user", "content": user, "reasoning_content": None})
                trace = None
                if rng.random() < 0.3:
                    trace = "".join(rng.choice(reasons) for _ in range(rng.randint(2, 8))) + user[:200]
                msgs.append({"role": "assistant", "content": ideal, "reasoning_content": trace})
            rows.append({"id": "conv-%08d" % n, "messages": msgs})
            n += 1
        w.write_table(pa.Table.from_pylist(rows, schema=schema))
os.replace(tmp, a.out)
print(f"wrote {a.out}: {n} conversations, {os.path.getsize(a.out) / 1e6:.1f} MB")

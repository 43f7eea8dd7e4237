"""Generates a realistic openai-messages JSONL for the ingest benchmark from the shared Welsh data.

Each conversation has a system prompt and 1-4 user/assistant exchanges drawn from the Welsh eval
sets (English->Welsh legislation translation, yes/no questions, grammar judgements, multiple
choice). About half the assistant turns carry reasoning (`reasoning_content`, or an inline
<think> block), the rest have reasoning off. Deterministic (seeded).
"""
import argparse, json, os, random

p = argparse.ArgumentParser()
p.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "llm-evals-cy"))
p.add_argument("--out", required=True)
p.add_argument("--mb", type=float, default=200)
p.add_argument("--seed", type=int, default=17)
a = p.parse_args()

items = []
for name in sorted(os.listdir(a.data)):
    if name.endswith(".jsonl"):
        with open(os.path.join(a.data, name), encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    items.append(json.loads(line))

rng = random.Random(a.seed)
systems = ["Rwyt ti'n gynorthwyydd defnyddiol sy'n ateb yn Gymraeg.",
           "You are a helpful assistant. Answer in Welsh unless asked otherwise.",
           "Cynorthwyydd cyfieithu: cyfieithwch yn gywir ac yn naturiol."]
reasons = ["Mae angen deall y cwestiwn yn ofalus cyn ateb. ",
           "First identify the key terms, then check the Welsh mutations (ŵ, ŷ, treiglad meddal). ",
           "Gadewch i mi feddwl am yr ystyr a'r cyd-destun. "]

target = int(a.mb * 1_000_000)
written = 0
n = 0
with open(a.out, "w", encoding="utf-8") as f:
    while written < target:
        msgs = [{"role": "system", "content": rng.choice(systems)}]
        for _ in range(rng.randint(1, 4)):
            it = rng.choice(items)
            user = it["input"][-1]["content"]
            ideal = it["ideal"] if isinstance(it["ideal"], str) else it["ideal"][0]
            msgs.append({"role": "user", "content": user})
            r = rng.random()
            if r < 0.3:
                trace = "".join(rng.choice(reasons) for _ in range(rng.randint(2, 8))) + user[:200]
                msgs.append({"role": "assistant", "content": ideal, "reasoning_content": trace})
            elif r < 0.5:
                trace = "".join(rng.choice(reasons) for _ in range(rng.randint(2, 6)))
                msgs.append({"role": "assistant", "content": "<think>\n" + trace + "\n</think>\n\n" + ideal})
            else:
                msgs.append({"role": "assistant", "content": ideal + (" 🙂" if rng.random() < 0.1 else "")})
        rec = {"id": f"bench-{n}", "messages": msgs}
        if rng.random() < 0.2:
            rec["metadata"] = {"source": "llm-evals-cy", "split": rng.choice(["train", "dev"])}
        line = json.dumps(rec, ensure_ascii=False) + "\n"
        f.write(line)
        written += len(line.encode("utf-8"))
        n += 1
print(f"wrote {n} conversations, {written / 1e6:.1f} MB to {a.out}")

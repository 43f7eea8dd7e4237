#!/usr/bin/env python3
"""Peers for bench/tokenize.sh: builds the benchmark inputs and times `tokenizers` and `tiktoken`.

  tokenize_peers.py prepare OUTDIR      corpus docs (docs.jsonl) + a ~150k-vocab Llama-3-style
                                        byte-level BPE tokenizer.json trained with `tokenizers`
  tokenize_peers.py run OUTDIR          times both peers (one thread), prints one JSON line each
"""
import json
import os
import random
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
# ../shared/data beside the repository, or $JUPITER_SHARED_DATA (a checkout elsewhere, such as a git worktree).
DATA = os.path.join(os.environ.get("JUPITER_SHARED_DATA") or os.path.abspath(os.path.join(HERE, "..", "..", "shared", "data")), "llm-evals-cy")
LLAMA3_PATTERN = r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
VOCAB = 150_000


def documents():
    """One document per eval record: its message contents and ideal answer(s), newline-joined."""
    docs = []
    for name in sorted(os.listdir(DATA)):
        if not name.endswith(".jsonl"):
            continue
        with open(os.path.join(DATA, name), encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    r = json.loads(line)
                    ideal = r["ideal"] if isinstance(r["ideal"], list) else [r["ideal"]]
                    docs.append("\n".join([m["content"] for m in r["input"]] + ideal))
    return docs


def prepare(out):
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers
    os.makedirs(out, exist_ok=True)
    docs = documents()
    with open(os.path.join(out, "docs.jsonl"), "w", encoding="utf-8") as f:
        for d in docs:
            f.write(json.dumps(d, ensure_ascii=False) + "\n")
    path = os.path.join(out, "tokenizer-150k.json")
    if os.path.exists(path):
        return
    # Training text: the real documents plus synthetic compounds of their words, so that the
    # trainer finds enough distinct pairs for a 150k vocabulary.
    words = sorted({w for d in docs for w in d.split() if w.isalpha()})
    rng = random.Random(17)
    synth = [" ".join("".join(rng.choice(words) for _ in range(rng.randint(2, 3))) for _ in range(40))
             for _ in range(12000)]
    tok = Tokenizer(models.BPE(ignore_merges=True))
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(LLAMA3_PATTERN), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False)])
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=VOCAB, special_tokens=["<|begin_of_text|>", "<|end_of_text|>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(docs + synth, trainer)
    tok.save(path)
    print("trained vocab", tok.get_vocab_size(), file=sys.stderr)


def tiktoken_encoding(path):
    import tiktoken
    j = json.load(open(path, encoding="utf-8"))
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    char_to_byte = {chr(c): b for b, c in zip(bs, cs)}
    special = {t["content"] for t in j["added_tokens"]}
    # Token id as rank: in a trained BPE the id order is the merge order.
    ranks = {bytes(char_to_byte[c] for c in tok): i for tok, i in j["model"]["vocab"].items() if tok not in special}
    return tiktoken.Encoding(name="bench150k", pat_str=LLAMA3_PATTERN, mergeable_ranks=ranks, special_tokens={})


def best_of(f, passes=3):
    best = float("inf")
    out = None
    for _ in range(passes):
        t0 = time.perf_counter()
        out = f()
        best = min(best, time.perf_counter() - t0)
    return best, out


def run(out):
    os.environ["RAYON_NUM_THREADS"] = "1"
    os.environ["TOKENIZERS_PARALLELISM"] = "false"
    from tokenizers import Tokenizer
    path = os.path.join(out, "tokenizer-150k.json")
    docs = [json.loads(l) for l in open(os.path.join(out, "docs.jsonl"), encoding="utf-8")]
    nbytes = sum(len(d.encode("utf-8")) for d in docs)
    load, tok = best_of(lambda: Tokenizer.from_file(path), 5)
    load_cpu = float("inf")
    for _ in range(5):
        c0 = time.thread_time()
        Tokenizer.from_file(path)
        load_cpu = min(load_cpu, time.thread_time() - c0)
    # A fresh tokenizer per pass, so its word cache starts cold as Jupiter's does.
    fresh = [Tokenizer.from_file(path) for _ in range(3)]
    it = iter(fresh)
    secs, encs = best_of(lambda: [e.ids for e in next(it).encode_batch(docs, add_special_tokens=False)])
    ids_hf = encs
    print(json.dumps({"impl": "tokenizers", "load_ms": round(load * 1000, 1), "load_cpu_ms": round(load_cpu * 1000, 1), "bytes": nbytes,
                      "tokens": sum(map(len, encs)), "seconds": round(secs, 4), "mb_per_s": round(nbytes / 1e6 / secs, 2)}))
    import tiktoken
    enc = tiktoken_encoding(path)
    secs, encs = best_of(lambda: enc.encode_ordinary_batch(docs, num_threads=1))
    same = sum(1 for a, b in zip(encs, ids_hf) if a == b)
    print(json.dumps({"impl": "tiktoken", "bytes": nbytes, "tokens": sum(map(len, encs)), "seconds": round(secs, 4),
                      "mb_per_s": round(nbytes / 1e6 / secs, 2), "docs_same_ids_as_tokenizers": same, "docs": len(docs)}))
    with open(os.path.join(out, "ids-tokenizers.jsonl"), "w") as f:
        for ids in ids_hf:
            f.write(json.dumps(ids, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    {"prepare": prepare, "run": run}[sys.argv[1]](sys.argv[2])

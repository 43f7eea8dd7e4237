#!/usr/bin/env python3
"""Trains two tiny fastText classifiers on the shared llm-evals-cy data and writes golden
predictions for them, so the Swift reader is checked on the model shapes lid.176 does not use:

  tiny-softmax.bin  dense matrices, softmax loss, word bigrams (wordNgrams=2), char n-grams 2..4
  tiny-ova.ftz      one-vs-all loss, quantized input with norms (qnorm) and a
                    pruned dictionary (cutoff); a quantized output matrix (qout) needs ≥ 256
                    labels, so that path is not covered here

Labels: en (English legislation), cy (Welsh legislation), q (Welsh exam questions).
Golden: for held-out lines, the reference library's top-3 labels and probabilities.

Usage: python make_tiny_fasttext.py DATA_DIR OUT_DIR   (needs PyPI fasttext-wheel, numpy<2)
"""
import json
import os
import sys
import tempfile

import fasttext


def examples(data_dir):
    legis, questions = [], []
    with open(os.path.join(data_dir, "welsh-legislation-translation.jsonl"), encoding="utf-8") as f:
        for raw in f:
            item = json.loads(raw)
            user = [m["content"] for m in item["input"] if m["role"] == "user"][0]
            legis.append(("en", user.replace("\n", " ")))
            legis.append(("cy", item["ideal"].replace("\n", " ")))
    with open(os.path.join(data_dir, "welsh-mmlu-lite.jsonl"), encoding="utf-8") as f:
        for raw in f:
            item = json.loads(raw)
            user = [m["content"] for m in item["input"] if m["role"] == "user"][0]
            questions.append(("q", user.replace("\n", " ")))
    train = legis[:800] + questions[:300]
    held = legis[800:860] + questions[300:330]
    return train, held


def main():
    data_dir, out_dir = sys.argv[1], sys.argv[2]
    train, held = examples(data_dir)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as f:
        for label, text in train:
            f.write(f"__label__{label} {text}\n")
        train_path = f.name
    common = dict(input=train_path, dim=8, epoch=25, lr=0.5, minCount=3, minn=2, maxn=4, bucket=1000, thread=1, seed=7,
                  verbose=0)
    softmax = fasttext.train_supervised(loss="softmax", wordNgrams=2, **common)
    softmax.save_model(os.path.join(out_dir, "tiny-softmax.bin"))
    ova = fasttext.train_supervised(loss="ova", wordNgrams=1, **common)
    ova.quantize(input=train_path, qnorm=True, cutoff=600, retrain=False)
    ova.save_model(os.path.join(out_dir, "tiny-ova.ftz"))
    os.unlink(train_path)

    with open(os.path.join(out_dir, "tiny-fasttext-golden.tsv"), "w", encoding="utf-8") as out:
        out.write("# model\ttext\tlabel:prob, top 3 (fasttext-wheel)\n")
        for name, model in (("tiny-softmax.bin", softmax), ("tiny-ova.ftz", ova)):
            for _, text in held:
                labels, probs = model.predict(text, k=3)
                preds = ",".join(f"{l[len('__label__'):]}:{float(p):.9g}" for l, p in zip(labels, probs))
                out.write(f"{name}\t{text}\t{preds}\n")


if __name__ == "__main__":
    main()

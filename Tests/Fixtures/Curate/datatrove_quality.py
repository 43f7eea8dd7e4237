"""Reference for the quality parity tests and bench/quality.sh: datatrove's own filters.

    python datatrove_quality.py filter < docs.jsonl > decisions.jsonl
        Each input line {"id", "text"} goes through GopherRepetitionFilter -> GopherQualityFilter ->
        C4QualityFilter (datatrove's defaults, English), in that order, as a datatrove pipeline
        runs them. Each output line: {"id", "rule": null | "<filter>:<reason>", "text": the C4
        filter's rewritten text for kept documents}.
    python datatrove_quality.py tokens < strings.jsonl > tokens.jsonl
        Each input line a JSON string; each output line {"words": datatrove's split_into_words,
        "sentences": len(split_into_sentences)} (spaCy's blank English tokenizer + sentencizer,
        which datatrove loads for English).
    python datatrove_quality.py time FILE [LIMIT]
        Times the three filters inside a datatrove pipeline (JsonlReader -> filters -> JsonlWriter,
        one task) on the first LIMIT documents of FILE; prints one JSON line with CPU seconds.
"""
import json
import os
import sys
import tempfile


def filters():
    from datatrove.pipeline.filters import C4QualityFilter, GopherQualityFilter, GopherRepetitionFilter

    return [("gopher_repetition", GopherRepetitionFilter()), ("gopher_quality", GopherQualityFilter()),
            ("c4", C4QualityFilter())]


def decide(steps, text, doc_id="0"):
    from datatrove.data import Document

    doc = Document(text=text, id=doc_id)
    for name, f in steps:
        r = f.filter(doc)
        if r is not True:
            reason = r[1] if isinstance(r, tuple) else ""
            return name + ":" + reason, None
    return None, doc.text


def main():
    mode = sys.argv[1]
    if mode == "filter":
        steps = filters()
        out = sys.stdout
        for line in sys.stdin:
            if not line.strip():
                continue
            d = json.loads(line)
            rule, text = decide(steps, d["text"], str(d.get("id", "")))
            out.write(json.dumps({"id": d.get("id"), "rule": rule, "text": text}, ensure_ascii=False) + "\n")
    elif mode == "tokens":
        from datatrove.utils.text import split_into_sentences, split_into_words

        for line in sys.stdin:
            if not line.strip():
                continue
            s = json.loads(line)
            words = split_into_words(s)
            sys.stdout.write(json.dumps({"words": words, "sentences": len(split_into_sentences(s))},
                                        ensure_ascii=False) + "\n")
    elif mode == "time":
        import time

        from datatrove.executor import LocalPipelineExecutor
        from datatrove.pipeline.filters import C4QualityFilter, GopherQualityFilter, GopherRepetitionFilter
        from datatrove.pipeline.readers import JsonlReader
        from datatrove.pipeline.writers import JsonlWriter

        path = sys.argv[2]
        limit = int(sys.argv[3]) if len(sys.argv) > 3 else -1
        work = tempfile.mkdtemp(prefix="datatrove-quality-")
        pipeline = [
            JsonlReader(os.path.dirname(os.path.abspath(path)), glob_pattern=os.path.basename(path), limit=limit,
                        doc_progress=False),
            GopherRepetitionFilter(), GopherQualityFilter(), C4QualityFilter(),
            JsonlWriter(os.path.join(work, "out"), compression=None),
        ]
        ex = LocalPipelineExecutor(pipeline=pipeline, tasks=1, workers=1, logging_dir=os.path.join(work, "logs"))
        c0, t0 = time.process_time(), time.perf_counter()
        ex.run()
        cpu, wall = time.process_time() - c0, time.perf_counter() - t0
        kept = 0
        for root, _, files in os.walk(os.path.join(work, "out")):
            for name in files:
                with open(os.path.join(root, name), "rb") as f:
                    kept += sum(1 for _ in f)
        print(json.dumps({"cpu_seconds": cpu, "seconds": wall, "kept": kept}))
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()

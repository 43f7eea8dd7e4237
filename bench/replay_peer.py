"""distilabel's TextGeneration over the same prompts, server and concurrency as `jupiter-bench replay`.

Usage: replay_peer.py BASE_URL QUESTIONS_JSONL IN_FLIGHT. Prints the wall seconds of the pipeline run
(load, generate, write) as the last line.
"""
import json
import sys
import tempfile
import time

from distilabel.models import OpenAILLM
from distilabel.pipeline import Pipeline
from distilabel.steps import LoadDataFromDicts
from distilabel.steps.tasks import TextGeneration

base_url, path, in_flight = sys.argv[1], sys.argv[2], int(sys.argv[3])
rows = [{"instruction": json.loads(line)["question"]} for line in open(path)]

start = time.perf_counter()
with tempfile.TemporaryDirectory() as cache, Pipeline(name="replay-bench", cache_dir=cache) as pipeline:
    load = LoadDataFromDicts(data=rows, batch_size=in_flight)
    generate = TextGeneration(
        llm=OpenAILLM(model="test-model", base_url=base_url, api_key="not-used",
                      generation_kwargs={"temperature": 1.0, "top_p": 0.95, "max_new_tokens": 256}),
        input_batch_size=in_flight,
    )
    load >> generate
    distiset = pipeline.run(use_cache=False)
elapsed = time.perf_counter() - start
n = len(distiset["default"]["train"])
assert n == len(rows), f"distilabel produced {n} rows for {len(rows)} prompts"
print(elapsed)

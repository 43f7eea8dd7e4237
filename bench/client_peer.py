#!/usr/bin/env python3
"""Peer for `jupiter-bench client`: Python's openai AsyncOpenAI client, N concurrent workers,
chat completions against the same scripted server. Prints one JSON line with requests/s."""
import argparse
import asyncio
import json
import time

from openai import AsyncOpenAI


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--base-url", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--prompts", required=True)
    ap.add_argument("--limit", type=int, required=True)
    ap.add_argument("--concurrency", type=int, default=256)
    args = ap.parse_args()
    with open(args.prompts, encoding="utf-8") as f:
        prompts = json.load(f)[: args.limit]
    client = AsyncOpenAI(base_url=args.base_url, api_key="bench", max_retries=0, timeout=60)
    next_index = 0

    async def worker() -> None:
        nonlocal next_index
        while next_index < len(prompts):
            i = next_index
            next_index += 1
            r = await client.chat.completions.create(
                model=args.model, messages=[{"role": "user", "content": prompts[i]}], max_tokens=16)
            if not r.choices:
                raise RuntimeError("empty answer")

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(args.concurrency)))
    elapsed = time.perf_counter() - start
    await client.close()
    print(json.dumps({"requests": len(prompts), "seconds": elapsed, "requests_per_second": len(prompts) / elapsed}))


if __name__ == "__main__":
    asyncio.run(main())

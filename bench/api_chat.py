"""Chat over HTTP: 50 concurrent chat requests on the extractive engine against `copilot serve`, and the
server's overhead against calling the same answer function in-process, measured in the same run.

    python bench/api_chat.py

Uses the sample corpus (ingested once into bench/.work/api). Goal: p50 overhead under 10 ms.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.synthetic import WORK  # noqa: E402

CONCURRENT = 50
SEQUENTIAL = 50
KEY = "bench-key"
QUESTIONS = [
    "why are exports slow",
    "what do field technicians say about offline mode",
    "problems with SSO and SCIM",
    "is per-seat pricing too expensive",
    "what breaks in the Jira sync",
    "are there too many notifications",
    "why can't people find things with search",
    "what confuses new users in onboarding",
    "API rate limits and webhooks",
    "what do customers love",
]


def pct(values: list[float], p: int) -> float:
    return statistics.quantiles(values, n=100)[p - 1]


async def chat(client: httpx.AsyncClient, url: str, question: str) -> float:
    """One SSE chat request, timed until its done event."""
    started = time.perf_counter()
    async with client.stream("POST", f"{url}/v1/projects/demo/chat", json={"message": question}) as r:
        async for line in r.aiter_lines():
            if line.startswith("data: ") and json.loads(line[6:])["type"] == "done":
                break
    return (time.perf_counter() - started) * 1000


async def run_http(url: str) -> tuple[list[float], list[float], float]:
    headers = {"Authorization": f"Bearer {KEY}"}
    async with httpx.AsyncClient(headers=headers, timeout=120) as client:
        for q in QUESTIONS:  # warm up
            await chat(client, url, q)
        sequential = [await chat(client, url, QUESTIONS[i % len(QUESTIONS)]) for i in range(SEQUENTIAL)]
        started = time.perf_counter()
        concurrent = await asyncio.gather(
            *(chat(client, url, QUESTIONS[i % len(QUESTIONS)]) for i in range(CONCURRENT))
        )
        wall = time.perf_counter() - started
    return sequential, list(concurrent), wall


def main() -> None:
    data = WORK / "api"
    os.environ["COPILOT_DATA_DIR"] = str(data)
    from copilot.chat.answer import answer_once, chat_events
    from copilot.llm.registry import ExtractiveEngine
    from copilot.store import open_store

    store = open_store()
    if "demo" not in store.projects():
        from copilot.ingest.pipeline import ingest

        print("ingesting the sample corpus first ...")
        ingest(store, [ROOT / "corpus" / "data"], "demo")
    engine = ExtractiveEngine()
    for q in QUESTIONS:  # warm up: caches, keyword index
        answer_once(chat_events(store, "demo", q, engine))
    in_process = []
    for i in range(SEQUENTIAL):
        t = time.perf_counter()
        answer_once(chat_events(store, "demo", QUESTIONS[i % len(QUESTIONS)], engine))
        in_process.append((time.perf_counter() - t) * 1000)

    port = 8770
    env = {**os.environ, "COPILOT_API_KEYS": KEY, "COPILOT_RATE_LIMIT": "100000/minute"}
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "copilot"), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        sequential, concurrent, wall = asyncio.run(run_http(url))
    finally:
        server.terminate()
        server.wait(timeout=30)

    base = statistics.median(in_process)
    seq = statistics.median(sequential)
    print(f"in-process answer (baseline): p50 {base:.1f} ms, p95 {pct(in_process, 95):.1f} ms")
    print(f"over HTTP, one at a time:     p50 {seq:.1f} ms, p95 {pct(sequential, 95):.1f} ms")
    print(f"server overhead at p50: {seq - base:.1f} ms ({seq / base:.2f}x the in-process time; goal under 10 ms)")
    print(
        f"{CONCURRENT} concurrent requests: p50 {statistics.median(concurrent):.1f} ms, "
        f"p95 {pct(concurrent, 95):.1f} ms, all done in {wall:.2f} s ({CONCURRENT / wall:.1f} answers/s; "
        f"p50 is {statistics.median(concurrent) / base:.1f}x the in-process p50)"
    )


if __name__ == "__main__":
    main()

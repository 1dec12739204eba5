"""More than one worker: jobs claimed under a lease in the shared database (two containers sharing a volume), a
job whose process crashed given up with the cause instead of crashing the next process, and rate limits and
Slack's dedupe shared through a real redis-server by two uvicorn workers."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from copilot.jobs import Jobs, Worker
from tests.api_server import api_process, api_server, free_port
from tests.slack_server import fake_slack
from tests.test_api import AUTH, KEY, settings_for
from tests.test_server_mode import chroma_server  # noqa: F401 - the fixture
from tests.test_slack import SECRET, event, signed


def test_a_job_held_by_a_live_worker_elsewhere_is_not_taken_over(tmp_path: Path) -> None:
    # Two containers share the volume; each sees only its own processes, and both run as pid 1.
    here, there = Jobs(tmp_path / "s.sqlite", tmp_path / "jobs"), Jobs(tmp_path / "s.sqlite", tmp_path / "jobs")
    job = here.submit("ingest", "p", {"files": []})
    assert (held := here.claim("container-a-1")) is not None and held.id == job.id
    assert there.expire() == [] and there.claim("container-b-1") is None  # its lease is alive
    assert not there.finish(job.id, "container-b-1", {}) and here.get(job.id).status == "running"
    assert here.renew(job.id, "container-a-1") and here.finish(job.id, "container-a-1", {"ok": True})
    assert here.get(job.id).status == "done"


def test_a_worker_that_lost_its_lease_cannot_overwrite_the_outcome(tmp_path: Path) -> None:
    jobs = Jobs(tmp_path / "s.sqlite", tmp_path / "jobs", lease_s=5)
    job = jobs.submit("ingest", "p", {"files": []})
    jobs.claim("stalled")
    assert jobs.expire(now=time.time() + 10) == [
        f"{job.id}: failed (no fault was reported: the process was killed (SIGKILL, out of memory) or its "
        "machine stopped)"
    ]
    assert not jobs.finish(job.id, "stalled", {"late": True}) and not jobs.renew(job.id, "stalled")
    failed = jobs.get(job.id)
    assert failed.status == "failed" and failed.summary is None and "was not run again" in (failed.error or "")


CRASHING_WORKER = """
import ctypes, sys, time
from pathlib import Path
from copilot.jobs import Jobs, Worker

jobs = Jobs(Path(sys.argv[1]), Path(sys.argv[2]), lease_s=2)
def crash(job, progress, out):
    progress("narrate", 3)
    ctypes.string_at(0)  # a segfault, as a native model library can have
Worker(jobs, {"survey_report": crash}).start()
time.sleep(60)
"""


def test_a_job_that_crashed_its_process_is_failed_with_the_cause_not_run_again(tmp_path: Path) -> None:
    db, results = tmp_path / "s.sqlite", tmp_path / "jobs"
    jobs = Jobs(db, results, lease_s=2)
    job = jobs.submit("survey_report", "p", {"files": [], "provider": "local"})
    script = tmp_path / "worker.py"
    script.write_text(textwrap.dedent(CRASHING_WORKER))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONFAULTHANDLER"}
    crashed = subprocess.run([sys.executable, str(script), str(db), str(results)], env=env, timeout=60)
    assert crashed.returncode == -signal.SIGSEGV
    assert jobs.get(job.id).status == "running"  # nobody knows yet: the lease still runs
    notes = jobs.expire(now=time.time() + 3)
    assert notes == [f"{job.id}: failed (Fatal Python error: Segmentation fault)"]
    failed = jobs.get(job.id)
    assert failed.status == "failed" and failed.attempts == 1
    assert "Segmentation fault" in (failed.error or "") and "'narrate'" in (failed.error or "")
    worker = Worker(jobs, {})  # the next process does not walk into the same crash
    assert jobs.claim(worker.owner) is None


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    exe = shutil.which("redis-server")
    if exe is None:
        pytest.skip("redis-server is not installed (Debian: apt-get install redis-server)")
    port = free_port()
    log = (tmp_path / "redis.log").open("w")
    proc = subprocess.Popen(
        [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"redis-server did not start: {(tmp_path / 'redis.log').read_text()[-2000:]}")
            time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


def _fresh(url: str, path: str, headers: dict[str, str] | None = None) -> httpx.Response:
    """A request on a new connection, so the kernel may hand it to either worker."""
    return httpx.get(f"{url}{path}", headers={"Connection": "close", **(headers or {})})


def test_two_workers_share_rate_limits_and_slack_dedupe_through_redis(
    chroma_server: str,  # noqa: F811
    redis_url: str,
    tmp_path: Path,
) -> None:
    with fake_slack() as slack:
        env = {
            "COPILOT_DATA_DIR": str(tmp_path / "data"),
            "COPILOT_API_KEYS": KEY,
            "COPILOT_CHROMA_URL": chroma_server,
            "COPILOT_REDIS_URL": redis_url,
            "COPILOT_RATE_LIMIT": "6/minute",
            "COPILOT_SLACK_BOT_TOKEN": "xoxb-test",
            "COPILOT_SLACK_SIGNING_SECRET": SECRET,
            "COPILOT_SLACK_API_URL": slack.api,
        }
        with api_process(env, tmp_path / "server.log", "--workers", "2") as (url, _):
            pids: set[int] = set()
            deadline = time.monotonic() + 60
            while len(pids) < 2:  # both workers answer on this port
                assert time.monotonic() < deadline, pids
                pids.add(_fresh(url, "/readyz").json()["pid"])
            codes = [_fresh(url, "/v1/draft-kinds", headers=AUTH).status_code for _ in range(30)]
            assert codes.count(200) == 6 and codes.count(429) == 24  # the limit once, not once per worker

            mention = {"type": "app_mention", "user": "U1", "text": "<@UBOT> hi", "channel": "CNONE", "ts": "1900.1"}
            body = event(mention, 900)
            for n in range(8):  # the first delivery and its retries, spread over both workers
                retry = {"X-Slack-Retry-Num": str(n), "X-Slack-Retry-Reason": "http_timeout"} if n else {}
                headers = {"Content-Type": "application/json", "Connection": "close", **signed(body), **retry}
                assert httpx.post(f"{url}/slack/events", content=body, headers=headers).status_code == 200
            slack.wait_for("chat.postMessage", channel="CNONE")
            time.sleep(1.5)
            assert len(slack.named("chat.postMessage")) == 1


def test_one_worker_over_the_embedded_store_needs_no_extra_service(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, rate_limit="3/minute")
    with api_server(settings) as url:
        assert httpx.get(f"{url}/readyz").json()["store"] == "embedded"
        codes = [httpx.get(f"{url}/v1/draft-kinds", headers=AUTH).status_code for _ in range(5)]
        assert codes == [200, 200, 200, 429, 429]  # in this process's memory: no Redis, no other service

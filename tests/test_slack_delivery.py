"""Slack delivery as Slack does it: retries of events (answered once, also across a restart), `/pm` in a channel
the bot never joined, a Slack that cannot be reached at start, and shared files fetched safely. Signed requests
into the real server, and a fake Slack Web API on 127.0.0.1 that records every call."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from copilot.analysis.themes import discover_themes
from copilot.config import Settings
from copilot.ingest.pipeline import ingest
from copilot.store import open_store
from tests.api_server import api_server, free_port
from tests.conftest import write
from tests.slack_server import FakeSlack, fake_slack
from tests.test_slack import SECRET, event, send
from tests.test_themes import _rows


def _settings(data: Path, slack: FakeSlack, **extra: Any) -> Settings:
    return Settings(
        data_dir=data,
        slack_bot_token="xoxb-test",
        slack_signing_secret=SECRET,
        slack_api_url=slack.api,
        slack_channels="C1=t,CDM=t,COUT=t",
        **extra,
    )  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("slack-delivery")
    csv, _ = _rows(6, 30)
    store = open_store(Settings(data_dir=data))
    ingest(store, [write(data / "in" / "f.csv", csv)], "t")
    discover_themes(store, "t")  # /pm draft prd needs them
    return data


def _mention(ts: str, text: str = "<@UBOT> what do people say about exports?", **extra: Any) -> dict[str, Any]:
    return {"type": "app_mention", "user": "U1", "text": text, "channel": "C1", "ts": ts, **extra}


def _answers(slack: FakeSlack, ts: str) -> list[dict[str, Any]]:
    return [p for p in slack.named("chat.postMessage") if p.get("thread_ts") == ts]


def test_a_retry_whose_first_delivery_never_arrived_is_answered_once(data: Path) -> None:
    with fake_slack() as slack, api_server(_settings(data, slack)) as url:
        retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
        assert send(url, event(_mention("1800.000001"), 101), retry).status_code == 200
        slack.wait_for("reactions.add", name="white_check_mark", timestamp="1800.000001")
        second = {"X-Slack-Retry-Num": "2", "X-Slack-Retry-Reason": "http_timeout"}
        assert send(url, event(_mention("1800.000001"), 101), second).status_code == 200
        time.sleep(1.0)  # the second retry would have been answered by now
        assert len(_answers(slack, "1800.000001")) == 1


def test_after_a_restart_a_retry_is_answered_only_if_no_process_answered_it(data: Path) -> None:
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    with fake_slack() as slack:
        with api_server(_settings(data, slack)) as url:
            send(url, event(_mention("1801.000001"), 102))
            slack.wait_for("reactions.add", name="white_check_mark", timestamp="1801.000001")
        with api_server(_settings(data, slack)) as url:  # a new process: nothing in memory
            assert send(url, event(_mention("1801.000001"), 102), retry).status_code == 200  # answered before
            assert send(url, event(_mention("1802.000001"), 103), retry).status_code == 200  # never arrived
            slack.wait_for("reactions.add", name="white_check_mark", timestamp="1802.000001")
            time.sleep(1.0)
        assert len(_answers(slack, "1801.000001")) == 1 and len(_answers(slack, "1802.000001")) == 1
        assert [c["timestamp"] for c in slack.named("reactions.add")].count("1801.000001") == 2  # eyes, check


def _command(slack: FakeSlack, text: str, channel: str) -> str:
    return urlencode(
        {
            "command": "/pm",
            "text": text,
            "channel_id": channel,
            "user_id": "U7",
            "team_id": "T1",
            "response_url": f"{slack.url}/respond/{channel}",
            "trigger_id": "t1",
        }
    )


def test_pm_replies_through_the_response_url_in_a_channel_the_bot_never_joined(data: Path) -> None:
    with fake_slack() as slack, api_server(_settings(data, slack)) as url:
        slack.not_joined.add("COUT")
        r = send(url, _command(slack, "ask what do people say about exports?", "COUT"), None, FORM)
        assert r.status_code == 200
        replies = slack.wait_for("respond", count=2)
        assert all(p["response_type"] == "in_channel" for p in replies)
        assert "asked: /pm ask" in json.dumps(replies[0]["blocks"]) and "export" in json.dumps(replies[1]).lower()
        assert not slack.named("chat.postMessage")  # nothing went the way that fails there
        send(url, _command(slack, "draft prd export to excel", "COUT"), None, FORM)
        slack.wait_for("files.completeUploadExternal (not_in_channel)")
        drafted = slack.wait_for("respond", count=5)
        text = json.dumps([p.get("blocks") for p in drafted])
        assert "PRD:" in text and "Invite the bot" in text  # the draft itself, as messages


FORM = "application/x-www-form-urlencoded"


def test_pm_in_a_joined_channel_still_attaches_the_draft_as_a_file(data: Path) -> None:
    with fake_slack() as slack, api_server(_settings(data, slack)) as url:
        send(url, _command(slack, "draft prd export to excel", "C1"), None, FORM)
        done = slack.wait_for("files.completeUploadExternal", timeout=90)[-1]
        assert done["channel_id"] == "C1" and done["files"][0]["title"].startswith("PRD:")
        assert any("/pm draft prd" in json.dumps(p.get("blocks")) for p in slack.named("respond"))


def test_the_api_starts_when_slack_cannot_be_reached_and_says_so(tmp_path: Path) -> None:
    closed = f"http://127.0.0.1:{free_port()}/api/"
    settings = Settings(
        data_dir=tmp_path, api_keys="k", slack_bot_token="xoxb-test", slack_signing_secret=SECRET, slack_api_url=closed
    )  # type: ignore[arg-type]
    with api_server(settings) as url:
        deadline = time.monotonic() + 30
        while (ready := httpx.get(f"{url}/readyz").json())["slack"] == "connecting":
            assert time.monotonic() < deadline
            time.sleep(0.1)
        assert ready["status"] == "ready" and ready["slack"].startswith("unreachable")
        kinds = httpx.get(f"{url}/v1/draft-kinds", headers={"Authorization": "Bearer k"})
        assert kinds.status_code == 200  # the rest of the API works


@pytest.fixture
def elsewhere() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """Another host (127.0.0.2): records what reaches it, serves a small CSV."""
    seen: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            seen.append({"path": self.path, "auth": self.headers.get("Authorization")})
            body, _ = _rows(9, 20)
            data = body.encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.2", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.2:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


def _share(url: str, ts: str, file_url: str, n: int) -> None:
    files = [{"id": "F1", "name": "dump.csv", "filetype": "csv", "url_private_download": file_url}]
    send(url, event(_mention(ts, "<@UBOT> summarise this", files=files), n))


def test_shared_files_send_the_token_only_to_slack_and_stop_at_the_size_cap(data: Path, elsewhere) -> None:
    other, seen = elsewhere
    with fake_slack() as slack, api_server(_settings(data, slack, slack_max_file_mb=0.05)) as url:
        slack.redirects["moved.csv"] = f"{other}/cdn/moved.csv"
        _share(url, "1810.000001", f"{slack.url}/files/moved.csv", 110)
        slack.wait_for("reactions.add", name="white_check_mark", timestamp="1810.000001", timeout=120)
        assert slack.named("download")[-1]["auth"] == "Bearer xoxb-test"  # Slack's own host gets the token
        assert seen == [{"path": "/cdn/moved.csv", "auth": None}]  # the redirect's other host does not

        _share(url, "1811.000001", f"{other}/direct.csv", 111)  # a file URL that is not Slack's
        slack.wait_for("reactions.add", name="x", timestamp="1811.000001")
        assert len(seen) == 1  # never fetched
        said = json.dumps(_answers(slack, "1811.000001"))
        assert "not on a Slack file host" in said

        big, _ = _rows(9, 400)
        slack.files["big.csv"] = big.encode()
        assert len(big) > 50_000
        _share(url, "1812.000001", f"{slack.url}/files/big.csv", 112)
        slack.wait_for("reactions.add", name="x", timestamp="1812.000001")
        assert "larger than 0.05 MB" in json.dumps(_answers(slack, "1812.000001"))

"""The Slack bot over HTTP: signed requests into the real server's /slack/events, and a fake Slack Web API on
127.0.0.1 that records every call the bot makes."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from copilot.analysis.themes import discover_themes
from copilot.config import Settings
from copilot.ingest.pipeline import ingest
from copilot.slack import blocks
from copilot.slack.feedback import Feedback
from copilot.store import open_store
from tests.api_server import api_server
from tests.conftest import write
from tests.slack_server import FakeSlack, fake_slack
from tests.test_themes import _rows

SECRET = "slack-signing-secret-for-tests"
TRAP = "Exports to Excel are slow <!channel> see <https://evil.example|click here> & more"


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, FakeSlack, Settings]]:
    data = tmp_path_factory.mktemp("slack-data")
    csv, _ = _rows(8, 40)
    csv += f'F999,C1,SMB,2026-03-03,"{TRAP}"\n'
    with fake_slack() as slack:
        settings = Settings(
            data_dir=data,
            slack_bot_token="xoxb-test",
            slack_signing_secret=SECRET,
            slack_api_url=slack.api,
            slack_channels="C1=t,CDM=t",
        )  # type: ignore[arg-type]
        store = open_store(settings)
        ingest(store, [write(data / "in" / "feedback.csv", csv)], "t")
        discover_themes(store, "t")
        with api_server(settings) as url:
            yield url, slack, settings


def signed(body: str, *, ts: str | None = None, secret: str = SECRET) -> dict[str, str]:
    ts = str(int(time.time())) if ts is None else ts
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def event(event_body: dict[str, Any], n: int) -> str:
    return json.dumps(
        {
            "token": "x",
            "team_id": "T1",
            "api_app_id": "A1",
            "type": "event_callback",
            "event_id": f"Ev{n}",
            "event_time": int(time.time()),
            "event": event_body,
            "authorizations": [{"team_id": "T1", "user_id": "UBOT", "is_bot": True}],
        }
    )


def send(
    url: str, body: str, headers: dict[str, str] | None = None, content_type: str = "application/json"
) -> httpx.Response:
    hdrs = {"Content-Type": content_type, **signed(body), **(headers or {})}
    return httpx.post(f"{url}/slack/events", content=body, headers=hdrs, timeout=30)


def test_every_request_must_carry_a_valid_fresh_signature(bot: tuple[str, FakeSlack, Settings]) -> None:
    url, slack, _ = bot
    body = json.dumps({"type": "url_verification", "challenge": "c-123", "token": "x"})
    ok = send(url, body)
    assert ok.status_code == 200 and "c-123" in ok.text
    tampered = httpx.post(f"{url}/slack/events", content=body.replace("c-123", "c-999"), headers=signed(body))
    stale = httpx.post(f"{url}/slack/events", content=body, headers=signed(body, ts=str(int(time.time()) - 600)))
    wrong = httpx.post(f"{url}/slack/events", content=body, headers=signed(body, secret="another-secret"))
    missing = httpx.post(f"{url}/slack/events", content=body)
    letters = httpx.post(
        f"{url}/slack/events",
        content=body,
        headers={"X-Slack-Request-Timestamp": "soon", "X-Slack-Signature": "v0=abc"},
    )
    for r in (tampered, stale, wrong, missing, letters):
        assert r.status_code == 401 and r.json()["error_code"] == "unauthorized"


def test_a_mention_is_answered_once_in_its_thread_with_escaped_quotes(bot, caplog) -> None:
    url, slack, settings = bot
    caplog.set_level(logging.DEBUG)
    question = "<@UBOT> exports to excel are slow, see evil click"
    mention = {
        "type": "app_mention",
        "user": "U1",
        "text": question,
        "channel": "C1",
        "ts": "1700.000100",
        "thread_ts": "1699.000001",
    }
    assert send(url, event(mention, 1)).status_code == 200
    echo = mention | {"type": "message", "channel_type": "channel"}
    assert send(url, event(echo, 2)).status_code == 200  # Slack may deliver the same message twice
    assert send(url, event(mention, 3), {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    slack.wait_for("reactions.add", name="white_check_mark", timestamp="1700.000100")
    posts = [p for p in slack.named("chat.postMessage") if p.get("thread_ts") == "1699.000001"]
    assert len(posts) == 1  # once, in the thread of the message it answers
    first = slack.named("reactions.add")[0]
    assert (first["channel"], first["name"], first["timestamp"]) == ("C1", "eyes", "1700.000100")
    text = json.dumps(posts[0]["blocks"])
    assert "&lt;!channel&gt;" in text and "<!channel>" not in text and "<https://evil" not in text
    assert posts[0]["blocks"][-1]["type"] == "actions"  # helpful / not helpful
    assert "evil click" not in caplog.text and "Exports to Excel" not in caplog.text  # logs hold no message text


def test_bots_edits_and_other_subtypes_are_ignored(bot: tuple[str, FakeSlack, Settings]) -> None:
    url, slack, _ = bot
    before = len(slack.calls)
    for n, e in enumerate(
        [
            {"type": "message", "channel_type": "im", "channel": "CDM", "ts": "1701.1", "text": "hi", "bot_id": "B9"},
            {
                "type": "message",
                "channel_type": "im",
                "channel": "CDM",
                "ts": "1701.2",
                "subtype": "message_changed",
                "message": {"text": "edited"},
            },
            {
                "type": "message",
                "channel_type": "im",
                "channel": "CDM",
                "ts": "1701.3",
                "subtype": "bot_message",
                "text": "a bot",
            },
        ],
        10,
    ):
        assert send(url, event(e, n)).status_code == 200
    time.sleep(1.5)
    assert [c["method"] for c in slack.calls[before:]] == []


def test_a_direct_message_is_answered_and_a_rate_limit_is_retried(bot: tuple[str, FakeSlack, Settings]) -> None:
    url, slack, _ = bot
    slack.rate_limit_once.add("chat.postMessage")
    dm = {
        "type": "message",
        "channel_type": "im",
        "user": "U1",
        "channel": "CDM",
        "ts": "1702.000001",
        "text": "what do people say about offline mode on mobile?",
    }
    assert send(url, event(dm, 20)).status_code == 200
    slack.wait_for("reactions.add", name="white_check_mark", timestamp="1702.000001")
    assert any(c["method"] == "chat.postMessage (429)" for c in slack.calls)
    answered = [p for p in slack.named("chat.postMessage") if p.get("thread_ts") == "1702.000001"]
    assert len(answered) == 1 and "offline" in json.dumps(answered[0]["blocks"]).lower()


def test_a_channel_without_a_project_gets_told_how_to_set_one(bot: tuple[str, FakeSlack, Settings]) -> None:
    url, slack, _ = bot
    mention = {"type": "app_mention", "user": "U1", "text": "<@UBOT> hi", "channel": "CNONE", "ts": "1703.1"}
    send(url, event(mention, 30))
    post = slack.wait_for("chat.postMessage", channel="CNONE")[0]
    assert "COPILOT_SLACK_CHANNELS" in json.dumps(post["blocks"]) and "CNONE=PROJECT" in json.dumps(post["blocks"])


def test_a_slash_command_drafts_and_uploads_the_markdown(bot: tuple[str, FakeSlack, Settings]) -> None:
    url, slack, _ = bot
    form = urlencode(
        {
            "command": "/pm",
            "text": "draft prd export to excel",
            "channel_id": "C1",
            "user_id": "U7",
            "team_id": "T1",
            "response_url": f"{slack.url}/respond",
            "trigger_id": "t1",
        }
    )
    started = time.monotonic()
    r = send(url, form, content_type="application/x-www-form-urlencoded")
    assert r.status_code == 200 and time.monotonic() - started < 3  # acknowledged at once
    done = slack.wait_for("files.completeUploadExternal", timeout=90)[-1]
    assert done["files"][0]["title"].startswith("PRD:") and done["channel_id"] == "C1"
    assert any("/pm draft prd" in json.dumps(p.get("blocks")) for p in slack.named("respond"))  # response_url
    content = max(slack.uploads.values(), key=len).decode()
    assert content.startswith("# PRD:") and "Verification:" in content
    helped = send(
        url,
        urlencode({"command": "/pm", "text": "help", "channel_id": "C1", "user_id": "U7"}),
        content_type="application/x-www-form-urlencoded",
    )
    assert "/pm draft" in helped.text


def test_a_shared_csv_comes_back_as_a_report_in_the_thread(bot: tuple[str, FakeSlack, Settings]) -> None:
    url, slack, _ = bot
    csv, _ = _rows(9, 30)
    slack.files["dump.csv"] = csv.encode()
    mention = {
        "type": "app_mention",
        "user": "U1",
        "text": "<@UBOT> summarise this",
        "channel": "C1",
        "ts": "1704.000001",
        "files": [
            {"id": "F1", "name": "dump.csv", "filetype": "csv", "url_private_download": f"{slack.url}/files/dump.csv"}
        ],
    }
    send(url, event(mention, 40))
    slack.wait_for("reactions.add", name="white_check_mark", timestamp="1704.000001", timeout=120)
    assert slack.named("download")[-1] == {"name": "dump.csv", "auth": "Bearer xoxb-test"}
    report = next(v for v in slack.uploads.values() if v.startswith(b"<!doctype html>"))
    assert b"What dump.csv says" in report and b"<svg" in report
    summary = [p for p in slack.named("chat.postMessage") if p.get("thread_ts") == "1704.000001"]
    assert any("respondents" in json.dumps(p["blocks"]) for p in summary)


def test_a_button_click_is_stored_for_the_evals(bot: tuple[str, FakeSlack, Settings]) -> None:
    url, slack, settings = bot
    mention = {
        "type": "app_mention",
        "user": "U1",
        "text": "<@UBOT> why is pricing per seat a problem?",
        "channel": "C1",
        "ts": "1705.000001",
    }
    send(url, event(mention, 50))
    slack.wait_for("reactions.add", name="white_check_mark", timestamp="1705.000001")
    post = [p for p in slack.named("chat.postMessage") if p.get("thread_ts") == "1705.000001"][-1]
    buttons = post["blocks"][-1]["elements"]
    payload = {
        "type": "block_actions",
        "user": {"id": "U1"},
        "channel": {"id": "C1"},
        "team": {"id": "T1"},
        "api_app_id": "A1",
        "token": "x",
        "trigger_id": "t",
        "container": {"type": "message"},
        "message": {"ts": "1705.5", "thread_ts": "1705.000001"},
        "actions": [
            {
                "action_id": buttons[0]["action_id"],
                "value": buttons[0]["value"],
                "type": "button",
                "block_id": post["blocks"][-1]["block_id"],
            }
        ],
    }
    r = send(url, urlencode({"payload": json.dumps(payload)}), content_type="application/x-www-form-urlencoded")
    assert r.status_code == 200
    slack.wait_for("chat.postEphemeral", user="U1")
    rated = Feedback(settings.service_db).rated("t")
    assert rated[0]["helpful"] is True and rated[0]["question"] == "why is pricing per seat a problem?"
    assert rated[0]["evidence"] and all(e["record_id"] and e["quote"] for e in rated[0]["evidence"])


def test_long_answers_are_split_under_slacks_limits() -> None:
    long = "\n".join(f"line {i} " + "x" * 90 for i in range(200))
    built = blocks.answer(long, [{"marker": i, "record_id": f"r{i}", "quote": "q <b>"} for i in range(60)], "a1")
    assert all(len(b["text"]["text"]) <= blocks.SECTION_CHARS for b in built if b["type"] == "section")
    parts = blocks.messages(built)
    assert len(parts) > 1 and all(len(p) <= blocks.MESSAGE_BLOCKS for p in parts)
    assert "&lt;b&gt;" in json.dumps(built) and blocks.escape("a & <@U1>") == "a &amp; &lt;@U1&gt;"


def test_the_manifest_asks_for_what_the_bot_uses() -> None:
    import yaml

    manifest = yaml.safe_load((Path(__file__).parent.parent / "slack" / "manifest.yaml").read_text())
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {
        "app_mentions:read",
        "chat:write",
        "commands",
        "files:read",
        "files:write",
        "reactions:write",
        "im:history",
    } <= scopes
    assert manifest["features"]["slash_commands"][0]["command"] == "/pm"
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) == {"app_mention", "message.im"}

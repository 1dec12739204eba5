"""Replies to `/pm` through the command's `response_url`, which works in every channel where the command was
typed; `chat.postMessage` fails in channels the bot has not joined (`not_in_channel`).

`CommandReplies` is the WebClient the /pm listeners get: its `chat_postMessage` posts to the response URL (as
an in-channel message: these replies have no thread), and a file goes to the channel when the bot may post
there, else its text comes through the response URL too.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler
from slack_sdk.web import SlackResponse
from slack_sdk.webhook import WebhookClient

from copilot.slack import blocks

log = logging.getLogger("copilot.slack")
NOT_JOINED = ("not_in_channel", "channel_not_found")


class CommandReplies(WebClient):
    def __init__(self, client: WebClient, response_url: str) -> None:
        super().__init__(token=client.token, base_url=client.base_url, timeout=client.timeout)
        self.retry_handlers = client.retry_handlers
        self.hook = WebhookClient(
            response_url,
            retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=3), ConnectionErrorRetryHandler(2)],
        )

    def chat_postMessage(self, **kwargs: Any) -> SlackResponse:  # noqa: N802 - the Web API method's name
        sent = self.hook.send(text=kwargs.get("text"), blocks=kwargs.get("blocks"), response_type="in_channel")
        if sent.status_code != 200:
            raise SlackApiError(f"response_url answered {sent.status_code}", {"ok": False, "error": sent.body})
        return SlackResponse(
            client=self,
            http_verb="POST",
            api_url="response_url",
            req_args={},
            data={"ok": True},
            headers={},
            status_code=200,
        )

    def files_upload_v2(self, **kwargs: Any) -> SlackResponse:
        kwargs.pop("thread_ts", None)  # response-URL messages have no thread to attach to
        try:
            return super().files_upload_v2(**kwargs)
        except SlackApiError as exc:
            if exc.response.get("error") not in NOT_JOINED:
                raise
            log.info("the bot is not in %s: the file comes as messages", kwargs.get("channel"))
            content = kwargs.get("content") or ""
            text = content.decode() if isinstance(content, bytes) else content
            note = "(Invite the bot to this channel to get this as a file.)\n\n"
            for part in blocks.messages(blocks.plain(note + text)):
                self.chat_postMessage(blocks=part, text=blocks.fallback(kwargs.get("title") or text))
            return exc.response

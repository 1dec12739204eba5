"""The Bolt app: mentions, direct messages, `/pm`, shared survey files and feedback buttons.

Every listener acknowledges at once and does the slow work in a lazy listener. The bot ignores itself, other
bots, edits and other message subtypes, answers a mention once even when Slack sends it as both `app_mention`
and `message`, and answers each event once however often Slack delivers it (a retry whose first delivery never
arrived is answered; the marks are shared by every process, see copilot.shared_state). `/pm` replies through the
command's response URL. Logs hold ids and error types, never message text.
"""

from __future__ import annotations

import logging
import re
import tempfile
from pathlib import Path
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler

from copilot.analysis.themes import analyze, discover_themes
from copilot.chat.answer import answer_once, chat_events
from copilot.config import Settings
from copilot.drafts import registry
from copilot.drafts.build import draft_document, draft_markdown, inputs_for
from copilot.errors import CopilotError, ErrorCode
from copilot.llm.registry import get_model
from copilot.shared_state import FirstSeen
from copilot.slack import blocks
from copilot.slack.feedback import Feedback
from copilot.slack.files import download
from copilot.slack.replies import CommandReplies
from copilot.store.chroma import Store
from copilot.survey.pipeline import Options, survey_report
from copilot.survey.render import write

log = logging.getLogger("copilot.slack")
for _noisy in ("slack_bolt", "slack_sdk"):  # their debug lines carry request bodies: message text
    logging.getLogger(_noisy).setLevel(logging.WARNING)
MENTION_RE = re.compile(r"<@[A-Z0-9]+>")
SURVEY_TYPES = {"csv", "xlsx"}


def web_client(settings: Settings) -> WebClient:
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    client = WebClient(token=token, base_url=settings.slack_api_url or WebClient.BASE_URL)
    client.retry_handlers.extend(
        [RateLimitErrorRetryHandler(max_retry_count=3), ConnectionErrorRetryHandler(max_retry_count=2)]
    )
    return client


class Bot:
    def __init__(self, settings: Settings, store: Store, client: WebClient | None = None) -> None:
        self.settings, self.store = settings, store
        self.client = client or web_client(settings)
        self.feedback = Feedback(settings.service_db)
        self.seen = FirstSeen(settings)  # event ids and messages answered, in every process and after a restart
        secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None
        self.app = App(
            client=self.client,
            signing_secret=secret,
            process_before_response=True,
            request_verification_enabled=secret is not None,
            token_verification_enabled=False,  # no call to Slack here: the API starts when Slack is unreachable
        )
        self._register()

    def check(self) -> str:
        """Whether Slack answers with this token: "connected", or why not (the status /readyz shows)."""
        try:
            self.client.auth_test()
        except Exception as exc:  # noqa: BLE001 - any failure is a status to show, not a reason to stop
            return f"unreachable ({type(exc).__name__})"
        return "connected"

    def project_for(self, channel: str) -> str | None:
        return self.settings.slack_projects.get(channel) or self.settings.slack_default_project

    # Listeners
    def _register(self) -> None:
        app = self.app

        @app.middleware
        def once_per_event(req: BoltRequest, next: Any) -> BoltResponse | None:  # noqa: A002 - Bolt's name
            # Slack retries an event it thinks was not received; whichever delivery comes first is answered,
            # the others only acknowledged.
            event_id = req.body.get("event_id") if isinstance(req.body, dict) else None
            if event_id and not self.seen.first(f"event:{event_id}"):
                return BoltResponse(status=200, body="")
            return next()

        def ack_only(ack: Any) -> None:
            ack()

        app.event("app_mention")(ack=ack_only, lazy=[self._on_mention])
        app.event("message")(ack=ack_only, lazy=[self._on_message])
        app.command("/pm")(ack=self._ack_command, lazy=[self._on_command])
        app.action(re.compile(r"^feedback_(not_)?helpful$"))(ack=ack_only, lazy=[self._on_feedback])

    def _on_mention(self, event: dict[str, Any], client: WebClient) -> None:
        self._handle(event, client)

    def _on_message(self, event: dict[str, Any], client: WebClient) -> None:
        if event.get("channel_type") != "im" or event.get("bot_id"):
            return  # in channels a question is a mention; other bots are not asking
        if event.get("subtype") not in (None, "file_share"):
            return  # edits, deletions, joins and the like
        self._handle(event, client)

    def _handle(self, event: dict[str, Any], client: WebClient) -> None:
        channel, ts = event["channel"], event["ts"]
        if event.get("bot_id") or event.get("subtype") == "bot_message" or not self.seen.first(f"{channel}:{ts}"):
            return
        thread = event.get("thread_ts") or ts
        log.info("answering %s in %s", ts, channel)
        client.reactions_add(channel=channel, name="eyes", timestamp=ts)
        project = self.project_for(channel)
        if project is None:
            self._post(client, channel, thread, blocks.no_project(channel), "This channel has no project yet.")
            return
        try:
            files = [f for f in event.get("files", []) if str(f.get("filetype", "")).lower() in SURVEY_TYPES]
            question = MENTION_RE.sub("", event.get("text", "")).strip()
            if files:
                self._survey_report(client, channel, thread, project, files[0])
            elif not question:
                self._post(client, channel, thread, blocks.plain(_help()), "How to use PM Copilot")
            else:
                self._answer(client, channel, thread, project, question)
            client.reactions_add(channel=channel, name="white_check_mark", timestamp=ts)
        except Exception as exc:  # noqa: BLE001 - the user gets a clear message, the log gets the type only
            self._failed(client, channel, thread, exc)
            client.reactions_add(channel=channel, name="x", timestamp=ts)

    def _answer(self, client: WebClient, channel: str, thread: str, project: str, question: str) -> None:
        model = get_model(self.settings)
        done = answer_once(chat_events(self.store, project, question, model))
        if not done.get("verification", {}).get("passed"):  # a post cannot be taken back: never an unverified one
            raise CopilotError(ErrorCode.verification, "the answer could not be verified, so it was not posted")
        evidence = [{"record_id": c["record_id"], "quote": c["quote"]} for c in done["citations"]]
        answer_id = self.feedback.answered(project, channel, question, done["answer"], evidence)
        if done.get("meta", {}).get("route") == "draft":
            self._post_draft(client, channel, thread, done["draft"], done["answer"])
            return
        self._post(client, channel, thread, blocks.answer(done["answer"], done["citations"], answer_id), done["answer"])

    def _post_draft(self, client: WebClient, channel: str, thread: str, doc: dict[str, Any], markdown: str) -> None:
        v = doc["verification"]
        title = markdown.splitlines()[0].lstrip("# ") if markdown else doc["kind"]
        summary = (
            f"*{title}*: {v['items_checked'] - v['items_dropped']} items, {v['quotes_checked']} quotes and "
            f"{v['numbers_checked']} numbers verified. The full draft is attached."
        )
        self._post(client, channel, thread, blocks.plain(summary), summary)
        client.files_upload_v2(
            channel=channel, thread_ts=thread, content=markdown, filename=f"{doc['kind']}.md", title=title
        )

    def _survey_report(self, client: WebClient, channel: str, thread: str, project: str, file: dict) -> None:
        self._post(
            client,
            channel,
            thread,
            blocks.plain("Summarising the survey; the report comes here."),
            "Summarising the survey",
        )
        with tempfile.TemporaryDirectory() as tmp:
            name = Path(str(file.get("name") or f"survey.{file['filetype']}")).name
            path = download(file["url_private_download"], Path(tmp) / name, self.settings)
            opts = Options(file=path, project=f"{project}-survey", provider="extractive")
            report = survey_report(self.settings, opts, _Quiet())
            paths = write(report, Path(tmp) / "report.html")
            self._post(
                client, channel, thread, blocks.plain(report.executive_summary.text), report.executive_summary.text
            )
            client.files_upload_v2(
                channel=channel,
                thread_ts=thread,
                file=str(paths[0]),
                filename=f"{path.stem}-report.html",
                title=report.title,
            )

    def _ack_command(self, ack: Any, command: dict[str, Any]) -> None:
        sub = (command.get("text") or "").strip().split(" ", 1)[0].lower()
        if sub in ("", "help") or sub not in COMMANDS:
            ack(blocks=blocks.plain(_help()), text="How to use /pm")
        else:
            ack(text="On it.")

    def _on_command(self, command: dict[str, Any], client: WebClient) -> None:
        text = (command.get("text") or "").strip()
        sub, _, rest = text.partition(" ")
        sub, rest = sub.lower(), rest.strip()
        channel = command["channel_id"]
        if sub not in COMMANDS:
            return  # the help was the acknowledgement
        if command.get("response_url"):  # works where the bot was never invited; replies have no thread
            client = CommandReplies(client, command["response_url"])
        project = self.project_for(channel)
        if project is None:
            client.chat_postMessage(channel=channel, blocks=blocks.no_project(channel), text="No project yet.")
            return
        client.chat_postMessage(
            channel=channel,
            text=blocks.fallback(f"/pm {text}"),
            blocks=blocks.plain(f"<@{command['user_id']}> asked: /pm {text}"),
        )
        thread = ""
        try:
            if sub == "ask" and rest:
                self._answer(client, channel, thread, project, rest)
            elif sub == "draft":
                kind_word, _, topic = rest.partition(" ")
                kind = registry.for_word(kind_word)
                if kind is None:
                    raise CopilotError(ErrorCode.bad_input, f"draft what? {', '.join(registry.names())}")
                inputs = inputs_for(kind, topic=topic.strip() or None)
                draft = draft_document(self.store, project, kind.name, get_model(self.settings), inputs=inputs)
                self._post_draft(client, channel, thread, draft.model_dump(mode="json"), draft_markdown(draft))
            elif sub == "discover":
                model = discover_themes(self.store, project)
                found = f"Found {len(model.topics)} topics in {model.discovered.get('records', 0):,} feedback records."
                self._post(client, channel, thread, blocks.plain(found + " `/pm themes` shows them."), found)
            elif sub == "themes":
                report = analyze(self.store, project)
                ranked = sorted(report.themes, key=lambda t: -t.reach)
                self._post(client, channel, thread, blocks.themes(ranked, project), f"Themes in {project}")
            else:
                self._post(client, channel, thread, blocks.plain(_help()), "How to use /pm")
        except Exception as exc:  # noqa: BLE001
            self._failed(client, channel, thread, exc)

    def _on_feedback(self, body: dict[str, Any], client: WebClient) -> None:
        action = body["actions"][0]
        helpful = action["action_id"] == "feedback_helpful"
        stored = self.feedback.rate(action["value"], helpful, body.get("user", {}).get("id", ""))
        channel = body.get("channel", {}).get("id")
        message = body.get("message", {})
        if stored and channel:
            client.chat_postEphemeral(
                channel=channel,
                user=body["user"]["id"],
                thread_ts=message.get("thread_ts"),
                text="Thanks: noted as " + ("helpful." if helpful else "not helpful."),
            )

    def _post(self, client: WebClient, channel: str, thread: str, message: list[dict], text: str) -> None:
        for part in blocks.messages(message):
            client.chat_postMessage(channel=channel, thread_ts=thread, blocks=part, text=blocks.fallback(text))

    def _failed(self, client: WebClient, channel: str, thread: str, exc: Exception) -> None:
        log.warning("could not answer in %s: %s", channel, type(exc).__name__)
        why = exc.detail if isinstance(exc, CopilotError) else "an internal error (see the server log)"
        self._post(client, channel, thread, blocks.plain(f"Sorry, I could not do that: {why}"), "Sorry, that failed")


COMMANDS = ("ask", "draft", "themes", "discover")


def _help() -> str:
    return blocks.help_text([(k.name, "topic" in k.inputs) for k in registry.kinds()])


class _Quiet:
    """Summaries started from Slack: no progress bars; the extractive engine, so no paid calls to confirm."""

    def stage(self, name: str, total: int | None) -> None:
        pass

    def advance(self, name: str, completed: int) -> None:
        pass

    def confirm(self, estimate: Any) -> bool:
        return True

"""The background tasks chat front ends send through the same endpoint as questions, answered at once.

Open WebUI asks its model for a chat's title, tags, follow-up suggestions, search queries, an emoji and
autocompletions, each as one message that starts with "### Task:" and holds the chat in <chat_history>, and
parses the JSON object it asked for. LibreChat asks for "a concise, 5-word-or-less title for the conversation"
(or, in its agents package, "Analyze this conversation and provide: ... A concise title"). Answered as
questions, each would run a full evidence search and a model call, and its "answer" would be evidence nobody
reads. So they are recognised here and answered from the person's own words in the chat, without search or
model: cheap, and with no customer text in a title. Previous answers in the chat history (which quote
customers) are never used.
"""

from __future__ import annotations

import json
import re
from enum import StrEnum

from copilot.chat.followup import key_terms


class Task(StrEnum):
    chat_title = "title"
    tags = "tags"
    follow_ups = "follow_ups"
    queries = "queries"
    autocomplete = "autocomplete"
    emoji = "emoji"


_OPEN_WEBUI = {
    Task.chat_title: re.compile(r'\{\s*"title"\s*:'),
    Task.tags: re.compile(r'\{\s*"tags"\s*:'),
    Task.follow_ups: re.compile(r'\{\s*"follow_ups"\s*:'),
    Task.queries: re.compile(r'\{\s*"queries"\s*:'),
    Task.autocomplete: re.compile(r'\{\s*"text"\s*:|autocompletion system', re.I),
    Task.emoji: re.compile(r"\bemoji\b", re.I),
}
_LIBRECHAT_TITLE = re.compile(
    r"5-word-or-less title for the conversation|analyze this conversation and provide:.*concise title"
    r"|concise title \(max \d+ characters\) for a conversation",
    re.I | re.S,
)
_USER_LINE = re.compile(r"^\s*(?:user|human)\s*:\s*(.+)$", re.I | re.M)
TITLE_WORDS = 5


def recognise(text: str) -> Task | None:
    """Which background task a message is, if it is one."""
    head = text.lstrip()[:40].lower()
    if head.startswith("### task:") and "<chat_history>" in text.lower():
        for task, pattern in _OPEN_WEBUI.items():
            if pattern.search(text):
                return task
        return None
    if _LIBRECHAT_TITLE.search(text[:2000]):
        return Task.chat_title
    return None


def _asked(text: str, fallback: list[str]) -> list[str]:
    """The person's own lines in the chat the task carries (never the assistant's, which quote customers)."""
    found = [m.group(1).strip() for m in _USER_LINE.finditer(text)]
    return found or [q for q in fallback if q.strip()]


def _title(question: str, project: str) -> str:
    words = re.findall(r"[\w'’-]+", question)
    if not words:
        return f"Feedback in {project}"
    title = " ".join(words[:TITLE_WORDS])
    return title[:1].upper() + title[1:]


def answer_task(task: Task, text: str, project: str, earlier_questions: list[str]) -> str:
    """The reply a front end expects for its task (JSON for Open WebUI, a bare title for LibreChat)."""
    questions = _asked(text, earlier_questions)
    first, last = (questions[0], questions[-1]) if questions else ("", "")
    terms = " ".join(key_terms(last)[:4])
    if task is Task.chat_title:
        title = _title(first, project)
        return json.dumps({"title": title}) if text.lstrip().lower().startswith("### task:") else title
    if task is Task.tags:
        return json.dumps({"tags": ["Customer Feedback", project, *([terms.title()] if terms else [])]})
    if task is Task.follow_ups:
        about = terms or "this"
        return json.dumps(
            {
                "follow_ups": [
                    f"Which plans and segments mention {about} most?",
                    f"Is feedback about {about} growing or fading?",
                    f"Draft a PRD for {about}",
                ]
            }
        )
    if task is Task.queries:
        return json.dumps({"queries": [last] if last else []})
    if task is Task.autocomplete:
        return json.dumps({"text": ""})
    return "📊"

"""Block Kit messages, built by pure functions. Customer text is escaped so a quote can never ping @channel or
forge a link, and long output is split under Slack's limits (3,000 characters a section, 50 blocks a message)."""

from __future__ import annotations

from typing import Any

SECTION_CHARS = 3000
MESSAGE_BLOCKS = 50
Block = dict[str, Any]


def escape(text: str) -> str:
    """Slack's three control characters; `<!channel>` and `<https://evil|click>` become plain text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _sections(text: str) -> list[Block]:
    """mrkdwn sections of at most SECTION_CHARS, split at line ends where possible."""
    blocks, rest = [], text
    while rest:
        cut = len(rest) if len(rest) <= SECTION_CHARS else (rest.rfind("\n", 0, SECTION_CHARS) + 1 or SECTION_CHARS)
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": rest[:cut]}})
        rest = rest[cut:]
    return blocks


def messages(blocks: list[Block]) -> list[list[Block]]:
    """Blocks in messages of at most MESSAGE_BLOCKS."""
    return [blocks[i : i + MESSAGE_BLOCKS] for i in range(0, len(blocks), MESSAGE_BLOCKS)] or [[]]


def answer(text: str, citations: list[dict[str, Any]], feedback_id: str | None = None) -> list[Block]:
    """The answer, then its sources as verbatim quotes with record ids, then helpful / not helpful buttons."""
    blocks = _sections(escape(text))
    if citations:
        blocks.append({"type": "divider"})
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": "*Sources* (verbatim)"}]})
        for c in citations:
            quote = escape(" ".join(c["quote"].split()))
            marker = f"[{c['marker']}] " if c.get("marker") else ""
            blocks += _sections(f"{marker}> {quote}\n`{escape(c['record_id'])}`")
    if feedback_id:
        blocks.append(
            {
                "type": "actions",
                "block_id": f"feedback:{feedback_id}",
                "elements": [
                    {
                        "type": "button",
                        "action_id": "feedback_helpful",
                        "value": feedback_id,
                        "text": {"type": "plain_text", "text": "Helpful"},
                        "style": "primary",
                    },
                    {
                        "type": "button",
                        "action_id": "feedback_not_helpful",
                        "value": feedback_id,
                        "text": {"type": "plain_text", "text": "Not helpful"},
                    },
                ],
            }
        )
    return blocks


def plain(text: str) -> list[Block]:
    return _sections(escape(text))


def fallback(text: str, limit: int = 300) -> str:
    """The notification text of a message (what a phone shows); escaped and short."""
    flat = " ".join(text.split())
    return escape(flat[:limit] + ("…" if len(flat) > limit else ""))


def help_text(kinds: list[tuple[str, bool]]) -> str:
    """How to use the bot; `kinds` are the draft kinds' names, each with whether it takes a topic."""
    listed = "|".join(name for name, _ in kinds)
    topic = " [TOPIC]" if any(takes for _, takes in kinds) else ""
    return (
        "*PM Copilot* answers from your customers' feedback, with verbatim sources.\n"
        "• Mention me with a question, or message me directly.\n"
        "• `/pm ask QUESTION`: an answer with its sources.\n"
        f"• `/pm draft {listed}{topic}`: a summary here, and the full draft as a file.\n"
        "• `/pm themes`: what customers talk about most; `/pm discover` finds the themes first.\n"
        "• Share a CSV or XLSX survey export and mention me: a survey report comes back to the thread."
    )


def no_project(channel: str) -> list[Block]:
    return plain(
        f"This channel ({channel}) is not linked to a PM Copilot project yet. Ask whoever runs PM Copilot to add "
        f"`{channel}=PROJECT` to COPILOT_SLACK_CHANNELS (comma-separated), or to set COPILOT_SLACK_DEFAULT_PROJECT."
    )


def themes(report_themes: list[Any], project: str, limit: int = 10) -> list[Block]:
    lines = [f"*Themes in {escape(project)}*, by customers reached:"]
    for i, t in enumerate(report_themes[:limit], 1):
        lines.append(
            f"{i}. {escape(t.label)}: {t.reach:,} customers, {t.share * 100:.1f}% of feedback, {t.trend.direction}"
        )
    return _sections("\n".join(lines))

"""What the app holds for its lifetime (settings, store, jobs, conversations, guard), and the dependencies that
hand it to endpoints."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request

from copilot.api.security import Guard
from copilot.chat.history import History
from copilot.config import Settings
from copilot.jobs import Jobs, Worker


@dataclass
class State:
    settings: Settings
    store: Any  # copilot.store.chroma.Store; opened when the app starts
    jobs: Jobs
    history: History
    guard: Guard
    worker: Worker | None = None
    bot: Any = None  # copilot.slack.bot.Bot when Slack is configured


def state(request: Request) -> State:
    return request.app.state.copilot


def guarded(request: Request) -> str:
    """Every endpoint but health: a valid key (when keys are set), within its rate limit."""
    return state(request).guard(request)

"""What the app holds for its lifetime (settings, store, jobs, conversations, guard), and the dependencies that
hand it to endpoints: `guarded` (the key, its rate limit and its projects) and `state` (which implies it)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from copilot.api.scopes import Caller, ScopedStore
from copilot.api.security import Guard
from copilot.chat.history import History
from copilot.config import Settings
from copilot.jobs import Jobs, Worker

# Declared so the OpenAPI document carries the bearer scheme and generated clients send the key; the Guard reads
# the header itself, with its own messages.
bearer = HTTPBearer(auto_error=False, description="An API key from COPILOT_API_KEYS (when it is set).")
PATH_PROJECTS = ("project", "model_id")  # path parameters that name a project


@dataclass
class State:
    settings: Settings
    store: Any  # copilot.store.chroma.Store; opened when the app starts
    jobs: Jobs
    history: History
    guard: Guard
    worker: Worker | None = None
    bot: Any = None  # copilot.slack.bot.Bot when Slack is configured
    slack_status: str = "off"  # "connected", or why the bot could not reach Slack at start


def app_state(request: Request) -> State:
    return request.app.state.copilot


def guarded(request: Request, _: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Caller:
    """Every endpoint but health: a valid key (when keys are set), within its rate limit, and allowed the
    project the path names (a job's project for /v1/jobs/{job_id}), else 403 forbidden."""
    s = app_state(request)
    caller = s.guard(request)
    if caller.projects is not None:
        for name in PATH_PROJECTS:
            if name in request.path_params:
                caller.require(request.path_params[name])
        if "job_id" in request.path_params:
            caller.require(s.jobs.get(request.path_params["job_id"]).project)
    return caller


def state(request: Request, caller: Annotated[Caller, Depends(guarded)]) -> State:
    """The app state as this caller may see it: a key limited to some projects gets a store that lists and
    opens only those (see ScopedStore)."""
    s = app_state(request)
    if caller.projects is None:
        return s
    return dataclasses.replace(s, store=ScopedStore(s.store, caller))

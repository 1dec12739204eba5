"""The FastAPI app: `copilot serve` runs it with uvicorn (`create_app` is the factory for several workers)."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from copilot.api import chat_routes, errors, openapi, routes
from copilot.api.job_handlers import handlers
from copilot.api.job_process import stop_children
from copilot.api.security import BodyLimit, Guard
from copilot.api.state import State, guarded
from copilot.chat.history import History
from copilot.config import Settings, get_settings
from copilot.jobs import Jobs, Worker

log = logging.getLogger("copilot.api")
REQUESTS = Counter("copilot_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram("copilot_http_request_seconds", "Time to the response headers", ["route"])


class Measure:
    """Request count and time to the response headers, by route template (pure ASGI: streams pass untouched)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()

        async def timed(message: Message) -> None:
            if message["type"] == "http.response.start":
                route = getattr(scope.get("route"), "path", "unmatched")
                LATENCY.labels(route).observe(time.perf_counter() - started)
                REQUESTS.labels(scope["method"], route, str(message["status"])).inc()
            await send(message)

        await self.app(scope, receive, timed)


def _start_slack(s: State, settings: Settings) -> None:
    """The bot is built without calling Slack, so the API starts when Slack cannot be reached; whether it could
    is checked in the background, logged and shown in /readyz."""
    from copilot.slack.bot import Bot

    s.bot = Bot(settings, s.store)
    s.slack_status = "connecting"

    def check() -> None:
        s.slack_status = s.bot.check()
        if s.slack_status != "connected":
            log.warning("Slack: %s; the API runs, and the bot answers once Slack can be reached", s.slack_status)

    threading.Thread(target=check, name="copilot-slack-check", daemon=True).start()


SERVER_WRITE_SLICE = 250  # records per store call: a request waits at most about half a second behind an ingest


def create_app(settings: Settings | None = None, *, worker: bool = True) -> FastAPI:
    settings = settings or get_settings()
    if settings.store_write_slice is None:  # requests wait while the store holds the interpreter lock
        settings = settings.model_copy(update={"store_write_slice": SERVER_WRITE_SLICE})

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from copilot.store import open_store

        s: State = app.state.copilot
        s.store = open_store(settings)
        if slack:
            _start_slack(s, settings)
        for note in s.jobs.expire():
            log.warning("job given up after a restart: %s", note)
        if worker:
            s.worker = Worker(s.jobs, handlers(s.store, settings))
            s.worker.start()
        yield
        if s.worker:
            s.worker.stop()
            stop_children()

    app = FastAPI(
        title="PM Copilot",
        version="0.1.0",
        description="Evidence-backed product drafts from customer feedback. Every endpoint but /healthz, "
        "/readyz and /metrics takes `Authorization: Bearer KEY` when COPILOT_API_KEYS is set; a key may be "
        "limited to some projects (403 `forbidden` for the others).",
        lifespan=lifespan,
        docs_url=None,  # served below, behind the key like the rest
        redoc_url=None,
        openapi_url=None,
    )
    app.state.copilot = State(
        settings=settings,
        store=None,
        jobs=Jobs(settings.service_db, settings.data_dir / "jobs", settings.job_lease_s),
        history=History(settings.service_db),
        guard=Guard(settings),
    )
    errors.install(app)
    slack = bool(settings.slack_bot_token and settings.slack_signing_secret)
    if slack:  # the Events API, signed by Slack rather than by our API keys
        from copilot.api import slack_routes

        secret = settings.slack_signing_secret.get_secret_value()  # type: ignore[union-attr]
        app.include_router(slack_routes.router(lambda: app.state.copilot.bot, secret))
    for router in routes.ROUTERS:
        app.include_router(router, responses=errors.ERROR_RESPONSES)
    app.include_router(chat_routes.router, responses=errors.ERROR_RESPONSES)
    openapi.install(app)
    origins = [o.strip() for o in settings.cors_origins.split(",") if o.strip()]
    if origins:
        app.add_middleware(CORSMiddleware, allow_origins=origins, allow_methods=["*"], allow_headers=["*"])
    app.add_middleware(BodyLimit, max_bytes=int(settings.max_upload_mb * 1_000_000))

    app.add_middleware(Measure)
    _operations(app)
    return app


def _operations(app: FastAPI) -> None:
    """Health, readiness and metrics need no key (load balancers and Prometheus); the API's description does."""

    @app.get("/openapi.json", include_in_schema=False, dependencies=[Depends(guarded)])
    def spec() -> JSONResponse:
        return JSONResponse(app.openapi())

    @app.get("/docs", include_in_schema=False, dependencies=[Depends(guarded)])
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title=f"{app.title} API")

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    def readyz(request: Request) -> JSONResponse:
        """Ready when the store answers; `pid` tells which server process answered, `slack` how the bot is."""
        s: State = request.app.state.copilot
        try:
            projects = len(s.store.projects())
        except Exception as exc:  # noqa: BLE001 - not ready, whatever the store says
            return JSONResponse({"status": "unavailable", "detail": f"store: {type(exc).__name__}"}, 503)
        mode = "server" if s.settings.chroma_url else "embedded"
        body = {"status": "ready", "store": mode, "projects": projects, "pid": os.getpid(), "slack": s.slack_status}
        return JSONResponse(body)

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
